"""Processors: composable adjustments of the next-token log-probabilities.

A processor is a callable `processor(log_probs, ids, step) -> log_probs`:

- `log_probs`: float32 `(rows, vocab_size)`, the step's log-softmax after the
  strategy's own masking (`min_length`, `forbidden_ids`, temperature) and after the
  processors before it in the list;
- `ids`: int32 `(rows, max_length)`, the tokens each row emitted so far in columns
  `[0, step)` (start token excluded; the other columns hold 0);
- `step`: scalar int32 tensor, the index of the token being chosen.

Rows are independent hypotheses. Greedy search and sampling have one row per batch
element; beam search has `beam_width` per batch element, contiguous (row
`b * beam_width + k`), and runs its first step on the `batch_size` rows alone. A
processor uses only `keras.ops` on these fixed shapes, so it runs eagerly, in graph,
under XLA and in an exported SavedModel alike.

Processors do not renormalise: the tokens they leave alone keep the model's own
log-probabilities (as `forbidden_ids` does). The strategies rank and report the sums
of the adjusted log-probabilities; a processor that only forbids tokens therefore
leaves the reported scores equal to the model's log-probabilities of the outputs.

Every processor here serializes with `get_config` and is registered with Keras; a
strategy takes a list of them (`processors=[...]`) and serializes it with its settings.
This follows the design of Hugging Face transformers' `LogitsProcessor` list and of
fairseq's n-gram blocking, written anew for fixed-shape `keras.ops` loops.
"""

import keras
from keras import ops

from keras_seq import checks
from keras_seq._settings import Settings
from keras_seq.decoding import scoring


class Processor(Settings):
    """Base of the processors: config-based serialization, equality and hashing.

    Subclasses implement `__call__(log_probs, ids, step)` and `get_config`, are
    registered with `keras.saving.register_keras_serializable` to serialize, and set
    `lowers_only = False` if they may raise a log-probability (beam search then gives
    up its early exit, whose bound assumes that scores only fall).
    """

    lowers_only = True

    def __call__(self, log_probs, ids, step):
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({settings})"


@keras.saving.register_keras_serializable(package="keras_seq")
class NoRepeatNGram(Processor):
    """Forbids any token that would repeat an n-gram the row already emitted.

    The n-grams are those of the emitted tokens (the start token is not one), as
    fairseq's and Hugging Face's `no_repeat_ngram_size`. `size=1` forbids every token
    already emitted, the end token included.

    Args:
        size: int >= 1. The n-gram length.

    Example:
    >>> import keras, keras_seq
    >>> block = keras_seq.decoding.NoRepeatNGram(2)
    >>> ids = keras.ops.convert_to_tensor([[3, 4, 3, 0, 0]])
    >>> log_probs = keras.ops.zeros((1, 5))
    >>> keras.ops.convert_to_numpy(block(log_probs, ids, 3)).tolist()  # 3 4 was seen
    [[0.0, 0.0, 0.0, 0.0, -inf]]
    """

    def __init__(self, size):
        self.size = checks.check_int("size", size, minimum=1)

    def __call__(self, log_probs, ids, step):
        n = self.size
        step = ops.convert_to_tensor(step, "int32")
        length = ops.shape(ids)[1]
        last = last_tokens(ids, step, n - 1)  # (rows, n - 1)
        match = ops.less(ops.arange(length, dtype="int32") + (n - 1), step)[None, :]
        for offset in range(n - 1):
            window = shift_left(ids, offset)
            match = ops.logical_and(match, ops.equal(window, last[:, offset : offset + 1]))
        return ban(log_probs, shift_left(ids, n - 1), match)

    def get_config(self):
        return {"size": self.size}


