"""Diverse beam search (groups with Hamming diversity) against brute-force enumeration,
a hand-worked table and teacher forcing."""

import numpy as np
import pytest

from keras_seq.decoding import BeamSearch, beam_search
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    brute_force,
    emitted,
    exhaustive_width,
    random_tables,
    teacher_forced_score,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral


def decode(model, **kwargs):
    state, _ = model.initial_state()
    ids, scores = beam_search(model.step_fn, state, **kwargs)
    return to_numpy(ids), to_numpy(scores)


@pytest.mark.parametrize("seed", [0, 1])
def test_without_diversity_every_group_repeats_the_exhaustive_search(seed):
    vocab_size, max_length, groups = 3, 3, 2
    model = TableModel(random_tables(np.random.default_rng(seed), 2, max_length, vocab_size))
    width = exhaustive_width(vocab_size, max_length)
    kwargs = dict(start_id=0, end_id=2, max_length=max_length)
    ids, scores = decode(
        model, beam_width=groups * width, num_groups=groups, num_return=2 * 3, **kwargs
    )
    for row in range(2):
        expected = brute_force(model, row, **kwargs)[:3]
        np.testing.assert_allclose(scores[row], np.repeat([s for s, _ in expected], 2), atol=1e-5)
        returned = [emitted(ids[row, j], 2) for j in range(6)]
        assert returned[0::2] == returned[1::2] == [tokens for _, tokens in expected]


def test_one_step_groups_take_the_best_tokens_in_turn():
    vocab_size = 5
    model = TableModel(random_tables(np.random.default_rng(4), 2, 1, vocab_size))
    kwargs = dict(start_id=0, end_id=4, max_length=1)
    ids, scores = decode(
        model, beam_width=4, num_groups=4, diversity_strength=100.0, num_return=4, **kwargs
    )
    for row in range(2):
        expected = brute_force(model, row, **kwargs)[:4]
        np.testing.assert_allclose(scores[row], [s for s, _ in expected], atol=1e-5)
        assert [emitted(ids[row, j], 4) for j in range(4)] == [t for _, t in expected]


def test_diversity_moves_the_second_group_off_the_shared_first_token():
    # Step 0: 3 (p=.5), 4 (.4) or 2 (.1); after 3: end (id 1, .6) or 2 (.4); after 4 or
    # 2: end. Two groups of one beam both keep 3 alive at step 0 without diversity; with
    # it, the second group takes 4, and [4 end] (.4) beats [3 end] (.3).
    tables = np.full((1, 3, 5, 5), -30.0)
    tables[0, 0, 0, [3, 4, 2]] = np.log([0.5, 0.4, 0.1])
    tables[0, 1, 3, [1, 2]] = np.log([0.6, 0.4])
    tables[0, 1, [4, 2], 1] = 0.0
    tables[0, 2, :, 1] = 0.0
    model = TableModel(tables)
    kwargs = dict(start_id=0, end_id=1, max_length=3, num_return=2, beam_width=2, num_groups=2)
    same_ids, _ = decode(model, **kwargs)
    assert same_ids[0, :, :2].tolist() == [[3, 1], [3, 1]]
    ids, scores = decode(model, diversity_strength=5.0, **kwargs)
    assert ids[0].tolist() == [[4, 1, 0], [3, 1, 0]]
    np.testing.assert_allclose(scores[0], np.log([0.4, 0.3]), atol=1e-5)


@pytest.mark.parametrize("groups, strength", [(2, 0.5), (4, 2.0)])
def test_scores_are_teacher_forced_and_sorted(groups, strength):
    model = RNNModel(seed=7, batch_size=3, vocab_size=6, scale=2.0)
    kwargs = dict(start_id=0, end_id=5, max_length=6)
    strategy = BeamSearch(4, num_return=4, num_groups=groups, diversity_strength=strength)
    state, _ = model.initial_state()
    result = strategy(model.step_fn, state, **kwargs)
    ids, scores = to_numpy(result.ids), to_numpy(result.scores)
    assert np.all(np.diff(scores, axis=1) <= 0)
    for row in range(3):
        for j in range(4):
            tokens = emitted(ids[row, j], 5)
            expected = teacher_forced_score(model, row, tokens, start_id=0, end_id=5)
            np.testing.assert_allclose(scores[row, j], expected, atol=1e-5)


def test_one_group_is_plain_beam_search():
    model = RNNModel(seed=3, batch_size=2, vocab_size=6)
    kwargs = dict(start_id=0, end_id=5, max_length=5, beam_width=3, num_return=3)
    plain = decode(model, **kwargs)
    grouped = decode(model, num_groups=1, diversity_strength=3.0, **kwargs)
    np.testing.assert_array_equal(plain[0], grouped[0])
    np.testing.assert_allclose(plain[1], grouped[1])


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"beam_width": 4, "num_groups": 3}, "num_groups"),
        ({"beam_width": 4, "num_groups": 0}, "num_groups"),
        ({"beam_width": 4, "num_groups": 2, "diversity_strength": -1.0}, "diversity_strength"),
    ],
)
def test_bad_group_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        BeamSearch(**settings)
