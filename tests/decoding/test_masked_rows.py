"""Rows whose every token is masked (-inf) never turn scores into NaN, in any float dtype."""

import numpy as np
import pytest
from keras import ops

from keras_seq.decoding import beam_search, greedy_search, sample
from keras_seq.decoding.scoring import step_log_probs

pytestmark = pytest.mark.backend_neutral

DTYPES = ["float32", "float16", "bfloat16"]
NEG = -np.inf
# Ids: 0 pad, 1 start, 2 end, 3 and 4. After the start token, 3 is likelier than 4; every
# token after 3 is masked (a dead end); after 4 only the end token is left.
TABLE = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [NEG, NEG, NEG, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [NEG, NEG, NEG, NEG, NEG],
        [NEG, NEG, 0.0, NEG, NEG],
    ],
    "float32",
)


def table_step(dtype):
    table = ops.cast(ops.convert_to_tensor(TABLE), dtype)

    def step_fn(token_ids, state):
        return ops.take(table, token_ids, axis=0), state

    return step_fn


def log_p(row, token):
    """float64 log-softmax reference over the table row's finite logits."""
    logits = TABLE[row][np.isfinite(TABLE[row])]
    return TABLE[row, token] - np.log(np.exp(logits.astype("float64")).sum())


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_fully_masked_row_has_minus_infinite_log_probs_in_float32(dtype):
    logits = ops.cast(ops.convert_to_tensor(TABLE[[1, 3]]), dtype)
    log_probs = ops.convert_to_numpy(step_log_probs(logits, 0, end_id=2, min_length=0))
    assert log_probs.dtype == np.float32
    np.testing.assert_array_equal(log_probs[1], np.full(5, -np.inf))
    np.testing.assert_allclose(log_probs[0, 3:], [log_p(1, 3), log_p(1, 4)], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_beam_scores_are_never_nan_when_a_beam_has_no_candidate(dtype):
    """Beam 3 dies (all -inf); beam 4 ends. The only hypothesis is [4, end]; the second
    slot is missing (score -inf, ids 0), never NaN."""
    ids, scores = beam_search(
        table_step(dtype),
        {"h": ops.zeros((1, 1))},
        start_id=1,
        end_id=2,
        beam_width=2,
        max_length=4,
        num_return=2,
    )
    ids, scores = ops.convert_to_numpy(ids), ops.convert_to_numpy(scores)
    assert not np.isnan(scores).any()
    np.testing.assert_array_equal(ids[0], [[4, 2, 0, 0], [0, 0, 0, 0]])
    # 1 - 0 and 0 - 0 are exact in float16 and bfloat16: only the float32 softmax rounds.
    np.testing.assert_allclose(scores[0], [log_p(1, 4) + log_p(4, 2), -np.inf], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_min_length_that_masks_the_last_token_gives_minus_infinity_not_nan(dtype):
    """After 4 only the end token is left, and min_length=3 forbids it: every candidate
    of every beam is masked at step 1, so no hypothesis exists."""
    kwargs = dict(start_id=1, end_id=2, max_length=4, min_length=3)
    state = {"h": ops.zeros((2, 1))}
    _, beam_scores = beam_search(table_step(dtype), state, beam_width=2, num_return=2, **kwargs)
    _, greedy_scores = greedy_search(table_step(dtype), state, **kwargs)
    _, sampled_scores = sample(table_step(dtype), state, seed=0, top_p=0.9, **kwargs)
    for scores in (beam_scores, greedy_scores, sampled_scores):
        scores = ops.convert_to_numpy(scores)
        assert not np.isnan(scores).any()
        np.testing.assert_array_equal(scores, np.full_like(scores, -np.inf))
