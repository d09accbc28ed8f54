"""DecodingLayer: any decoder with the step protocol, inside models, saved and exported."""

import ast
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq
from keras_seq.decoding import BeamSearch, DecodingLayer, GreedySearch, Sampling
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import Seq2Seq
from tests.decoding.decoding_fakes import RNNModel, brute_force, emitted
from tests.keras_checks import assert_all_close, to_numpy

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")


def trained_seq2seq(attention="luong"):
    model = Seq2Seq(RNNEncoder(12, 8, 16), RNNDecoder(12, 8, 16, attention=attention), max_length=6)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(SOURCE, np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0]]), epochs=3, verbose=0)
    return model


class ElmanDecoder(keras.layers.Layer):
    """A decoder keras_seq knows nothing about: only `step` and `vocab_size`."""

    def __init__(self, fake, **kwargs):
        super().__init__(**kwargs)
        self.fake = fake
        self.vocab_size = fake.vocab_size

    def step(self, token_ids, state, constants=None):
        return self.fake.step_fn(token_ids, state)


def test_a_custom_decoder_is_decoded_and_matches_brute_force():
    fake = RNNModel(seed=4, batch_size=2, vocab_size=5)
    layer = DecodingLayer(ElmanDecoder(fake), BeamSearch(beam_width=12, num_return=3), 3)
    result = layer(fake.initial_state()[0])
    ids, scores = to_numpy(result.ids), to_numpy(result.scores)
    for row in range(2):
        # Padding (0) and the start token (1) are never emitted; the scores are the
        # decoder's own log-probabilities of the rest.
        best = brute_force(fake, row, start_id=1, end_id=2, max_length=3, forbidden_ids=(0, 1))
        best = best[:3]
        for k, (score, tokens) in enumerate(best):
            assert emitted(ids[row, k], 2) == tokens
            assert scores[row, k] == pytest.approx(score, abs=1e-4)


@pytest.mark.parametrize(
    "strategy", [GreedySearch(), BeamSearch(beam_width=3, length_penalty=0.6, num_return=2)]
)
@pytest.mark.parametrize("attention", [None, "luong"])
def test_the_layer_equals_generate_and_survives_save_and_export(strategy, attention, tmp_path):
    model = trained_seq2seq(attention=attention)
    source = keras.Input((None,), dtype="int32")
    memory, states = model.encoder(source)
    layer = DecodingLayer(model.decoder, strategy, max_length=6)
    if attention is None:  # the (state, constants) form
        state, constants = model.decoder.start(
            keras.ops.shape(source)[0], initial_state=model.bridge(states)
        )
        result = layer(state, constants)
    else:  # the decoder computes its attention keys inside the layer
        mask = keras.ops.not_equal(source, 0)
        result = layer(
            decoder_inputs={
                "initial_state": model.bridge(states),
                "memory": memory,
                "memory_mask": mask,
            }
        )
    translator = keras.Model(source, [result.ids, result.scores])
    ids, scores = translator(SOURCE)
    expected_ids, expected_scores = model.generate(SOURCE, decoding=strategy, return_scores=True)
    if strategy.num_return == 1:
        ids, scores = ids[:, 0], scores[:, 0]
    np.testing.assert_array_equal(to_numpy(ids), expected_ids)
    assert_all_close(scores, expected_scores, atol=1e-5)

    translator.save(tmp_path / "translator.keras")
    loaded = keras.models.load_model(tmp_path / "translator.keras")
    assert_all_close(loaded(SOURCE), translator(SOURCE), atol=1e-5)
    translator.export(str(tmp_path / "exported"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "exported"))
    assert_all_close(reloaded.serve(tf.constant(SOURCE)), translator(SOURCE), atol=1e-5)


@pytest.mark.parametrize("strategy", ["greedy", "beam", Sampling(top_k=3, seed=2)])
def test_real_decoder_is_the_same_eagerly_in_graph_and_under_xla(strategy):
    model = trained_seq2seq()
    layer = model.decoding_layer(strategy)

    def run(source):
        return tuple(model.decode(source, layer))

    eager = run(SOURCE)
    assert_all_close(tf.function(run)(SOURCE), eager, atol=1e-5)
    assert_all_close(tf.function(run, jit_compile=True)(SOURCE), eager, atol=1e-5)


def test_config_round_trip():
    decoder = RNNDecoder(12, 8, 16, cell="gru")
    layer = DecodingLayer(decoder, BeamSearch(beam_width=2), max_length=7, start_id=3, end_id=4)
    clone = DecodingLayer.from_config(layer.get_config())
    assert clone.strategy == layer.strategy
    assert (clone.max_length, clone.start_id, clone.end_id) == (7, 3, 4)
    assert clone.decoder.get_config() == decoder.get_config()


def test_output_spec_and_per_call_overrides():
    decoder = RNNDecoder(12, 8, 16, cell="gru")
    layer = DecodingLayer(decoder, "greedy", max_length=5)
    state, constants = decoder.start(2, initial_state=[[np.zeros((2, 16), "float32")]])
    spec = layer.compute_output_spec(state, constants, strategy=BeamSearch(num_return=3))
    assert spec.ids.shape == (2, 3, 5) and spec.ids.dtype == "int32"
    result = layer(state, constants, strategy=BeamSearch(num_return=3), max_length=4)
    assert tuple(result.ids.shape) == (2, 3, 4)
    assert tuple(layer(state, constants).ids.shape) == (2, 1, 5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"max_length": 0}, ValueError, "Received: max_length=0"),
        ({"max_length": 2.5}, TypeError, "Received: max_length=2.5"),
        ({"start_id": 0}, ValueError, "Received: start_id=0"),
        ({"end_id": 12}, ValueError, r"\[1, 12\).*Received: end_id=12"),
        ({"strategy": "nucleus"}, ValueError, "decoding='nucleus'"),
    ],
)
def test_settings_are_checked_when_the_layer_is_made(kwargs, error, match):
    with pytest.raises(error, match=match):
        DecodingLayer(RNNDecoder(12, 8, 16), **kwargs)


def test_the_decoder_must_offer_the_step_protocol():
    with pytest.raises(TypeError, match="step protocol.*Received: decoder=<Dense"):
        DecodingLayer(keras.layers.Dense(12))
    fake = RNNModel(seed=0, batch_size=2, vocab_size=5)
    with pytest.raises(TypeError, match="`decoder_inputs` needs a decoder with a `start"):
        DecodingLayer(ElmanDecoder(fake))(decoder_inputs={"h": fake.initial_state()[0]["h"]})


def test_decoding_imports_nothing_from_layers_or_models():
    package = pathlib.Path(keras_seq.__file__).parent / "decoding"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("keras_seq.layers", "keras_seq.models")), (
                    path.name,
                    name,
                )
