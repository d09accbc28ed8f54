"""Strategy objects: one result shape, settings checked when made, serializable, and the
same ids and scores as the pure functions they call (checked against brute force)."""

import json

import keras
import numpy as np
import pytest

from keras_seq import decoding
from keras_seq.decoding import (
    BeamSearch,
    DecodingResult,
    GreedySearch,
    Sampling,
    beam_search,
    greedy_search,
    sample,
)
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    brute_force,
    emitted,
    random_tables,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral

START, END = 1, 2
STRATEGIES = [
    GreedySearch(),
    GreedySearch(min_length=2),
    BeamSearch(beam_width=3),
    BeamSearch(beam_width=4, length_penalty=0.6, num_return=3, min_length=1),
    Sampling(temperature=0.7, top_k=3, seed=5),
    Sampling(top_p=0.8, seed=1, min_length=1),
]


def run(strategy, model, max_length=5):
    state, constants = model.initial_state()
    return strategy(
        model.step_fn, state, start_id=START, end_id=END, max_length=max_length, constants=constants
    )


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
def test_every_strategy_returns_ids_scores_and_lengths_per_hypothesis(strategy):
    model = RNNModel(seed=3, batch_size=4, vocab_size=7)
    result = run(strategy, model)
    assert isinstance(result, DecodingResult)
    n = strategy.num_return
    assert tuple(result.ids.shape) == (4, n, 5)
    assert tuple(result.scores.shape) == tuple(result.lengths.shape) == (4, n)
    ids, lengths = to_numpy(result.ids), to_numpy(result.lengths)
    for row in range(4):
        for k in range(n):
            assert lengths[row, k] == len(emitted(ids[row, k], END))


@pytest.mark.parametrize(
    "strategy, function, settings",
    [
        (GreedySearch(min_length=1), greedy_search, {"min_length": 1}),
        (
            BeamSearch(3, length_penalty=0.5, num_return=2),
            beam_search,
            {"beam_width": 3, "length_penalty": 0.5, "num_return": 2},
        ),
        (
            Sampling(temperature=0.9, top_k=4, seed=2),
            sample,
            {"temperature": 0.9, "top_k": 4, "seed": 2},
        ),
    ],
)
def test_strategies_equal_their_functions(strategy, function, settings):
    model = RNNModel(seed=8, batch_size=3, vocab_size=6)
    state, _ = model.initial_state()
    ids, scores = function(
        model.step_fn, state, start_id=START, end_id=END, max_length=6, **settings
    )
    result = run(strategy, model, max_length=6)
    ids, scores = to_numpy(ids), to_numpy(scores)
    if ids.ndim == 2:
        ids, scores = ids[:, None], scores[:, None]
    np.testing.assert_array_equal(to_numpy(result.ids), ids)
    np.testing.assert_allclose(to_numpy(result.scores), scores, atol=1e-6)


def test_n_best_beam_equals_brute_force_with_lengths():
    """Vocabulary 5, at most 3 tokens: a beam of 12 keeps every hypothesis; the 4 best
    of the enumeration come back in order, with their token counts as lengths."""
    rng = np.random.default_rng(0)
    model = TableModel(random_tables(rng, 2, 3, 5))
    result = run(BeamSearch(beam_width=12, num_return=4), model, max_length=3)
    ids, scores, lengths = (to_numpy(x) for x in result)
    for row in range(2):
        best = brute_force(model, row, start_id=START, end_id=END, max_length=3)[:4]
        for k, (score, tokens) in enumerate(best):
            assert emitted(ids[row, k], END) == tokens
            assert scores[row, k] == pytest.approx(score, abs=1e-4)
            assert lengths[row, k] == len(tokens)


def test_beam_lengths_of_hypotheses_without_an_end_token():
    """The end token is never likely here: every returned hypothesis fills max_length."""
    tables = np.zeros((1, 4, 5, 5))
    tables[..., END] = -30.0
    tables[..., 3] = 1.0
    result = run(BeamSearch(beam_width=2, num_return=2), TableModel(tables), max_length=4)
    np.testing.assert_array_equal(to_numpy(result.lengths), [[4, 4]])
    assert not np.any(to_numpy(result.ids) == END)


def test_sampling_with_a_seed_is_reproducible_and_top_k_one_is_greedy():
    model = RNNModel(seed=1, batch_size=5, vocab_size=8)
    first, again = run(Sampling(seed=9), model), run(Sampling(seed=9), model)
    np.testing.assert_array_equal(to_numpy(first.ids), to_numpy(again.ids))
    np.testing.assert_array_equal(
        to_numpy(run(Sampling(top_k=1, seed=3), model).ids),
        to_numpy(run(GreedySearch(), model).ids),
    )


@pytest.mark.parametrize("strategy", STRATEGIES, ids=repr)
def test_config_round_trips_through_json_and_get(strategy):
    config = json.loads(json.dumps(decoding.serialize(strategy)))
    assert decoding.get(config) == strategy
    assert decoding.deserialize(config) == strategy
    assert type(strategy).from_config(strategy.get_config()) == strategy
    assert (
        keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(strategy))
        == strategy
    )
    assert hash(decoding.get(config)) == hash(strategy)


def test_get_accepts_names_configs_and_instances():
    assert decoding.get("greedy") == GreedySearch()
    assert decoding.get("beam") == BeamSearch(beam_width=4)
    assert decoding.get("sample") == Sampling()
    beam = BeamSearch(beam_width=2)
    assert decoding.get(beam) is beam
    assert decoding.get({"class_name": "BeamSearch", "beam_width": 2}) == beam
    assert BeamSearch(2) != GreedySearch() and BeamSearch(2) != BeamSearch(3)


@pytest.mark.parametrize(
    "identifier, error, match",
    [
        ("nucleus", ValueError, "decoding='nucleus'"),
        (4, TypeError, "decoding=4"),
        ({"class_name": "Viterbi"}, ValueError, "Viterbi"),
        ({"beam_width": 3}, ValueError, "class_name"),
        ({"class_name": "BeamSearch", "config": {"beam_width": 0}}, ValueError, "beam_width=0"),
    ],
)
def test_get_rejects_what_is_not_a_strategy(identifier, error, match):
    with pytest.raises(error, match=match):
        decoding.get(identifier)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: BeamSearch(beam_width=0), ValueError, "Received: beam_width=0"),
        (lambda: BeamSearch(beam_width=True), TypeError, "Received: beam_width=True"),
        (lambda: BeamSearch(beam_width=2, num_return=3), ValueError, "Received: num_return=3"),
        (lambda: BeamSearch(length_penalty=-1.0), ValueError, "Received: length_penalty=-1.0"),
        (lambda: BeamSearch(min_length=-1), ValueError, "Received: min_length=-1"),
        (lambda: GreedySearch(min_length=1.5), TypeError, "Received: min_length=1.5"),
        (lambda: Sampling(temperature=0.0), ValueError, "Received: temperature=0.0"),
        (lambda: Sampling(top_k=0), ValueError, "Received: top_k=0"),
        (lambda: Sampling(top_p=1.5), ValueError, "Received: top_p=1.5"),
        (lambda: Sampling(seed="7"), TypeError, "Received: seed='7'"),
    ],
)
def test_settings_are_checked_when_the_strategy_is_made(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_call_arguments_are_checked_before_decoding():
    model = RNNModel(seed=0, batch_size=2, vocab_size=5)
    with pytest.raises(ValueError, match="max_length=0"):
        run(GreedySearch(), model, max_length=0)
    with pytest.raises(ValueError, match="min_length=4"):
        run(BeamSearch(min_length=4), model, max_length=4)
