"""Token ids to encoder memory and final states."""

import keras
from keras import ops

from keras_seq.checks import check_ids_shape, check_positive_int, check_token_ids
from keras_seq.layers.bidirectional import Bidirectional
from keras_seq.layers.recurrent_factory import recurrent_layer
from keras_seq.layers.sequence_reversal import reverse_padded
from keras_seq.layers.stacked import Stacked


@keras.saving.register_keras_serializable(package="keras_seq")
class RNNEncoder(keras.layers.Layer):
    """Embeds source token ids and runs a (stacked, bidirectional) recurrent network.

    Id 0 is padding: it is masked everywhere, so right padding changes neither the
    memory at real positions nor the final states.

    cuDNN: the defaults keep Keras's cuDNN-eligible LSTM/GRU configuration; the
    `"rnn"` cell has no fused kernel.

    Args:
        vocab_size: int. Number of source token ids, padding (0) included.
        embedding_dim: int. Size of the token embeddings.
        units: int. Hidden size of each recurrent layer (per direction).
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked recurrent layers. Defaults to `1`.
        bidirectional: bool. Run every layer in both directions. Defaults to `False`.
        dropout: float. Dropout rate on the embeddings and between layers. Defaults
            to `0.0`.
        reverse_source: bool. Read each source backwards, reversing only its real
            tokens (Sutskever et al., 2014). The memory is put back into source
            order, so attention weights line up with the source tokens. Defaults to
            `False`.
        residual: bool. Residual connections around every layer from the second
            on (Wu et al., 2016). Defaults to `False`.
        state_merge: str. How a bidirectional encoder merges the two directions'
            final states, see `keras_seq.layers.Bidirectional`. Defaults to
            `"concat"`.
        initializer: str, initializer or None. If set, used for the embeddings and
            all recurrent kernels (e.g. `RandomUniform(-0.08, 0.08)` from the 2014
            paper). Defaults to `None` (the Keras defaults).
        **kwargs: base layer arguments.

    Call arguments:
        source_ids: int tensor of shape `(batch_size, timesteps)`, 0-padded on the
            right.
        training: bool or None.

    Returns:
        `(memory, states)`: `memory` of shape `(batch_size, timesteps, units)`
        (`2 * units` if bidirectional), and `states`, one list of final states per
        layer (`[h, c]` for an LSTM, `[h]` otherwise; each of size `2 * units` for a
        bidirectional encoder with `state_merge="concat"`).

    Example:
    >>> import numpy as np, keras_seq
    >>> encoder = keras_seq.layers.RNNEncoder(100, 16, 32, num_layers=2,
    ...                                       bidirectional=True)
    >>> memory, states = encoder(np.array([[5, 6, 7, 0], [8, 9, 0, 0]]))
    >>> tuple(memory.shape), len(states), tuple(states[0][0].shape)
    ((2, 4, 64), 2, (2, 64))

    References:
        Sutskever, Vinyals and Le, "Sequence to Sequence Learning with Neural
        Networks", 2014.
    """

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        units,
        cell="lstm",
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        reverse_source=False,
        residual=False,
        state_merge="concat",
        initializer=None,
        **kwargs,
    ):
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("embedding_dim", embedding_dim)
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.cell = cell
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.dropout = dropout
        self.reverse_source = bool(reverse_source)
        self.residual = bool(residual)
        self.state_merge = state_merge
        self.initializer = keras.initializers.get(initializer) if initializer else None
        init_kwargs = (
            {}
            if self.initializer is None
            else {
                "kernel_initializer": self.initializer,
                "recurrent_initializer": self.initializer,
            }
        )
        self.embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            mask_zero=True,
            embeddings_initializer=self.initializer or "uniform",
            name="embedding",
        )
        layer = recurrent_layer(
            cell, units, return_sequences=True, return_state=True, **init_kwargs
        )
        if self.bidirectional:
            layer = Bidirectional(layer, state_merge=state_merge)
        self.recurrent = Stacked(
            layer, num_layers, residual=residual, dropout=dropout, name="recurrent"
        )
        self.embedding_dropout = keras.layers.Dropout(dropout) if dropout > 0 else None
        self.supports_masking = True

    def build(self, source_shape):
        check_ids_shape("source_ids", source_shape)
        self.embedding.build(source_shape)
        self.recurrent.build(tuple(source_shape) + (self.embedding_dim,))
        self.built = True

    def call(self, source_ids, training=None):
        check_token_ids("source_ids", source_ids, self.vocab_size)
        mask = ops.not_equal(source_ids, 0)
        x = self.embedding(source_ids)
        if self.embedding_dropout is not None:
            x = self.embedding_dropout(x, training=training)
        if self.reverse_source:
            x = reverse_padded(x, mask)
        memory, states = self.recurrent(x, mask=mask, training=training)
        if self.reverse_source:
            memory = reverse_padded(memory, mask)
        return memory, states

    def compute_output_shape(self, source_shape):
        return self.recurrent.compute_output_shape(tuple(source_shape) + (self.embedding_dim,))

    def compute_mask(self, source_ids, mask=None):
        _, state_shapes = self.compute_output_shape(source_ids.shape)
        return ops.not_equal(source_ids, 0), [[None] * len(s) for s in state_shapes]

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "units": self.units,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "reverse_source": self.reverse_source,
            "residual": self.residual,
            "state_merge": self.state_merge,
            "initializer": keras.initializers.serialize(self.initializer)
            if self.initializer
            else None,
        }
