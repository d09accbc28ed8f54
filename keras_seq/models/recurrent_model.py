"""The shared body of the OneToOne, ManyToOne and ManyToMany models."""

import keras
from keras import ops

from keras_seq import _tf
from keras_seq.checks import (
    check_dtype,
    check_features,
    check_finite,
    check_nonempty_batch,
    check_positive_int,
    check_same_rows,
    check_shape,
    check_token_ids,
)
from keras_seq.cudnn import warn_off_fused_path
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.models.distribute import StrategyTrainer, mask_share
from keras_seq.models.jax_recovery import KeepsVariablesOnError
from keras_seq.models.quiet_fit import QuietFit

HEADS = {"softmax": "softmax", "sigmoid": "sigmoid", "linear": None}
# Keras loss reductions that divide by the number of (unmasked) values.
_MEAN_REDUCTIONS = ("sum_over_batch_size", "mean")


class RecurrentModel(KeepsVariablesOnError, QuietFit, StrategyTrainer, keras.Model):
    """Inputs (token ids or float features) → `RNNEncoder` → dense head.

    The encoder embeds token ids (or takes the features as they are, masking steps
    equal to `mask_value`) and runs the (stacked, bidirectional) recurrent layers.
    Subclasses set `return_sequences` (True: the head reads the encoder's memory,
    one output per step; False: it reads the top layer's final output, taken at each
    sequence's last real step) and `sequence_input` (False: a single step, as in
    OneToOne).
    """

    return_sequences = False
    sequence_input = True
    heads = HEADS  # head name -> the Dense activation

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
        check_positive_int("num_outputs", num_outputs)
        if head is None:
            head = "softmax" if num_outputs > 1 else "sigmoid"
        if head not in self.heads:
            raise ValueError(f"`head` must be one of {sorted(self.heads)}. Received: head={head!r}")
        if head in ("softmax", "crf") and num_outputs == 1:
            raise ValueError(
                f"A {head} over one output has one answer (a softmax is always 1): use "
                f"head='sigmoid' (binary) or num_outputs >= 2. Received: head={head!r}, "
                "num_outputs=1"
            )
        check_positive_int("units", units)  # the default `embedding_dim`
        if vocab_size is not None and embedding_dim is None:
            embedding_dim = units
        super().__init__(**kwargs)
        # The encoder checks vocab_size / input_dim (exactly one), embedding_dim,
        # mask_value, cell, num_layers, dropout and state_merge.
        self.encoder = RNNEncoder(
            vocab_size,
            embedding_dim,
            units,
            cell=cell,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            residual=residual,
            input_dim=input_dim,
            mask_value=mask_value,
            name="encoder",
        )
        if vocab_size is not None:
            self.autocast = False
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
        self.output_dropout = keras.layers.Dropout(dropout) if dropout > 0 else None
        self.output_layer = keras.layers.Dense(
            num_outputs, activation=self.heads[head], name="output"
        )

    @property
    def input_dtype(self):
        # Token models take integer ids. Autocasting is off for them (see __init__), so
        # a float input is not silently cast to ids but reported by `call`.
        return "int32" if self.vocab_size is not None else super().input_dtype

    def _source_shape(self, inputs_shape):
        """The shape of the encoder's source: a single step becomes a sequence of one.

        Only the batch and time dimensions are read; `call` checks the inputs.
        """
        batch = inputs_shape[0]
        timesteps = inputs_shape[1] if self.sequence_input else 1
        return (
            (batch, timesteps)
            if self.vocab_size is not None
            else (batch, timesteps, self.input_dim)
        )

    def _head_input_shape(self, inputs_shape):
        memory_shape, state_shapes = self.encoder.compute_output_shape(
            self._source_shape(inputs_shape)
        )
        # The top layer's final `h` is its output at each sequence's last real step.
        return tuple(memory_shape if self.return_sequences else state_shapes[-1][0])

    def build(self, inputs_shape):
        self.encoder.build(self._source_shape(inputs_shape))
        self.output_layer.build(self._head_input_shape(inputs_shape))
        self.built = True
        warn_off_fused_path(self)

    def _source(self, inputs):
        """Checks `inputs` and returns them as the encoder's source sequence."""
        if self.vocab_size is None:
            check_features("inputs", inputs, self.input_dim, rank=3 if self.sequence_input else 2)
            return inputs if self.sequence_input else ops.expand_dims(inputs, 1)
        if not self.sequence_input:
            check_shape("inputs", inputs.shape, ("batch_size",))
            inputs = ops.expand_dims(inputs, 1)
        return check_token_ids("inputs", inputs, self.vocab_size)

    def fit(self, x=None, y=None, *args, **kwargs):
        self._check_arrays(x, y)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_arrays(x, y)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        self._check_arrays(x)
        return super().predict(x, *args, **kwargs)

    def _check_arrays(self, x, y=None):
        """Runs `call`'s checks (and finiteness of features) on eager arrays before
        Keras slices them into graph steps, where a bad batch fails as a graph error.
        Datasets and generators are checked in the graph, by `call`."""
        if not (hasattr(x, "shape") and hasattr(x, "dtype")):
            return
        expected = "float features" if self.vocab_size is None else "integer token ids"
        check_dtype("inputs", x.dtype, ("int", "float"), expected)
        x = ops.convert_to_tensor(x)
        check_nonempty_batch("inputs", x)
        self._source(x)
        if self.vocab_size is None:
            check_finite("inputs", x)
        if not (hasattr(y, "shape") and len(y.shape)):
            return
        check_same_rows("inputs", x, "y", y)
        if self.return_sequences and len(y.shape) > 1 and y.shape[1] != x.shape[1]:
            raise ValueError(
                "`y` must hold one label per input step. Received: y with shape "
                f"{tuple(y.shape)}, inputs with shape {tuple(x.shape)}"
            )

    def call(self, inputs, training=None):
        memory, states = self.encoder(self._source(inputs), training=training)
        outputs = memory if self.return_sequences else states[-1][0]
        if self.output_dropout is not None:
            outputs = self.output_dropout(outputs, training=training)
        return self.output_layer(outputs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        # Keras averages a masked loss over each replica's real steps; weighed by their
        # share of the global batch's real steps, the replicas' losses (and gradients)
        # sum to the mean over the global batch, as on one device.
        weights = None
        if getattr(self.loss, "reduction", "sum_over_batch_size") in _MEAN_REDUCTIONS:
            weights = mask_share(getattr(y_pred, "_keras_mask", None))
        if weights is not None:
            if sample_weight is not None:
                while len(sample_weight.shape) < len(weights.shape):
                    sample_weight = ops.expand_dims(sample_weight, -1)
                weights = weights * ops.cast(sample_weight, weights.dtype)
            sample_weight = weights
        return super().compute_loss(x, y, y_pred, sample_weight, training)

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the model (`serve(inputs)`), by default for any batch and length.

        Without an `input_signature`, `serve` takes inputs of any batch size and any
        length (Keras alone would fix the first call's length): token ids of shape
        `(batch_size, timesteps)` (`(batch_size,)` for OneToOne) as int32 or int64,
        one traced function for each, or float32 features of shape `(batch_size,
        timesteps, input_dim)` (`(batch_size, input_dim)` for OneToOne). The
        SavedModel's `serving_default` signature (for TF Serving) is the int32 one.
        Arguments as in `keras.Model.export`.
        """
        if input_signature is not None or format != "tf_saved_model":
            return super().export(
                filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
            )
        tf = _tf.require_tensorflow(f"{type(self).__name__}.export (a SavedModel)")

        shape = (None, None) if self.sequence_input else (None,)
        if self.vocab_size is None:
            shape += (self.input_dim,)
        dtypes = (tf.float32,) if self.vocab_size is None else (tf.int32, tf.int64)
        serve = tf.function(self.__call__, autograph=False)
        for dtype in dtypes:
            serve.get_concrete_function(tf.TensorSpec(shape, dtype, name="inputs"))
        archive = keras.export.ExportArchive()
        archive.track(self)
        archive.add_endpoint("serve", serve, **kwargs)
        archive.write_out(filepath, verbose=True if verbose is None else verbose)

    def compute_output_shape(self, inputs_shape):
        return self._head_input_shape(inputs_shape)[:-1] + (self.num_outputs,)

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
