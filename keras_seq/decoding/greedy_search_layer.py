"""Greedy search as a layer."""

import keras

from keras_seq.decoding.search_layer import SearchLayer


@keras.saving.register_keras_serializable(package="keras_seq")
class GreedySearch(SearchLayer):
    """Greedy decoding of a decoder inside a model: the most likely token every step.

    Padding (0) and the start token are never emitted. Call arguments and returns
    are described in `keras_seq.decoding.SearchLayer`.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`.
        max_length: int. Tokens generated, end included; at least 1.
        start_id: int. Defaults to `1`.
        end_id: int. Defaults to `2`.
        min_length: int. The end token is forbidden before this many tokens.
            Defaults to `0`.
        **kwargs: base layer arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> decoder = keras_seq.layers.RNNDecoder(20, 8, 16)
    >>> search = keras_seq.decoding.GreedySearch(decoder, max_length=5)
    >>> ids, scores = search([[np.zeros((2, 16), "float32"), np.zeros((2, 16), "float32")]])
    >>> tuple(ids.shape), tuple(scores.shape)
    ((2, 5), (2,))
    """

    method = "greedy"
