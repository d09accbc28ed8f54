"""Teacher forcing on arrays (NumPy) and inside tf.data (TensorFlow) builds the same batch."""

import numpy as np
import pytest
import tensorflow as tf

from keras_seq.models.teacher_forcing import teacher_forced_batch, teacher_forced_tensors

pytestmark = pytest.mark.tensorflow_only


def test_arrays_and_tf_data_agree():
    rng = np.random.default_rng(0)
    lengths = np.array([0, 1, 3, 6, 6, 2])  # an empty row and full rows too
    targets = np.zeros((len(lengths), 6), "int64")
    for row, length in zip(targets, lengths, strict=True):
        row[:length] = rng.integers(3, 50, length)
    inputs = rng.integers(3, 50, (len(lengths), 4))
    expected = teacher_forced_batch(inputs, targets, 1, 2)
    dataset = tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(len(lengths))
    got = next(iter(dataset.map(lambda x, y: teacher_forced_tensors(x, y, 1, 2))))
    for got_part, want_part in zip(tf.nest.flatten(got), tf.nest.flatten(expected), strict=True):
        np.testing.assert_array_equal(got_part.numpy(), want_part)
        assert got_part.dtype.as_numpy_dtype == want_part.dtype
    (_, decoder_inputs), labels, mask = expected
    assert decoder_inputs.dtype == labels.dtype == np.int32
    assert labels[0].tolist() == [2, 0, 0, 0, 0, 0, 0]  # the empty row still ends
    assert mask.sum() == lengths.sum() + len(lengths)
