"""In-memory pipelines know their number of batches; streams say they do not."""

import numpy as np
import pytest
import tensorflow as tf

from keras_seq.data import (
    WordTokenizer,
    classification_dataset,
    seq2seq_dataset,
    tagging_dataset,
)
from keras_seq.data._pipeline import batch_count
from tests.data.test_pipelines import random_pairs


@pytest.fixture(scope="module")
def corpus():
    pairs = random_pairs(150, seed=3)
    source, target = WordTokenizer(), WordTokenizer()
    source.adapt([s for s, _ in pairs])
    target.adapt([t for _, t in pairs] + ["."])
    return pairs, source, target


def counted(dataset, epochs=2):
    """Batches per epoch, counted by iterating (each epoch reshuffles)."""
    return [sum(1 for _ in dataset) for _ in range(epochs)]


@pytest.mark.parametrize(
    "options",
    [
        {"batch_size": 8},
        {"batch_size": 7, "drop_remainder": True},
        {"batch_size": 8, "num_buckets": 1},
        {"batch_size": 5, "bucket_boundaries": [4, 9, 30]},
        {"batch_tokens": 60},
        {"batch_tokens": 60, "drop_remainder": True},
    ],
)
def test_seq2seq_cardinality_is_the_real_batch_count(corpus, options):
    pairs, source, target = corpus
    dataset = seq2seq_dataset(pairs, source, target, seed=0, **options)
    cardinality = int(dataset.cardinality())
    assert cardinality > 0
    assert counted(dataset) == [cardinality, cardinality]


def test_classification_and_tagging_cardinality_is_the_real_batch_count(corpus):
    pairs, source, _ = corpus
    texts = [s for s, _ in pairs]
    labels = np.arange(len(texts)) % 3
    classified = classification_dataset(texts, labels, source, 6, seed=1)
    sentences = [text.split() for text in texts]
    tags = [["X"] * len(words) for words in sentences]
    words = WordTokenizer()
    words.adapt(sentences)
    tagged = tagging_dataset(sentences, tags, words, ["X"], batch_size=9, num_buckets=4)
    for dataset in (classified, tagged):
        cardinality = int(dataset.cardinality())
        assert cardinality > 0
        assert counted(dataset) == [cardinality, cardinality]


def test_an_empty_dataset_has_no_batches(corpus):
    _, source, target = corpus
    with pytest.warns(UserWarning, match="dropped 1 of 1"):
        dataset = seq2seq_dataset([("tom sees the dog", "x")], source, target, 4, max_length=2)
    assert int(dataset.cardinality()) == 0
    assert counted(dataset, 1) == [0]


def test_batch_count_places_lengths_as_bucket_by_sequence_length_does():
    # Boundaries [3, 5]: buckets [0, 3), [3, 5), [5, inf); a length equal to a
    # boundary goes to the bucket above it.
    lengths = [1, 2, 3, 3, 3, 4, 5, 9, 9]
    assert batch_count(lengths, [3, 5], [2, 2, 2], drop_remainder=False) == 1 + 2 + 2
    assert batch_count(lengths, [3, 5], [2, 2, 2], drop_remainder=True) == 1 + 2 + 1
    assert batch_count(lengths, [], [4], drop_remainder=False) == 3
    assert batch_count([], [3], [2, 2], drop_remainder=False) == 0


def test_a_stream_has_unknown_cardinality(corpus):
    pairs, source, target = corpus
    stream = tf.data.Dataset.from_tensor_slices(([s for s, _ in pairs], [t for _, t in pairs]))
    dataset = seq2seq_dataset(stream, source, target, 8, seed=0)
    assert dataset.cardinality() == tf.data.UNKNOWN_CARDINALITY
