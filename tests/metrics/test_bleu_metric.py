"""The Bleu metric equals corpus_bleu on the same tokens, in every execution mode."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_seq as ks
from keras_seq.metrics import Bleu, corpus_bleu
from keras_seq.metrics._scoring import SMOOTH_DEFAULTS, bleu_from_statistics
from keras_seq.metrics.bleu import _bleu_from_statistics as graph_bleu
from keras_seq.models.teacher_forcing import teacher_forcing_pair

PAD, START, END = 0, 1, 2


def tokens(row, pad=PAD, start=START, end=END):
    """The reference behaviour: drop pad/start anywhere, stop at the first end."""
    out = []
    for token in row:
        if end is not None and token == end:
            break
        if token == pad or (start is not None and token == start):
            continue
        out.append(str(token))
    return out


def expected_bleu(y_true, y_pred, **kwargs):
    return corpus_bleu(
        [tokens(row) for row in y_pred],
        [[tokens(row)] for row in y_true],
        tokenize="none",
        **kwargs,
    )


# Small vocabularies so that n-grams repeat and clipping matters.
batches = st.integers(1, 6).flatmap(
    lambda batch: st.tuples(
        st.lists(
            st.lists(st.integers(0, 6), min_size=0, max_size=9), min_size=batch, max_size=batch
        ),
        st.lists(
            st.lists(st.integers(0, 6), min_size=0, max_size=9), min_size=batch, max_size=batch
        ),
    )
)


def pad(rows, length=None):
    length = max([len(r) for r in rows] + [1]) if length is None else length
    return np.array([r + [PAD] * (length - len(r)) for r in rows], dtype="int32")


_SHARED = {}


def shared_metric():
    """One metric and one traced update for all examples (tracing dominates the cost)."""
    if not _SHARED:
        metric = Bleu(start_id=START, end_id=END, dtype="float64")
        _SHARED["metric"] = metric
        _SHARED["update"] = tf.function(metric.update_state, reduce_retracing=True)
        _SHARED["result"] = tf.function(metric.result)
    _SHARED["metric"].reset_state()
    return _SHARED["metric"], _SHARED["update"], _SHARED["result"]


@settings(max_examples=40, deadline=None)
@given(corpus=st.lists(batches, min_size=1, max_size=3))
def test_accumulated_result_equals_corpus_bleu_in_tf_function(corpus):
    metric, update, result = shared_metric()
    all_true, all_pred = [], []
    for y_true, y_pred in corpus:
        update(pad(y_true, 10), pad(y_pred, 10))
        all_true += y_true
        all_pred += y_pred
    expected = expected_bleu(all_true, all_pred)
    assert float(result()) == pytest.approx(expected.score, abs=1e-9)
    assert metric._matches.numpy().tolist() == list(expected.counts)
    assert metric._totals.numpy().tolist() == list(expected.totals)
    assert int(metric._hyp_len.numpy()) == expected.hyp_len
    assert int(metric._ref_len.numpy()) == expected.ref_len


@settings(max_examples=60, deadline=None)
@given(
    statistics=st.integers(1, 5).flatmap(
        lambda order: st.tuples(
            st.lists(st.integers(0, 6), min_size=order, max_size=order),
            st.lists(st.integers(0, 9), min_size=order, max_size=order),
        )
    ),
    lengths=st.tuples(st.integers(0, 12), st.integers(0, 12)),
    smooth=st.sampled_from(["exp", "floor", "add-k", "none"]),
    smooth_value=st.sampled_from([None, 0.0, 0.5, 2]),
)
def test_graph_arithmetic_equals_python_arithmetic(statistics, lengths, smooth, smooth_value):
    """The graph formula against corpus_bleu's, on arbitrary statistics and smoothing."""
    counts, totals = statistics
    counts = [min(c, t) for c, t in zip(counts, totals, strict=True)]
    if smooth in ("exp", "none"):
        smooth_value = None
    value = smooth_value if smooth_value is not None else SMOOTH_DEFAULTS[smooth]
    expected = bleu_from_statistics(
        counts,
        totals,
        *lengths,
        smooth=smooth,
        smooth_value=value,
        effective_order=False,
        signature="",
    )
    graph = graph_bleu(
        tf.constant(counts, "int64"),
        tf.constant(totals, "int64"),
        tf.constant(lengths[0], "int64"),
        tf.constant(lengths[1], "int64"),
        smooth=smooth,
        smooth_value=value,
    )
    assert float(graph) == pytest.approx(expected.score, abs=1e-9)


