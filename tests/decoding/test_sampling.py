import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq.decoding import greedy_search, sample
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    assert_padded,
    emitted,
    masked_log_softmax,
    teacher_forced,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral

# Upper 0.1% quantiles of the chi-square distribution by degrees of freedom.
CHI2_999 = {1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 7: 24.322}

FIRST_LOGITS = np.array([1.0, -0.5, 2.0, 0.3, 1.2, -1.0, 0.8, 0.0], dtype="float32")


def first_token_counts(num_samples=20_000, seed=0, **kwargs):
    """Samples one token for each of `num_samples` rows from FIRST_LOGITS."""
    logits = keras.ops.convert_to_tensor(FIRST_LOGITS)

    def step_fn(token_ids, state):
        return keras.ops.zeros((num_samples, 1)) + logits, state

    state = {"h": np.zeros((num_samples, 1), "float32")}
    ids, scores = sample(step_fn, state, start_id=0, end_id=7, max_length=1, seed=seed, **kwargs)
    counts = np.bincount(to_numpy(ids)[:, 0], minlength=len(FIRST_LOGITS))
    return counts, to_numpy(ids)[:, 0], to_numpy(scores)


def chi_square(counts, probs):
    support = probs > 0
    assert counts[~support].sum() == 0, "a filtered token was sampled"
    expected = probs[support] * counts.sum()
    return ((counts[support] - expected) ** 2 / expected).sum(), support.sum() - 1


def softmax(x):
    x = np.asarray(x, dtype="float64")
    e = np.exp(x - x.max())
    return e / e.sum()


@pytest.mark.parametrize(
    "kwargs, allowed",
    [
        ({}, None),
        ({"temperature": 0.5}, None),
        ({"temperature": 2.5}, None),
        ({"top_k": 3}, [2, 4, 0]),
        ({"top_p": 0.6}, [2, 4, 0]),  # Cumulative: 0.39, 0.56, 0.71: three tokens.
        ({"top_k": 4, "top_p": 0.7, "temperature": 0.8}, None),
    ],
)
def test_first_token_frequencies_follow_the_distribution(kwargs, allowed):
    temperature = kwargs.get("temperature", 1.0)
    probs = softmax(FIRST_LOGITS / temperature)
    order = np.argsort(-probs, kind="stable")
    keep = np.ones_like(probs, dtype=bool)
    if "top_k" in kwargs:
        keep[order[kwargs["top_k"] :]] = False
    if "top_p" in kwargs:
        renormalised = np.where(keep, probs, 0) / np.where(keep, probs, 0).sum()
        mass_before = np.cumsum(renormalised[order]) - renormalised[order]
        keep[order[mass_before >= kwargs["top_p"]]] = False
    if allowed is not None:
        assert sorted(np.flatnonzero(keep).tolist()) == sorted(allowed)
    target = np.where(keep, probs, 0) / np.where(keep, probs, 0).sum()
    counts, ids, scores = first_token_counts(**kwargs)
    statistic, dof = chi_square(counts, target)
    assert statistic < CHI2_999[dof], (counts, target * counts.sum())
    # Scores: the temperature-scaled, unfiltered log-probability of the sampled token.
    np.testing.assert_allclose(scores, np.log(probs)[ids], atol=1e-5)


def test_chi_square_check_rejects_a_wrong_distribution():
    counts, _, _ = first_token_counts(temperature=1.0)
    statistic, dof = chi_square(counts, softmax(FIRST_LOGITS / 1.3))
    assert statistic > CHI2_999[dof]


def test_top_k_one_is_greedy():
    model = RNNModel(7, batch_size=6, vocab_size=9)
    state, _ = model.initial_state()
    kwargs = dict(start_id=1, end_id=2, max_length=7, min_length=1)
    greedy_ids, greedy_scores = greedy_search(model.step_fn, state, **kwargs)
    for seed in (0, 1):
        ids, scores = sample(model.step_fn, state, top_k=1, seed=seed, **kwargs)
        np.testing.assert_array_equal(to_numpy(ids), to_numpy(greedy_ids))
        np.testing.assert_array_equal(to_numpy(scores), to_numpy(greedy_scores))


def decode_rnn(seed, **kwargs):
    model = RNNModel(3, batch_size=64, vocab_size=8, scale=1.0)
    state, _ = model.initial_state()
    ids, scores = sample(
        model.step_fn, state, start_id=0, end_id=1, max_length=6, seed=seed, **kwargs
    )
    return to_numpy(ids), to_numpy(scores)


def test_same_seed_same_samples_different_seed_different_samples():
    ids, scores = decode_rnn(42)
    again_ids, again_scores = decode_rnn(42)
    np.testing.assert_array_equal(ids, again_ids)
    np.testing.assert_array_equal(scores, again_scores)
    np.testing.assert_array_equal(decode_rnn(np.int64(42))[0], ids)
    other_ids, _ = decode_rnn(43)
    assert not np.array_equal(ids, other_ids)


