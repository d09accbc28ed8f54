"""Sentence pairs to bucketed batches of (source_ids, target_ids)."""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_list
from keras_seq.data import _pipeline


def seq2seq_dataset(
    pairs,
    source_tokenizer,
    target_tokenizer,
    batch_size,
    *,
    max_length=None,
    shuffle=True,
    seed=None,
    bucket_boundaries=None,
    num_buckets=8,
    drop_remainder=False,
):
    """Builds a `tf.data.Dataset` of `(source_ids, target_ids)` batches for `Seq2Seq.fit`.

    The pairs are tokenized once, up front. Each epoch the examples are shuffled,
    grouped by length with `tf.data.Dataset.bucket_by_sequence_length` (the length of
    a pair is the longer of its two sides), padded with 0 to the longest row of their
    batch, and prefetched. Bucket boundaries are the quantiles of the lengths
    (`num_buckets` buckets) unless given; every example comes out exactly once per
    epoch.

    Token conventions: sources end with `end_id` (so no source row is ever fully
    masked); targets have neither `start_id` nor `end_id`, because the `Seq2Seq`
    `train_step` builds the decoder input `start + target` and the labels
    `target + end` itself.

    Pairs with a side longer than `max_length` tokens (the source counted with its
    end token, the target without start/end) are dropped, never truncated: a warning
    gives their number, and the returned dataset carries it as `num_dropped`, with
    `num_examples` (pairs kept) and `bucket_boundaries` (the boundaries used).

    Args:
        pairs: list of `(source, target)` str pairs.
        source_tokenizer: keras_seq.data tokenizer for the sources (adapted).
        target_tokenizer: keras_seq.data tokenizer for the targets (adapted).
        batch_size: int. Examples per batch (at least 1).
        max_length: int or None. Longest side kept, in tokens. Defaults to `None`
            (keep all).
        shuffle: bool. Reshuffle the examples every epoch. Defaults to `True`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        bucket_boundaries: list of int or None. Length boundaries: bucket `i` holds
            lengths in `[b[i-1], b[i])`. Defaults to `None` (quantiles of the data).
        num_buckets: int. Number of buckets when the boundaries come from the data;
            `1` pads every batch to its longest row. Defaults to `8`.
        drop_remainder: bool. Drop each bucket's last partial batch. Defaults to
            `False`.

    Returns:
        A `tf.data.Dataset` yielding int32 `(source_ids, target_ids)` of shapes
        `(batch_size, source_timesteps)` and `(batch_size, target_timesteps)`.

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
    _pipeline.check_options(batch_size, max_length, num_buckets, bucket_boundaries)
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
    dataset, boundaries = _pipeline.batch(
        dataset,
        np.maximum(source_lengths, target_lengths)[keep],
        lambda source, target: tf.maximum(tf.shape(source)[0], tf.shape(target)[0]),
        ([None], [None]),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
    )
    return _pipeline.annotate(dataset, np.sum(keep), dropped, boundaries)


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
