"""Argument validation and small tensor helpers shared by the decoding functions.

Everything here speaks `keras.ops`/`keras.tree`, so the decoding functions run under any
Keras backend and inside `tf.function(jit_compile=True)`.
"""

import keras
from keras import ops, tree

from keras_seq.checks import check_float, check_int

NEG_INF = float("-inf")


# ----------------------------------------------------------------------------------------
# Python arguments
# ----------------------------------------------------------------------------------------


def check_step_fn(step_fn):
    if not callable(step_fn):
        raise TypeError(
            "Argument `step_fn` must be a callable "
            "`step_fn(token_ids, state) -> (logits, new_state)`. "
            f"Received: step_fn={step_fn!r} (of type {type(step_fn).__name__})"
        )


def check_common(step_fn, start_id, end_id, max_length, min_length):
    """Validates the arguments every decoding function takes; returns them as ints."""
    check_step_fn(step_fn)
    start_id = check_int("start_id", start_id, minimum=0)
    end_id = check_int("end_id", end_id, minimum=0)
    max_length = check_int("max_length", max_length, minimum=1)
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


def check_length_penalty(length_penalty):
    return check_float(
        "length_penalty",
        length_penalty,
        low=0.0,
        expected="a finite number >= 0 (0 disables the penalty)",
    )


# ----------------------------------------------------------------------------------------
# State, constants and the step function's outputs
# ----------------------------------------------------------------------------------------


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


def _to_tensor(name):
    def convert(x):
        try:
            x = ops.convert_to_tensor(x)
        except Exception as e:  # noqa: BLE001 - re-raised with the argument's name.
            raise TypeError(
                f"Every leaf of `{name}` must be a tensor or an array. Received: {x!r}"
            ) from e
        if len(x.shape) < 1:
            raise ValueError(
                f"Every tensor in `{name}` must have a leading batch dimension. "
                f"Received: a tensor of shape {tuple(x.shape)} in {name}"
            )
        return x

    return convert


def prepare_inputs(state, constants):
    """Converts `state` and `constants` to tensors and returns `(state, constants, batch)`.

    `batch` is the static batch size when known, else a scalar tensor.
    """
    state = tree.map_structure(_to_tensor("state"), state)
    if constants is not None:
        constants = tree.map_structure(_to_tensor("constants"), constants)
    leaves = [("state", x) for x in tree.flatten(state)]
    if constants is not None:
        leaves += [("constants", x) for x in tree.flatten(constants)]
    if not leaves:
        raise ValueError(
            "`state` (or `constants`) must hold at least one tensor whose leading "
            f"dimension is the batch size. Received: state={state!r}, constants={constants!r}"
        )
    static = [(name, x.shape[0]) for name, x in leaves if x.shape[0] is not None]
    for _, size in static:
        if size != static[0][1]:
            shapes = [(n, tuple(x.shape)) for n, x in leaves]
            raise ValueError(
                "Every tensor in `state` and `constants` must have the same leading "
                f"(batch) dimension. Received tensors of shapes {shapes}"
            )
    if static:
        batch = static[0][1]
        if batch == 0:
            raise ValueError(
                "The batch is empty: `state` has a leading dimension of 0. "
                f"Received: state shapes {[tuple(x.shape) for _, x in leaves]}"
            )
    else:
        batch = ops.shape(leaves[0][1])[0]
    return state, constants, batch


def call_step(step_fn, token_ids, state, constants):
    if constants is None:
        output = step_fn(token_ids, state)
    else:
        output = step_fn(token_ids, state, constants)
    if not isinstance(output, (tuple, list)) or len(output) != 2:
        raise TypeError(
            "`step_fn` must return a pair `(logits, new_state)`. "
            f"Received: {type(output).__name__} {output!r}"
        )
    return output


