"""keras_seq.metrics: BLEU and chrF as functions (`corpus_bleu`, `corpus_chrf`, ...), as
Keras metrics (`Bleu`, `Chrf`), and bootstrap confidence intervals and paired tests."""

import importlib
from typing import TYPE_CHECKING

from keras_seq.metrics.bleu_functions import corpus_bleu, sentence_bleu
from keras_seq.metrics.bleu_score import BleuScore
from keras_seq.metrics.chrf_functions import corpus_chrf, sentence_chrf
from keras_seq.metrics.chrf_score import ChrfScore
from keras_seq.metrics.significance import (
    BootstrapResult,
    PairedBootstrapResult,
    confidence_interval,
    paired_bootstrap,
)

if TYPE_CHECKING:  # for type checkers and the API docs; `__getattr__` imports it
    from keras_seq.metrics.bleu import Bleu
    from keras_seq.metrics.chrf import Chrf

__all__ = [
    "Bleu",
    "BleuScore",
    "BootstrapResult",
    "Chrf",
    "ChrfScore",
    "PairedBootstrapResult",
    "confidence_interval",
    "corpus_bleu",
    "corpus_chrf",
    "paired_bootstrap",
    "sentence_bleu",
    "sentence_chrf",
]


def __getattr__(name):
    """Imports `Bleu` and `Chrf` on first access (PEP 562): the functions need no
    TensorFlow."""
    if name in ("Bleu", "Chrf"):
        return getattr(importlib.import_module(f"{__name__}.{name.lower()}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
