"""`fit` over keras-seq's datasets prints progress and nothing else, with a known
step count wherever the pipeline knows it."""

import logging
import re
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq
from keras_seq.data import WordTokenizer, classification_dataset, seq2seq_dataset, tagging_dataset
from keras_seq.models.quiet_fit import _WARNS_AT_UNKNOWN_END
from tests.data.test_pipelines import random_pairs

# The numpy `__array__` DeprecationWarning from `check_token_ids` on symbolic tensors
# is tracked (and fixed) separately; everything else must stay silent.
_TRACKED_ELSEWHERE = re.compile(r"__array__ implementation doesn't accept a copy keyword")
# TensorFlow counts retracing per code object for the whole process: every model's
# Keras train function shares one, so the warning depends on which tests ran before
# this one in the same pytest worker, not on this fit.
_PROCESS_WIDE = re.compile(r"triggered tf\.function retracing")


class StepCounts(keras.callbacks.Callback):
    """The steps Keras announces for an epoch (its progress bar's total) and those run."""

    def on_train_begin(self, logs=None):
        self.announced, self.run = self.params["steps"], []

    def on_epoch_begin(self, epoch, logs=None):
        self.run.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.run[-1] += 1


@pytest.fixture(scope="module")
def corpus():
    pairs = random_pairs(48, seed=7, longest=8)
    source, target = WordTokenizer(), WordTokenizer()
    source.adapt([s for s, _ in pairs])
    target.adapt([t for _, t in pairs] + ["."])
    return pairs, source, target


def quiet_fit(model, data, caplog, capsys, **kwargs):
    """Fits 2 epochs; returns the StepCounts and what was printed, after checking that
    no warning was raised or logged."""
    steps = StepCounts()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        model.fit(data, epochs=2, verbose=2, callbacks=[steps], **kwargs)
    raised = [str(w.message) for w in caught if not _TRACKED_ELSEWHERE.search(str(w.message))]
    assert raised == []
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert [message for message in logged if not _PROCESS_WIDE.search(message)] == []
    printed = capsys.readouterr()
    assert "Epoch 2/2" in printed.out
    assert "ran out of data" not in printed.out + printed.err
    return steps


def seq2seq_model(source, target):
    model = keras_seq.models.Seq2Seq(
        keras_seq.layers.RNNEncoder(source.vocabulary_size, 4, 4),
        keras_seq.layers.RNNDecoder(target.vocabulary_size, 4, 4),
    )
    model.compile("adam")
    return model


def test_seq2seq_fit_on_a_bucketed_dataset_knows_its_steps_and_is_quiet(corpus, caplog, capsys):
    pairs, source, target = corpus
    data = seq2seq_dataset(pairs, source, target, 8, seed=0, num_buckets=3)
    validation = seq2seq_dataset(pairs[:16], source, target, 8, seed=0, num_buckets=2)
    batches = sum(1 for _ in data)
    steps = quiet_fit(
        seq2seq_model(source, target), data, caplog, capsys, validation_data=validation
    )
    assert steps.announced == batches == int(data.cardinality())
    assert steps.run == [batches, batches]


def test_classification_and_tagging_fit_know_their_steps_and_are_quiet(corpus, caplog, capsys):
    pairs, source, _ = corpus
    texts = [s for s, _ in pairs]
    data = classification_dataset(texts, np.arange(len(texts)) % 2, source, 8, num_buckets=3)
    model = keras_seq.models.ManyToOne(vocab_size=source.vocabulary_size, units=4)
    model.compile("adam", "binary_crossentropy")
    steps = quiet_fit(model, data, caplog, capsys)
    assert steps.announced == sum(1 for _ in data) == steps.run[0] == steps.run[1]

    sentences = [text.split() for text in texts]
    words = WordTokenizer()
    words.adapt(sentences)
    tags = [["A" if word == "the" else "B" for word in sentence] for sentence in sentences]
    data = tagging_dataset(sentences, tags, words, ["A", "B"], batch_size=8, num_buckets=3)
    model = keras_seq.models.ManyToMany(
        vocab_size=words.vocabulary_size, units=4, num_outputs=2, head="softmax"
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    steps = quiet_fit(model, data, caplog, capsys)
    assert steps.announced == sum(1 for _ in data) == steps.run[0] == steps.run[1]


def test_a_stream_of_unknown_length_fits_quietly(corpus, caplog, capsys):
    """A stream's batch count is unknown (Keras learns it from the first epoch), so
    the first progress bar has no total; no warning either way."""
    pairs, source, target = corpus
    stream = tf.data.Dataset.from_tensor_slices(([s for s, _ in pairs], [t for _, t in pairs]))
    data = seq2seq_dataset(stream, source, target, 8, seed=0, num_buckets=3)
    steps = quiet_fit(seq2seq_model(source, target), data, caplog, capsys)
    assert steps.announced is None
    assert steps.run[0] == steps.run[1] == sum(1 for _ in data)


def test_what_the_user_asks_for_still_gets_keras_warnings(corpus):
    """An explicit `shuffle=True` is ignored for a dataset, and a declared
    `steps_per_epoch` the input cannot fill is a real shortage: Keras says both."""
    pairs, source, target = corpus
    stream = tf.data.Dataset.from_tensor_slices(([s for s, _ in pairs], [t for _, t in pairs]))
    data = seq2seq_dataset(stream, source, target, 16, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seq2seq_model(source, target).fit(
            data, epochs=2, steps_per_epoch=5, shuffle=True, verbose=0
        )
    messages = " ".join(str(w.message) for w in caught)
    assert "`shuffle=True` was passed, but will be ignored" in messages
    assert "Your input ran out of data" in messages


@pytest.mark.skipif(not _WARNS_AT_UNKNOWN_END, reason="Keras fixed in keras-team/keras#23360")
def test_upstream_keras_still_warns_at_the_end_of_an_unknown_length_input():
    """The Keras bug `QuietFit` works around: a plain model over a dataset of unknown
    cardinality, with no `steps_per_epoch`, is told its input "ran out of data"."""
    x = tf.data.Dataset.range(6).map(lambda i: tf.cast(i, "float32")).filter(lambda v: v >= 0)
    data = x.map(lambda v: (tf.fill([1], v), tf.fill([1], v))).batch(2)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        model.fit(data, verbose=0, shuffle=False)