def check_step_output(output, state, rows):
    """Checks the first call's `(logits, new_state)` and returns them as tensors.

    The new state is re-packed into `state`'s exact structure (a list returned for a
    tuple is accepted) so that it can be a loop variable.
    """
    logits, new_state = output
    logits = ops.convert_to_tensor(logits)
    if len(logits.shape) != 2:
        raise ValueError(
            "`step_fn` must return logits of shape (batch_size, vocabulary_size). "
            f"Received: logits.shape={tuple(logits.shape)}"
        )
    if isinstance(rows, int) and logits.shape[0] is not None and logits.shape[0] != rows:
        raise ValueError(
            f"`step_fn` was called with {rows} token ids but returned logits for "
            f"{logits.shape[0]} rows. Received: logits.shape={tuple(logits.shape)}"
        )
    if not keras.backend.is_float_dtype(logits.dtype):
        raise TypeError(
            f"`step_fn` must return floating-point logits. Received: logits.dtype={logits.dtype}"
        )
    try:
        tree.assert_same_paths(state, new_state)
        flat_new = tree.flatten(new_state)
        if len(flat_new) != len(tree.flatten(state)):
            raise ValueError("different number of leaves")
    except (ValueError, TypeError) as e:
        raise ValueError(
            "`step_fn` must return a new state with the same structure as the state it "
            f"received. Received: state={_describe(state)}, new_state={_describe(new_state)}"
        ) from e
    flat_new = [ops.convert_to_tensor(x) for x in flat_new]
    for path_old, new in zip(tree.flatten_with_path(state), flat_new, strict=True):
        path, old = path_old
        same_dtype = keras.backend.standardize_dtype(old.dtype) == keras.backend.standardize_dtype(
            new.dtype
        )
        if len(old.shape) != len(new.shape) or not same_dtype:
            raise ValueError(_state_change_message(path, old, new))
        for a, b in zip(old.shape, new.shape, strict=True):
            if a is not None and b is not None and a != b:
                raise ValueError(_state_change_message(path, old, new))
    return logits, tree.pack_sequence_as(state, flat_new)


def _describe(nest):
    return tree.map_structure(lambda x: f"<{_shape_dtype(x)}>", nest)


def _shape_dtype(x):
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    shape = tuple(shape) if shape is not None else None
    return f"shape={shape}, dtype={dtype}"


def _state_change_message(path, old, new):
    return (
        "`step_fn` must return a state whose tensors keep their shapes and dtypes "
        f"between steps. Received: state{list(path)} changed from "
        f"{_shape_dtype(old)} to {_shape_dtype(new)}"
    )


def check_vocabulary(logits, start_id, end_id, *, required_by=None):
    """Checks the ids against the static vocabulary size; returns that size (or None)."""
    vocab_size = logits.shape[-1]
    if vocab_size is None:
        if required_by is not None:
            raise ValueError(
                f"{required_by} needs the vocabulary size statically: `step_fn` must "
                f"return logits with a known last dimension. Received: "
                f"logits.shape={tuple(logits.shape)}"
            )
        return None
    if vocab_size < 1:
        raise ValueError(f"`step_fn` returned an empty vocabulary: logits.shape={logits.shape}")
    for name, value in (("start_id", start_id), ("end_id", end_id)):
        if value >= vocab_size:
            raise ValueError(
                f"Argument `{name}` must be a token id in [0, vocabulary_size) = "
                f"[0, {vocab_size}), the vocabulary size being the last dimension of the "
                f"step function's logits. Received: {name}={value}"
            )
    return vocab_size


# ----------------------------------------------------------------------------------------
# Tensor helpers
# ----------------------------------------------------------------------------------------


def step_log_probs(logits, step, *, end_id, min_length, temperature=None):
    """Float32 log-softmax of `logits`; the end token is forbidden while step < min_length."""
    logits = ops.cast(logits, "float32")
    if temperature is not None and temperature != 1.0:
        logits = logits / temperature
    if min_length > 0:
        is_end = ops.equal(ops.arange(ops.shape(logits)[-1], dtype="int32"), end_id)
        forbid = ops.logical_and(is_end, ops.less(step, min_length))
        logits = ops.where(forbid[None, :], NEG_INF, logits)
    return ops.log_softmax(logits, axis=-1)


def length_penalty(lengths, alpha):
    """GNMT length penalty `((5 + length) / 6) ** alpha` (Wu et al., 2016)."""
    lengths = ops.cast(lengths, "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)


def write_column(buffer, step, values):
    """Returns `buffer` (..., max_length) with `values` (...) written at column `step`."""
    columns = ops.arange(ops.shape(buffer)[-1], dtype="int32")
    at_step = ops.equal(columns, ops.cast(step, "int32"))
    return ops.where(at_step, ops.expand_dims(values, -1), buffer)


def tile_beams(x, beam_width):
    """(B, ...) -> (B * beam_width, ...), each row repeated beam_width times in place."""
    return ops.repeat(x, beam_width, axis=0)


def gather_rows(x, indices):
    """Per batch element gather: x (B, N, ...), indices (B, M) -> (B, M, ...)."""
    shape = ops.shape(x)
    batch, n = shape[0], shape[1]
    m = ops.shape(indices)[1]
    offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * n, 1)
    flat_indices = ops.reshape(ops.cast(indices, "int32") + offsets, (-1,))
    flat = ops.reshape(x, (batch * n,) + tuple(shape[2:]))
    return ops.reshape(ops.take(flat, flat_indices, axis=0), (batch, m) + tuple(shape[2:]))
