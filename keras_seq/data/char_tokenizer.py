"""Character-level tokenizer."""

import keras
import tensorflow as tf

from keras_seq.data import _text
from keras_seq.data.tokenizer import Tokenizer


@keras.saving.register_keras_serializable(package="keras_seq")
class CharTokenizer(Tokenizer):
    """Splits text into Unicode characters (spaces included) and maps them to ids.

    Runs of whitespace and Unicode spaces (U+00A0, U+202F, ...) become one space and
    the ends are stripped; accents and case are kept unless `lowercase=True`.
    `decode(encode(s)) == s` for any such normalised `s` whose characters are all in
    the vocabulary. Reserved ids: `pad_id=0`, `start_id=1`, `end_id=2`,
    `unknown_id=3` (see `keras_seq.data.Tokenizer`, which also explains why
    tokenizers are Keras layers).

    Args:
        vocabulary: list of str or None. Characters in id order. Defaults to `None`
            (call `adapt`).
        lowercase: bool. Lowercase before splitting. Defaults to `False`.
        max_tokens: int or None. Largest vocabulary size, reserved ids included.
            Defaults to `None`.
        min_frequency: int. Keep characters seen at least this often. Defaults to
            `1`.
        **kwargs: base layer arguments.

    Example:
    >>> import keras_seq
    >>> tokenizer = keras_seq.data.CharTokenizer()
    >>> tokenizer.adapt(["Ça va ?", "Oui."])
    >>> ids = tokenizer.encode(["Ça va?"])
    >>> tokenizer.decode(ids)
    ['Ça va?']
    """

    def _split(self, texts):
        texts = _text.normalize_spaces(texts)
        if self.lowercase:
            texts = _text.lower(texts)
        return tf.strings.unicode_split(texts, "UTF-8")

    def _join(self, tokens):
        return tf.strings.reduce_join(tokens, axis=-1)
