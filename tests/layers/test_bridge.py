import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import tree

from keras_seq.layers import Bridge
from tests.keras_checks import assert_all_close, assert_shapes_agree

pytestmark = pytest.mark.backend_neutral


def states(sizes, batch=2):
    return [
        [np.full((batch, size), 10 * layer + index, "float32") for index, size in enumerate(s)]
        for layer, s in enumerate(sizes)
    ]


def test_equal_sizes_are_copied():
    encoder_states = states([[4, 4], [4, 4]])
    assert_all_close(Bridge([[4, 4], [4, 4]], [[4, 4], [4, 4]])(encoder_states), encoder_states)


def test_top_layers_are_aligned_and_missing_states_reuse_h():
    bridge = Bridge([[4], [4], [4]], [[4, 4], [4, 4]])  # 3-layer GRU -> 2-layer LSTM
    result = bridge(states([[4], [4], [4]]))
    assert [[float(s[0, 0]) for s in layer] for layer in result] == [[10, 10], [20, 20]]


def test_deeper_decoder_reuses_the_bottom_encoder_layer():
    result = Bridge([[3]], [[3], [3]])(states([[3]]))
    assert [float(layer[0][0, 0]) for layer in result] == [0.0, 0.0]


def test_different_sizes_are_projected(tmp_path):
    bridge = Bridge([[8, 8]], [[4, 4]])
    result = bridge(states([[8, 8]]))
    assert [tuple(s.shape) for s in result[0]] == [(2, 4), (2, 4)]
    assert len(bridge.trainable_weights) == 4
    clone = Bridge.from_config(bridge.get_config())
    clone.build()
    clone.set_weights(bridge.get_weights())
    assert_all_close(clone(states([[8, 8]])), result)


def test_modes():
    encoder_states = states([[4]])
    assert len(Bridge([[4]], [[4]], mode="dense").trainable_weights) == 0  # built lazily
    dense = Bridge([[4]], [[4]], mode="dense")
    dense(encoder_states)
    assert len(dense.trainable_weights) == 2
    zeros = Bridge([[4]], [[6]], mode="zeros")(encoder_states)
    assert not np.any(zeros[0][0]) and tuple(zeros[0][0].shape) == (2, 6)


# A 2-layer LSTM encoder (one layer projected, one copied) into a 2-layer GRU decoder
# whose second state reuses `h`; and every mode on one layer.
BRIDGES = [
    ([[8, 8], [6, 6]], [[4], [6]], "auto"),
    ([[6]], [[6, 6], [6, 6]], "auto"),
    ([[8, 8]], [[4, 4]], "dense"),
    ([[4, 4]], [[4, 4]], "identity"),
    ([[4, 4]], [[5, 5]], "zeros"),
]


def random_states(sizes, batch=3):
    random = np.random.RandomState(0)
    return [[random.randn(batch, size).astype("float32") for size in layer] for layer in sizes]


@pytest.mark.parametrize("encoder_sizes, decoder_sizes, mode", BRIDGES)
def test_compute_output_shape_agrees_with_the_output(encoder_sizes, decoder_sizes, mode):
    bridge = Bridge(encoder_sizes, decoder_sizes, mode=mode)
    encoder_states = random_states(encoder_sizes)
    outputs = bridge(encoder_states)
    shapes = bridge.compute_output_shape(tree.map_structure(lambda s: s.shape, encoder_states))
    assert shapes == [[(3, size) for size in layer] for layer in decoder_sizes]
    assert_shapes_agree(shapes, outputs)


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("encoder_sizes, decoder_sizes, mode", BRIDGES)
def test_standard_checks(encoder_sizes, decoder_sizes, mode, tmp_path):
    """Symbolic build, `.keras` round trip and export, with identical outputs."""
    encoder_states = random_states(encoder_sizes)
    bridge = Bridge(encoder_sizes, decoder_sizes, mode=mode)
    symbolic_inputs = [[keras.Input((size,)) for size in layer] for layer in encoder_sizes]
    symbolic = bridge(symbolic_inputs)
    assert_shapes_agree([[(None, size) for size in layer] for layer in decoder_sizes], symbolic)
    model = keras.Model(symbolic_inputs, tree.flatten(symbolic))
    expected = tree.flatten(bridge(encoder_states))
    assert_all_close(model(encoder_states), expected)

    model.save(tmp_path / "bridge.keras")
    loaded = keras.models.load_model(tmp_path / "bridge.keras")
    assert_all_close(loaded(encoder_states), expected)

    model.export(str(tmp_path / "exported"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "exported"))
    assert_all_close(reloaded.serve(encoder_states), expected, atol=1e-5)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        (([[4]], [[4]]), {"mode": "copy"}, ValueError, "mode='copy'"),
        (([[4]], [[6]]), {"mode": "identity"}, ValueError, "encoder size 4 for decoder size 6"),
        (([4], [[4]]), {}, TypeError, r"encoder_state_sizes\[0\]=4"),
        (([[4]], []), {}, ValueError, r"decoder_state_sizes=\[\]"),
        (([[4]], [[]]), {}, ValueError, r"decoder_state_sizes\[0\]=\[\]"),
        (([[4, 0]], [[4]]), {}, ValueError, r"encoder_state_sizes\[0\]\[1\]=0"),
        (([[4]], [[4.0]]), {}, TypeError, r"decoder_state_sizes\[0\]\[0\]=4.0"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        Bridge(*args, **kwargs)
