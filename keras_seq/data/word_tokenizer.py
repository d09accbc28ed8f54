"""Word-level tokenizer on `keras.layers.TextVectorization`."""

import keras
import tensorflow as tf

from keras_seq.data import _text
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

    Args:
        vocabulary: list of str or None. Words in id order. Defaults to `None`
            (call `adapt`).
        lowercase: bool. Lowercase (Unicode-aware) before splitting. Defaults to
            `False`.
        max_tokens: int or None. Largest vocabulary size, reserved ids included;
            `adapt` keeps the most frequent words. Defaults to `None`.
        min_frequency: int. `adapt` keeps words seen at least this often. Defaults
            to `1`.
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
    """

    _accepts_token_lists = True

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

    def _ids(self, texts):
        ids = tf.cast(self._vectorizer(texts), tf.int32)
        remap = tf.constant(_FROM_VECTORIZER, tf.int32)
        return tf.ragged.map_flat_values(
            lambda v: tf.where(v < 4, tf.gather(remap, tf.minimum(v, 3)), v), ids
        )

    def _split(self, texts):
        return tf.strings.split(_text.split_words(texts, self.lowercase))

    def _join(self, tokens):
        return _text.join_words(tf.strings.reduce_join(tokens, axis=-1, separator=" "))
