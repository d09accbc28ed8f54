"""Beam search with separate alive and finished hypotheses."""

from keras import ops, tree

from keras_seq.checks import (
    check_beam_settings,
    check_decoding_ids,
    check_diversity,
    check_float,
    check_forbidden_ids,
)
from keras_seq.decoding import _selection as selection
from keras_seq.decoding import processors as processors_lib
from keras_seq.decoding import scoring, step_contract
from keras_seq.decoding._loop import write_column
from keras_seq.decoding.greedy import greedy_search


def beam_search(
    step_fn,
    state,
    *,
    start_id,
    end_id,
    beam_width,
    max_length,
    length_penalty=0.0,
    num_return=1,
    min_length=0,
    constants=None,
    forbidden_ids=(),
    processors=(),
    coverage_penalty=0.0,
    num_groups=1,
    diversity_strength=0.0,
    return_lengths=False,
):
    """Decodes the `num_return` best sequences found by beam search.

    Each batch element keeps `beam_width` alive hypotheses (no end token yet) and
    `beam_width` finished ones. At every step the `2 * beam_width` best one-token
    extensions of the alive hypotheses are scored; those ending with `end_id` join the
    finished set with their length-penalised score, and the best `beam_width` others
    stay alive, so a full beam keeps searching even when some candidates end. The loop
    (a `keras.ops.while_loop` over fixed-shape buffers) stops early once, for every
    batch element, `num_return` hypotheses are finished and the best alive one cannot
    beat the worst of them even with the most favourable length penalty (the one at
    `max_length`). Alive hypotheses are then candidates too, scored at their length: a
    hypothesis that never emits the end token within `max_length` is a valid result.

    The state is reordered by parent beam after every step; `constants` are tiled to
    `batch_size * beam_width` rows once, before the loop. Rows of a batch element are
    contiguous (`b * beam_width + k`). The first step runs on the untiled
    `batch_size` rows. With `beam_width=1` this is `greedy_search` (as in OpenNMT-tf):
    the alive/finished search with one beam may otherwise keep an early finished
    hypothesis that greedy decoding would not pick.

    Args:
        step_fn: callable. `step_fn(token_ids, state) -> (logits, new_state)`, with
            `token_ids` int32 of shape `(rows,)`, `logits` of shape
            `(rows, vocabulary_size)` and `state` any nest of tensors whose leading
            dimension is `rows` (`batch_size`, then `batch_size * beam_width`). When
            `constants` is given it is called as `step_fn(token_ids, state, constants)`.
        state: nest of tensors. The initial decoder state, shapes `(batch_size, ...)`.
        start_id: int. The token fed at the first step; not part of the output.
        end_id: int. The token that ends a sequence; kept in the output.
        beam_width: int. Hypotheses kept alive per batch element. Must be >= 1.
        max_length: int. The number of output columns and the most tokens emitted,
            end token included. Must be >= 1.
        length_penalty: float. `alpha` of the GNMT length penalty: scores are divided
            by `((5 + length) / 6) ** alpha`. Must be >= 0. Defaults to `0.0`.
        num_return: int. Hypotheses returned per batch element, best first. Must be in
            `[1, beam_width]`. Defaults to `1`.
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
        coverage_penalty: float. `beta` of the GNMT coverage penalty, >= 0: a
            hypothesis' final score gains `beta * sum_i log(min(sum_j a_ij, 1))`, `a_ij`
            being the attention on source position `i` at its step `j` (padding
            positions excluded). It is <= 0 and punishes outputs that leave source
            words unattended. It needs `step_fn` to return `(logits, new_state,
            attention)` (see `keras_seq.decoding.step_contract`); alive hypotheses are
            ranked without it, finished ones with it. Defaults to `0.0`.
        num_groups: int. Diverse beam search (Vijayakumar et al., 2016): the beams
            are split into `num_groups` groups of `beam_width // num_groups`, each a
            beam search of its own, run one after the other at every step; a group
            ranks its candidates with `diversity_strength` times the number of times
            the earlier groups kept each token at this step subtracted (Hamming
            diversity). Must divide `beam_width`. Defaults to `1`.
        diversity_strength: float >= 0. `lambda` of the diversity term. It only ranks
            candidates: the scores stay the (processed) log-probabilities, and groups
            may return the same hypothesis (with 0, each group repeats the same
            search). Defaults to `0.0`.
        return_lengths: bool. Also return the number of emitted tokens of each
            hypothesis (end token included; 0 for a missing one). Defaults to `False`.

    Returns:
        A tuple `(ids, scores)`: `ids` int32 of shape
        `(batch_size, num_return, max_length)`, the emitted tokens (start token
        excluded, end token included, 0 after it), and `scores` float32 of shape
        `(batch_size, num_return)`, sorted best first: the sum of the log-softmax
        probabilities of the emitted tokens (end included, as adjusted by the
        processors), divided by the length penalty of their number, plus the coverage
        penalty. If the search space holds fewer than `num_return`
        hypotheses, the missing ones have score `-inf` and ids 0. With
        `return_lengths`, a third element: int32 `lengths` of shape
        `(batch_size, num_return)`.

    Example:

    >>> import keras
    >>> from keras_seq.decoding import beam_search
    >>> # Next-token logits depend on the previous token only; ids: 1 start, 2 end.
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0.0, 0.0, 0.0],
    ...      [0.0, -9.0, 1.0, 2.0],   # after start: 3 is most likely
    ...      [0.0, -9.0, 0.0, 0.0],
    ...      [0.0, -9.0, 3.0, 0.0]])  # after 3: end is most likely
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> state = {"h": keras.ops.zeros((1, 8))}
    >>> ids, scores = beam_search(
    ...     step_fn, state, start_id=1, end_id=2, beam_width=3, max_length=4,
    ...     num_return=2)
    >>> keras.ops.convert_to_numpy(ids).tolist()
    [[[3, 2, 0, 0], [2, 0, 0, 0]]]
    >>> [round(float(s), 3) for s in keras.ops.convert_to_numpy(scores)[0]]
    [-0.503, -1.408]

    References:
        - [Wu et al., 2016](https://arxiv.org/abs/1609.08144), Google's Neural Machine
          Translation System (the length and coverage penalties).
        - [Vijayakumar et al., 2016](https://arxiv.org/abs/1610.02424), Diverse Beam
          Search.
    """
    step_contract.check_step_fn(step_fn)
    start_id, end_id, max_length, min_length = check_decoding_ids(
        start_id, end_id, max_length, min_length
    )
    beam_width, length_penalty, num_return = check_beam_settings(
        beam_width, length_penalty, num_return
    )
    forbidden_ids = check_forbidden_ids(forbidden_ids, end_id)
    processors = processors_lib.get_list(processors)
    coverage_penalty = check_float(
        "coverage_penalty", coverage_penalty, low=0.0, expected="a finite number >= 0"
    )
    num_groups, diversity_strength = check_diversity(num_groups, diversity_strength, beam_width)
    if beam_width == 1 and not coverage_penalty:
        ids, scores, lengths = greedy_search(
            step_fn,
            state,
            start_id=start_id,
            end_id=end_id,
            max_length=max_length,
            min_length=min_length,
            constants=constants,
            length_penalty=length_penalty,
            forbidden_ids=forbidden_ids,
            processors=processors,
            return_lengths=True,
        )
        ids, scores, lengths = ids[:, None, :], scores[:, None], lengths[:, None]
    else:
        ids, scores, lengths = _beam_search(
            step_fn,
            state,
            constants,
            start_id=start_id,
            end_id=end_id,
            beam_width=beam_width,
            max_length=max_length,
            alpha=length_penalty,
            num_return=num_return,
            min_length=min_length,
            forbidden_ids=forbidden_ids,
            processors=processors,
            beta=coverage_penalty,
            num_groups=num_groups,
            diversity_strength=diversity_strength,
        )
    return (ids, scores, lengths) if return_lengths else (ids, scores)


