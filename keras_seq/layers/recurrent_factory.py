"""Builds Keras recurrent layers from a cell name."""

import keras

from keras_seq.checks import check_choice, check_positive_int

CELL_TYPES = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "rnn": keras.layers.SimpleRNN,
}


def recurrent_layer(cell, units, *, name=None, **kwargs):
    """Returns a Keras LSTM, GRU or SimpleRNN layer for a cell name.

    The defaults of the Keras layers are kept (tanh/sigmoid activations, no recurrent
    dropout, `unroll=False`), so LSTM and GRU stay eligible for the fused cuDNN kernel.

    Args:
        cell: str. One of `"lstm"`, `"gru"`, `"rnn"` (SimpleRNN).
        units: int. Size of the hidden state.
        name: str or None. Name of the layer.
        **kwargs: further arguments of the Keras layer (`return_sequences`,
            `return_state`, `kernel_initializer`, ...).

    Returns:
        An unbuilt `keras.layers.RNN` subclass instance.

    Example:
    >>> layer = recurrent_layer("gru", 8, return_sequences=True)
    >>> type(layer).__name__
    'GRU'
    """
    check_choice("cell", cell, CELL_TYPES)
    check_positive_int("units", units)
    return CELL_TYPES[cell](units, name=name, **kwargs)
