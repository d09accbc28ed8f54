"""Streaming pipelines: files, globs, .gz and datasets; token budgets; sharding; adapt."""

import collections
import gzip
import hashlib
import warnings

import numpy as np
import pytest
import tensorflow as tf

from keras_seq.data import (
    SubwordTokenizer,
    WordTokenizer,
    classification_dataset,
    seq2seq_dataset,
    tagging_dataset,
)
from tests.data.test_pipelines import random_pairs, rows

NUM_FILES = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """300 pairs in 4 files: two plain, two gzipped; the tokenizers; the expected hashes."""
    pairs = random_pairs(300, seed=5)
    folder = tmp_path_factory.mktemp("corpus")
    paths = []
    for index in range(NUM_FILES):
        text = "".join(f"{s}\t{t}\n" for s, t in pairs[index::NUM_FILES]).encode()
        if index % 2:
            path = folder / f"part-{index}.tsv.gz"
            path.write_bytes(gzip.compress(text))
        else:
            path = folder / f"part-{index}.tsv"
            path.write_bytes(text)
        paths.append(str(path))
    source, target = WordTokenizer(), WordTokenizer()
    source.adapt([s for s, _ in pairs])
    target.adapt([t for _, t in pairs] + ["."])
    expected = collections.Counter(
        pair_hash(s, t)
        for s, t in zip(
            rows(source.encode([s for s, _ in pairs])),
            rows(target.encode([t for _, t in pairs], add_end=False)),
        )
    )
    return pairs, paths, folder, source, target, expected


def pair_hash(source_row, target_row):
    data = (
        np.asarray(source_row, np.int32).tobytes()
        + b"|"
        + np.asarray(target_row, np.int32).tobytes()
    )
    return hashlib.sha1(data).hexdigest()


def epoch_hashes(dataset):
    seen = collections.Counter()
    for source_ids, target_ids in dataset:
        assert source_ids.dtype == "int32" and target_ids.dtype == "int32"
        seen.update(pair_hash(s, t) for s, t in zip(rows(source_ids), rows(target_ids)))
    return seen


def sources_of(dataset, batches=4):
    return [rows(s) for s, _ in dataset.take(batches)]


@pytest.mark.parametrize("form", ["list", "glob", "single-gz", "dataset", "dataset-lines"])
def test_every_pair_exactly_once_per_epoch(corpus, form):
    pairs, paths, folder, source, target, expected = corpus
    if form == "list":
        data = paths
    elif form == "glob":
        data = str(folder / "part-*")
    elif form == "single-gz":
        data = paths[1]
        expected = collections.Counter(
            pair_hash(s, t)
            for s, t in zip(
                rows(source.encode([s for s, _ in pairs[1::NUM_FILES]])),
                rows(target.encode([t for _, t in pairs[1::NUM_FILES]], add_end=False)),
            )
        )
    elif form == "dataset":
        data = tf.data.Dataset.from_tensor_slices(([s for s, _ in pairs], [t for _, t in pairs]))
    else:
        data = tf.data.Dataset.from_tensor_slices([f"{s}\t{t}" for s, t in pairs])
    dataset = seq2seq_dataset(data, source, target, 16, seed=1, shuffle_buffer=50)
    assert dataset.num_examples is None and dataset.counts is not None
    for _ in range(2):
        assert epoch_hashes(dataset) == expected
    counts = dataset.counts.result()
    assert counts["examples"] == counts["lines"] == 2 * sum(expected.values())
    assert counts["malformed"] == 0


def test_stream_epochs_are_reshuffled_and_reproducible_for_a_seed(corpus):
    _, paths, _, source, target, _ = corpus
    first = seq2seq_dataset(paths, source, target, 8, seed=7, shuffle_buffer=100)
    second = seq2seq_dataset(paths, source, target, 8, seed=7, shuffle_buffer=100)
    epochs = [sources_of(first), sources_of(first)]
    assert epochs[0] != epochs[1]
    assert [sources_of(second), sources_of(second)] == epochs
    unshuffled = seq2seq_dataset(paths, source, target, 8, shuffle=False)
    assert sources_of(unshuffled) == sources_of(unshuffled)


