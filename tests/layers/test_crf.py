import itertools

import keras
import numpy as np
import pytest
from keras import ops

from keras_seq.layers.crf import CRF

NUM_TAGS = 3


def random_crf(seed):
    rng = np.random.default_rng(seed)
    crf = CRF()
    crf.build((None, None, NUM_TAGS))
    crf.transitions.assign(rng.normal(size=(NUM_TAGS, NUM_TAGS)).astype("float32"))
    crf.start_scores.assign(rng.normal(size=NUM_TAGS).astype("float32"))
    crf.end_scores.assign(rng.normal(size=NUM_TAGS).astype("float32"))
    return crf


def path_score(crf, potentials, path):
    """The score of one tag path over a sequence's real steps, summed term by term."""
    transitions = ops.convert_to_numpy(crf.transitions)
    score = ops.convert_to_numpy(crf.start_scores)[path[0]]
    score += ops.convert_to_numpy(crf.end_scores)[path[-1]]
    score += sum(potentials[t, tag] for t, tag in enumerate(path))
    score += sum(transitions[a, b] for a, b in zip(path, path[1:]))
    return score


def brute_force(crf, potentials, mask):
    """(every path's score, all paths) over the real steps, enumerated."""
    real = potentials[mask]
    paths = list(itertools.product(range(NUM_TAGS), repeat=len(real)))
    return np.array([path_score(crf, real, path) for path in paths]), paths


def random_batch(right_padded, batch=8, timesteps=4):
    rng = np.random.default_rng(int(right_padded))
    potentials = rng.normal(size=(batch, timesteps, NUM_TAGS)).astype("float32") * 2
    tags = rng.integers(0, NUM_TAGS, (batch, timesteps)).astype("int32")
    if right_padded:
        lengths = 1 + np.arange(batch) % timesteps
        mask = np.arange(timesteps)[None] < lengths[:, None]
    else:  # any pattern: left padding, gaps
        mask = rng.random((batch, timesteps)) < 0.6
        mask[:, 0] |= ~mask.any(axis=1)
    mask[0], mask[-1] = False, True  # an empty row and a full one
    return potentials, tags, mask


# The brute-force checks share one batch per call: under JAX, every call outside
# `jit` traces the scans again, which costs more than the arithmetic.
@pytest.mark.backend_neutral
@pytest.mark.parametrize("right_padded", [True, False])
def test_log_likelihood_matches_enumeration(right_padded):
    crf = random_crf(int(right_padded))
    potentials, tags, mask = random_batch(right_padded)
    result = ops.convert_to_numpy(crf.log_likelihood(potentials, tags, mask))
    assert result[0] == 0.0  # no real step
    for row in range(1, len(potentials)):
        scores, _ = brute_force(crf, potentials[row], mask[row])
        log_partition = np.logaddexp.reduce(scores)
        gold = path_score(crf, potentials[row][mask[row]], tags[row][mask[row]])
        np.testing.assert_allclose(result[row], gold - log_partition, rtol=1e-5, atol=1e-5)


@pytest.mark.backend_neutral
@pytest.mark.parametrize("right_padded", [True, False])
def test_viterbi_matches_enumeration(right_padded):
    crf = random_crf(int(right_padded))
    potentials, _, mask = random_batch(right_padded)
    decoded = ops.convert_to_numpy(crf.decode(potentials, mask))
    one_hot = ops.convert_to_numpy(crf(potentials, mask=mask))
    for row in range(len(potentials)):
        if mask[row].any():
            scores, paths = brute_force(crf, potentials[row], mask[row])
            assert decoded[row][mask[row]].tolist() == list(paths[int(np.argmax(scores))])
        assert not decoded[row][~mask[row]].any()
    np.testing.assert_array_equal(one_hot.argmax(-1), decoded)
    np.testing.assert_array_equal(one_hot.sum(-1), mask.astype("float32"))


