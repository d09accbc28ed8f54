"""Bidirectional wrapper that also merges the two directions' final states."""

import keras
from keras import ops

from keras_seq.checks import check_choice, check_features, check_recurrent, check_shape
from keras_seq.layers.stacked import SEQUENCE_DIMS

STATE_MERGE_MODES = ("concat", "sum", "forward", "backward", None)
OUTPUT_MERGE_MODES = ("concat", "sum", "ave", "mul", None)


@keras.saving.register_keras_serializable(package="keras_seq")
class Bidirectional(keras.layers.Bidirectional):
    """Bidirectional wrapper for a recurrent layer, with merged final states.

    Runs a copy of `layer` forward and another backward over the sequence, exactly
    like `keras.layers.Bidirectional`, and in addition merges the two directions'
    final states, so they can seed a unidirectional decoder. With an LSTM the
    states are `[h, c]` per direction, and each is merged with its counterpart.

    Masking: with a mask (e.g. from `Embedding(mask_zero=True)`), right padding never
    reaches either direction: the backward direction starts at the last real token,
    and the final states are those after the last (forward) or first (backward) real
    token. The wrapped layer must be right-padded to stay on the cuDNN path.

    Args:
        layer: `keras.layers.RNN`. A LSTM, GRU or SimpleRNN layer (or any
            `keras.layers.RNN`) to run in both directions.
        merge_mode: str or None. How the two output sequences are combined: one of
            `"concat"`, `"sum"`, `"ave"`, `"mul"`, or `None` to return both.
            Defaults to `"concat"`.
        state_merge: str or None. How the final states are combined when
            `layer.return_state` is True: `"concat"` (feature-wise concatenation),
            `"sum"`, `"forward"` or `"backward"` (keep one direction's states), or
            `None` to return the forward states followed by the backward states,
            as `keras.layers.Bidirectional` does. Defaults to `"concat"`.
        **kwargs: arguments of `keras.layers.Bidirectional` (`backward_layer`,
            `name`, ...).

    Call arguments:
        sequences: float tensor of shape `(batch_size, timesteps, features)`.
        initial_state: list of tensors or None. The forward layer's initial states
            followed by the backward layer's.
        mask: bool tensor of shape `(batch_size, timesteps)` or None.
        training: bool or None.

    Returns:
        The merged output (shape `(batch_size, timesteps, 2 * units)` for
        `merge_mode="concat"` and `return_sequences=True`), followed, when
        `return_state` is True, by the merged states as separate values, like the
        wrapped layer returns its own states.

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> bi = keras_seq.layers.Bidirectional(
    ...     keras.layers.LSTM(4, return_sequences=True, return_state=True),
    ...     state_merge="concat")
    >>> output, h, c = bi(np.zeros((2, 5, 3), "float32"))
    >>> tuple(output.shape), tuple(h.shape), tuple(c.shape)
    ((2, 5, 8), (2, 8), (2, 8))

    References:
        Schuster and Paliwal, "Bidirectional recurrent neural networks", 1997.
    """

    def __init__(self, layer, merge_mode="concat", state_merge="concat", **kwargs):
        check_recurrent("layer", layer)
        check_choice("merge_mode", merge_mode, OUTPUT_MERGE_MODES)
        check_choice("state_merge", state_merge, STATE_MERGE_MODES)
        if kwargs.get("backward_layer") is None:
            kwargs["backward_layer"] = _backward_copy(layer)
        super().__init__(layer, merge_mode=merge_mode, **kwargs)
        self.state_merge = state_merge
        # `build` and `call` check the inputs, with messages naming `sequences`;
        # Keras's input spec check would run before them without naming it.
        self.input_spec = None
        self._input_dim = None

    def _split_outputs(self, results):
        """Splits Keras's flat result into (outputs, forward states, backward states)."""
        num_outputs = 2 if self.merge_mode is None else 1
        outputs, states = tuple(results[:num_outputs]), tuple(results[num_outputs:])
        half = len(states) // 2
        return outputs, states[:half], states[half:]

    def merge_states(self, forward_states, backward_states):
        """Merges the two directions' state lists according to `state_merge`."""
        if self.state_merge is None:
            return tuple(forward_states) + tuple(backward_states)
        if self.state_merge == "forward":
            return tuple(forward_states)
        if self.state_merge == "backward":
            return tuple(backward_states)
        if self.state_merge == "sum":
            return tuple(f + b for f, b in zip(forward_states, backward_states))
        return tuple(
            ops.concatenate([f, b], axis=-1) for f, b in zip(forward_states, backward_states)
        )

    def build(self, sequences_shape, initial_state_shape=None):
        check_shape("sequences", sequences_shape, SEQUENCE_DIMS)
        self._input_dim = tuple(sequences_shape)[-1]
        super().build(sequences_shape, initial_state_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        check_features("sequences", sequences, self._input_dim, rank=3)
        results = super().call(sequences, initial_state=initial_state, mask=mask, training=training)
        if not self.return_state:
            return results
        outputs, forward_states, backward_states = self._split_outputs(results)
        return outputs + self.merge_states(forward_states, backward_states)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shapes = super().compute_output_shape(sequences_shape, initial_state_shape)
        if not self.return_state:
            return shapes
        outputs, forward_states, backward_states = self._split_outputs(shapes)
        if self.state_merge is None:
            return outputs + forward_states + backward_states
        if self.state_merge == "concat":
            merged = tuple(
                tuple(f[:-1]) + (f[-1] + b[-1],) for f, b in zip(forward_states, backward_states)
            )
            return outputs + merged
        return outputs + tuple(forward_states)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = (output_mask,) if self.merge_mode is not None else (output_mask, output_mask)
        if self.return_state:
            state_size = self.forward_layer.cell.state_size
            num_states = len(state_size) if isinstance(state_size, (list, tuple)) else 1
            if self.state_merge is None:
                num_states *= 2
            return masks + (None,) * num_states
        return masks[0] if len(masks) == 1 else masks

    def get_config(self):
        return {**super().get_config(), "state_merge": self.state_merge}


def _backward_copy(layer):
    """A fresh copy of `layer` reading backwards, made from its plain config.

    Keras makes it by serializing `layer` a second time; inside a saving/loading scope
    (a `.keras` load, a nested `from_config`) that marks the config as shared, and the
    "backward" layer can come back as the forward one.
    """
    config = layer.get_config()
    config["go_backwards"] = not layer.go_backwards
    name = layer.name[len("backward_") :] if layer.name.startswith("backward_") else layer.name
    config["name"] = f"backward_{name}"
    return type(layer).from_config(config)