def test_stream_batches_match_their_buckets_and_max_length(corpus):
    _, paths, _, source, target, expected = corpus
    dataset = seq2seq_dataset(paths, source, target, 8, max_length=12, seed=0)
    bounds = [0] + dataset.bucket_boundaries + [10**9]
    assert len(dataset.bucket_boundaries) >= 3
    kept = 0
    for source_ids, target_ids in dataset:
        lengths = [max(len(s), len(t)) for s, t in zip(rows(source_ids), rows(target_ids))]
        assert max(lengths) <= 12
        bucket = np.searchsorted(bounds, lengths[0], side="right") - 1
        assert all(bounds[bucket] <= n < bounds[bucket + 1] for n in lengths)
        kept += len(lengths)
    counts = dataset.counts.result()
    assert counts["examples"] == kept and kept + counts["too_long"] == sum(expected.values())
    assert counts["too_long"] > 0


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("budget", [40, 97, 200])
def test_every_batch_tokens_batch_is_within_budget(corpus, stream, budget):
    pairs, paths, _, source, target, expected = corpus
    data = paths if stream else pairs
    dataset = seq2seq_dataset(data, source, target, batch_tokens=budget, seed=0, sample_size=50)
    seen = collections.Counter()
    sizes = set()
    for source_ids, target_ids in dataset:
        assert np.prod(source_ids.shape) <= budget and np.prod(target_ids.shape) <= budget
        seen.update(pair_hash(s, t) for s, t in zip(rows(source_ids), rows(target_ids)))
        sizes.add(int(source_ids.shape[0]))
    assert seen == expected  # no pair is longer than 40 tokens: none dropped
    assert len(sizes) > 2  # short pairs come in bigger batches


def test_batch_tokens_arguments(corpus):
    pairs, _, _, source, target, _ = corpus
    with pytest.raises(ValueError, match="exactly one of `batch_size`"):
        seq2seq_dataset(pairs, source, target, 8, batch_tokens=100)
    with pytest.raises(ValueError, match="exactly one of"):
        seq2seq_dataset(pairs, source, target)
    with pytest.raises(ValueError, match="at most `batch_tokens`"):
        seq2seq_dataset(pairs, source, target, batch_tokens=10, max_length=20)
    with pytest.warns(UserWarning, match="max_length=10"):
        dataset = seq2seq_dataset(pairs, source, target, batch_tokens=10)
    assert dataset.num_dropped > 0


def test_malformed_lines_are_counted_and_reported_not_a_crash(corpus, tmp_path, capfd):
    _, paths, _, source, target, expected = corpus
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"no tab here\n\nbad \xff\xfe bytes\tx\n")
    dataset = seq2seq_dataset(paths + [str(bad)], source, target, 16, seed=0)
    assert epoch_hashes(dataset) == expected
    counts = dataset.counts.result()
    assert (counts["no_tab"], counts["bad_utf8"], counts["malformed"]) == (2, 1, 3)
    printed = capfd.readouterr().err
    assert "bad.tsv:1 (too few tab-separated columns): no tab here" in printed
    assert "bad.tsv:3 (not valid UTF-8)" in printed
    assert "this pass read 303 lines and skipped 3 malformed" in printed
    with pytest.warns(UserWarning, match="3 malformed lines"):
        dataset.counts.warn()
    dataset.counts.reset()
    assert dataset.counts.result()["lines"] == 0


@pytest.mark.parametrize("form", ["files", "dataset"])
def test_two_workers_see_every_pair_exactly_once(corpus, form):
    pairs, paths, _, source, target, expected = corpus
    if form == "files":
        data = paths
    else:
        data = tf.data.Dataset.from_tensor_slices(([s for s, _ in pairs], [t for _, t in pairs]))
    seen = collections.Counter()
    workers = []
    for index in range(2):
        dataset = seq2seq_dataset(data, source, target, 16, seed=3, num_shards=2, shard_index=index)
        policy = dataset.options().experimental_distribute.auto_shard_policy
        assert policy == tf.data.experimental.AutoShardPolicy.OFF
        workers.append(epoch_hashes(dataset))
        seen.update(workers[-1])
    assert seen == expected
    assert all(0 < sum(w.values()) < sum(expected.values()) for w in workers)


def test_file_input_is_auto_sharded_by_file(corpus):
    """The rewrite a tf.distribute strategy applies to each worker's input (the
    strategies call this same private function; tests/models/test_multi_worker.py
    checks it through MultiWorkerMirroredStrategy)."""
    from tensorflow.python.distribute import input_ops

    _, paths, _, source, target, expected = corpus
    dataset = seq2seq_dataset(paths, source, target, 16, seed=2, num_buckets=1)
    policy = dataset.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.FILE
    workers = [
        epoch_hashes(input_ops.auto_shard_dataset(dataset, 2, index, 2)) for index in range(2)
    ]
    assert workers[0] + workers[1] == expected
    assert not set(workers[0]) & set(workers[1])
    assert dataset.counts.result()["lines"] == sum(expected.values())


