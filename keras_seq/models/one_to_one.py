"""One input → one output, through a single recurrent step."""

import keras

from keras_seq.models.recurrent_model import RecurrentModel


@keras.saving.register_keras_serializable(package="keras_seq")
class OneToOne(RecurrentModel):
    """Maps one input (a feature vector or a token id) to one output.

    The degenerate topology of the family: the input is a sequence of length one,
    so the recurrent layers act as gated feed-forward layers (there is no time to
    recur over). It shares every option with the other topologies, which makes it a
    baseline with the same capacity: a task that needs memory should beat it.

    The recurrent part is a `keras_seq.layers.RNNEncoder` (`model.encoder`).
    `model.export(path)` serves batches of any size, token ids as int32 or int64.

    Args:
        vocab_size: int or None. For token id inputs of shape `(batch_size,)`.
        embedding_dim: int or None. Embedding size. Defaults to `units`.
        input_dim: int or None. For float inputs of shape `(batch_size, input_dim)`.
        units: int. Hidden size of each recurrent layer. Defaults to `64`.
        cell: str. `"lstm"`, `"gru"` or `"rnn"`. Defaults to `"lstm"`.
        num_layers: int. Number of stacked layers. Defaults to `1`.
        bidirectional: bool. Accepted for symmetry; on one step both directions see
            the same input. Defaults to `False`.
        dropout: float. Dropout on the token embeddings, between layers and before
            the head. Defaults to `0.0`.
        residual: bool. Residual connections between layers. Defaults to `False`.
        num_outputs: int. Number of classes or targets. Defaults to `1`.
        head: str or None. Output activation: `"softmax"` (classes, with a sparse
            categorical cross-entropy), `"sigmoid"` (binary or multi-label) or
            `"linear"` (regression). Defaults to `None`: softmax for several
            outputs, sigmoid for one.
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> model = keras_seq.models.OneToOne(input_dim=3, units=8, num_outputs=1,
    ...                                   head="linear")
    >>> model.compile("adam", "mse")
    >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    >>> model.predict(np.ones((2, 3)), verbose=0).shape
    (2, 1)
    """

    sequence_input = False