@keras.saving.register_keras_serializable(package="keras_seq")
class RepetitionPenalty(Processor):
    """Lowers the log-probability of every token the row already emitted.

    The penalty of Keskar et al. (2019, CTRL), applied to log-probabilities (as Hugging
    Face transformers applies it in beam search): a seen token's log-probability, which
    is <= 0, is multiplied by `penalty`. A token of probability 1 keeps it.

    Args:
        penalty: float >= 1. `1.0` changes nothing.

    Example:
    >>> import keras, keras_seq
    >>> penalise = keras_seq.decoding.RepetitionPenalty(2.0)
    >>> ids = keras.ops.convert_to_tensor([[1, 0, 0]])
    >>> log_probs = keras.ops.full((1, 3), -1.0)
    >>> keras.ops.convert_to_numpy(penalise(log_probs, ids, 1)).tolist()
    [[-1.0, -2.0, -1.0]]
    """

    def __init__(self, penalty):
        self.penalty = checks.check_float(
            "penalty", penalty, low=1.0, expected="a finite number >= 1 (1 changes nothing)"
        )

    def __call__(self, log_probs, ids, step):
        emitted = ops.less(ops.arange(ops.shape(ids)[1], dtype="int32"), step)[None, :]
        seen = token_mask(ids, ops.broadcast_to(emitted, ops.shape(ids)), ops.shape(log_probs))
        return ops.where(seen, log_probs * self.penalty, log_probs)

    def get_config(self):
        return {"penalty": self.penalty}


@keras.saving.register_keras_serializable(package="keras_seq")
class SuppressSequences(Processor):
    """Forbids the token that would complete any of the given token sequences.

    For a sequence `[a, b, c]`, `c` is forbidden right after the row emitted `a b`; a
    one-token sequence `[c]` forbids `c` everywhere. Only the emitted tokens count (not
    the start token). The work per step grows with the number of sequences.

    Args:
        sequences: list of non-empty lists of token ids.

    Example:
    >>> import keras, keras_seq
    >>> suppress = keras_seq.decoding.SuppressSequences([[3, 4], [1]])
    >>> ids = keras.ops.convert_to_tensor([[3, 0, 0], [4, 0, 0]])
    >>> log_probs = keras.ops.zeros((2, 5))
    >>> keras.ops.convert_to_numpy(suppress(log_probs, ids, 1)).tolist()
    [[0.0, -inf, 0.0, 0.0, -inf], [0.0, -inf, 0.0, 0.0, 0.0]]
    """

    def __init__(self, sequences):
        sequences = checks.check_list("sequences", sequences, expected="a list of token-id lists")
        self.sequences = [
            [
                checks.check_int("sequences", token, minimum=0)
                for token in checks.check_list("sequences", seq, expected="token-id lists")
            ]
            for seq in sequences
        ]

    def __call__(self, log_probs, ids, step):
        vocabulary = ops.arange(ops.shape(log_probs)[-1], dtype="int32")
        for *context, last in self.sequences:
            banned = ops.equal(vocabulary, last)[None, :]
            if context:
                tail = last_tokens(ids, step, len(context))
                follows = ops.all(ops.equal(tail, ops.convert_to_tensor(context, "int32")), axis=1)
                follows = ops.logical_and(follows, ops.greater_equal(step, len(context)))
                banned = ops.logical_and(banned, follows[:, None])
            log_probs = ops.where(banned, scoring.NEG_INF, log_probs)
        return log_probs

    def get_config(self):
        return {"sequences": [list(seq) for seq in self.sequences]}


