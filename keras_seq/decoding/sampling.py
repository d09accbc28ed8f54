"""Random sampling with temperature, top-k and top-p (nucleus) filtering."""

import keras
from keras import ops

from keras_seq import checks
from keras_seq.decoding import _selection as selection
from keras_seq.decoding import processors as processors_lib
from keras_seq.decoding import scoring, step_contract
from keras_seq.decoding._loop import decode_one_path

# Uniform noise is built from 23 random bits: (bits + 0.5) / 2**23 is exact in float32
# and lies strictly inside (0, 1), so the Gumbel noise below is always finite.
_NOISE_BITS = 23


def sample(
    step_fn,
    state,
    *,
    start_id,
    end_id,
    max_length,
    temperature=1.0,
    top_k=None,
    top_p=None,
    seed=None,
    min_length=0,
    constants=None,
    forbidden_ids=(),
    processors=(),
    return_lengths=False,
):
    """Decodes by sampling each next token from the step function's distribution.

    The logits are divided by `temperature`; then, optionally, only the `top_k` most
    likely tokens are kept, and of those (renormalised) only the smallest set whose
    probability reaches `top_p`. Each batch row stops at its first `end_id` (kept in the
    output) and is padded with 0 afterwards.

    Tokens are drawn with the Gumbel-max trick from uniform noise made by
    `keras.random.randint` with a seed derived per step from `seed`, which gives the same
    samples eagerly, inside `tf.function` and under XLA (`jit_compile=True`); TensorFlow's
    own categorical kernel samples differently under XLA.

    Args:
        step_fn: callable. `step_fn(token_ids, state) -> (logits, new_state)`, with
            `token_ids` int32 of shape `(batch_size,)`, `logits` of shape
            `(batch_size, vocabulary_size)` and `state` any nest of tensors whose
            leading dimension is the batch. When `constants` is given it is called as
            `step_fn(token_ids, state, constants)`.
        state: nest of tensors. The initial decoder state, shapes `(batch_size, ...)`.
        start_id: int. The token fed at the first step; not part of the output.
        end_id: int. The token that ends a sequence; kept in the output.
        max_length: int. The number of output columns and the most tokens emitted,
            end token included. Must be >= 1.
        temperature: float. Divides the logits; above 1 flattens the distribution,
            below 1 sharpens it. Must be > 0. Defaults to `1.0`.
        top_k: int or None. Sample only among the `top_k` most likely tokens (values
            above the vocabulary size keep every token). Must be >= 1. Defaults to
            `None` (no top-k filtering).
        top_p: float or None. Nucleus sampling: sample only among the most likely
            tokens whose cumulative probability (after top-k, renormalised) first
            reaches `top_p`; the most likely token is always kept. Must be in `(0, 1]`.
            Defaults to `None` (no top-p filtering).
        seed: int, `keras.random.SeedGenerator` or None. An int makes the result
            reproducible; a `SeedGenerator` gives new samples at every call (and is
            advanced by one draw); `None` uses Keras's global seed generator (not
            available while tracing with the JAX backend). Defaults to `None`.
        min_length: int. The end token is forbidden (its logit set to -inf, the other
            tokens renormalised) until `min_length` tokens were emitted. Must be in
            `[0, max_length - 1]`. Defaults to `0`.
        constants: nest of tensors or None. Tensors that never change between steps
            (encoder memory and its mask), shapes `(batch_size, ...)`, passed to the
            step function as its third argument. Defaults to `None`.
        forbidden_ids: list of ints. Tokens never emitted (e.g. padding and the start
            token): their log-probability is set to -inf after the log-softmax, so the
            other tokens keep the model's own log-probabilities. Must not hold
            `end_id`. Defaults to `()`.
        processors: list of `keras_seq.decoding` processors (`NoRepeatNGram`,
            `RepetitionPenalty`, ...), run in order on each step's log-probabilities
            after the masking above; the search and the scores see their output.
            Defaults to `()`.
        return_lengths: bool. Also return the number of emitted tokens of each
            output (end token included). Defaults to `False`.

    Returns:
        A tuple `(ids, scores)`: `ids` int32 of shape `(batch_size, max_length)`, the
        sampled tokens (start token excluded, end token included, 0 after it), and
        `scores` float32 of shape `(batch_size,)`: the sum, over the emitted tokens (end
        included), of their log-probability under the temperature-scaled distribution
        before top-k/top-p filtering, i.e. `log_softmax(logits / temperature)` (with
        the end token forbidden before `min_length`). With `temperature=1` this is the
        model's own log-likelihood of the sample, the same score greedy and beam search
        report. With `return_lengths`, a third element: int32 `lengths` of shape
        `(batch_size,)`.

    Example:

    >>> import keras
    >>> from keras_seq.decoding import sample
    >>> # Next-token logits depend on the previous token only; ids: 1 start, 2 end.
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0.0, 0.0, 0.0],
    ...      [0.0, -9.0, 1.0, 2.0],
    ...      [0.0, -9.0, 0.0, 0.0],
    ...      [0.0, -9.0, 3.0, 0.0]])
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> state = {"h": keras.ops.zeros((3, 8))}
    >>> ids, scores = sample(
    ...     step_fn, state, start_id=1, end_id=2, max_length=5, top_k=2, seed=7)
    >>> tuple(ids.shape), tuple(scores.shape)
    ((3, 5), (3,))
    >>> # top_k=2 never picks the ids 0 or 1 after the start token.
    >>> bool(keras.ops.all(keras.ops.greater_equal(ids[:, 0], 2)))
    True

    References:
        - [Holtzman et al., 2019](https://arxiv.org/abs/1904.09751), The Curious Case
          of Neural Text Degeneration (top-p, nucleus sampling).
        - [Fan et al., 2018](https://arxiv.org/abs/1805.04833), Hierarchical Neural
          Story Generation (top-k sampling).
    """
    step_contract.check_step_fn(step_fn)
    start_id, end_id, max_length, min_length = checks.check_decoding_ids(
        start_id, end_id, max_length, min_length
    )
    temperature, top_k, top_p = checks.check_sampling_settings(temperature, top_k, top_p)
    forbidden_ids = checks.check_forbidden_ids(forbidden_ids, end_id)
    processors = processors_lib.get_list(processors)
    if top_p == 1.0:
        top_p = None  # Keeps every token; skipping it avoids rounding in the cumsum.
    if not (seed is None or isinstance(seed, keras.random.SeedGenerator)):
        try:
            seed = checks.check_int("seed", seed)
        except TypeError as e:
            raise TypeError(
                "Argument `seed` must be an integer, a `keras.random.SeedGenerator` or None. "
                f"Received: seed={seed!r} (of type {type(seed).__name__})"
            ) from e

    def make_chooser(vocab_size):
        if (top_k is not None or top_p is not None) and vocab_size is None:
            raise ValueError(
                "`sample` with `top_k` or `top_p` needs the vocabulary size statically: "
                "`step_fn` must return logits with a known last dimension."
            )
        # One draw from `seed` before the loop; each step folds in its index.
        base_seed = keras.random.randint((2,), 0, 2**30, dtype="int32", seed=seed)

        def choose(log_probs, step):
            noise_seed = _StepSeed(base_seed, step)
            if top_k is None and top_p is None:
                return selection.argmax(log_probs + _gumbel(ops.shape(log_probs), noise_seed))
            k = vocab_size if top_k is None else min(top_k, vocab_size)
            values, indices = selection.top_k(log_probs, k)
            if top_p is not None:
                probs = ops.softmax(values, axis=-1)
                mass_before = ops.cumsum(probs, axis=-1) - probs
                values = ops.where(ops.less(mass_before, top_p), values, scoring.NEG_INF)
            chosen = ops.argmax(values + _gumbel(ops.shape(values), noise_seed), axis=-1)
            chosen = ops.cast(chosen, "int32")
            return ops.take_along_axis(indices, chosen[:, None], axis=1)[:, 0]

        return choose

    ids, scores, lengths = decode_one_path(
        step_fn,
        state,
        constants,
        start_id=start_id,
        end_id=end_id,
        max_length=max_length,
        min_length=min_length,
        make_chooser=make_chooser,
        temperature=temperature,
        forbidden_ids=forbidden_ids,
        processors=processors,
    )
    return (ids, scores, lengths) if return_lengths else (ids, scores)


def _gumbel(shape, seed):
    bits = keras.random.randint(shape, 0, 2**_NOISE_BITS, dtype="int32", seed=seed)
    uniform = (ops.cast(bits, "float32") + 0.5) * (0.5**_NOISE_BITS)
    return -ops.log(-ops.log(uniform))


class _StepSeed(keras.random.SeedGenerator):
    """A seed tensor `base + [0, step]`, in the form `keras.random` functions accept.

    `keras.random` takes an int (fixed for a traced graph) or a `SeedGenerator`, whose
    `next()` supplies the seed tensor; this one holds no variable and returns a tensor
    computed from the loop's step index, so every step draws fresh noise, statelessly.
    """

    def __init__(self, base_seed, step):  # noqa: D107 - no variable on purpose.
        offset = ops.stack([ops.zeros((), "int32"), ops.cast(step, "int32")])
        seed = base_seed + offset
        if keras.backend.backend() == "jax":
            seed = ops.cast(seed, "uint32")
        self._seed = seed

    def next(self, ordered=True):
        return self._seed
