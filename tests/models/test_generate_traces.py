"""`generate` compiles once per (batch, source length bucket), not per call.

Traces are counted where they happen: every trace of a compiled decoding function
runs `DecoderModel.decode` once in Python, while a call of a function already
compiled for those shapes does not run it at all.
"""

import logging

import keras
import numpy as np
import pytest

import keras_seq
from keras_seq.decoding import _compiled

VOCAB = 20


class TraceCounter:
    """Wraps `model.decode` and counts its Python calls, i.e. traces."""

    def __init__(self, model):
        self.count = 0
        decode = model.decode

        def counting(*args, **kwargs):
            self.count += 1
            return decode(*args, **kwargs)

        object.__setattr__(model, "decode", counting)


def tiny_seq2seq(vocab=VOCAB):
    model = keras_seq.models.Seq2Seq(
        keras_seq.layers.RNNEncoder(vocab, 4, 4),
        keras_seq.layers.RNNDecoder(vocab, 4, 4),
        decoding="greedy",
        max_length=3,
    )
    return model, TraceCounter(model)


def sources(batch, length, seed=0, vocab=VOCAB):
    return np.random.default_rng(seed).integers(3, vocab, (batch, length)).astype("int32")


@pytest.mark.tensorflow_only
def test_tensorflow_traces_once_for_every_batch_size_and_length(caplog):
    model, traces = tiny_seq2seq()
    with caplog.at_level(logging.WARNING):
        for batch, length in [(2, 3), (5, 7), (1, 12), (3, 4), (7, 30), (2, 3)]:
            assert model.generate(sources(batch, length)).shape == (batch, 3)
    assert traces.count == 1
    ((_, function),) = model._decoders.values()
    assert function.experimental_get_tracing_count() == 1
    # Another strategy is another function, traced once too.
    for length in (4, 9):
        model.generate(sources(2, length), decoding=keras_seq.decoding.BeamSearch(2))
    assert traces.count == 2
    assert "retracing" not in caplog.text


@pytest.mark.tensorflow_only
def test_many_strategies_and_lengths_log_no_retracing_warning(caplog):
    """Each (strategy, max_length) of `generate`, and each `TextGenerator`, needs its
    own function, traced once: TensorFlow must not count those first traces together
    as retracing."""
    tokenizer = keras_seq.data.WordTokenizer()
    tokenizer.adapt(["a b c"])
    model, traces = tiny_seq2seq(tokenizer.vocabulary_size)
    with caplog.at_level(logging.WARNING):
        for max_length in range(1, 8):
            model.generate(sources(2, 3, vocab=tokenizer.vocabulary_size), max_length=max_length)
        assert traces.count == 7
        for max_length in range(1, 7):  # e.g. BleuCallbacks with their own settings
            keras_seq.TextGenerator(model, tokenizer, tokenizer, max_length=max_length)(["a b"])
        assert traces.count == 13
    assert "retracing" not in caplog.text


@pytest.mark.tensorflow_only
def test_evaluation_decodes_without_retracing(caplog):
    """`predict` over batches of many lengths, and `BleuCallback`'s evaluation over
    sentences of many lengths, trace once and log no retracing warning."""
    tokenizer = keras_seq.data.WordTokenizer()
    tokenizer.adapt(["a b c"])
    model, traces = tiny_seq2seq(tokenizer.vocabulary_size)
    batches = [sources(2 + i % 3, 2 + 3 * i, i, tokenizer.vocabulary_size) for i in range(6)]
    texts = [" ".join(["a"] * (1 + 2 * i)) for i in range(8)]
    callback = keras_seq.callbacks.BleuCallback(
        texts,
        texts,
        source_tokenizer=tokenizer,
        target_tokenizer=tokenizer,
        batch_size=3,
        verbose=0,
    )
    callback.set_model(model)
    with caplog.at_level(logging.WARNING):
        model.predict((batch for batch in batches), verbose=0)
        assert traces.count == 1
        callback.evaluate()
        callback.evaluate()
    assert traces.count == 2  # the BleuCallback's own text-to-text function, once
    assert "retracing" not in caplog.text


@pytest.mark.backend_neutral
@pytest.mark.skipif(keras.backend.backend() != "jax", reason="the JAX path of generate")
def test_jax_compiles_once_per_length_bucket():
    model, traces = tiny_seq2seq()
    for length in (1, 5, 16, 9):  # one bucket: padded to 16 columns
        assert model.generate(sources(2, length)).shape == (2, 3)
    assert traces.count == 1
    model.generate(sources(2, 17))  # the next bucket: 32 columns
    model.generate(sources(2, 30))
    assert traces.count == 2
    model.generate(sources(3, 5))  # another batch size compiles again
    assert traces.count == 3


def attentive_seq2seq(vocab=VOCAB):
    model = keras_seq.models.Seq2Seq(
        keras_seq.layers.RNNEncoder(vocab, 6, 8),
        keras_seq.layers.RNNDecoder(vocab, 6, 8, attention="luong"),
        max_length=6,
    )
    return model, TraceCounter(model)


@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "decoding",
    ["greedy", keras_seq.decoding.BeamSearch(3, num_return=2), keras_seq.decoding.Sampling(seed=4)],
)
def test_tensorflow_xla_generate_equals_the_plain_one(decoding):
    model, _ = attentive_seq2seq()
    for length in (3, 11, 20):  # shorter than, within and past one bucket of 16
        source = sources(3, length, seed=length)
        ids, scores = model.generate(source, decoding=decoding, return_scores=True)
        xla_ids, xla_scores = model.generate(
            source, decoding=decoding, return_scores=True, jit_compile=True
        )
        np.testing.assert_array_equal(xla_ids, ids)
        np.testing.assert_allclose(xla_scores, scores, rtol=1e-5, atol=1e-5)
    prefix = [[5, 6], [7], [8, 9, 10]]
    np.testing.assert_array_equal(
        model.generate(sources(3, 4), prefix=prefix, jit_compile=True),
        model.generate(sources(3, 4), prefix=prefix),
    )


@pytest.mark.tensorflow_only
def test_tensorflow_xla_generate_pads_sources_to_length_buckets(monkeypatch):
    """XLA compiles per input shape: the compiled function sees sources padded to a
    multiple of 16 columns, and is traced once."""
    shapes, padding = [], _compiled._padding_tokens

    def recording_padding(run):
        def recorded(inputs, *prefix):
            shapes.append(tuple(inputs.shape))
            return run(inputs, *prefix)

        return padding(recorded)

    monkeypatch.setattr(_compiled, "_padding_tokens", recording_padding)
    model, traces = tiny_seq2seq()
    for length in (1, 16, 17, 30):
        source = sources(2, length, seed=length)
        np.testing.assert_array_equal(
            model.generate(source, jit_compile=True), model.generate(source)
        )
    assert shapes == [(2, 16), (2, 16), (2, 32), (2, 32)]
    assert traces.count == 2  # the XLA function and the plain one, once each
    with pytest.raises(TypeError, match="jit_compile"):
        model.generate(sources(2, 3), jit_compile="yes")
