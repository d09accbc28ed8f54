"""TextGenerator: the one strings-to-strings path, eagerly and in graph."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks

PAIRS = [
    ("one two three", "un deux trois"),
    ("three two one", "trois deux un"),
    ("two three", "deux trois"),
    ("one", "un"),
]


@pytest.fixture(scope="module")
def translator():
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in PAIRS])
    target.adapt([t for _, t in PAIRS])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 16, 32),
        ks.layers.RNNDecoder(target.vocabulary_size, 16, 32, attention="luong"),
        max_length=6,
    )
    model.compile(keras.optimizers.Adam(2e-2))
    model.fit(
        source.encode([s for s, _ in PAIRS] * 8),
        target.encode([t for _, t in PAIRS] * 8, add_end=False),
        epochs=30,
        verbose=0,
    )
    return model, source, target


def reference_texts(model, source, target, texts, decoding):
    """generate, then the tokenizer's decode: the path TextGenerator must equal."""
    ids, scores = model.generate(source.encode(texts), decoding=decoding, return_scores=True)
    return [target.decode(row) for row in ids], scores


@pytest.mark.parametrize("decoding", ["greedy", ks.decoding.BeamSearch(beam_width=3)])
def test_eager_call_equals_generate_and_decode(translator, decoding):
    model, source, target = translator
    texts = [s for s, _ in PAIRS]
    outputs, scores = ks.TextGenerator(model, target, source, decoding=decoding)(texts)
    expected, expected_scores = reference_texts(model, source, target, texts, decoding)
    assert outputs == expected == [t for _, t in PAIRS]  # learned, and the same path
    assert all(isinstance(text, str) for text in outputs)
    assert isinstance(scores, np.ndarray) and scores.shape == (4,)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)


def test_n_best_lists_and_graph_mode(translator):
    model, source, target = translator
    generator = ks.TextGenerator(
        model, target, source, decoding=ks.decoding.BeamSearch(beam_width=3, num_return=2)
    )
    outputs, scores = generator(["one two three", "one"])
    assert [len(row) for row in outputs] == [2, 2] and scores.shape == (2, 2)
    assert outputs[0][0] == "un deux trois" and scores[0, 0] >= scores[0, 1]
    graph_outputs, graph_scores = tf.function(generator)(tf.constant(["one two three", "one"]))
    assert graph_outputs.dtype == tf.string and tuple(graph_outputs.shape) == (2, 2)
    assert [[t.decode() for t in row] for row in graph_outputs.numpy()] == outputs
    np.testing.assert_allclose(graph_scores.numpy(), scores, atol=1e-5)


def test_max_length_is_honoured(translator):
    model, source, target = translator
    outputs, _ = ks.TextGenerator(model, target, source, decoding="greedy", max_length=2)(
        ["one two three"]
    )
    assert outputs == ["un deux"]


def test_one_to_many_generates_from_labels():
    target = ks.data.WordTokenizer()
    target.adapt(["la la", "do re mi"])
    decoder = ks.layers.RNNDecoder(target.vocabulary_size, 8, 16)
    model = ks.models.OneToMany(decoder, num_classes=2, max_length=5)
    model.compile(keras.optimizers.Adam(3e-2))
    labels = np.tile([0, 1], 8)
    model.fit(labels, target.encode(["la la", "do re mi"] * 8, add_end=False), epochs=40, verbose=0)
    outputs, scores = ks.TextGenerator(model, target, decoding="greedy")(np.array([1, 0]))
    assert outputs == ["do re mi", "la la"] and scores.shape == (2,)
    with pytest.raises(ValueError, match=r"ids in \[0, 2\)"):
        ks.TextGenerator(model, target)(np.array([2]))
    with pytest.raises(ValueError, match="takes labels or vectors"):
        ks.TextGenerator(model, target, target)


def test_bad_inputs_and_arguments(translator):
    model, source, target = translator
    generator = ks.TextGenerator(model, target, source)
    with pytest.raises(ValueError, match="`inputs` must not be empty"):
        generator([])
    with pytest.raises(ValueError, match="empty batch"):
        generator(tf.constant([], tf.string))
    with pytest.raises(TypeError, match="must contain only strings"):
        generator([["one", "two"]])
    with pytest.raises(ValueError, match="inputs"):
        generator(tf.constant([["one", "two"]]))
    with pytest.raises(TypeError, match="source_tokenizer"):
        ks.TextGenerator(model, target)
    with pytest.raises(TypeError, match="`model` must be"):
        ks.TextGenerator(ks.models.ManyToOne(vocab_size=5, units=4), target, source)
    with pytest.raises(ValueError, match="decoding='nucleus'"):
        ks.TextGenerator(model, target, source, decoding="nucleus")
