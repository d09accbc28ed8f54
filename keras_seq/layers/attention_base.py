"""What Bahdanau and Luong attention share: masking, softmax and the context vector."""

import keras
from keras import ops

from keras_seq._masking import large_negative
from keras_seq.checks import check_shape


class Attention(keras.layers.Layer):
    """Base class: subclasses define `keys(memory)` and `score(query, keys)`.

    Keys depend only on the memory, so decoders compute them once per source
    (`keys(memory)`) and pass them to every step.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Each query step is scored on its own, so a query mask passes through.
        self.supports_masking = True

    def keys(self, memory):
        raise NotImplementedError

    def score(self, query, keys):
        """Scores of shape `(batch_size, query_steps, memory_steps)`."""
        raise NotImplementedError

    def call(self, query, memory, memory_mask=None, keys=None):
        _check_shapes(query.shape, memory.shape, None if memory_mask is None else memory_mask.shape)
        single_step = len(query.shape) == 2
        if single_step:
            query = ops.expand_dims(query, 1)
        if keys is None:
            keys = self.keys(memory)
        scores = self.score(query, keys)
        if memory_mask is not None:
            scores = ops.where(
                ops.expand_dims(memory_mask, 1), scores, large_negative(scores.dtype)
            )
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, memory)
        if single_step:
            return ops.squeeze(context, 1), ops.squeeze(weights, 1)
        return context, weights

    def compute_output_shape(
        self, query_shape, memory_shape, memory_mask_shape=None, keys_shape=None
    ):
        if len(query_shape) == 2:
            return (query_shape[0], memory_shape[-1]), (query_shape[0], memory_shape[1])
        return (
            (query_shape[0], query_shape[1], memory_shape[-1]),
            (query_shape[0], query_shape[1], memory_shape[1]),
        )


def _check_shapes(query_shape, memory_shape, mask_shape):
    check_shape("memory", memory_shape, ("batch_size", "memory_steps", "memory_dim"))
    if len(query_shape) not in (2, 3):
        raise ValueError(
            "`query` must have shape (batch_size, query_dim) or (batch_size, query_steps, "
            f"query_dim). Received: query with shape {tuple(query_shape)}"
        )
    if mask_shape is None:
        return
    check_shape("memory_mask", mask_shape, ("batch_size", "memory_steps"))
    if any(m is not None and s is not None and m != s for m, s in zip(mask_shape, memory_shape)):
        raise ValueError(
            "`memory_mask` must have the shape of `memory` without its last dimension. "
            f"Received: memory_mask with shape {tuple(mask_shape)}, memory with shape "
            f"{tuple(memory_shape)}"
        )