@pytest.mark.parametrize("max_order", [1, 2, 3, 5])
@pytest.mark.parametrize("smooth", ["floor", "add-k", "none"])
def test_orders_and_smoothing(max_order, smooth):
    y_true, y_pred = random_corpus(seed=max_order)
    metric = Bleu(max_order=max_order, start_id=START, end_id=END, smooth=smooth, dtype="float64")
    metric.update_state(pad(y_true[:25]), pad(y_pred[:25]))
    metric.update_state(pad(y_true[25:]), pad(y_pred[25:]))
    expected = expected_bleu(y_true, y_pred, max_order=max_order, smooth=smooth)
    assert float(metric.result()) == pytest.approx(expected.score, abs=1e-9)


def random_corpus(seed, size=40, vocabulary=12, max_length=14):
    rng = np.random.default_rng(seed)
    y_true = [list(rng.integers(0, vocabulary, rng.integers(0, max_length))) for _ in range(size)]
    y_pred = []
    for row in y_true:  # hypotheses close to the references, so every order matches
        row = [t if rng.random() > 0.25 else int(rng.integers(3, vocabulary)) for t in row]
        y_pred.append(row[: len(row) + int(rng.integers(-2, 3))])
    return y_true, y_pred


@pytest.mark.parametrize("splits", [[40], [1, 39], [7, 13, 20], [20, 0, 20]])
def test_split_points_do_not_change_the_result(splits):
    y_true, y_pred = random_corpus(seed=0)
    expected = expected_bleu(y_true, y_pred)
    assert all(expected.counts)
    metric = Bleu(start_id=START, end_id=END, dtype="float64")
    start = 0
    for size in splits:
        if size:  # an empty batch cannot be padded to a dense tensor; skip it
            metric.update_state(
                pad(y_true[start : start + size]), pad(y_pred[start : start + size])
            )
        start += size
    assert float(metric.result()) == pytest.approx(expected.score, abs=1e-9)


def test_ragged_inputs_equal_padded_inputs():
    y_true, y_pred = random_corpus(seed=1)
    expected = expected_bleu(y_true, y_pred)
    ragged = Bleu(start_id=START, end_id=END, dtype="float64")
    ragged.update_state(tf.ragged.constant(y_true, dtype="int64"), tf.ragged.constant(y_pred))
    padded = Bleu(start_id=START, end_id=END, dtype="float64")
    padded.update_state(pad(y_true, 20), pad(y_pred, 30))
    assert float(ragged.result()) == pytest.approx(expected.score, abs=1e-9)
    assert float(padded.result()) == pytest.approx(expected.score, abs=1e-9)
    # With no pad id, ragged rows keep their zeros as tokens.
    no_pad = Bleu(pad_id=None, dtype="float64")
    no_pad.update_state(tf.ragged.constant(y_true), tf.ragged.constant(y_pred))
    unfiltered = corpus_bleu(
        [[str(t) for t in r] for r in y_pred], [[[str(t) for t in r]] for r in y_true]
    )
    assert float(no_pad.result()) == pytest.approx(unfiltered.score, abs=1e-9)


def test_xla_compiled_update_and_result():
    y_true, y_pred = random_corpus(seed=2)
    metric = Bleu(start_id=START, end_id=END, dtype="float64")
    update = tf.function(metric.update_state, jit_compile=True)
    update(pad(y_true[:20], 14), pad(y_pred[:20], 16))
    update(pad(y_true[20:], 14), pad(y_pred[20:], 16))
    result = tf.function(metric.result, jit_compile=True)()
    assert float(result) == pytest.approx(expected_bleu(y_true, y_pred).score, abs=1e-9)


def test_special_ids_are_ignored_and_end_truncates():
    metric = Bleu(pad_id=0, start_id=1, end_id=2, max_order=2, dtype="float64")
    # Hypothesis 1 5 6 2 7 8 0 is "5 6"; reference 5 1 6 0 is "5 6".
    metric.update_state([[5, 1, 6, 0, 0, 0, 0]], [[1, 5, 6, 2, 7, 8, 0]])
    assert float(metric.result()) == pytest.approx(100.0)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert metric._totals.numpy().tolist() == [0, 0]
    metric.update_state([[5, 6, 7]], [[2, 5, 6]])  # nothing before the end
    assert metric._hyp_len.numpy() == 0 and float(metric.result()) == 0.0


def test_default_float32_result_and_logits():
    y_true, y_pred = random_corpus(seed=3)
    expected = expected_bleu(y_true, y_pred)
    y_true, y_pred = pad(y_true, 15), pad(y_pred, 15)
    logits = keras.ops.one_hot(y_pred, 12) * 5.0  # float (batch, time, vocabulary)
    metric = Bleu(start_id=START, end_id=END)
    metric.update_state(y_true, logits)
    result = metric.result()
    assert result.dtype == "float32"
    assert float(result) == pytest.approx(expected.score, rel=1e-6)


