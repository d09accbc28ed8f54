"""keras_seq.metrics: BLEU as functions (`corpus_bleu`, `sentence_bleu`) and as a metric."""

from keras_seq.metrics.bleu import Bleu
from keras_seq.metrics.bleu_functions import corpus_bleu, sentence_bleu
from keras_seq.metrics.bleu_score import BleuScore

__all__ = ["Bleu", "BleuScore", "corpus_bleu", "sentence_bleu"]
