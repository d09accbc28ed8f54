import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq.decoding import beam_search, greedy_search
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    assert_padded,
    check_against_brute_force,
    emitted,
    examples,
    exhaustive_width,
    random_tables,
    teacher_forced_score,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral


def run_beam(model, **kwargs):
    state, constants = model.initial_state()
    ids, scores = beam_search(model.step_fn, state, constants=constants, **kwargs)
    return to_numpy(ids), to_numpy(scores)


@settings(max_examples=examples(60), deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**31 - 1),
    kind=st.sampled_from(["table", "table_constants", "rnn"]),
    vocab_size=st.integers(2, 4),
    max_length=st.integers(1, 5),
    min_length_fraction=st.floats(0, 1),
    alpha=st.sampled_from([0.0, 0.6, 2.0]),
    num_return=st.integers(1, 3),
    ids_seed=st.integers(0, 100),
)
def test_exhaustive_beam_equals_brute_force(
    seed, kind, vocab_size, max_length, min_length_fraction, alpha, num_return, ids_seed
):
    rng = np.random.default_rng(seed)
    batch_size = 2
    if kind.startswith("table"):
        tables = random_tables(rng, batch_size, max_length, vocab_size)
        model = TableModel(tables, as_constants=kind == "table_constants")
    else:
        model = RNNModel(seed, batch_size, vocab_size)
    start_id, end_id = np.random.default_rng(ids_seed).integers(0, vocab_size, size=2)
    min_length = int(min_length_fraction * (max_length - 1))
    beam_width = max(exhaustive_width(vocab_size, max_length), num_return)
    kwargs = dict(
        start_id=int(start_id), end_id=int(end_id), max_length=max_length, min_length=min_length
    )
    ids, scores = run_beam(
        model, beam_width=beam_width, num_return=num_return, length_penalty=alpha, **kwargs
    )
    assert ids.shape == (batch_size, num_return, max_length)
    assert scores.shape == (batch_size, num_return)
    check_against_brute_force(model, batch_size, ids, scores, alpha=alpha, **kwargs)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("min_length", [0, 2])
def test_beam_width_one_is_greedy(alpha, min_length):
    model = RNNModel(3, batch_size=5, vocab_size=7)
    state, _ = model.initial_state()
    kwargs = dict(start_id=1, end_id=2, max_length=6, min_length=min_length)
    greedy_ids, greedy_scores = greedy_search(model.step_fn, state, length_penalty=alpha, **kwargs)
    ids, scores = beam_search(model.step_fn, state, beam_width=1, length_penalty=alpha, **kwargs)
    assert ids.shape == (5, 1, 6) and scores.shape == (5, 1)
    np.testing.assert_array_equal(to_numpy(ids)[:, 0], to_numpy(greedy_ids))
    np.testing.assert_array_equal(to_numpy(scores)[:, 0], to_numpy(greedy_scores))


@pytest.mark.parametrize("alpha", [0.0, 0.8])
def test_scores_are_teacher_forced_and_sorted(alpha):
    model = RNNModel(11, batch_size=4, vocab_size=9, scale=2.0)
    kwargs = dict(start_id=1, end_id=2, max_length=7, min_length=1)
    ids, scores = run_beam(model, beam_width=5, num_return=5, length_penalty=alpha, **kwargs)
    assert np.all(np.diff(scores, axis=1) <= 0)
    assert np.all(np.isfinite(scores))
    for row in range(4):
        sequences = [emitted(ids[row, j], 2) for j in range(5)]
        assert len(set(sequences)) == 5
        for j, tokens in enumerate(sequences):
            assert_padded(ids[row, j], 2)
            assert 2 not in tokens[:1]  # min_length=1
            expected = teacher_forced_score(model, row, tokens, alpha=alpha, **kwargs_tf(kwargs))
            np.testing.assert_allclose(scores[row, j], expected, atol=1e-5, rtol=0)


def kwargs_tf(kwargs):
    return {k: kwargs[k] for k in ("start_id", "end_id", "min_length")}


