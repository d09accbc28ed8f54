"""A linear-chain conditional random field over per-step tag scores."""

import keras
from keras import ops

# Written here rather than taken from a library: `tfa.text.crf` (TensorFlow Addons) is
# end-of-life and TensorFlow-only, and KerasHub has no CRF (keras-team/keras-hub#2122);
# keras.ops keeps this one running on every Keras backend.


@keras.saving.register_keras_serializable(package="keras_seq")
class CRF(keras.layers.Layer):
    """A linear-chain CRF: tag transition scores on top of per-step tag scores.

    The layer reads unary potentials (one unnormalised score per tag and step, e.g.
    a linear `Dense(num_tags)` over a recurrent encoder) and owns a `transitions`
    matrix (`transitions[i, j]`: the score of tag `j` following tag `i`) and
    `start_scores` / `end_scores` for a sequence's first and last tag. A tag path
    scores the sum of its potentials and transitions;
    `log_likelihood(potentials, tags, mask)` normalises it over all paths with the
    forward algorithm (in log space) and `decode(potentials, mask)` finds the best
    path with Viterbi.

    Called, the layer returns the potentials unchanged when `training=True` (for a
    loss built on `log_likelihood`, as `keras_seq.models.ManyToMany(head="crf")`
    does) and otherwise the Viterbi path, one-hot, with the potentials' shape:
    `argmax(-1)` gives the tags, as with a softmax head. Masked steps are invisible:
    they neither score nor break the chain (the steps on either side of them are
    linked), so a padded sequence has the loss and path of the unpadded one; they
    decode to tag 0 (an all-zero row when one-hot). The input mask is passed on.

    Args:
        transitions_initializer: Initializer of `transitions`, `start_scores` and
            `end_scores`. Defaults to `"zeros"` (untrained, the CRF decodes each step
            on its own potentials).
        transitions_regularizer: Regularizer of the same weights. Defaults to `None`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> crf = keras_seq.layers.CRF()
    >>> potentials = np.array([[[2.0, 0.0], [0.0, 1.0], [5.0, 5.0]]], "float32")
    >>> mask = np.array([[True, True, False]])
    >>> keras.ops.convert_to_numpy(crf.decode(potentials, mask)).tolist()
    [[0, 1, 0]]
    >>> keras.ops.convert_to_numpy(crf(potentials, mask=mask)).tolist()  # padding: all 0
    [[[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]
    >>> loss = -crf.log_likelihood(potentials, np.array([[0, 1, 0]]), mask)
    >>> round(float(loss[0]), 4)  # log(e^0 + e^1 + e^2 + e^3) - 3
    0.4402
    """

    def __init__(self, transitions_initializer="zeros", transitions_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.transitions_initializer = keras.initializers.get(transitions_initializer)
        self.transitions_regularizer = keras.regularizers.get(transitions_regularizer)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                "`CRF` takes potentials of shape (batch_size, timesteps, num_tags) with a "
                f"known num_tags. Received: input_shape={tuple(input_shape)}"
            )
        num_tags = input_shape[-1]
        self.num_tags = num_tags

        def weight(name, shape):
            return self.add_weight(
                name=name,
                shape=shape,
                initializer=self.transitions_initializer,
                regularizer=self.transitions_regularizer,
            )

        self.transitions = weight("transitions", (num_tags, num_tags))
        self.start_scores = weight("start_scores", (num_tags,))
        self.end_scores = weight("end_scores", (num_tags,))

    def call(self, potentials, mask=None, training=None):
        if training:
            return potentials
        tags = self.decode(potentials, mask)
        path = ops.one_hot(tags, self.num_tags, dtype=self.compute_dtype)
        if mask is not None:
            path = path * ops.cast(ops.expand_dims(mask, -1), path.dtype)
        return path

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _time_major(self, potentials, mask):
        """The potentials and the mask packed into one float32 tensor, time first.

        `ops.scan` walks it; `_unpack` splits a step. One tensor, because the TensorFlow
        `ops.scan` fails on several `xs` of unknown length (Keras 3.15: `n_static` is
        None in keras/src/backend/tensorflow/core.py, "'NoneType' object has no
        attribute 'assert_is_compatible_with'"; tests/layers/test_crf.py keeps a check).
        """
        potentials = ops.cast(potentials, "float32")
        if mask is None:
            mask = ops.ones(ops.shape(potentials)[:2], "bool")
        packed = ops.concatenate([potentials, ops.cast(mask, "float32")[..., None]], axis=-1)
        return ops.transpose(packed, (1, 0, 2))

    def _unpack(self, step):
        """(potentials, real) of one packed step."""
        return step[:, : self.num_tags], step[:, self.num_tags] > 0.5

    def _weights(self, potentials):
        if not self.built:  # `decode` or `log_likelihood` before any call
            self.build(ops.shape(potentials))
            self.built = True
        return (
            ops.cast(self.transitions, "float32"),
            ops.cast(self.start_scores, "float32"),
            ops.cast(self.end_scores, "float32"),
        )

    def log_likelihood(self, potentials, tags, mask=None):
        """Log-probability of each tag path given the potentials.

        Args:
            potentials: float tensor of shape `(batch_size, timesteps, num_tags)`.
            tags: int tensor of shape `(batch_size, timesteps)`, the gold tags.
            mask: bool tensor of shape `(batch_size, timesteps)` or None (every
                step real). Masked steps are left out of the path.

        Returns:
            A float32 tensor of shape `(batch_size,)`; 0 for a sequence with no
            real step.
        """
        return self._path_score(potentials, tags, mask) - self.log_partition(potentials, mask)

    def _path_score(self, potentials, tags, mask):
        """The score of the `tags` path, without a loop over the steps."""
        transitions, start, end = self._weights(potentials)
        potentials = ops.cast(potentials, "float32")
        if mask is None:
            mask = ops.ones(ops.shape(potentials)[:2], "bool")
        mask = ops.cast(mask, "bool")
        real = ops.cast(mask, "float32")
        path = ops.one_hot(ops.cast(tags, "int32"), self.num_tags) * real[..., None]
        # The path over the real steps only, in order (masked steps squeezed out): the
        # step of rank k moves to position k, so neighbours in `chain` are linked. The
        # move is a (timesteps x timesteps) matrix a sequence: fine for sentences.
        rank = ops.cumsum(ops.cast(mask, "int32"), axis=1) - 1
        positions = ops.arange(ops.shape(mask)[1], dtype="int32")
        moves = ops.cast(ops.equal(rank[:, :, None], positions[None, None]), "float32")
        chain = ops.einsum("bst,bsk->btk", moves * real[..., None], path)
        linked = ops.sum(ops.matmul(chain[:, :-1], transitions) * chain[:, 1:], axis=(1, 2))
        last = ops.cast(
            ops.equal(rank, ops.sum(ops.cast(mask, "int32"), axis=1)[:, None] - 1), "float32"
        )
        return (
            ops.sum(path * potentials, axis=(1, 2))
            + linked
            + ops.sum(chain[:, 0] * start, axis=-1)
            + ops.sum(path * (last * real)[..., None] * end, axis=(1, 2))
        )

    def log_partition(self, potentials, mask=None):
        """Log of the summed exponentiated scores of all tag paths (the forward algorithm).

        Args:
            potentials: float tensor of shape `(batch_size, timesteps, num_tags)`.
            mask: bool tensor of shape `(batch_size, timesteps)` or None.

        Returns:
            A float32 tensor of shape `(batch_size,)`.
        """
        transitions, start, end = self._weights(potentials)
        steps = self._time_major(potentials, mask)

        def step(carry, inputs):
            alpha, started = carry  # alpha[b, j]: log-sum of the paths ending in tag j
            step_potentials, real = self._unpack(inputs)
            linked = ops.logsumexp(alpha[:, :, None] + transitions[None], axis=1)
            alpha_next = ops.where(started[:, None], linked, start[None]) + step_potentials
            return (ops.where(real[:, None], alpha_next, alpha), started | real), None

        first_potentials, first_real = self._unpack(steps[0])
        init = (ops.zeros_like(first_potentials), ops.zeros_like(first_real))
        (alpha, started), _ = ops.scan(step, init, steps)
        return ops.where(started, ops.logsumexp(alpha + end[None], axis=1), 0.0)

    def decode(self, potentials, mask=None):
        """The highest-scoring tag path of each sequence (Viterbi).

        Args:
            potentials: float tensor of shape `(batch_size, timesteps, num_tags)`.
            mask: bool tensor of shape `(batch_size, timesteps)` or None.

        Returns:
            An int32 tensor of shape `(batch_size, timesteps)`: the best tags, 0 at
            masked steps.
        """
        transitions, start, end = self._weights(potentials)
        steps = self._time_major(potentials, mask)
        stay = ops.arange(self.num_tags, dtype="int32")[None]

        # The pointers ride in the carry because the TensorFlow `ops.scan` needs each
        # step's output to match the carry in structure and dtype (keras-team/keras#19681).
        def forward(carry, inputs):
            delta, started, _ = carry  # delta[b, j]: the best score of a path ending in j
            step_potentials, real = self._unpack(inputs)
            candidates = delta[:, :, None] + transitions[None]
            delta_next = (
                ops.where(started[:, None], ops.max(candidates, axis=1), start[None])
                + step_potentials
            )
            # Where the step is masked or opens the sequence, the pointer keeps the tag.
            pointer = ops.where(
                (real & started)[:, None],
                ops.cast(ops.argmax(candidates, axis=1), "int32"),
                stay,
            )
            carry = (ops.where(real[:, None], delta_next, delta), started | real, pointer)
            return carry, carry

        first, first_real = self._unpack(steps[0])
        init = (ops.zeros_like(first), ops.zeros_like(first_real), ops.zeros_like(first, "int32"))
        (delta, _, _), (_, _, pointers) = ops.scan(forward, init, steps)
        last = ops.cast(ops.argmax(delta + end[None], axis=1), "int32")

        def backward(tag, pointer):
            return ops.take_along_axis(pointer, tag[:, None], axis=1)[:, 0], tag

        _, tags = ops.scan(backward, last, pointers, reverse=True)
        tags = ops.transpose(tags, (1, 0))
        return tags if mask is None else ops.where(ops.cast(mask, "bool"), tags, 0)

    def get_config(self):
        return {
            **super().get_config(),
            "transitions_initializer": keras.initializers.serialize(self.transitions_initializer),
            "transitions_regularizer": keras.regularizers.serialize(self.transitions_regularizer),
        }
