"""Processors, coverage and diverse groups inside `generate` and an exported text model."""

import numpy as np
import pytest

import keras_seq as ks
from keras_seq.decoding import BeamSearch, ForcedPrefix, NoRepeatNGram, SuppressSequences

pytestmark = pytest.mark.tensorflow_only


def test_exported_translator_decodes_like_generate_with_every_option(tmp_path):
    import tensorflow as tf

    words = "one two three four five"
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([words])
    target.adapt([words.upper().lower()])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 8, 16),
        ks.layers.RNNDecoder(target.vocabulary_size, 8, 16, attention="luong"),
        max_length=6,
    )
    first = int(target.encode(["three"], add_end=False)[0][0])
    strategy = BeamSearch(
        4,
        num_return=2,
        processors=[NoRepeatNGram(1), SuppressSequences([[first, first]]), ForcedPrefix([first])],
        coverage_penalty=0.2,
        num_groups=2,
        diversity_strength=0.5,
    )
    texts = ["one two", "five four three", ""]
    ids, scores = model.generate(source.encode(texts), decoding=strategy, return_scores=True)
    ids = np.asarray(ids)
    assert (ids[:, :, 0] == first).all()
    path = ks.export.export_text_model(model, tmp_path / "m", source, target, decoding=strategy)
    served = tf.saved_model.load(path).signatures["serving_default"](texts=tf.constant(texts))
    expected = [[target.decode(ids[:, j])[i] for j in range(2)] for i in range(len(texts))]
    got = served["outputs"].numpy().tolist()
    assert [[t.decode() for t in row] for row in got] == [
        [t.decode() if isinstance(t, bytes) else t for t in row] for row in expected
    ]
    np.testing.assert_allclose(served["scores"].numpy(), np.asarray(scores), atol=1e-5)
