"""`cudnn_report` on batches (masks), and the build-time warning about layer options."""

import importlib
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq.cudnn import cudnn_report
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import ManyToMany, ManyToOne, OneToMany, Seq2Seq

RIGHT = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")
LEFT = np.array([[4, 5, 6, 2], [0, 7, 8, 2], [0, 0, 9, 2], [0, 0, 0, 0]], "int32")
TARGET = np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0], [5, 0, 0]], "int32")


def seq2seq(reverse_source=False):
    return Seq2Seq(
        RNNEncoder(12, 4, 4, reverse_source=reverse_source, name="rnn_encoder"),
        RNNDecoder(12, 4, 4, name="rnn_decoder"),
    )


def test_right_padded_batches_are_not_reported():
    assert cudnn_report(seq2seq(), (RIGHT, TARGET[:3])) == []
    assert cudnn_report(ManyToOne(vocab_size=12, units=4), RIGHT) == []


def test_left_padded_and_fully_masked_sources_are_reported():
    assert cudnn_report(seq2seq(reverse_source=True), (LEFT, TARGET)) == [
        (
            "rnn_encoder",
            "data: 2 of 4 rows are left-padded (a masked step before a real one); "
            "reverse_source=True then reverses the wrong steps",
        ),
        ("rnn_encoder", "data: 1 of 4 rows are fully masked"),
    ]


def test_left_padded_targets_are_reported_for_the_decoder():
    """The decoder reads the start token then the targets: [0, 5, 6] leaves a hole."""
    targets = np.array([[0, 5, 6], [5, 6, 0], [0, 0, 0]])
    report = cudnn_report(
        OneToMany(RNNDecoder(12, 4, 4, name="rnn_decoder"), num_classes=3), (np.arange(3), targets)
    )
    assert report == [
        ("rnn_decoder", "data: 1 of 3 rows are left-padded (a masked step before a real one)")
    ]


def test_feature_steps_equal_to_the_mask_value_inside_a_sequence_are_holes():
    """A real all-zero step with mask_value=0.0 masks that step: the mask has a hole."""
    features = np.ones((2, 4, 2), "float32")
    features[0, 1] = 0.0  # a real step that happens to be all zeros
    features[1, 3] = 0.0  # right padding
    model = ManyToMany(input_dim=2, units=4, mask_value=0.0)
    assert cudnn_report(model, features) == [
        ("encoder", "data: 1 of 2 rows are left-padded (a masked step before a real one)")
    ]


@pytest.mark.tensorflow_only
def test_a_dataset_is_read_up_to_max_batches():
    pairs = tf.data.Dataset.from_tensor_slices((np.concatenate([RIGHT, LEFT]), np.ones((7, 2))))
    model = seq2seq()
    assert cudnn_report(model, pairs.batch(3), max_batches=1) == []
    assert cudnn_report(model, pairs.batch(3)) == [
        ("rnn_encoder", "data: 2 of 7 rows are left-padded (a masked step before a real one)"),
        ("rnn_encoder", "data: 1 of 7 rows are fully masked"),
    ]


@pytest.mark.tensorflow_only
def test_mask_findings_agree_with_the_check_keras_runs_under_cudnn():
    """Keras's TensorFlow cuDNN path asserts `right-padded and no fully masked row`; a
    batch is reported exactly when that assertion would fail."""
    keras_tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    rng = np.random.default_rng(0)
    model = ManyToOne(vocab_size=12, units=4)
    for _ in range(40):
        ids = rng.integers(0, 3, size=(2, 5)) * rng.integers(0, 2, size=(2, 5))
        mask = tf.constant(ids != 0)
        valid = bool(
            keras_tf_rnn._is_sequence_right_padded(mask)
            and not keras_tf_rnn._has_fully_masked_sequence(mask)
        )
        assert (cudnn_report(model, ids) == []) == valid, ids


def test_data_needs_a_keras_seq_model():
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(3)])
    with pytest.raises(TypeError, match="Received: model of type Sequential"):
        cudnn_report(model, np.zeros((1, 4, 2)))


def built_with_warnings(model, inputs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model(inputs)
        model(inputs)  # built already: no second warning
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_a_model_warns_once_when_an_option_leaves_the_fused_kernel():
    model = ManyToOne(vocab_size=12, units=4, num_layers=2)
    layers = model.encoder.recurrent.recurrent_layers
    layers[0].cell.recurrent_dropout = 0.25
    layers[1].unroll = True
    messages = built_with_warnings(model, RIGHT)
    assert len(messages) == 1
    assert messages[0].startswith(f"ManyToOne {model.name!r}: ")
    assert "recurrent_0: recurrent_dropout=0.25" in messages[0]
    assert "recurrent_1: unroll=True" in messages[0]
    assert "Keras then cannot use the fused cuDNN kernel on a GPU" in messages[0]


def test_a_model_warns_for_its_decoder_too():
    model = seq2seq()
    model.decoder.recurrent.recurrent_layers[0].cell.use_bias = False
    messages = built_with_warnings(model, (RIGHT, RIGHT))
    assert len(messages) == 1 and "recurrent_0: use_bias=False" in messages[0]


@pytest.mark.parametrize(
    "make",
    [
        lambda: ManyToOne(vocab_size=12, units=4, bidirectional=True),
        lambda: ManyToOne(vocab_size=12, units=4, cell="gru"),
        lambda: ManyToOne(vocab_size=12, units=4, cell="rnn"),  # a chosen cell, no option
        seq2seq,
    ],
)
def test_defaults_and_chosen_cells_do_not_warn(make):
    model = make()
    inputs = (RIGHT, RIGHT) if isinstance(model, Seq2Seq) else RIGHT
    assert built_with_warnings(model, inputs) == []
