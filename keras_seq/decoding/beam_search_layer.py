"""Beam search as a layer."""

import keras

from keras_seq.decoding import _checks
from keras_seq.decoding.search_layer import SearchLayer


@keras.saving.register_keras_serializable(package="keras_seq")
class BeamSearch(SearchLayer):
    """Beam-search decoding of a decoder inside a model (settings baked into the layer).

    Call arguments and returns are described in `keras_seq.decoding.SearchLayer`;
    the search is `keras_seq.decoding.beam_search`.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`.
        max_length: int. Tokens generated, end included; at least 1.
        beam_width: int. Beams kept, at least 1. Defaults to `4`.
        length_penalty: float. GNMT length penalty alpha, >= 0. Defaults to `0.0`.
        num_return: int. Hypotheses returned per input, best first; in
            `[1, beam_width]`. Defaults to `1`.
        start_id: int. Defaults to `1`.
        end_id: int. Defaults to `2`.
        min_length: int. Defaults to `0`.
        **kwargs: base layer arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> decoder = keras_seq.layers.RNNDecoder(20, 8, 16, cell="gru")
    >>> search = keras_seq.decoding.BeamSearch(decoder, max_length=5, beam_width=3,
    ...                                        num_return=2)
    >>> ids, scores = search([[np.zeros((2, 16), "float32")]])
    >>> tuple(ids.shape), tuple(scores.shape)
    ((2, 2, 5), (2, 2))
    """

    method = "beam"

    def __init__(
        self, decoder, max_length, beam_width=4, length_penalty=0.0, num_return=1, **kwargs
    ):
        beam_width, length_penalty, num_return = _checks.check_beam_settings(
            beam_width, length_penalty, num_return
        )
        super().__init__(decoder, max_length, **kwargs)
        self.beam_width = beam_width
        self.length_penalty = length_penalty
        self.num_return = num_return

    def _settings(self):
        return {
            "beam_width": self.beam_width,
            "length_penalty": self.length_penalty,
            "num_return": self.num_return,
        }

    def compute_output_shape(
        self,
        initial_state_shape=None,
        memory_shape=None,
        memory_mask_shape=None,
        conditioning_shape=None,
    ):
        ids_shape, scores_shape = super().compute_output_shape(initial_state_shape)
        if self.num_return == 1:
            return ids_shape, scores_shape
        batch = ids_shape[0]
        return (batch, self.num_return, self.max_length), (batch, self.num_return)

    def get_config(self):
        return {**super().get_config(), **self._settings()}