def _beam_search(
    step_fn,
    state,
    constants,
    *,
    start_id,
    end_id,
    beam_width,
    max_length,
    alpha,
    num_return,
    min_length,
    forbidden_ids,
    processors,
    beta,
    num_groups,
    diversity_strength,
):
    k = beam_width
    state, constants, batch = step_contract.prepare_inputs(state, constants)
    start_tokens = ops.full((batch,), start_id, dtype="int32")
    output = step_contract.call_step(step_fn, start_tokens, state, constants, bool(beta))
    if beta:
        output, first_attention, source_mask = output
        source_mask = ops.expand_dims(source_mask, 1)  # (B, 1, S): the same for every beam
    logits, state = step_contract.check_step_output(output, state, batch)
    vocab_size = step_contract.check_vocabulary(
        logits, start_id, end_id, forbidden_ids=forbidden_ids, required_by="beam_search"
    )

    def penalised(log_probs, length):
        if alpha == 0:
            return log_probs
        return log_probs / scoring.length_penalty(length, alpha)

    def coverage(attention_sums):
        """GNMT coverage penalty of (B, N, S) attention sums: (B, N)."""
        logs = ops.log(ops.minimum(attention_sums, 1.0))
        return beta * ops.sum(ops.where(source_mask, logs, 0.0), axis=-1)

    def grow_group(v, step, log_probs, attention, bonus, width):
        """Extends the `width` alive hypotheses of `v` (one group) by one token.

        `log_probs` is (B, width, V), `attention` (B, width, S) with a coverage
        penalty, and `bonus` (B, 1, V) or None: added to the candidates' log-probabilities
        to rank them (diversity), never to their scores.
        """
        candidates = ops.expand_dims(v["alive_log_probs"], -1) + log_probs
        candidates = ops.reshape(candidates, (batch, width * vocab_size))
        num_candidates = min(2 * width, width * vocab_size)
        if bonus is None:
            top_log_probs, top_indices = selection.top_k(candidates, num_candidates)
            top_ranks = top_log_probs
        else:
            # Ranked with the bonus (an alive -inf stays -inf), scored without it.
            ranks = candidates + ops.reshape(bonus * ops.ones_like(log_probs), (batch, -1))
            top_ranks, top_indices = selection.top_k(ranks, num_candidates)
            top_log_probs = ops.take_along_axis(candidates, top_indices, axis=1)
        top_indices = ops.cast(top_indices, "int32")
        parents = top_indices // vocab_size
        tokens = top_indices % vocab_size
        top_seq = gather_rows(v["alive_seq"], parents)
        top_seq = write_column(top_seq, step, tokens)
        ends = ops.equal(tokens, end_id)
        neg_inf = ops.full_like(top_log_probs, scoring.NEG_INF)

        # The best `width` candidates that did not end stay alive.
        _, selected = ops.top_k(ops.where(ends, neg_inf, top_ranks), width)
        # Candidates that ended compete with the finished ones (old ones first on ties).
        new_scores = ops.where(ends, penalised(top_log_probs, step + 1), neg_inf)
        if beta:
            top_coverage = gather_rows(v["coverage"] + attention, parents)
            new_scores = new_scores + ops.where(ends, coverage(top_coverage), 0.0)
        all_scores = ops.concatenate([v["finished_scores"], new_scores], axis=1)
        all_seq = ops.concatenate([v["finished_seq"], top_seq], axis=1)
        finished_scores, finished_selected = ops.top_k(all_scores, width)
        grown = {
            "alive_seq": gather_rows(top_seq, selected),
            "alive_log_probs": gather_rows(ops.where(ends, neg_inf, top_log_probs), selected),
            "tokens": gather_rows(tokens, selected),
            "finished_seq": gather_rows(all_seq, finished_selected),
            "finished_scores": finished_scores,
        }
        if beta:
            grown["coverage"] = gather_rows(top_coverage, selected)
        return grown, gather_rows(parents, selected)

    def grow(v, step, log_probs, attention=None):
        """Extends the alive hypotheses of `v` by one token, group after group;
        `log_probs` is (B, K, V), the step's `attention` (B, K, S) with a coverage
        penalty. Returns the grown hypotheses and their parents (B, K)."""
        if num_groups == 1:
            return grow_group(v, step, log_probs, attention, None, k)
        width = k // num_groups
        # Hamming diversity: how often the earlier groups kept each token at this step.
        counts = ops.zeros(ops.shape(log_probs)[::2], "float32")  # (B, V)
        groups, parents = [], []
        for g in range(num_groups):
            beams = slice(g * width, (g + 1) * width)
            v_group = {key: v[key][:, beams] for key in GROUPED_KEYS if key in v}
            bonus = None if g == 0 else -diversity_strength * ops.expand_dims(counts, 1)
            group_attention = None if attention is None else attention[:, beams]
            grown, group_parents = grow_group(
                v_group, step, log_probs[:, beams], group_attention, bonus, width
            )
            alive = ops.greater(grown["alive_log_probs"], scoring.NEG_INF)
            counts = counts + processors_lib.token_counts(grown["tokens"], alive, ops.shape(counts))
            groups.append(grown)
            parents.append(group_parents + g * width)
        grown = {key: ops.concatenate([g[key] for g in groups], axis=1) for key in groups[0]}
        return grown, ops.concatenate(parents, axis=1)

    def reorder(state, parents):
        offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * k, 1)
        flat_parents = ops.reshape(parents + offsets, (-1,))
        return tree.map_structure(lambda x: ops.take(x, flat_parents, axis=0), state)

    # Step 0 ran on the batch_size rows: every beam starts as a copy of beam 0, and only
    # beam 0 (of each group) is alive (the others have log-probability -inf).
    settings = {"end_id": end_id, "min_length": min_length, "forbidden_ids": forbidden_ids}
    first_log_probs = scoring.step_log_probs(logits, 0, **settings)
    first_log_probs = processors_lib.apply(
        processors, first_log_probs, ops.zeros((batch, max_length), "int32"), 0
    )
    first_log_probs = ops.repeat(ops.expand_dims(first_log_probs, 1), k, axis=1)
    width = k // num_groups  # every group starts from the root in its first beam
    initial_log_probs = ([0.0] + [scoring.NEG_INF] * (width - 1)) * num_groups
    initial_log_probs = ops.convert_to_tensor(initial_log_probs, "float32")
    empty_seq = ops.zeros((batch, k, max_length), dtype="int32")
    v = {
        "alive_seq": empty_seq,
        "alive_log_probs": ops.repeat(ops.expand_dims(initial_log_probs, 0), batch, axis=0),
        "finished_seq": empty_seq,
        "finished_scores": ops.full((batch, k), scoring.NEG_INF, dtype="float32"),
    }
    first_attention_k = None
    if beta:
        first_attention_k = ops.repeat(ops.expand_dims(first_attention, 1), k, axis=1)
        v["coverage"] = ops.zeros_like(first_attention_k)
    v, _ = grow(v, 0, first_log_probs, first_attention_k)
    # The beams' states are all copies of the same row, so no reordering is needed yet.
    v["state"] = tree.map_structure(lambda x: tile_beams(x, k), state)
    v["step"] = ops.convert_to_tensor(1, dtype="int32")
    if constants is not None:
        constants = tree.map_structure(lambda x: tile_beams(x, k), constants)

    def cond(v):
        # Compare the best alive with the num_return-th finished (sorted per group).
        best_alive = ops.max(v["alive_log_probs"], axis=1)
        if alpha > 0:
            best_alive = best_alive / scoring.length_penalty(max_length, alpha)
        needed = ops.top_k(v["finished_scores"], num_return)[0][:, num_return - 1]
        can_improve = ops.greater(best_alive, needed)
        if not all(processor.lowers_only for processor in processors):
            # A processor may raise later scores: only hypotheses that died are done.
            can_improve = ops.greater(best_alive, scoring.NEG_INF)
        return ops.logical_and(ops.less(v["step"], max_length), ops.any(can_improve))

    def body(v):
        step, state = v["step"], v["state"]
        flat_tokens = ops.reshape(v["tokens"], (-1,))
        output = step_contract.call_step(step_fn, flat_tokens, state, constants, bool(beta))
        attention = None
        if beta:
            output, weights, _ = output
            attention = ops.reshape(weights, (batch, k, -1))
        logits, new_state = output
        new_state = tree.pack_sequence_as(state, tree.flatten(new_state))
        log_probs = scoring.step_log_probs(ops.convert_to_tensor(logits), step, **settings)
        alive_ids = ops.reshape(v["alive_seq"], (batch * k, max_length))
        log_probs = processors_lib.apply(processors, log_probs, alive_ids, step)
        log_probs = ops.reshape(log_probs, (batch, k, vocab_size))
        grown, parents = grow(v, step, log_probs, attention)
        grown["state"] = reorder(new_state, parents)
        grown["step"] = step + 1
        return grown

    if max_length > 1:
        v = ops.while_loop(cond, body, v)

    # Alive hypotheses (all of length `step`) compete with the finished ones.
    alive_scores = penalised(v["alive_log_probs"], v["step"])
    if beta:
        alive_scores = alive_scores + coverage(v["coverage"])
    all_scores = ops.concatenate([v["finished_scores"], alive_scores], axis=1)
    all_seq = ops.concatenate([v["finished_seq"], v["alive_seq"]], axis=1)
    # A finished hypothesis holds one end token, at its last position.
    is_end = ops.cast(ops.equal(v["finished_seq"], end_id), "int32")
    finished_lengths = ops.argmax(is_end, axis=-1) + 1
    alive_lengths = ops.broadcast_to(v["step"], ops.shape(v["alive_log_probs"]))
    all_lengths = ops.concatenate(
        [ops.cast(finished_lengths, "int32"), ops.cast(alive_lengths, "int32")], axis=1
    )
    scores, selected = ops.top_k(all_scores, num_return)
    found = ops.greater(scores, scoring.NEG_INF)
    ids = ops.where(found[..., None], gather_rows(all_seq, selected), 0)
    lengths = ops.where(found, gather_rows(all_lengths, selected), 0)
    return ids, scores, lengths


#: What each group of a diverse beam search keeps of its own.
GROUPED_KEYS = ("alive_seq", "alive_log_probs", "finished_seq", "finished_scores", "coverage")


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
