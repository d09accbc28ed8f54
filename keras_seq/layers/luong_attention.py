"""Multiplicative attention (Luong et al., 2015)."""

import keras
from keras import ops

from keras_seq.checks import check_choice
from keras_seq.layers.attention_base import Attention

SCORES = ("dot", "general")


@keras.saving.register_keras_serializable(package="keras_seq")
class LuongAttention(Attention):
    """Multiplicative attention: `score(q, m) = q · m` ("dot") or `q · W m` ("general").

    Masked positions of the memory (padding) get zero weight. With `"dot"` the query
    and memory sizes must be equal.

    Args:
        score: str. `"dot"` or `"general"`. Defaults to `"general"`.
        **kwargs: base layer arguments.

    Call arguments:
        query: float tensor `(batch_size, query_dim)` (one decoder step) or
            `(batch_size, query_steps, query_dim)`.
        memory: float tensor `(batch_size, memory_steps, memory_dim)`.
        memory_mask: bool tensor `(batch_size, memory_steps)` or None.
        keys: optional result of `keys(memory)`, to avoid recomputing it every step.

    Returns:
        `(context, weights)` as for `keras_seq.layers.BahdanauAttention`.

    Example:
    >>> import numpy as np, keras_seq
    >>> attention = keras_seq.layers.LuongAttention(score="dot")
    >>> memory = np.random.rand(2, 5, 4).astype("float32")
    >>> context, weights = attention(np.random.rand(2, 3, 4).astype("float32"), memory)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3, 4), (2, 3, 5))

    References:
        Luong, Pham and Manning, "Effective Approaches to Attention-based Neural
        Machine Translation", 2015.
    """

    def __init__(self, score="general", **kwargs):
        check_choice("score", score, SCORES)
        super().__init__(**kwargs)
        self.score_name = score
        self.memory_projection = None

    def build(self, query_shape, memory_shape, memory_mask_shape=None, keys_shape=None):
        if self.score_name == "general":
            self.memory_projection = keras.layers.Dense(
                query_shape[-1], use_bias=False, name="memory"
            )
            self.memory_projection.build(memory_shape)
        elif query_shape[-1] != memory_shape[-1]:
            raise ValueError(
                "score='dot' needs queries and memory of one size; use score='general'. "
                f"Received: query size {query_shape[-1]}, memory size {memory_shape[-1]}"
            )
        self.built = True

    def keys(self, memory):
        return memory if self.memory_projection is None else self.memory_projection(memory)

    def score(self, query, keys):
        return ops.matmul(query, ops.transpose(keys, (0, 2, 1)))

    def get_config(self):
        return {**super().get_config(), "score": self.score_name}
