"""Shared parts of the tf.data pipelines: checks, eager tokenization, length bucketing."""

import numbers
import warnings

import numpy as np
import tensorflow as tf

from keras_seq.data.tokenizer import Tokenizer

_CHUNK = 4096


def check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"`batch_size` must be an int. Received: batch_size={batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be at least 1. Received: batch_size={batch_size}")


def check_options(max_length, num_buckets, bucket_boundaries):
    if max_length is not None:
        if isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral):
            raise TypeError(
                f"`max_length` must be an int or None. Received: max_length={max_length!r}"
            )
        if max_length < 1:
            raise ValueError(f"`max_length` must be at least 1. Received: max_length={max_length}")
    if isinstance(num_buckets, bool) or not isinstance(num_buckets, numbers.Integral):
        raise TypeError(f"`num_buckets` must be an int. Received: num_buckets={num_buckets!r}")
    if num_buckets < 1:
        raise ValueError(f"`num_buckets` must be at least 1. Received: num_buckets={num_buckets}")
    if bucket_boundaries is not None:
        values = list(bucket_boundaries)
        if (
            not all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in values)
            or any(b < 1 for b in values)
            or any(a >= b for a, b in zip(values, values[1:]))
        ):
            raise ValueError(
                "`bucket_boundaries` must be strictly increasing positive ints. "
                f"Received: bucket_boundaries={bucket_boundaries!r}"
            )


def check_tokenizer(argument, tokenizer):
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(
            f"`{argument}` must be a keras_seq.data tokenizer (CharTokenizer, WordTokenizer, "
            f"SubwordTokenizer). Received: {argument}={tokenizer!r:.80}"
        )
    tokenizer.get_vocabulary()  # raises a clear error when it was never adapted


def check_texts(argument, texts):
    if isinstance(texts, np.ndarray):
        texts = texts.tolist()
    if isinstance(texts, (str, bytes)) or not isinstance(texts, (list, tuple)):
        raise TypeError(
            f"`{argument}` must be a list of strings. Received: {argument}={texts!r:.80}"
        )
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"`{argument}` must contain only strings. Received: {argument}[{i}]={text!r:.60}"
            )
    return list(texts)


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
