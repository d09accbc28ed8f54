import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq.decoding import greedy_search
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    assert_padded,
    emitted,
    examples,
    penalty,
    random_tables,
    teacher_forced,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral


def run_greedy(model, **kwargs):
    state, constants = model.initial_state()
    ids, scores = greedy_search(model.step_fn, state, constants=constants, **kwargs)
    return to_numpy(ids), to_numpy(scores)


@settings(max_examples=examples(40), deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**31 - 1),
    kind=st.sampled_from(["table", "rnn"]),
    vocab_size=st.integers(2, 8),
    max_length=st.integers(1, 7),
    min_length_fraction=st.floats(0, 1),
    alpha=st.sampled_from([0.0, 0.7]),
)
def test_argmax_at_every_step_and_teacher_forced_score(
    seed, kind, vocab_size, max_length, min_length_fraction, alpha
):
    rng = np.random.default_rng(seed)
    batch_size = 3
    if kind == "table":
        model = TableModel(random_tables(rng, batch_size, max_length, vocab_size))
    else:
        model = RNNModel(seed, batch_size, vocab_size)
    start_id, end_id = (int(i) for i in rng.integers(0, vocab_size, size=2))
    min_length = int(min_length_fraction * (max_length - 1))
    kwargs = dict(start_id=start_id, end_id=end_id, min_length=min_length)
    ids, scores = run_greedy(model, max_length=max_length, length_penalty=alpha, **kwargs)
    assert ids.shape == (batch_size, max_length) and ids.dtype == np.int32
    assert scores.shape == (batch_size,) and scores.dtype == np.float32
    for row in range(batch_size):
        tokens = emitted(ids[row], end_id)
        assert_padded(ids[row], end_id)
        assert tokens[-1] == end_id or len(tokens) == max_length
        assert end_id not in tokens[:min_length]
        steps = teacher_forced(model, row, tokens, **kwargs)
        for log_probs, token in steps:
            # The chosen token is the argmax (up to float32 rounding on near ties).
            assert log_probs[token] >= log_probs.max() - 1e-5
        expected = sum(lp[t] for lp, t in steps) / penalty(len(tokens), alpha)
        np.testing.assert_allclose(scores[row], expected, atol=1e-5, rtol=0)


def test_stops_at_end_and_pads_with_zeros():
    # Row 0 ends at its second token; row 1 never ends (end has logit -inf).
    tables = np.zeros((2, 6, 4, 4))
    tables[0, 0, 0, 2] = 5.0
    tables[0, 1, 2, 3] = 5.0
    tables[1, :, :, 1] = 5.0
    tables[1, :, :, 3] = -np.inf
    model = TableModel(tables)
    ids, scores = run_greedy(model, start_id=0, end_id=3, max_length=6)
    np.testing.assert_array_equal(ids, [[2, 3, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]])
    log_p = 5.0 - np.log(np.exp(5.0) + 3)
    np.testing.assert_allclose(scores, [2 * log_p, 6 * (5.0 - np.log(np.exp(5.0) + 2))], atol=1e-5)


def test_loop_stops_when_every_row_ended():
    tables = np.zeros((3, 20, 4, 4))
    tables[:, :, :, 3] = 9.0  # The end token 3 is the argmax from the second step on.
    tables[:, 0, 0, 3] = -9.0
    model = TableModel(tables)
    calls = []
    state, _ = model.initial_state()

    def counting_step(token_ids, state):
        calls.append(1)
        return model.step_fn(token_ids, state)

    ids, _ = greedy_search(counting_step, state, start_id=0, end_id=3, max_length=20)
    assert len(calls) == 2
    assert to_numpy(ids)[:, 1].tolist() == [3, 3, 3]
    assert not to_numpy(ids)[:, 2:].any()


def test_min_length_forbids_end_and_renormalises():
    tables = np.zeros((1, 5, 4, 4))
    tables[..., 3] = 4.0  # End is always the most likely token.
    model = TableModel(tables)
    ids, scores = run_greedy(model, start_id=1, end_id=3, max_length=5, min_length=2)
    np.testing.assert_array_equal(ids[0], [0, 0, 3, 0, 0])
    expected = 2 * np.log(1 / 3) + 4.0 - np.log(np.exp(4.0) + 3)
    np.testing.assert_allclose(scores[0], expected, atol=1e-5)


def test_length_penalty_divides_the_score():
    model = RNNModel(2, batch_size=4, vocab_size=6)
    kwargs = dict(start_id=0, end_id=1, max_length=8)
    ids, raw = run_greedy(model, **kwargs)
    penalised_ids, penalised = run_greedy(model, length_penalty=1.3, **kwargs)
    np.testing.assert_array_equal(ids, penalised_ids)
    lengths = [len(emitted(row, 1)) for row in ids]
    np.testing.assert_allclose(penalised, raw / ((5 + np.array(lengths)) / 6) ** 1.3, rtol=1e-6)


@pytest.mark.tensorflow_only
def test_eager_graph_and_xla_agree():
    model = RNNModel(5, batch_size=4, vocab_size=7)
    state, _ = model.initial_state()

    def decode(state):
        return greedy_search(model.step_fn, state, start_id=1, end_id=2, max_length=7, min_length=1)

    results = [
        fn(state) for fn in (decode, tf.function(decode), tf.function(decode, jit_compile=True))
    ]
    for ids, scores in results[1:]:
        np.testing.assert_array_equal(to_numpy(ids), to_numpy(results[0][0]))
        np.testing.assert_allclose(to_numpy(scores), to_numpy(results[0][1]), atol=1e-6)


def test_batch_rows_are_independent_and_constants_equal_state():
    rng = np.random.default_rng(0)
    tables = random_tables(rng, 4, 6, 5)
    kwargs = dict(start_id=0, end_id=4, max_length=6)
    ids, scores = run_greedy(TableModel(tables), **kwargs)
    const_ids, const_scores = run_greedy(TableModel(tables, as_constants=True), **kwargs)
    np.testing.assert_array_equal(ids, const_ids)
    np.testing.assert_array_equal(scores, const_scores)
    for row in range(4):
        row_ids, row_scores = run_greedy(TableModel(tables[row : row + 1]), **kwargs)
        np.testing.assert_array_equal(ids[row], row_ids[0])
        np.testing.assert_allclose(scores[row], row_scores[0], atol=1e-6)


@pytest.mark.parametrize("container", [tuple, list])
def test_state_may_be_any_nest(container):
    model = RNNModel(1, batch_size=2, vocab_size=5)
    state, _ = model.initial_state()

    def step_fn(token_ids, state):
        h, (count,) = state
        logits, new = model.step_fn(token_ids, {"h": h})
        return logits, container([new["h"], container([count + 1])])

    nested = container([state["h"], container([np.zeros((2, 3), "int32")])])
    ids, _ = greedy_search(step_fn, nested, start_id=0, end_id=1, max_length=5)
    expected, _ = greedy_search(model.step_fn, state, start_id=0, end_id=1, max_length=5)
    np.testing.assert_array_equal(to_numpy(ids), to_numpy(expected))
