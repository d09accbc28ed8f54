"""Word-level tokenizer on `keras.layers.TextVectorization`."""

import keras
import tensorflow as tf

from keras_seq import checks
from keras_seq.checks import check_bool
from keras_seq.data import _text, _word_classes
from keras_seq.data.tokenizer import Tokenizer

# TextVectorization ids (0 mask, 1 OOV, 2 "[START]", 3 "[END]", 4+ tokens) -> ours.
_FROM_VECTORIZER = (0, _text.UNKNOWN_ID, _text.START_ID, _text.END_ID)


def _standardize_cased(texts):
    return _text.split_words(texts, lowercase=False)


def _standardize_lowercase(texts):
    return _text.split_words(texts, lowercase=True)


@keras.saving.register_keras_serializable(package="keras_seq")
class WordTokenizer(Tokenizer):
    """Splits text into words and punctuation marks, and maps them to ids.

    Encoding is a `keras.layers.TextVectorization` with a custom, graph-compatible
    standardizer (`tf.strings` regular expressions): Unicode spaces (U+00A0, U+202F)
    become spaces, accents and case are kept (unless `lowercase=True`), every
    punctuation mark is its own token, English clitics split off (`wasn't` ->
    `wasn` `'t`), French elisions split after the apostrophe (`l'homme` -> `l'`
    `homme`), punctuation between two letters or digits becomes a marker token
    (`est-ce` -> `est` `@-@` `ce`, `3.5` -> `3` `@.@` `5`), and a quote-like
    apostrophe or a hyphen keeps its side (`'@` `Hello`, `wives` `@'`).

    `decode` joins the words back with English spacing, in graph: no space before
    `. , ! ? ; : % ) ] } …`, none after `( [ { ¿ ¡`, `$5`, clitics, elisions and
    markers glued, double quotes paired, so `decode(encode(s)) == s` for normalised
    text written the usual English way ("It wasn't difficult."; on the Tatoeba
    English sentences all but 4 of 167,130 come back unchanged). French spacing
    before `! ? : ;` is NOT kept: `"Cours !"` decodes to `"Cours!"`. Unknown words
    decode as `"[UNK]"`. The rules are listed in `keras_seq/data/_text.py`.

    Reserved ids: `pad_id=0`, `start_id=1`, `end_id=2`, `unknown_id=3` (see
    `keras_seq.data.Tokenizer`, which also explains why tokenizers are Keras layers).

    With `unknown_classes=True`, a word outside the vocabulary is not one `[UNK]` but
    the id of its class: its shape (capitalised, all capitals, with a digit, with a
    hyphen) and its last three letters, such as `[UNK:Aa:ard]` for `Bouchard` or
    `[UNK:a:ing]` for `tweeting`, backing off to the shape alone (`[UNK:Aa]`) and then
    to `unknown_id`. `adapt` adds every shape class and each fine class that at least
    five vocabulary words share to the end of the vocabulary (within `max_tokens`).
    `unknown_ids(ids)` gives the class of a known word, for word dropout: a tagger
    trained with some known words replaced by their classes learns what an unknown
    word's class says about its tag. Classes are read after lowercasing when
    `lowercase=True`, so they lose the case.

    Args:
        vocabulary: list of str or None. Words in id order. Defaults to `None`
            (call `adapt`).
        lowercase: bool. Lowercase (Unicode-aware) before splitting. Defaults to
            `False`.
        max_tokens: int or None. Largest vocabulary size, reserved ids included;
            `adapt` keeps the most frequent words. Defaults to `None`.
        min_frequency: int. `adapt` keeps words seen at least this often. Defaults
            to `1`.
        unknown_classes: bool. Map out-of-vocabulary words to classes of their
            spelling (see above) instead of `unknown_id`. Defaults to `False`.
        **kwargs: base layer arguments.

    Example:
    >>> import keras_seq
    >>> tokenizer = keras_seq.data.WordTokenizer()
    >>> tokenizer.adapt(["It wasn't difficult.", "Qui est-ce ?"])
    >>> ids = tokenizer.encode(["It wasn't difficult."])
    >>> ids.shape
    TensorShape([1, 6])
    >>> tokenizer.decode(ids)
    ["It wasn't difficult."]
    >>> classes = keras_seq.data.WordTokenizer(unknown_classes=True)
    >>> classes.adapt(["walking talking singing ringing bringing Paris"])
    >>> classes.decode(classes.encode(["Oslo jumping"]))
    ['[UNK:Aa] [UNK:a:ing]']
    """

    _accepts_token_lists = True

    def __init__(self, *args, unknown_classes=False, **kwargs):
        self.unknown_classes = check_bool("unknown_classes", unknown_classes)
        super().__init__(*args, **kwargs)

    def _create_sublayers(self):
        self._vectorizer = keras.layers.TextVectorization(
            standardize=_standardize_lowercase if self.lowercase else _standardize_cased,
            split="whitespace",
            output_mode="int",
            ragged=True,
            name="vectorizer",
        )

    def _vocabulary_changed(self):
        tokens = list(self._vocab.tokens[len(self.special_tokens) :])
        self._vectorizer.set_vocabulary(["[START]", "[END]"] + tokens)
        ids = tf.range(len(self._vocab.tokens), dtype=tf.int32)
        if self.unknown_classes and tokens:
            words = tf.constant(tokens)
            learned = _word_classes.unknown_class_ids(words, self._table, self.unknown_id)
            own = ids[len(self.special_tokens) :]
            # A class token stands for itself, not for the class of its spelling.
            learned = tf.where(_word_classes.is_class_token(words), own, tf.cast(learned, tf.int32))
            ids = tf.concat([ids[: len(self.special_tokens)], learned], 0)
        else:
            ids = tf.where(ids < len(self.special_tokens), ids, self.unknown_id)
        self._unknown_ids = ids

    def _select_tokens(self, ranked):
        words = super()._select_tokens(ranked)
        if not self.unknown_classes:
            return words
        # Classes of every word seen, kept or not: the words left out are the ones
        # that will be unknown.
        seen = [token for token, _ in ranked]
        kept = set(words)
        classes = [c for c in _word_classes.learned_classes(seen) if c not in kept]
        if self.max_tokens is not None:
            room = self.max_tokens - len(self.special_tokens)
            classes = classes[:room]
            words = words[: room - len(classes)]
        return words + classes

    def _lookup_tokens(self, tokens):
        ids = super()._lookup_tokens(tokens)
        if not self.unknown_classes:
            return ids

        def with_classes(flat_tokens, flat_ids):
            # Only the unknown tokens are classed: the regular expressions cost more
            # than the lookup, and most tokens are known.
            unknown = tf.where(flat_ids == self.unknown_id)
            classes = _word_classes.unknown_class_ids(
                tf.gather_nd(flat_tokens, unknown), self._table, self.unknown_id
            )
            return tf.tensor_scatter_nd_update(flat_ids, unknown, tf.cast(classes, tf.int32))

        if isinstance(tokens, tf.RaggedTensor):
            return tokens.with_flat_values(with_classes(tokens.flat_values, ids.flat_values))
        return tf.reshape(
            with_classes(tf.reshape(tokens, [-1]), tf.reshape(ids, [-1])), tf.shape(ids)
        )

    def unknown_ids(self, ids):
        """The ids that the words of `ids` would get if they were out of the vocabulary.

        With `unknown_classes=True`, each word's class (see above); otherwise
        `unknown_id`. Reserved ids map to themselves. For word dropout in training.

        Args:
            ids: int tensor (dense or ragged) of ids in `[0, vocabulary_size)`.

        Returns:
            int32 ids with the shape of `ids`.
        """
        self._check_vocabulary()
        if isinstance(ids, tf.RaggedTensor):
            return ids.with_flat_values(self.unknown_ids(ids.flat_values))
        ids = tf.convert_to_tensor(ids)
        checks.check_dtype("ids", ids.dtype, ("int",), "integer token ids")
        ids = checks.checked_id_range("ids", ids, self.vocabulary_size)
        return tf.gather(self._unknown_ids, tf.cast(ids, tf.int32))

    def _ids(self, texts):
        if self.unknown_classes:  # `_split` has lowercased already
            return self._lookup_tokens(self._split(texts))
        ids = tf.cast(self._vectorizer(texts), tf.int32)
        remap = tf.constant(_FROM_VECTORIZER, tf.int32)
        return tf.ragged.map_flat_values(
            lambda v: tf.where(v < 4, tf.gather(remap, tf.minimum(v, 3)), v), ids
        )

    def _split(self, texts):
        return tf.strings.split(_text.split_words(texts, self.lowercase))

    def _join(self, tokens):
        return _text.join_words(tf.strings.reduce_join(tokens, axis=-1, separator=" "))

    def get_config(self):
        return {**super().get_config(), "unknown_classes": self.unknown_classes}
