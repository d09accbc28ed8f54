"""Ids outside the vocabulary raise a clear error where they enter, in every mode."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq import checks

pytestmark = pytest.mark.backend_neutral

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0]], "int32")
# What a graph raises (TensorFlow, tf.data) or a jitted JAX function (its debug callback).
GRAPH_ERRORS = (ValueError, tf.errors.InvalidArgumentError, RuntimeError)


def seq2seq(jit_compile="auto"):
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(12, 4, 4), ks.layers.RNNDecoder(12, 4, 4), max_length=4
    )
    model.compile(keras.optimizers.Adam(1e-2), jit_compile=jit_compile)
    return model


def compiled(function):
    """The backend's own compilation: `tf.function`, or `jax.jit`."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    return tf.function(function)


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("bad", [-2, 99])
def test_fit_on_bad_target_ids_names_the_argument_and_the_vocabulary(bad, jit_compile):
    """XLA compiles the layers' assertions away; the input pipeline's check remains."""
    model = seq2seq(jit_compile)
    target = np.array([[3, bad, 0], [4, 0, 0]])
    match = r"`target_ids` must hold ids in \[0, 12\) \(the vocabulary size\)"
    with pytest.raises(ValueError, match=match + f".*Received: ids from {min(bad, 0)}"):
        model.fit(SOURCE, target, verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices((SOURCE, target)).batch(2)
    with pytest.raises(GRAPH_ERRORS, match=match):
        model.fit(dataset, verbose=0)
    with pytest.raises(GRAPH_ERRORS, match=r"`source_ids` must hold ids in \[0, 12\)"):
        good = np.array([[3, 5, 0], [4, 0, 0]])
        model.evaluate(tf.data.Dataset.from_tensor_slices((-SOURCE, good)).batch(2), verbose=0)


def test_compiled_generate_on_bad_ids_raises_in_graph():
    model = seq2seq()
    model.build()  # the variables exist before a function is traced
    layer = model.decoding_layer("greedy")
    decode = compiled(lambda source: model.decode(source, layer).ids)
    assert decode(SOURCE).shape == (2, 1, 4)
    for bad in (-1, 12):
        with pytest.raises(GRAPH_ERRORS, match=r"`source` must hold ids in \[0, 12\)"):
            np.asarray(decode(np.array([[3, bad, 2]], "int32")))
    with pytest.raises(ValueError, match=r"`source_ids` must hold ids in \[0, 12\)"):
        model.generate(np.array([[3, 12, 2]]))  # eagerly, before any work


@pytest.mark.parametrize("bad", [-1, 10])
def test_a_graph_train_step_checks_the_layers_ids(bad):
    """A traced (not XLA) TensorFlow step, or a jitted JAX one (its debug callback).

    A fresh model each time: Keras's JAX trainer does not restore the variables it
    detaches for a `fit` that raised.
    """
    model = ks.models.ManyToOne(vocab_size=10, units=4, num_outputs=2)
    jit_compile = keras.backend.backend() == "jax"
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=jit_compile)
    model.fit(np.array([[1, 2, 3]]), np.array([1]), verbose=0)
    with pytest.raises(GRAPH_ERRORS, match=r"`inputs` must hold ids in \[0, 10\)"):
        model.fit(np.array([[1, bad, 3]]), np.array([1]), verbose=0)


@pytest.mark.tensorflow_only
def test_the_check_survives_savedmodel_export(tmp_path):
    model = ks.models.ManyToOne(vocab_size=10, units=4, num_outputs=2)
    model(np.array([[1, 2]]))
    model.export(str(tmp_path / "exported"), verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "exported"))  # owns the variables
    serve = loaded.serve
    assert serve(tf.constant([[1, 2, 3]])).shape == (1, 2)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"`inputs` must hold ids in \[0, 10\)"
    ):
        serve(tf.constant([[1, 10, 3]]))


@pytest.mark.tensorflow_only
def test_tracing_a_check_prints_no_numpy_warning():
    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int32)])
    def ids_fn(ids):
        return checks.check_token_ids("ids", ids, 5)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ids_fn(tf.constant([[1, 4]])).numpy().tolist() == [[1, 4]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"ids from \] \[-3\] \[ to \] \[4\]"):
        ids_fn(tf.constant([[-3, 4]]))