@pytest.mark.backend_neutral
def test_padding_is_invisible():
    crf = random_crf(3)
    rng = np.random.default_rng(3)
    potentials = rng.normal(size=(3, 6, NUM_TAGS)).astype("float32")  # padding: noise
    tags = rng.integers(0, NUM_TAGS, (3, 6)).astype("int32")
    mask = np.arange(6)[None] < np.array([[4], [2], [1]])
    # The same sentences, unpadded for the first (the longest), padded with zeros.
    trimmed = np.where(mask[:, :4, None], potentials[:, :4], 0.0)
    likelihoods, paths = [], []
    for batch, batch_mask in ((potentials, mask), (trimmed, mask[:, :4])):
        likelihood = crf.log_likelihood(batch, tags[:, : batch.shape[1]], batch_mask)
        likelihoods.append(ops.convert_to_numpy(likelihood))
        paths.append(ops.convert_to_numpy(crf.decode(batch, batch_mask)))
    np.testing.assert_allclose(likelihoods[0], likelihoods[1], rtol=1e-6)
    np.testing.assert_array_equal(paths[0][:, :4], paths[1])
    alone = crf.log_likelihood(potentials[:1, :4], tags[:1, :4])  # no mask at all
    np.testing.assert_allclose(ops.convert_to_numpy(alone), likelihoods[0][:1], rtol=1e-6)


@pytest.mark.backend_neutral
def test_training_call_passes_the_potentials_and_the_mask():
    crf = CRF()
    potentials = np.ones((2, 3, NUM_TAGS), "float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(crf(potentials, training=True)), potentials)
    inputs = keras.Input((None, NUM_TAGS))
    masked = keras.layers.Masking()(inputs)
    outputs = crf(masked)
    assert tuple(outputs.shape) == (None, None, NUM_TAGS)
    assert crf.compute_mask(masked, np.ones((2, 3), bool)).shape == (2, 3)


@pytest.mark.backend_neutral
def test_rejects_potentials_without_a_tag_axis():
    with pytest.raises(ValueError, match="num_tags"):
        CRF().build((2, 5))


@pytest.mark.backend_neutral
def test_keras_file_round_trip(tmp_path):
    inputs = keras.Input((None, 4))
    scores = keras.layers.Dense(NUM_TAGS)(keras.layers.Masking()(inputs))
    model = keras.Model(inputs, CRF(transitions_regularizer="l2", name="crf")(scores))
    model.get_layer("crf").transitions.assign(
        np.random.default_rng(0).normal(size=(NUM_TAGS, NUM_TAGS)).astype("float32")
    )
    features = np.random.default_rng(1).normal(size=(2, 5, 4)).astype("float32")
    features[1, 3:] = 0.0
    model.save(tmp_path / "crf.keras")
    loaded = keras.saving.load_model(tmp_path / "crf.keras")
    assert isinstance(loaded.get_layer("crf"), CRF)
    assert loaded.get_layer("crf").get_config() == model.get_layer("crf").get_config()
    expected = ops.convert_to_numpy(model(features))
    assert not expected[1, 3:].any()
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded(features)), expected)


@pytest.mark.tensorflow_only
def test_tensorflow_scan_still_needs_outputs_like_the_carry():
    # `CRF.decode` carries its int32 pointers with the float32 scores because of this
    # (keras-team/keras#19681); once it passes, they can become plain scan outputs.
    def step(carry, x):
        return carry + x, ops.cast(x, "int32")

    with pytest.raises(Exception, match="TensorArray dtype is float32"):
        ops.scan(step, np.float32(0), np.ones(3, "float32"))


@pytest.mark.tensorflow_only
def test_tensorflow_scan_still_fails_on_several_xs_of_unknown_length():
    # Why `CRF` packs its per-step inputs into one tensor (see `CRF._time_major`).
    import tensorflow as tf

    def step(carry, inputs):
        return carry + inputs[0] * inputs[1], None

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def scan(xs):
        return ops.scan(step, tf.constant(0.0), (xs, xs))[0]

    with pytest.raises(AttributeError, match="assert_is_compatible_with"):
        scan(tf.ones(3))
