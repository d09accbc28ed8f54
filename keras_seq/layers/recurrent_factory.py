"""Builds Keras recurrent layers from a cell name, and checks what a wrapper receives."""

import keras

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


def check_positive_int(argument, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"`{argument}` must be an int. Received: {argument}={value!r}")
    if value < 1:
        raise ValueError(f"`{argument}` must be at least 1. Received: {argument}={value}")


def check_rate(argument, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"`{argument}` must be a float. Received: {argument}={value!r}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{argument}` must be in [0, 1). Received: {argument}={value}")


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


def check_token_ids(argument, ids, vocab_size):
    """Checks rank and dtype of a `(batch_size, timesteps)` id tensor, and its range when eager.

    Values can only be read from eager tensors; inside a graph an out-of-range id is
    reported by the embedding lookup instead.
    """
    dtype = keras.backend.standardize_dtype(ids.dtype)
    if "int" not in dtype:
        raise TypeError(
            f"`{argument}` must hold integer token ids. Received: {argument} with dtype {dtype}"
        )
    check_ids_shape(argument, ids.shape)
    if _is_concrete(ids):
        values = keras.ops.convert_to_numpy(ids)
        if values.size and (values.min() < 0 or values.max() >= vocab_size):
            raise ValueError(
                f"`{argument}` must hold ids in [0, {vocab_size}) (the vocabulary size). "
                f"Received: ids from {values.min()} to {values.max()}"
            )


def check_ids_shape(argument, shape):
    """Checks that an id tensor's shape is `(batch_size, timesteps)`; `build` sees only
    the shape."""
    if len(shape) != 2:
        raise ValueError(
            f"`{argument}` must have shape (batch_size, timesteps). "
            f"Received: {argument} with shape {tuple(shape)}"
        )


def check_features(argument, features, input_dim, rank):
    """Checks rank, float dtype and last dimension of a feature tensor."""
    dtype = keras.backend.standardize_dtype(features.dtype)
    if "float" not in dtype:
        raise TypeError(
            f"`{argument}` must hold float features. Received: {argument} with dtype {dtype}"
        )
    if len(features.shape) != rank:
        expected = "(batch_size, timesteps, input_dim)" if rank == 3 else "(batch_size, input_dim)"
        raise ValueError(
            f"`{argument}` must have shape {expected}. "
            f"Received: {argument} with shape {tuple(features.shape)}"
        )
    if features.shape[-1] is not None and features.shape[-1] != input_dim:
        raise ValueError(
            f"`{argument}` must have {input_dim} features (`input_dim`). "
            f"Received: {argument} with shape {tuple(features.shape)}"
        )


def _is_concrete(tensor):
    if isinstance(tensor, keras.KerasTensor):
        return False
    try:
        keras.ops.convert_to_numpy(tensor)
    except Exception:  # a symbolic graph tensor has no value to read
        return False
    return True
