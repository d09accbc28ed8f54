"""seq2seq/tagging/classification pipelines: completeness, bucketing, padding, filtering."""

import collections
import random
import warnings

import numpy as np
import pytest

from keras_seq.data import (
    WordTokenizer,
    classification_dataset,
    seq2seq_dataset,
    tagging_dataset,
)

WORDS = ["tom", "mary", "likes", "sees", "the", "big", "red", "dog", "cat", "house", "and", "very"]


def random_pairs(count, seed=0, longest=24):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):  # like translations: the two sides have similar lengths
        length = rng.randint(1, longest)
        source = " ".join(rng.choice(WORDS) for _ in range(length)) + "."
        target = " ".join(rng.choice(WORDS) for _ in range(max(0, length + rng.randint(-3, 3))))
        pairs.append((source, target))
    return pairs


@pytest.fixture(scope="module")
def corpus():
    pairs = random_pairs(600)
    source, target = WordTokenizer(), WordTokenizer()
    source.adapt([s for s, _ in pairs])
    target.adapt([t for _, t in pairs] + ["."])
    return pairs, source, target


def rows(batch):
    """Unpadded rows of a padded id batch (0 never occurs inside a row)."""
    return [tuple(int(v) for v in row if v != 0) for row in np.asarray(batch)]


def padding_fraction(dataset):
    pads = total = 0
    for batch in dataset:
        for part in batch:
            part = np.asarray(part)
            pads += int((part == 0).sum())
            total += part.size
    return pads / total


def test_every_pair_comes_out_exactly_once_per_epoch(corpus):
    pairs, source, target = corpus
    expected = collections.Counter(
        zip(
            rows(source.encode([s for s, _ in pairs])),
            rows(target.encode([t for _, t in pairs], add_end=False)),
        )
    )
    dataset = seq2seq_dataset(pairs, source, target, batch_size=16, seed=3)
    epochs = []
    for _ in range(2):
        seen = collections.Counter()
        for source_ids, target_ids in dataset:
            assert source_ids.dtype == "int32" and target_ids.dtype == "int32"
            seen.update(zip(rows(source_ids), rows(target_ids)))
        assert seen == expected
        epochs.append([rows(s) for s, _ in dataset.take(3)])
    assert epochs[0] != epochs[1]  # reshuffled between epochs


def test_sources_end_with_end_id_and_targets_have_no_start_or_end(corpus):
    pairs, source, target = corpus
    for source_ids, target_ids in seq2seq_dataset(pairs, source, target, batch_size=32):
        for row in rows(source_ids):
            assert row[-1] == source.end_id and source.start_id not in row
        for row in rows(target_ids):
            assert target.end_id not in row and target.start_id not in row


def test_batches_are_length_homogeneous_within_bucket_bounds(corpus):
    pairs, source, target = corpus
    dataset = seq2seq_dataset(pairs, source, target, batch_size=16, num_buckets=6, seed=0)
    bounds = [0] + dataset.bucket_boundaries + [10**9]
    assert len(dataset.bucket_boundaries) >= 3
    for source_ids, target_ids in dataset:
        lengths = [max(len(s), len(t)) for s, t in zip(rows(source_ids), rows(target_ids))]
        bucket = np.searchsorted(bounds, lengths[0], side="right") - 1
        assert all(bounds[bucket] <= n < bounds[bucket + 1] for n in lengths)


def test_bucketing_reduces_padding_versus_pad_to_longest(corpus):
    pairs, source, target = corpus
    bucketed = seq2seq_dataset(pairs, source, target, batch_size=16, seed=0)
    plain = seq2seq_dataset(pairs, source, target, batch_size=16, seed=0, num_buckets=1)
    assert plain.bucket_boundaries == []
    assert padding_fraction(bucketed) < 0.6 * padding_fraction(plain)


def test_given_boundaries_are_used(corpus):
    pairs, source, target = corpus
    dataset = seq2seq_dataset(pairs, source, target, 8, bucket_boundaries=[10, 20], shuffle=False)
    assert dataset.bucket_boundaries == [10, 20]
    for source_ids, target_ids in dataset:
        lengths = [max(len(s), len(t)) for s, t in zip(rows(source_ids), rows(target_ids))]
        assert len({(n >= 10) + (n >= 20) for n in lengths}) == 1


def test_max_length_drops_long_pairs_and_reports_the_count(corpus):
    pairs, source, target = corpus
    source_lengths = [len(r) for r in rows(source.encode([s for s, _ in pairs]))]
    target_lengths = [len(r) for r in rows(target.encode([t for _, t in pairs], add_end=False))]
    too_long = sum(max(a, b) > 12 for a, b in zip(source_lengths, target_lengths))
    assert 0 < too_long < len(pairs)
    with pytest.warns(UserWarning, match=f"dropped {too_long} of {len(pairs)}"):
        dataset = seq2seq_dataset(pairs, source, target, batch_size=32, max_length=12)
    assert dataset.num_dropped == too_long
    assert dataset.num_examples == len(pairs) - too_long
    kept = [(s, t) for s, t in (batch for batch in dataset)]
    assert sum(len(rows(s)) for s, _ in kept) == len(pairs) - too_long
    assert all(max(map(len, rows(s) + rows(t))) <= 12 for s, t in kept)


