"""Texts and labels to bucketed batches of (token_ids, labels)."""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_str_list
from keras_seq.data import _pipeline


def classification_dataset(
    texts,
    labels,
    tokenizer,
    batch_size,
    *,
    max_length=None,
    shuffle=True,
    seed=None,
    bucket_boundaries=None,
    num_buckets=8,
    drop_remainder=False,
):
    """Builds a `tf.data.Dataset` of `(token_ids, labels)` batches for a `ManyToOne` model.

    Texts are tokenized once (each row ends with `end_id`, so none is fully masked),
    then shuffled, bucketed by length (quantile boundaries unless given), padded with
    0 and prefetched, like `keras_seq.data.seq2seq_dataset`. Texts longer than
    `max_length` tokens (end token included) are dropped with a warning and counted
    in the dataset's `num_dropped`.

    Args:
        texts: list of str.
        labels: array-like with one label (int class, float value, or a vector)
            per text.
        tokenizer: keras_seq.data tokenizer (adapted).
        batch_size: int. Examples per batch (at least 1).
        max_length: int or None. Longest text kept, in tokens. Defaults to `None`.
        shuffle: bool. Reshuffle every epoch. Defaults to `True`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        bucket_boundaries: list of int or None. Length boundaries. Defaults to
            `None` (quantiles of the data).
        num_buckets: int. Number of buckets when boundaries come from the data.
            Defaults to `8`.
        drop_remainder: bool. Drop each bucket's last partial batch. Defaults to
            `False`.

    Returns:
        A `tf.data.Dataset` yielding `(token_ids, labels)`: int32 ids of shape
        `(batch_size, timesteps)` and labels of shape `(batch_size, ...)` (int32 for
        integer labels, float32 otherwise).

    Example:
    >>> import keras_seq
    >>> texts = ["Great film!", "Awful.", "I loved it.", "Boring, too long."]
    >>> tokenizer = keras_seq.data.WordTokenizer(lowercase=True)
    >>> tokenizer.adapt(texts)
    >>> data = keras_seq.data.classification_dataset(texts, [1, 0, 1, 0], tokenizer, 2)
    >>> sorted(int(y) for _, labels in data for y in labels)
    [0, 0, 1, 1]
    """
    _pipeline.check_tokenizer("tokenizer", tokenizer)
    _pipeline.check_options(batch_size, max_length, num_buckets, bucket_boundaries)
    texts = check_str_list("texts", texts)
    labels = np.asarray(labels)
    if labels.ndim == 0 or labels.shape[0] != len(texts):
        raise ValueError(
            f"`labels` must have one entry per text ({len(texts)}). Received: labels with "
            f"shape {labels.shape}"
        )
    if np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool:
        labels = labels.astype(np.int32)
    elif np.issubdtype(labels.dtype, np.floating):
        labels = labels.astype(np.float32)
    else:
        raise TypeError(f"`labels` must be numbers. Received: labels with dtype {labels.dtype}")

    values, lengths = _pipeline.encode_all(tokenizer, texts, add_end=True)
    keep = np.ones(len(texts), bool) if max_length is None else lengths <= max_length
    dropped = int(np.sum(~keep))
    _pipeline.report_dropped("classification_dataset", dropped, len(texts), max_length)
    ids = _pipeline.ragged(values, lengths, keep)
    dataset = tf.data.Dataset.from_tensor_slices((ids, labels[keep]))
    dataset, boundaries = _pipeline.batch(
        dataset,
        lengths[keep],
        lambda ids, label: tf.shape(ids)[0],
        ([None], list(labels.shape[1:])),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
    )
    return _pipeline.annotate(dataset, np.sum(keep), dropped, boundaries)
