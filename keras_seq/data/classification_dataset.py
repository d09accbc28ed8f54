"""Texts and labels to bucketed batches of (token_ids, labels)."""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_str_list
from keras_seq.data import _pipeline, _streaming


def classification_dataset(
    texts,
    labels,
    tokenizer,
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
    """Builds a `tf.data.Dataset` of `(token_ids, labels)` batches for a `ManyToOne` model.

    Texts are tokenized once (each row ends with `end_id`, so none is fully masked),
    then shuffled, bucketed by length (quantile boundaries unless given), padded with
    0 and prefetched, like `keras_seq.data.seq2seq_dataset`. Texts longer than
    `max_length` tokens (end token included) are dropped with a warning and counted
    in the dataset's `num_dropped`.

    With `labels=None`, `texts` is a stream, read inside `tf.data` and never held in
    memory, exactly like a `seq2seq_dataset` stream (shuffle buffer, boundaries from
    a sample, malformed lines counted in `counts` and reported, `FILE` auto-sharding,
    `num_shards`/`shard_index`): `text<TAB>label` files (plain or `.gz`) with an
    integer label, or a `tf.data.Dataset` of `(text, integer label)`. A line whose
    label is not an integer is malformed. `batch_tokens` bounds the padded tokens
    per batch instead of `batch_size`, as in `seq2seq_dataset`.

    Args:
        texts: list of str; with `labels=None`, a path, a glob or a list of them, or
            a `tf.data.Dataset` of `(text, label)`.
        labels: array-like with one label (int class, float value, or a vector)
            per text, or `None` for a stream.
        tokenizer: keras_seq.data tokenizer (adapted).
        batch_size: int or None. Examples per batch (at least 1), or use
            `batch_tokens`.
        batch_tokens: int or None. Padded tokens per batch, at most. Defaults to
            `None`.
        max_length: int or None. Longest text kept, in tokens. Defaults to `None`
            (with `batch_tokens`, `batch_tokens`).
        shuffle: bool. Reshuffle every epoch. Defaults to `True`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        bucket_boundaries: list of int or None. Length boundaries. Defaults to
            `None` (quantiles of the data).
        num_buckets: int. Number of buckets when boundaries come from the data.
            Defaults to `8`.
        drop_remainder: bool. Drop each bucket's last partial batch. Defaults to
            `False`.
        shuffle_buffer: int. Streams only: lines in the shuffle buffer. Defaults
            to `10_000`.
        sample_size: int. Streams only: texts read to place the bucket
            boundaries. Defaults to `10_000`.
        num_shards: int. Streams only: number of shards. Defaults to `1`.
        shard_index: int. Streams only: this worker's shard. Defaults to `0`.

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
    max_length = _pipeline.check_options(
        batch_size, max_length, num_buckets, bucket_boundaries, batch_tokens
    )
    if labels is None:
        return _stream(
            texts,
            tokenizer,
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
    texts = check_str_list("texts", texts)
    labels = np.asarray(labels)
    if labels.ndim == 0 or labels.shape[0] != len(texts):
        raise ValueError(
            f"`labels` must have one entry per text ({len(texts)}). Received: labels with "
            f"shape {labels.shape}"
        )
    if np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool:
        if labels.size and labels.min() < 0:  # sparse cross-entropy would read it wrapped
            first = tuple(int(i) for i in np.argwhere(labels < 0)[0])
            raise ValueError(
                "`labels` must hold class ids >= 0 (or float values). Received: "
                f"labels{list(first)}={labels[first]}"
            )
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
        _text_length,
        ([None], list(labels.shape[1:])),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
        batch_tokens=batch_tokens,
        longest=int(lengths[keep].max()) if keep.any() else 1,
    )
    return _pipeline.annotate(dataset, np.sum(keep), dropped, boundaries)


def _text_length(ids, label):
    return tf.shape(ids)[0]


def _stream(texts, tokenizer, **options):
    if not _streaming.is_stream(texts):
        raise TypeError(
            "With `labels=None`, `texts` must be a stream: a path, a glob or a list of "
            "them, or a tf.data.Dataset of (text, label). Received: "
            f"texts={texts!r:.80} (of type {type(texts).__name__})"
        )
    if isinstance(texts, tf.data.Dataset):
        spec = texts.element_spec
        if (
            isinstance(spec, tuple)
            and len(spec) == 2
            and isinstance(spec[1], tf.TensorSpec)
            and spec[1].dtype.is_integer
        ):
            # Labels travel as text, like the label column of a file, and are parsed back.
            texts = texts.map(lambda text, label: (text, tf.strings.as_string(label)))
    _pipeline.check_stream_options(
        options["shuffle_buffer"],
        options["sample_size"],
        options["num_shards"],
        options["shard_index"],
    )

    def encode(table):
        ids = tokenizer.encode(table[:, 0], add_end=True, ragged=True)
        labels = tf.strings.to_number(tf.strings.strip(table[:, 1]), tf.int32)
        return (ids, labels), ids.row_lengths()

    return _streaming.build(
        "classification_dataset",
        _streaming.Source("texts", texts, arities=(1, 2)),
        columns=2,
        check=_streaming.label_check(1),
        encode=encode,
        length_fn=_text_length,
        padded_shapes=([None], []),
        **options,
    )
