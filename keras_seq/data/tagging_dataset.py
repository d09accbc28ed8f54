"""Pre-split sentences and their tags to bucketed batches of (word_ids, tag_ids)."""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_list, check_str_list
from keras_seq.data import _pipeline, _streaming


def tagging_dataset(
    sentences_tokens,
    tags,
    word_tokenizer,
    tag_vocabulary,
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
    """Builds a `tf.data.Dataset` of aligned `(word_ids, tag_ids)` batches for tagging.

    Each word is looked up as one token with `word_tokenizer.lookup` (no further
    splitting, so ids stay aligned with tags; unknown words get `unknown_id`, and no
    start/end tokens are added). Tag ids are positions in `tag_vocabulary` (0-based);
    padded steps hold 0 in both tensors, and a `ManyToMany` model's mask (word id 0)
    keeps them out of the loss. Batches are shuffled, bucketed by sentence length
    (quantile boundaries unless given), padded and prefetched, like
    `keras_seq.data.seq2seq_dataset`; sentences longer than `max_length` words are
    dropped with a warning and counted in the dataset's `num_dropped`.

    With `tags=None`, `sentences_tokens` is a stream, read inside `tf.data` and never
    held in memory, exactly like a `seq2seq_dataset` stream (shuffle buffer,
    boundaries from a sample, `FILE` auto-sharding, `num_shards`/`shard_index`,
    `batch_tokens`): files (plain or `.gz`) with one sentence a line,
    `words<TAB>tags`, both space-separated (`The dog barks .<TAB>DET NOUN VERB
    PUNCT`; a word cannot hold a space), or a `tf.data.Dataset` of such lines or
    of `(words, tags)` string pairs. A line is malformed when it has no tab or is
    not UTF-8, or when its tags differ in number from its words, are empty or are
    not all in `tag_vocabulary` (counted as `bad_tags`): it is skipped, counted in
    the dataset's `counts` and reported, never a crash.

    Args:
        sentences_tokens: list of lists of str. The words of each sentence. With
            `tags=None`, a path, a glob or a list of them, or a `tf.data.Dataset`.
        tags: list of lists of str (one tag per word), or `None` for a stream.
        word_tokenizer: keras_seq.data tokenizer (normally a `WordTokenizer`
            adapted on the same token lists).
        tag_vocabulary: list of str. All tags, in id order.
        batch_size: int or None. Sentences per batch (at least 1), or use
            `batch_tokens`.
        batch_tokens: int or None. Padded words per batch, at most (see
            `seq2seq_dataset`). Defaults to `None`.
        max_length: int or None. Longest sentence kept, in words. Defaults to
            `None` (with `batch_tokens`, `batch_tokens`).
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
        sample_size: int. Streams only: sentences read to place the bucket
            boundaries. Defaults to `10_000`.
        num_shards: int. Streams only: number of shards. Defaults to `1`.
        shard_index: int. Streams only: this worker's shard. Defaults to `0`.

    Returns:
        A `tf.data.Dataset` yielding int32 `(word_ids, tag_ids)`, both of shape
        `(batch_size, timesteps)`.

    Example:
    >>> import keras_seq
    >>> words = [["The", "dog", "barks", "."], ["Cats", "sleep", "."]]
    >>> tags = [["DET", "NOUN", "VERB", "PUNCT"], ["NOUN", "VERB", "PUNCT"]]
    >>> tokenizer = keras_seq.data.WordTokenizer()
    >>> tokenizer.adapt(words)
    >>> data = keras_seq.data.tagging_dataset(
    ...     words, tags, tokenizer, ["DET", "NOUN", "PUNCT", "VERB"], batch_size=2)
    >>> all(tuple(w.shape) == tuple(t.shape) for w, t in data)
    True
    """
    _pipeline.check_tokenizer("word_tokenizer", word_tokenizer)
    max_length = _pipeline.check_options(
        batch_size, max_length, num_buckets, bucket_boundaries, batch_tokens
    )
    tag_index = _tag_index(tag_vocabulary)
    if tags is None:
        return _stream(
            sentences_tokens,
            word_tokenizer,
            list(tag_index),
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
    sentences = _token_lists("sentences_tokens", sentences_tokens)
    tag_lists = _token_lists("tags", tags)
    if len(sentences) != len(tag_lists):
        raise ValueError(
            "`sentences_tokens` and `tags` must have the same length. Received: "
            f"{len(sentences)} sentences and {len(tag_lists)} tag lists"
        )
    tag_ids = []
    for i, (words, sentence_tags) in enumerate(zip(sentences, tag_lists)):
        if not words:
            raise ValueError(f"`sentences_tokens[{i}]` is empty; every sentence needs a word.")
        if len(words) != len(sentence_tags):
            raise ValueError(
                f"Sentence {i} has {len(words)} words but {len(sentence_tags)} tags. "
                f"Received: sentences_tokens[{i}]={words!r:.80}"
            )
        unknown = [t for t in sentence_tags if t not in tag_index]
        if unknown:
            raise ValueError(
                f"Tag {unknown[0]!r} (sentence {i}) is not in `tag_vocabulary`="
                f"{list(tag_index)!r:.200}"
            )
        tag_ids.append([tag_index[t] for t in sentence_tags])

    lengths = np.array([len(words) for words in sentences], np.int64)
    keep = np.ones(len(sentences), bool) if max_length is None else lengths <= max_length
    dropped = int(np.sum(~keep))
    _pipeline.report_dropped("tagging_dataset", dropped, len(sentences), max_length)
    flat_words = [w for words, k in zip(sentences, keep) if k for w in words]
    flat_tags = np.array([t for ids, k in zip(tag_ids, keep) if k for t in ids], np.int32)
    word_ids = word_tokenizer.lookup(
        tf.constant(flat_words, tf.string) if flat_words else tf.zeros([0], tf.string)
    )
    kept_lengths = lengths[keep]
    words_ragged = tf.RaggedTensor.from_row_lengths(word_ids, kept_lengths)
    tags_ragged = tf.RaggedTensor.from_row_lengths(flat_tags, kept_lengths)
    dataset = tf.data.Dataset.from_tensor_slices((words_ragged, tags_ragged))
    dataset, boundaries = _pipeline.batch(
        dataset,
        kept_lengths,
        _sentence_length,
        ([None], [None]),
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
        batch_tokens=batch_tokens,
        longest=int(kept_lengths.max()) if len(kept_lengths) else 1,
    )
    return _pipeline.annotate(dataset, np.sum(keep), dropped, boundaries)


def _tag_index(tag_vocabulary):
    tags = check_str_list("tag_vocabulary", tag_vocabulary)
    if len(set(tags)) != len(tags):
        raise ValueError(
            "Argument `tag_vocabulary` must not repeat tags. "
            f"Received: tag_vocabulary={tag_vocabulary!r:.120}"
        )
    return {tag: i for i, tag in enumerate(tags)}


def _token_lists(name, value):
    """Checks a non-empty list of token lists (each a list of str, possibly empty)."""
    return [
        check_str_list(f"{name}[{index}]", tokens, allow_empty=True)
        for index, tokens in enumerate(check_list(name, value, expected="a list of lists of str"))
    ]


def _sentence_length(words, tags):
    return tf.shape(words)[0]


def _stream(sentences, word_tokenizer, tag_vocabulary, **options):
    if not _streaming.is_stream(sentences):
        raise TypeError(
            "With `tags=None`, `sentences_tokens` must be a stream: a path, a glob or a "
            "list of them, or a tf.data.Dataset of `words<TAB>tags` lines or (words, "
            f"tags) pairs. Received: sentences_tokens={sentences!r:.80} (of type "
            f"{type(sentences).__name__})"
        )
    _pipeline.check_stream_options(
        options["shuffle_buffer"],
        options["sample_size"],
        options["num_shards"],
        options["shard_index"],
    )
    with tf.init_scope():  # tables outlive the tf.data functions that use them
        tag_table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(tag_vocabulary), tf.range(len(tag_vocabulary), dtype=tf.int32)
            ),
            default_value=-1,
        )

    def split(table):
        return tf.strings.split(table[:, 0]), tf.strings.split(table[:, 1])

    def aligned(table):
        words, tags = split(table)
        lengths = words.row_lengths()
        known = tf.reduce_all(tf.ragged.map_flat_values(tag_table.lookup, tags) >= 0, axis=1)
        return (lengths == tags.row_lengths()) & (lengths > 0) & known

    def encode(table):
        words, tags = split(table)
        word_ids = word_tokenizer.lookup(words)
        tag_ids = tf.ragged.map_flat_values(tag_table.lookup, tags)
        return (word_ids, tag_ids), words.row_lengths()

    return _streaming.build(
        "tagging_dataset",
        _streaming.Source("sentences_tokens", sentences, arities=(1, 2)),
        columns=2,
        check=("bad_tags", aligned),
        encode=encode,
        length_fn=_sentence_length,
        padded_shapes=([None], [None]),
        **options,
    )
