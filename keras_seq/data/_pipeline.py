"""Shared parts of the tf.data pipelines: checks, eager tokenization, length bucketing."""

import warnings

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_int, check_list, check_positive_int, check_type
from keras_seq.data.tokenizer import Tokenizer

_CHUNK = 4096


def check_options(batch_size, max_length, num_buckets, bucket_boundaries, batch_tokens=None):
    """Checks the batching arguments that every pipeline takes; returns the `max_length`
    to apply (with `batch_tokens`, `None` becomes `batch_tokens`: one longest example
    must fit the budget)."""
    if (batch_size is None) == (batch_tokens is None):
        raise ValueError(
            "Pass exactly one of `batch_size` (examples per batch) and `batch_tokens` "
            f"(padded tokens per batch). Received: batch_size={batch_size!r}, "
            f"batch_tokens={batch_tokens!r}"
        )
    if batch_size is not None:
        check_positive_int("batch_size", batch_size)
    else:
        check_positive_int("batch_tokens", batch_tokens)
    check_int("max_length", max_length, minimum=1, allow_none=True)
    check_positive_int("num_buckets", num_buckets)
    if bucket_boundaries is not None:
        boundaries = check_list("bucket_boundaries", bucket_boundaries, allow_empty=True)
        for index, boundary in enumerate(boundaries):
            check_positive_int(f"bucket_boundaries[{index}]", boundary)
        if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
            raise ValueError(
                "Argument `bucket_boundaries` must be strictly increasing. "
                f"Received: bucket_boundaries={bucket_boundaries!r}"
            )
    if batch_tokens is None:
        return max_length
    if max_length is None:
        return batch_tokens
    if max_length > batch_tokens:
        raise ValueError(
            "Argument `max_length` must be at most `batch_tokens`, so that the longest "
            f"example fits in a batch. Received: max_length={max_length}, "
            f"batch_tokens={batch_tokens}"
        )
    return max_length


def check_stream_options(shuffle_buffer, sample_size, num_shards, shard_index):
    """Checks the arguments that only streams use."""
    check_positive_int("shuffle_buffer", shuffle_buffer)
    check_positive_int("sample_size", sample_size)
    check_positive_int("num_shards", num_shards)
    check_int(
        "shard_index",
        shard_index,
        minimum=0,
        maximum=num_shards - 1,
        expected=f"an integer in [0, num_shards - 1] = [0, {num_shards - 1}]",
    )


def check_tokenizer(name, tokenizer):
    """Checks that `tokenizer` is an adapted keras_seq tokenizer."""
    check_type(
        name,
        tokenizer,
        Tokenizer,
        "a keras_seq.data tokenizer (CharTokenizer, WordTokenizer, SubwordTokenizer)",
    )
    tokenizer.get_vocabulary()  # raises a clear error when it was never adapted


def encode_all(tokenizer, texts, add_end):
    """Encodes a list of str in chunks; returns (flat int32 ids, row lengths)."""
    values, lengths = [], []
    for start in range(0, len(texts), _CHUNK):
        ids = tokenizer.encode(texts[start : start + _CHUNK], add_end=add_end, ragged=True)
        values.append(ids.flat_values.numpy())
        lengths.append(ids.row_lengths().numpy())
    return np.concatenate(values).astype(np.int32), np.concatenate(lengths).astype(np.int64)


def ragged(values, lengths, keep):
    """Builds a RaggedTensor from flat ids and row lengths, keeping rows where `keep`."""
    flat = values[np.repeat(keep, lengths)]
    return tf.RaggedTensor.from_row_lengths(flat, lengths[keep].astype(np.int64))


def report_dropped(function, dropped, total, max_length):
    if dropped:
        warnings.warn(
            f"{function} dropped {dropped} of {total} examples longer than "
            f"max_length={max_length} tokens (see the dataset's `num_dropped`).",
            stacklevel=3,
        )


def quantile_boundaries(lengths, num_buckets):
    """Bucket boundaries at the length quantiles: bucket i holds [b[i-1], b[i])."""
    if num_buckets <= 1 or len(lengths) == 0:
        return []
    quantiles = np.quantile(lengths, np.arange(1, num_buckets) / num_buckets)
    low, high = int(np.min(lengths)), int(np.max(lengths))
    return sorted({int(np.floor(q)) + 1 for q in quantiles if low < int(np.floor(q)) + 1 <= high})


