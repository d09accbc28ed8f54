import keras
import numpy as np
import pytest

from keras_seq.layers import Bidirectional, Stacked
from tests.keras_checks import assert_all_close, check_layer

pytestmark = pytest.mark.backend_neutral

CELLS = [keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN]


def random_sequences(batch=3, timesteps=5, features=4):
    return np.random.RandomState(0).randn(batch, timesteps, features).astype("float32")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_standard_checks(cell, return_sequences, tmp_path):
    layer = Stacked(cell(4, return_sequences=return_sequences, return_state=True), 2, residual=True)
    check_layer(layer, random_sequences(), tmp_path)


def test_standard_checks_bidirectional_with_dropout(tmp_path):
    layer = Stacked(Bidirectional(keras.layers.GRU(3, return_sequences=True)), 3, dropout=0.2)
    check_layer(layer, random_sequences(), tmp_path)


@pytest.mark.parametrize("cell", CELLS)
def test_one_layer_equals_the_bare_layer(cell):
    x = random_sequences()
    bare = cell(6, return_sequences=True, return_state=True)
    bare_results = bare(x)
    stack = Stacked(cell(6, return_sequences=True, return_state=True), 1)
    stack(x)
    stack.set_weights(bare.get_weights())
    output, states = stack(x)
    assert_all_close(output, bare_results[0])
    assert_all_close(states[0], list(bare_results[1:]))


def test_layers_have_their_own_weights_and_chain():
    x = random_sequences()
    stack = Stacked(keras.layers.LSTM(4, return_sequences=True), 2)
    output = stack(x)
    first, second = stack.recurrent_layers
    assert not np.allclose(first.get_weights()[0], second.get_weights()[0])
    expected = second(first(x)[0])[0]
    assert_all_close(output, expected)


def test_residual_adds_each_layer_input_from_the_second_layer_on():
    x = random_sequences(features=4)
    stack = Stacked(keras.layers.GRU(4, return_sequences=True), 3, residual=True)
    output = stack(x)
    first, second, third = stack.recurrent_layers
    h1 = first(x)[0]
    h2 = second(h1)[0] + h1
    h3 = third(h2)[0] + h2
    assert_all_close(output, h3, atol=1e-5)


def test_return_state_gives_states_per_layer():
    stack = Stacked(keras.layers.LSTM(5, return_state=True), 3)
    output, states = stack(random_sequences())
    assert output.shape == (3, 5)
    assert len(states) == 3 and all(len(layer_states) == 2 for layer_states in states)
    # The top layer's final output is its final hidden state.
    assert_all_close(output, states[-1][0])


def test_initial_state_is_used_per_layer():
    x = random_sequences()
    stack = Stacked(keras.layers.GRU(4, return_sequences=True, return_state=True), 2)
    zeros = stack.get_initial_state(3)
    _, default_states = stack(x)
    _, zero_states = stack(x, initial_state=zeros)
    assert_all_close(zero_states, default_states)
    ones = [[np.ones((3, 4), "float32")], [np.ones((3, 4), "float32")]]
    _, other_states = stack(x, initial_state=ones)
    assert not np.allclose(other_states[1][0], default_states[1][0])


@pytest.mark.parametrize("cell", CELLS)
def test_step_matches_the_sequence_call(cell):
    x = random_sequences()
    stack = Stacked(cell(4, return_sequences=True, return_state=True), 2, residual=True)
    outputs, final_states = stack(x)
    states = stack.get_initial_state(3)
    for t in range(x.shape[1]):
        y, states = stack.step(x[:, t], states)
        assert_all_close(y, outputs[:, t], atol=1e-5)
    assert_all_close(states, final_states, atol=1e-5)


def test_dropout_acts_only_in_training():
    x = random_sequences()
    stack = Stacked(keras.layers.LSTM(4, return_sequences=True), 2, dropout=0.5)
    inference = stack(x)
    assert_all_close(stack(x, training=False), inference)
    assert not np.allclose(stack(x, training=True), inference)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"layer": keras.layers.Dense(3), "num_layers": 2}, TypeError, "layer"),
        ({"layer": keras.layers.LSTM(3), "num_layers": 0}, ValueError, "num_layers=0"),
        ({"layer": keras.layers.LSTM(3), "num_layers": 1.5}, TypeError, "num_layers=1.5"),
        ({"layer": keras.layers.LSTM(3), "num_layers": 2, "dropout": 1.0}, ValueError, "dropout"),
        (
            {"layer": Bidirectional(keras.layers.LSTM(3), merge_mode=None), "num_layers": 2},
            ValueError,
            "merge_mode=None",
        ),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Stacked(**kwargs)


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
@pytest.mark.parametrize(
    "inputs, error, match",
    [
        (np.zeros((2, 3), "float32"), ValueError, r"Received: inputs with shape \(2, 3\)"),
        (np.zeros((2, 3, 4), "int32"), TypeError, "Received: inputs with dtype int32"),
    ],
)
def test_bad_inputs(built, inputs, error, match):
    stack = Stacked(keras.layers.GRU(3, return_sequences=True), 2)
    if built:
        stack(random_sequences(features=4))
    with pytest.raises(error, match=match):
        stack(inputs)


def test_inputs_must_keep_the_feature_size_the_stack_was_built_with():
    stack = Stacked(keras.layers.GRU(3, return_sequences=True), 2)
    stack(random_sequences(features=4))
    with pytest.raises(ValueError, match=r"4 features.*Received: inputs with shape \(3, 5, 6\)"):
        stack(random_sequences(features=6))
