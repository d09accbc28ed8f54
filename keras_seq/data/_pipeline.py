"""Shared parts of the tf.data pipelines: checks, eager tokenization, length bucketing."""

import warnings

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_int, check_list, check_positive_int, check_type
from keras_seq.data.tokenizer import Tokenizer

_CHUNK = 4096


def check_options(batch_size, max_length, num_buckets, bucket_boundaries):
    """Checks the batching arguments that every pipeline takes."""
    check_positive_int("batch_size", batch_size)
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
):
    """Shuffles, buckets by `length_fn(*element)`, pads with 0 and prefetches."""
    if shuffle and len(key_lengths):
        dataset = dataset.shuffle(len(key_lengths), seed=seed, reshuffle_each_iteration=True)
    # Slices of a RaggedTensor have a RaggedTensorSpec; padded_batch wants TensorSpecs.
    dataset = dataset.map(
        lambda *parts: tuple(tf.identity(part) for part in parts),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    if bucket_boundaries is None:
        boundaries = quantile_boundaries(key_lengths, num_buckets)
    else:
        boundaries = [int(b) for b in bucket_boundaries]
    if boundaries:
        dataset = dataset.bucket_by_sequence_length(
            element_length_func=length_fn,
            bucket_boundaries=boundaries,
            bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
            padded_shapes=padded_shapes,
            drop_remainder=drop_remainder,
        )
    else:
        dataset = dataset.padded_batch(
            batch_size, padded_shapes=padded_shapes, drop_remainder=drop_remainder
        )
    return dataset.prefetch(tf.data.AUTOTUNE), boundaries


def annotate(dataset, num_examples, num_dropped, boundaries):
    dataset.num_examples = int(num_examples)
    dataset.num_dropped = int(num_dropped)
    dataset.bucket_boundaries = list(boundaries)
    return dataset
