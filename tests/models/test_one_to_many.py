"""OneToMany: a label or a vector conditions a generated sequence."""

import json

import keras
import numpy as np
import pytest

from keras_seq.decoding import Sampling
from keras_seq.layers import RNNDecoder
from keras_seq.models import OneToMany
from tests.keras_checks import assert_all_close
from tests.models.seq2seq_tasks import expected_outputs

pytestmark = pytest.mark.backend_neutral

# Class c is a fixed "melody": ascending from token 3 + c, of length 4 + c.
MELODIES = np.zeros((3, 6), "int32")
for label in range(3):
    MELODIES[label, : 4 + label] = np.arange(3 + label, 7 + 2 * label)


def label_model(every_step, cell="lstm"):
    decoder = RNNDecoder(14, 16, 32, cell=cell, conditioning_dim=16 if every_step else 0)
    return OneToMany(decoder, num_classes=3, condition_dim=16, every_step=every_step, max_length=8)


def fitted(model, conditions, targets, epochs=60):
    model.compile(keras.optimizers.Adam(2e-2))
    model.fit(conditions, targets, epochs=epochs, batch_size=len(targets), verbose=0)
    return model


@pytest.mark.parametrize("every_step", [False, True])
def test_a_label_conditions_the_generated_sequence(every_step):
    """60 full-batch Adam steps on 3 labelled sequences: each label regenerates its own."""
    labels = np.tile(np.arange(3), 10)
    model = fitted(label_model(every_step), labels, MELODIES[labels])
    for method in ("greedy", "beam"):
        generated = keras.ops.convert_to_numpy(model.generate(np.arange(3), decoding=method))
        np.testing.assert_array_equal(generated, expected_outputs(MELODIES, 8))


def test_a_vector_conditions_the_generated_sequence():
    rng = np.random.RandomState(0)
    labels = np.tile(np.arange(3), 10)
    vectors = np.eye(3, dtype="float32")[labels] + 0.05 * rng.randn(30, 3).astype("float32")
    decoder = RNNDecoder(14, 16, 32, cell="gru")
    model = fitted(OneToMany(decoder, input_dim=3, max_length=8), vectors, MELODIES[labels])
    generated = keras.ops.convert_to_numpy(
        model.generate(np.eye(3, dtype="float32"), decoding="greedy")
    )
    np.testing.assert_array_equal(generated, expected_outputs(MELODIES, 8))


def test_sampling_is_reproducible_and_top_k_one_is_greedy():
    model = fitted(label_model(True), np.arange(3), MELODIES, epochs=5)
    first = model.generate(np.arange(3), decoding=Sampling(temperature=0.8, seed=3))
    again = model.generate(np.arange(3), decoding=Sampling(temperature=0.8, seed=3))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(
        model.generate(np.arange(3), decoding=Sampling(top_k=1, seed=5)),
        model.generate(np.arange(3), decoding="greedy"),
    )


@pytest.mark.parametrize("every_step", [False, True])
def test_keras_round_trip_gives_identical_generations(every_step, tmp_path):
    model = fitted(label_model(every_step, cell="gru"), np.arange(3), MELODIES, epochs=3)
    model.save(tmp_path / "one_to_many.keras")
    loaded = keras.models.load_model(tmp_path / "one_to_many.keras")
    for method in ("greedy", "beam"):
        assert_all_close(
            loaded.generate(np.arange(3), decoding=method, return_scores=True),
            model.generate(np.arange(3), decoding=method, return_scores=True),
        )
    assert json.loads(json.dumps(loaded.get_config())) == json.loads(json.dumps(model.get_config()))


def test_bad_arguments_and_inputs():
    decoder = RNNDecoder(14, 8, 8)
    with pytest.raises(ValueError, match="exactly one of `num_classes`"):
        OneToMany(decoder)
    with pytest.raises(ValueError, match="attention=None"):
        OneToMany(RNNDecoder(14, 8, 8, attention="luong"), num_classes=3)
    with pytest.raises(ValueError, match="`conditioning_dim` must be 8"):
        OneToMany(decoder, num_classes=3, every_step=True)
    model = OneToMany(decoder, num_classes=3)
    with pytest.raises(ValueError, match="ids in \\[0, 3\\)"):
        model.generate(np.array([0, 3]))
    with pytest.raises(ValueError, match="shape \\(batch_size,\\)"):
        model.generate(np.array([[0, 1]]))
    with pytest.raises(ValueError, match="empty batch"):
        model.generate(np.zeros((0,), "int32"))
    with pytest.raises(ValueError, match="must have 4 features"):
        OneToMany(RNNDecoder(14, 8, 8), input_dim=4).generate(np.zeros((2, 3), "float32"))
