import itertools
import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_seq.decoding import BeamSearch, GreedySearch, Sampling
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import Seq2Seq
from keras_seq.models.teacher_forcing import masked_cross_entropy, teacher_forcing_pair
from tests.keras_checks import assert_all_close, to_numpy
from tests.models.seq2seq_tasks import digit_pairs, exact_match, token_accuracy

pytestmark = pytest.mark.backend_neutral

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")
TARGET = np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0]], "int32")


def small_model(attention="luong", vocab_size=12, decoding="beam", **kwargs):
    return Seq2Seq(
        RNNEncoder(12, 8, 8, bidirectional=True),
        RNNDecoder(vocab_size, 8, 16, attention=attention, **kwargs),
        max_length=6,
        decoding=decoding,
    )


def trained(model, epochs=3):
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(SOURCE, TARGET, epochs=epochs, verbose=0)
    return model


def test_teacher_forcing_pair():
    inputs, labels = to_numpy(teacher_forcing_pair(TARGET, 1, 2))
    assert inputs.tolist() == [[1, 9, 10, 11], [1, 11, 3, 0], [1, 4, 0, 0]]
    assert labels.tolist() == [[9, 10, 11, 2], [11, 3, 2, 0], [4, 2, 0, 0]]


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_masked_cross_entropy_equals_hand_computation(smoothing):
    rng = np.random.RandomState(0)
    logits = rng.randn(2, 3, 5).astype("float32")
    labels = np.array([[1, 4, 0], [2, 0, 0]])
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    terms = [
        -(1 - smoothing) * log_probs[b, t, labels[b, t]] - smoothing * log_probs[b, t].mean()
        for b, t in [(0, 0), (0, 1), (1, 0)]
    ]
    assert float(masked_cross_entropy(labels, logits, smoothing)) == pytest.approx(
        np.mean(terms), abs=1e-6
    )


def test_target_padding_never_changes_the_loss_or_metrics():
    model = small_model()
    model.compile(metrics=["accuracy"])
    loss, accuracy = model.evaluate(SOURCE, TARGET, verbose=0)
    padded = np.pad(TARGET, [(0, 0), (0, 4)])
    assert model.evaluate(SOURCE, padded, verbose=0) == pytest.approx([loss, accuracy], abs=1e-6)
    # The accuracy counts real target tokens (and the end token) only, on every backend.
    decoder_inputs, labels = teacher_forcing_pair(TARGET, model.start_id, model.end_id)
    predicted = np.argmax(to_numpy(model((SOURCE, decoder_inputs))), -1)
    real = labels != 0
    assert accuracy == pytest.approx(np.mean(predicted[real] == labels[real]), abs=1e-6)
    assert loss == pytest.approx(math.log(12), rel=0.2)  # untrained: near uniform


@settings(max_examples=3, deadline=None)
@given(extra=st.integers(1, 4), method=st.sampled_from(["greedy", "beam"]))
def test_source_padding_never_changes_generations(extra, method):
    model = MODELS.setdefault("padding", trained(small_model()))
    ids, scores = model.generate(SOURCE, decoding=method, return_scores=True)
    padded_ids, padded_scores = model.generate(
        np.pad(SOURCE, [(0, 0), (0, extra)]), decoding=method, return_scores=True
    )
    np.testing.assert_array_equal(padded_ids, ids)
    np.testing.assert_allclose(padded_scores, scores, atol=1e-5)


MODELS = {}


def teacher_forced_log_prob(model, source, ids, start_id=1):
    """Sum of the model's log-probabilities of `ids` (up to and with END) under teacher
    forcing: the model's call and a float64 log-softmax."""
    tokens = list(ids[: list(ids).index(2) + 1] if 2 in ids else ids)
    decoder_inputs = np.array([[start_id] + tokens[:-1]], "int32")
    logits = to_numpy(model((source[None], decoder_inputs)))[0].astype("float64")
    log_probs = (
        logits
        - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True))
        - logits.max(-1, keepdims=True)
    )
    return sum(log_probs[t, token] for t, token in enumerate(tokens))


