"""OneToOne, ManyToOne and ManyToMany: the standard checks, masking and bad input."""

import keras
import numpy as np
import pytest

from keras_seq.cudnn import cudnn_report
from keras_seq.models import ManyToMany, ManyToOne, OneToOne
from tests.keras_checks import assert_all_close, assert_shapes_agree, check_model

pytestmark = pytest.mark.backend_neutral

IDS = np.array([[5, 6, 7, 8], [9, 3, 0, 0], [4, 0, 0, 0]], "int32")
FEATURES = np.random.RandomState(0).randn(3, 4, 2).astype("float32")
SEQUENCE_MODELS = [ManyToOne, ManyToMany]


def build_checked(model, inputs, tmp_path):
    outputs = model(inputs)
    assert_shapes_agree(model.compute_output_shape(inputs.shape), outputs)
    clone = type(model).from_config(model.get_config())
    clone(inputs)
    clone.set_weights(model.get_weights())
    assert_all_close(clone(inputs), outputs)
    check_model(model, inputs, tmp_path, expected=outputs)
    return outputs


@pytest.mark.parametrize("model_type", SEQUENCE_MODELS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_token_models_standard_checks(model_type, cell, tmp_path):
    model = model_type(
        vocab_size=12,
        embedding_dim=4,
        units=3,
        cell=cell,
        num_layers=2,
        bidirectional=True,
        num_outputs=5,
        dropout=0.1,
        residual=True,
    )
    outputs = build_checked(model, IDS, tmp_path)
    expected = (3, 5) if model_type is ManyToOne else (3, 4, 5)
    assert tuple(outputs.shape) == expected
    np.testing.assert_allclose(keras.ops.sum(outputs, axis=-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("model_type", SEQUENCE_MODELS)
def test_feature_models_standard_checks(model_type, tmp_path):
    model = model_type(input_dim=2, units=3, num_outputs=1, head="linear", cell="gru")
    build_checked(model, FEATURES, tmp_path)


def test_one_to_one_standard_checks(tmp_path):
    build_checked(
        OneToOne(input_dim=2, units=3, num_outputs=2, num_layers=2), FEATURES[:, 0], tmp_path
    )
    ids = np.array([1, 5, 7], "int32")
    outputs = build_checked(OneToOne(vocab_size=8, units=3, num_outputs=4), ids, tmp_path)
    assert tuple(outputs.shape) == (3, 4)


@pytest.mark.parametrize("model_type", SEQUENCE_MODELS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_is_invisible(model_type, bidirectional):
    model = model_type(
        vocab_size=12, units=4, num_layers=2, bidirectional=bidirectional, num_outputs=3
    )
    outputs = keras.ops.convert_to_numpy(model(IDS))
    padded = keras.ops.convert_to_numpy(model(np.pad(IDS, [(0, 0), (0, 3)])))
    if model_type is ManyToOne:
        np.testing.assert_allclose(padded, outputs, atol=1e-6)
    else:
        for row, length in enumerate((IDS != 0).sum(axis=1)):
            np.testing.assert_allclose(padded[row, :length], outputs[row, :length], atol=1e-6)


def test_feature_padding_is_invisible_with_mask_value():
    model = ManyToOne(input_dim=2, units=4, num_outputs=1, head="linear", mask_value=0.0)
    outputs = keras.ops.convert_to_numpy(model(FEATURES))
    padded = keras.ops.convert_to_numpy(model(np.pad(FEATURES, [(0, 0), (0, 2), (0, 0)])))
    np.testing.assert_allclose(padded, outputs, atol=1e-6)


def test_many_to_one_reads_the_output_at_the_last_real_step():
    model = ManyToOne(vocab_size=12, units=4, num_layers=2, num_outputs=3)
    outputs = model(IDS)
    memory, _ = model.encoder(IDS)
    last = (IDS != 0).sum(axis=1) - 1
    expected = model.output_layer(keras.ops.convert_to_numpy(memory)[np.arange(len(IDS)), last])
    assert_all_close(outputs, expected)


def test_tagging_loss_ignores_padded_steps():
    model = ManyToMany(vocab_size=12, units=4, num_outputs=3)
    model.compile(loss="sparse_categorical_crossentropy")
    labels = np.array([[1, 2, 0, 1], [2, 2, 0, 0], [1, 0, 0, 0]])
    other_padding_labels = np.where(IDS == 0, 2, labels)
    assert model.evaluate(IDS, labels, verbose=0) == pytest.approx(
        model.evaluate(IDS, other_padding_labels, verbose=0), abs=1e-6
    )


@pytest.mark.parametrize("model_type", [OneToOne, ManyToOne, ManyToMany])
@pytest.mark.parametrize("source", ["ids", "features"])
def test_defaults_stay_on_the_cudnn_path(model_type, source):
    inputs = IDS if source == "ids" else FEATURES
    kwargs = {"vocab_size": 12} if source == "ids" else {"input_dim": 2, "mask_value": 0.0}
    if model_type is OneToOne:
        inputs, kwargs = inputs[:, 0], {**kwargs, "mask_value": None}
    model = model_type(units=4, num_layers=2, bidirectional=True, **kwargs)
    model(inputs)
    recurrent = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
    ]
    assert len(recurrent) == 4
    for layer in recurrent:
        assert layer.cell.activation is keras.activations.tanh
        assert layer.cell.recurrent_activation is keras.activations.sigmoid
        assert layer.cell.recurrent_dropout == 0
        assert layer.unroll is False
        assert layer.use_cudnn == "auto"
    assert cudnn_report(model) == []


def test_cudnn_report_names_what_leaves_the_path():
    report = cudnn_report(ManyToOne(vocab_size=12, units=4, cell="rnn"))
    assert report and all("SimpleRNN" in reason for _, reason in report)
    report = cudnn_report(keras.layers.GRU(3, reset_after=False, activation="relu"))
    assert [reason for _, reason in report] == ["activation is not tanh", "reset_after=False"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, ValueError, "exactly one of `vocab_size`"),
        ({"vocab_size": 10, "input_dim": 3}, ValueError, "exactly one of `vocab_size`"),
        ({"vocab_size": 10, "cell": "lstmm"}, ValueError, "cell='lstmm'"),
        ({"vocab_size": 10, "num_layers": 0}, ValueError, "num_layers=0"),
        ({"vocab_size": 10, "head": "tanh"}, ValueError, "head='tanh'"),
        ({"vocab_size": 10, "head": "softmax"}, ValueError, "always 1"),
        ({"vocab_size": 10, "num_outputs": 0}, ValueError, "num_outputs=0"),
        ({"vocab_size": 10, "dropout": -0.1}, ValueError, "dropout=-0.1"),
        ({"vocab_size": 10, "units": 0}, ValueError, "units=0"),
        ({"vocab_size": 10, "mask_value": 0.0}, ValueError, "mask_value=0.0"),
        ({"input_dim": 3, "embedding_dim": 8}, ValueError, "embedding_dim=8"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ManyToOne(**kwargs)


@pytest.mark.parametrize(
    "model, inputs, error, match",
    [
        (ManyToOne(vocab_size=12, units=3), FEATURES, TypeError, "dtype float32"),
        (ManyToOne(vocab_size=12, units=3), IDS[:, :, None], ValueError, "shape"),
        (ManyToOne(vocab_size=12, units=3), IDS + 10, ValueError, "vocabulary size"),
        (ManyToMany(input_dim=2, units=3), IDS, TypeError, "dtype int32"),
        (ManyToMany(input_dim=3, units=3), FEATURES, ValueError, "must have 3 features"),
        (ManyToMany(input_dim=2, units=3), FEATURES[:, 0], ValueError, "shape"),
        (OneToOne(vocab_size=12, units=3), IDS, ValueError, r"shape \(batch_size,\)"),
        (OneToOne(input_dim=2, units=3), FEATURES, ValueError, "shape"),
    ],
)
def test_bad_inputs(model, inputs, error, match):
    with pytest.raises(error, match=match):
        model(inputs)
