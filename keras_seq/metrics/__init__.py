"""keras_seq.metrics: BLEU as functions (`corpus_bleu`, `sentence_bleu`) and as a metric."""

import importlib
from typing import TYPE_CHECKING

from keras_seq.metrics.bleu_functions import corpus_bleu, sentence_bleu
from keras_seq.metrics.bleu_score import BleuScore

if TYPE_CHECKING:  # for type checkers and the API docs; `__getattr__` imports it
    from keras_seq.metrics.bleu import Bleu

__all__ = ["Bleu", "BleuScore", "corpus_bleu", "sentence_bleu"]


def __getattr__(name):
    """Imports `Bleu` on first access (PEP 562): the BLEU functions need no TensorFlow."""
    if name == "Bleu":
        return importlib.import_module(f"{__name__}.bleu").Bleu
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
