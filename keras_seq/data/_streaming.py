"""Streaming sources of the tf.data pipelines: files, globs, `.gz` files and datasets.

A stream is read, parsed, tokenized, filtered and batched inside `tf.data`; nothing
holds the corpus. Lines are read with `TextLineDataset` (gzip when the name ends in
`.gz`), files in parallel with `interleave`, and every line keeps its file name and
line number until it is parsed, so that a malformed line can be reported where it is.

Malformed lines (fewer tab-separated columns than needed, bad UTF-8, a label that is
not an integer, words and tags that do not match) and pairs longer than `max_length`
are counted in `tf.Variable`s (`StreamCounts`, the dataset's `counts`): the first few
malformed lines are printed with their place, and at the end of every pass over the
stream a one-line summary gives what that pass skipped. Nothing is dropped without a
word, and nothing fails deep inside the graph.
"""

import sys
import warnings

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_files, check_string_dataset, is_path_like

MAX_REPORTED = 5  # malformed lines printed in full; the rest are only counted
PARSE_BATCH = 256  # lines parsed and tokenized per vectorized call

_NO_TAB, _BAD_UTF8, _BAD_LABEL, _BAD_TAGS = 1, 2, 3, 4
_REASONS = (
    "",
    "too few tab-separated columns",
    "not valid UTF-8",
    "label not an integer",
    "words and tags do not match",
)
_CHECKED = {"bad_label": _BAD_LABEL, "bad_tags": _BAD_TAGS}  # count field: reason


def is_stream(value):
    """True for a path, a glob, a list of them or a `tf.data.Dataset`."""
    if isinstance(value, tf.data.Dataset) or is_path_like(value):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(is_path_like(v) for v in value)


class StreamCounts:
    """What a streaming pipeline read and skipped, counted in the graph as it runs.

    Totals since the pipeline was built (or since `reset`), for this worker:
    `lines` read, `examples` kept, `malformed` lines (`no_tab`, `bad_utf8`,
    `bad_label`, `bad_tags`) and `too_long` examples (longer than `max_length`).
    """

    MALFORMED = ("no_tab", "bad_utf8", "bad_label", "bad_tags")
    FIELDS = ("lines", "examples", *MALFORMED, "too_long")

    def __init__(self, function, max_length):
        self.function = function
        self.max_length = max_length
        with tf.init_scope():
            self._totals = {f: tf.Variable(0, dtype=tf.int64, trainable=False) for f in self.FIELDS}
            self._last = {f: tf.Variable(0, dtype=tf.int64, trainable=False) for f in self.FIELDS}
            self._printed = tf.Variable(0, dtype=tf.int64, trainable=False)

    def result(self):
        """Returns the totals as a dict of Python ints, with `malformed` (their sum)."""
        counts = {f: int(v.numpy()) for f, v in self._totals.items()}
        counts["malformed"] = sum(counts[f] for f in self.MALFORMED)
        return counts

    def reset(self):
        """Sets every count back to 0."""
        for variable in [*self._totals.values(), *self._last.values(), self._printed]:
            variable.assign(0)

    def warn(self):
        """Warns (Python `warnings`) with the totals if anything was skipped; returns them."""
        counts = self.result()
        if counts["malformed"] or counts["too_long"]:
            warnings.warn(
                f"{self.function} skipped {_summary(counts, self.max_length)}.", stacklevel=2
            )
        return counts

    # Graph side -------------------------------------------------------------------------

    def add(self, field, amount):
        return self._totals[field].assign_add(tf.cast(amount, tf.int64))

    def print_malformed(self, origins, numbers, lines, reasons):
        """Prints the first `MAX_REPORTED` malformed lines of the stream (graph op)."""
        bad = reasons > 0
        left = tf.maximum(tf.constant(MAX_REPORTED, tf.int64) - self._printed, 0)
        count = tf.minimum(left, tf.reduce_sum(tf.cast(bad, tf.int64)))

        def report():
            index = tf.where(bad)[:count, 0]
            messages = tf.strings.join(
                [
                    f"{self.function}: skipped line ",
                    tf.gather(origins, index),
                    ":",
                    tf.strings.as_string(tf.gather(numbers, index)),
                    " (",
                    tf.gather(tf.constant(_REASONS), tf.gather(reasons, index)),
                    "): ",
                    tf.strings.substr(tf.gather(lines, index), 0, 120),
                ]
            )
            with tf.control_dependencies([self._printed.assign_add(count)]):
                return tf.print(
                    tf.strings.reduce_join(messages, separator="\n"), output_stream=sys.stderr
                )

        return tf.cond(count > 0, report, tf.no_op)

    def end_of_pass(self):
        """At the end of a pass: prints what the pass skipped, if anything (graph op)."""
        deltas = {f: self._totals[f] - self._last[f] for f in self.FIELDS}
        malformed = tf.add_n([deltas[f] for f in self.MALFORMED])

        def report():
            text = [tf.strings.as_string(deltas[f]) for f in self.FIELDS]
            lines, _, no_tab, bad_utf8, bad_label, bad_tags, too_long = text
            message = tf.strings.join(
                [
                    f"{self.function}: this pass read ",
                    lines,
                    " lines and skipped ",
                    tf.strings.as_string(malformed),
                    " malformed (",
                    no_tab,
                    " with too few columns, ",
                    bad_utf8,
                    " not UTF-8, ",
                    bad_label,
                    " with a bad label, ",
                    bad_tags,
                    " with bad tags) and ",
                    too_long,
                    f" longer than max_length={self.max_length}; see the dataset's `counts`.",
                ]
            )
            return tf.print(message, output_stream=sys.stderr)

        printed = tf.cond(malformed + deltas["too_long"] > 0, report, tf.no_op)
        with tf.control_dependencies([printed]):
            return tf.group(*[self._last[f].assign(self._totals[f]) for f in self.FIELDS])


