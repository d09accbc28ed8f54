"""Runs greedy search, beam search or sampling over a decoder's `step`."""

import numpy as np
from keras import ops

from keras_seq.decoding.beam import beam_search
from keras_seq.decoding.greedy import greedy_search
from keras_seq.decoding.sampling import sample

METHODS = ("greedy", "beam", "sample")


# Finite, so that a row whose every token is forbidden still has a defined softmax.
_FORBIDDEN_LOGIT = -1e9


def forbid_tokens(step_fn, token_ids, vocab_size):
    """Wraps `step_fn` so that it never proposes the given ids (padding, start).

    Their logits are set very low before the softmax, so scores are log-probabilities
    over the tokens that can actually be emitted.
    """
    banned = np.zeros((1, vocab_size), bool)
    banned[0, list(token_ids)] = True

    def step(ids, state, constants=None):
        logits, state = step_fn(ids, state, constants)
        return ops.where(banned, _FORBIDDEN_LOGIT, logits), state

    return step


def search(
    decoder,
    state,
    constants,
    *,
    method,
    start_id,
    end_id,
    max_length,
    beam_width,
    length_penalty,
    num_return,
    min_length,
    temperature,
    top_k,
    top_p,
    seed,
):
    """Decodes with `decoder.step` from `state`; returns `(ids, scores)`.

    Padding (0) and the start token are never emitted. Beam search with
    `num_return == 1` returns the best beam only, so that every method gives ids of
    shape `(batch_size, max_length)` in that case.
    """
    step = forbid_tokens(decoder.step, (0, start_id), decoder.vocab_size)
    common = {
        "start_id": start_id,
        "end_id": end_id,
        "max_length": max_length,
        "min_length": min_length,
        "constants": constants,
    }
    if method == "greedy":
        return greedy_search(step, state, length_penalty=length_penalty, **common)
    if method == "sample":
        return sample(
            step, state, temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, **common
        )
    ids, scores = beam_search(
        step,
        state,
        beam_width=beam_width,
        length_penalty=length_penalty,
        num_return=num_return,
        **common,
    )
    if num_return == 1:
        return ids[:, 0], scores[:, 0]
    return ids, scores


def check_method(method):
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Received: method={method!r}")
