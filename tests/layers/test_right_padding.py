"""Left padding: refused where it would be misread, harmless elsewhere."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq.layers import RNNEncoder
from tests.keras_checks import assert_all_close

pytestmark = pytest.mark.backend_neutral

LEFT = np.array([[0, 0, 3, 4, 5, 2], [6, 7, 8, 9, 2, 0]], "int32")
GRAPH_ERRORS = (ValueError, tf.errors.InvalidArgumentError, RuntimeError)
MATCH = r"`source` must be right-padded.*padding before a real step in\W+1\W+row"


def compiled(function):
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    return tf.function(function)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_reverse_source_refuses_left_padding_eagerly_and_in_graph(bidirectional):
    encoder = RNNEncoder(12, 4, 3, bidirectional=bidirectional, reverse_source=True)
    encoder(LEFT[1:])  # right-padded: fine
    with pytest.raises(ValueError, match=MATCH):
        encoder(LEFT)
    graph = compiled(lambda ids: encoder(ids)[0])
    assert graph(LEFT[1:]).shape == (1, 6, 6 if bidirectional else 3)
    with pytest.raises(GRAPH_ERRORS, match=MATCH):
        np.asarray(graph(LEFT))


def test_reverse_source_refuses_left_padded_features():
    features = np.ones((2, 3, 2), "float32")
    features[0, 0] = 0.0
    encoder = RNNEncoder(input_dim=2, units=3, mask_value=0.0, reverse_source=True)
    with pytest.raises(ValueError, match=MATCH):
        encoder(features)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_without_reversal_left_padding_reads_the_real_tokens(cell):
    """The masked recurrent layers (stacked, bidirectional) carry their state over
    padding wherever it is, so they need no right padding to be correct."""
    encoder = RNNEncoder(12, 4, 3, cell=cell, num_layers=2, bidirectional=True)
    _, left_states = encoder(LEFT[:1])
    _, states = encoder(LEFT[:1, 2:])
    assert_all_close(left_states, states, atol=1e-5)


def test_fit_refuses_left_padded_targets():
    model = ks.models.Seq2Seq(RNNEncoder(12, 4, 4), ks.layers.RNNDecoder(12, 4, 4))
    model.compile("adam")
    with pytest.raises(ValueError, match=r"`target_ids` must be right-padded"):
        model.fit(LEFT[1:], np.array([[0, 3, 4]]), verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices((LEFT[1:], np.array([[0, 3, 4]]))).batch(1)
    with pytest.raises(GRAPH_ERRORS, match=r"`target_ids` must be right-padded"):
        model.fit(dataset, verbose=0)
