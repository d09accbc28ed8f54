import keras
import numpy as np
import pytest

from keras_seq.layers import Bidirectional
from tests.keras_checks import assert_all_close, check_layer

pytestmark = pytest.mark.backend_neutral

CELLS = [keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN]


def sequences():
    return np.random.RandomState(1).randn(3, 6, 4).astype("float32")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("state_merge", ["concat", "sum", "forward", "backward", None])
def test_standard_checks(cell, state_merge, tmp_path):
    layer = Bidirectional(
        cell(5, return_sequences=True, return_state=True), state_merge=state_merge
    )
    check_layer(layer, sequences(), tmp_path)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("state_merge", ["concat", "sum", "forward", "backward", None])
def test_state_merge_equals_hand_computation(cell, state_merge):
    x = sequences()
    layer = Bidirectional(cell(5, return_state=True), state_merge=state_merge)
    results = layer(x)
    forward = layer.forward_layer(x)
    backward = layer.backward_layer(x)
    forward_states, backward_states = list(forward[1:]), list(backward[1:])
    expected = {
        "concat": [
            np.concatenate([f, b], axis=-1) for f, b in zip(forward_states, backward_states)
        ],
        "sum": [f + b for f, b in zip(forward_states, backward_states)],
        "forward": forward_states,
        "backward": backward_states,
        None: forward_states + backward_states,
    }[state_merge]
    assert_all_close(results[0], np.concatenate([forward[0], backward[0]], axis=-1))
    assert_all_close(list(results[1:]), expected)


def test_without_return_state_it_is_keras_bidirectional():
    x = sequences()
    ours = Bidirectional(keras.layers.GRU(3, return_sequences=True), merge_mode="sum")
    theirs = keras.layers.Bidirectional(
        keras.layers.GRU(3, return_sequences=True), merge_mode="sum"
    )
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    assert_all_close(ours(x), theirs(x))


def test_merge_mode_none_returns_both_outputs_then_states():
    results = Bidirectional(
        keras.layers.LSTM(2, return_sequences=True, return_state=True), merge_mode=None
    )(sequences())
    assert len(results) == 4
    assert results[0].shape == results[1].shape == (3, 6, 2)
    assert results[2].shape == (3, 4)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"layer": keras.layers.Dense(2)}, TypeError, "`layer` must be"),
        ({"layer": keras.layers.LSTM(2), "state_merge": "mean"}, ValueError, "state_merge='mean'"),
        ({"layer": keras.layers.LSTM(2), "merge_mode": "max"}, ValueError, "merge_mode='max'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Bidirectional(**kwargs)


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
@pytest.mark.parametrize(
    "inputs, error, match",
    [
        (np.zeros((2, 3), "float32"), ValueError, r"Received: sequences with shape \(2, 3\)"),
        (np.zeros((2, 3, 4), "int32"), TypeError, "Received: sequences with dtype int32"),
    ],
)
def test_bad_inputs(built, inputs, error, match):
    layer = Bidirectional(keras.layers.LSTM(2, return_sequences=True))
    if built:
        layer(sequences())
    with pytest.raises(error, match=match):
        layer(inputs)


def test_inputs_must_keep_the_feature_size_the_layer_was_built_with():
    layer = Bidirectional(keras.layers.LSTM(2, return_state=True))
    layer(sequences())  # 4 features
    with pytest.raises(ValueError, match=r"4 features.*Received: sequences with shape \(3, 6, 5\)"):
        layer(np.zeros((3, 6, 5), "float32"))


def test_the_backward_layer_is_its_own_inside_a_sharing_scope():
    """Inside a saving/loading scope Keras marks a layer serialized twice as shared; the
    backward copy must still be a new layer reading backwards (this failed in a `.keras`
    load of a bidirectional encoder, depending on which objects the scope had seen)."""
    from keras.src.saving import serialization_lib

    with serialization_lib.ObjectSharingScope():
        gru = keras.layers.GRU(3)
        serialization_lib.serialize_keras_object(gru)  # the scope has seen it once
        layer = Bidirectional(gru)
    assert layer.backward_layer is not layer.forward_layer
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert layer.backward_layer.name == "backward_" + gru.name
