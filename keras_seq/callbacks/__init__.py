"""keras_seq.callbacks: `BleuCallback`."""

from keras_seq.callbacks.bleu_callback import BleuCallback

__all__ = ["BleuCallback"]
