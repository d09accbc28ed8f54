"""What Bahdanau and Luong attention share: masking, softmax and the context vector."""

import keras
from keras import ops

from keras_seq._masking import large_negative


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
