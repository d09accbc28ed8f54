"""Recurrent building blocks: wrappers, attention, encoders and decoders."""

from keras_seq.layers.bahdanau_attention import BahdanauAttention
from keras_seq.layers.bidirectional import Bidirectional
from keras_seq.layers.bridge import Bridge
from keras_seq.layers.crf import CRF
from keras_seq.layers.luong_attention import LuongAttention
from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.layers.stacked import Stacked

__all__ = [
    "BahdanauAttention",
    "Bidirectional",
    "Bridge",
    "CRF",
    "LuongAttention",
    "RNNDecoder",
    "RNNEncoder",
    "Stacked",
]
