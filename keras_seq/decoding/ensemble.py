"""`Ensemble`: several models that share a target vocabulary, decoded as one."""

import functools
import math

import keras
from keras import ops

from keras_seq import checks
from keras_seq.decoding import rescoring, step_contract, strategies
from keras_seq.decoding._compiled import compiled, compiled_scoring
from keras_seq.decoding.decoding_layer import DecodingLayer

AVERAGES = ("log_probs", "probs")


def average_log_probs(log_probs, average="log_probs"):
    """Combines the members' log-probabilities (a list of equal-shape float tensors).

    `"log_probs"`: the log-softmax of their mean, the renormalised geometric mean of
    the distributions. `"probs"`: the log of the mean of the probabilities (what
    fairseq does). Both results are normalised log-probabilities.
    """
    stacked = ops.stack(log_probs, axis=0)
    if average == "probs":
        return ops.logsumexp(stacked, axis=0) - math.log(len(log_probs))
    return ops.log_softmax(ops.mean(stacked, axis=0), axis=-1)


@keras.saving.register_keras_serializable(package="keras_seq")
class EnsembleDecoder(keras.layers.Layer):
    """The step protocol over several decoders: what `DecodingLayer` runs for an `Ensemble`.

    The state is the tuple of the members' states, the constants a dict of the
    members' constants (`"member_{i}"`, absent for members without any), and the
    logits are the members' averaged log-probabilities (see `average_log_probs`).

    Args:
        decoders: list of layers with the step protocol of
            `keras_seq.decoding.step_contract` and a `start` method, all with the
            same `vocab_size`.
        average: `"log_probs"` or `"probs"`. Defaults to `"log_probs"`.
        **kwargs: base layer arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> decoders = [keras_seq.layers.RNNDecoder(12, 4, 8, cell="gru") for _ in range(2)]
    >>> ensemble = keras_seq.decoding.ensemble.EnsembleDecoder(decoders)
    >>> state, constants = ensemble.start(3)
    >>> log_probs, state = ensemble.step(np.array([1, 1, 1]), state, constants)
    >>> tuple(log_probs.shape), bool(np.allclose(np.exp(log_probs).sum(-1), 1, atol=1e-5))
    ((3, 12), True)
    """

    def __init__(self, decoders, average="log_probs", **kwargs):
        decoders = checks.check_list("decoders", decoders, expected="a list of decoders")
        for decoder in decoders:
            step_contract.check_decoder(decoder)
        sizes = [decoder.vocab_size for decoder in decoders]
        if len(set(sizes)) != 1:
            raise ValueError(
                "The members of an ensemble must share a target vocabulary: their decoders' "
                f"`vocab_size` must be equal. Received: vocab_size={sizes}"
            )
        super().__init__(**kwargs)
        self.decoders = list(decoders)
        self.average = checks.check_choice("average", average, AVERAGES)
        self.vocab_size = sizes[0]
        self.built = True  # the members' decoders are built by their models

    def start(self, batch_size, **decoder_inputs):
        """`(state, constants)` from each member's `start(batch_size,
        **decoder_inputs["member_{i}"])`."""
        states, constants = [], {}
        for index, decoder in enumerate(self.decoders):
            state, constant = decoder.start(batch_size, **decoder_inputs.get(_key(index), {}))
            states.append(state)
            if constant is not None:
                constants[_key(index)] = constant
        return tuple(states), (constants or None)

    def step(self, token_ids, state, constants=None):
        constants = constants or {}
        log_probs, new_states = [], []
        for index, (decoder, member_state) in enumerate(zip(self.decoders, state, strict=True)):
            logits, new_state = decoder.step(token_ids, member_state, constants.get(_key(index)))
            log_probs.append(ops.log_softmax(ops.cast(logits, "float32"), axis=-1))
            new_states.append(new_state)
        return average_log_probs(log_probs, self.average), tuple(new_states)

    def get_config(self):
        return {
            **super().get_config(),
            "decoders": [keras.saving.serialize_keras_object(d) for d in self.decoders],
            "average": self.average,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoders"] = [keras.saving.deserialize_keras_object(d) for d in config["decoders"]]
        return cls(**config)


def _key(index):
    return f"member_{index}"


_MEMBER_ATTRIBUTES = ("decoder", "decoder_start", "check_inputs", "inputs_shape", "start_id")


@keras.saving.register_keras_serializable(package="keras_seq")
class Ensemble(keras.Model):
    """Several models that share a target vocabulary, decoded and scored as one.

    At every decoding step each member reads the same previous token from its own
    state and the ensemble emits from the average of the members' log-probabilities,
    renormalised: `log p(y) = log_softmax(mean_i log p_i(y))`, the normalised
    geometric mean of the members' distributions (`average="log_probs"`, the
    default). A token then has to be likely under every member: one member's
    confident mistake is vetoed by the others, and the combination is the product of
    experts that adding the members' log-probabilities describes. fairseq averages the
    probabilities instead, `log(mean_i p_i(y))`, a mixture that keeps a token any
    member likes; pass `average="probs"` for that. Either way the strategies receive
    normalised log-probabilities, so any of them decodes an ensemble (greedy, beam,
    sampling), `score` gives the ensemble's teacher-forced sequence scores (equal to
    the scores its decoding reports), `keras_seq.decoding.rescore` reranks with it, and
    `keras_seq.TextGenerator` and `keras_seq.export.export_text_model` take it in place
    of a model (one SavedModel holding every member).

    Args:
        models: list of `keras_seq.models.Seq2Seq` (or of `OneToMany`), trained
            apart, with the same target vocabulary size, `start_id` and `end_id`, and
            the same kind of inputs (e.g. source ids of one tokenizer).
        decoding: the default strategy of `generate`: `"greedy"`, `"beam"`,
            `"sample"`, a config dict or a `keras_seq.decoding` strategy. Defaults to
            `None`: the first member's.
        max_length: int or None. Default maximum number of generated tokens (end
            included). Defaults to the first member's.
        average: `"log_probs"` (renormalised geometric mean) or `"probs"`
            (arithmetic mean). Defaults to `"log_probs"`.
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras_seq
    >>> def member():
    ...     return keras_seq.models.Seq2Seq(keras_seq.layers.RNNEncoder(20, 8, 16),
    ...                                     keras_seq.layers.RNNDecoder(20, 8, 16))
    >>> ensemble = keras_seq.decoding.Ensemble([member(), member()], max_length=5)
    >>> source = np.array([[5, 6, 2], [7, 2, 0]])
    >>> ids, scores = ensemble.generate(source, decoding="beam", return_scores=True)
    >>> ids.shape, bool(np.allclose(ensemble.score(source, ids), scores, atol=1e-5))
    ((2, 5), True)
    """

    def __init__(self, models, decoding=None, max_length=None, average="log_probs", **kwargs):
        models = checks.check_list("models", models, expected="a list of Seq2Seq or OneToMany")
        for index, model in enumerate(models):
            missing = [name for name in _MEMBER_ATTRIBUTES if not hasattr(model, name)]
            if missing:
                raise TypeError(
                    "Every member of `models` must be a keras_seq Seq2Seq or OneToMany "
                    f"(a model with a decoder and `decoder_start`). Received: models[{index}]="
                    f"{model!r}, without {missing}"
                )
        for name in ("start_id", "end_id", "inputs_dtype"):
            values = [getattr(model, name) for model in models]
            if len(set(values)) != 1:
                raise ValueError(
                    f"The members of `models` must share their `{name}`. Received: {name}={values}"
                )
        ranks = [len(model.inputs_shape) for model in models]
        if len(set(ranks)) != 1:
            raise ValueError(
                f"The members of `models` must take inputs of one rank. Received: ranks {ranks}"
            )
        decoder = EnsembleDecoder([model.decoder for model in models], average=average)
        super().__init__(**kwargs)
        self.members = list(models)
        self.average = decoder.average
        first = models[0]
        self.decoding = strategies.get(first.decoding if decoding is None else decoding)
        max_length = first.max_length if max_length is None else max_length
        self.max_length = checks.check_positive_int("max_length", max_length)
        self.start_id, self.end_id = first.start_id, first.end_id
        self.inputs_shape, self.inputs_dtype = tuple(first.inputs_shape), first.inputs_dtype
        # Not tracked: the members' decoders are tracked once, inside the members.
        object.__setattr__(self, "_ensemble_decoder", decoder)
        object.__setattr__(self, "_decoders", {})
        object.__setattr__(self, "_scorer", None)  # the compiled `score` computation

    @property
    def decoder(self):
        """The `EnsembleDecoder` over the members' decoders."""
        return self._ensemble_decoder

    def build(self, input_shape=None):
        for model in self.members:
            if not model.built:
                model.build()
        self.built = True

    def call(self, inputs, training=None):
        """Averaged teacher-forced log-probabilities for `(inputs, decoder_input_ids)`."""
        conditions, decoder_inputs = inputs
        log_probs = [
            ops.log_softmax(
                ops.cast(model((conditions, decoder_inputs), training=training), "float32"), -1
            )
            for model in self.members
        ]
        return average_log_probs(log_probs, self.average)

    def check_inputs(self, inputs):
        """Each member's check of eager inputs (their source vocabularies may differ)."""
        for model in self.members[1:]:
            model.check_inputs(inputs)
        return self.members[0].check_inputs(inputs)

    def decoder_start(self, inputs, training=False):
        """`{"member_{i}": member i's decoder_start(inputs)}`."""
        return {
            _key(index): model.decoder_start(inputs, training=training)
            for index, model in enumerate(self.members)
        }

    def decoding_layer(self, decoding=None, max_length=None):
        """A `DecodingLayer` over the ensemble's decoder (as `DecoderModel.decoding_layer`)."""
        strategy = self.decoding if decoding is None else strategies.get(decoding)
        max_length = self.max_length if max_length is None else max_length
        return DecodingLayer(
            self.decoder, strategy, max_length, start_id=self.start_id, end_id=self.end_id
        )

    def decode(self, inputs, layer):
        """Runs `layer` (a `decoding_layer()`) on a batch of inputs, in graph or eagerly."""
        return layer(decoder_inputs=self.decoder_start(inputs, training=False))

    def generate(
        self, inputs, decoding=None, max_length=None, return_scores=False, jit_compile=False
    ):
        """Decodes a batch with the ensemble, as `DecoderModel.generate` does a model.

        Args:
            inputs: the members' inputs (source ids for `Seq2Seq`), a non-empty batch.
            decoding: strategy for this call, or None for the ensemble's `decoding`.
            max_length: int or None for the ensemble's `max_length`.
            return_scores: bool. Also return the scores. Defaults to `False`.
            jit_compile: bool. On TensorFlow, compile the loop with XLA, sources padded
                to length buckets (as `DecoderModel.generate`). Defaults to `False`.

        Returns:
            NumPy int32 ids `(batch_size, max_length)` (or `(batch_size, num_return,
            max_length)`), and with `return_scores` a tuple `(ids, scores)`.
        """
        jit_compile = checks.check_bool("jit_compile", jit_compile)
        inputs = ops.convert_to_tensor(inputs)
        checks.check_nonempty_batch("inputs", inputs)
        inputs = self.check_inputs(inputs)
        self.build()
        layer = self.decoding_layer(decoding, max_length)
        key = (layer.strategy, layer.max_length, jit_compile)
        if key not in self._decoders:
            self._decoders[key] = self._compile(layer, jit_compile)
        result = self._decoders[key](inputs)
        if layer.strategy.num_return == 1:
            result = strategies.DecodingResult(*(value[:, 0] for value in result))
        ids = ops.convert_to_numpy(result.ids)
        return (ids, ops.convert_to_numpy(result.scores)) if return_scores else ids

    def _compile(self, layer, jit_compile):
        """One compiled decoding function per strategy and length, as the models make
        theirs (`keras_seq.decoding._compiled.compiled`)."""
        # A partial, not a lambda, as in DecoderModel: TensorFlow counts traces per code
        # object.
        function = functools.partial(self.decode, layer=layer)
        return compiled(
            function,
            layer.strategy,
            self.variables,
            self.inputs_shape,
            self.inputs_dtype,
            jit_compile=jit_compile,
        )

    def score(self, inputs, target_ids, length_penalty=0.0, batch_size=32):
        """The ensemble's teacher-forced sequence scores, as `DecoderModel.score`: the
        sums of the averaged log-probabilities of each target's tokens, end included,
        optionally divided by the GNMT length penalty; float32 `(batch_size,)`."""
        inputs = ops.convert_to_tensor(inputs)
        checks.check_nonempty_batch("inputs", inputs)
        inputs = self.check_inputs(inputs)
        self.build()
        if self._scorer is None:
            scorer = compiled_scoring(
                lambda conditions, targets: self((conditions, targets), training=False),
                self.variables,
                self.inputs_shape,
                self.inputs_dtype,
            )
            object.__setattr__(self, "_scorer", scorer)
        return rescoring.score_sequences(
            self._scorer,
            inputs,
            target_ids,
            start_id=self.start_id,
            end_id=self.end_id,
            vocab_size=self.decoder.vocab_size,
            length_penalty=length_penalty,
            batch_size=batch_size,
        )

    def get_build_config(self):
        return {"built": self.built}

    def build_from_config(self, config):
        if config.get("built"):
            self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "models": [keras.saving.serialize_keras_object(m) for m in self.members],
            "decoding": strategies.serialize(self.decoding),
            "max_length": self.max_length,
            "average": self.average,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["models"] = [keras.saving.deserialize_keras_object(m) for m in config["models"]]
        return cls(**config)