def test_in_model_compile_and_fit():
    vocabulary, length = 9, 6
    model = keras.Sequential(
        [
            keras.Input((length,), dtype="int32"),
            keras.layers.Embedding(vocabulary, 8),
            keras.layers.Dense(vocabulary),
        ]
    )
    rng = np.random.default_rng(0)
    x = rng.integers(0, vocabulary, (16, length))
    for jit_compile in (False, True):
        model.compile(
            optimizer="adam",
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[Bleu(start_id=START, end_id=END)],
            jit_compile=jit_compile,
        )
        history = model.fit(x, x, batch_size=8, epochs=1, verbose=0)
        assert 0.0 <= history.history["bleu"][0] <= 100.0
        if not jit_compile:
            continue
        logs = model.evaluate(x, x, batch_size=16, return_dict=True, verbose=0)
        predictions = np.argmax(model.predict(x, verbose=0), axis=-1)
        assert logs["bleu"] == pytest.approx(expected_bleu(x, predictions).score, rel=1e-5)


def masked(rows, weights):
    """The tokens of `rows` at positions of non-zero weight (the others are padding)."""
    return [
        [t for t, w in zip(row, weight, strict=True) if w]
        for row, weight in zip(rows, weights, strict=True)
    ]


def test_sample_weight_zeros_are_padding_in_y_pred_and_y_true():
    rng = np.random.default_rng(4)
    y_true, y_pred = random_corpus(seed=4)
    y_true, y_pred = pad(y_true, 16), pad(y_pred, 16)
    # Garbage (including end tokens) where the weight is 0, and weights that are not 0/1.
    weights = rng.choice([0.0, 0.5, 1.0, 2.0], size=y_true.shape, p=[0.3, 0.1, 0.5, 0.1])
    y_pred = np.where(weights == 0, rng.integers(2, 12, y_pred.shape), y_pred).astype("int32")
    expected = expected_bleu(masked(y_true, weights), masked(y_pred, weights))
    unmasked = expected_bleu(y_true, y_pred)
    assert all(expected.counts) and expected.score != pytest.approx(unmasked.score, abs=1e-3)

    metric = Bleu(start_id=START, end_id=END, dtype="float64")
    metric.update_state(y_true[:15], y_pred[:15], sample_weight=weights[:15])
    update = tf.function(metric.update_state, jit_compile=True)
    update(y_true[15:], y_pred[15:], sample_weight=weights[15:, :, np.newaxis])
    assert float(metric.result()) == pytest.approx(expected.score, abs=1e-9)
    assert metric._totals.numpy().tolist() == list(expected.totals)
    assert int(metric._hyp_len.numpy()) == expected.hyp_len
    assert int(metric._ref_len.numpy()) == expected.ref_len

    # Ragged ids with a ragged mask, and one weight per sentence.
    ragged = Bleu(start_id=START, end_id=END, dtype="float64")
    ragged.update_state(
        tf.ragged.constant(y_true.tolist()),
        tf.ragged.constant(y_pred.tolist()),
        sample_weight=tf.ragged.constant(weights.tolist()),
    )
    assert float(ragged.result()) == pytest.approx(expected.score, abs=1e-9)
    sentences = Bleu(start_id=START, end_id=END, dtype="float64")
    keep = (np.arange(len(y_true)) % 3 != 0).astype("float32")
    sentences.update_state(y_true, y_pred, sample_weight=keep)
    kept = keep.astype(bool)
    assert float(sentences.result()) == pytest.approx(
        expected_bleu(y_true[kept], y_pred[kept]).score, abs=1e-9
    )


def test_sample_weight_shape_must_match():
    metric = Bleu()
    with pytest.raises(ValueError, match=r"timesteps of `y_true`.*sample_weight.shape=\(2, 4\)"):
        metric.update_state(np.ones((2, 3), "int32"), np.ones((2, 3), "int32"), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"sample_weight.shape=\(2, 3, 4\)"):
        metric.update_state(np.ones((2, 3), "int32"), np.ones((2, 3), "int32"), np.ones((2, 3, 4)))


