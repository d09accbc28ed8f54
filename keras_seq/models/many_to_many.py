"""Sequence → one output per step (aligned): tagging, per-step forecasting."""

import keras

from keras_seq.models.recurrent_model import RecurrentModel


@keras.saving.register_keras_serializable(package="keras_seq")
class ManyToMany(RecurrentModel):
    """Reads a sequence and predicts one output at every step (e.g. part-of-speech tags).

    Inputs and outputs are aligned: output `t` depends on inputs up to `t` (or on
    the whole sequence when `bidirectional=True`). For token inputs the output
    carries the padding mask, so Keras losses and metrics skip padded steps.
    Arguments are those of `keras_seq.models.ManyToOne`.

    cuDNN: the defaults keep Keras's cuDNN-eligible LSTM/GRU configuration; the
    `"rnn"` cell has no fused kernel, and a masked batch must be right-padded.

    The recurrent part is a `keras_seq.layers.RNNEncoder` (`model.encoder`).
    `model.export(path)` serves inputs of any batch size and length, token ids
    as int32 or int64.

    Args:
        vocab_size: int or None. Number of token ids, padding included.
        embedding_dim: int or None. Embedding size. Defaults to `units`.
        input_dim: int or None. Features per step for float inputs.
        units: int. Hidden size of each recurrent layer. Defaults to `64`.
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked layers. Defaults to `1`.
        bidirectional: bool. Read in both directions. Defaults to `False`.
        dropout: float. Dropout on the token embeddings, between layers and before
            the head. Defaults to `0.0`.
        residual: bool. Residual connections between layers. Defaults to `False`.
        num_outputs: int. Number of tags (or targets) per step. Defaults to `1`.
        head: str or None. Output activation: `"softmax"` (classes, with a sparse
            categorical cross-entropy), `"sigmoid"` (binary or multi-label) or
            `"linear"` (regression). Defaults to `None`: softmax for several
            outputs, sigmoid for one.
        mask_value: float or None. Padding value of feature inputs. Defaults to
            `None`.
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> tagger = keras_seq.models.ManyToMany(vocab_size=50, units=16,
    ...                                      bidirectional=True, num_outputs=5)
    >>> tagger.compile("adam", "sparse_categorical_crossentropy")
    >>> ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    >>> _ = tagger.fit(ids, np.array([[1, 2, 3, 0], [4, 1, 0, 0]]), verbose=0)
    >>> tagger.predict(ids, verbose=0).shape
    (2, 4, 5)
    """

    return_sequences = True

    def compute_mask(self, inputs, mask=None):
        memory_mask, _ = self.encoder.compute_mask(inputs)
        return memory_mask