def tail_boundaries(boundaries, key_lengths, longest):
    """Adds boundaries doubling from just above the longest length seen up to `longest`.

    With a token budget, a bucket's batch size is set by the longest example it can
    hold; lengths above a sample's maximum get buckets of their own, so that a rare
    long example does not force batches of one on the last quantile bucket.
    """
    start = (int(np.max(key_lengths)) if len(key_lengths) else 1) + 1
    boundaries = list(boundaries)
    while start <= longest:
        if not boundaries or start > boundaries[-1]:
            boundaries.append(start)
        start *= 2
    return boundaries


def token_batch_sizes(boundaries, longest, batch_tokens):
    """Examples per batch for each bucket so that rows x padded length <= batch_tokens."""
    uppers = [min(b - 1, longest) for b in boundaries] + [longest]
    return [max(1, batch_tokens // max(1, upper)) for upper in uppers]


def batch(
    dataset,
    key_lengths,
    length_fn,
    padded_shapes,
    batch_size,
    *,
    shuffle,
    seed,
    bucket_boundaries,
    num_buckets,
    drop_remainder,
    batch_tokens=None,
    longest=None,
    dense=False,
    every_length=True,
):
    """Shuffles, buckets by `length_fn(*element)`, pads with 0 and prefetches.

    With `batch_tokens`, each bucket's batch size is `batch_tokens // (its longest
    possible length)`, the last bucket's being `longest`, so no batch has more than
    `batch_tokens` padded tokens in any of its tensors.

    When `key_lengths` holds every example's length (`every_length`: in-memory
    data, not a stream's sample), the number of batches is known and set as the
    dataset's cardinality, which `tf.data` cannot infer through bucketing: Keras's
    progress bar then shows the epoch's steps from the first epoch on.
    """
    if shuffle and len(key_lengths):
        dataset = dataset.shuffle(len(key_lengths), seed=seed, reshuffle_each_iteration=True)
    if not dense:
        # Slices of a RaggedTensor have a RaggedTensorSpec; padded_batch wants TensorSpecs.
        dataset = dataset.map(
            lambda *parts: tuple(tf.identity(part) for part in parts),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    if bucket_boundaries is None:
        boundaries = quantile_boundaries(key_lengths, num_buckets)
        if batch_tokens is not None:
            boundaries = tail_boundaries(boundaries, key_lengths, longest)
    else:
        boundaries = [int(b) for b in bucket_boundaries]
    if batch_tokens is None:
        sizes = [batch_size] * (len(boundaries) + 1)
    else:
        sizes = token_batch_sizes(boundaries, longest, batch_tokens)
    if boundaries:
        dataset = dataset.bucket_by_sequence_length(
            element_length_func=length_fn,
            bucket_boundaries=boundaries,
            bucket_batch_sizes=sizes,
            padded_shapes=padded_shapes,
            drop_remainder=drop_remainder,
        )
    else:
        dataset = dataset.padded_batch(
            sizes[0], padded_shapes=padded_shapes, drop_remainder=drop_remainder
        )
    if every_length:
        count = batch_count(key_lengths, boundaries, sizes, drop_remainder)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    return dataset.prefetch(tf.data.AUTOTUNE), boundaries


def batch_count(key_lengths, boundaries, sizes, drop_remainder):
    """Batches per epoch: bucket `i` holds lengths in `[b[i-1], b[i])` (as in
    `bucket_by_sequence_length`) and makes batches of `sizes[i]`, one partial batch
    unless `drop_remainder`."""
    per_bucket = np.bincount(
        np.searchsorted(boundaries, np.asarray(key_lengths), side="right"),
        minlength=len(boundaries) + 1,
    )
    sizes = np.asarray(sizes)
    full = per_bucket // sizes
    return int(np.sum(full if drop_remainder else full + (per_bucket % sizes > 0)))


def annotate(dataset, num_examples, num_dropped, boundaries, counts=None):
    """Sets `num_examples`, `num_dropped` (None for a stream: see `counts`),
    `bucket_boundaries` and `counts` (a stream's `StreamCounts`, else None)."""
    dataset.num_examples = None if num_examples is None else int(num_examples)
    dataset.num_dropped = None if num_dropped is None else int(num_dropped)
    dataset.bucket_boundaries = list(boundaries)
    dataset.counts = counts
    return dataset
