"""keras_seq.callbacks: `BleuCallback`, `EpochLengthCallback`."""

from keras_seq.callbacks.bleu_callback import BleuCallback
from keras_seq.callbacks.epoch_length import EpochLengthCallback

__all__ = ["BleuCallback", "EpochLengthCallback"]
