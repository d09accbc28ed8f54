"""Greedy search: the most likely token at every step."""

from keras_seq import checks
from keras_seq.decoding import _selection as selection
from keras_seq.decoding import processors as processors_lib
from keras_seq.decoding import step_contract
from keras_seq.decoding._loop import decode_one_path


def greedy_search(
    step_fn,
    state,
    *,
    start_id,
    end_id,
    max_length,
    min_length=0,
    constants=None,
    length_penalty=0.0,
    forbidden_ids=(),
    processors=(),
    return_lengths=False,
):
    """Decodes by taking the most likely next token at every step.

    Starting from `start_id`, the step function is called once per step with the
    previous tokens; each batch row stops at its first `end_id` (kept in the output)
    and is padded with 0 afterwards. The loop is a `keras.ops.while_loop` over
    fixed-shape buffers that exits as soon as every row has ended, so it runs eagerly,
    inside `tf.function` and under XLA (`jit_compile=True`) with the same results.

    Args:
        step_fn: callable. `step_fn(token_ids, state) -> (logits, new_state)`, with
            `token_ids` int32 of shape `(batch_size,)`, `logits` of shape
            `(batch_size, vocabulary_size)` and `state` any nest of tensors whose
            leading dimension is the batch. When `constants` is given it is called as
            `step_fn(token_ids, state, constants)`.
        state: nest of tensors. The initial decoder state, shapes `(batch_size, ...)`.
            The step function must return it with the same structure, shapes and dtypes.
        start_id: int. The token fed at the first step; not part of the output.
        end_id: int. The token that ends a sequence; kept in the output.
        max_length: int. The number of output columns and the most tokens emitted,
            end token included. Must be >= 1.
        min_length: int. The end token is forbidden (its logit set to -inf, the other
            tokens renormalised) until `min_length` tokens were emitted. Must be in
            `[0, max_length - 1]`. Defaults to `0`.
        constants: nest of tensors or None. Tensors that never change between steps
            (encoder memory and its mask), shapes `(batch_size, ...)`, passed to the
            step function as its third argument. Defaults to `None`.
        length_penalty: float. `alpha` of the GNMT length penalty dividing the
            scores; it never changes the ids. Defaults to `0.0` (no penalty).
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
        emitted tokens (start token excluded, end token included, 0 after it), and
        `scores` float32 of shape `(batch_size,)`, the sum of the log-softmax
        probabilities of the emitted tokens (end included), divided by
        `((5 + length) / 6) ** length_penalty` when `length_penalty > 0`, `length`
        counting the emitted tokens. With `return_lengths`, a third element: int32
        `lengths` of shape `(batch_size,)`.

    Example:

    >>> import keras
    >>> from keras_seq.decoding import greedy_search
    >>> # Next-token logits depend on the previous token only; ids: 1 start, 2 end.
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0.0, 0.0, 0.0],
    ...      [0.0, -9.0, 1.0, 2.0],   # after start: 3 is most likely
    ...      [0.0, -9.0, 0.0, 0.0],
    ...      [0.0, -9.0, 3.0, 0.0]])  # after 3: end is most likely
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> state = {"h": keras.ops.zeros((2, 8))}
    >>> ids, scores = greedy_search(step_fn, state, start_id=1, end_id=2, max_length=4)
    >>> keras.ops.convert_to_numpy(ids).tolist()
    [[3, 2, 0, 0], [3, 2, 0, 0]]
    >>> [round(float(s), 3) for s in keras.ops.convert_to_numpy(scores)]
    [-0.503, -0.503]

    References:
        - [Wu et al., 2016](https://arxiv.org/abs/1609.08144), Google's Neural Machine
          Translation System (the length penalty).
    """
    step_contract.check_step_fn(step_fn)
    start_id, end_id, max_length, min_length = checks.check_decoding_ids(
        start_id, end_id, max_length, min_length
    )
    length_penalty = checks.check_length_penalty(length_penalty)
    forbidden_ids = checks.check_forbidden_ids(forbidden_ids, end_id)
    processors = processors_lib.get_list(processors)

    def make_chooser(vocab_size):
        def choose(log_probs, step):
            return selection.argmax(log_probs)

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
        length_penalty=length_penalty,
        forbidden_ids=forbidden_ids,
        processors=processors,
    )
    return (ids, scores, lengths) if return_lengths else (ids, scores)
