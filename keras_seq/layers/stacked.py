"""A stack of identical recurrent layers with optional residual connections."""

import copy

import keras
from keras import ops

from keras_seq.checks import (
    check_features,
    check_positive_int,
    check_rate,
    check_recurrent,
    check_shape,
)

# The layout of the sequences that `Stacked` and `Bidirectional` read.
SEQUENCE_DIMS = ("batch_size", "timesteps", "input_dim")


def _clone_recurrent(layer, name, return_sequences):
    """A fresh copy of `layer` (an RNN or a Bidirectional of one) that returns its states.

    A Bidirectional copy rebuilds its backward layer from the forward one (as
    `keras.layers.Bidirectional` does by default).
    """
    config = _without_sharing_ids(copy.deepcopy(layer.get_config()))
    config["name"] = name
    inner = config
    if isinstance(layer, keras.layers.Bidirectional):
        config.pop("backward_layer", None)
        inner = config["layer"]["config"]
    inner["return_sequences"] = return_sequences
    inner["return_state"] = True
    clone = type(layer).from_config(config)
    # `use_cudnn` is an attribute that Keras does not serialize.
    for original, copied in _inner_layers(layer, clone):
        if hasattr(original, "use_cudnn"):
            copied.use_cudnn = original.use_cudnn
    return clone


def _without_sharing_ids(config):
    """Drops the ids Keras adds to configs of objects serialized twice inside a saving or
    loading scope; left in, every copy would be deserialized into one shared layer."""
    if isinstance(config, dict):
        return {
            key: _without_sharing_ids(value)
            for key, value in config.items()
            if key != "shared_object_id"
        }
    if isinstance(config, list):
        return [_without_sharing_ids(value) for value in config]
    return config


def _inner_layers(layer, clone):
    if isinstance(layer, keras.layers.Bidirectional):
        return [
            (layer.forward_layer, clone.forward_layer),
            (layer.backward_layer, clone.backward_layer),
        ]
    return [(layer, clone)]


