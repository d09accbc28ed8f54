"""Maps an encoder's final states to a decoder's initial states."""

import keras
from keras import ops

from keras_seq.checks import check_choice, check_list, check_positive_int

MODES = ("auto", "dense", "identity", "zeros")


def _check_sizes(name, sizes):
    """Checks a list with, per layer, the list of its state sizes (`[[512, 512]]`)."""
    expected = "a list with one list of state sizes per layer, such as [[512, 512]]"
    for layer, layer_sizes in enumerate(check_list(name, sizes, expected=expected)):
        layer_name = f"{name}[{layer}]"
        for index, size in enumerate(check_list(layer_name, layer_sizes, expected=expected)):
            check_positive_int(f"{layer_name}[{index}]", size)


@keras.saving.register_keras_serializable(package="keras_seq")
class Bridge(keras.layers.Layer):
    """Turns encoder final states into decoder initial states.

    Needed when the two differ in size (a bidirectional encoder with concatenated
    states feeding a unidirectional decoder), depth or cell (an LSTM's `[h, c]`
    against a GRU's `[h]`). Decoder layers are matched to encoder layers from the
    top: the top decoder layer starts from the top encoder layer, and extra decoder
    layers reuse the encoder's bottom layer. Decoder state `j` comes from encoder
    state `j`, or from the encoder's first state (`h`) when the encoder has fewer.

    Args:
        encoder_state_sizes: list of lists of ints. Per encoder layer, the sizes
            of its final states.
        decoder_state_sizes: list of lists of ints. Per decoder layer, the sizes of
            its states.
        mode: str. `"auto"`: copy states whose sizes agree and project the others
            with a learned `Dense(tanh)`; `"dense"`: project every state;
            `"identity"`: copy (sizes must agree); `"zeros"`: ignore the encoder and
            start from zeros. Defaults to `"auto"`.
        **kwargs: base layer arguments.

    Call arguments:
        encoder_states: list with one list of state tensors per encoder layer.

    Returns:
        A list with one list of state tensors per decoder layer.

    Example:
    >>> import numpy as np, keras_seq
    >>> bridge = keras_seq.layers.Bridge([[8, 8], [8, 8]], [[4, 4]])
    >>> states = [[np.ones((2, 8), "float32")] * 2] * 2
    >>> [tuple(s.shape) for s in bridge(states)[0]]
    [(2, 4), (2, 4)]
    """

    def __init__(self, encoder_state_sizes, decoder_state_sizes, mode="auto", **kwargs):
        _check_sizes("encoder_state_sizes", encoder_state_sizes)
        _check_sizes("decoder_state_sizes", decoder_state_sizes)
        check_choice("mode", mode, MODES)
        super().__init__(**kwargs)
        self.encoder_state_sizes = [list(layer) for layer in encoder_state_sizes]
        self.decoder_state_sizes = [list(layer) for layer in decoder_state_sizes]
        self.mode = mode
        self.sources = []
        self.projections = []
        for layer, sizes in enumerate(self.decoder_state_sizes):
            source_layer = max(
                0, layer + len(self.encoder_state_sizes) - len(self.decoder_state_sizes)
            )
            for index, size in enumerate(sizes):
                source_index = index if index < len(self.encoder_state_sizes[source_layer]) else 0
                source_size = self.encoder_state_sizes[source_layer][source_index]
                self.sources.append((source_layer, source_index, source_size))
                project = mode == "dense" or (mode == "auto" and source_size != size)
                if mode == "identity" and source_size != size:
                    raise ValueError(
                        "mode='identity' needs equal encoder and decoder state sizes. "
                        f"Received: encoder size {source_size} for decoder size {size} "
                        f"(decoder layer {layer}, state {index})"
                    )
                self.projections.append(
                    keras.layers.Dense(size, activation="tanh", name=f"state_{layer}_{index}")
                    if project and mode != "zeros"
                    else None
                )

    def build(self, encoder_states_shape=None):
        for (_, _, source_size), projection in zip(self.sources, self.projections):
            if projection is not None:
                projection.build((None, source_size))
        self.built = True

    def call(self, encoder_states):
        flat = []
        sizes = [size for layer_sizes in self.decoder_state_sizes for size in layer_sizes]
        for (layer, index, _), projection, size in zip(self.sources, self.projections, sizes):
            state = encoder_states[layer][index]
            if self.mode == "zeros":
                flat.append(ops.zeros((ops.shape(state)[0], size), dtype=state.dtype))
            else:
                flat.append(state if projection is None else projection(state))
        return self._per_decoder_layer(flat)

    def _per_decoder_layer(self, flat):
        """Groups a flat list with one item per decoder state into one list per layer."""
        grouped, position = [], 0
        for sizes in self.decoder_state_sizes:
            grouped.append(flat[position : position + len(sizes)])
            position += len(sizes)
        return grouped

    def compute_output_shape(self, encoder_states_shape):
        sizes = [size for layer_sizes in self.decoder_state_sizes for size in layer_sizes]
        flat = [
            (tuple(encoder_states_shape[layer][index])[0], size)
            for (layer, index, _), size in zip(self.sources, sizes)
        ]
        return self._per_decoder_layer(flat)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder_state_sizes": self.encoder_state_sizes,
            "decoder_state_sizes": self.decoder_state_sizes,
            "mode": self.mode,
        }
