import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from keras_seq.layers.sequence_reversal import reverse_padded

pytestmark = pytest.mark.backend_neutral


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=4), st.integers(0, 3))
def test_reverses_only_real_tokens(lengths, extra_padding):
    timesteps = max(lengths) + extra_padding
    ids = np.zeros((len(lengths), timesteps), "int32")
    for row, length in enumerate(lengths):
        ids[row, :length] = np.arange(1, length + 1)
    reversed_ids = ops.convert_to_numpy(reverse_padded(ids, ids != 0))
    for row, length in enumerate(lengths):
        assert reversed_ids[row, :length].tolist() == list(range(length, 0, -1))
        assert not reversed_ids[row, length:].any()
    twice = ops.convert_to_numpy(reverse_padded(reversed_ids, reversed_ids != 0))
    np.testing.assert_array_equal(twice, ids)


def test_feature_axes_move_with_their_step():
    features = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    mask = np.array([[True, True, False], [True, True, True]])
    result = ops.convert_to_numpy(reverse_padded(features, mask))
    np.testing.assert_array_equal(result[0], features[0][[1, 0, 2]])
    np.testing.assert_array_equal(result[1], features[1][::-1])


def test_without_a_mask_every_step_is_real():
    features = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    result = ops.convert_to_numpy(reverse_padded(features, None))
    np.testing.assert_array_equal(result, features[:, ::-1])
