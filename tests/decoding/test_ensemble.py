"""Ensemble: several models decoded as one, checked against brute force on a tiny vocabulary.

Backend-neutral: under JAX the ensemble decodes with `jax.jit`, as the models do."""

import itertools
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

from keras_seq.decoding import BeamSearch, Ensemble, GreedySearch, Sampling
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import Seq2Seq

pytestmark = pytest.mark.backend_neutral

VOCAB = 5  # 0 padding, 1 start, 2 end, 3 and 4 words
LENGTH = 3
SOURCE = np.array([[3, 4, 5, 2], [6, 2, 0, 0]], "int32")


def member(seed, vocab=VOCAB, attention="luong"):
    keras.utils.set_random_seed(seed)
    model = Seq2Seq(
        RNNEncoder(8, 4, 6), RNNDecoder(vocab, 4, 6, attention=attention), max_length=LENGTH
    )
    model.build()
    for weight in model.weights:  # sharper distributions than the initial near-uniform ones
        weight.assign(weight * 3.0)
    return model


@pytest.fixture(scope="module")
def members():
    return [member(1), member(2, attention=None)]


def member_log_probs(model, sources, sequences):
    """float64 `(rows, LENGTH, VOCAB)` log-softmax of `model.decoder.step`, token by token."""
    sources = ops.convert_to_tensor(sources)
    state, constants = model.decoder.start(sources.shape[0], **model.decoder_start(sources))
    tokens = np.full(sources.shape[0], model.start_id, "int32")
    columns = []
    for column in sequences.T:
        logits, state = model.decoder.step(ops.convert_to_tensor(tokens), state, constants)
        logits = ops.convert_to_numpy(logits).astype("float64")
        columns.append(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))
        tokens = np.maximum(column, 1).astype("int32")  # after the end: anything real
    return np.stack(columns, axis=1)


def all_outputs():
    """Every output the decoders can emit (ids 0 and 1 are never emitted): those that
    end with the end token, and those cut at LENGTH."""
    outputs = []
    for length in range(1, LENGTH + 1):
        for words in itertools.product((3, 4), repeat=length - 1):
            outputs.append([*words, 2])
    outputs += [list(words) for words in itertools.product((3, 4), repeat=LENGTH)]
    return np.array([row + [0] * (LENGTH - len(row)) for row in outputs], "int32")


def brute_force(members, source_row, average, alpha=0.0):
    """`(outputs, per-token log-probs, scores)` of every output under the averaged
    distribution, in float64 NumPy."""
    outputs = all_outputs()
    sources = np.repeat(source_row[None], len(outputs), axis=0)
    stacked = np.stack([member_log_probs(m, sources, outputs) for m in members])
    if average == "probs":
        combined = np.log(np.exp(stacked).mean(axis=0))
    else:
        mean = stacked.mean(axis=0)
        combined = mean - np.log(np.exp(mean).sum(axis=-1, keepdims=True))
    chosen = np.take_along_axis(combined, np.maximum(outputs, 0)[..., None], -1)[..., 0]
    chosen = np.where(outputs != 0, chosen, 0.0)
    lengths = (outputs != 0).sum(axis=1)
    return outputs, chosen, chosen.sum(axis=1) / ((5 + lengths) / 6) ** alpha


@pytest.mark.parametrize("average, alpha", [("log_probs", 0.0), ("log_probs", 0.7), ("probs", 0.0)])
def test_beam_search_finds_the_brute_force_best_of_the_averaged_distribution(
    members, average, alpha
):
    ensemble = Ensemble(members, average=average)
    strategy = BeamSearch(beam_width=8, num_return=3, length_penalty=alpha)
    ids, scores = ensemble.generate(SOURCE, decoding=strategy, return_scores=True)
    for row in range(len(SOURCE)):
        outputs, _, reference = brute_force(members, SOURCE[row], average, alpha)
        order = np.argsort(-reference)
        assert reference[order[2]] - reference[order[3]] > 1e-4  # the top 3 are well defined
        np.testing.assert_array_equal(ids[row], outputs[order[:3]])
        np.testing.assert_allclose(scores[row], reference[order[:3]], atol=1e-4)
    np.testing.assert_allclose(
        ensemble.score(np.repeat(SOURCE, 3, axis=0), ids.reshape(6, -1), length_penalty=alpha),
        scores.reshape(-1),
        atol=1e-4,
    )


def test_greedy_search_follows_the_averaged_distribution(members):
    ids, scores = Ensemble(members).generate(SOURCE, decoding="greedy", return_scores=True)
    for row in range(len(SOURCE)):
        outputs, token_log_probs, _ = brute_force(members, SOURCE[row], "log_probs")
        path, total = [], 0.0
        for step in range(LENGTH):  # the best next token after the greedy prefix
            rows = [i for i, out in enumerate(outputs) if list(out[:step]) == path]
            best = max(rows, key=lambda i: token_log_probs[i, step])
            path.append(int(outputs[best, step]))
            total += token_log_probs[best, step]
            if path[-1] == 2:
                break
        np.testing.assert_array_equal(ids[row, : len(path)], path)
        np.testing.assert_allclose(scores[row], total, atol=1e-4)


def test_an_ensemble_of_one_is_the_model(members):
    model, ensemble = members[0], Ensemble(members[:1])
    for strategy in (GreedySearch(), BeamSearch(beam_width=3, num_return=2)):
        expected_ids, expected_scores = model.generate(SOURCE, strategy, return_scores=True)
        ids, scores = ensemble.generate(SOURCE, strategy, return_scores=True)
        np.testing.assert_array_equal(ids, expected_ids)
        np.testing.assert_allclose(scores, expected_scores, atol=1e-5)


