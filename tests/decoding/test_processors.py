"""Processors: each one against a plain numpy reference, and every strategy with
processors against brute-force enumeration (beam), a numpy greedy loop (greedy) and
teacher forcing (sampling's scores)."""

import json

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq import decoding
from keras_seq.decoding import (
    BeamSearch,
    ForcedPrefix,
    GreedySearch,
    NoRepeatNGram,
    RepetitionPenalty,
    Sampling,
    SuppressSequences,
    beam_search,
)
from tests.decoding.decoding_fakes import (
    RNNModel,
    TableModel,
    check_against_brute_force,
    emitted,
    examples,
    exhaustive_width,
    masked_log_softmax,
    random_tables,
    teacher_forced_score,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral


# Numpy references: loops over the emitted tokens, written from the definitions.
def ref_no_repeat(size):
    def adjust(log_probs, emitted_tokens, step):
        log_probs = log_probs.copy()
        tokens = list(emitted_tokens)
        context = tuple(tokens[len(tokens) - (size - 1) :]) if size > 1 else ()
        for j in range(len(tokens) - size + 1):
            if tuple(tokens[j : j + size - 1]) == context:
                log_probs[tokens[j + size - 1]] = -np.inf
        return log_probs

    return adjust


def ref_repetition(penalty):
    def adjust(log_probs, emitted_tokens, step):
        log_probs = log_probs.copy()
        for token in set(emitted_tokens):
            log_probs[token] *= penalty
        return log_probs

    return adjust


def ref_suppress(sequences):
    def adjust(log_probs, emitted_tokens, step):
        log_probs = log_probs.copy()
        for sequence in sequences:
            context = tuple(sequence[:-1])
            if (
                sequence[-1] < len(log_probs)
                and len(emitted_tokens) >= len(context)
                and (not context or tuple(emitted_tokens[-len(context) :]) == context)
            ):
                log_probs[sequence[-1]] = -np.inf
        return log_probs

    return adjust


def chain(*adjusts):
    def adjust(log_probs, emitted_tokens, step):
        for one in adjusts:
            log_probs = one(log_probs, emitted_tokens, step)
        return log_probs

    return adjust


PROCESSORS = {
    "ngram1": ([NoRepeatNGram(1)], ref_no_repeat(1)),
    "ngram2": ([NoRepeatNGram(2)], ref_no_repeat(2)),
    "ngram3": ([NoRepeatNGram(3)], ref_no_repeat(3)),
    "repetition": ([RepetitionPenalty(1.7)], ref_repetition(1.7)),
    "suppress": (
        [SuppressSequences([[1, 1], [0, 2, 1], [2]])],
        ref_suppress([[1, 1], [0, 2, 1], [2]]),
    ),
    "both": (
        [RepetitionPenalty(1.3), NoRepeatNGram(2)],
        chain(ref_repetition(1.3), ref_no_repeat(2)),
    ),
}


@settings(max_examples=examples(25), deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**31 - 1),
    rows=st.integers(1, 3),
    length=st.integers(1, 6),
    vocab_size=st.integers(2, 5),
    name=st.sampled_from(sorted(PROCESSORS)),
)
def test_processors_equal_their_numpy_reference(seed, rows, length, vocab_size, name):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, size=(rows, length)).astype("int32")
    step = int(rng.integers(0, length + 1))
    ids[:, step:] = 0  # the loops' buffers hold 0 after the emitted tokens
    log_probs = np.log(rng.dirichlet(np.ones(vocab_size), size=rows)).astype("float32")
    log_probs[0, 0] = -np.inf  # -inf stays -inf
    processors, adjust = PROCESSORS[name]
    got = to_numpy(decoding.processors.apply(processors, log_probs, ids, step))
    for row in range(rows):
        expected = adjust(log_probs[row].astype("float64"), tuple(ids[row, :step]), step)
        np.testing.assert_allclose(got[row], expected, rtol=1e-6)


@settings(max_examples=examples(15), deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**31 - 1),
    kind=st.sampled_from(["table", "rnn"]),
    vocab_size=st.integers(2, 4),
    max_length=st.integers(1, 4),
    alpha=st.sampled_from([0.0, 0.8]),
    num_return=st.integers(1, 3),
    name=st.sampled_from(sorted(PROCESSORS)),
)
def test_exhaustive_beam_with_processors_equals_brute_force(
    seed, kind, vocab_size, max_length, alpha, num_return, name
):
    rng = np.random.default_rng(seed)
    if kind == "table":
        model = TableModel(random_tables(rng, 2, max_length, vocab_size))
    else:
        model = RNNModel(seed, 2, vocab_size)
    processors, adjust = PROCESSORS[name]
    kwargs = dict(start_id=0, end_id=vocab_size - 1, max_length=max_length, min_length=0)
    state, constants = model.initial_state()
    ids, scores = beam_search(
        model.step_fn,
        state,
        constants=constants,
        beam_width=max(exhaustive_width(vocab_size, max_length), num_return),
        num_return=num_return,
        length_penalty=alpha,
        processors=processors,
        **kwargs,
    )
    check_against_brute_force(
        model, 2, to_numpy(ids), to_numpy(scores), alpha=alpha, adjust=adjust, **kwargs
    )


