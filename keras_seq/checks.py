"""Argument checks shared by the whole package: one place, one message format.

Every check raises a `TypeError` (wrong kind of value) or a `ValueError` (right kind,
wrong value) whose message names the argument, shows the value received and says
what was expected. Tensor checks read only static shapes and dtypes, so they also
run while a graph is traced; the range of id values is checked when the values are
concrete (eager), and inside a graph by the layer that uses them.
"""

import math
import numbers

import keras


def check_int(name, value, *, minimum=None, maximum=None, allow_none=False, expected=None):
    """Returns `value` as a Python int, or raises naming `name` and echoing `value`.

    Example:
    >>> check_int("beam_width", 4, minimum=1)
    4
    >>> check_int("beam_width", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: Argument `beam_width` must be an integer >= 1. Received: beam_width=0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"Argument `{name}` must be a Python integer{' or None' if allow_none else ''}. "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    value = int(value)
    too_small = minimum is not None and value < minimum
    too_large = maximum is not None and value > maximum
    if too_small or too_large:
        if expected is None:
            if maximum is None:
                expected = f"an integer >= {minimum}"
            elif minimum is None:
                expected = f"an integer <= {maximum}"
            else:
                expected = f"an integer in [{minimum}, {maximum}]"
        raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value}")
    return value


def check_positive_int(name, value):
    """`check_int(name, value, minimum=1)`: sizes, counts, lengths."""
    return check_int(name, value, minimum=1)


def check_float(
    name, value, *, low, high=math.inf, low_open=False, high_open=False, expected, allow_none=False
):
    """Returns `value` as a finite Python float in the given interval, or raises."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Argument `{name}` must be a Python number. "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    number = float(value)
    above_low = number > low if low_open else number >= low
    below_high = number < high if high_open else number <= high
    if not math.isfinite(number) or not above_low or not below_high:
        raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
    return number


def check_rate(name, value):
    """A dropout-like rate in [0, 1)."""
    return check_float(
        name, value, low=0.0, high=1.0, high_open=True, expected="a number in [0, 1)"
    )


def check_unset(name, value, applies_to):
    """Raises if `value`, an argument that only applies to `applies_to`, is set.

    Example:
    >>> check_unset("mask_value", 0.0, "feature sources")
    Traceback (most recent call last):
    ...
    ValueError: Argument `mask_value` only applies to feature sources. Received: mask_value=0.0
    """
    if value is not None:
        raise ValueError(
            f"Argument `{name}` only applies to {applies_to}. Received: {name}={value!r}"
        )


def check_token_ids(name, ids, vocab_size):
    """Checks rank and dtype of a `(batch_size, timesteps)` id tensor, and its range when eager.

    Values can only be read from eager tensors; inside a graph an out-of-range id is
    reported by the embedding lookup instead.
    """
    dtype = keras.backend.standardize_dtype(ids.dtype)
    if "int" not in dtype:
        raise TypeError(
            f"`{name}` must hold integer token ids. Received: {name} with dtype {dtype}"
        )
    check_ids_shape(name, ids.shape)
    check_id_range(name, ids, vocab_size)


def check_id_range(name, ids, vocab_size, *, low=0):
    """Raises if concrete (eager) `ids` leave `[low, vocab_size)`; a graph tensor passes."""
    if not is_concrete(ids):
        return
    values = keras.ops.convert_to_numpy(ids)
    if values.size and (values.min() < low or values.max() >= vocab_size):
        raise ValueError(
            f"`{name}` must hold ids in [{low}, {vocab_size}) (the vocabulary size). "
            f"Received: ids from {values.min()} to {values.max()}"
        )


def check_ids_shape(name, shape):
    """Checks that an id tensor's shape is `(batch_size, timesteps)`; `build` sees only
    the shape."""
    check_rank(name, shape, ("batch_size", "timesteps"))


def check_rank(name, shape, dims):
    """Raises unless `shape` has one dimension per name in `dims`.

    Example:
    >>> check_rank("inputs", (3, 4), ("batch_size",))
    Traceback (most recent call last):
    ...
    ValueError: `inputs` must have shape (batch_size,). Received: inputs with shape (3, 4)
    """
    if len(shape) != len(dims):
        expected = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        raise ValueError(
            f"`{name}` must have shape {expected}. Received: {name} with shape {tuple(shape)}"
        )


def check_features(name, features, input_dim, rank):
    """Checks rank, float dtype and last dimension of a feature tensor."""
    dtype = keras.backend.standardize_dtype(features.dtype)
    if "float" not in dtype:
        raise TypeError(f"`{name}` must hold float features. Received: {name} with dtype {dtype}")
    if len(features.shape) != rank:
        expected = "(batch_size, timesteps, input_dim)" if rank == 3 else "(batch_size, input_dim)"
        raise ValueError(
            f"`{name}` must have shape {expected}. Received: {name} with shape "
            f"{tuple(features.shape)}"
        )
    if features.shape[-1] is not None and input_dim is not None and features.shape[-1] != input_dim:
        raise ValueError(
            f"`{name}` must have {input_dim} features (`input_dim`). "
            f"Received: {name} with shape {tuple(features.shape)}"
        )


def check_nonempty_batch(name, values):
    """Raises if a concrete batch has no rows."""
    if values.shape[0] == 0:
        raise ValueError(f"`{name}` is an empty batch. Received: shape {tuple(values.shape)}")


def is_concrete(tensor):
    """True when the tensor's values can be read now (not a symbolic or traced tensor)."""
    if isinstance(tensor, keras.KerasTensor):
        return False
    try:
        keras.ops.convert_to_numpy(tensor)
    except Exception:  # a symbolic graph tensor has no value to read
        return False
    return True
