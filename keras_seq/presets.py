"""Named Seq2Seq configurations: the 2014 paper's recipe and a small attention model."""

import keras

from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.schedules import HalvingSchedule


def sutskever2014(source_vocab_size, target_vocab_size, steps_per_epoch=None):
    """Sutskever, Vinyals and Le (2014): 4 x 1000 LSTM layers on each side, 1000-d
    embeddings, uniform(-0.08, 0.08) initialisation, reversed source, no attention;
    plain SGD at 0.7 halved every half epoch after epoch 5, gradient norm clipped
    at 5 (Keras's `global_clipnorm` on the batch-averaged gradient, as in the paper).
    `steps_per_epoch=None` leaves the epoch length of the `HalvingSchedule` to `fit`
    (see `keras_seq.callbacks.EpochLengthCallback`)."""
    initializer = keras.initializers.RandomUniform(-0.08, 0.08)
    encoder = RNNEncoder(
        source_vocab_size, 1000, 1000, num_layers=4, reverse_source=True, initializer=initializer
    )
    decoder = RNNDecoder(target_vocab_size, 1000, 1000, num_layers=4, initializer=initializer)
    optimizer = keras.optimizers.SGD(HalvingSchedule(0.7, steps_per_epoch), global_clipnorm=5.0)
    return encoder, decoder, optimizer


def luong2015(source_vocab_size, target_vocab_size, steps_per_epoch=None):
    """A CPU-sized model in the style of Luong et al. (2015): a 2-layer bidirectional
    LSTM encoder (128 units per direction), a 2-layer 256-unit LSTM decoder with
    "general" global attention and input feeding, dropout 0.2; Adam at 1e-3 with the
    global gradient norm clipped at 5. `steps_per_epoch` is accepted and unused."""
    del steps_per_epoch
    encoder = RNNEncoder(source_vocab_size, 128, 128, num_layers=2, bidirectional=True, dropout=0.2)
    decoder = RNNDecoder(
        target_vocab_size,
        128,
        256,
        num_layers=2,
        attention="luong",
        input_feeding=True,
        dropout=0.2,
    )
    optimizer = keras.optimizers.Adam(1e-3, global_clipnorm=5.0)
    return encoder, decoder, optimizer


SEQ2SEQ_PRESETS = {"sutskever2014": sutskever2014, "luong2015": luong2015}
