import keras
import numpy as np
import pytest

from keras_seq.layers import BahdanauAttention, LuongAttention
from tests.keras_checks import assert_all_close, to_numpy

pytestmark = pytest.mark.backend_neutral

RNG = np.random.RandomState(0)
QUERY = RNG.randn(2, 3, 4).astype("float32")
MEMORY = RNG.randn(2, 5, 4).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
LAYERS = [lambda: BahdanauAttention(6), lambda: LuongAttention("dot"), lambda: LuongAttention()]


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_dot_score_equals_hand_computation():
    context, weights = LuongAttention("dot")(QUERY, MEMORY, MASK)
    scores = np.einsum("bqd,bkd->bqk", QUERY, MEMORY)
    scores[~np.repeat(MASK[:, None], 3, 1)] = -np.inf
    expected = softmax(scores)
    assert_all_close(weights, expected, atol=1e-6)
    assert_all_close(context, np.einsum("bqk,bkd->bqd", expected, MEMORY), atol=1e-5)


def test_bahdanau_score_equals_hand_computation():
    layer = BahdanauAttention(6)
    _, weights = layer(QUERY, MEMORY)
    w_q, w_m, v = (
        w.numpy()
        for w in (
            layer.query_projection.kernel,
            layer.memory_projection.kernel,
            layer.energy.kernel,
        )
    )
    hidden = np.tanh((QUERY @ w_q)[:, :, None] + (MEMORY @ w_m)[:, None])
    assert_all_close(weights, softmax((hidden @ v)[..., 0]), atol=1e-6)


@pytest.mark.parametrize("make", LAYERS)
def test_masked_memory_gets_no_weight_and_rows_sum_to_one(make):
    context, weights = to_numpy(make()(QUERY, MEMORY, MASK))
    assert np.all(weights[0, :, 3:] == 0)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert context.shape == (2, 3, 4)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("make", LAYERS)
def test_low_precision_masking_stays_finite(make, dtype):
    """The masked score is one that float16 holds (-1e9 overflowed to -inf, whose softmax
    over a fully masked row is NaN): such a row gets uniform weights."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(f"mixed_{dtype}")
    try:
        layer = make()  # its sub-layers (projections) take the policy too
        mask = np.array([[1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool)
        _, weights = layer(QUERY, MEMORY, mask)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    weights = keras.ops.convert_to_numpy(keras.ops.cast(weights, "float32"))
    assert keras.backend.standardize_dtype(layer.compute_dtype) == dtype
    assert np.all(weights[0, :, 3:] == 0)
    np.testing.assert_allclose(weights[1], np.full((3, 5), 0.2), atol=1e-3)


@pytest.mark.parametrize("make", LAYERS)
def test_one_step_query_equals_a_sequence_of_queries(make):
    layer = make()
    context, weights = layer(QUERY, MEMORY, MASK)
    step_context, step_weights = layer(QUERY[:, 1], MEMORY, MASK, keys=layer.keys(MEMORY))
    assert_all_close(step_context, context[:, 1], atol=1e-6)
    assert_all_close(step_weights, weights[:, 1], atol=1e-6)


@pytest.mark.parametrize("make", LAYERS)
def test_config_and_keras_round_trip(make, tmp_path):
    layer = make()
    query, memory = keras.Input((None, 4)), keras.Input((None, 4))
    mask = keras.Input((None,), dtype="bool")
    model = keras.Model([query, memory, mask], layer(query, memory, mask))
    expected = model([QUERY, MEMORY, MASK])
    clone = type(layer).from_config(layer.get_config())
    clone(QUERY, MEMORY, MASK)
    clone.set_weights(layer.get_weights())
    assert_all_close(clone(QUERY, MEMORY, MASK), expected)
    model.save(tmp_path / "attention.keras")
    loaded = keras.models.load_model(tmp_path / "attention.keras")
    assert_all_close(loaded([QUERY, MEMORY, MASK]), expected)
    shapes = layer.compute_output_shape(QUERY.shape, MEMORY.shape)
    assert [tuple(s) for s in shapes] == [tuple(t.shape) for t in expected]


def test_bad_arguments():
    with pytest.raises(ValueError, match="score='cosine'"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match="units=0"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match="score='general'"):
        LuongAttention("dot")(QUERY, np.zeros((2, 5, 3), "float32"))
