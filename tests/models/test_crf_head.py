"""ManyToMany(head="crf"): the loss, the Viterbi outputs, fit and the `.keras` round trip."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_seq.layers.crf import CRF
from keras_seq.models import ManyToMany, ManyToOne
from keras_seq.models.recurrent_model import RecurrentModel

IDS = np.array([[3, 4, 5, 6], [6, 7, 0, 0], [2, 0, 0, 0]], "int32")
TAGS = np.array([[1, 2, 0, 1], [2, 1, 0, 0], [1, 0, 0, 0]], "int32")


def tagger(units=4, **kwargs):
    keras.utils.set_random_seed(0)
    model = ManyToMany(vocab_size=10, units=units, num_outputs=3, head="crf", **kwargs)
    model.compile("adam")
    model.build((None, None))
    return model


def potentials(model, ids):
    """The per-step tag scores the CRF reads."""
    return RecurrentModel.call(model, ids, training=False)


# Not backend_neutral: eager calls to the CRF's scans are slow under JAX (its math is
# checked there in tests/layers/test_crf.py, and this wiring by the fit below).
def test_loss_is_the_mean_negative_log_likelihood_of_the_real_steps():
    model = tagger()
    scores = potentials(model, IDS)
    expected = -ops.convert_to_numpy(model.crf.log_likelihood(scores, TAGS, IDS != 0))

    def loss(sample_weight=None):  # as `evaluate` computes it (fit's test: see below)
        outputs = model(IDS, training=False)
        return model.compute_loss(IDS, TAGS, outputs, sample_weight, training=False)

    np.testing.assert_allclose(loss(), expected.mean(), rtol=1e-5)
    np.testing.assert_allclose(model.compute_loss(IDS, TAGS, scores), expected.mean(), rtol=1e-5)
    trailing_axis = model.compute_loss(IDS, TAGS[..., None], scores)
    np.testing.assert_allclose(trailing_axis, expected.mean(), rtol=1e-5)
    weights = np.array([1.0, 0.0, 2.0], "float32")
    np.testing.assert_allclose(loss(weights), (expected * weights).mean(), rtol=1e-5)
    # Per-step weights: a zero weight leaves the step out of the sentence.
    step_weights = (IDS != 0).astype("float32")
    step_weights[0, 3] = 0.0
    first = -model.crf.log_likelihood(scores[:1, :3], TAGS[:1, :3])
    expected[0] = ops.convert_to_numpy(first)[0]
    np.testing.assert_allclose(loss(step_weights), expected.mean(), rtol=1e-5)


@pytest.mark.backend_neutral
def test_outputs_are_the_viterbi_path_one_hot_and_masked():
    model = tagger()
    model.crf.transitions.assign(np.random.default_rng(0).normal(size=(3, 3)) * 3)
    outputs = model.predict(IDS, verbose=0)
    assert outputs.shape == (3, 4, 3)
    path = ops.convert_to_numpy(model.crf.decode(potentials(model, IDS), IDS != 0))
    np.testing.assert_array_equal(outputs.argmax(-1), path)
    np.testing.assert_array_equal(outputs.sum(-1), (IDS != 0).astype("float32"))
    mask = model.compute_mask(IDS)
    assert ops.convert_to_numpy(mask).tolist() == (IDS != 0).tolist()


@pytest.mark.backend_neutral
def test_fit_learns_a_tagging_task():
    # Each word's tag is the class of the word before it (the first word's: tag 0).
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 10, (192, 6)).astype("int32")
    ids[np.arange(6)[None] >= rng.integers(2, 7, (192, 1))] = 0
    tags = np.where(ids != 0, np.pad(ids[:, :-1] % 3, ((0, 0), (1, 0))), 0).astype("int32")
    model = tagger(units=8)
    model.compile(keras.optimizers.Adam(0.05), weighted_metrics=["accuracy"])
    model.fit(ids, tags, epochs=6, batch_size=32, verbose=0)
    result = model.evaluate(ids, tags, verbose=0, return_dict=True)
    assert result["accuracy"] > 0.95, result


@pytest.mark.backend_neutral
def test_keras_file_round_trip(tmp_path):
    model = tagger(bidirectional=True)
    model.crf.transitions.assign(np.random.default_rng(1).normal(size=(3, 3)))
    model.save(tmp_path / "tagger.keras")
    loaded = keras.saving.load_model(tmp_path / "tagger.keras")
    assert loaded.head == "crf" and isinstance(loaded.crf, CRF)
    assert ManyToMany.from_config(model.get_config()).get_config() == model.get_config()
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded(IDS)), ops.convert_to_numpy(model(IDS))
    )
    assert loaded.compiled and loaded.loss is None


@pytest.mark.backend_neutral
def test_bad_settings_are_reported():
    model = tagger()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="without a loss"):
        model.evaluate(IDS, TAGS, verbose=0)
    with pytest.raises(ValueError, match="num_outputs=1"):
        ManyToMany(vocab_size=10, units=4, num_outputs=1, head="crf")
    with pytest.raises(ValueError, match="head='crf'"):
        ManyToOne(vocab_size=10, units=4, num_outputs=3, head="crf")
