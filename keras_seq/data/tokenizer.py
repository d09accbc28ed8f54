"""The common interface of the keras-seq tokenizers."""

import collections
import warnings

import keras
import tensorflow as tf

from keras_seq.checks import (
    check_bool,
    check_int,
    check_list,
    check_str_list,
    check_string_dataset,
)
from keras_seq.data import _text

_ADAPT_BATCH = 4096


@keras.saving.register_keras_serializable(package="keras_seq")
class Tokenizer(keras.layers.Layer):
    """Base class of `CharTokenizer`, `WordTokenizer` and `SubwordTokenizer`.

    A tokenizer turns a batch of strings into padded int32 token ids and back, with
    TensorFlow ops only, so `encode` and `decode` run eagerly, inside `tf.function`,
    inside `tf.data` pipelines and inside a SavedModel (no Python callbacks).

    Called eagerly, `decode` returns Python str (like KerasHub's `detokenize`); in a
    graph it returns a string tensor.

    Reserved ids are the same for every tokenizer and never change:
    `pad_id=0` (`"[PAD]"`), `start_id=1` (`"[START]"`), `end_id=2` (`"[END]"`),
    `unknown_id=3` (`"[UNK]"`); learned tokens start at id 4. Text never maps to a
    reserved id other than `unknown_id` (the string `"[END]"` in a text is split
    into `[`, `END`, `]` or looked up as an unknown token).

    Why a `keras.layers.Layer`: being a layer is what lets a tokenizer sit inside a
    Keras model (a string `keras.Input` followed by the tokenizer), be saved in a
    `.keras` file with its vocabulary (kept in `get_config`), and be tracked by
    `tf.saved_model.save`/`model.export` together with its lookup tables. Calling the
    layer is `encode(texts)`.

    Args:
        vocabulary: list of str or None. The tokens, in id order. It may start with
            the four reserved tokens (as `get_vocabulary()` returns it) or leave them
            out (they are then put first). Defaults to `None`: call `adapt` first.
        lowercase: bool. Lowercase text (Unicode-aware) before splitting it.
            Defaults to `False`: case is kept.
        max_tokens: int or None. Largest vocabulary size `adapt` may produce,
            reserved tokens included. Defaults to `None` (no limit).
        min_frequency: int. `adapt` keeps only tokens seen at least this many
            times. Defaults to `1`.
        **kwargs: base layer arguments (`name`, ...).
    """

    pad_id = _text.PAD_ID
    start_id = _text.START_ID
    end_id = _text.END_ID
    unknown_id = _text.UNKNOWN_ID
    special_tokens = _text.SPECIAL_TOKENS

    def __init__(
        self, vocabulary=None, lowercase=False, max_tokens=None, min_frequency=1, **kwargs
    ):
        super().__init__(**kwargs)
        self.lowercase = check_bool("lowercase", lowercase)
        self.max_tokens = check_int(
            "max_tokens", max_tokens, minimum=len(self.special_tokens) + 1, allow_none=True
        )
        self.min_frequency = check_int("min_frequency", min_frequency, minimum=1)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self._vocab = None
        self.built = True
        self._create_sublayers()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # Hooks for subclasses -------------------------------------------------------------

    def _split(self, texts):
        """1-D string tensor -> ragged string tokens (graph ops)."""
        raise NotImplementedError

    def _join(self, tokens):
        """Ragged string tokens -> 1-D string tensor (graph ops)."""
        raise NotImplementedError

    def _ids(self, texts):
        """1-D string tensor -> ragged int32 ids without start/end (graph ops)."""
        return self.lookup(self._split(texts))

    def _create_sublayers(self):
        """Called once in `__init__`, before any vocabulary is set."""

    def _vocabulary_changed(self):
        """Called after the vocabulary was set, to update sublayers."""

    def _learn_vocabulary(self, texts, token_lists, verbose=0):
        """Returns the learned tokens (reserved ones excluded), most frequent first.

        `texts` is a `tf.data.Dataset` of scalar strings, read once in batches: only
        the token counts are held, never the texts.
        """
        counts = collections.Counter()
        if token_lists is not None:
            flat = tf.constant([t.encode("utf-8") for tokens in token_lists for t in tokens])
            if self.lowercase and flat.shape[0]:
                flat = _text.lower(flat)
            counts.update(flat.numpy().tolist())
        else:

            def count(batch):
                tokens, _, numbers = tf.unique_with_counts(self._split(batch).flat_values)
                return tokens, numbers, tf.size(batch)

            progbar = keras.utils.Progbar(None, unit_name="text") if verbose else None
            seen = 0
            batches = texts.batch(_ADAPT_BATCH).map(count, num_parallel_calls=tf.data.AUTOTUNE)
            for tokens, numbers, size in batches:
                counts.update(dict(zip(tokens.numpy().tolist(), numbers.numpy().tolist())))
                seen += int(size)
                if progbar is not None:
                    progbar.update(seen)
            if progbar is not None:
                progbar.update(seen, finalize=True)
        reserved = set(self.special_tokens)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ranked = [(token.decode("utf-8"), n) for token, n in ranked]
        return self._select_tokens([(t, n) for t, n in ranked if t not in reserved])

    def _select_tokens(self, ranked):
        """`(token, count)` pairs seen in `adapt`, most frequent first -> the learned
        tokens, with `min_frequency` and `max_tokens` applied."""
        tokens = [token for token, n in ranked if n >= self.min_frequency]
        if self.max_tokens is not None:
            tokens = tokens[: self.max_tokens - len(self.special_tokens)]
        return tokens

    # Vocabulary -----------------------------------------------------------------------

    @property
    def vocabulary_size(self):
        """int. Number of ids, reserved ones included (the embedding input size)."""
        self._check_vocabulary()
        return len(self._vocab.tokens)

    def get_vocabulary(self):
        """Returns the vocabulary as a list of str, in id order (reserved tokens first)."""
        self._check_vocabulary()
        return list(self._vocab.tokens)

    def set_vocabulary(self, vocabulary):
        """Replaces the vocabulary.

        Args:
            vocabulary: list of str. Tokens in id order, with or without the four
                reserved tokens in front.
        """
        tokens = check_list("vocabulary", vocabulary, allow_empty=True, expected="a list of str")
        tokens = check_str_list(
            "vocabulary",
            [t.decode("utf-8") if isinstance(t, bytes) else t for t in tokens],
            allow_empty=True,
        )
        reserved = list(self.special_tokens)
        if tokens[: len(reserved)] == reserved:
            tokens = tokens[len(reserved) :]
        misplaced = sorted(set(tokens) & set(reserved))
        if misplaced:
            raise ValueError(
                f"The reserved tokens {reserved} may only appear first, in this order. "
                f"Received: vocabulary containing {misplaced} elsewhere"
            )
        if "" in tokens:
            raise ValueError("`vocabulary` must not contain the empty string.")
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
            raise ValueError(f"`vocabulary` must not repeat tokens. Repeated: {repeated[:5]}")
        self._vocab = _Vocabulary(reserved + tokens)
        self._vocabulary_tensor = tf.constant(self._vocab.tokens)
        first = len(reserved)
        keys = tf.constant(tokens if tokens else ["[NONE]"])
        values = list(range(first, first + len(tokens))) if tokens else [self.unknown_id]
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, tf.constant(values, tf.int64)),
            default_value=self.unknown_id,
        )
        self._vocabulary_changed()
        self._encode_fn = tf.function(
            self._ids, input_signature=[tf.TensorSpec([None], tf.string)], autograph=False
        )
        self._decode_fn = tf.function(
            self._decode_batch,
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
            autograph=False,
        )

    def adapt(self, texts=None, *, files=None, column=None, sample_size=None, verbose=0):
        """Learns the vocabulary from texts (replacing any previous one).

        Tokens are ranked by frequency, ties broken alphabetically, so the result is
        deterministic; `max_tokens` and `min_frequency` are applied.

        A `tf.data.Dataset` or `files` is streamed in batches: only the token counts
        are held in memory, never the corpus. Lines of `files` without the wanted
        `column`, or not in UTF-8, are skipped with a warning giving their number.

        Args:
            texts: list of str, NumPy array / 1-D tensor of strings, or a
                `tf.data.Dataset` of scalar strings. A `WordTokenizer` also accepts a
                list of token lists (already split words, e.g. from a treebank),
                taken as they are. Give this or `files`.
            files: a path, a glob pattern or a list of them, of text files (plain or
                `.gz`), read line by line. Defaults to `None`.
            column: int or None. With `files`, the tab-separated column to read
                (`0` for the sources of `source<TAB>target` files, `1` for the
                targets). Defaults to `None` (whole lines).
            sample_size: int or None. Learn from the first `sample_size` texts (of
                `files`, lines) only; files are read round-robin, so every file
                contributes. Defaults to `None` (all).
            verbose: int. `1` shows a `keras.utils.Progbar` of the texts read.
                Defaults to `0`.

        Example:
        >>> import tensorflow as tf, keras_seq
        >>> lines = tf.data.Dataset.from_tensor_slices(["a b a", "b a c"])
        >>> tokenizer = keras_seq.data.WordTokenizer()
        >>> tokenizer.adapt(lines, sample_size=1)
        >>> tokenizer.get_vocabulary()[4:]
        ['a', 'b']
        """
        if not tf.executing_eagerly():
            raise RuntimeError("`adapt` must be called eagerly, outside tf.function.")
        if (texts is None) == (files is None):
            raise ValueError(
                "Pass exactly one of `texts` and `files`. Received: "
                f"texts={texts!r:.60}, files={files!r:.60}"
            )
        check_int("sample_size", sample_size, minimum=1, allow_none=True)
        check_int("column", column, minimum=0, allow_none=True)
        check_int("verbose", verbose, minimum=0)
        if files is None and column is not None:
            raise ValueError(
                f"Argument `column` only applies to `files`. Received: column={column!r}"
            )
        skipped = None
        if files is not None:
            from keras_seq.data import _streaming

            stream, skipped = _streaming.texts_from_files("files", files, column, sample_size)
        elif isinstance(texts, (str, bytes)):
            # One bare string is far more often a path meant for `files=` than a corpus.
            raise TypeError(
                "`texts` must be a list of strings or a `tf.data.Dataset`, not one string; "
                "wrap a single text in a list, or pass a path as `files=`. Received: "
                f"texts={texts!r:.60}"
            )
        elif isinstance(texts, tf.data.Dataset):
            stream = texts
            check_string_dataset("texts", stream, arities=(1,))
        elif isinstance(texts, (list, tuple)) and texts and isinstance(texts[0], (list, tuple)):
            if not self._accepts_token_lists:
                raise TypeError(
                    f"{type(self).__name__}.adapt needs a list of strings. Received: a list "
                    "of lists"
                )
            token_lists = [list(tokens) for tokens in texts]
            bad = [t for tokens in token_lists for t in tokens if not isinstance(t, str)]
            if bad:
                raise TypeError(
                    f"`texts` token lists must contain only strings. Received {bad[0]!r:.60}"
                )
            if sample_size is not None:
                token_lists = token_lists[:sample_size]
            self.set_vocabulary(self._learn_vocabulary(None, token_lists))
            return
        else:
            tensor, _ = _text.as_text_tensor(texts, "texts")
            stream = tf.data.Dataset.from_tensor_slices(tensor)
        if sample_size is not None and files is None:
            stream = stream.take(sample_size)
        self.set_vocabulary(self._learn_vocabulary(stream, None, verbose=verbose))
        if skipped is not None and int(skipped.numpy()):
            missing = "" if column is None else f"without column {column} or "
            warnings.warn(
                f"{type(self).__name__}.adapt skipped {int(skipped.numpy())} lines of "
                f"`files` {missing}not in UTF-8.",
                stacklevel=2,
            )

    _accepts_token_lists = False

    def _check_vocabulary(self):
        if self._vocab is None:
            raise ValueError(
                f"{type(self).__name__} has no vocabulary yet: call `adapt(texts)` or pass "
                "`vocabulary=`."
            )

    # Encoding and decoding --------------------------------------------------------------

    def encode(self, texts, *, add_start=False, add_end=True, ragged=False):
        """Turns texts into token ids.

        Args:
            texts: str, list of str, NumPy array or string tensor of shape
                `(batch_size,)` (or `(batch_size, 1)`).
            add_start: bool. Put `start_id` in front of every row. Defaults to
                `False`.
            add_end: bool. Append `end_id` to every row, so no row is ever fully
                masked, even for an empty text. Defaults to `True`.
            ragged: bool. Return a `tf.RaggedTensor` instead of padding. Defaults to
                `False`.

        Returns:
            An int32 tensor of shape `(batch_size, timesteps)` right-padded with
            `pad_id` (0), or `(timesteps,)` for a single string.
        """
        self._check_vocabulary()
        texts, scalar = _text.as_text_tensor(texts, "texts")
        ids = self._encode_fn(texts)
        rows = ids.nrows()
        if add_start:
            start = tf.RaggedTensor.from_tensor(tf.fill([rows, 1], self.start_id))
            ids = tf.concat([start, ids], axis=1)
        if add_end:
            end = tf.RaggedTensor.from_tensor(tf.fill([rows, 1], self.end_id))
            ids = tf.concat([ids, end], axis=1)
        if not ragged:
            ids = ids.to_tensor(self.pad_id)
        return ids[0] if scalar else ids

    def _decode_batch(self, ids):
        size = len(self._vocab.tokens)
        ids = tf.where((ids >= 0) & (ids < size), ids, self.unknown_id)
        after_end = tf.cumsum(tf.cast(tf.equal(ids, self.end_id), tf.int32), axis=1) > 0
        keep = ~after_end & tf.not_equal(ids, self.pad_id) & tf.not_equal(ids, self.start_id)
        tokens = tf.gather(self._vocabulary_tensor, tf.ragged.boolean_mask(ids, keep))
        return self._join(tokens)

    def decode(self, ids):
        """Turns token ids back into text.

        Everything from the first `end_id` on is dropped, and `pad_id`/`start_id` are
        removed; unknown ids read `"[UNK]"`.

        Like KerasHub's `detokenize`, the result is Python text when called eagerly
        and a string tensor inside a graph (`tf.function`, `tf.data`, an exported
        model), where Python values do not exist.

        Args:
            ids: int tensor, NumPy array or nested list of shape
                `(batch_size, timesteps)` or `(timesteps,)`.

        Returns:
            Eagerly, a list of `batch_size` str, or one str for 1-D ids. Inside a
            graph, a `tf.string` tensor of shape `(batch_size,)`, or a scalar for 1-D
            ids.

        Example:
        >>> import keras_seq
        >>> tokenizer = keras_seq.data.CharTokenizer(vocabulary=list("abc "))
        >>> tokenizer.decode([[4, 5, 7, 6, 2, 0]])
        ['ab c']
        >>> tokenizer.decode([4, 5])
        'ab'
        """
        self._check_vocabulary()
        ids, single = _text.as_id_tensor(ids, len(self._vocab.tokens), "ids")
        texts = self._decode_fn(ids)
        return _python_strings_when_eager(texts[0] if single else texts)

    def lookup(self, tokens):
        """Maps tokens to ids one to one, without splitting (unknown -> `unknown_id`).

        Used for pre-split input, such as the words of a treebank for tagging.

        Args:
            tokens: str tensor (dense or ragged) or nested lists of str.

        Returns:
            int32 ids with the shape of `tokens`.
        """
        self._check_vocabulary()
        if not isinstance(tokens, tf.RaggedTensor) and not tf.is_tensor(tokens):
            tokens = tf.ragged.constant(tokens, dtype=tf.string)
        if tokens.dtype != tf.string:
            raise TypeError(f"`tokens` must be strings. Received dtype {tokens.dtype.name}")
        if self.lowercase:
            tokens = tf.ragged.map_flat_values(_text.lower, tokens)
        return self._lookup_tokens(tokens)

    def _lookup_tokens(self, tokens):
        """Normalised string tokens (dense or ragged) -> int32 ids (graph ops)."""
        return tf.cast(self._table.lookup(tokens), tf.int32)

    def id_to_token(self, id):
        """Returns the token (str) of an id."""
        self._check_vocabulary()
        if not 0 <= int(id) < len(self._vocab.tokens):
            raise ValueError(f"`id` must be in [0, {len(self._vocab.tokens)}). Received: id={id}")
        return self._vocab.tokens[int(id)]

    def token_to_id(self, token):
        """Returns the id of a token (`unknown_id` if it is not in the vocabulary)."""
        self._check_vocabulary()
        return self._vocab.index.get(token, self.unknown_id)

    # Keras layer plumbing ----------------------------------------------------------------

    def build(self, input_shape=None):
        self.built = True

    def call(self, texts):
        return self.encode(texts)

    def compute_output_spec(self, texts):
        shape = tuple(texts.shape)
        if len(shape) == 2 and shape[-1] == 1:
            shape = shape[:1]
        return keras.KerasTensor(shape + (None,), dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary": None if self._vocab is None else list(self._vocab.tokens),
                "lowercase": self.lowercase,
                "max_tokens": self.max_tokens,
                "min_frequency": self.min_frequency,
            }
        )
        return config


def _python_strings_when_eager(texts):
    """Eagerly, a string tensor as str (rank 0) or list of str (rank 1), as KerasHub's
    `tensor_to_list` converts `detokenize` outputs; in a graph, the tensor itself."""
    if not tf.executing_eagerly():
        return texts
    values = texts.numpy()
    if texts.shape.rank == 0:
        return values.decode("utf-8")
    return [value.decode("utf-8") for value in values.tolist()]


class _Vocabulary:
    """Tokens in id order and their index, kept out of Keras/TF attribute tracking."""

    __slots__ = ("tokens", "index")

    def __init__(self, tokens):
        self.tokens = tuple(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}