def numpy_greedy(model, row, adjust, *, start_id, end_id, max_length):
    state, previous, tokens, score = model.numpy_initial(row), start_id, [], 0.0
    for step in range(max_length):
        logits, state = model.numpy_step(row, state, previous, step)
        log_probs = adjust(masked_log_softmax(logits, step, end_id, 0), tuple(tokens), step)
        previous = int(np.argmax(log_probs))
        tokens.append(previous)
        score += log_probs[previous]
        if previous == end_id:
            break
    return tuple(tokens), score


@pytest.mark.parametrize("name", sorted(PROCESSORS))
def test_greedy_with_processors_equals_a_numpy_greedy_loop(name):
    model = RNNModel(seed=21, batch_size=4, vocab_size=5, scale=4.0)
    processors, adjust = PROCESSORS[name]
    kwargs = dict(start_id=0, end_id=4, max_length=7)
    state, _ = model.initial_state()
    result = GreedySearch(processors=processors)(model.step_fn, state, **kwargs)
    for row in range(4):
        tokens, score = numpy_greedy(model, row, adjust, **kwargs)
        assert emitted(to_numpy(result.ids)[row, 0], 4) == tokens
        np.testing.assert_allclose(to_numpy(result.scores)[row, 0], score, atol=1e-5)


def test_processors_change_what_is_decoded():
    model = RNNModel(seed=2, batch_size=6, vocab_size=5, scale=5.0)
    kwargs = dict(start_id=0, end_id=4, max_length=8)
    state, _ = model.initial_state()
    plain = to_numpy(GreedySearch()(model.step_fn, state, **kwargs).ids)
    blocked = to_numpy(
        GreedySearch(processors=[NoRepeatNGram(1)])(model.step_fn, state, **kwargs).ids
    )
    for row in range(6):
        tokens = emitted(blocked[row, 0], 4)
        assert len(set(tokens)) == len(tokens)
    assert any(len(set(emitted(r[0], 4))) < len(emitted(r[0], 4)) for r in plain)


def test_sampling_scores_are_the_processed_log_probabilities():
    model = RNNModel(seed=4, batch_size=5, vocab_size=5, scale=2.0)
    processors, adjust = PROCESSORS["both"]
    kwargs = dict(start_id=0, end_id=4, max_length=6)
    state, _ = model.initial_state()
    result = Sampling(seed=3, processors=processors)(model.step_fn, state, **kwargs)
    ids, scores = to_numpy(result.ids), to_numpy(result.scores)
    for row in range(5):
        tokens = emitted(ids[row, 0], 4)
        two = [tokens[i : i + 2] for i in range(len(tokens) - 1)]
        assert len(set(two)) == len(two)  # no repeated bigram
        expected = teacher_forced_score(model, row, tokens, start_id=0, end_id=4, adjust=adjust)
        np.testing.assert_allclose(scores[row, 0], expected, atol=1e-5)


@pytest.mark.parametrize(
    "strategy",
    [
        GreedySearch(processors=[NoRepeatNGram(2)]),
        BeamSearch(3, num_return=2, processors=[RepetitionPenalty(1.5), NoRepeatNGram(3)]),
        Sampling(top_k=3, seed=1, processors=[RepetitionPenalty(2.0)]),
        GreedySearch(processors=[SuppressSequences([[3], [1, 2, 3]])]),
        BeamSearch(processors=[ForcedPrefix([[1, 2], [3]], bias=0.5), ForcedPrefix([4])]),
    ],
    ids=repr,
)
def test_strategies_with_processors_serialize(strategy):
    config = json.loads(json.dumps(decoding.serialize(strategy)))
    restored = decoding.deserialize(config)
    assert restored == strategy and hash(restored) == hash(strategy)
    assert restored.processors == strategy.processors
    for processor in strategy.processors:
        again = keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(processor)
        )
        assert again == processor


@keras.saving.register_keras_serializable(package="keras_seq_tests")
class BanToken(decoding.Processor):
    def __init__(self, token):
        self.token = token

    def __call__(self, log_probs, ids, step):
        banned = keras.ops.equal(keras.ops.arange(keras.ops.shape(log_probs)[-1]), self.token)
        return keras.ops.where(banned[None, :], float("-inf"), log_probs)

    def get_config(self):
        return {"token": self.token}


