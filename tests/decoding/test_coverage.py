"""Beam search's GNMT coverage penalty: exhaustive beams against brute-force enumeration,
and an attention RNNDecoder's beam scores against its teacher-forced attention."""

import itertools

import keras
import numpy as np
import pytest

import keras_seq
from keras_seq.decoding import BeamSearch, DecodingLayer, GreedySearch, Sampling, beam_search
from tests.decoding.decoding_fakes import (
    assert_padded,
    emitted,
    exhaustive_width,
    masked_log_softmax,
    penalty,
    to_numpy,
)

pytestmark = pytest.mark.backend_neutral


class AttentionTable:
    """Logits and attention read from tables indexed by (row, step, previous token)."""

    def __init__(self, rng, batch_size, steps, vocab_size, source_length):
        self.logits = rng.normal(size=(batch_size, steps, vocab_size, vocab_size)) * 2
        scores = rng.normal(size=(batch_size, steps, vocab_size, source_length)) * 2
        self.mask = np.ones((batch_size, source_length), bool)
        self.mask[0, -1] = False  # row 0 has one padding position
        scores = np.where(self.mask[:, None, None, :], scores, -np.inf)
        self.weights = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
        self.batch_size, self.steps, self.vocab_size = batch_size, steps, vocab_size

    def state(self):
        flat = lambda x: x.reshape(self.batch_size, -1, x.shape[-1]).astype("float32")  # noqa: E731
        return {"step": np.zeros(self.batch_size, "int32"), "logits": flat(self.logits),
                "weights": flat(self.weights), "mask": self.mask}  # fmt: skip

    def step_fn(self, token_ids, state):
        from keras import ops

        index = (state["step"] * self.vocab_size + token_ids)[:, None, None]
        logits = ops.take_along_axis(state["logits"], index, axis=1)[:, 0]
        weights = ops.take_along_axis(state["weights"], index, axis=1)[:, 0]
        return logits, dict(state, step=state["step"] + 1), (weights, state["mask"])

    def brute_force(self, row, *, start_id, end_id, max_length, alpha, beta):
        results = []
        for length in range(1, max_length + 1):
            for tokens in itertools.product(range(self.vocab_size), repeat=length):
                if end_id in tokens[:-1] or (length < max_length and tokens[-1] != end_id):
                    continue
                previous, total, coverage = start_id, 0.0, 0.0
                for step, token in enumerate(tokens):
                    table = self.logits[row, step, previous]
                    total += masked_log_softmax(table, step, end_id, 0)[token]
                    coverage = coverage + self.weights[row, step, previous]
                    previous = token
                logs = np.log(np.minimum(coverage[self.mask[row]], 1.0))
                results.append((total / penalty(length, alpha) + beta * logs.sum(), tokens))
        return sorted(results, key=lambda item: -item[0])


@pytest.mark.parametrize("alpha, beta", [(0.0, 0.4), (0.7, 2.0)])
def test_exhaustive_beam_with_coverage_equals_brute_force(alpha, beta):
    model = AttentionTable(np.random.default_rng(3), 2, 3, 3, 4)
    kwargs = dict(start_id=0, end_id=2, max_length=3)
    ids, scores = beam_search(
        model.step_fn,
        model.state(),
        beam_width=exhaustive_width(3, 3),
        num_return=4,
        length_penalty=alpha,
        coverage_penalty=beta,
        **kwargs,
    )
    ids, scores = to_numpy(ids), to_numpy(scores)
    for row in range(2):
        expected = model.brute_force(row, alpha=alpha, beta=beta, **kwargs)
        np.testing.assert_allclose(scores[row], [s for s, _ in expected[:4]], atol=1e-4)
        for j in range(4):
            assert_padded(ids[row, j], 2)
            assert emitted(ids[row, j], 2) == expected[j][1]