@keras.saving.register_keras_serializable(package="keras_seq")
class ForcedPrefix(Processor):
    """Makes every output start with a given prefix (autocompletion), or leans toward it.

    With `bias=None` the prefix is forced: while `step < len(prefix)` every token but
    the prefix's is forbidden, so the outputs begin with the prefix and their scores
    are the model's log-probabilities of the whole output, prefix included. With a
    `bias`, the prefix token's log-probability is raised by `bias` instead, for as long
    as the row has followed the prefix so far: a soft prefix the model may leave.

    Args:
        prefix: the token ids to start with. A list of ints (the same prefix for every
            row), a list of lists (one prefix per batch element, of any lengths), or an
            int array or tensor `(batch_size, prefix_length)` padded with -1. The
            hypotheses of batch element `b` are rows `b * n` to `b * n + n - 1` when
            the strategy runs `n` rows per element (beam search). Only the list forms
            serialize.
        bias: float > 0 or None. `None` forces the prefix. Defaults to `None`.

    Example:
    >>> import keras, keras_seq
    >>> force = keras_seq.decoding.ForcedPrefix([[3, 4], [2]])
    >>> ids = keras.ops.zeros((2, 4), "int32")
    >>> keras.ops.convert_to_numpy(force(keras.ops.zeros((2, 5)), ids, 0)).tolist()
    [[-inf, -inf, -inf, 0.0, -inf], [-inf, -inf, 0.0, -inf, -inf]]
    """

    def __init__(self, prefix, bias=None):
        self.prefix, self.table, self.shared = prefix_table(prefix)
        self.bias = checks.check_float(
            "bias",
            bias,
            low=0.0,
            low_open=True,
            expected="a number > 0 or None",
            allow_none=True,
        )
        self.lowers_only = self.bias is None

    def __call__(self, log_probs, ids, step):
        length = ids.shape[1]
        table = self.table[:, :length]
        rows = ops.shape(log_probs)[0]
        # Row r of b * n + k belongs to batch element r // n = r * batch // rows.
        owner = ops.arange(rows, dtype="int32") * ops.shape(table)[0] // rows
        table = ops.take(table, owner, axis=0)
        column = ops.minimum(step, ops.shape(table)[1] - 1)
        target = ops.take(table, ops.broadcast_to(column, (1,)), axis=1)  # (rows, 1)
        target = ops.where(ops.less(step, ops.shape(table)[1]), target, -1)
        is_target = ops.equal(ops.arange(ops.shape(log_probs)[-1], dtype="int32")[None], target)
        active = ops.greater_equal(target, 0)
        if self.bias is None:
            return ops.where(
                ops.logical_and(active, ops.logical_not(is_target)), scoring.NEG_INF, log_probs
            )
        before = ops.less(ops.arange(ops.shape(table)[1], dtype="int32"), step)[None, :]
        agrees = ops.logical_or(ops.equal(ids[:, : ops.shape(table)[1]], table), ops.less(table, 0))
        followed = ops.all(ops.logical_or(ops.logical_not(before), agrees), axis=1, keepdims=True)
        boost = ops.logical_and(ops.logical_and(active, followed), is_target)
        return ops.where(boost, log_probs + self.bias, log_probs)

    def __eq__(self, other):
        if self.prefix is None or getattr(other, "prefix", 0) is None:
            return self is other  # a tensor's prefix: compared by identity
        return super().__eq__(other)

    def __hash__(self):
        return id(self) if self.prefix is None else super().__hash__()

    def get_config(self):
        if self.prefix is None:
            raise ValueError(
                "A ForcedPrefix made from a tensor cannot be serialized; give the prefix "
                "as a list (or list of lists) of token ids."
            )
        return {"prefix": self.prefix, "bias": self.bias}


def prefix_table(prefix):
    """`(serializable list or None, int32 table (rows, length) padded with -1, shared)`,
    `shared` when one prefix applies to every row."""
    if isinstance(prefix, (list, tuple)) and not any(isinstance(p, (list, tuple)) for p in prefix):
        prefix = [prefix]
        shared = True
    else:
        shared = False
    if isinstance(prefix, (list, tuple)):
        rows = [
            [
                checks.check_int("prefix", token, minimum=0)
                for token in checks.check_list(
                    "prefix", row, allow_empty=True, expected="a list of token-id lists"
                )
            ]
            for row in checks.check_list("prefix", prefix, expected="a non-empty list")
        ]
        width = max(1, max(len(row) for row in rows))
        padded = [row + [-1] * (width - len(row)) for row in rows]
        table = ops.convert_to_tensor(padded, "int32")
        return (rows[0] if shared else rows), table, shared
    if hasattr(prefix, "to_tensor"):  # a tf.RaggedTensor
        prefix = prefix.to_tensor(-1)
    table = ops.convert_to_tensor(prefix)
    dtype = keras.backend.standardize_dtype(table.dtype)
    if len(table.shape) != 2 or "int" not in dtype:
        raise ValueError(
            "Argument `prefix` must be a list of token ids, a list of lists, or an integer "
            "tensor of shape (batch_size, prefix_length) padded with -1. Received: "
            f"prefix with shape {tuple(table.shape)} and dtype {dtype}"
        )
    return None, ops.cast(table, "int32"), False


