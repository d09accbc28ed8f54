"""Additive attention (Bahdanau et al., 2015)."""

import keras
from keras import ops

from keras_seq.checks import check_positive_int
from keras_seq.layers.attention_base import Attention


@keras.saving.register_keras_serializable(package="keras_seq")
class BahdanauAttention(Attention):
    """Additive attention: `score(q, m) = v · tanh(W_q q + W_m m)`.

    Masked positions of the memory (padding) get zero weight.

    Args:
        units: int. Size of the hidden layer of the scoring network.
        **kwargs: base layer arguments.

    Call arguments:
        query: float tensor `(batch_size, query_dim)` (one decoder step) or
            `(batch_size, query_steps, query_dim)`.
        memory: float tensor `(batch_size, memory_steps, memory_dim)`.
        memory_mask: bool tensor `(batch_size, memory_steps)` or None.
        keys: optional result of `keys(memory)`, to avoid recomputing it every step.

    Returns:
        `(context, weights)`: `context` of shape `(batch_size, memory_dim)` and
        alignment `weights` of shape `(batch_size, memory_steps)` summing to 1 (with
        a query step axis after the batch axis for a sequence of queries).

    Example:
    >>> import numpy as np, keras_seq
    >>> attention = keras_seq.layers.BahdanauAttention(8)
    >>> memory = np.random.rand(2, 5, 6).astype("float32")
    >>> mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    >>> context, weights = attention(np.random.rand(2, 4).astype("float32"), memory, mask)
    >>> tuple(context.shape), weights.numpy()[0, 3:].tolist()
    ((2, 6), [0.0, 0.0])

    References:
        Bahdanau, Cho and Bengio, "Neural Machine Translation by Jointly Learning to
        Align and Translate", 2015.
    """

    def __init__(self, units, **kwargs):
        check_positive_int("units", units)
        super().__init__(**kwargs)
        self.units = units
        self.query_projection = keras.layers.Dense(units, use_bias=False, name="query")
        self.memory_projection = keras.layers.Dense(units, use_bias=False, name="memory")
        self.energy = keras.layers.Dense(1, use_bias=False, name="energy")

    def build(self, query_shape, memory_shape, memory_mask_shape=None, keys_shape=None):
        self.query_projection.build(query_shape)
        self.memory_projection.build(memory_shape)
        self.energy.build((None, self.units))
        self.built = True

    def keys(self, memory):
        return self.memory_projection(memory)

    def score(self, query, keys):
        hidden = ops.tanh(
            ops.expand_dims(self.query_projection(query), 2) + ops.expand_dims(keys, 1)
        )
        return ops.squeeze(self.energy(hidden), -1)

    def get_config(self):
        return {**super().get_config(), "units": self.units}