def test_coverage_changes_the_ranking():
    model = AttentionTable(np.random.default_rng(3), 2, 3, 3, 4)
    kwargs = dict(start_id=0, end_id=2, max_length=3, beam_width=exhaustive_width(3, 3))
    without_attention = lambda t, s: model.step_fn(t, s)[:2]  # noqa: E731
    plain = to_numpy(beam_search(without_attention, model.state(), **kwargs)[0])
    covered = to_numpy(beam_search(model.step_fn, model.state(), coverage_penalty=5.0, **kwargs)[0])
    assert (plain[:, 0] != covered[:, 0]).any()


def test_rnn_decoder_beam_scores_include_its_attention_coverage():
    decoder = keras_seq.layers.RNNDecoder(7, 4, 8, attention="luong")
    rng = np.random.default_rng(0)
    memory = rng.normal(size=(2, 5, 8)).astype("float32")
    memory_mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    inputs = {"memory": memory, "memory_mask": memory_mask}
    beta, alpha = 0.7, 0.5
    strategy = BeamSearch(3, length_penalty=alpha, num_return=2, coverage_penalty=beta)
    layer = DecodingLayer(decoder, strategy, max_length=4)
    result = layer(decoder_inputs=inputs)
    ids, scores, lengths = (to_numpy(x) for x in result)
    for row in range(2):
        for j in range(2):
            tokens = ids[row, j, : lengths[row, j]]
            target = np.concatenate([[1], tokens[:-1]])[None].astype("int32")
            logits, weights = decoder(
                target,
                memory=memory[row : row + 1],
                memory_mask=memory_mask[row : row + 1],
                return_attention=True,
            )
            log_probs = to_numpy(logits)[0].astype("float64")
            log_probs = log_probs - np.log(np.exp(log_probs).sum(-1, keepdims=True))
            total = log_probs[np.arange(len(tokens)), tokens].sum()
            coverage = to_numpy(weights)[0].sum(0)[memory_mask[row]]
            expected = (
                total / penalty(len(tokens), alpha) + beta * np.log(np.minimum(coverage, 1.0)).sum()
            )
            np.testing.assert_allclose(scores[row, j], expected, atol=1e-4)


def test_coverage_needs_the_attention():
    model = AttentionTable(np.random.default_rng(3), 1, 2, 3, 2)
    with pytest.raises(TypeError, match="attention"):
        beam_search(
            lambda t, s: model.step_fn(t, s)[:2], model.state(), start_id=0, end_id=2,
            beam_width=2, max_length=2, coverage_penalty=1.0,
        )  # fmt: skip
    with pytest.raises(ValueError, match="coverage_penalty"):
        BeamSearch(coverage_penalty=-1.0)
    decoder = keras_seq.layers.RNNDecoder(7, 4, 8)
    state, constants = decoder.start(1)
    with pytest.raises(ValueError, match="attention"):
        DecodingLayer(decoder, BeamSearch(2, coverage_penalty=1.0), max_length=3)(state, constants)
    stepper = StepOnly(decoder)  # a decoder whose step cannot report attention
    message = "`coverage_penalty` needs a decoder whose `step` can return its attention"
    with pytest.raises(ValueError, match=message):
        DecodingLayer(stepper, BeamSearch(2, coverage_penalty=1.0), max_length=3)(state, constants)


def test_coverage_takes_a_step_with_keyword_arguments():
    """A wrapping decoder whose `step` forwards `**kwargs` can return attention: the
    layer passes `return_attention=True` through it and scores as the wrapped one."""
    decoder = keras_seq.layers.RNNDecoder(7, 4, 8, attention="luong")
    rng = np.random.default_rng(1)
    inputs = {
        "memory": rng.normal(size=(2, 5, 8)).astype("float32"),
        "memory_mask": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool),
    }
    state, constants = decoder.start(2, **inputs)
    strategy = BeamSearch(3, coverage_penalty=0.7)
    expected = DecodingLayer(decoder, strategy, max_length=4)(state, constants)
    forwarding = KeywordStep(decoder)
    received = DecodingLayer(forwarding, strategy, max_length=4)(state, constants)
    for want, got in zip(expected, received):
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), atol=1e-6)