@pytest.mark.parametrize("method", ["greedy", "beam"])
@pytest.mark.parametrize("attention", [None, "luong", "bahdanau"])
@pytest.mark.parametrize("fitted", [True, False], ids=["trained", "untrained"])
def test_scores_are_teacher_forced_log_probabilities(method, attention, fitted):
    """Padding and start are never emitted, and the scores are not renormalised over
    the other tokens: they are the model's own log-probabilities, end token included."""
    model = small_model(attention)
    model = trained(model) if fitted else model
    ids, scores = to_numpy(model.generate(SOURCE, decoding=method, return_scores=True))
    for row in range(len(SOURCE)):
        assert scores[row] == pytest.approx(
            teacher_forced_log_prob(model, SOURCE[row], ids[row]), abs=1e-4
        )
        emitted = ids[row][: list(ids[row]).index(2) + 1] if 2 in ids[row] else ids[row]
        assert not np.any(np.isin(emitted, [0, 1]))


def test_exhaustive_beam_equals_brute_force_on_a_real_decoder():
    """Vocabulary {pad, start, end, 3, 4}, at most 3 tokens: a beam of 9 keeps every
    hypothesis, so it must return the best of all sequences found by enumeration."""
    model = Seq2Seq(RNNEncoder(12, 4, 4), RNNDecoder(5, 4, 4, attention="luong"), max_length=3)
    model.compile(keras.optimizers.Adam(1e-2))
    model.fit(SOURCE, np.array([[3, 4, 3], [4, 4, 0], [3, 0, 0]]), epochs=2, verbose=0)
    candidates = [seq + (2,) for n in range(3) for seq in itertools.product((3, 4), repeat=n)]
    candidates += list(itertools.product((3, 4), repeat=3))
    ids, scores = to_numpy(
        model.generate(SOURCE, decoding=BeamSearch(beam_width=9, num_return=3), return_scores=True)
    )
    for row in range(len(SOURCE)):
        brute = sorted(
            ((teacher_forced_log_prob(model, SOURCE[row], np.array(c)), c) for c in candidates),
            reverse=True,
        )[:3]
        for rank, (score, sequence) in enumerate(brute):
            assert tuple(ids[row, rank][: len(sequence)]) == sequence
            assert scores[row, rank] == pytest.approx(score, abs=1e-4)


def test_beam_width_one_is_greedy_and_predict_decodes():
    model = trained(small_model())
    greedy = model.generate(SOURCE, decoding="greedy")
    np.testing.assert_array_equal(model.generate(SOURCE, decoding=BeamSearch(beam_width=1)), greedy)
    np.testing.assert_array_equal(model.predict(SOURCE, verbose=0), model.generate(SOURCE))
    assert tuple(model.generate(SOURCE, decoding=BeamSearch(num_return=3)).shape) == (3, 3, 6)


def test_predict_uses_the_model_strategy_and_builds_the_model():
    """predict on a never-built model decodes with the strategy given at construction,
    like generate; the strategy survives a .keras round trip."""
    model = small_model(decoding=BeamSearch(beam_width=3, num_return=2))
    predicted = model.predict(SOURCE, verbose=0)
    assert predicted.shape == (3, 2, 6)
    np.testing.assert_array_equal(predicted, model.generate(SOURCE))
    greedy = small_model(decoding="greedy")
    assert greedy.predict(SOURCE, verbose=0).shape == (3, 6)
    assert greedy.get_config()["decoding"] == {
        "class_name": "GreedySearch",
        "config": {"min_length": 0},
    }


def test_the_model_strategy_survives_a_keras_round_trip(tmp_path):
    strategy = Sampling(temperature=0.7, top_k=3, seed=4)
    model = trained(small_model(decoding=strategy))
    model.save(tmp_path / "sampling.keras")
    loaded = keras.models.load_model(tmp_path / "sampling.keras")
    assert loaded.decoding == strategy
    np.testing.assert_array_equal(loaded.predict(SOURCE, verbose=0), model.generate(SOURCE))


