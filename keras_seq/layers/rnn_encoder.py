"""Token ids or float feature sequences to encoder memory and final states."""

import math

import keras
from keras import ops

from keras_seq.checks import (
    check_features,
    check_float,
    check_ids_shape,
    check_nonempty_batch,
    check_positive_int,
    check_shape,
    check_token_ids,
    check_unset,
    checked_right_padded,
)
from keras_seq.layers.bidirectional import Bidirectional
from keras_seq.layers.recurrent_factory import recurrent_layer
from keras_seq.layers.sequence_reversal import reverse_padded
from keras_seq.layers.stacked import SEQUENCE_DIMS, Stacked


@keras.saving.register_keras_serializable(package="keras_seq")
class RNNEncoder(keras.layers.Layer):
    """Embeds source token ids (or takes float features) and runs a (stacked,
    bidirectional) recurrent network.

    Token ids: id 0 is padding; it is masked everywhere, so right padding changes
    neither the memory at real positions nor the final states. Float features
    (`input_dim` instead of `vocab_size`) go in as they are; steps whose features all
    equal `mask_value` are padding, masked the same way (no masking without it).

    cuDNN: the defaults keep Keras's cuDNN-eligible LSTM/GRU configuration; the
    `"rnn"` cell has no fused kernel, and a masked batch must be right-padded.

    Args:
        vocab_size: int or None. Number of source token ids, padding (0) included;
            set it for token id sources. Exactly one of `vocab_size` and
            `input_dim` is set.
        embedding_dim: int or None. Size of the token embeddings (token sources
            only).
        units: int. Hidden size of each recurrent layer (per direction).
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked recurrent layers. Defaults to `1`.
        bidirectional: bool. Run every layer in both directions. Defaults to `False`.
        dropout: float. Dropout rate on the embeddings (token sources; features are
            not dropped) and between layers. Defaults to `0.0`.
        reverse_source: bool. Read each source backwards, reversing only its real
            steps (Sutskever et al., 2014). The memory is put back into source
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
        input_dim: int or None. Number of features per step; set it (instead of
            `vocab_size`) for float sources of shape `(batch_size, timesteps,
            input_dim)`. Defaults to `None`.
        mask_value: float or None. For feature sources: steps whose features all
            equal this value are padding. Defaults to `None` (nothing masked).
        **kwargs: base layer arguments.

    Call arguments:
        source: int tensor of token ids of shape `(batch_size, timesteps)`, 0-padded
            on the right (with `vocab_size`), or float tensor of shape
            `(batch_size, timesteps, input_dim)` (with `input_dim`).
        training: bool or None.

    Returns:
        `(memory, states)`: `memory` of shape `(batch_size, timesteps, units)`
        (`2 * units` if bidirectional), and `states`, one list of final states per
        layer (`[h, c]` for an LSTM, `[h]` otherwise; each of size `2 * units` for a
        bidirectional encoder with `state_merge="concat"`). A layer's final `h` is
        its output at each sequence's last real step.

    Example:
    >>> import numpy as np, keras_seq
    >>> encoder = keras_seq.layers.RNNEncoder(100, 16, 32, num_layers=2,
    ...                                       bidirectional=True)
    >>> memory, states = encoder(np.array([[5, 6, 7, 0], [8, 9, 0, 0]]))
    >>> tuple(memory.shape), len(states), tuple(states[0][0].shape)
    ((2, 4, 64), 2, (2, 64))
    >>> features = keras_seq.layers.RNNEncoder(input_dim=3, units=8, cell="gru",
    ...                                        mask_value=0.0)
    >>> memory, states = features(np.ones((2, 5, 3), "float32"))
    >>> tuple(memory.shape), tuple(states[0][0].shape)
    ((2, 5, 8), (2, 8))

    References:
        Sutskever, Vinyals and Le, "Sequence to Sequence Learning with Neural
        Networks", 2014.
    """

    def __init__(
        self,
        vocab_size=None,
        embedding_dim=None,
        units=None,
        cell="lstm",
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        reverse_source=False,
        residual=False,
        state_merge="concat",
        initializer=None,
        input_dim=None,
        mask_value=None,
        **kwargs,
    ):
        if (vocab_size is None) == (input_dim is None):
            raise ValueError(
                "Pass exactly one of `vocab_size` (token id inputs) and `input_dim` "
                f"(float feature inputs). Received: vocab_size={vocab_size}, "
                f"input_dim={input_dim}"
            )
        if vocab_size is not None:
            check_positive_int("vocab_size", vocab_size)
            check_positive_int("embedding_dim", embedding_dim)
            check_unset("mask_value", mask_value, "float feature sources (`input_dim`)")
        else:
            check_positive_int("input_dim", input_dim)
            check_unset("embedding_dim", embedding_dim, "token sources (`vocab_size`)")
            check_float(
                "mask_value",
                mask_value,
                low=-math.inf,
                expected="a finite number",
                allow_none=True,
            )
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.input_dim = input_dim
        self.mask_value = mask_value
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
        self.embedding = None
        if vocab_size is not None:
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
        # Created after the layers above: a Dropout draws its seed from the global one,
        # and this order keeps the initial weights of earlier releases for a given seed.
        use_dropout = vocab_size is not None and dropout > 0
        self.embedding_dropout = keras.layers.Dropout(dropout) if use_dropout else None
        self.supports_masking = True

    def _sequence_shape(self, source_shape):
        """The shape of the sequence the recurrent stack reads."""
        source_shape = tuple(source_shape)
        if self.embedding is not None:
            return source_shape + (self.embedding_dim,)
        return source_shape[:2] + (self.input_dim,)

    def _source_mask(self, source):
        """True at real steps, or None when nothing is masked."""
        if self.embedding is not None:
            return ops.not_equal(source, 0)
        if self.mask_value is None:
            return None
        return ops.any(ops.not_equal(source, self.mask_value), axis=-1)

    def build(self, source_shape):
        if self.embedding is not None:
            check_ids_shape("source", source_shape)
            self.embedding.build(source_shape)
        else:
            check_shape("source", source_shape, SEQUENCE_DIMS)
        self.recurrent.build(self._sequence_shape(source_shape))
        self.built = True

    def call(self, source, training=None):
        check_nonempty_batch("source", source)
        if self.embedding is not None:
            source = check_token_ids("source", source, self.vocab_size)
            x = self.embedding(source)
            if self.embedding_dropout is not None:
                x = self.embedding_dropout(x, training=training)
        else:
            check_features("source", source, self.input_dim, rank=3)
            x = source
        mask = self._source_mask(source)
        if self.reverse_source:
            if mask is not None:  # reversal keeps each row's padding where it is
                mask = checked_right_padded("source", mask)
            x = reverse_padded(x, mask)
        memory, states = self.recurrent(x, mask=mask, training=training)
        if self.reverse_source:
            memory = reverse_padded(memory, mask)
        return memory, states

    def compute_output_shape(self, source_shape):
        return self.recurrent.compute_output_shape(self._sequence_shape(source_shape))

    def compute_mask(self, source, mask=None):
        _, state_shapes = self.compute_output_shape(source.shape)
        return self._source_mask(source), [[None] * len(s) for s in state_shapes]

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
            "input_dim": self.input_dim,
            "mask_value": self.mask_value,
        }
