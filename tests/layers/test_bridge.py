import numpy as np
import pytest

from keras_seq.layers import Bridge
from tests.keras_checks import assert_all_close


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


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([[4]], [[4]]), {"mode": "copy"}, "mode='copy'"),
        (([[4]], [[6]]), {"mode": "identity"}, "encoder size 4 for decoder size 6"),
        (([4], [[4]]), {}, "encoder_state_sizes"),
        (([[4]], []), {}, "decoder_state_sizes"),
    ],
)
def test_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Bridge(*args, **kwargs)
