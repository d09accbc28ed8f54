"""Recurrent building blocks: wrappers, attention, encoders and decoders."""

from keras_seq.layers.bidirectional import Bidirectional
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.layers.stacked import Stacked

__all__ = ["Bidirectional", "RNNEncoder", "Stacked"]
