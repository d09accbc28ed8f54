"""GreedySearch, BeamSearch and Sampler inside functional models, saved and exported."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_seq.decoding import BeamSearch, GreedySearch, Sampler
from keras_seq.decoding.decoder_search import search
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import Seq2Seq
from tests.keras_checks import assert_all_close, to_numpy

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")


def trained_seq2seq():
    model = Seq2Seq(RNNEncoder(12, 8, 16), RNNDecoder(12, 8, 16, attention="luong"), max_length=6)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(SOURCE, np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0]]), epochs=3, verbose=0)
    return model


def translator(model, search_layer):
    source = keras.Input((None,), dtype="int32")
    memory, states = model.encoder(source)
    ids, scores = search_layer(
        model.bridge(states), memory=memory, memory_mask=keras.ops.not_equal(source, 0)
    )
    return keras.Model(source, [ids, scores])


@pytest.mark.parametrize(
    "make, method, kwargs",
    [
        (lambda d: GreedySearch(d, max_length=6), "greedy", {}),
        (lambda d: BeamSearch(d, max_length=6, beam_width=3), "beam", {"beam_width": 3}),
        (
            lambda d: BeamSearch(d, 6, beam_width=3, num_return=2, length_penalty=0.6),
            "beam",
            {"beam_width": 3, "num_return": 2, "length_penalty": 0.6},
        ),
        # Sampling draws from the layer's own seeded generator, not `generate`'s seed.
        (lambda d: Sampler(d, 6, temperature=0.8, top_k=5, seed=11), None, None),
    ],
)
def test_layers_equal_generate_and_survive_save_and_export(make, method, kwargs, tmp_path):
    model = trained_seq2seq()
    functional = translator(model, make(model.decoder))
    # Saved and exported before the first call: a Sampler's generator state travels
    # with the model, so every copy's first draw is the same.
    functional.save(tmp_path / "translator.keras")
    functional.export(str(tmp_path / "exported"), verbose=False)
    outputs = functional(SOURCE)
    if method is not None:
        expected = model.generate(SOURCE, method=method, return_scores=True, **kwargs)
        assert_all_close(outputs, expected, atol=1e-5)

    loaded = keras.models.load_model(tmp_path / "translator.keras")
    assert_all_close(loaded(SOURCE), outputs, atol=1e-5)

    reloaded = tf.saved_model.load(str(tmp_path / "exported"))
    assert_all_close(reloaded.serve(tf.constant(SOURCE)), outputs, atol=1e-5)


def test_sampler_layer_draws_new_samples_and_is_reproducible():
    model = trained_seq2seq()
    first = translator(model, Sampler(model.decoder, max_length=6, seed=11))
    second = translator(model, Sampler(model.decoder, max_length=6, seed=11))
    draws = [to_numpy(first(SOURCE)[0]) for _ in range(3)]
    assert any(not np.array_equal(draws[0], d) for d in draws[1:])
    np.testing.assert_array_equal(to_numpy(second(SOURCE)[0]), draws[0])
    top_one = translator(model, Sampler(model.decoder, max_length=6, top_k=1))
    np.testing.assert_array_equal(
        to_numpy(top_one(SOURCE)[0]), model.generate(SOURCE, method="greedy")
    )


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_real_decoder_search_is_the_same_eagerly_in_graph_and_under_xla(method):
    model = trained_seq2seq()

    def run(source):
        states, memory, mask, _ = model._condition(source)
        state = model.decoder.get_initial_state(3, states)
        return search(
            model.decoder,
            state,
            model.decoder.prepare_memory(memory, mask),
            method=method,
            start_id=1,
            end_id=2,
            max_length=6,
            min_length=0,
            beam_width=3,
            length_penalty=0.0,
            num_return=1,
            temperature=1.0,
            top_k=None,
            top_p=None,
            seed=None,
        )

    eager = run(SOURCE)
    assert_all_close(tf.function(run)(SOURCE), eager, atol=1e-5)
    assert_all_close(tf.function(run, jit_compile=True)(SOURCE), eager, atol=1e-5)


SEARCH_LAYERS = [GreedySearch, BeamSearch, Sampler]


@pytest.mark.parametrize("layer_class", SEARCH_LAYERS)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"max_length": 0}, ValueError, "Received: max_length=0"),
        ({"max_length": 2.5}, TypeError, "Received: max_length=2.5"),
        ({"max_length": 5, "min_length": 5}, ValueError, "Received: min_length=5"),
        ({"max_length": 5, "start_id": -1}, ValueError, "Received: start_id=-1"),
        ({"max_length": 5, "end_id": 12}, ValueError, r"\[0, 12\).*Received: end_id=12"),
    ],
)
def test_common_settings_are_checked_when_the_layer_is_made(layer_class, kwargs, error, match):
    with pytest.raises(error, match=match):
        layer_class(RNNDecoder(12, 8, 16), **kwargs)


@pytest.mark.parametrize("layer_class", SEARCH_LAYERS)
def test_the_decoder_must_be_an_rnn_decoder(layer_class):
    with pytest.raises(TypeError, match="`decoder`.*Received: decoder=<Dense"):
        layer_class(keras.layers.Dense(12), max_length=5)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda d: BeamSearch(d, 5, beam_width=0), ValueError, "Received: beam_width=0"),
        (lambda d: BeamSearch(d, 5, beam_width="4"), TypeError, "Received: beam_width='4'"),
        (
            lambda d: BeamSearch(d, 5, beam_width=2, num_return=3),
            ValueError,
            "Received: num_return=3",
        ),
        (
            lambda d: BeamSearch(d, 5, length_penalty=-0.5),
            ValueError,
            "Received: length_penalty=-0.5",
        ),
        (lambda d: Sampler(d, 5, temperature=0.0), ValueError, "Received: temperature=0.0"),
        (lambda d: Sampler(d, 5, top_k=0), ValueError, "Received: top_k=0"),
        (lambda d: Sampler(d, 5, top_p=1.5), ValueError, "Received: top_p=1.5"),
        (lambda d: Sampler(d, 5, seed="7"), TypeError, "Received: seed='7'"),
    ],
)
def test_method_settings_are_checked_when_the_layer_is_made(make, error, match):
    with pytest.raises(error, match=match):
        make(RNNDecoder(12, 8, 16))