def test_file_auto_sharding_still_stops_at_length_buckets_upstream(corpus):
    """TensorFlow's FILE rewrite walks from the output back to the file reader through
    a fixed list of transformations, which lacks the `group_by_window` of length
    bucketing (tensorflow/core/grappler/optimizers/data/auto_shard.cc,
    kPassThroughOps): bucketed streams are sharded explicitly instead (the guide's
    `distribute_datasets_from_function` recipe). When this test fails, TensorFlow
    shards through buckets: document that."""
    from tensorflow.python.distribute import input_ops

    _, paths, _, source, target, _ = corpus
    dataset = seq2seq_dataset(paths, source, target, 16, seed=2)
    with pytest.raises(tf.errors.NotFoundError, match="GroupByWindowDataset"):
        input_ops.auto_shard_dataset(dataset, 2, 0, 2)


def test_stream_argument_errors(corpus, tmp_path):
    _, paths, _, source, target, _ = corpus
    with pytest.raises(FileNotFoundError, match="matches no file"):
        seq2seq_dataset(str(tmp_path / "nothing-*.tsv"), source, target, 8)
    with pytest.raises(FileNotFoundError, match="no such file"):
        seq2seq_dataset([str(tmp_path / "missing.tsv")], source, target, 8)
    with pytest.raises(ValueError, match="one file per shard"):
        seq2seq_dataset(paths[:1], source, target, 8, num_shards=2, shard_index=1)
    with pytest.raises(ValueError, match="shard_index"):
        seq2seq_dataset(paths, source, target, 8, num_shards=2, shard_index=2)
    with pytest.raises(TypeError, match="tf.data.Dataset of"):
        seq2seq_dataset(tf.data.Dataset.range(3), source, target, 8)


def test_classification_stream_keeps_labels_with_their_texts(tmp_path):
    texts = [f"the {'dog' if i % 3 else 'cat'} sees {'very ' * (i % 7)}much" for i in range(90)]
    labels = [int("dog" in t) for t in texts]
    tokenizer = WordTokenizer()
    tokenizer.adapt(texts)
    path = tmp_path / "texts.tsv.gz"
    lines = [f"{t}\t{y}" for t, y in zip(texts, labels)] + ["a line\tnot-a-label"]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    from_file = classification_dataset(str(path), None, tokenizer, 8, seed=0)
    from_dataset = classification_dataset(
        tf.data.Dataset.from_tensor_slices((texts, labels)), None, tokenizer, batch_tokens=64
    )
    dog = tokenizer.token_to_id("dog")
    for dataset in (from_file, from_dataset):
        count = 0
        for ids, batch_labels in dataset:
            assert batch_labels.dtype == "int32"
            for row, label in zip(rows(ids), np.asarray(batch_labels)):
                assert int(dog in row) == label
                count += 1
        assert count == len(texts)
    assert from_file.counts.result()["bad_label"] == 1
    with pytest.raises(FileNotFoundError, match="no such file"):  # a list of str is paths
        classification_dataset(texts, None, tokenizer, 8)
    with pytest.raises(TypeError, match="must be a stream"):
        classification_dataset(np.array(texts), None, tokenizer, 8)


def test_adapt_from_a_dataset_or_files_equals_adapt_from_a_list(corpus):
    pairs, paths, folder, source, target, _ = corpus
    streamed = WordTokenizer()
    streamed.adapt(tf.data.Dataset.from_tensor_slices([s for s, _ in pairs]))
    assert streamed.get_vocabulary() == source.get_vocabulary()
    from_files = WordTokenizer()
    from_files.adapt(files=str(folder / "part-*"), column=1)
    in_memory = WordTokenizer()
    in_memory.adapt([t for _, t in pairs])
    assert from_files.get_vocabulary() == in_memory.get_vocabulary()
    limited = WordTokenizer(max_tokens=8, min_frequency=2)
    limited.adapt(files=paths, column=0)
    assert len(limited.get_vocabulary()) == 8


