"""The shared body of the OneToOne, ManyToOne and ManyToMany models."""

import keras
from keras import ops

from keras_seq.checks import check_features, check_positive_int, check_token_ids
from keras_seq.layers.bidirectional import Bidirectional
from keras_seq.layers.recurrent_factory import recurrent_layer
from keras_seq.layers.stacked import Stacked

HEADS = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": None}


class RecurrentModel(keras.Model):
    """Inputs (token ids or float features) → recurrent stack → dense head.

    Subclasses set `return_sequences` (one output per step, or one per sequence) and
    `sequence_input` (False: a single step, as in OneToOne).
    """

    return_sequences = False
    sequence_input = True

    def __init__(
        self,
        vocab_size=None,
        embedding_dim=None,
        input_dim=None,
        units=64,
        cell="lstm",
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        residual=False,
        num_outputs=1,
        head=None,
        mask_value=None,
        **kwargs,
    ):
        if (vocab_size is None) == (input_dim is None):
            raise ValueError(
                "Pass exactly one of `vocab_size` (token id inputs) and `input_dim` "
                f"(float feature inputs). Received: vocab_size={vocab_size}, "
                f"input_dim={input_dim}"
            )
        check_positive_int("num_outputs", num_outputs)
        if head is None:
            head = "softmax" if num_outputs > 1 else "sigmoid"
        if head not in HEADS:
            raise ValueError(f"`head` must be one of {sorted(HEADS)}. Received: head={head!r}")
        if head == "softmax" and num_outputs == 1:
            raise ValueError(
                "A softmax over one output is always 1: use head='sigmoid' (binary) or "
                "num_outputs >= 2. Received: head='softmax', num_outputs=1"
            )
        if vocab_size is not None:
            check_positive_int("vocab_size", vocab_size)
            embedding_dim = units if embedding_dim is None else embedding_dim
            check_positive_int("embedding_dim", embedding_dim)
        else:
            check_positive_int("input_dim", input_dim)
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.input_dim = input_dim
        self.units = units
        self.cell = cell
        self.num_layers = num_layers
        self.bidirectional = bool(bidirectional)
        self.dropout = dropout
        self.residual = bool(residual)
        self.num_outputs = num_outputs
        self.head = head
        self.mask_value = mask_value

        self.embedding = None
        if vocab_size is not None:
            self.embedding = keras.layers.Embedding(
                vocab_size, embedding_dim, mask_zero=True, name="embedding"
            )
            self.autocast = False
        layer = recurrent_layer(cell, units, return_sequences=self.return_sequences)
        if self.bidirectional:
            layer = Bidirectional(layer)
        self.recurrent = Stacked(
            layer, num_layers, residual=residual, dropout=dropout, name="recurrent"
        )
        self.output_dropout = keras.layers.Dropout(dropout) if dropout > 0 else None
        self.output_layer = keras.layers.Dense(num_outputs, activation=HEADS[head], name="output")

    @property
    def input_dtype(self):
        # Token models take integer ids: this is the dtype `export()` gives the serving
        # signature. Autocasting is off for them (see __init__), so a float input is
        # not silently cast to ids but reported by `call`.
        return "int32" if self.embedding is not None else super().input_dtype

    @property
    def feature_dim(self):
        return self.embedding_dim if self.embedding is not None else self.input_dim

    def _sequence_shape(self, inputs_shape):
        batch = inputs_shape[0]
        timesteps = inputs_shape[1] if self.sequence_input else 1
        return (batch, timesteps, self.feature_dim)

    def build(self, inputs_shape):
        sequence_shape = self._sequence_shape(tuple(inputs_shape))
        if self.embedding is not None:
            self.embedding.build(sequence_shape[:2])
        self.recurrent.build(sequence_shape)
        self.output_layer.build(self.recurrent.compute_output_shape(sequence_shape))
        self.built = True

    def _embed(self, inputs):
        """Returns `(sequence, mask)` for the recurrent stack, after checking the inputs."""
        if self.embedding is not None:
            if not self.sequence_input:
                if len(inputs.shape) != 1:
                    raise ValueError(
                        "`inputs` must have shape (batch_size,) of token ids. "
                        f"Received: inputs with shape {tuple(inputs.shape)}"
                    )
                inputs = ops.expand_dims(inputs, 1)
            check_token_ids("inputs", inputs, self.vocab_size)
            return self.embedding(inputs), ops.not_equal(inputs, 0)
        check_features("inputs", inputs, self.input_dim, rank=3 if self.sequence_input else 2)
        if not self.sequence_input:
            return ops.expand_dims(inputs, 1), None
        if self.mask_value is None:
            return inputs, None
        return inputs, ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs, training=None):
        sequence, mask = self._embed(inputs)
        outputs = self.recurrent(sequence, mask=mask, training=training)
        if self.output_dropout is not None:
            outputs = self.output_dropout(outputs, training=training)
        return self.output_layer(outputs)

    def compute_output_shape(self, inputs_shape):
        sequence_shape = self._sequence_shape(tuple(inputs_shape))
        return self.recurrent.compute_output_shape(sequence_shape)[:-1] + (self.num_outputs,)

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "input_dim": self.input_dim,
            "units": self.units,
            "cell": self.cell,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "residual": self.residual,
            "num_outputs": self.num_outputs,
            "head": self.head,
            "mask_value": self.mask_value,
        }