def _summary(counts, max_length):
    return (
        f"{counts['malformed']} malformed lines ({counts['no_tab']} with too few columns, "
        f"{counts['bad_utf8']} not UTF-8, {counts['bad_label']} with a bad label, "
        f"{counts['bad_tags']} with bad tags) and "
        f"{counts['too_long']} examples longer than max_length={max_length}, of "
        f"{counts['lines']} lines read"
    )


class Source:
    """A stream of `(origin, line_number, columns...)` elements before parsing.

    `files` is the sorted file list (None for a dataset); `arity` is 1 for lines
    (`source<TAB>target...`), or the number of strings of a dataset's tuples.
    """

    def __init__(self, name, value, arities):
        self.name = name
        if isinstance(value, tf.data.Dataset):
            self.files = None
            self.dataset = value
            self.arity = check_string_dataset(name, value, arities)
        else:
            self.files = check_files(name, value)
            self.dataset = None
            self.arity = 1

    def elements(self, *, shuffle, seed, num_shards, shard_index, deterministic):
        """Unparsed elements: `(origin, line_number, line)` or `(origin, n, *strings)`."""
        if self.files is None:
            data = self.dataset
            if num_shards > 1:
                data = data.shard(num_shards, shard_index)
            return data.enumerate(start=1).map(
                lambda number, element: (
                    tf.constant("<dataset>"),
                    number,
                    *(element if isinstance(element, tuple) else (element,)),
                )
            )
        names = tf.data.Dataset.from_tensor_slices(self.files)
        if num_shards > 1:
            names = names.shard(num_shards, shard_index)
        files = -(-len(self.files) // num_shards)
        if shuffle:  # a new file order every epoch, reproducible for a seed
            names = names.shuffle(files, seed=seed, reshuffle_each_iteration=True)
        return names.interleave(
            _read_file,
            cycle_length=min(files, 16),
            block_length=1,
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=deterministic,
        )

    def parse(self, columns, *, check=None):
        """Returns a vectorized parser of a batch of elements.

        The parser returns `(origins, numbers, raw lines, fields [batch, columns],
        reasons)`; `reasons` is 0 for a good line. For lines, fields are the first
        `columns` tab-separated columns (further columns, like Tatoeba's attribution,
        are ignored). `check` is `(count field, function)`: the function takes the
        table and returns a bool per row, False for a malformed row.
        """

        def parse_lines(origins, numbers, lines):
            fields = tf.strings.split(lines, "\t")
            enough = fields.row_lengths() >= columns
            table = fields.to_tensor(default_value="", shape=[None, columns])
            return origins, numbers, lines, table, _reasons(table, enough, check)

        def parse_tuples(origins, numbers, *parts):
            table = tf.stack(parts, axis=1)
            lines = tf.strings.reduce_join(table, axis=1, separator="\t")
            enough = tf.ones_like(numbers, tf.bool)
            return origins, numbers, lines, table, _reasons(table, enough, check)

        return parse_lines if self.arity == 1 else parse_tuples


def _read_file(name):
    compression = tf.where(tf.strings.regex_full_match(name, r".*\.gz"), "GZIP", "")
    lines = tf.data.TextLineDataset(name, compression_type=compression)
    return lines.enumerate(start=1).map(lambda number, line: (name, number, line))


def _valid_utf8(strings):
    # Replacement happens only where the bytes are not UTF-8: equal means valid.
    return tf.equal(
        tf.strings.unicode_transcode(strings, "UTF-8", "UTF-8", errors="replace"), strings
    )


def _reasons(table, enough, check):
    utf8 = tf.reduce_all(_valid_utf8(table), axis=1)
    reasons = tf.where(enough, 0, _NO_TAB)
    reasons = tf.where((reasons == 0) & ~utf8, _BAD_UTF8, reasons)
    if check is not None:
        field, good = check
        reasons = tf.where((reasons == 0) & ~good(table), _CHECKED[field], reasons)
    return reasons


def label_check(column):
    """A `check` for `build`: the column holds an integer."""
    return "bad_label", lambda table: tf.strings.regex_full_match(
        tf.strings.strip(table[:, column]), r"[+-]?\d{1,9}"
    )


def count_parsed(counts, origins, numbers, lines, reasons):
    """Counts a parsed batch and prints its first malformed lines; returns the good mask."""
    if counts is None:
        return reasons == 0
    updates = [
        counts.add("lines", tf.size(reasons)),
        counts.add("no_tab", tf.reduce_sum(tf.cast(reasons == _NO_TAB, tf.int64))),
        counts.add("bad_utf8", tf.reduce_sum(tf.cast(reasons == _BAD_UTF8, tf.int64))),
        *[
            counts.add(field, tf.reduce_sum(tf.cast(reasons == reason, tf.int64)))
            for field, reason in _CHECKED.items()
        ],
        counts.print_malformed(origins, numbers, lines, reasons),
    ]
    with tf.control_dependencies(updates):
        return tf.identity(reasons == 0)


def with_end_of_pass(dataset, counts, trigger):
    """Appends an element that runs `counts.end_of_pass()` and is then filtered out.

    tf.data has no end-of-iteration hook; a sentinel after the last element is how a
    graph-only pipeline learns that a pass is over. The sentinel is made from the first
    element of `trigger`, not from a constant: for file input `trigger` reads the same
    files, so that tf.data's FILE auto-sharding finds a file reader in both branches
    of the concatenation (a constant source there makes it fail with "Found an
    unshardable source dataset").
    """
    if counts is None:
        return dataset

    def empty(spec):
        return tf.zeros([0 if d is None else d for d in spec.shape], spec.dtype)

    def finish(*unused):
        with tf.control_dependencies([counts.end_of_pass()]):
            return tuple(tf.identity(empty(spec)) for spec in tf.nest.flatten(dataset.element_spec))

    sentinel = trigger.take(1).map(finish).filter(lambda *element: tf.constant(False))
    return dataset.concatenate(sentinel)


def distribute_options(dataset, source, num_shards):
    """FILE auto-sharding for file input; OFF when the caller sharded explicitly."""
    options = tf.data.Options()
    policy = tf.data.experimental.AutoShardPolicy
    if num_shards > 1:
        options.experimental_distribute.auto_shard_policy = policy.OFF
    elif source.files is not None:
        options.experimental_distribute.auto_shard_policy = policy.FILE
    return dataset.with_options(options)


def texts_from_files(name, files, column, sample_size=None):
    """Returns `(dataset of scalar str, skipped-lines tf.Variable)` for `adapt`.

    `column` picks a tab-separated column (None: the whole line); a line without it
    or not in UTF-8 is skipped and counted in the variable.
    """
    source = Source(name, files, arities=(1,))
    with tf.init_scope():
        skipped = tf.Variable(0, dtype=tf.int64, trainable=False)

    def parse(origins, numbers, lines):
        if column is None:
            texts, enough = lines, tf.ones_like(numbers, tf.bool)
        else:
            fields = tf.strings.split(lines, "\t")
            enough = fields.row_lengths() > column
            texts = fields.to_tensor(default_value="", shape=[None, column + 1])[:, column]
        good = enough & _valid_utf8(texts)
        with tf.control_dependencies([skipped.assign_add(tf.reduce_sum(tf.cast(~good, tf.int64)))]):
            return tf.boolean_mask(texts, good)

    elements = source.elements(
        shuffle=False, seed=None, num_shards=1, shard_index=0, deterministic=True
    )
    if sample_size is not None:
        elements = elements.take(sample_size)
    texts = elements.batch(PARSE_BATCH).map(parse, num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    return texts, skipped


def build(
    function,
    source,
    *,
    columns,
    encode,
    length_fn,
    padded_shapes,
    batch_size,
    batch_tokens,
    max_length,
    shuffle,
    seed,
    shuffle_buffer,
    sample_size,
    bucket_boundaries,
    num_buckets,
    drop_remainder,
    num_shards,
    shard_index,
    check=None,
):
    """Builds a streaming pipeline; see `seq2seq_dataset` for the stages.

    `encode(table)` turns a `[rows, columns]` string table of good lines into
    `(parts, key_lengths)`: a tuple of per-row tensors (ragged or dense, `rows`
    first) and the int64 length that `max_length` and the buckets apply to. `check`
    (see `Source.parse`) marks further malformed rows.
    """
    from keras_seq.data import _pipeline

    if source.files is not None and num_shards > len(source.files):
        raise ValueError(
            "File-based sharding needs at least one file per shard. Received: "
            f"num_shards={num_shards} for {len(source.files)} files"
        )
    deterministic = seed is not None or not shuffle
    parse = source.parse(columns, check=check)

    def encoded(counts, elements):
        def process(*batch):
            origins, numbers, lines, table, reasons = parse(*batch)
            good = count_parsed(counts, origins, numbers, lines, reasons)
            parts, lengths = encode(tf.boolean_mask(table, good))
            keep = tf.ones_like(lengths, tf.bool) if max_length is None else lengths <= max_length
            if counts is not None:
                updates = [
                    counts.add("too_long", tf.reduce_sum(tf.cast(~keep, tf.int64))),
                    counts.add("examples", tf.reduce_sum(tf.cast(keep, tf.int64))),
                ]
                with tf.control_dependencies(updates):
                    keep = tf.identity(keep)
            parts = tuple(
                tf.ragged.boolean_mask(part, keep)
                if isinstance(part, tf.RaggedTensor)
                else tf.boolean_mask(part, keep)
                for part in parts
            )
            return parts, tf.boolean_mask(lengths, keep)

        return elements.batch(PARSE_BATCH).map(
            process, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
        )

    key_lengths = []
    if bucket_boundaries is None:
        # Boundaries from the first `sample_size` examples, files read round-robin
        # (block_length=1), so that every file contributes; never counted.
        unshuffled = source.elements(
            shuffle=False, seed=None, num_shards=1, shard_index=0, deterministic=True
        )
        seen = 0
        for lengths in encoded(None, unshuffled).map(lambda parts, lengths: lengths):
            key_lengths.append(lengths.numpy())
            seen += len(key_lengths[-1])
            if seen >= sample_size:
                break
    key_lengths = np.concatenate(key_lengths)[:sample_size] if key_lengths else np.zeros([0])

    counts = StreamCounts(function, max_length)
    elements = source.elements(
        shuffle=shuffle,
        seed=seed,
        num_shards=num_shards,
        shard_index=shard_index,
        deterministic=deterministic,
    )
    if shuffle:  # bounded buffer, on the raw lines (cheaper than on token ids)
        elements = elements.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = (
        encoded(counts, elements)
        .map(lambda parts, lengths: parts)
        .unbatch()
        # Slices of a RaggedTensor have a RaggedTensorSpec; padded_batch wants TensorSpecs.
        .map(lambda *parts: tuple(tf.identity(p) for p in parts))
    )
    if source.files is None:
        trigger = tf.data.Dataset.from_tensors(0)
    else:  # a file reader (see `with_end_of_pass`); pass one line of this shard's files
        trigger = source.elements(
            shuffle=False,
            seed=None,
            num_shards=num_shards,
            shard_index=shard_index,
            deterministic=True,
        )
    dataset = with_end_of_pass(dataset, counts, trigger)
    dataset, boundaries = _pipeline.batch(
        dataset,
        key_lengths,
        length_fn,
        padded_shapes,
        batch_size,
        shuffle=False,
        seed=seed,
        bucket_boundaries=bucket_boundaries,
        num_buckets=num_buckets,
        drop_remainder=drop_remainder,
        batch_tokens=batch_tokens,
        longest=max_length,
        dense=True,
        every_length=False,
    )
    dataset = distribute_options(dataset, source, num_shards)
    return _pipeline.annotate(dataset, None, None, boundaries, counts)