def test_noise_is_fresh_at_every_step():
    # Same uniform distribution at every step: reused noise would repeat each row's token.
    def step_fn(token_ids, state):
        return keras.ops.zeros((32, 6)), state

    state = {"h": np.zeros((32, 1), "float32")}
    ids, _ = sample(step_fn, state, start_id=0, end_id=5, max_length=8, min_length=7, seed=0)
    ids = to_numpy(ids)[:, :7]
    repeated = np.all(ids == ids[:, :1], axis=1)
    assert repeated.sum() <= 1
    counts = np.bincount(ids.ravel(), minlength=6)
    assert counts[5] == 0 and counts[:5].min() > 0


def test_seed_generator_and_none_seed_give_fresh_samples():
    generator = keras.random.SeedGenerator(5)
    first, _ = decode_rnn(generator)
    second, _ = decode_rnn(generator)
    assert not np.array_equal(first, second)
    assert not np.array_equal(decode_rnn(None)[0], decode_rnn(None)[0])


@pytest.mark.tensorflow_only
def test_eager_graph_and_xla_agree():
    model = RNNModel(9, batch_size=8, vocab_size=10, scale=1.0)
    state, _ = model.initial_state()

    def decode(state):
        return sample(
            model.step_fn,
            state,
            start_id=0,
            end_id=1,
            max_length=6,
            temperature=0.9,
            top_k=6,
            top_p=0.9,
            seed=123,
        )

    results = [
        fn(state) for fn in (decode, tf.function(decode), tf.function(decode, jit_compile=True))
    ]
    for ids, scores in results[1:]:
        np.testing.assert_array_equal(to_numpy(ids), to_numpy(results[0][0]))
        np.testing.assert_allclose(to_numpy(scores), to_numpy(results[0][1]), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"top_k": 3},
        {"top_p": 0.5},
        {"top_k": 4, "top_p": 0.8, "temperature": 1.5},
        {"temperature": 0.7, "min_length": 3},
    ],
)
def test_never_emits_filtered_tokens_and_scores_are_teacher_forced(kwargs):
    model = RNNModel(13, batch_size=128, vocab_size=8, scale=1.5)
    state, _ = model.initial_state()
    ids, scores = sample(model.step_fn, state, start_id=0, end_id=1, max_length=6, seed=1, **kwargs)
    ids, scores = to_numpy(ids), to_numpy(scores)
    temperature = kwargs.get("temperature", 1.0)
    min_length = kwargs.get("min_length", 0)
    for row in range(128):
        tokens = emitted(ids[row], 1)
        assert_padded(ids[row], 1)
        assert 1 not in tokens[:min_length]
        steps = teacher_forced(
            model, row, tokens, start_id=0, end_id=1, min_length=min_length,
            temperature=temperature,
        )  # fmt: skip
        for log_probs, token in steps:
            order = np.argsort(-log_probs, kind="stable")
            rank = int(np.flatnonzero(order == token)[0])
            if "top_k" in kwargs:
                # Allow a float32 near tie at the boundary.
                assert rank < kwargs["top_k"] or (
                    log_probs[token] >= log_probs[order[kwargs["top_k"] - 1]] - 1e-5
                )
            if "top_p" in kwargs:
                kept = order[: kwargs.get("top_k", len(order))]
                probs = np.exp(log_probs[kept] - np.logaddexp.reduce(log_probs[kept]))
                mass_before = np.cumsum(probs) - probs
                assert mass_before[rank] < kwargs["top_p"] + 1e-5
        expected = sum(lp[t] for lp, t in steps)
        np.testing.assert_allclose(scores[row], expected, atol=1e-5, rtol=0)


def test_temperature_sharpens_and_flattens():
    # Low temperature: nearly always the argmax; high temperature: close to uniform.
    cold, _, _ = first_token_counts(num_samples=4000, temperature=0.05)
    assert cold[2] == 4000
    hot, _, _ = first_token_counts(num_samples=4000, temperature=100.0)
    assert hot.min() > 0.8 * 4000 / 8


def test_constants_equal_state():
    rng = np.random.default_rng(1)
    tables = rng.normal(size=(16, 5, 6, 6))
    kwargs = dict(start_id=0, end_id=5, max_length=5, seed=3, top_p=0.9)
    results = []
    for as_constants in (False, True):
        model = TableModel(tables, as_constants=as_constants)
        state, constants = model.initial_state()
        ids, scores = sample(model.step_fn, state, constants=constants, **kwargs)
        results.append((to_numpy(ids), to_numpy(scores)))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_masked_log_softmax_helper_is_consistent():
    # Guards the reference used above: min_length removes the end token and renormalises.
    log_probs = masked_log_softmax([0.0, 1.0, 2.0], step=0, end_id=2, min_length=1)
    np.testing.assert_allclose(np.exp(log_probs), [1 / (1 + np.e), np.e / (1 + np.e), 0.0])