ALL = (NoRepeatNGram, RepetitionPenalty, SuppressSequences, ForcedPrefix)


def apply(processors, log_probs, ids, step):
    """Runs `processors` in order on `log_probs` (the strategies' single entry point)."""
    if processors:
        step = ops.convert_to_tensor(step, "int32")
        for processor in processors:
            log_probs = processor(log_probs, ids, step)
    return log_probs


def serialize(processor):
    """`{"class_name": ..., "config": ...}` for a processor; a processor of your own
    is named by its Keras registration (`keras.saving.register_keras_serializable`)."""
    cls = type(processor)
    name = cls.__name__ if cls in ALL else keras.saving.get_registered_name(cls)
    return {"class_name": name, "config": processor.get_config()}


def get(identifier):
    """A processor from an instance or a `serialize` dict.

    Args:
        identifier: a `Processor`, or a dict `{"class_name": ..., "config": ...}`.

    Returns:
        A `Processor`.
    """
    if isinstance(identifier, Processor):
        return identifier
    classes = {cls.__name__: cls for cls in ALL}
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = classes.get(name) or keras.saving.get_registered_object(name)
        if isinstance(cls, type) and issubclass(cls, Processor):
            return cls.from_config(identifier.get("config", {}))
    raise ValueError(
        "Every element of `processors` must be a keras_seq.decoding processor "
        f"({', '.join(sorted(classes))}, or a registered Processor subclass) or its "
        "serialized dict. "
        f"Received: {identifier!r}"
    )


def get_list(processors):
    """A tuple of processors from a list of processors or configs (None: empty)."""
    if processors is None:
        return ()
    values = checks.check_list(
        "processors", processors, allow_empty=True, expected="a list of processors"
    )
    return tuple(get(value) for value in values)


def last_tokens(ids, step, n):
    """(rows, n): the tokens at columns `step - n .. step - 1` (clamped to column 0)."""
    columns = ops.maximum(step - n + ops.arange(n, dtype="int32"), 0)
    columns = ops.broadcast_to(columns[None, :], (ops.shape(ids)[0], n))
    return ops.take_along_axis(ids, columns, axis=1)


def shift_left(ids, offset):
    """`ids` moved `offset` columns left, -1 in the vacated columns."""
    if offset == 0:
        return ids
    filler = ops.full_like(ids[:, :offset], -1)
    return ops.concatenate([ids[:, offset:], filler], axis=1)


def token_counts(tokens, valid, shape):
    """Float `shape` = (rows, vocab_size): how many valid entries of `tokens` (rows, n)
    name each token. Scattered, not one-hot: (rows, n, vocab_size) could be large."""
    rows = ops.broadcast_to(
        ops.arange(ops.shape(tokens)[0], dtype="int32")[:, None], ops.shape(tokens)
    )
    safe = ops.where(valid, tokens, 0)
    indices = ops.stack([ops.reshape(rows, (-1,)), ops.reshape(safe, (-1,))], axis=1)
    return ops.scatter(indices, ops.reshape(ops.cast(valid, "float32"), (-1,)), shape)


def token_mask(tokens, valid, shape):
    """Bool `shape` = (rows, vocab_size): whether a valid entry of `tokens` names each."""
    return ops.greater(token_counts(tokens, valid, shape), 0)


def ban(log_probs, tokens, valid):
    """`log_probs` with -inf at every token named by a valid entry of `tokens`."""
    banned = token_mask(
        tokens, ops.logical_and(valid, ops.greater_equal(tokens, 0)), ops.shape(log_probs)
    )
    return ops.where(banned, scoring.NEG_INF, log_probs)
