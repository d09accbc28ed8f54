"""keras_seq.checks: kinds, bounds, messages, and the tensor checks inside a graph."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq import checks

pytestmark = pytest.mark.backend_neutral


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: checks.check_int("n", 1.0), TypeError, r"`n` must be a Python integer\. "),
        (lambda: checks.check_int("n", True), TypeError, r"Received: n=True \(of type bool\)"),
        (lambda: checks.check_int("n", None), TypeError, r"Received: n=None"),
        (lambda: checks.check_int("n", 0, minimum=1), ValueError, r"an integer >= 1\. .*n=0"),
        (lambda: checks.check_int("n", 9, maximum=8), ValueError, r"an integer <= 8\. .*n=9"),
        (
            lambda: checks.check_int("n", 9, minimum=1, maximum=8),
            ValueError,
            r"an integer in \[1, 8\]\. Received: n=9",
        ),
        (lambda: checks.check_positive_int("units", 0), ValueError, "units=0"),
        (lambda: checks.check_float("p", "x", low=0, expected="..."), TypeError, "p='x'"),
        (
            lambda: checks.check_float("p", float("nan"), low=0, expected="a number >= 0"),
            ValueError,
            r"`p` must be a number >= 0\. Received: p=nan",
        ),
        (lambda: checks.check_rate("dropout", 1.0), ValueError, r"in \[0, 1\).*dropout=1\.0"),
        (
            lambda: checks.check_bool("flag", 1),
            TypeError,
            r"a bool\. Received: flag=1 \(of type int",
        ),
        (
            lambda: checks.check_choice("mode", "copy", ("auto", None)),
            ValueError,
            r"one of \['auto', None\]\. Received: mode='copy'",
        ),
        (
            lambda: checks.check_choice("mode", ["auto"], {"auto": 1}),
            ValueError,
            r"mode=\['auto'\]",
        ),
        (lambda: checks.check_list("xs", "abc"), TypeError, r"a list\. Received: xs='abc'"),
        (lambda: checks.check_list("xs", []), ValueError, r"must not be empty\. Received: xs=\[\]"),
        (lambda: checks.check_str_list("xs", ("a", b"b")), TypeError, r"xs\[1\]=b'b'"),
        (lambda: checks.check_split("split", (0.5, 0.5)), TypeError, r"split=\(0\.5, 0\.5\)"),
        (lambda: checks.check_split("split", (0.5, 0.2, 0.2)), ValueError, "sum to 1"),
        (lambda: checks.check_split("split", (0.0, 0.5, 0.5)), ValueError, "give train a share"),
        (
            lambda: checks.check_type("n", "x", int, "an int"),
            TypeError,
            r"`n` must be an int\. Received: n='x' \(of type str\)",
        ),
        (
            lambda: checks.check_recurrent("layer", keras.layers.Dense(2)),
            TypeError,
            r"keras\.layers\.RNN \(LSTM, GRU, SimpleRNN\)\. Received: layer=<Dense",
        ),
        (
            lambda: checks.check_recurrent(
                "layer", keras.layers.Bidirectional(keras.layers.LSTM(2))
            ),
            TypeError,
            "Received: layer=<Bidirectional",
        ),
    ],
)
def test_scalar_checks_raise_with_name_value_and_expectation(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_scalar_checks_return_the_checked_value():
    assert checks.check_int("n", np.int64(3), minimum=1) == 3
    assert type(checks.check_int("n", np.int64(3))) is int
    assert checks.check_int("n", None, allow_none=True) is None
    assert checks.check_float("p", 1, low=0, expected="a number >= 0") == 1.0
    assert checks.check_rate("dropout", 0.0) == 0.0
    assert checks.check_bool("flag", False) is False
    assert checks.check_choice("mode", None, ("auto", None)) is None
    assert checks.check_list("xs", np.array([1, 2])) == [1, 2]
    assert checks.check_list("xs", (), allow_empty=True) == []
    assert checks.check_str_list("xs", ("a", "b")) == ["a", "b"]
    assert checks.check_split("split", (1, 0, 0)) == (1.0, 0.0, 0.0)
    lstm = keras.layers.LSTM(2)
    assert checks.check_recurrent("layer", lstm) is lstm
    bidirectional = keras.layers.Bidirectional(lstm)
    assert checks.check_recurrent("layer", bidirectional, allow_bidirectional=True) is bidirectional


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: checks.check_token_ids("ids", np.zeros((2, 3), "float32"), 5),
            TypeError,
            r"`ids` must hold integer token ids\. Received: ids with dtype float32",
        ),
        (
            lambda: checks.check_token_ids("ids", np.zeros((2,), "int32"), 5),
            ValueError,
            r"shape \(batch_size, timesteps\)\. Received: ids with shape \(2,\)",
        ),
        (
            lambda: checks.check_token_ids("ids", np.array([[1, 5]]), 5),
            ValueError,
            r"ids in \[0, 5\) \(the vocabulary size\)\. Received: ids from 1 to 5",
        ),
        (
            lambda: checks.check_id_range("ids", np.array([[-1, 2]]), 5),
            ValueError,
            "ids from -1 to 2",
        ),
        (
            lambda: checks.check_features("x", np.zeros((2, 3, 4), "int32"), 4, rank=3),
            TypeError,
            "float features. Received: x with dtype int32",
        ),
        (
            lambda: checks.check_features("x", np.zeros((2, 4), "float32"), 4, rank=3),
            ValueError,
            r"\(batch_size, timesteps, input_dim\)\. Received: x with shape \(2, 4\)",
        ),
        (
            lambda: checks.check_features("x", np.zeros((2, 3, 4), "float32"), 4, rank=2),
            ValueError,
            r"\(batch_size, input_dim\)\. Received: x with shape \(2, 3, 4\)",
        ),
        (
            lambda: checks.check_features("x", np.zeros((2, 3, 5), "float32"), 4, rank=3),
            ValueError,
            r"must have 4 features .*Received: x with shape \(2, 3, 5\)",
        ),
        (
            lambda: checks.check_dtype("x", np.dtype(object), ("int",), "ids"),
            TypeError,
            "Received: x with dtype object",
        ),
        (
            lambda: checks.check_nonempty_batch("x", np.zeros((0, 3))),
            ValueError,
            r"empty batch\. Received: shape \(0, 3\)",
        ),
    ],
)
def test_tensor_checks_raise_with_name_and_what_was_received(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.tensorflow_only
def test_tensor_checks_accept_valid_tensors():
    checks.check_token_ids("ids", tf.constant([[0, 4]], tf.int64), 5)
    checks.check_features("x", tf.zeros((2, 3, 4)), None, rank=3)
    checks.check_features("x", keras.KerasTensor((None, 3, 4)), 4, rank=3)
    checks.check_dtype("x", "float16", ("float",), "floats")
    checks.check_shape("x", (None, None), ("batch_size", "timesteps"))
    assert checks.is_concrete(tf.constant(1)) and checks.is_concrete(np.ones(2))
    assert not checks.is_concrete(keras.KerasTensor((2,)))


@pytest.mark.tensorflow_only
def test_tensor_checks_read_static_shapes_and_dtypes_inside_a_graph():
    seen = []

    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int32)])
    def ids_fn(ids):
        seen.append(checks.is_concrete(ids))
        return checks.check_token_ids("ids", ids, 5)  # the range is checked when it runs

    assert ids_fn(tf.constant([[0, 4]])).numpy().tolist() == [[0, 4]]
    assert seen == [False]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"ids in \[0, 5\)"):
        ids_fn(tf.constant([[7, 9]]))

    @tf.function(input_signature=[tf.TensorSpec((None,), tf.int32)])
    def rank_one(ids):
        checks.check_token_ids("ids", ids, 5)
        return ids

    with pytest.raises(ValueError, match=r"Received: ids with shape \(None,\)"):
        rank_one.get_concrete_function()

    @tf.function(input_signature=[tf.TensorSpec((None, None, 3), tf.float32)])
    def features(x):
        checks.check_features("x", x, 4, rank=3)
        return x

    with pytest.raises(ValueError, match=r"4 features .*shape \(None, None, 3\)"):
        features.get_concrete_function()

    @tf.function(input_signature=[tf.TensorSpec((None, 2), tf.float32)])
    def float_ids(ids):
        checks.check_token_ids("ids", ids, 5)
        return ids

    with pytest.raises(TypeError, match="Received: ids with dtype float32"):
        float_ids.get_concrete_function()