def test_no_warning_when_nothing_is_dropped(corpus):
    pairs, source, target = corpus
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset = seq2seq_dataset(pairs, source, target, batch_size=32, max_length=1000)
    assert dataset.num_dropped == 0


def test_drop_remainder_gives_full_batches(corpus):
    pairs, source, target = corpus
    dataset = seq2seq_dataset(pairs, source, target, 16, drop_remainder=True, seed=1)
    assert {int(s.shape[0]) for s, _ in dataset} == {16}


def test_bad_arguments_are_reported(corpus):
    pairs, source, target = corpus
    with pytest.raises(ValueError, match="batch_size"):
        seq2seq_dataset(pairs, source, target, 0)
    with pytest.raises(TypeError, match="batch_size"):
        seq2seq_dataset(pairs, source, target, 2.5)
    with pytest.raises(ValueError, match="must not be empty"):
        seq2seq_dataset([], source, target, 4)
    with pytest.raises(TypeError, match=r"pairs\[1\]"):
        seq2seq_dataset([("a", "b"), ("c",)], source, target, 4)
    with pytest.raises(TypeError, match="source_tokenizer"):
        seq2seq_dataset(pairs, object(), target, 4)
    with pytest.raises(ValueError, match="adapt"):
        seq2seq_dataset(pairs, source, WordTokenizer(), 4)
    with pytest.raises(ValueError, match="bucket_boundaries"):
        seq2seq_dataset(pairs, source, target, 4, bucket_boundaries=[5, 3])
    with pytest.raises(ValueError, match="max_length"):
        seq2seq_dataset(pairs, source, target, 4, max_length=0)


def test_tagging_dataset_keeps_words_and_tags_aligned():
    rng = random.Random(0)
    tag_of = {
        w: ("NOUN" if w in ("tom", "mary", "dog", "cat", "house") else "OTHER") for w in WORDS
    }
    sentences = [[rng.choice(WORDS) for _ in range(rng.randint(1, 20))] for _ in range(300)]
    tags = [[tag_of[w] for w in s] for s in sentences]
    tokenizer = WordTokenizer()
    tokenizer.adapt(sentences)
    vocabulary = ["NOUN", "OTHER"]
    with pytest.warns(UserWarning, match="dropped"):
        dataset = tagging_dataset(sentences, tags, tokenizer, vocabulary, 16, max_length=15)
    expected = collections.Counter(
        (tuple(tokenizer.token_to_id(w) for w in s), tuple(vocabulary.index(t) for t in ts))
        for s, ts in zip(sentences, tags)
        if len(s) <= 15
    )
    seen = collections.Counter()
    for word_ids, tag_ids in dataset:
        assert word_ids.shape == tag_ids.shape
        mask = np.asarray(word_ids) != 0
        for words, labels, keep in zip(np.asarray(word_ids), np.asarray(tag_ids), mask):
            assert (labels[~keep] == 0).all()
            seen[(tuple(words[keep].tolist()), tuple(labels[keep].tolist()))] += 1
    assert seen == expected
    assert dataset.num_dropped == sum(len(s) > 15 for s in sentences)


def test_tagging_dataset_bad_input():
    tokenizer = WordTokenizer()
    tokenizer.adapt([["a", "b"]])
    with pytest.raises(ValueError, match="2 words but 1 tags"):
        tagging_dataset([["a", "b"]], [["X"]], tokenizer, ["X"], 2)
    with pytest.raises(ValueError, match="'Y'"):
        tagging_dataset([["a"]], [["Y"]], tokenizer, ["X"], 2)
    with pytest.raises(ValueError, match="empty"):
        tagging_dataset([[]], [[]], tokenizer, ["X"], 2)


def test_classification_dataset_keeps_labels_with_their_texts():
    rng = random.Random(1)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    labels = [int("dog" in t) for t in texts]
    tokenizer = WordTokenizer()
    tokenizer.adapt(texts)
    dataset = classification_dataset(texts, labels, tokenizer, 32, seed=0)
    dog = tokenizer.token_to_id("dog")
    count = 0
    for ids, batch_labels in dataset:
        assert batch_labels.dtype == "int32"
        for row, label in zip(rows(ids), np.asarray(batch_labels)):
            assert row[-1] == tokenizer.end_id
            assert int(dog in row) == label
            count += 1
    assert count == len(texts)
    plain = classification_dataset(texts, labels, tokenizer, 32, num_buckets=1)
    assert padding_fraction(dataset) < padding_fraction(plain)
    with pytest.raises(ValueError, match="one entry per text"):
        classification_dataset(texts, labels[:-1], tokenizer, 32)
    with pytest.raises(TypeError, match=r"texts\[0\]"):
        classification_dataset([1], [0], tokenizer, 32)