class KeywordStep(keras.layers.Layer):
    """A decoder that forwards its step's keyword arguments to a wrapped one."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder, self.vocab_size = decoder, decoder.vocab_size

    def step(self, token_ids, state, constants=None, **kwargs):
        return self.decoder.step(token_ids, state, constants, **kwargs)


class StepOnly(keras.layers.Layer):
    """The step contract's minimum: `step` and `vocab_size`, no attention output."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder, self.vocab_size = decoder, decoder.vocab_size

    def step(self, token_ids, state, constants=None):
        return self.decoder.step(token_ids, state, constants)


@pytest.mark.tensorflow_only
def test_groups_coverage_processors_and_prefixes_agree_under_xla():
    import tensorflow as tf

    from keras_seq.decoding import NoRepeatNGram, RepetitionPenalty, SuppressSequences

    model = AttentionTable(np.random.default_rng(8), 3, 5, 5, 4)
    processors = [RepetitionPenalty(1.5), NoRepeatNGram(2), SuppressSequences([[1, 2]])]
    strategy = BeamSearch(
        4, num_return=3, processors=processors, coverage_penalty=0.3, num_groups=2,
        diversity_strength=0.7,
    )  # fmt: skip
    prefix = np.array([[3, 3], [1, -1], [-1, -1]], "int32")

    def decode(state, prefix):
        return strategy(model.step_fn, state, start_id=0, end_id=4, max_length=5, prefix=prefix)

    state = model.state()
    expected = decode(state, prefix)
    assert (to_numpy(expected.ids)[0, :, :2] == 3).all()
    result = tf.function(decode, jit_compile=True)(state, prefix)
    np.testing.assert_array_equal(to_numpy(result.ids), to_numpy(expected.ids))
    np.testing.assert_allclose(to_numpy(result.scores), to_numpy(expected.scores), atol=1e-5)


@pytest.mark.tensorflow_only
def test_a_prefix_tensor_with_a_dynamic_batch_in_graph():
    import tensorflow as tf

    from keras_seq.decoding import GreedySearch, NoRepeatNGram

    model = AttentionTable(np.random.default_rng(8), 3, 4, 5, 4)
    strategy = GreedySearch(processors=[NoRepeatNGram(2)])
    state, prefix = model.state(), np.array([[3, 3], [1, -1], [-1, -1]], "int32")

    def decode(state, prefix):
        step_fn = lambda t, s: model.step_fn(t, s)[:2]  # noqa: E731
        return strategy(step_fn, state, start_id=0, end_id=4, max_length=4, prefix=prefix)

    signature = [
        tf.nest.map_structure(lambda x: tf.TensorSpec((None,) + x.shape[1:], x.dtype), state),
        tf.TensorSpec((None, None), tf.int32),
    ]
    expected = decode(state, prefix)
    result = tf.function(decode, input_signature=signature)(state, prefix)
    np.testing.assert_array_equal(to_numpy(result.ids), to_numpy(expected.ids))
    assert to_numpy(result.ids)[0, 0, :2].tolist() == [3, 3]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("strategy_class", [GreedySearch, Sampling])
def test_greedy_and_sampling_processors_agree_under_xla(strategy_class):
    import tensorflow as tf

    from keras_seq.decoding import ForcedPrefix, NoRepeatNGram, RepetitionPenalty, SuppressSequences

    model = AttentionTable(np.random.default_rng(9), 3, 5, 5, 4)
    processors = [
        ForcedPrefix([3], bias=2.0),
        RepetitionPenalty(1.5),
        NoRepeatNGram(2),
        SuppressSequences([[1, 2]]),
    ]
    settings = {"seed": 4} if strategy_class is Sampling else {}
    strategy = strategy_class(processors=processors, **settings)

    def step_fn(token_ids, state):
        return model.step_fn(token_ids, state)[:2]  # no attention without a coverage penalty

    def decode(state):
        return strategy(step_fn, state, start_id=0, end_id=4, max_length=5)

    state = model.state()
    expected = decode(state)
    result = tf.function(decode, jit_compile=True)(state)
    np.testing.assert_array_equal(to_numpy(result.ids), to_numpy(expected.ids))
    np.testing.assert_allclose(to_numpy(result.scores), to_numpy(expected.scores), atol=1e-5)
