"""The shared base of the Keras metrics on token ids (`Bleu`, `Chrf`).

It reads `y_true`/`y_pred` (dense, ragged or logits), drops padding, start tokens,
everything from the end token on and positions of zero weight, and hands the kept
tokens, left-aligned, to the subclass; and it counts clipped n-gram matches between
hypothesis and reference rows exactly (no hashing) with pairwise comparisons.
"""

import keras

from keras_seq import _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("the Keras metrics of keras_seq.metrics") from error

from keras_seq.checks import check_dtype, check_int, checked


class IdSequenceMetric(keras.metrics.Metric):
    """A metric over (reference, hypothesis) rows of token ids; see `Bleu`'s docstring.

    Subclasses create their variables and implement `_accumulate(hyp, hyp_len, ref,
    ref_len)`: `hyp`/`ref` are int64 `(batch_size, timesteps)` with the kept tokens
    first, and `hyp_len`/`ref_len` int32 `(batch_size,)` count them.
    """

    def __init__(self, pad_id=0, start_id=None, end_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if not keras.backend.is_float_dtype(self.dtype):
            raise ValueError(f"`dtype` must be a float dtype. Received: dtype={dtype!r}")
        self.pad_id = check_int("pad_id", pad_id, minimum=0, allow_none=True)
        self.start_id = check_int("start_id", start_id, minimum=0, allow_none=True)
        self.end_id = check_int("end_id", end_id, minimum=0, allow_none=True)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Like Keras's own metrics, honour the padding mask a masked model attaches to
        # its output (Keras hands plain `compile(metrics=...)` no sample weights). Keras
        # keeps it in this attribute and has no public getter.
        mask = getattr(y_pred, "_keras_mask", None)
        if mask is not None:
            mask = tf.cast(mask, "float32")
            sample_weight = mask if sample_weight is None else sample_weight * mask
        weighted = None if sample_weight is None else weighted_positions(sample_weight)
        ref, ref_len = self._clean(y_true, "y_true", weighted)
        hyp, hyp_len = self._clean(y_pred, "y_pred", weighted)
        if hyp.shape[0] is not None and ref.shape[0] is not None and hyp.shape[0] != ref.shape[0]:
            raise ValueError(
                "`y_true` and `y_pred` must have the same batch size. Received: "
                f"y_true.shape={tuple(ref.shape)}, y_pred.shape={tuple(hyp.shape)}"
            )
        self._accumulate(hyp, hyp_len, ref, ref_len)

    def get_config(self):
        config = super().get_config()
        config.update({"pad_id": self.pad_id, "start_id": self.start_id, "end_id": self.end_id})
        return config

    def _accumulate(self, hyp, hyp_len, ref, ref_len):
        raise NotImplementedError

    def _ignored_ids(self):
        """The ids dropped wherever they occur."""
        return [i for i in (self.pad_id, self.start_id) if i is not None]

    def _clean(self, ids, name, weighted=None):
        """Returns left-aligned kept tokens `(batch_size, timesteps)` and their counts.

        `weighted` (bool, `(batch_size, timesteps)` or `(batch_size, 1)`, from
        `weighted_positions`) marks the positions that count; the others are padding.
        """
        if isinstance(ids, tf.RaggedTensor):
            if ids.shape.rank != 2:
                raise ValueError(
                    f"`{name}` must be a (batch_size, timesteps) ragged tensor. "
                    f"Received: {name}.shape={ids.shape}"
                )
            check_id_dtype(name, ids.dtype)
            dense = ids.to_tensor()
            present = tf.sequence_mask(ids.row_lengths(), maxlen=tf.shape(dense)[1])
        else:
            dense = tf.convert_to_tensor(ids)
            rank = dense.shape.rank
            if rank == 3 and dense.dtype.is_floating and name == "y_pred":
                dense = tf.argmax(dense, axis=-1)
            elif rank == 3 and dense.shape[-1] == 1:
                dense = tf.squeeze(dense, axis=-1)
            if dense.shape.rank != 2:
                raise ValueError(
                    f"`{name}` must be token ids of shape (batch_size, timesteps)"
                    + (
                        " or logits (batch_size, timesteps, vocabulary_size)"
                        if name == "y_pred"
                        else ""
                    )
                    + f". Received: {name}.shape={tuple(dense.shape)}"
                )
            check_id_dtype(name, dense.dtype)
            present = tf.ones_like(dense, dtype="bool")
        if weighted is not None:
            present = present & align_weights(weighted, dense, name)
        if dense.dtype.is_floating:
            dense = checked_whole(name, dense)
        dense = tf.cast(dense, "int64")
        keep = present
        for ignored in self._ignored_ids():
            keep = keep & tf.not_equal(dense, ignored)
        if self.end_id is not None:
            ends = tf.cast(present & tf.equal(dense, self.end_id), "int32")
            keep = keep & tf.equal(tf.cumsum(ends, axis=1), 0)
        timesteps = tf.shape(dense)[1]
        positions = tf.range(timesteps)[tf.newaxis, :]
        # Kept tokens first, in their order; the sort keys are distinct, so it is stable.
        order = tf.argsort(tf.where(keep, positions, positions + timesteps), axis=1)
        compact = tf.gather(dense, order, batch_dims=1)
        return compact, tf.reduce_sum(tf.cast(keep, "int32"), axis=1)


def weighted_positions(sample_weight):
    """`sample_weight != 0` as a bool `(batch_size, timesteps)` or `(batch_size, 1)`."""
    if isinstance(sample_weight, tf.RaggedTensor):
        if sample_weight.shape.rank != 2:
            raise ValueError(
                "A ragged `sample_weight` must have shape (batch_size, timesteps). "
                f"Received: sample_weight.shape={sample_weight.shape}"
            )
        # Positions past a row's end are not tokens of that row anyway.
        return tf.not_equal(sample_weight.to_tensor(), 0)
    weights = tf.convert_to_tensor(sample_weight)
    rank = weights.shape.rank
    if rank == 3 and weights.shape[-1] == 1:
        weights = tf.squeeze(weights, axis=-1)
    elif rank == 1:
        weights = weights[:, tf.newaxis]  # one weight per sentence
    if weights.shape.rank != 2:
        raise ValueError(
            "`sample_weight` must have shape (batch_size, timesteps), "
            "(batch_size, timesteps, 1) or (batch_size,). "
            f"Received: sample_weight.shape={tuple(weights.shape)}"
        )
    return tf.not_equal(weights, tf.zeros([], weights.dtype))


def align_weights(weighted, dense, name):
    """Broadcasts the weighted positions to the ids' `(batch_size, timesteps)`."""
    for axis, label in ((0, "batch size"), (1, "timesteps")):
        expected, received = dense.shape[axis], weighted.shape[axis]
        if expected is not None and received not in (None, 1, expected):
            raise ValueError(
                f"`sample_weight` must have the {label} of `{name}`. Received: "
                f"sample_weight.shape={tuple(weighted.shape)}, "
                f"{name}.shape={tuple(dense.shape[:2])}"
            )
    return tf.broadcast_to(weighted, tf.shape(dense)[:2])


def check_id_dtype(name, dtype):
    """Ids may be integers or whole-valued floats; `_clean` casts them to int64."""
    check_dtype(name, dtype, ("int", "float"), "integer token ids")


def checked_whole(name, ids):
    """Returns float `ids` once they are whole numbers (3.0, not 3.5, which a cast
    would silently read as 3), checked as `keras_seq.checks.checked` does."""

    def summary(xp, ids):
        fractional = xp.not_equal(ids, xp.floor(ids))
        # The largest fractional id, negative ones included (a -1 default would hide -3.5).
        largest = xp.max(xp.where(fractional, ids, float("-inf")))
        return xp.logical_not(xp.any(fractional)), (largest,)

    template = f"`{name}` must hold whole-number token ids. Received: {{}} in {name}"
    return checked(ids, summary, template)


def ngram_matches(hyp, hyp_len, ref, ref_len, max_order):
    """Clipped n-gram matches per sentence, `(batch_size,)` int32 for each order 1..max_order.

    For each distinct hypothesis n-gram, min(its count in the hypothesis, its count in
    the reference), summed over the sentence's distinct n-grams.
    """
    same_hyp = tf.equal(hyp[:, :, tf.newaxis], hyp[:, tf.newaxis, :])
    same_ref = tf.equal(hyp[:, :, tf.newaxis], ref[:, tf.newaxis, :])
    hyp_positions = tf.range(tf.shape(hyp)[1])
    earlier = hyp_positions[tf.newaxis, :] < hyp_positions[:, tf.newaxis]  # j < i
    hyp_ngram, ref_ngram = same_hyp, same_ref
    matches = []
    for n in range(1, max_order + 1):
        if n > 1:
            # n-grams at i and j are equal if their (n-1)-grams are and token n is.
            hyp_ngram = hyp_ngram[:, :-1, :-1] & same_hyp[:, n - 1 :, n - 1 :]
            ref_ngram = ref_ngram[:, :-1, :-1] & same_ref[:, n - 1 :, n - 1 :]
        num_hyp = tf.shape(hyp_ngram)[1]
        valid_hyp = tf.range(num_hyp)[tf.newaxis, :] < (hyp_len - n + 1)[:, tf.newaxis]
        valid_ref = (
            tf.range(tf.shape(ref_ngram)[2])[tf.newaxis, :] < (ref_len - n + 1)[:, tf.newaxis]
        )
        hyp_pairs = hyp_ngram & valid_hyp[:, tf.newaxis, :]
        hyp_count = tf.reduce_sum(tf.cast(hyp_pairs, "int32"), axis=2)
        ref_count = tf.reduce_sum(tf.cast(ref_ngram & valid_ref[:, tf.newaxis, :], "int32"), axis=2)
        # Count each distinct hypothesis n-gram once, at its first occurrence.
        repeated = tf.reduce_any(hyp_pairs & earlier[tf.newaxis, :num_hyp, :num_hyp], axis=2)
        first = valid_hyp & tf.logical_not(repeated)
        clipped = tf.where(first, tf.minimum(hyp_count, ref_count), 0)
        matches.append(tf.reduce_sum(clipped, axis=1))
    return matches
