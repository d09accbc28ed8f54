"""Base of the layers that put a decoding strategy inside a model."""

import keras
from keras import ops

from keras_seq.decoding import _checks
from keras_seq.decoding.decoder_search import search
from keras_seq.layers.rnn_decoder import RNNDecoder


class SearchLayer(keras.layers.Layer):
    """Decodes with a decoder's `step` inside a Keras model (and so inside an export).

    Subclasses (`GreedySearch`, `BeamSearch`, `Sampler`) fix the method and its
    settings; this base class is not used on its own. The decoder is shared, not
    copied: its weights are the ones the rest of the model trains. Every argument is
    checked when the layer is made, not when it is first called.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`. The decoder whose `step` is run.
        max_length: int. Tokens generated, end included; at least 1.
        start_id: int. The token fed at the first step, in `[0, vocab_size)`.
            Defaults to `1`.
        end_id: int. The token that ends a sequence, in `[0, vocab_size)`. Defaults
            to `2`.
        min_length: int. The end token is forbidden before this many tokens; in
            `[0, max_length - 1]`. Defaults to `0`.
        **kwargs: base layer arguments.

    Call arguments:
        initial_state: list with one list of states per decoder layer (e.g. the
            encoder's states after a `Bridge`).
        memory: float tensor `(batch_size, source_steps, memory_dim)` for a decoder
            with attention.
        memory_mask: bool tensor `(batch_size, source_steps)` or None.
        conditioning: float tensor `(batch_size, conditioning_dim)` for a decoder
            with `conditioning_dim`.

    Returns:
        `(ids, scores)`: ids `(batch_size, max_length)` (or `(batch_size,
        num_return, max_length)` for beam search with `num_return > 1`) and scores.
    """

    method = None

    def __init__(self, decoder, max_length, start_id=1, end_id=2, min_length=0, **kwargs):
        if not isinstance(decoder, RNNDecoder):
            raise TypeError(
                f"Argument `decoder` of {type(self).__name__} must be a "
                f"keras_seq.layers.RNNDecoder. Received: decoder={decoder!r} "
                f"(of type {type(decoder).__name__})"
            )
        start_id, end_id, max_length, min_length = _checks.check_common(
            decoder.step, start_id, end_id, max_length, min_length
        )
        for name, value in (("start_id", start_id), ("end_id", end_id)):
            _checks.check_int(
                name,
                value,
                maximum=decoder.vocab_size - 1,
                expected=(
                    f"a token id in [0, vocab_size) = [0, {decoder.vocab_size}), "
                    "the decoder's vocabulary"
                ),
            )
        super().__init__(**kwargs)
        self.decoder = decoder
        self.max_length = max_length
        self.start_id = start_id
        self.end_id = end_id
        self.min_length = min_length

    def _settings(self):
        """The method-specific arguments of `search`."""
        return {}

    def build(
        self,
        initial_state_shape=None,
        memory_shape=None,
        memory_mask_shape=None,
        conditioning_shape=None,
    ):
        if not self.decoder.built:
            self.decoder.build(
                (None, None), memory_shape=memory_shape, conditioning_shape=conditioning_shape
            )
        self.built = True

    def call(self, initial_state, memory=None, memory_mask=None, conditioning=None):
        batch_size = ops.shape(keras.tree.flatten(initial_state)[0])[0]
        state = self.decoder.get_initial_state(batch_size, initial_state)
        constants = self.decoder.prepare_memory(memory, memory_mask, conditioning)
        settings = {
            "method": self.method,
            "start_id": self.start_id,
            "end_id": self.end_id,
            "max_length": self.max_length,
            "min_length": self.min_length,
            "beam_width": 1,
            "length_penalty": 0.0,
            "num_return": 1,
            "temperature": 1.0,
            "top_k": None,
            "top_p": None,
            "seed": None,
            **self._settings(),
        }
        return search(self.decoder, state, constants, **settings)

    def compute_output_shape(
        self,
        initial_state_shape=None,
        memory_shape=None,
        memory_mask_shape=None,
        conditioning_shape=None,
    ):
        batch = keras.tree.flatten(initial_state_shape)[0] if initial_state_shape else None
        return (batch, self.max_length), (batch,)

    def get_config(self):
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "max_length": self.max_length,
            "start_id": self.start_id,
            "end_id": self.end_id,
            "min_length": self.min_length,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)
