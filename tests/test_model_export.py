"""`model.export(path)`: the reloaded SavedModel's `serve` gives the model's own outputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from tests.keras_checks import assert_all_close

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")
DECODER_INPUT = np.array([[1, 9, 10], [1, 11, 3], [1, 4, 0]], "int32")
LABELS = np.array([0, 2, 1], "int32")
VECTORS = np.random.RandomState(0).randn(3, 5).astype("float32")


def ids_spec():
    return tf.TensorSpec((None, None), tf.int32)


def assert_serves_like(model, path, inputs_list, input_signature=None):
    """Exports `model` and checks `serve` against the model on every inputs in the list."""
    model.export(str(path), verbose=False, input_signature=input_signature)
    reloaded = tf.saved_model.load(str(path))  # keep a reference: it owns the variables
    for inputs in inputs_list:
        assert_all_close(reloaded.serve(inputs), model(inputs), atol=1e-6)


def seq2seq():
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(12, 8, 16, bidirectional=True),
        ks.layers.RNNDecoder(12, 8, 16, attention="luong"),
        max_length=5,
    )
    model((SOURCE, DECODER_INPUT))
    return model


def one_to_many(condition):
    if condition == "labels":
        decoder = ks.layers.RNNDecoder(12, 8, 16, conditioning_dim=16)
        model = ks.models.OneToMany(decoder, num_classes=3, every_step=True, max_length=5)
        conditions = LABELS
    else:
        decoder = ks.layers.RNNDecoder(12, 8, 16, cell="gru")
        model = ks.models.OneToMany(decoder, input_dim=5, max_length=5)
        conditions = VECTORS
    model((conditions, DECODER_INPUT))
    return model, conditions


def test_seq2seq_with_attention(tmp_path):
    model = seq2seq()
    # A signature with free lengths: the export serves sources and prefixes of any length.
    assert_serves_like(
        model,
        tmp_path / "seq2seq",
        [(SOURCE, DECODER_INPUT), (SOURCE[:, :2], DECODER_INPUT[:, :1])],
        input_signature=[(ids_spec(), ids_spec())],
    )


@pytest.mark.parametrize("condition", ["labels", "vectors"])
def test_one_to_many(condition, tmp_path):
    model, conditions = one_to_many(condition)
    if condition == "labels":
        condition_spec = tf.TensorSpec((None,), tf.int32)
    else:
        condition_spec = tf.TensorSpec((None, 5), tf.float32)
    assert_serves_like(
        model,
        tmp_path / "one_to_many",
        [(conditions, DECODER_INPUT), (conditions, DECODER_INPUT[:, :2])],
        input_signature=[(condition_spec, ids_spec())],
    )


def test_rnn_decoder_in_a_functional_model(tmp_path):
    """A layer has no `export`; wrapped in a functional model its signature is the
    model's inputs."""
    decoder = ks.layers.RNNDecoder(12, 8, 16, num_layers=2, attention="bahdanau")
    target_ids = keras.Input((None,), dtype="int32")
    states = [[keras.Input((16,)), keras.Input((16,))] for _ in range(2)]
    memory = keras.Input((None, 6))
    memory_mask = keras.Input((None,), dtype="bool")
    logits = decoder(target_ids, initial_state=states, memory=memory, memory_mask=memory_mask)
    model = keras.Model([target_ids, states, memory, memory_mask], logits)

    random = np.random.RandomState(1)
    inputs = [
        DECODER_INPUT,
        [[random.randn(3, 16).astype("float32") for _ in range(2)] for _ in range(2)],
        random.randn(3, 4, 6).astype("float32"),
        SOURCE != 0,
    ]
    assert_serves_like(model, tmp_path / "decoder", [inputs])


@pytest.mark.parametrize("name", ["seq2seq", "labels", "vectors"])
def test_export_without_a_signature_takes_int_ids_of_any_length(name, tmp_path):
    if name == "seq2seq":
        model, conditions = seq2seq(), SOURCE
        shorter = (SOURCE[:, :2], DECODER_INPUT[:, :1])
    else:
        model, conditions = one_to_many(name)
        shorter = (conditions, DECODER_INPUT[:, :2])
    assert_serves_like(model, tmp_path / name, [(conditions, DECODER_INPUT), shorter])
