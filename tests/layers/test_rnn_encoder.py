import keras
import numpy as np
import pytest

from keras_seq.layers import RNNEncoder
from keras_seq.layers.sequence_reversal import reverse_padded
from tests.keras_checks import assert_all_close, check_layer

IDS = np.array([[5, 6, 7, 8], [9, 3, 0, 0], [4, 0, 0, 0]], "int32")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_standard_checks(cell, bidirectional, tmp_path):
    encoder = RNNEncoder(
        12, 4, 3, cell=cell, num_layers=2, bidirectional=bidirectional, reverse_source=True
    )
    check_layer(encoder, IDS, tmp_path)


def test_shapes_and_states_per_layer():
    memory, states = RNNEncoder(12, 4, 3, num_layers=3, bidirectional=True)(IDS)
    assert tuple(memory.shape) == (3, 4, 6)
    assert len(states) == 3 and [tuple(s.shape) for s in states[0]] == [(3, 6), (3, 6)]


def test_reverse_source_reads_real_tokens_backwards():
    encoder = RNNEncoder(12, 4, 3, cell="gru", reverse_source=True)
    memory, states = encoder(IDS)
    plain = RNNEncoder(12, 4, 3, cell="gru")
    plain(IDS)
    plain.set_weights(encoder.get_weights())
    reversed_ids = keras.ops.convert_to_numpy(reverse_padded(IDS, IDS != 0))
    expected_memory, expected_states = plain(reversed_ids)
    assert_all_close(states, expected_states)
    # The memory is returned in source order, aligned with the source tokens.
    assert_all_close(memory, reverse_padded(expected_memory, IDS != 0))


def test_memory_carries_the_source_mask():
    inputs = keras.Input((None,), dtype="int32")
    memory, _ = RNNEncoder(12, 4, 3)(inputs)
    assert memory._keras_mask is not None


@pytest.mark.parametrize(
    "ids, error, match",
    [
        (np.array([[1, 12]]), ValueError, "ids from 1 to 12"),
        (np.array([[-1, 2]]), ValueError, "vocabulary size"),
        (np.zeros((2, 3), "float32"), TypeError, "dtype float32"),
        (np.zeros((2, 3, 1), "int32"), ValueError, r"shape \(2, 3, 1\)"),
    ],
)
def test_bad_inputs(ids, error, match):
    with pytest.raises(error, match=match):
        RNNEncoder(12, 4, 3)(ids)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cell": "transformer"}, ValueError, "cell='transformer'"),
        ({"num_layers": 0}, ValueError, "num_layers=0"),
        ({"state_merge": "avg", "bidirectional": True}, ValueError, "state_merge='avg'"),
        ({"units": 0}, ValueError, "units=0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    arguments = {"vocab_size": 12, "embedding_dim": 4, "units": 3, **kwargs}
    with pytest.raises(error, match=match):
        RNNEncoder(**arguments)
