"""Sequence → one output: classification or regression of a whole sequence."""

import keras

from keras_seq.models.recurrent_model import RecurrentModel


@keras.saving.register_keras_serializable(package="keras_seq")
class ManyToOne(RecurrentModel):
    """Reads a sequence and predicts one output for all of it (e.g. sentiment).

    Token ids go through an embedding with `mask_zero=True` (id 0 is padding), float
    feature sequences go in as they are (padding masked only if `mask_value` is
    set). The final output of the (stacked, bidirectional) recurrent network, taken
    at each sequence's last real step, feeds a dense head.

    cuDNN: the defaults keep Keras's cuDNN-eligible LSTM/GRU configuration; the
    `"rnn"` cell has no fused kernel, and a masked batch must be right-padded.

    The recurrent part is a `keras_seq.layers.RNNEncoder` (`model.encoder`).
    `model.export(path)` serves inputs of any batch size and length, token ids
    as int32 or int64.

    Args:
        vocab_size: int or None. Number of token ids, padding included; set it for
            token inputs of shape `(batch_size, timesteps)`.
        embedding_dim: int or None. Embedding size for token inputs. Defaults to
            `units`.
        input_dim: int or None. Number of features per step; set it (instead of
            `vocab_size`) for float inputs of shape `(batch_size, timesteps,
            input_dim)`.
        units: int. Hidden size of each recurrent layer. Defaults to `64`.
        cell: str. `"lstm"`, `"gru"` or `"rnn"` (SimpleRNN). Defaults to `"lstm"`.
        num_layers: int. Number of stacked layers. Defaults to `1`.
        bidirectional: bool. Read in both directions. Defaults to `False`.
        dropout: float. Dropout on the token embeddings, between layers and before
            the head. Defaults to `0.0`.
        residual: bool. Residual connections between layers. Defaults to `False`.
        num_outputs: int. Number of classes (or regression targets). Defaults to
            `1`.
        head: str or None. Output activation: `"softmax"` (classes, with a sparse
            categorical cross-entropy), `"sigmoid"` (binary or multi-label) or
            `"linear"` (regression). Defaults to `None`: softmax for several
            outputs, sigmoid for one.
        mask_value: float or None. For feature inputs, steps whose features all
            equal this value are padding. Defaults to `None`.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:
    >>> import numpy as np, keras_seq
    >>> model = keras_seq.models.ManyToOne(vocab_size=50, units=16, cell="gru",
    ...                                    bidirectional=True, num_outputs=2)
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    >>> _ = model.fit(ids, np.array([0, 1]), epochs=1, verbose=0)
    >>> model.predict(ids, verbose=0).shape
    (2, 2)
    """

    return_sequences = False