@pytest.mark.parametrize("argument", ["weighted_metrics", "metrics"])
def test_seq2seq_compiled_bleu_scores_only_unpadded_predictions(argument):
    """evaluate's BLEU equals corpus_bleu over the teacher-forced argmax cut by the target mask."""
    vocabulary = 9
    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 7, 12)
    targets = np.zeros((12, 6), "int32")
    for row, length in zip(targets, lengths, strict=True):
        row[:length] = rng.integers(3, vocabulary, length)
    sources = np.concatenate([targets, np.zeros((12, 1), "int32")], axis=1)
    sources[np.arange(12), lengths] = END
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(vocabulary, 8, 16),
        ks.layers.RNNDecoder(vocabulary, 8, 16),
    )
    # end_id=None: every label (the end token included) is a token, so whatever the
    # model predicts at padded positions would count if the mask were ignored.
    model.compile(
        keras.optimizers.Adam(2e-2),
        **{argument: [Bleu(max_order=2, name="bleu"), Bleu(end_id=END, name="bleu_end")]},
    )
    model.fit(sources, targets, batch_size=4, epochs=3, verbose=0)
    logs = model.evaluate(sources, targets, batch_size=5, return_dict=True, verbose=0)

    decoder_inputs, labels = teacher_forcing_pair(targets, START, END)
    labels = keras.ops.convert_to_numpy(labels)
    predictions = np.argmax(model((sources, decoder_inputs), training=False), axis=-1)
    mask = labels != 0
    ref, hyp = masked(labels, mask), masked(predictions, mask)
    expected = corpus_bleu(
        [tokens(row, start=None, end=None) for row in hyp],
        [[tokens(row, start=None, end=None)] for row in ref],
        max_order=2,
        tokenize="none",
    )
    unmasked = corpus_bleu(  # what the metric gave when it ignored sample weights
        [tokens(row, start=None, end=None) for row in predictions],
        [[tokens(row, start=None, end=None)] for row in labels],
        max_order=2,
        tokenize="none",
    )
    assert 0.0 < expected.score < 100.0
    assert unmasked.score != pytest.approx(expected.score, abs=0.1)  # the mask matters here
    assert logs["bleu"] == pytest.approx(expected.score, rel=1e-5)
    assert logs["bleu_end"] == pytest.approx(
        corpus_bleu(
            [tokens(row, start=None) for row in hyp],
            [[tokens(row, start=None)] for row in ref],
            tokenize="none",
        ).score,
        rel=1e-5,
    )


def test_config_and_serialization_round_trip():
    metric = Bleu(
        max_order=3,
        pad_id=5,
        start_id=6,
        end_id=7,
        smooth="floor",
        smooth_value=0.2,
        name="my_bleu",
    )
    config = metric.get_config()
    assert config["max_order"] == 3 and config["smooth_value"] == 0.2
    clone = Bleu.from_config(config)
    assert clone.get_config() == config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert isinstance(restored, Bleu) and restored.get_config() == config
    assert keras.saving.get_registered_name(Bleu) == "keras_seq>Bleu"


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"max_order": 0}, ValueError, "max_order=0"),
        ({"smooth": "nist"}, ValueError, "smooth='nist'"),
        ({"smooth_value": 0.5}, ValueError, "smooth_value=0.5"),
        ({"pad_id": "0"}, TypeError, "pad_id='0'"),
        ({"end_id": 2.0}, TypeError, "end_id=2.0"),
        ({"dtype": "int32"}, ValueError, "dtype='int32'"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(".", r"\.")):
        Bleu(**kwargs)


def test_bad_inputs():
    metric = Bleu()
    with pytest.raises(ValueError, match=r"y_pred.shape=\(2, 3, 4, 5\)"):
        metric.update_state(np.zeros((2, 3), "int32"), np.zeros((2, 3, 4, 5), "int32"))
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\)"):
        metric.update_state(np.zeros((3,), "int32"), np.zeros((3,), "int32"))
    with pytest.raises(ValueError, match="same batch size"):
        metric.update_state(np.zeros((2, 3), "int32"), np.zeros((3, 3), "int32"))
    with pytest.raises(TypeError, match="integer token ids. Received: y_true with dtype string"):
        metric.update_state(tf.constant([["a"]]), np.zeros((1, 1), "int32"))


@pytest.mark.parametrize("metric_class", [Bleu, ks.metrics.Chrf])
def test_fractional_float_ids_are_refused_eagerly_and_in_graph(metric_class):
    """3.5 would otherwise be cast to id 3 and scored as if it were a real token."""
    metric = metric_class()
    whole = np.array([[4.0, 5.0, 2.0]], "float32")
    metric.update_state(whole, whole)  # whole-valued floats are ids, as Keras passes them
    fractional = np.array([[4.0, 5.5, 2.0]], "float32")
    message = "`y_pred` must hold whole-number token ids. Received: 5.5 in y_pred"
    with pytest.raises(ValueError, match=re.escape(message)):
        metric.update_state(whole, fractional)
    negative = np.array([[4.0, -3.5, 2.0]], "float32")
    with pytest.raises(ValueError, match=re.escape("Received: -3.5 in y_pred")):
        metric.update_state(whole, negative)
    graph_update = tf.function(metric.update_state)
    # A graph assertion prints the message's text and its values as separate pieces.
    graph_message = r"must hold whole-number token ids\. Received: \] \[5\.5\] \[ in y_pred"
    with pytest.raises(tf.errors.InvalidArgumentError, match=graph_message):
        graph_update(tf.constant(whole), tf.constant(fractional))