@keras.saving.register_keras_serializable(package="keras_seq")
class Stacked(keras.layers.Layer):
    """Stacks `num_layers` copies of a recurrent layer.

    Every copy has the configuration of `layer` (its own weights). Layers below the
    top one return full sequences; the top one follows `layer.return_sequences`.
    With `layer.return_state`, the final states of every layer are returned.

    Masking: the mask of the input (e.g. from `Embedding(mask_zero=True)`) is given
    to every layer, so padding never changes outputs at real steps or final states.

    cuDNN: the stack itself adds nothing that leaves the fused cuDNN path; the
    wrapped layer's own options decide it (see `keras_seq.cudnn.cudnn_report`).

    Args:
        layer: `keras.layers.RNN` or a `Bidirectional` of one. The layer to repeat;
            it is used as a template and is not itself part of the stack (a
            Bidirectional's copies derive their backward layer from the forward
            one).
        num_layers: int. Number of layers, at least 1.
        residual: bool. If True, the input of every layer from the second on is added
            to its output sequence (Wu et al., 2016); copies of one layer keep
            their size, so the sizes always agree.
            Residual connections act on sequences: with `return_sequences=False` the
            top layer's final output is returned as it is. Defaults to `False`.
        dropout: float. Dropout rate applied between layers (to the input of every
            layer from the second on), during training only. Defaults to `0.0`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: float tensor of shape `(batch_size, timesteps, features)`.
        initial_state: list with one entry per layer, each the list of that layer's
            initial states, or None for zeros.
        mask: bool tensor of shape `(batch_size, timesteps)` or None.
        training: bool or None.

    Returns:
        The top layer's output: `(batch_size, timesteps, units)` if
        `return_sequences` else `(batch_size, units)` (units doubled by a
        concatenating Bidirectional). With `return_state`, a tuple
        `(output, states)` where `states[i]` is the list of layer `i`'s final states
        (`[h, c]` for an LSTM, `[h]` for a GRU or SimpleRNN).

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> stack = keras_seq.layers.Stacked(
    ...     keras.layers.LSTM(8, return_sequences=True, return_state=True), 3,
    ...     residual=True, dropout=0.1)
    >>> output, states = stack(np.zeros((2, 5, 8), "float32"))
    >>> tuple(output.shape), len(states), [tuple(s.shape) for s in states[0]]
    ((2, 5, 8), 3, [(2, 8), (2, 8)])

    References:
        Sutskever, Vinyals and Le, "Sequence to Sequence Learning with Neural
        Networks", 2014 (deep LSTMs). Wu et al., "Google's Neural Machine Translation
        System", 2016 (residual connections).
    """

    def __init__(self, layer, num_layers, residual=False, dropout=0.0, **kwargs):
        check_recurrent("layer", layer, allow_bidirectional=True)
        if isinstance(layer, keras.layers.Bidirectional) and layer.merge_mode is None:
            raise ValueError(
                "`Stacked` needs one output sequence per layer, so a Bidirectional "
                "layer must merge its directions. Received: merge_mode=None"
            )
        check_positive_int("num_layers", num_layers)
        check_rate("dropout", dropout)
        super().__init__(**kwargs)
        # Kept out of Keras's tracking: the template is never built and owns no weights.
        object.__setattr__(self, "_template", layer)
        self.num_layers = num_layers
        self.residual = bool(residual)
        self.dropout = dropout
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.recurrent_layers = [
            _clone_recurrent(
                layer,
                name=f"{self.name}_{index}",
                return_sequences=self.return_sequences or index < num_layers - 1,
            )
            for index in range(num_layers)
        ]
        self.dropout_layer = keras.layers.Dropout(dropout) if dropout > 0 else None
        # The feature size the stack was built for; inputs are checked against it.
        self._input_dim = None

    def build(self, inputs_shape, initial_state_shape=None):
        check_shape("inputs", inputs_shape, SEQUENCE_DIMS)
        shape = tuple(inputs_shape)
        self._input_dim = shape[-1]
        for layer in self.recurrent_layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)[0]
        self.built = True

    def call(self, inputs, initial_state=None, mask=None, training=None):
        check_features("inputs", inputs, self._input_dim, rank=3)
        if initial_state is not None and len(initial_state) != self.num_layers:
            raise ValueError(
                f"`initial_state` must have one entry per layer ({self.num_layers}). "
                f"Received: {len(initial_state)} entries"
            )
        x = inputs
        all_states = []
        for index, layer in enumerate(self.recurrent_layers):
            layer_input = x
            if index > 0 and self.dropout_layer is not None:
                layer_input = self.dropout_layer(layer_input, training=training)
            results = layer(
                layer_input,
                initial_state=None if initial_state is None else list(initial_state[index]),
                mask=mask,
                training=training,
            )
            output, states = results[0], list(results[1:])
            if self.residual and index > 0 and len(output.shape) == 3:
                output = output + x
            x = output
            all_states.append(states)
        if self.return_state:
            return x, all_states
        return x

    def step(self, inputs, states):
        """Runs one time step through every layer's cell, without dropout.

        Only for stacks of unidirectional layers; used by decoders, so that stepping
        uses exactly the weights that the full-sequence call uses.

        Args:
            inputs: float tensor of shape `(batch_size, features)`.
            states: list with one entry per layer, each the list of that layer's
                states.

        Returns:
            `(output, new_states)`: the top layer's output of shape
            `(batch_size, units)` and the new states, structured like `states`.
        """
        if isinstance(self._template, keras.layers.Bidirectional):
            raise ValueError("`step` needs unidirectional layers; this stack is bidirectional.")
        x = inputs
        new_states = []
        for index, layer in enumerate(self.recurrent_layers):
            output, layer_states = layer.cell(x, list(states[index]), training=False)
            layer_states = (
                list(layer_states) if isinstance(layer_states, (list, tuple)) else [layer_states]
            )
            if self.residual and index > 0:
                output = output + x
            x = output
            new_states.append(layer_states)
        return x, new_states

    def compute_output_shape(self, inputs_shape, initial_state_shape=None):
        shape = tuple(inputs_shape)
        state_shapes = []
        for layer in self.recurrent_layers:
            shapes = layer.compute_output_shape(shape)
            shape = tuple(shapes[0])
            state_shapes.append([tuple(s) for s in shapes[1:]])
        if self.return_state:
            return shape, state_shapes
        return shape

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            state_masks = [
                [None] * len(shapes) for shapes in self.compute_output_shape(inputs.shape)[1]
            ]
            return output_mask, state_masks
        return output_mask

    def get_initial_state(self, batch_size, dtype="float32"):
        """Zero states for every layer, structured like the `states` this stack returns."""
        return [
            [ops.zeros((batch_size, size), dtype=dtype) for size in _state_sizes(layer)]
            for layer in self.recurrent_layers
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "layer": keras.saving.serialize_keras_object(self._template),
            "num_layers": self.num_layers,
            "residual": self.residual,
            "dropout": self.dropout,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)


def _state_sizes(layer):
    size = layer.cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]
