"""Builds Keras recurrent layers from a cell name, and checks what a wrapper receives."""

import keras

from keras_seq.checks import check_positive_int

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
    cell_type = CELL_TYPES.get(cell)
    if cell_type is None:
        raise ValueError(f"`cell` must be one of {sorted(CELL_TYPES)}. Received: cell={cell!r}")
    check_positive_int("units", units)
    return cell_type(units, name=name, **kwargs)


def check_recurrent(argument, layer, allow_bidirectional):
    """Raises a TypeError unless `layer` is a Keras recurrent layer (or a bidirectional one)."""
    if isinstance(layer, keras.layers.RNN):
        return
    if allow_bidirectional and isinstance(layer, keras.layers.Bidirectional):
        return
    expected = "a keras.layers.RNN (LSTM, GRU, SimpleRNN)"
    if allow_bidirectional:
        expected += " or a Bidirectional wrapper of one"
    raise TypeError(f"`{argument}` must be {expected}. Received: {argument}={layer!r}")
