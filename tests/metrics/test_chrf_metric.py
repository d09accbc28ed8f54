"""The Chrf metric equals corpus_chrf on the same ids written as characters."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq.metrics import Chrf, corpus_chrf
from keras_seq.metrics.chrf import _chrf_from_statistics as graph_chrf
from keras_seq.metrics.chrf_functions import chrf_from_statistics
from tests.metrics.test_bleu_metric import END, PAD, START, pad, random_corpus, tokens

pytestmark = pytest.mark.tensorflow_only


def text(row, **ids):
    """One CJK character per kept id: never whitespace, never punctuation."""
    return "".join(chr(0x4E00 + int(token)) for token in tokens(row, **ids))


def expected_chrf(y_true, y_pred, **options):
    return corpus_chrf([text(r) for r in y_pred], [text(r) for r in y_true], **options)


batches = st.integers(1, 5).flatmap(
    lambda batch: st.tuples(
        *[
            st.lists(st.lists(st.integers(0, 5), max_size=10), min_size=batch, max_size=batch)
            for _ in range(2)
        ]
    )
)
_SHARED = {}


@settings(max_examples=12, deadline=None)
@given(corpus=st.lists(batches, min_size=1, max_size=3))
def test_accumulated_result_equals_corpus_chrf_in_tf_function(corpus):
    if not _SHARED:  # one metric and one trace for all examples
        metric = _SHARED["metric"] = Chrf(start_id=START, end_id=END, dtype="float64")
        _SHARED["update"] = tf.function(metric.update_state, reduce_retracing=True)
    metric, update = _SHARED["metric"], _SHARED["update"]
    metric.reset_state()
    all_true, all_pred = [], []
    for y_true, y_pred in corpus:
        update(pad(y_true, 10), pad(y_pred, 10))
        all_true += y_true
        all_pred += y_pred
    expected = expected_chrf(all_true, all_pred)
    assert float(metric.result()) == pytest.approx(expected.score, abs=1e-9)
    statistics = {k: v.numpy().tolist() for k, v in metric._statistics.items()}
    assert statistics["hyp_counts"] == list(expected.hyp_counts)
    assert statistics["ref_counts"] == list(expected.ref_counts)
    assert statistics["matches"] == list(expected.matches)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=6
    ),
    beta=st.sampled_from([1, 2, 3]),
    eps_smoothing=st.booleans(),
)
def test_graph_arithmetic_equals_python_arithmetic(rows, beta, eps_smoothing):
    rows = [(h, r, min(m, h, r)) for h, r, m in rows]
    statistics = [x for row in rows for x in row]
    expected = chrf_from_statistics(statistics, beta=beta, eps_smoothing=eps_smoothing)
    hyp, ref, match = (tf.constant([row[k] for row in rows], "float64") for k in range(3))
    graph = graph_chrf(hyp, ref, match, beta, eps_smoothing)
    assert float(graph) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "options, jit_compile",
    [
        ({"char_order": 4, "beta": 1}, True),
        ({"char_order": 1}, False),
        ({"eps_smoothing": True}, False),
    ],
)
def test_options_xla_and_ragged(options, jit_compile):
    y_true, y_pred = random_corpus(seed=7)
    expected = expected_chrf(y_true, y_pred, **options)
    assert 10 < expected.score < 90
    metric = Chrf(start_id=START, end_id=END, dtype="float64", **options)
    update = tf.function(metric.update_state, jit_compile=jit_compile)
    update(pad(y_true[:20], 14), pad(y_pred[:20], 16))
    metric.update_state(tf.ragged.constant(y_true[20:]), tf.ragged.constant(y_pred[20:]))
    assert float(metric.result()) == pytest.approx(expected.score, abs=1e-9)


def test_ignored_ids_act_like_removed_whitespace():
    y_true, y_pred = random_corpus(seed=8)
    space = 4
    metric = Chrf(start_id=START, end_id=END, ignore_ids=[space], dtype="float64")
    metric.update_state(pad(y_true), pad(y_pred))
    as_text = [
        corpus_chrf(
            [text(r).replace(chr(0x4E00 + space), " ") for r in rows_pred],
            [text(r).replace(chr(0x4E00 + space), " ") for r in rows_true],
            whitespace=whitespace,
        ).score
        for rows_true, rows_pred, whitespace in ((y_true, y_pred, False), (y_true, y_pred, True))
    ]
    assert float(metric.result()) == pytest.approx(as_text[0], abs=1e-9)
    assert as_text[0] != pytest.approx(as_text[1], abs=1e-3)  # the space matters here
    kept = Chrf(start_id=START, end_id=END, dtype="float64")
    kept.update_state(pad(y_true), pad(y_pred))
    assert float(kept.result()) == pytest.approx(as_text[1], abs=1e-9)


def test_sample_weight_and_logits():
    y_true, y_pred = random_corpus(seed=9)
    y_true, y_pred = pad(y_true, 15), pad(y_pred, 15)
    weights = (np.arange(15) < 10).astype("float32")[np.newaxis, :].repeat(len(y_true), 0)
    expected = expected_chrf(y_true[:, :10], y_pred[:, :10])
    metric = Chrf(start_id=START, end_id=END)
    metric.update_state(y_true, keras.ops.one_hot(y_pred, 12) * 3.0, sample_weight=weights)
    result = metric.result()
    assert result.dtype == "float32"
    assert float(result) == pytest.approx(expected.score, rel=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_in_model_compile_and_evaluate():
    vocabulary, length = 9, 6
    model = keras.Sequential(
        [
            keras.Input((length,), dtype="int32"),
            keras.layers.Embedding(vocabulary, 8),
            keras.layers.Dense(vocabulary),
        ]
    )
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[Chrf(char_order=3, pad_id=PAD)],
    )
    x = np.random.default_rng(0).integers(0, vocabulary, (16, length))
    logs = model.evaluate(x, x, batch_size=8, return_dict=True, verbose=0)
    predictions = np.argmax(model.predict(x, verbose=0), axis=-1)
    expected = corpus_chrf(
        [text(row, start=None, end=None) for row in predictions],
        [text(row, start=None, end=None) for row in x],
        char_order=3,
    )
    assert logs["chrf"] == pytest.approx(expected.score, rel=1e-5)


def test_config_and_serialization_round_trip():
    metric = Chrf(char_order=4, beta=1, eps_smoothing=True, end_id=3, ignore_ids=[7], name="c")
    config = metric.get_config()
    assert config["ignore_ids"] == [7] and config["beta"] == 1 and config["end_id"] == 3
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert isinstance(restored, Chrf) and restored.get_config() == config
    assert keras.saving.get_registered_name(Chrf) == "keras_seq>Chrf"
    y_true, y_pred = random_corpus(seed=10)
    for instance in (metric, restored):
        instance.update_state(pad(y_true), pad(y_pred))
    assert float(restored.result()) == float(metric.result()) > 0.0


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"char_order": 0}, ValueError, "char_order=0"),
        ({"beta": -1}, ValueError, "beta=-1"),
        ({"eps_smoothing": 1}, TypeError, "eps_smoothing=1"),
        ({"ignore_ids": 4}, TypeError, "ignore_ids=4"),
        ({"ignore_ids": ["4"]}, TypeError, "ignore_ids=\\['4'\\]"),
        ({"dtype": "int32"}, ValueError, "dtype='int32'"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        Chrf(**kwargs)
