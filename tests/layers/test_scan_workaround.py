"""Keras's TensorFlow `scan` over several `xs` of unknown length fails (Keras 3.15);
`RNNDecoder`'s scheduled-sampling loop scans one tensor instead, and works."""

import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import ScheduledSampling, Seq2Seq
from keras_seq.schedules import ConstantSchedule

pytestmark = pytest.mark.tensorflow_only

UNKNOWN = tf.TensorSpec((None, None), tf.float32)


def test_upstream_scan_over_two_xs_of_unknown_length_still_fails():
    """When this starts passing, the workaround in `RNNDecoder._loop` may go."""

    @tf.function(input_signature=[UNKNOWN, UNKNOWN])
    def scan_two(a, b):
        return ops.scan(lambda carry, x: (carry + x[0] + x[1], carry), 0.0, (a[:, 0], b[:, 0]))

    with pytest.raises(AttributeError, match="assert_is_compatible_with"):
        scan_two(np.ones((3, 2), "float32"), np.ones((3, 2), "float32"))


def test_a_loop_decoder_samples_on_inputs_of_unknown_length():
    model = Seq2Seq(
        RNNEncoder(12, 4, 8),
        RNNDecoder(12, 4, 8, attention="bahdanau"),
        scheduled_sampling=ScheduledSampling(ConstantSchedule(0.5), feed="sample", seed=1),
    )
    ids = tf.TensorSpec((None, None), tf.int32)

    @tf.function(input_signature=[ids, ids])
    def logits(source, decoder_inputs):
        return model((source, decoder_inputs), training=True)

    got = logits(np.array([[3, 4, 5]], "int32"), np.array([[1, 6, 7, 8]], "int32"))
    assert tuple(got.shape) == (1, 4, 12)