def test_adapt_sample_size_and_skipped_lines(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"a b\tA\nc d\tC\nno column\nbad\tX \xff\n")
    tokenizer = WordTokenizer()
    with pytest.warns(UserWarning, match="skipped 2 lines"):
        tokenizer.adapt(files=str(path), column=1)
    assert tokenizer.get_vocabulary()[4:] == ["A", "C"]
    tokenizer.adapt(files=str(path), sample_size=1)
    assert tokenizer.get_vocabulary()[4:] == ["A", "a", "b"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tokenizer.adapt(tf.data.Dataset.from_tensor_slices(["x y", "y z"]), sample_size=1)
    assert tokenizer.get_vocabulary()[4:] == ["x", "y"]
    with pytest.raises(ValueError, match="exactly one of `texts` and `files`"):
        tokenizer.adapt(["a"], files=str(path))
    with pytest.raises(ValueError, match="only applies to `files`"):
        tokenizer.adapt(["a"], column=1)
    with pytest.raises(TypeError, match="tf.data.Dataset of"):
        tokenizer.adapt(tf.data.Dataset.range(3))


def test_subword_tokenizer_trains_from_a_stream_sample(corpus):
    pairs, paths, _, _, _, _ = corpus
    tokenizer = SubwordTokenizer(max_tokens=60)
    tokenizer.adapt(files=paths, column=0, sample_size=100)
    assert 4 < tokenizer.vocabulary_size <= 60
    text = pairs[0][0]
    assert tokenizer.decode(tokenizer.encode([text])) == [text]


TAGS = ["DET", "NOUN", "VERB", "PUNCT"]


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """90 `words<TAB>tags` sentences in 3 files (one gzipped); each word names its tag."""
    rng = np.random.default_rng(4)
    sentences = []
    for _ in range(90):
        tags = [TAGS[i] for i in rng.integers(0, 4, size=int(rng.integers(1, 13)))]
        sentences.append(([f"{t.lower()}{rng.integers(0, 5)}" for t in tags], tags))
    lines = [f"{' '.join(words)}\t{' '.join(tags)}" for words, tags in sentences]
    folder = tmp_path_factory.mktemp("tagged")
    for index in range(3):
        text = "".join(line + "\n" for line in lines[index::3]).encode()
        if index == 2:
            (folder / "part-2.txt.gz").write_bytes(gzip.compress(text))
        else:
            (folder / f"part-{index}.txt").write_bytes(text)
    tokenizer = WordTokenizer()
    tokenizer.adapt([words for words, _ in sentences])
    expected = collections.Counter(
        tuple(tokenizer.lookup([words]).numpy()[0].tolist()) for words, _ in sentences
    )
    return lines, folder, tokenizer, expected


def tagged_epoch(dataset, tokenizer, budget=None):
    """The word-id rows of one epoch; checks each tag against its word."""
    seen = collections.Counter()
    for word_ids, tag_ids in dataset:
        assert word_ids.shape == tag_ids.shape and tag_ids.dtype == "int32"
        if budget is not None:
            assert np.prod(word_ids.shape) <= budget
        for words, tags in zip(np.asarray(word_ids), np.asarray(tag_ids)):
            words, tags = words[words != 0], tags[: int(np.sum(words != 0))]
            names = [tokenizer.id_to_token(w).rstrip("0123456789").upper() for w in words]
            assert [TAGS[t] for t in tags] == names
            seen[tuple(words.tolist())] += 1
    return seen


@pytest.mark.parametrize("form", ["glob", "dataset"])
def test_tagging_stream_gives_every_sentence_once_with_its_tags(tagged, form):
    lines, folder, tokenizer, expected = tagged
    if form == "glob":
        data, budget = str(folder / "part-*"), None
        dataset = tagging_dataset(data, None, tokenizer, TAGS, 8, seed=0, shuffle_buffer=20)
    else:
        words, tags = zip(*(line.split("\t") for line in lines))
        data, budget = tf.data.Dataset.from_tensor_slices((list(words), list(tags))), 30
        dataset = tagging_dataset(data, None, tokenizer, TAGS, batch_tokens=budget, seed=0)
    assert tagged_epoch(dataset, tokenizer, budget) == expected
    assert dataset.counts.result()["examples"] == len(lines)


def test_tagging_stream_shards_and_reports_malformed_lines(tagged, tmp_path, capfd):
    lines, folder, tokenizer, expected = tagged
    bad = tmp_path / "bad.txt"
    bad.write_bytes(
        b"noun1 verb2\tNOUN\n"  # one tag for two words
        b"det0\tADJ\n"  # not a tag of the vocabulary
        b"\t\n"  # no words
        b"det0 noun1\n"  # no tab
        b"det0 \xff\tDET NOUN\n"  # not UTF-8
    )
    paths = sorted(str(p) for p in folder.glob("part-*")) + [str(bad)]
    workers = []
    for index in range(2):
        dataset = tagging_dataset(
            paths, None, tokenizer, TAGS, 8, seed=1, num_shards=2, shard_index=index
        )
        workers.append(tagged_epoch(dataset, tokenizer))
    assert workers[0] + workers[1] == expected
    counts = dataset.counts.result()  # the second worker's, which read bad.txt
    assert (counts["bad_tags"], counts["no_tab"], counts["bad_utf8"]) == (3, 1, 1)
    printed = capfd.readouterr().err
    assert "bad.txt:1 (words and tags do not match): noun1 verb2" in printed
    assert "bad.txt:2 (words and tags do not match): det0\tADJ" in printed
    assert "skipped 5 malformed" in printed and "3 with bad tags" in printed
    with pytest.raises(TypeError, match="must be a stream"):
        tagging_dataset(np.array(lines), None, tokenizer, TAGS, 8)