@pytest.mark.parametrize("attention", [None, "bahdanau"])
def test_keras_round_trip_gives_identical_generations(attention, tmp_path):
    model = trained(small_model(attention, cell="gru", num_layers=2))
    model.save(tmp_path / "seq2seq.keras")
    loaded = keras.models.load_model(tmp_path / "seq2seq.keras")
    for method in ("greedy", "beam"):
        expected = model.generate(SOURCE, decoding=method, return_scores=True)
        assert_all_close(loaded.generate(SOURCE, decoding=method, return_scores=True), expected)
    assert json.loads(json.dumps(loaded.get_config())) == json.loads(json.dumps(model.get_config()))


@pytest.mark.tensorflow_only
def test_fit_accepts_a_dataset_and_clips_gradients():
    model = small_model()
    model.compile(keras.optimizers.SGD(0.5, global_clipnorm=1e-3))
    before = [w.numpy().copy() for w in model.trainable_weights] if model.built else None
    dataset = tf.data.Dataset.from_tensor_slices((SOURCE, TARGET)).batch(2)
    model.fit(dataset.take(1), epochs=1, verbose=0)
    assert before is None
    weights = [w.numpy().copy() for w in model.trainable_weights]
    model.fit(dataset.take(1), epochs=1, verbose=0)
    change = math.sqrt(
        sum(float(np.sum((w.numpy() - b) ** 2)) for w, b in zip(model.trainable_weights, weights))
    )
    # The raw gradient norm is far above 1e-3, so the step is learning rate x clip norm.
    assert change == pytest.approx(0.5 * 1e-3, rel=0.01)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"max_length": 0}, ValueError, "max_length=0"),
        ({"max_length": True}, TypeError, "max_length=True"),
        ({"decoding": "nucleus"}, ValueError, "decoding='nucleus'"),
        ({"decoding": 4}, TypeError, "decoding=4"),
        ({"decoding": {"class_name": "Viterbi"}}, ValueError, "Viterbi"),
    ],
)
def test_bad_generate_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        small_model().generate(SOURCE, **kwargs)


def test_min_length_beyond_max_length_fails_before_tracing():
    with pytest.raises(ValueError, match="min_length=6"):
        small_model().generate(SOURCE, decoding=GreedySearch(min_length=6), max_length=6)


def test_bad_sources_and_construction():
    model = small_model()
    with pytest.raises(ValueError, match="vocabulary size"):
        model.generate(SOURCE + 10)
    with pytest.raises(ValueError, match="empty batch"):
        model.generate(np.zeros((0, 4), "int32"))
    with pytest.raises(ValueError, match="end_id=12"):
        Seq2Seq(RNNEncoder(12, 4, 4), RNNDecoder(12, 4, 4), end_id=12)
    with pytest.raises(TypeError, match="`encoder` must be a keras_seq.layers.RNNEncoder"):
        Seq2Seq(keras.layers.LSTM(3), RNNDecoder(12, 4, 4))


def test_attention_model_learns_to_reverse():
    """Reversal of 3-8 random tokens: 4,000 pairs, 3 epochs of Adam on CPU (about 10 s
    on 2 cores); measured greedy exact match 1.00 after 3 epochs."""
    rng = np.random.RandomState(0)
    x, y = digit_pairs(rng, 4000, 3, 8, reverse=True)
    x_test, y_test = digit_pairs(rng, 300, 3, 8, reverse=True)
    model = Seq2Seq(
        RNNEncoder(12, 32, 64, bidirectional=True),
        RNNDecoder(12, 32, 128, attention="luong"),
        max_length=10,
    )
    model.compile(keras.optimizers.Adam(3e-3, global_clipnorm=5.0))
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    assert exact_match(model, x_test, y_test, 10, decoding="greedy") >= 0.95
    assert exact_match(model, x_test, y_test, 10, decoding=BeamSearch(beam_width=4)) >= 0.95


