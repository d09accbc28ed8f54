"""`model.export(path)`: the reloaded SavedModel's `serve` gives the model's own outputs."""

import os
import subprocess
import sys

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


SERVE_SCRIPT = """
import sys
import numpy as np
import tensorflow as tf

inputs = np.load(sys.argv[1])
loaded = {}  # keep references: a loaded SavedModel owns its variables
outputs = {}
for key in inputs.files:
    name = key.split("/")[0]
    if name not in loaded:
        loaded[name] = tf.saved_model.load(sys.argv[2] + "/" + name)
    outputs[key] = loaded[name].serve(inputs[key]).numpy()
np.savez(sys.argv[3], **outputs)
"""


def recurrent_models():
    """(name, model, input of length 3, input of length 7) for every recurrent topology."""
    random = np.random.RandomState(2)
    ids3, ids7 = random.randint(1, 12, (2, 3)), random.randint(0, 12, (3, 7))
    ids7[:, 0] = 1  # right padding only
    features3, features7 = random.randn(2, 3, 5), random.randn(3, 7, 5)
    token_kwargs = {"vocab_size": 12, "units": 4, "bidirectional": True, "num_outputs": 3}
    feature_kwargs = {"input_dim": 5, "units": 4, "num_outputs": 1, "head": "linear"}
    return [
        ("many_to_one", ks.models.ManyToOne(**token_kwargs), ids3, ids7),
        ("many_to_many", ks.models.ManyToMany(**token_kwargs), ids3, ids7),
        ("one_to_one", ks.models.OneToOne(**token_kwargs), ids3[:, 0], ids7[:, 0]),
        ("many_to_one_features", ks.models.ManyToOne(**feature_kwargs), features3, features7),
        (
            "one_to_one_features",
            ks.models.OneToOne(**feature_kwargs),
            features3[:, 0],
            features7[:, 0],
        ),
    ]


def test_recurrent_models_serve_any_length_and_int64_ids(tmp_path):
    """A plain `export()` serves, in a fresh process, lengths other than the first call's,
    and token ids as int32 or int64."""
    inputs, expected = {}, {}
    for name, model, short, long in recurrent_models():
        model(short[:1].astype("int32" if model.vocab_size else "float32"))  # builds at length 3
        model.export(str(tmp_path / name), verbose=False)
        dtypes = ("int32", "int64") if model.vocab_size else ("float32",)
        for dtype in dtypes:
            for length, values in (("3", short), ("7", long)):
                key = f"{name}/{dtype}/{length}"
                inputs[key] = values.astype(dtype)
                expected[key] = model.predict(values.astype(dtype), verbose=0)
    np.savez(tmp_path / "inputs.npz", **inputs)
    served_path = tmp_path / "served.npz"
    subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE_SCRIPT,
            str(tmp_path / "inputs.npz"),
            str(tmp_path),
            str(served_path),
        ],
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    served = np.load(served_path)
    assert sorted(served.files) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(served[key], values, atol=1e-5, err_msg=key)


def test_saved_model_cli_lists_both_id_dtypes(tmp_path):
    model = ks.models.ManyToOne(vocab_size=12, units=4, num_outputs=3)
    model(SOURCE)
    model.export(str(tmp_path / "model"), verbose=False)
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run(
        [cli, "show", "--dir", str(tmp_path / "model"), "--all"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    ).stdout
    # TF Serving's signatures: int32 ids of any batch size and length.
    for signature in ("serve", "serving_default"):
        section = shown.split(f"signature_def['{signature}']:")[1].split("signature_def[")[0]
        assert "dtype: DT_INT32" in section and "shape: (-1, -1)" in section
    # `serve` itself (tf.saved_model.load) has one traced function per id dtype.
    functions = shown.split("Concrete Functions:")[1]
    for dtype in ("int32", "int64"):
        assert f"TensorSpec(shape=(None, None), dtype=tf.{dtype}, name='inputs')" in functions