def test_beam_finds_better_than_greedy():
    # Greedy takes 3 (p=0.5) then is stuck with a poor continuation; the beam keeps 4.
    tables = np.full((1, 3, 5, 5), -20.0)
    tables[0, 0, 0, [3, 4]] = np.log([0.5, 0.4])
    tables[0, 1, 3, :4] = 0.0  # After 3: uniform over 0..3 (end id 1).
    tables[0, 1, 4, 1] = 0.0  # After 4: end almost surely.
    model = TableModel(tables)
    kwargs = dict(start_id=0, end_id=1, max_length=3)
    state, _ = model.initial_state()
    greedy_ids, _ = greedy_search(model.step_fn, state, **kwargs)
    ids, scores = run_beam(model, beam_width=2, **kwargs)
    assert to_numpy(greedy_ids)[0, 0] == 3
    np.testing.assert_array_equal(ids[0, 0], [4, 1, 0])
    np.testing.assert_allclose(scores[0, 0], np.log(0.4 / 0.9), atol=1e-4)


def test_ended_candidates_do_not_take_alive_slots():
    # Step 0: end (p=.5), 3 (p=.3), 4 (p=.2). With two beams, 3 and 4 must both stay
    # alive although end is among the two best candidates: [4, end] (p=.2) is second.
    tables = np.full((1, 2, 5, 5), -30.0)
    tables[0, 0, 0, [1, 3, 4]] = np.log([0.5, 0.3, 0.2])
    tables[0, 1, 3, :] = 0.0  # After 3: uniform, p=.2 each (.06 in all).
    tables[0, 1, 4, 1] = 0.0  # After 4: end almost surely.
    model = TableModel(tables)
    ids, scores = run_beam(model, start_id=0, end_id=1, beam_width=2, max_length=2, num_return=2)
    np.testing.assert_array_equal(ids[0], [[1, 0], [4, 1]])
    np.testing.assert_allclose(scores[0], np.log([0.5, 0.2]), atol=1e-4)


@pytest.mark.tensorflow_only
def test_eager_graph_and_xla_agree():
    model = RNNModel(5, batch_size=3, vocab_size=8)
    state, _ = model.initial_state()

    def decode(state):
        return beam_search(
            model.step_fn,
            state,
            start_id=1,
            end_id=2,
            beam_width=3,
            max_length=6,
            length_penalty=0.6,
            num_return=2,
            min_length=1,
        )

    results = [
        fn(state) for fn in (decode, tf.function(decode), tf.function(decode, jit_compile=True))
    ]
    for ids, scores in results[1:]:
        np.testing.assert_array_equal(to_numpy(ids), to_numpy(results[0][0]))
        np.testing.assert_allclose(to_numpy(scores), to_numpy(results[0][1]), atol=1e-6)


@pytest.mark.tensorflow_only
def test_dynamic_batch_in_graph():
    model = RNNModel(6, batch_size=3, vocab_size=8)
    state, _ = model.initial_state()
    kwargs = dict(start_id=1, end_id=2, beam_width=3, max_length=5, num_return=3)
    signature = [{"h": tf.TensorSpec((None, model.h0.shape[1]), tf.float32)}]
    decode = tf.function(
        lambda s: beam_search(model.step_fn, s, **kwargs), input_signature=signature
    )
    ids, scores = decode(state)
    expected_ids, expected_scores = beam_search(model.step_fn, state, **kwargs)
    np.testing.assert_array_equal(to_numpy(ids), to_numpy(expected_ids))
    np.testing.assert_allclose(to_numpy(scores), to_numpy(expected_scores), atol=1e-6)


def test_batch_elements_do_not_leak():
    model = RNNModel(8, batch_size=4, vocab_size=6)
    kwargs = dict(start_id=0, end_id=5, beam_width=4, max_length=6, num_return=3)
    ids, scores = run_beam(model, **kwargs)
    for row in range(4):
        alone = RNNModel(8, batch_size=4, vocab_size=6)
        alone.h0 = model.h0[row : row + 1]
        row_ids, row_scores = run_beam(alone, **kwargs)
        np.testing.assert_array_equal(ids[row], row_ids[0])
        np.testing.assert_allclose(scores[row], row_scores[0], atol=1e-6)