def test_attention_less_model_learns_short_sequences():
    """Copying 2-5 tokens without attention, 6 epochs: measured exact match 0.92 with
    the source read forwards (0.997 reversed)."""
    rng = np.random.RandomState(0)
    x, y = digit_pairs(rng, 4000, 2, 5)
    x_test, y_test = digit_pairs(rng, 300, 2, 5)
    model = Seq2Seq(RNNEncoder(12, 32, 64), RNNDecoder(12, 32, 64), max_length=6)
    model.compile(keras.optimizers.Adam(3e-3, global_clipnorm=5.0))
    model.fit(x, y, batch_size=64, epochs=6, verbose=0)
    assert exact_match(model, x_test, y_test, 6, decoding="greedy") >= 0.8


def test_reversing_the_source_helps_without_attention():
    """Sutskever et al.'s trick on copying 6-10 tokens, no attention, 4 epochs, same seed.
    Measured greedy token accuracy 0.35 forwards vs 0.56 reversed; test loss 1.31 vs 0.67."""
    rng = np.random.RandomState(0)
    x, y = digit_pairs(rng, 4000, 6, 10)
    x_test, y_test = digit_pairs(rng, 300, 6, 10)
    results = {}
    for reverse_source in (False, True):
        keras.utils.set_random_seed(0)
        model = Seq2Seq(
            RNNEncoder(12, 32, 64, reverse_source=reverse_source),
            RNNDecoder(12, 32, 64),
            max_length=11,
        )
        model.compile(keras.optimizers.Adam(3e-3, global_clipnorm=5.0))
        model.fit(x, y, batch_size=64, epochs=4, verbose=0)
        results[reverse_source] = (
            token_accuracy(model, x_test, y_test, 11),
            model.evaluate(x_test, y_test, verbose=0),
        )
    assert results[True][0] > results[False][0] + 0.1
    assert results[True][1] < 0.8 * results[False][1]


@pytest.mark.parametrize("reverse_source", [False, True])
def test_attention_weights_are_distributions_over_the_real_source(reverse_source):
    model = Seq2Seq(
        RNNEncoder(12, 8, 8, reverse_source=reverse_source),
        RNNDecoder(12, 8, 16, attention="bahdanau"),
        max_length=6,
    )
    outputs = to_numpy(model.generate(SOURCE, decoding="greedy"))
    weights = to_numpy(model.attention_weights(SOURCE, outputs))
    assert weights.shape == (3, 6, 4)
    real = (SOURCE != 0)[:, None, :]
    assert_all_close(weights.sum(-1), np.ones((3, 6)), atol=1e-5)
    assert np.all(weights[np.broadcast_to(~real, weights.shape)] == 0)
    # Each row alone, with more padding, attends the same way: no leaks, padding unseen.
    for row in range(3):
        alone = to_numpy(
            model.attention_weights(
                np.pad(SOURCE[row : row + 1], [(0, 0), (0, 3)]), outputs[row : row + 1]
            )
        )
        assert_all_close(alone[0, :, :4], weights[row], atol=1e-5)


def test_attention_weights_follow_source_order_when_the_source_is_reversed():
    """Reversal is internal to the encoder: column j is still source token j. With the
    same weights, an encoder reading sources backwards sees what a forward one sees on
    the mirrored source, so its weights are the forward ones mirrored."""
    forward = Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16, attention="luong"), max_length=6)
    reverse = Seq2Seq(
        RNNEncoder(12, 8, 8, reverse_source=True),
        RNNDecoder(12, 8, 16, attention="luong"),
        max_length=6,
    )
    source = np.array([[4, 5, 6, 7, 2]], "int32")
    outputs = np.array([[9, 10, 2, 0, 0, 0]], "int32")
    forward.attention_weights(source, outputs)
    reverse.attention_weights(source, outputs)
    # Larger weights than the initial ones, so that attention is far from uniform.
    rng = np.random.RandomState(0)
    forward.set_weights([3 * rng.randn(*w.shape).astype("float32") for w in forward.get_weights()])
    reverse.set_weights(forward.get_weights())
    expected = to_numpy(forward.attention_weights(source[:, ::-1].copy(), outputs))
    received = to_numpy(reverse.attention_weights(source, outputs))
    assert np.abs(received - 0.2).max() > 0.1  # not uniform
    assert_all_close(received, expected[:, :, ::-1], atol=1e-5)


