"""`Bleu`: corpus BLEU on token ids as a stateful Keras metric."""

import keras

from keras_seq import _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("keras_seq.metrics.Bleu (the Keras BLEU metric)") from error

from keras_seq.checks import check_dtype, check_int, check_positive_int
from keras_seq.metrics._scoring import LOG_ZERO, check_smoothing


@keras.saving.register_keras_serializable(package="keras_seq")
class Bleu(keras.metrics.Metric):
    """Corpus BLEU over batches of token ids, accumulated in graph mode.

    Each `update_state` call adds the batch's clipped n-gram matches, n-gram totals
    and hypothesis and reference lengths to the metric's variables; `result()` turns
    the sums into BLEU on the 0-100 scale. After any sequence of updates the result
    equals `keras_seq.metrics.corpus_bleu` over the same sentences written as token
    lists (each id as a string, one reference per hypothesis) with
    `smooth=smooth, smooth_value=smooth_value`.

    Everything runs as TensorFlow graph ops with static shapes: the metric works
    eagerly, inside `tf.function`, inside XLA (`jit_compile=True`, which Keras picks
    by default on GPUs) and in `model.compile(metrics=[...])`. Matching is exact
    (no hashing): n-gram equality comes from pairwise token comparisons within each
    sentence, which costs `O(batch_size * timesteps**2)` booleans per order.

    Token handling: `pad_id` and `start_id` are removed wherever they occur, and
    everything from the first `end_id` on (the end token included) is dropped; the
    remaining tokens are taken in order. Ragged rows need no padding.

    Unlike KerasHub's `keras_hub.metrics.Bleu` it needs no eager execution or
    string tokenizer, uses sacrebleu's closest-reference brevity penalty and
    smoothing methods, and reports sacrebleu's 0-100 scale.

    Args:
        max_order: int. The largest n-gram order. Defaults to `4`.
        pad_id: int or None. Padding id, ignored wherever it occurs; `None` when no
            id is padding. Defaults to `0`.
        start_id: int or None. Start-of-sequence id, ignored wherever it occurs.
            Defaults to `None`.
        end_id: int or None. End-of-sequence id; it and every token after it are
            ignored. Defaults to `None`.
        smooth: str. `"exp"`, `"floor"`, `"add-k"` or `"none"`, as in
            `corpus_bleu`. Defaults to `"exp"`.
        smooth_value: float. The value for `"floor"` (default 0.1) or `"add-k"`
            (default 1). Defaults to `None`.
        name: str. Name of the metric. Defaults to `"bleu"`.
        dtype: str. Float dtype of `result()`; the statistics are int64 and the score
            is computed in float64 before the cast. Defaults to Keras's float type.

    `update_state(y_true, y_pred, sample_weight=None)`: `y_true` holds the reference
    ids and `y_pred` the hypothesis ids, both `(batch_size, timesteps)` int tensors,
    dense and padded or `tf.RaggedTensor`. A float `y_pred` of shape
    `(batch_size, timesteps, vocabulary_size)` (logits or probabilities) is reduced
    with argmax first, so the metric can follow a teacher-forced model in `compile`.
    `sample_weight`, when given, marks positions: a token whose weight is 0 is
    dropped from both `y_pred` and `y_true` as if it were padding (it neither counts
    as a hypothesis token nor ends the sentence when it is `end_id`), and every other
    token counts in full, whatever its weight: BLEU is a corpus statistic without
    per-token or per-sentence weights. This is what `keras_seq.models.Seq2Seq`
    needs: its logits carry the target padding mask (a Keras mask, which this
    metric reads like Keras's own metrics do, multiplied into any `sample_weight`),
    so in `compile(metrics=[Bleu(...)])` the argmax predictions at padded label
    positions are not scored. Its shape is `(batch_size, timesteps)` (dense or ragged, aligned with
    both `y_true` and `y_pred`), `(batch_size, timesteps, 1)`, or `(batch_size,)`
    for whole sentences.

    Example:

    >>> import numpy as np
    >>> from keras_seq.metrics import Bleu, corpus_bleu
    >>> metric = Bleu(end_id=2)
    >>> references = np.array([[5, 6, 7, 8, 9, 2], [5, 6, 7, 2, 0, 0]])
    >>> hypotheses = np.array([[5, 6, 7, 8, 2, 0], [5, 6, 7, 2, 4, 4]])
    >>> metric.update_state(references, hypotheses)
    >>> round(float(metric.result()), 4)
    86.6878
    >>> round(corpus_bleu([["5", "6", "7", "8"], ["5", "6", "7"]],
    ...                   [["5", "6", "7", "8", "9"], ["5", "6", "7"]]).score, 4)
    86.6878

    With a padding mask as `sample_weight`, predictions at masked positions are dropped:

    >>> metric = Bleu(max_order=2)
    >>> metric.update_state([[5, 6, 7, 0]], [[5, 6, 7, 9]], sample_weight=[[1, 1, 1, 0]])
    >>> float(metric.result())
    100.0

    References:
        - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        - [Post, 2018 (sacrebleu)](https://aclanthology.org/W18-6319/)
        - [Chen and Cherry, 2014](https://aclanthology.org/W14-3346/)
    """

    def __init__(
        self,
        max_order=4,
        pad_id=0,
        start_id=None,
        end_id=None,
        smooth="exp",
        smooth_value=None,
        name="bleu",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        check_positive_int("max_order", max_order)
        self._smooth_value = check_smoothing(smooth, smooth_value)
        if not keras.backend.is_float_dtype(self.dtype):
            raise ValueError(f"`dtype` must be a float dtype. Received: dtype={dtype!r}")
        self.max_order = max_order
        self.pad_id = check_int("pad_id", pad_id, minimum=0, allow_none=True)
        self.start_id = check_int("start_id", start_id, minimum=0, allow_none=True)
        self.end_id = check_int("end_id", end_id, minimum=0, allow_none=True)
        self.smooth = smooth
        self.smooth_value = smooth_value
        self._matches = self.add_variable(
            shape=(max_order,), initializer="zeros", dtype="int64", name="matches"
        )
        self._totals = self.add_variable(
            shape=(max_order,), initializer="zeros", dtype="int64", name="totals"
        )
        self._hyp_len = self.add_variable(
            shape=(), initializer="zeros", dtype="int64", name="hyp_len"
        )
        self._ref_len = self.add_variable(
            shape=(), initializer="zeros", dtype="int64", name="ref_len"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Like Keras's own metrics, honour the padding mask a masked model attaches to
        # its output (Keras hands plain `compile(metrics=...)` no sample weights). Keras
        # keeps it in this attribute and has no public getter.
        mask = getattr(y_pred, "_keras_mask", None)
        if mask is not None:
            mask = tf.cast(mask, "float32")
            sample_weight = mask if sample_weight is None else sample_weight * mask
        weighted = None if sample_weight is None else _weighted_positions(sample_weight)
        ref, ref_len = self._clean(y_true, "y_true", weighted)
        hyp, hyp_len = self._clean(y_pred, "y_pred", weighted)
        if hyp.shape[0] is not None and ref.shape[0] is not None and hyp.shape[0] != ref.shape[0]:
            raise ValueError(
                "`y_true` and `y_pred` must have the same batch size. Received: "
                f"y_true.shape={tuple(ref.shape)}, y_pred.shape={tuple(hyp.shape)}"
            )
        matches, totals = _ngram_statistics(hyp, hyp_len, ref, ref_len, self.max_order)
        self._matches.assign_add(matches)
        self._totals.assign_add(totals)
        self._hyp_len.assign_add(tf.reduce_sum(tf.cast(hyp_len, "int64")))
        self._ref_len.assign_add(tf.reduce_sum(tf.cast(ref_len, "int64")))

    def result(self):
        score = _bleu_from_statistics(
            tf.convert_to_tensor(self._matches),
            tf.convert_to_tensor(self._totals),
            tf.convert_to_tensor(self._hyp_len),
            tf.convert_to_tensor(self._ref_len),
            smooth=self.smooth,
            smooth_value=self._smooth_value,
        )
        return tf.cast(score, self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_order": self.max_order,
                "pad_id": self.pad_id,
                "start_id": self.start_id,
                "end_id": self.end_id,
                "smooth": self.smooth,
                "smooth_value": self.smooth_value,
            }
        )
        return config

    def _clean(self, ids, name, weighted=None):
        """Returns left-aligned kept tokens `(batch_size, timesteps)` and their counts.

        `weighted` (bool, `(batch_size, timesteps)` or `(batch_size, 1)`, from
        `_weighted_positions`) marks the positions that count; the others are padding.
        """
        if isinstance(ids, tf.RaggedTensor):
            if ids.shape.rank != 2:
                raise ValueError(
                    f"`{name}` must be a (batch_size, timesteps) ragged tensor. "
                    f"Received: {name}.shape={ids.shape}"
                )
            _check_id_dtype(name, ids.dtype)
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
            _check_id_dtype(name, dense.dtype)
            present = tf.ones_like(dense, dtype="bool")
        if weighted is not None:
            present = present & _align_weights(weighted, dense, name)
        dense = tf.cast(dense, "int64")
        keep = present
        if self.pad_id is not None:
            keep = keep & tf.not_equal(dense, self.pad_id)
        if self.start_id is not None:
            keep = keep & tf.not_equal(dense, self.start_id)
        if self.end_id is not None:
            ends = tf.cast(present & tf.equal(dense, self.end_id), "int32")
            keep = keep & tf.equal(tf.cumsum(ends, axis=1), 0)
        timesteps = tf.shape(dense)[1]
        positions = tf.range(timesteps)[tf.newaxis, :]
        # Kept tokens first, in their order; the sort keys are distinct, so it is stable.
        order = tf.argsort(tf.where(keep, positions, positions + timesteps), axis=1)
        compact = tf.gather(dense, order, batch_dims=1)
        return compact, tf.reduce_sum(tf.cast(keep, "int32"), axis=1)


def _weighted_positions(sample_weight):
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


def _align_weights(weighted, dense, name):
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


def _check_id_dtype(name, dtype):
    """Ids may be integers or whole-valued floats; `_clean` casts them to int64."""
    check_dtype(name, dtype, ("int", "float"), "integer token ids")


def _ngram_statistics(hyp, hyp_len, ref, ref_len, max_order):
    """Clipped matches and hypothesis totals per order, summed over the batch (int64)."""
    same_hyp = tf.equal(hyp[:, :, tf.newaxis], hyp[:, tf.newaxis, :])
    same_ref = tf.equal(hyp[:, :, tf.newaxis], ref[:, tf.newaxis, :])
    hyp_positions = tf.range(tf.shape(hyp)[1])
    earlier = hyp_positions[tf.newaxis, :] < hyp_positions[:, tf.newaxis]  # j < i
    hyp_ngram, ref_ngram = same_hyp, same_ref
    matches, totals = [], []
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
        matches.append(tf.reduce_sum(tf.cast(clipped, "int64")))
        totals.append(tf.reduce_sum(tf.cast(tf.maximum(hyp_len - n + 1, 0), "int64")))
    return tf.stack(matches), tf.stack(totals)


def _bleu_from_statistics(matches, totals, hyp_len, ref_len, *, smooth, smooth_value):
    """sacrebleu's BLEU arithmetic (as `_scoring.bleu_from_statistics`) in float64 ops."""
    matches = tf.cast(matches, "float64")
    totals = tf.cast(totals, "float64")
    hyp_len = tf.cast(hyp_len, "float64")
    ref_len = tf.cast(ref_len, "float64")
    brevity_penalty = tf.where(
        hyp_len < ref_len,
        tf.where(
            hyp_len > 0,
            tf.exp(1.0 - tf.math.divide_no_nan(ref_len, hyp_len)),
            tf.constant(0.0, "float64"),
        ),
        tf.constant(1.0, "float64"),
    )
    max_order = matches.shape[0]
    mteval_factor = tf.constant(1.0, "float64")
    stopped = tf.constant(False)
    log_sum = tf.constant(0.0, "float64")
    for n in range(max_order):
        matched, total = matches[n], totals[n]
        if smooth == "add-k" and n > 0:
            matched += smooth_value
            total += smooth_value
        stopped = stopped | tf.equal(total, 0.0)
        no_match = tf.equal(matched, 0.0)
        if smooth == "exp":
            mteval_factor = tf.where(
                no_match & tf.logical_not(stopped), mteval_factor * 2.0, mteval_factor
            )
            smoothed = tf.math.divide_no_nan(tf.constant(100.0, "float64"), mteval_factor * total)
        elif smooth == "floor":
            smoothed = tf.math.divide_no_nan(100.0 * tf.constant(smooth_value, "float64"), total)
        else:
            smoothed = tf.constant(0.0, "float64")
        precision = tf.where(
            stopped,
            tf.constant(0.0, "float64"),
            tf.where(no_match, smoothed, tf.math.divide_no_nan(100.0 * matched, total)),
        )
        log_precision = tf.where(
            precision > 0.0,
            tf.math.log(tf.where(precision > 0.0, precision, 1.0)),
            tf.constant(LOG_ZERO, "float64"),
        )
        log_sum = log_sum + log_precision
    score = brevity_penalty * tf.exp(log_sum / max_order)
    return tf.where(tf.reduce_sum(matches) > 0.0, score, tf.constant(0.0, "float64"))
