"""The standard checks every public layer and model goes through."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops, tree

ATOL = 1e-6


def to_numpy(structure):
    return tree.map_structure(ops.convert_to_numpy, structure)


def assert_all_close(actual, expected, atol=ATOL):
    actual, expected = tree.flatten(to_numpy(actual)), tree.flatten(to_numpy(expected))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, atol=atol, rtol=0)


def flatten_shapes(shapes):
    """Flattens a nest of shape tuples into a list of shapes."""
    if isinstance(shapes, tuple) and all(isinstance(d, (int, type(None))) for d in shapes):
        return [shapes]
    return [shape for item in shapes for shape in flatten_shapes(item)]


def assert_shapes_agree(shapes, tensors):
    """Each shape agrees with its tensor; `None` dimensions match anything."""
    shapes, tensors = flatten_shapes(shapes), tree.flatten(tensors)
    assert len(shapes) == len(tensors), (shapes, [t.shape for t in tensors])
    for shape, tensor in zip(shapes, tensors):
        assert len(shape) == len(tensor.shape), (shape, tensor.shape)
        for expected, real in zip(shape, tensor.shape):
            assert expected is None or real is None or expected == real, (shape, tensor.shape)


def check_layer(layer, inputs, tmp_path, dtype=None):
    """Builds `layer` eagerly and symbolically, checks `compute_output_shape`, and
    round-trips it through config, `.keras` and SavedModel export with identical outputs."""
    inputs = np.asarray(inputs)
    dtype = dtype or str(inputs.dtype)
    outputs = layer(inputs)
    assert_shapes_agree(layer.compute_output_shape(inputs.shape), outputs)

    symbolic_input = keras.Input(shape=inputs.shape[1:], dtype=dtype)
    symbolic = layer(symbolic_input)
    assert_shapes_agree(tree.map_structure(lambda t: tuple(t.shape), symbolic), outputs)

    clone = type(layer).from_config(layer.get_config())
    clone(inputs)
    clone.set_weights(layer.get_weights())
    assert_all_close(clone(inputs), outputs)

    # SavedModel signatures take flat outputs, so nested states are flattened for export.
    flat = symbolic if not tree.is_nested(symbolic) else tree.flatten(symbolic)
    check_model(keras.Model(symbolic_input, flat), inputs, tmp_path, expected=outputs)


def check_model(model, inputs, tmp_path, expected=None):
    """`.keras` save/load and `model.export()` give the same outputs as `model` (export,
    TensorFlow-only, on the TensorFlow backend)."""
    expected = model(inputs) if expected is None else expected
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert_all_close(loaded(inputs), expected)
    if keras.backend.backend() != "tensorflow":
        return loaded

    export_dir = str(tmp_path / "exported")
    model.export(export_dir, verbose=False)
    reloaded = tf.saved_model.load(export_dir)  # keep a reference: it owns the variables
    served = reloaded.serve(tf.constant(inputs))
    assert_all_close(served, expected, atol=1e-5)
    return loaded