def test_attention_weights_bad_input():
    with pytest.raises(ValueError, match="attention=None"):
        small_model(attention=None).attention_weights(SOURCE, TARGET)
    with pytest.raises(ValueError, match="same number of rows"):
        small_model().attention_weights(SOURCE, TARGET[:2])
    with pytest.raises(TypeError, match="output_ids"):
        small_model().attention_weights(SOURCE, TARGET.astype("float32"))


def test_reverse_source_is_a_constructor_option(tmp_path):
    option = Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16), max_length=6, reverse_source=True)
    encoder_flag = Seq2Seq(
        RNNEncoder(12, 8, 8, reverse_source=True), RNNDecoder(12, 8, 16), max_length=6
    )
    forward = Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16), max_length=6)
    decoder_inputs = np.array([[1, 9, 10], [1, 11, 0], [1, 4, 0]], "int32")
    for model in (option, encoder_flag, forward):
        model((SOURCE, decoder_inputs))
    encoder_flag.set_weights(option.get_weights())
    forward.set_weights(option.get_weights())
    reversed_logits = to_numpy(option((SOURCE, decoder_inputs)))
    assert_all_close(to_numpy(encoder_flag((SOURCE, decoder_inputs))), reversed_logits, atol=1e-6)
    assert np.abs(to_numpy(forward((SOURCE, decoder_inputs))) - reversed_logits).max() > 1e-4
    path = str(tmp_path / "reversed.keras")
    option.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.encoder.reverse_source
    assert_all_close(to_numpy(loaded((SOURCE, decoder_inputs))), reversed_logits, atol=1e-6)
    with pytest.raises(TypeError, match="reverse_source='yes'"):
        Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16), reverse_source="yes")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_default_seq2seq_stays_on_the_cudnn_path(cell):
    from keras_seq.cudnn import cudnn_report

    model = Seq2Seq(
        RNNEncoder(12, 8, 8, cell=cell, num_layers=2, bidirectional=True),
        RNNDecoder(12, 8, 16, cell=cell, num_layers=2, attention="luong"),
    )
    model((SOURCE, TARGET))
    recurrent = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
    ]
    assert len(recurrent) == 6  # 2 x 2 encoder directions, 2 decoder layers
    assert all(layer.use_cudnn == "auto" and not layer.unroll for layer in recurrent)
    assert cudnn_report(model) == []
    assert cudnn_report(Seq2Seq(RNNEncoder(12, 8, 8, cell="rnn"), RNNDecoder(12, 8, 16)))


def test_model_level_id_and_clipping_arguments():
    with pytest.raises(ValueError, match="start_id=12"):
        Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16), start_id=12)
    with pytest.raises(ValueError, match="start_id=0"):
        Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 16), start_id=0)
    # clipnorm (per variable) is honoured like global_clipnorm: a huge learning rate
    # moves no weight by more than lr * clipnorm in one SGD step.
    model = small_model()
    model.compile(keras.optimizers.SGD(1e4, clipnorm=1e-3))
    model((SOURCE, np.ones_like(TARGET)))
    before = [to_numpy(w) for w in model.trainable_weights]
    model.fit(SOURCE[:1], TARGET[:1], epochs=1, batch_size=1, verbose=0)
    for old, new in zip(before, model.trainable_weights):
        assert np.linalg.norm(to_numpy(new) - old) <= 1e4 * 1e-3 * (1 + 1e-4)


def test_losses_stay_finite_on_padding_rows_and_empty_targets():
    all_padding = np.zeros((2, 3), "int32")
    logits = np.random.RandomState(0).randn(2, 3, 12).astype("float32")
    assert float(masked_cross_entropy(all_padding, logits)) == 0.0
    assert float(masked_cross_entropy(all_padding, logits, 0.1)) == 0.0
    model = small_model()
    model.compile(keras.optimizers.Adam(1e-2))
    empty = np.zeros((3, 2), "int32")  # no target token: the labels hold only the end token
    history = model.fit(SOURCE, empty, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert np.isfinite(model.evaluate(SOURCE, empty, verbose=0))
