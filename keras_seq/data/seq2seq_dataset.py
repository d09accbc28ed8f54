"""Sentence pairs to bucketed batches of (source_ids, target_ids)."""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_list
from keras_seq.data import _pipeline, _streaming


def seq2seq_dataset(
    pairs,
    source_tokenizer,
    target_tokenizer,
    batch_size=None,
    *,
    batch_tokens=None,
    max_length=None,
    shuffle=True,
    seed=None,
    bucket_boundaries=None,
    num_buckets=8,
    drop_remainder=False,
    shuffle_buffer=10_000,
    sample_size=10_000,
    num_shards=1,
    shard_index=0,
):
    """Builds a `tf.data.Dataset` of `(source_ids, target_ids)` batches for `Seq2Seq.fit`.

    In-memory pairs are tokenized once, up front. Each epoch the examples are
    shuffled, grouped by length with `tf.data.Dataset.bucket_by_sequence_length` (the
    length of a pair is the longer of its two sides), padded with 0 to the longest
    row of their batch, and prefetched. Bucket boundaries are the quantiles of the
    lengths (`num_buckets` buckets) unless given; every example comes out exactly
    once per epoch.

    A stream (files or a `tf.data.Dataset`) is never held in memory: lines are read
    with `TextLineDataset` (gzip for names ending in `.gz`), files in parallel with
    `interleave` in a new order every epoch, shuffled in a buffer of
    `shuffle_buffer` lines, tokenized in the graph, filtered by `max_length`,
    bucketed and batched, all inside `tf.data`. File lines are
    `source<TAB>target` (further columns, like Tatoeba's attribution, are ignored).
    Bucket boundaries come from the first `sample_size` pairs unless given. A
    malformed line (no tab, bad UTF-8) is skipped and counted, never a crash: the
    first five are printed with their file and line number, every pass ends with a
    one-line summary of what it skipped (on stderr), and the dataset's `counts`
    (`StreamCounts`: `counts.result()`, `counts.warn()`) holds the totals.
    `num_examples` and `num_dropped` are `None` for a stream (not known before
    reading it). File input sets `tf.data`'s auto-shard policy to `FILE`, so a
    `tf.distribute` strategy shards it by file, provided it has no length buckets
    (`bucket_boundaries=[]`, or `num_buckets=1` without `batch_tokens`): TensorFlow's
    `FILE` rewrite cannot pass the `group_by_window` of bucketing.
    `num_shards`/`shard_index` shard any stream explicitly (by file, or by element
    for a dataset), for instance in `distribute_datasets_from_function`, and turn
    auto-sharding off.

    With `batch_tokens`, batches hold at most `batch_tokens` padded tokens in each
    of their two tensors (fairseq's `--max-tokens`): each bucket gets
    `batch_tokens // (its longest length)` pairs, and buckets above the sampled
    lengths double up to `max_length` (which defaults to `batch_tokens`, so that one
    pair always fits).

    Token conventions: sources end with `end_id` (so no source row is ever fully
    masked); targets have neither `start_id` nor `end_id`, because the `Seq2Seq`
    `train_step` builds the decoder input `start + target` and the labels
    `target + end` itself.

    Pairs with a side longer than `max_length` tokens (the source counted with its
    end token, the target without start/end) are dropped, never truncated: a warning
    gives their number, and the returned dataset carries it as `num_dropped`, with
    `num_examples` (pairs kept) and `bucket_boundaries` (the boundaries used).

    Args:
        pairs: list of `(source, target)` str pairs; or a path, a glob pattern or a
            list of them, of `source<TAB>target` text files (plain or `.gz`); or a
            `tf.data.Dataset` of `(source, target)` scalar strings, or of
            `source<TAB>target` lines.
        source_tokenizer: keras_seq.data tokenizer for the sources (adapted).
        target_tokenizer: keras_seq.data tokenizer for the targets (adapted).
        batch_size: int or None. Examples per batch (at least 1). Give this or
            `batch_tokens`.
        batch_tokens: int or None. Padded tokens per batch and tensor, at most.
            Defaults to `None` (use `batch_size`).
        max_length: int or None. Longest side kept, in tokens. Defaults to `None`
            (keep all; with `batch_tokens`, `batch_tokens`).
        shuffle: bool. Reshuffle the examples every epoch. Defaults to `True`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        bucket_boundaries: list of int or None. Length boundaries: bucket `i` holds
            lengths in `[b[i-1], b[i])`. Defaults to `None` (quantiles of the data).
        num_buckets: int. Number of buckets when the boundaries come from the data;
            `1` pads every batch to its longest row. Defaults to `8`.
        drop_remainder: bool. Drop each bucket's last partial batch. Defaults to
            `False`.
        shuffle_buffer: int. Streams only: lines in the shuffle buffer. Defaults
            to `10_000`.
        sample_size: int. Streams only: pairs read to place the bucket boundaries.
            Defaults to `10_000`.
        num_shards: int. Streams only: number of shards (workers). Defaults to `1`.
        shard_index: int. Streams only: this worker's shard, in
            `[0, num_shards)`. Defaults to `0`.

    Returns:
        A `tf.data.Dataset` yielding int32 `(source_ids, target_ids)` of shapes
        `(batch_size, source_timesteps)` and `(batch_size, target_timesteps)`, with
        attributes `num_examples`, `num_dropped`, `bucket_boundaries` and `counts`.

    Example:
    >>> import keras_seq
    >>> pairs = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !")]
    >>> src, tgt = keras_seq.data.WordTokenizer(), keras_seq.data.WordTokenizer()
    >>> src.adapt([s for s, _ in pairs]); tgt.adapt([t for _, t in pairs])
    >>> data = keras_seq.data.seq2seq_dataset(pairs, src, tgt, batch_size=2, seed=0)
    >>> sum(int(s.shape[0]) for s, t in data), data.num_dropped
    (3, 0)
    """
    _pipeline.check_tokenizer("source_tokenizer", source_tokenizer)
    _pipeline.check_tokenizer("target_tokenizer", target_tokenizer)
    max_length = _pipeline.check_options(
        batch_size, max_length, num_buckets, bucket_boundaries, batch_tokens
    )
    if _streaming.is_stream(pairs):
        _pipeline.check_stream_options(shuffle_buffer, sample_size, num_shards, shard_index)

        def encode(table):
            source_ids = source_tokenizer.encode(table[:, 0], add_end=True, ragged=True)
            target_ids = target_tokenizer.encode(table[:, 1], add_end=False, ragged=True)
            lengths = tf.maximum(source_ids.row_lengths(), target_ids.row_lengths())
            return (source_ids, target_ids), lengths

        return _streaming.build(
            "seq2seq_dataset",
            _streaming.Source("pairs", pairs, arities=(1, 2)),
            columns=2,
            encode=encode,
            length_fn=_pair_length,
            padded_shapes=([None], [None]),
            batch_size=batch_size,
            batch_tokens=batch_tokens,
            max_length=max_length,
            shuffle=shuffle,
            seed=seed,
            shuffle_buffer=shuffle_buffer,
            sample_size=sample_size,
            bucket_boundaries=bucket_boundaries,
            num_buckets=num_buckets,
            drop_remainder=drop_remainder,
            num_shards=num_shards,
            shard_index=shard_index,
        )
    sources, targets = _split_pairs(pairs)

    source_values, source_lengths = _pipeline.encode_all(source_tokenizer, sources, add_end=True)
    target_values, target_lengths = _pipeline.encode_all(target_tokenizer, targets, add_end=False)
    keep = np.ones(len(sources), bool)
    if max_length is not None:
        keep = (source_lengths <= max_length) & (target_lengths <= max_length)
    dropped = int(np.sum(~keep))
    _pipeline.report_dropped("seq2seq_dataset", dropped, len(sources), max_length)

    source_ids = _pipeline.ragged(source_values, source_lengths, keep)
    target_ids = _pipeline.ragged(target_values, target_lengths, keep)
    dataset = tf.data.Dataset.from_tensor_slices((source_ids, target_ids))
    key_lengths = np.maximum(source_lengths, target_lengths)[keep]
    dataset, boundaries = _pipeline.batch(
        dataset,
        key_lengths,
        _pair_length,
        ([None], [None]),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
        batch_tokens=batch_tokens,
        longest=int(key_lengths.max()) if len(key_lengths) else 1,
    )
    return _pipeline.annotate(dataset, np.sum(keep), dropped, boundaries)


def _pair_length(source, target):
    return tf.maximum(tf.shape(source)[0], tf.shape(target)[0])


def _split_pairs(pairs):
    pairs = check_list("pairs", pairs, expected="a list of (source, target) string pairs")
    sources, targets = [], []
    for i, pair in enumerate(pairs):
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(side, str) for side in pair)
        ):
            raise TypeError(
                f"`pairs` must contain (source, target) string pairs. Received: pairs[{i}]="
                f"{pair!r:.80}"
            )
        sources.append(pair[0])
        targets.append(pair[1])
    return sources, targets
