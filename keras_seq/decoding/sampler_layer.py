"""Sampling as a layer."""

import keras

from keras_seq.decoding import _checks
from keras_seq.decoding.search_layer import SearchLayer


@keras.saving.register_keras_serializable(package="keras_seq")
class Sampler(SearchLayer):
    """Random sampling from a decoder inside a model, with temperature, top-k, top-p.

    The layer owns a `keras.random.SeedGenerator`, so successive calls draw new
    samples and a fixed `seed` makes the whole series reproducible. Call arguments
    and returns are described in `keras_seq.decoding.SearchLayer`.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`.
        max_length: int. Tokens generated, end included; at least 1.
        temperature: float. Divides the logits; > 0. Defaults to `1.0`.
        top_k: int or None. Sample among the `top_k` most likely tokens (>= 1).
            Defaults to `None`.
        top_p: float or None. Nucleus sampling threshold in `(0, 1]`. Defaults to
            `None`.
        seed: int or None. Seed of the layer's generator. Defaults to `None`.
        start_id: int. Defaults to `1`.
        end_id: int. Defaults to `2`.
        min_length: int. Defaults to `0`.
        **kwargs: base layer arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> decoder = keras_seq.layers.RNNDecoder(20, 8, 16, cell="gru")
    >>> sampler = keras_seq.decoding.Sampler(decoder, max_length=5, top_k=3, seed=7)
    >>> ids, scores = sampler([[np.zeros((2, 16), "float32")]])
    >>> tuple(ids.shape)
    (2, 5)
    """

    method = "sample"

    def __init__(
        self, decoder, max_length, temperature=1.0, top_k=None, top_p=None, seed=None, **kwargs
    ):
        temperature, top_k, top_p = _checks.check_sampling_settings(temperature, top_k, top_p)
        # Stored in the config, so an int or None (not a SeedGenerator).
        seed = _checks.check_int("seed", seed, allow_none=True)
        super().__init__(decoder, max_length, **kwargs)
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _settings(self):
        return {
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "seed": self.seed_generator,
        }

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.temperature,
            "top_k": self.top_k,
            "top_p": self.top_p,
            "seed": self.seed,
        }