# Counts the step function's Python calls: one per step eagerly on TensorFlow;
# JAX traces the loop body once.
@pytest.mark.tensorflow_only
def test_constants_equal_state_and_are_tiled_once():
    rng = np.random.default_rng(4)
    tables = random_tables(rng, 3, 5, 6)
    kwargs = dict(start_id=0, end_id=5, beam_width=4, max_length=5, num_return=2)
    in_state = run_beam(TableModel(tables), **kwargs)
    model = TableModel(tables, as_constants=True)
    in_constants = run_beam(model, **kwargs)
    np.testing.assert_array_equal(in_state[0], in_constants[0])
    np.testing.assert_allclose(in_state[1], in_constants[1], atol=1e-6)
    # First step on the 3 untiled rows, then one tiled tensor, reused at every step.
    first, *later = model.constants_seen
    assert first.shape[0] == 3 and len(later) >= 2
    assert all(c.shape[0] == 3 * 4 for c in later)
    assert all(c is later[0] for c in later)


def counting_model():
    """After the first token, the end token (1) has probability ~0.9999."""
    tables = np.full((2, 30, 6, 6), -10.0)
    tables[:, :, :, 1] = 0.0
    tables[:, 0, 0, :] = 0.0  # First step: uniform.
    return TableModel(tables)


# Counts the step function's Python calls: one per step eagerly on TensorFlow;
# JAX traces the loop body once.
@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "alpha, num_return, expected_calls",
    [
        # Step 0 ends [1] (p=1/6): no alive hypothesis (p<=1/6) can beat it.
        (0.0, 1, 1),
        # With a length penalty, an alive one might (its best case is at max_length).
        (1.0, 1, 2),
        # Three are needed: step 1 ends three more, and nothing alive can beat them.
        (0.0, 3, 2),
        (1.0, 3, 2),
    ],
)
def test_loop_exits_early_when_all_beams_finished(alpha, num_return, expected_calls):
    model = counting_model()
    calls = []
    step_fn = model.step_fn

    def counting_step(token_ids, state):
        calls.append(1)
        return step_fn(token_ids, state)

    state, _ = model.initial_state()
    ids, scores = beam_search(
        counting_step, state, start_id=0, end_id=1, beam_width=3, max_length=30,
        length_penalty=alpha, num_return=num_return,
    )  # fmt: skip
    assert len(calls) == expected_calls
    ids = to_numpy(ids)
    for row in range(2):
        returned = [emitted(ids[row, j], 1) for j in range(num_return)]
        assert all(len(tokens) <= 2 and tokens[-1] == 1 for tokens in returned), returned
        assert len(set(returned)) == num_return
        for j, tokens in enumerate(returned):
            expected = teacher_forced_score(model, row, tokens, start_id=0, end_id=1, alpha=alpha)
            np.testing.assert_allclose(scores[row, j], expected, atol=1e-5)


@pytest.mark.tensorflow_only
def test_loop_exits_early_in_graph():
    model = counting_model()
    counter = tf.Variable(0)
    step_fn = model.step_fn

    def counting_step(token_ids, state):
        counter.assign_add(1)
        return step_fn(token_ids, state)

    @tf.function
    def decode(state):
        return beam_search(
            counting_step, state, start_id=0, end_id=1, beam_width=3, max_length=30, num_return=3
        )

    state, _ = model.initial_state()
    decode(state)
    assert int(counter.numpy()) == 2


def test_hypotheses_without_end_are_valid():
    tables = np.zeros((1, 4, 4, 4))
    tables[..., 3] = -np.inf  # End id 3 is impossible.
    tables[..., 2] = 1.0
    model = TableModel(tables)
    ids, scores = run_beam(model, start_id=0, end_id=3, beam_width=3, max_length=4, num_return=2)
    np.testing.assert_array_equal(ids[0, 0], [2, 2, 2, 2])
    log_p = 1.0 - np.log(2 + np.e)
    np.testing.assert_allclose(scores[0, 0], 4 * log_p, atol=1e-5)
    assert 3 not in ids


def test_too_few_hypotheses_are_padded_with_minus_inf():
    tables = np.zeros((1, 1, 2, 2))
    model = TableModel(tables)
    ids, scores = run_beam(model, start_id=0, end_id=1, beam_width=4, max_length=1, num_return=3)
    np.testing.assert_allclose(scores[0, :2], [np.log(0.5)] * 2, atol=1e-6)
    assert scores[0, 2] == -np.inf and not ids[0, 2].any()
    assert sorted(ids[0, :2, 0].tolist()) == [0, 1]
