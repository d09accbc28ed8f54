"""keras_seq.data: tokenizers that live inside a graph, and bucketed tf.data pipelines."""

from keras_seq import _tf

try:
    import tensorflow  # noqa: F401
except ImportError as error:
    raise _tf.missing_tensorflow("keras_seq.data (tokenizers and tf.data pipelines)") from error

from keras_seq.data.char_tokenizer import CharTokenizer
from keras_seq.data.classification_dataset import classification_dataset
from keras_seq.data.seq2seq_dataset import seq2seq_dataset
from keras_seq.data.subword_tokenizer import SubwordTokenizer
from keras_seq.data.tagging_dataset import tagging_dataset
from keras_seq.data.tokenizer import Tokenizer
from keras_seq.data.word_tokenizer import WordTokenizer

__all__ = [
    "CharTokenizer",
    "SubwordTokenizer",
    "Tokenizer",
    "WordTokenizer",
    "classification_dataset",
    "seq2seq_dataset",
    "tagging_dataset",
]
