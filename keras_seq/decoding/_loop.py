"""The single-hypothesis decoding loop shared by `greedy_search` and `sample`."""

from keras import ops, tree

from keras_seq.decoding import processors as processors_lib
from keras_seq.decoding import scoring, step_contract


def decode_one_path(
    step_fn,
    state,
    constants,
    *,
    start_id,
    end_id,
    max_length,
    min_length,
    make_chooser,
    length_penalty=0.0,
    temperature=None,
    forbidden_ids=(),
    processors=(),
):
    """Runs one hypothesis per batch row, choosing each token with a chooser.

    Args:
        make_chooser: callable. Given the static vocabulary size (or None), returns
            `choose(log_probs, step) -> token_ids` (int32, shape `(batch_size,)`).
        temperature: float or None. Divides the logits before the log-softmax that
            both the chooser and the scores see.
        forbidden_ids: tuple of ints. Tokens never chosen (log-probability -inf).
        processors: tuple of `keras_seq.decoding.processors` objects, run in order on
            the log-probabilities; the chooser and the scores see their output.

    Returns:
        `(ids, scores, lengths)` of shapes `(batch_size, max_length)`, `(batch_size,)`
        and `(batch_size,)`.
    """
    state, constants, batch = step_contract.prepare_inputs(state, constants)
    start_tokens = ops.full((batch,), start_id, dtype="int32")
    output = step_contract.call_step(step_fn, start_tokens, state, constants)
    logits, state = step_contract.check_step_output(output, state, batch)
    vocab_size = step_contract.check_vocabulary(
        logits, start_id, end_id, forbidden_ids=forbidden_ids
    )
    choose = make_chooser(vocab_size)

    def advance(step, logits, done, ids, scores, lengths):
        log_probs = scoring.step_log_probs(
            logits,
            step,
            end_id=end_id,
            min_length=min_length,
            temperature=temperature,
            forbidden_ids=forbidden_ids,
        )
        log_probs = processors_lib.apply(processors, log_probs, ids, step)
        tokens = ops.cast(choose(log_probs, step), "int32")
        tokens = ops.where(done, ops.zeros_like(tokens), tokens)
        token_log_probs = ops.take_along_axis(log_probs, tokens[:, None], axis=1)[:, 0]
        scores = scores + ops.where(done, ops.zeros_like(scores), token_log_probs)
        lengths = lengths + ops.cast(ops.logical_not(done), "int32")
        ids = write_column(ids, step, tokens)
        done = ops.logical_or(done, ops.equal(tokens, end_id))
        # Finished rows keep being fed the end token; their outputs are ignored.
        next_tokens = ops.where(done, ops.full_like(tokens, end_id), tokens)
        return next_tokens, done, ids, scores, lengths

    loop_vars = advance(
        0,
        logits,
        ops.zeros((batch,), dtype="bool"),
        ops.zeros((batch, max_length), dtype="int32"),
        ops.zeros((batch,), dtype="float32"),
        ops.zeros((batch,), dtype="int32"),
    )
    tokens, done, ids, scores, lengths = loop_vars

    if max_length > 1:

        def cond(step, tokens, state, done, ids, scores, lengths):
            not_all_done = ops.logical_not(ops.all(done))
            return ops.logical_and(ops.less(step, max_length), not_all_done)

        def body(step, tokens, state, done, ids, scores, lengths):
            logits, new_state = step_contract.call_step(step_fn, tokens, state, constants)
            new_state = tree.pack_sequence_as(state, tree.flatten(new_state))
            tokens, done, ids, scores, lengths = advance(
                step, ops.convert_to_tensor(logits), done, ids, scores, lengths
            )
            return step + 1, tokens, new_state, done, ids, scores, lengths

        step = ops.convert_to_tensor(1, dtype="int32")
        loop_vars = (step, tokens, state, done, ids, scores, lengths)
        _, _, _, _, ids, scores, lengths = ops.while_loop(cond, body, loop_vars)

    if length_penalty > 0:
        scores = scores / scoring.length_penalty(lengths, length_penalty)
    return ids, scores, lengths


def write_column(buffer, step, values):
    """Returns `buffer` (..., max_length) with `values` (...) written at column `step`."""
    columns = ops.arange(ops.shape(buffer)[-1], dtype="int32")
    at_step = ops.equal(columns, ops.cast(step, "int32"))
    return ops.where(at_step, ops.expand_dims(values, -1), buffer)
