import keras
import numpy as np
import pytest

from keras_seq.layers import RNNEncoder
from keras_seq.layers.sequence_reversal import reverse_padded
from tests.keras_checks import assert_all_close, check_layer, to_numpy

pytestmark = pytest.mark.backend_neutral

IDS = np.array([[5, 6, 7, 8], [9, 3, 0, 0], [4, 0, 0, 0]], "int32")
# Feature sequences right-padded with zero vectors, where IDS is padded.
FEATURES = np.random.RandomState(0).randn(3, 4, 2).astype("float32") * (IDS != 0)[..., None]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_standard_checks(cell, bidirectional, tmp_path):
    encoder = RNNEncoder(
        12, 4, 3, cell=cell, num_layers=2, bidirectional=bidirectional, reverse_source=True
    )
    check_layer(encoder, IDS, tmp_path)


@pytest.mark.parametrize("mask_value", [None, 0.0])
def test_feature_encoder_standard_checks(mask_value, tmp_path):
    encoder = RNNEncoder(
        input_dim=2,
        units=3,
        cell="gru",
        num_layers=2,
        bidirectional=True,
        reverse_source=True,
        mask_value=mask_value,
    )
    check_layer(encoder, FEATURES, tmp_path)


@pytest.mark.parametrize("reverse_source", [False, True])
def test_feature_padding_is_invisible_with_mask_value(reverse_source):
    encoder = RNNEncoder(
        input_dim=2,
        units=3,
        num_layers=2,
        bidirectional=True,
        residual=True,
        reverse_source=reverse_source,
        mask_value=0.0,
    )
    memory, states = to_numpy(encoder(FEATURES))
    padded_memory, padded_states = to_numpy(encoder(np.pad(FEATURES, [(0, 0), (0, 3), (0, 0)])))
    for row, length in enumerate((IDS != 0).sum(axis=1)):
        np.testing.assert_allclose(padded_memory[row, :length], memory[row, :length], atol=1e-6)
    assert_all_close(padded_states, states)


def test_feature_encoder_without_mask_value_reads_every_step():
    encoder = RNNEncoder(input_dim=2, units=3)
    _, states = encoder(FEATURES)
    _, padded_states = encoder(np.pad(FEATURES, [(0, 0), (0, 3), (0, 0)]))
    assert not np.allclose(to_numpy(padded_states[0][0]), to_numpy(states[0][0]))


def test_final_state_is_the_output_at_the_last_real_step():
    """What ManyToOne reads: the forward half of the top layer's `h` is its output at
    each sequence's last real step, the backward half its output at the first step."""
    encoder = RNNEncoder(12, 4, 3, cell="lstm", num_layers=2, bidirectional=True)
    memory, states = to_numpy(encoder(IDS))
    last = (IDS != 0).sum(axis=1) - 1
    forward, backward = np.split(states[-1][0], 2, axis=-1)
    np.testing.assert_allclose(forward, memory[np.arange(len(IDS)), last, :3], atol=1e-6)
    np.testing.assert_allclose(backward, memory[:, 0, 3:], atol=1e-6)


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
    "features, error, match",
    [
        (FEATURES.astype("int32"), TypeError, "dtype int32"),
        (FEATURES[..., :1], ValueError, "must have 2 features"),
        (FEATURES[:, 0], ValueError, r"shape \(batch_size, timesteps, input_dim\)"),
    ],
)
def test_bad_feature_inputs(features, error, match):
    with pytest.raises(error, match=match):
        RNNEncoder(input_dim=2, units=3)(features)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cell": "transformer"}, ValueError, "cell='transformer'"),
        ({"num_layers": 0}, ValueError, "num_layers=0"),
        ({"state_merge": "avg", "bidirectional": True}, ValueError, "state_merge='avg'"),
        ({"units": 0}, ValueError, "units=0"),
        ({"input_dim": 2}, ValueError, "exactly one of `vocab_size`"),
        ({"mask_value": 0.0}, ValueError, "mask_value=0.0"),
        ({"vocab_size": None, "input_dim": 2}, ValueError, "embedding_dim=4"),
        ({"vocab_size": None, "embedding_dim": None}, ValueError, "exactly one of"),
        ({"vocab_size": None, "embedding_dim": None, "input_dim": 0}, ValueError, "input_dim=0"),
        (
            {"vocab_size": None, "embedding_dim": None, "input_dim": 2, "mask_value": "pad"},
            TypeError,
            "mask_value='pad'",
        ),
    ],
)
def test_bad_arguments(kwargs, error, match):
    arguments = {"vocab_size": 12, "embedding_dim": 4, "units": 3, **kwargs}
    with pytest.raises(error, match=match):
        RNNEncoder(**arguments)
