"""The step protocol that every decoding strategy runs, and its checks.

A decoder is anything with

- `vocab_size`: the number of token ids (the logits' last dimension), and
- `step(token_ids, state, constants) -> (logits, new_state)`: `token_ids` int32 of
  shape `(rows,)`, `logits` float of shape `(rows, vocab_size)`, `state` any nest of
  tensors whose leading dimension is `rows`, returned with the same structure, shapes
  and dtypes; `constants` a nest of tensors that never change between steps (an
  encoder's memory, its attention keys and mask), or None.

The decoding functions take the step as a plain callable, `step_fn(token_ids, state)`,
or `step_fn(token_ids, state, constants)` when `constants` is given. A decoder may
also offer `start(batch_size, **decoder_inputs) -> (state, constants)`, which
`DecodingLayer(...)(decoder_inputs=...)` calls; nothing in `keras_seq.decoding` knows any
other method of a decoder.

Beam search's coverage penalty needs the attention of each step: with it, the step
function returns `(logits, new_state, attention)`, `attention` being the step's weights
over the source `(rows, source_length)` or a pair `(weights, mask)` whose mask marks the
real (not padding) source positions; a decoder offers this as
`step(token_ids, state, constants, return_attention=True)` (see `RNNDecoder.step`).
"""

import keras
from keras import ops, tree


def check_decoder(decoder):
    """Raises a TypeError unless `decoder` offers `step` and an integer `vocab_size`."""
    vocab_size = getattr(decoder, "vocab_size", None)
    if not callable(getattr(decoder, "step", None)) or not isinstance(vocab_size, int):
        raise TypeError(
            "Argument `decoder` must offer the step protocol of keras_seq.decoding: a "
            "`step(token_ids, state, constants) -> (logits, new_state)` method and an "
            f"integer `vocab_size`. Received: decoder={decoder!r} (of type "
            f"{type(decoder).__name__})"
        )


def check_step_fn(step_fn):
    if not callable(step_fn):
        raise TypeError(
            "Argument `step_fn` must be a callable "
            "`step_fn(token_ids, state) -> (logits, new_state)`. "
            f"Received: step_fn={step_fn!r} (of type {type(step_fn).__name__})"
        )


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


def call_step(step_fn, token_ids, state, constants, with_attention=False):
    """`step_fn`'s `(logits, new_state)`, or `((logits, new_state), weights, mask)`
    `with_attention` (see `ATTENTION_CONTRACT`)."""
    if constants is None:
        output = step_fn(token_ids, state)
    else:
        output = step_fn(token_ids, state, constants)
    size = 3 if with_attention else 2
    if not isinstance(output, (tuple, list)) or len(output) != size:
        expected = (
            "a triple `(logits, new_state, attention)`"
            if with_attention
            else "a pair `(logits, new_state)`"
        )
        raise TypeError(
            f"`step_fn` must return {expected}"
            + (f" ({ATTENTION_CONTRACT})" if with_attention else "")
            + f". Received: {type(output).__name__} {output!r:.200}"
        )
    if not with_attention:
        return output
    attention = output[2]
    weights, mask = attention if isinstance(attention, (tuple, list)) else (attention, None)
    weights = ops.cast(weights, "float32")
    if len(weights.shape) != 2:
        raise ValueError(
            f"`step_fn`'s attention weights must have shape (rows, source_length) "
            f"({ATTENTION_CONTRACT}). Received: shape {tuple(weights.shape)}"
        )
    mask = ops.ones_like(weights, "bool") if mask is None else ops.cast(mask, "bool")
    return tuple(output[:2]), weights, mask


#: What a step function returns for the coverage penalty of beam search.
ATTENTION_CONTRACT = (
    "with a coverage penalty, the step returns a third element: the step's attention "
    "weights over the source, float (rows, source_length), or a pair (weights, mask) "
    "whose bool mask marks the real source positions"
)


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


def check_vocabulary(logits, start_id, end_id, *, forbidden_ids=(), required_by=None):
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
    named = [("start_id", start_id), ("end_id", end_id)]
    named += [("forbidden_ids", value) for value in forbidden_ids]
    for name, value in named:
        if value >= vocab_size:
            raise ValueError(
                f"Argument `{name}` must be a token id in [0, vocabulary_size) = "
                f"[0, {vocab_size}), the vocabulary size being the last dimension of the "
                f"step function's logits. Received: {name}={value}"
            )
    return vocab_size
