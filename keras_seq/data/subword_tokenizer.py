"""Subword (WordPiece) tokenizer on KerasHub."""

import keras
import tensorflow as tf

from keras_seq.data import _text
from keras_seq.data.tokenizer import Tokenizer


@keras.saving.register_keras_serializable(package="keras_seq")
class SubwordTokenizer(Tokenizer):
    """Splits text into words like `WordTokenizer`, then words into WordPiece subwords.

    The vocabulary is learned by `keras_hub.tokenizers.compute_word_piece_vocabulary`
    and applied by `keras_hub.tokenizers.WordPieceTokenizer` (suffix pieces start
    with `##`), on the words and punctuation tokens that `WordTokenizer` produces,
    so accents and case are kept unless `lowercase=True`. A word that cannot be
    built from the pieces becomes `"[UNK]"`. `decode` merges the pieces and
    re-spaces the words exactly like `WordTokenizer.decode` (English spacing; French
    spacing before `! ? : ;` is not kept). Encoding uses TensorFlow Text ops, so a
    SavedModel holding this tokenizer needs `import tensorflow_text` to load.

    Reserved ids: `pad_id=0`, `start_id=1`, `end_id=2`, `unknown_id=3` (see
    `keras_seq.data.Tokenizer`, which also explains why tokenizers are Keras layers).

    Args:
        vocabulary: list of str or None. WordPiece tokens in id order. Defaults to
            `None` (call `adapt`).
        lowercase: bool. Lowercase before splitting. Defaults to `False`.
        max_tokens: int. Target vocabulary size for `adapt`, reserved ids included.
            Defaults to `8000`. `adapt` trains WordPiece from a list, a
            `tf.data.Dataset` or `files` (streamed; `sample_size=N` trains on the
            first N texts only), like `Tokenizer.adapt`.
        **kwargs: base layer arguments.

    Example:
    >>> import keras_seq
    >>> tokenizer = keras_seq.data.SubwordTokenizer(max_tokens=60)
    >>> tokenizer.adapt(["the cat sat.", "the cats sat on the mat."] * 20)
    >>> ids = tokenizer.encode(["the cats sat."])
    >>> tokenizer.decode(ids)
    ['the cats sat.']
    """

    def __init__(self, vocabulary=None, lowercase=False, max_tokens=8000, **kwargs):
        kwargs.pop("min_frequency", None)
        super().__init__(
            vocabulary=vocabulary, lowercase=lowercase, max_tokens=max_tokens, **kwargs
        )

    def _create_sublayers(self):
        import keras_hub  # imported on first use: it takes seconds

        self._wordpiece = keras_hub.tokenizers.WordPieceTokenizer(
            vocabulary=None,
            lowercase=False,
            strip_accents=False,
            split=False,
            oov_token="[UNK]",
            dtype="int32",
            name="wordpiece",
        )

    def _vocabulary_changed(self):
        self._wordpiece.set_vocabulary(list(self._vocab.tokens))

    def _split(self, texts):
        return tf.strings.split(_text.split_words(texts, self.lowercase))

    def _ids(self, texts):
        return tf.cast(self._wordpiece.tokenize(self._split(texts)), tf.int32)

    def _join(self, tokens):
        joined = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        return _text.join_words(tf.strings.regex_replace(joined, " ##", ""))

    def _learn_vocabulary(self, texts, token_lists, verbose=0):
        import keras_hub

        # `texts` is a dataset of strings: KerasHub counts the words as it streams.
        words = texts.batch(1024).map(self._split, num_parallel_calls=tf.data.AUTOTUNE)
        size = self.max_tokens if self.max_tokens is not None else 8000
        vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
            words, size, split=False, reserved_tokens=list(self.special_tokens)
        )
        return [t for t in vocabulary if t not in self.special_tokens]

    def get_config(self):
        config = super().get_config()
        config.pop("min_frequency", None)
        return config
