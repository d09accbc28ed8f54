"""`DecodingLayer`: a decoding strategy over a decoder's step, as a Keras layer."""

import functools
import inspect

import keras

from keras_seq import checks
from keras_seq.decoding import step_contract, strategies


@keras.saving.register_keras_serializable(package="keras_seq")
class DecodingLayer(keras.layers.Layer):
    """Greedy, beam or sampling decoding of a decoder, inside a model or an export.

    Works with any decoder that offers the step protocol of
    `keras_seq.decoding.step_contract`: `step(token_ids, state, constants) ->
    (logits, new_state)` and `vocab_size`. The decoder is shared, not copied: its
    weights are the ones the rest of the model trains. Id 0 is padding and is never
    emitted, nor is the start token; the scores are the decoder's own log-probabilities
    of the emitted tokens (not renormalised over the others). Settings are checked
    when the layer is made.

    Args:
        decoder: a layer with the step protocol, e.g. `keras_seq.layers.RNNDecoder`
            (built, or built by its `start`).
        strategy: `"greedy"`, `"beam"`, `"sample"`, a config dict or a
            `keras_seq.decoding` strategy. Defaults to `"greedy"`.
        max_length: int. Tokens generated, end included. Defaults to `64`.
        start_id: int. The token fed at the first step. Defaults to `1`.
        end_id: int. The token that ends a sequence. Defaults to `2`.
        **kwargs: base layer arguments.

    Call arguments:
        state: nest of tensors `(batch_size, ...)`: the decoder's start state.
        constants: nest of tensors `(batch_size, ...)` or None: the decoder's step
            constants (encoder memory, its keys and mask).
        decoder_inputs: dict or None. Instead of `state` and `constants`: the keyword
            arguments of the decoder's optional `start(batch_size, **decoder_inputs)
            -> (state, constants)` (for `RNNDecoder`: `initial_state`, `memory`,
            `memory_mask`, `conditioning`), run inside this layer. Use this form in a
            functional model that is saved to `.keras`, so that the decoder's own
            sub-layers (attention keys) are not also nodes of the model.
        strategy: optional strategy overriding the layer's for this call.
        max_length: optional int overriding the layer's for this call.
        prefix: optional start of each output (autocompletion): the strategy's
            `prefix` argument, e.g. an int tensor `(batch_size, prefix_length)` padded
            with -1.

    Returns:
        A `keras_seq.decoding.DecodingResult(ids, scores, lengths)`, shapes
        `(batch_size, num_return, max_length)`, `(batch_size, num_return)` twice.

    Example:
    >>> import numpy as np, keras_seq
    >>> decoder = keras_seq.layers.RNNDecoder(20, 8, 16, cell="gru")
    >>> state, constants = decoder.start(2, initial_state=[[np.zeros((2, 16), "float32")]])
    >>> layer = keras_seq.decoding.DecodingLayer(
    ...     decoder, keras_seq.decoding.BeamSearch(beam_width=3, num_return=2), max_length=5)
    >>> result = layer(state, constants)
    >>> tuple(result.ids.shape), tuple(result.scores.shape)
    ((2, 2, 5), (2, 2))
    """

    def __init__(self, decoder, strategy="greedy", max_length=64, start_id=1, end_id=2, **kwargs):
        step_contract.check_decoder(decoder)
        super().__init__(**kwargs)
        self.decoder = decoder
        self.strategy = strategies.get(strategy)
        self.max_length = checks.check_decoding_length(max_length)
        for name, value in (("start_id", start_id), ("end_id", end_id)):
            checks.check_int(
                name,
                value,
                minimum=1,
                maximum=decoder.vocab_size - 1,
                expected=(
                    f"a token id in [1, vocab_size) = [1, {decoder.vocab_size}) (0 is padding)"
                ),
            )
        self.start_id = start_id
        self.end_id = end_id
        self.built = True  # no weights of its own; the decoder's are built by its owner

    def call(
        self,
        state=None,
        constants=None,
        decoder_inputs=None,
        strategy=None,
        max_length=None,
        prefix=None,
    ):
        strategy = self.strategy if strategy is None else strategies.get(strategy)
        max_length = self.max_length if max_length is None else max_length
        if decoder_inputs is not None:
            state, constants = self._start(decoder_inputs)
        step = self.decoder.step
        if getattr(strategy, "coverage_penalty", 0):
            parameters = inspect.signature(step).parameters.values()
            if not any(
                p.name == "return_attention" or p.kind is inspect.Parameter.VAR_KEYWORD
                for p in parameters
            ):
                raise ValueError(
                    "`coverage_penalty` needs a decoder whose `step` can return its "
                    "attention weights (`step(..., return_attention=True)`, as "
                    f"`RNNDecoder` with attention). Received: decoder={self.decoder!r}"
                )
            step = functools.partial(step, return_attention=True)
        return strategy(
            step,
            state,
            start_id=self.start_id,
            end_id=self.end_id,
            max_length=max_length,
            constants=constants,
            forbidden_ids=(0, self.start_id),
            prefix=prefix,
        )

    def _start(self, decoder_inputs):
        if not callable(getattr(self.decoder, "start", None)):
            raise TypeError(
                "`decoder_inputs` needs a decoder with a `start(batch_size, **decoder_inputs)` "
                f"method. Received: decoder={self.decoder!r}"
            )
        leaves = keras.tree.flatten(decoder_inputs)
        if not leaves:
            raise ValueError(
                "`decoder_inputs` must hold at least one tensor whose leading dimension is "
                f"the batch size. Received: decoder_inputs={decoder_inputs!r}"
            )
        return self.decoder.start(keras.ops.shape(leaves[0])[0], **decoder_inputs)

    def compute_output_spec(
        self,
        state=None,
        constants=None,
        decoder_inputs=None,
        strategy=None,
        max_length=None,
        prefix=None,
    ):
        strategy = self.strategy if strategy is None else strategies.get(strategy)
        max_length = self.max_length if max_length is None else max_length
        given = state if decoder_inputs is None else decoder_inputs
        batch = keras.tree.flatten(given)[0].shape[0]
        rows = (batch, strategy.num_return)
        return strategies.DecodingResult(
            keras.KerasTensor(rows + (max_length,), "int32"),
            keras.KerasTensor(rows, "float32"),
            keras.KerasTensor(rows, "int32"),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "strategy": strategies.serialize(self.strategy),
            "max_length": self.max_length,
            "start_id": self.start_id,
            "end_id": self.end_id,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)
