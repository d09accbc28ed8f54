"""Right padding is invisible: appending padding never changes outputs at real steps or
final states, for forward, backward, bidirectional and stacked (residual or not) layers."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq.layers import Bidirectional, RNNEncoder, Stacked
from tests.keras_checks import to_numpy

pytestmark = pytest.mark.backend_neutral

VOCAB = 20


def make_layer(kind, cell):
    rnn = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[cell]
    if kind == "forward":
        return rnn(4, return_sequences=True, return_state=True)
    if kind == "backward":
        return rnn(4, return_sequences=True, return_state=True, go_backwards=True)
    if kind == "bidirectional":
        return Bidirectional(rnn(4, return_sequences=True, return_state=True))
    if kind == "stacked":
        return Stacked(rnn(4, return_sequences=True, return_state=True), 2)
    if kind == "stacked_residual":
        return Stacked(rnn(4, return_sequences=True, return_state=True), 3, residual=True)
    return Stacked(
        Bidirectional(rnn(4, return_sequences=True, return_state=True)), 3, residual=True
    )


KINDS = [
    "forward",
    "backward",
    "bidirectional",
    "stacked",
    "stacked_residual",
    "stacked_bidirectional_residual",
]
LAYERS = {}


def layer_for(kind, cell):
    # Built once per configuration: hypothesis then only varies the data.
    if (kind, cell) not in LAYERS:
        embedding = keras.layers.Embedding(VOCAB, 3, mask_zero=True)
        LAYERS[kind, cell] = (embedding, make_layer(kind, cell))
    return LAYERS[kind, cell]


def run(kind, cell, ids):
    embedding, layer = layer_for(kind, cell)
    results = layer(embedding(ids), mask=ids != 0)
    output, states = results[0], results[1:]
    output = to_numpy(output)
    if kind == "backward":  # Keras returns a backward layer's outputs in reversed time order
        output = output[:, ::-1]
    return output, to_numpy(list(states))


padded_batches = st.lists(st.integers(1, 6), min_size=1, max_size=3).flatmap(
    lambda lengths: st.tuples(
        st.just(lengths),
        st.lists(
            st.lists(st.integers(1, VOCAB - 1), min_size=max(lengths), max_size=max(lengths)),
            min_size=len(lengths),
            max_size=len(lengths),
        ),
        st.integers(1, 5),
    )
)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=8, deadline=None)
@given(batch=padded_batches)
def test_right_padding_is_invisible(kind, cell, batch):
    lengths, tokens, extra = batch
    ids = np.array(tokens, "int32")
    for row, length in enumerate(lengths):
        ids[row, length:] = 0
    longer = np.pad(ids, [(0, 0), (0, extra)])
    output, states = run(kind, cell, ids)
    padded_output, padded_states = run(kind, cell, longer)
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(padded_output[row, :length], output[row, :length], atol=1e-6)
    for state, padded_state in zip(keras.tree.flatten(states), keras.tree.flatten(padded_states)):
        np.testing.assert_allclose(padded_state, state, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("reverse_source", [False, True])
@settings(max_examples=6, deadline=None)
@given(batch=padded_batches)
def test_encoder_padding_is_invisible(reverse_source, cell, batch):
    lengths, tokens, extra = batch
    if (reverse_source, cell) not in ENCODERS:
        ENCODERS[reverse_source, cell] = RNNEncoder(
            VOCAB, 3, 4, cell=cell, num_layers=2, bidirectional=True, reverse_source=reverse_source
        )
    encoder = ENCODERS[reverse_source, cell]
    ids = np.array(tokens, "int32")
    for row, length in enumerate(lengths):
        ids[row, length:] = 0
    memory, states = to_numpy(encoder(ids))
    padded_memory, padded_states = to_numpy(encoder(np.pad(ids, [(0, 0), (0, extra)])))
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(padded_memory[row, :length], memory[row, :length], atol=1e-6)
    for state, padded_state in zip(keras.tree.flatten(states), keras.tree.flatten(padded_states)):
        np.testing.assert_allclose(padded_state, state, atol=1e-6)


ENCODERS = {}