@pytest.mark.tensorflow_only
def test_xla_decodes_an_ensemble_as_eager_graph_does(members):
    import tensorflow as tf

    ensemble = Ensemble(members)
    layer = ensemble.decoding_layer(BeamSearch(beam_width=2))
    compiled = tf.function(lambda source: ensemble.decode(source, layer), jit_compile=True)
    result = compiled(tf.constant(SOURCE))
    ids, scores = ensemble.generate(SOURCE, BeamSearch(beam_width=2), return_scores=True)
    np.testing.assert_array_equal(result.ids[:, 0].numpy(), ids)
    np.testing.assert_allclose(result.scores[:, 0].numpy(), scores, atol=1e-5)


def test_generate_compiles_once_for_new_source_lengths(members):
    """One trace for sources of 4 and 5 columns: a `tf.function` of any length, or a
    `jax.jit` of sources padded to 16 columns; the extra padding changes nothing."""
    ensemble = Ensemble(members, decoding=BeamSearch(beam_width=2))
    traced = []
    decode = ensemble.decode
    ensemble.decode = lambda inputs, layer: traced.append(inputs.shape) or decode(inputs, layer)
    ids, scores = ensemble.generate(SOURCE, return_scores=True)
    padded = np.pad(SOURCE, [[0, 0], [0, 1]])
    padded_ids, padded_scores = ensemble.generate(padded, return_scores=True)
    assert len(traced) == 1
    np.testing.assert_array_equal(padded_ids, ids)
    np.testing.assert_allclose(padded_scores, scores, atol=1e-5)


@pytest.mark.tensorflow_only
def test_xla_generate_decodes_as_the_plain_one(members):
    ensemble = Ensemble(members, decoding=BeamSearch(beam_width=8, num_return=3))
    ids, scores = ensemble.generate(SOURCE, return_scores=True)
    xla_ids, xla_scores = ensemble.generate(SOURCE, return_scores=True, jit_compile=True)
    np.testing.assert_array_equal(xla_ids, ids)
    np.testing.assert_allclose(xla_scores, scores, atol=1e-5)
    with pytest.raises(TypeError, match="jit_compile"):
        ensemble.generate(SOURCE, jit_compile=1)


def test_sampling_draws_from_the_ensemble(members):
    ensemble = Ensemble(members, decoding=Sampling(seed=4))
    ids, scores = ensemble.generate(np.repeat(SOURCE, 4, axis=0), return_scores=True)
    np.testing.assert_allclose(ensemble.score(np.repeat(SOURCE, 4, axis=0), ids), scores, atol=1e-4)


def test_keras_round_trip_decodes_the_same(members, tmp_path):
    ensemble = Ensemble(members, decoding="beam", average="probs")
    expected = ensemble.generate(SOURCE, return_scores=True)
    ensemble.save(tmp_path / "ensemble.keras")
    loaded = keras.saving.load_model(tmp_path / "ensemble.keras")
    assert loaded.average == "probs" and len(loaded.members) == 2
    for got, want in zip(loaded.generate(SOURCE, return_scores=True), expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize(
    "models, kwargs, error, words",
    [
        (lambda m: [], {}, ValueError, "`models` must not be empty"),
        (lambda m: m[0], {}, TypeError, "models"),
        (lambda m: [m[0], "model"], {}, TypeError, r"models\[1\]"),
        (lambda m: [m[0], member(3, vocab=7)], {}, ValueError, r"vocab_size=\[5, 7\]"),
        (lambda m: m, {"average": "max"}, ValueError, "average"),
        (lambda m: m, {"max_length": 0}, ValueError, "max_length"),
    ],
)
def test_bad_members_are_named(members, models, kwargs, error, words):
    with pytest.raises(error, match=words):
        Ensemble(models(members), **kwargs)


@pytest.mark.tensorflow_only
def test_an_exported_ensemble_serves_strings_in_a_fresh_process(tmp_path):
    import keras_seq as ks
    from keras_seq.export import export_text_model
    from tests.test_export import SERVE

    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt(["one two three", "three two one"])
    target.adapt(["un deux trois", "trois deux un"])
    models = [
        Seq2Seq(
            RNNEncoder(source.vocabulary_size, 4, 8),
            RNNDecoder(target.vocabulary_size, 4, 8, attention="luong"),
            max_length=5,
        )
        for _ in range(2)
    ]
    ensemble = Ensemble(models)
    texts = ["one two", "three", "zzz"]
    strategy = GreedySearch()  # the cheapest trace; beam search in a graph: the XLA test
    expected, scores = ks.TextGenerator(ensemble, target, source, decoding=strategy)(texts)
    _, generated_scores = ensemble.generate(source.encode(texts), strategy, return_scores=True)
    np.testing.assert_allclose(scores, generated_scores, atol=1e-5)
    ranked = ks.decoding.rescore(ensemble, source, target, texts[:1], [["un deux", "trois"]])
    candidate_ids = ops.convert_to_numpy(target.encode(["un deux", "trois"]))
    source_ids = np.repeat(ops.convert_to_numpy(source.encode(texts[:1])), 2, axis=0)
    by_score = ensemble.score(source_ids, candidate_ids)
    assert sorted(score for _, score in ranked[0]) == pytest.approx(sorted(by_score), abs=1e-6)
    path = export_text_model(ensemble, tmp_path / "ensemble", source, target, decoding=strategy)
    result = subprocess.run(
        [sys.executable, "-c", SERVE, path, json.dumps(texts)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["outputs"] == expected
    np.testing.assert_allclose(served["scores"], scores, atol=1e-5)