def test_a_registered_processor_of_ones_own_decodes_and_serializes():
    strategy = BeamSearch(3, num_return=3, processors=[BanToken(2)])
    restored = decoding.deserialize(json.loads(json.dumps(decoding.serialize(strategy))))
    assert restored == strategy
    model = RNNModel(seed=1, batch_size=2, vocab_size=5)
    state, _ = model.initial_state()
    ids = to_numpy(restored(model.step_fn, state, start_id=0, end_id=4, max_length=4).ids)
    assert 2 not in ids


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: NoRepeatNGram(0), "size"),
        (lambda: NoRepeatNGram("2"), "size"),
        (lambda: RepetitionPenalty(0.5), "penalty"),
        (lambda: SuppressSequences([[1], []]), "sequences"),
        (lambda: SuppressSequences([[1, -2]]), "sequences"),
        (lambda: SuppressSequences(3), "sequences"),
        (lambda: ForcedPrefix([1, "a"]), "prefix"),
        (lambda: ForcedPrefix([[1], [-3]]), "prefix"),
        (lambda: ForcedPrefix([1], bias=-1.0), "bias"),
        (lambda: ForcedPrefix(np.zeros((2, 2, 2), "int32")), "prefix"),
        (lambda: ForcedPrefix(np.ones((2, 2), "int32")).get_config(), "serialized"),
        (lambda: BeamSearch(processors="ngram"), "processors"),
        (lambda: GreedySearch(processors=[{"class_name": "Nope"}]), "processors"),
    ],
)
def test_bad_settings_name_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def ref_prefix(prefix, bias=None):
    def adjust(log_probs, emitted_tokens, step):
        if step >= len(prefix):
            return log_probs
        if bias is None:
            forced = np.full_like(log_probs, -np.inf)
            forced[prefix[step]] = log_probs[prefix[step]]
            return forced
        log_probs = log_probs.copy()
        if tuple(emitted_tokens) == tuple(prefix[:step]):
            log_probs[prefix[step]] += bias
        return log_probs

    return adjust


PREFIXES = [[2, 0, 2], [1]]


@pytest.mark.parametrize("bias", [None, 1.5])
@pytest.mark.parametrize("alpha", [0.0, 0.8])
def test_exhaustive_beam_with_prefixes_equals_brute_force(bias, alpha):
    rng = np.random.default_rng(5)
    vocab_size, max_length = 4, 4
    model = TableModel(random_tables(rng, 2, max_length, vocab_size))
    kwargs = dict(start_id=0, end_id=3, max_length=max_length)
    state, _ = model.initial_state()
    padded = np.array([[2, 0, 2], [1, -1, -1]], "int32")
    result = BeamSearch(
        exhaustive_width(vocab_size, max_length), length_penalty=alpha, num_return=4
    )(model.step_fn, state, prefix=padded if bias is None else ForcedPrefix(padded, bias), **kwargs)
    adjusts = [ref_prefix(p, bias) for p in PREFIXES]
    check_against_brute_force(
        model,
        2,
        to_numpy(result.ids),
        to_numpy(result.scores),
        alpha=alpha,
        adjust=adjusts,
        min_length=0,
        **kwargs,
    )
    if bias is None:
        for row, prefix in enumerate(PREFIXES):
            for ids in to_numpy(result.ids)[row]:
                assert list(ids[: len(prefix)]) == prefix


@pytest.mark.parametrize(
    "strategy", [GreedySearch(), BeamSearch(3, num_return=3), Sampling(seed=2)], ids=repr
)
def test_forced_prefixes_start_every_output_and_are_scored_by_the_model(strategy):
    model = RNNModel(seed=12, batch_size=3, vocab_size=6, scale=3.0)
    kwargs = dict(start_id=0, end_id=5, max_length=6)
    state, _ = model.initial_state()
    prefixes = [[4, 4, 1], [], [2]]
    result = strategy(model.step_fn, state, prefix=prefixes, **kwargs)
    ids, scores = to_numpy(result.ids), to_numpy(result.scores)
    for row, prefix in enumerate(prefixes):
        for k in range(strategy.num_return):
            tokens = emitted(ids[row, k], 5)
            assert list(tokens[: len(prefix)]) == prefix
            expected = teacher_forced_score(model, row, tokens, start_id=0, end_id=5)
            np.testing.assert_allclose(scores[row, k], expected, atol=1e-5)
    shared = strategy(model.step_fn, state, prefix=ForcedPrefix([3, 1]), **kwargs)
    assert (to_numpy(shared.ids)[:, :, :2] == [3, 1]).all()
    with pytest.raises(ValueError, match="prefix"):
        strategy(model.step_fn, state, prefix=[[1], [2]], **kwargs)


def test_a_soft_prefix_can_be_left():
    tables = np.full((1, 3, 4, 4), -1.0)
    tables[0, 0, 0, 1] = 5.0  # the model much prefers 1 first
    model = TableModel(tables)
    kwargs = dict(start_id=0, end_id=3, max_length=3)
    state, _ = model.initial_state()
    soft = GreedySearch()(model.step_fn, state, prefix=ForcedPrefix([2], bias=1.0), **kwargs)
    strong = GreedySearch()(model.step_fn, state, prefix=ForcedPrefix([2], bias=9.0), **kwargs)
    assert to_numpy(soft.ids)[0, 0, 0] == 1 and to_numpy(strong.ids)[0, 0, 0] == 2
