"""Argument checks shared by the whole package: one place, one message format.

Every check raises a `TypeError` (wrong kind of value) or a `ValueError` (right kind,
wrong value) whose message names the argument, shows the value received and says
what was expected. Tensor checks read only static shapes and dtypes, so they also
run while a graph is traced; the range of id values is checked when the values are
concrete (eager), and inside a graph by the layer that uses them.
"""

import math
import numbers
import sys

import numpy as np

# Keras (and so TensorFlow) is imported inside the tensor and layer checks only: the
# BLEU functions use the Python checks here, and `keras-seq bleu` runs without TensorFlow.


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


def check_bool(name, value):
    """Returns `value` if it is a Python bool; raises a `TypeError` otherwise.

    Example:
    >>> check_bool("lowercase", "yes")
    Traceback (most recent call last):
    ...
    TypeError: Argument `lowercase` must be a bool. Received: lowercase='yes' (of type str)
    """
    if not isinstance(value, bool):
        raise TypeError(
            f"Argument `{name}` must be a bool. "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    return value


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`; raises a `ValueError` listing them.

    Example:
    >>> check_choice("mode", "copy", ("auto", "dense"))
    Traceback (most recent call last):
    ...
    ValueError: Argument `mode` must be one of ['auto', 'dense']. Received: mode='copy'
    """
    # A list compares by `==`: an unhashable value (a list) is reported, not a crash.
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"Argument `{name}` must be one of {choices}. Received: {name}={value!r}")
    return value


def check_list(name, value, *, allow_empty=False, expected="a list"):
    """Returns a list, tuple or NumPy array `value` as a list; raises for anything else.

    A str or bytes is refused (it is a sequence, but never meant as a list here).
    `expected` describes the list in the `TypeError` message.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"Argument `{name}` must be {expected}. "
            f"Received: {name}={value!r:.80} (of type {type(value).__name__})"
        )
    if not value and not allow_empty:
        raise ValueError(f"Argument `{name}` must not be empty. Received: {name}={value!r}")
    return list(value)


def check_str_list(name, value, *, allow_empty=False):
    """Returns `value` as a list of str, or raises naming the first element that is not.

    Example:
    >>> check_str_list("texts", ["a", 3])
    Traceback (most recent call last):
    ...
    TypeError: Argument `texts` must contain only str. Received: texts[1]=3 (of type int)
    """
    values = check_list(name, value, allow_empty=allow_empty, expected="a list of str")
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise TypeError(
                f"Argument `{name}` must contain only str. "
                f"Received: {name}[{index}]={item!r:.60} (of type {type(item).__name__})"
            )
    return values


def check_split(name, value):
    """Returns a `(train, validation, test)` triple of fractions summing to 1 as floats."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 3
        or not all(isinstance(f, numbers.Real) and not isinstance(f, bool) for f in value)
    ):
        raise TypeError(
            f"Argument `{name}` must be a (train, validation, test) triple of fractions. "
            f"Received: {name}={value!r}"
        )
    if any(f < 0 for f in value) or abs(sum(value) - 1.0) > 1e-6 or value[0] <= 0:
        raise ValueError(
            f"Argument `{name}` must hold non-negative fractions that sum to 1 and give "
            f"train a share. Received: {name}={value!r}"
        )
    return tuple(float(f) for f in value)


def check_type(name, value, types, expected):
    """Returns `value` if it is an instance of `types`; `expected` describes them."""
    if not isinstance(value, types):
        raise TypeError(
            f"Argument `{name}` must be {expected}. "
            f"Received: {name}={value!r:.80} (of type {type(value).__name__})"
        )
    return value


def check_recurrent(name, layer, *, allow_bidirectional=False):
    """Returns `layer` if it is a `keras.layers.RNN` (or, when allowed, a
    `keras.layers.Bidirectional`); raises a `TypeError` otherwise."""
    import keras

    expected = "a keras.layers.RNN (LSTM, GRU, SimpleRNN)"
    types = (keras.layers.RNN,)
    if allow_bidirectional:
        expected += " or a Bidirectional wrapper of one"
        types += (keras.layers.Bidirectional,)
    return check_type(name, layer, types, expected)


def check_dtype(name, dtype, kinds, expected):
    """Raises a `TypeError` unless the dtype's name contains one of `kinds` ("int",
    "float", ...); `expected` says what the tensor must hold.

    `dtype` is a TensorFlow or NumPy dtype or a dtype name (a `KerasTensor`'s).
    """
    dtype = getattr(dtype, "name", str(dtype))
    if not any(kind in dtype for kind in kinds):
        raise TypeError(f"`{name}` must hold {expected}. Received: {name} with dtype {dtype}")


def check_shape(name, shape, dims):
    """Raises a `ValueError` unless `shape` has one entry per name in `dims`.

    Reads only the rank, so `build` can call it with a shape tuple and `call` with a
    symbolic tensor's shape.

    Example:
    >>> check_shape("ids", (2,), ("batch_size", "timesteps"))
    Traceback (most recent call last):
    ...
    ValueError: `ids` must have shape (batch_size, timesteps). Received: ids with shape (2,)
    """
    if len(shape) != len(dims):
        expected = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        raise ValueError(
            f"`{name}` must have shape {expected}. Received: {name} with shape {tuple(shape)}"
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
    """Checks a `(batch_size, timesteps)` id tensor; returns it, range-checked.

    Rank and dtype are read from the static shape. The range `[0, vocab_size)` is
    checked as `checked_id_range` does: now for eager values, when the graph runs for
    traced ones. Use the returned tensor, so that nothing reads the ids before the check.
    """
    check_dtype(name, ids.dtype, ("int",), "integer token ids")
    check_ids_shape(name, ids.shape)
    return checked_id_range(name, ids, vocab_size)


def check_id_range(name, ids, vocab_size, *, low=0):
    """Raises if concrete (eager) `ids` leave `[low, vocab_size)`; a traced tensor passes."""
    if is_concrete(ids):
        checked_id_range(name, ids, vocab_size, low=low)


def checked_id_range(name, ids, vocab_size, *, low=0):
    """Returns `ids` once they lie in `[low, vocab_size)`, checked as `checked` does."""

    def summary(xp, ids):
        smallest, largest = xp.min(ids), xp.max(ids)
        return xp.logical_and(smallest >= low, largest < vocab_size), (smallest, largest)

    template = (
        f"`{name}` must hold ids in [{low}, {vocab_size}) (the vocabulary size). "
        "Received: ids from {} to {}"
    )
    return checked(ids, summary, template)


def checked_right_padded(name, values):
    """Returns `values` once every row is right-padded, checked as `checked` does.

    `values` is a `(batch_size, timesteps)` bool mask (True at real steps) or ids (0
    is padding). Left padding (`[0, 0, 3, 4]`) is refused where it would be misread.
    """
    import keras

    is_mask = keras.backend.standardize_dtype(values.dtype) == "bool"

    def summary(xp, values):
        real = values if is_mask else xp.not_equal(values, 0)
        early = xp.logical_and(real[:, 1:], xp.logical_not(real[:, :-1]))
        rows = xp.any(early, axis=1)
        return xp.logical_not(xp.any(rows)), (xp.sum(xp.asarray(rows, "int32")),)

    template = (
        f"`{name}` must be right-padded: each row's padding after its last real step "
        "(`[3, 4, 5, 0, 0]`, not `[0, 0, 3, 4, 5]`). Received: padding before a real "
        "step in {} row(s)"
    )
    return checked(values, summary, template)


def checked(tensor, summary, template):
    """Returns `tensor` once a condition on its values holds, in every execution mode.

    `summary(xp, tensor) -> (ok, values)` is written against a NumPy-like module `xp`:
    NumPy for eager values, which raise a `ValueError` now; `tensorflow.experimental.numpy`
    for a traced TensorFlow tensor (`tf.function`, `tf.data`, a SavedModel), which gets
    an assertion op that the returned tensor depends on (an `InvalidArgumentError` when
    the graph runs); `jax.numpy` for a JAX tracer (`jax.jit`), which gets a debug
    callback that raises the `ValueError` (as a `JaxRuntimeError`). The message is
    `template.format(*values)`. XLA compiles TensorFlow's assertions away, so under
    `jit_compile=True` only the input pipeline's checks (see
    `keras_seq.models.DecoderModel`) remain. Symbolic Keras tensors pass.
    """
    import keras

    if isinstance(tensor, keras.KerasTensor):
        return tensor
    if is_concrete(tensor):
        array = np.asarray(keras.ops.convert_to_numpy(tensor))
        ok, values = summary(np, array) if array.size else (True, ())
        if not ok:
            raise ValueError(template.format(*values))
        return tensor
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.is_tensor(tensor):
        import tensorflow.experimental.numpy as tnp

        ok, values = summary(tnp, tensor)
        pieces = template.split("{}")
        data = [pieces[0]]
        for value, piece in zip(values, pieces[1:], strict=True):
            data += [value, piece] if piece else [value]
        with tf.control_dependencies([tf.debugging.Assert(ok, data)]):
            return tf.identity(tensor)
    import jax

    if 0 in tensor.shape:  # shapes are static under jit; a reduction needs an element
        return tensor

    def check(ok, *values):
        if not ok:
            raise ValueError(template.format(*values))

    ok, values = summary(jax.numpy, tensor)
    jax.debug.callback(check, ok, *values)
    return tensor


def check_ids_shape(name, shape):
    """Checks that an id tensor's shape is `(batch_size, timesteps)`; `build` sees only
    the shape."""
    check_shape(name, shape, ("batch_size", "timesteps"))


def check_features(name, features, input_dim, rank):
    """Checks float dtype, rank (2 or 3) and, when `input_dim` is known, last dimension
    of a feature tensor."""
    check_dtype(name, features.dtype, ("float",), "float features")
    dims = ("batch_size", "timesteps", "input_dim") if rank == 3 else ("batch_size", "input_dim")
    check_shape(name, features.shape, dims)
    if features.shape[-1] is not None and input_dim is not None and features.shape[-1] != input_dim:
        raise ValueError(
            f"`{name}` must have {input_dim} features (its last dimension, `input_dim`). "
            f"Received: {name} with shape {tuple(features.shape)}"
        )


def check_nonempty_batch(name, values):
    """Raises if a concrete batch has no rows."""
    if values.shape[0] == 0:
        raise ValueError(f"`{name}` is an empty batch. Received: shape {tuple(values.shape)}")


def check_finite(name, values):
    """Raises if concrete (eager) float `values` hold a NaN or an infinity; a traced
    tensor passes. NaN inputs would otherwise decode into plausible-looking ids."""
    if not is_concrete(values):
        return
    import keras

    array = np.asarray(keras.ops.convert_to_numpy(values))
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"`{name}` must hold finite numbers. Received: {name}{list(first)}={array[first]}"
        )


def check_same_rows(name, values, other_name, other):
    """Raises unless two batches have the same (static) number of rows."""
    rows, other_rows = values.shape[0], other.shape[0]
    if rows is not None and other_rows is not None and rows != other_rows:
        raise ValueError(
            f"`{name}` and `{other_name}` must have one row per example each. Received: "
            f"{name} with {rows} rows, {other_name} with {other_rows} rows"
        )


def is_concrete(tensor):
    """True when the tensor's values can be read now (not a symbolic or traced tensor).

    Decided from the tensor's type, never by trying to read it: NumPy's conversion of
    a graph tensor prints a deprecation warning at every trace.
    """
    import keras

    if isinstance(tensor, keras.KerasTensor):
        return False
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.is_tensor(tensor):
        return not tf.is_symbolic_tensor(tensor)
    jax = sys.modules.get("jax")
    return jax is None or not isinstance(tensor, jax.core.Tracer)


# The longest decoding run: its buffers (`(batch_size, beam_width, max_length)` ids) are
# allocated up front, so a mistyped length would exhaust memory or loop for hours.
MAX_DECODING_LENGTH = 2**16


def check_decoding_length(max_length):
    """A decoding run's `max_length`: an int in `[1, MAX_DECODING_LENGTH]`."""
    return check_int("max_length", max_length, minimum=1, maximum=MAX_DECODING_LENGTH)


def check_decoding_ids(start_id, end_id, max_length, min_length):
    """The token ids and lengths every decoding run takes; returns them as ints."""
    start_id = check_int("start_id", start_id, minimum=0)
    end_id = check_int("end_id", end_id, minimum=0)
    max_length = check_decoding_length(max_length)
    min_length = check_int(
        "min_length",
        min_length,
        minimum=0,
        maximum=max_length - 1,
        expected=(
            f"an integer in [0, max_length - 1] = [0, {max_length - 1}] (the end token "
            "is forbidden until `min_length` tokens were emitted, so it could never be "
            "emitted otherwise)"
        ),
    )
    return start_id, end_id, max_length, min_length


def check_forbidden_ids(forbidden_ids, end_id):
    """Token ids a decoding run never emits: a tuple of ints >= 0, without `end_id`."""
    values = check_list(
        "forbidden_ids", forbidden_ids, allow_empty=True, expected="a list of token ids"
    )
    values = tuple(check_int("forbidden_ids", value, minimum=0) for value in values)
    if end_id in values:
        raise ValueError(
            "Argument `forbidden_ids` must not hold `end_id`: no sequence could end. "
            f"Received: forbidden_ids={list(values)}, end_id={end_id}"
        )
    return values


def check_length_penalty(length_penalty):
    """The GNMT length penalty's alpha: a finite number >= 0."""
    return check_float(
        "length_penalty",
        length_penalty,
        low=0.0,
        expected="a finite number >= 0 (0 disables the penalty)",
    )


def check_beam_settings(beam_width, length_penalty, num_return):
    """Checks and returns `(beam_width, length_penalty, num_return)`."""
    beam_width = check_int("beam_width", beam_width, minimum=1)
    length_penalty = check_length_penalty(length_penalty)
    num_return = check_int(
        "num_return",
        num_return,
        minimum=1,
        maximum=beam_width,
        expected=f"an integer in [1, beam_width] = [1, {beam_width}]",
    )
    return beam_width, length_penalty, num_return


def check_diversity(num_groups, diversity_strength, beam_width):
    """Diverse beam search's `(num_groups, diversity_strength)`; groups divide the beam."""
    num_groups = check_int("num_groups", num_groups, minimum=1)
    if beam_width % num_groups:
        raise ValueError(
            "Argument `num_groups` must divide `beam_width` (every group holds "
            f"beam_width // num_groups beams). Received: num_groups={num_groups}, "
            f"beam_width={beam_width}"
        )
    diversity_strength = check_float(
        "diversity_strength", diversity_strength, low=0.0, expected="a finite number >= 0"
    )
    return num_groups, diversity_strength


def check_sampling_settings(temperature, top_k, top_p):
    """Checks and returns `(temperature, top_k, top_p)`."""
    temperature = check_float(
        "temperature", temperature, low=0.0, low_open=True, expected="a finite number > 0"
    )
    top_k = check_int("top_k", top_k, minimum=1, allow_none=True)
    top_p = check_float(
        "top_p",
        top_p,
        low=0.0,
        low_open=True,
        high=1.0,
        expected="a number in (0, 1] or None",
        allow_none=True,
    )
    return temperature, top_k, top_p


def is_path_like(value):
    """True for a str or `os.PathLike` (a path or a glob pattern)."""
    import os

    return isinstance(value, (str, os.PathLike))


def check_files(name, value):
    """Returns the sorted, de-duplicated files named by a path, a glob or a list of them.

    Globs (`*`, `?`, `[`) are expanded with `tf.io.gfile.glob` (so `gs://` works); a
    pattern that matches nothing or a path that does not exist raises a
    `FileNotFoundError` naming it. The order is sorted, so every worker of a
    multi-worker job lists the same files in the same order.
    """
    import os

    import tensorflow as tf

    entries = [value] if is_path_like(value) else value
    if not isinstance(entries, (list, tuple)) or not all(is_path_like(e) for e in entries):
        raise TypeError(
            f"Argument `{name}` must be a path, a glob pattern or a list of them. "
            f"Received: {name}={value!r:.80} (of type {type(value).__name__})"
        )
    if not entries:
        raise ValueError(f"Argument `{name}` must not be empty. Received: {name}={value!r}")
    files = set()
    for entry in entries:
        entry = os.fspath(entry)
        if any(c in entry for c in "*?["):
            matches = [m for m in tf.io.gfile.glob(entry) if not tf.io.gfile.isdir(m)]
            if not matches:
                raise FileNotFoundError(f"`{name}`: the pattern {entry!r} matches no file.")
            files.update(matches)
        elif tf.io.gfile.exists(entry) and not tf.io.gfile.isdir(entry):
            files.add(entry)
        else:
            raise FileNotFoundError(f"`{name}`: no such file: {entry!r}")
    return sorted(files)


def check_string_dataset(name, dataset, arities):
    """Returns how many strings each element of a `tf.data.Dataset` holds, or raises.

    An element must be one scalar `tf.string` (arity 1) or a tuple of `n` of them
    (arity `n`), with `n` in `arities`.
    """
    import tensorflow as tf

    spec = dataset.element_spec
    parts = spec if isinstance(spec, tuple) else (spec,)
    good = all(
        isinstance(part, tf.TensorSpec) and part.dtype == tf.string and part.shape.rank == 0
        for part in parts
    )
    arity = len(parts) if isinstance(spec, tuple) else 1
    if not good or arity not in arities:
        wanted = " or ".join(
            "scalar tf.string elements (lines)" if n == 1 else f"tuples of {n} scalar tf.string"
            for n in arities
        )
        raise TypeError(
            f"Argument `{name}` must be a tf.data.Dataset of {wanted}. Received: a dataset "
            f"with element_spec={spec!r:.200}"
        )
    return arity
