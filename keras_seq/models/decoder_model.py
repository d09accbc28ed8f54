"""What Seq2Seq and OneToMany share: teacher-forced training and decoding by search."""

import keras
from keras import ops

from keras_seq.decoding.decoder_search import check_method, search
from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.models import generation
from keras_seq.models.teacher_forcing import masked_cross_entropy, teacher_forcing_pair


class DecoderModel(keras.Model):
    """A model whose output sequence comes from an `RNNDecoder`.

    Subclasses turn their inputs into the decoder's starting point in `_condition`
    and check eager inputs in `_check_inputs`; this class does the rest: teacher
    forcing in `train_step`/`test_step`, the masked loss, and `generate`/`predict`.
    """

    def __init__(self, decoder, start_id=1, end_id=2, label_smoothing=0.0, max_length=64, **kwargs):
        if not isinstance(decoder, RNNDecoder):
            raise TypeError(f"`decoder` must be an RNNDecoder. Received: decoder={decoder!r}")
        for name, value in (("start_id", start_id), ("end_id", end_id)):
            if not 0 < value < decoder.vocab_size:
                raise ValueError(
                    f"`{name}` must be a target id in [1, {decoder.vocab_size}). "
                    f"Received: {name}={value}"
                )
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"`label_smoothing` must be in [0, 1). Received: label_smoothing={label_smoothing}"
            )
        super().__init__(**kwargs)
        self.decoder = decoder
        self.start_id = start_id
        self.end_id = end_id
        self.label_smoothing = label_smoothing
        self.max_length = max_length
        object.__setattr__(self, "_generate_functions", generation.CompiledFunctions())

    def _condition(self, inputs, training=None):
        """Returns `(initial_rnn_states, memory, memory_mask, conditioning)`."""
        raise NotImplementedError

    def _check_inputs(self, inputs):
        raise NotImplementedError

    def call(self, inputs, training=None):
        """Teacher-forced logits for `(inputs, decoder_input_ids)`."""
        conditions, decoder_inputs = inputs
        states, memory, memory_mask, conditioning = self._condition(conditions, training)
        return self.decoder(
            decoder_inputs,
            initial_state=states,
            memory=memory,
            memory_mask=memory_mask,
            conditioning=conditioning,
            training=training,
        )

    def _teacher_forced(self, data):
        inputs, target_ids, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if target_ids is None:
            raise ValueError(
                f"{type(self).__name__} trains on (inputs, target_ids) pairs; got no targets."
            )
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} weighs tokens by the target padding mask; sample "
                "weights are not supported."
            )
        decoder_inputs, labels = teacher_forcing_pair(target_ids, self.start_id, self.end_id)
        mask = ops.cast(ops.not_equal(labels, 0), "float32")
        return (inputs, decoder_inputs), labels, mask

    def train_step(self, data):
        return super().train_step(self._teacher_forced(data))

    def test_step(self, data):
        return super().test_step(self._teacher_forced(data))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self.loss is not None:  # a loss given to compile() wins
            return super().compute_loss(x, y, y_pred, sample_weight, training)
        loss = masked_cross_entropy(y, y_pred, self.label_smoothing)
        if self.losses:
            loss = loss + ops.sum(self.losses)
        return loss

    def predict_step(self, data):
        inputs, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        ids, _ = self._generate(inputs, **self._settings())
        return ids

    def _settings(
        self,
        method="beam",
        beam_width=4,
        max_length=None,
        length_penalty=0.0,
        num_return=1,
        min_length=0,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=None,
    ):
        check_method(method)
        return {
            "method": method,
            "start_id": self.start_id,
            "end_id": self.end_id,
            "max_length": self.max_length if max_length is None else max_length,
            "beam_width": beam_width,
            "length_penalty": length_penalty,
            "num_return": num_return,
            "min_length": min_length,
            "temperature": temperature,
            "top_k": top_k,
            "top_p": top_p,
            "seed": seed,
        }

    def _generate(self, inputs, **settings):
        states, memory, memory_mask, conditioning = self._condition(inputs, training=False)
        batch_size = ops.shape(keras.tree.flatten(inputs)[0])[0]
        state = self.decoder.get_initial_state(batch_size, states)
        constants = self.decoder.prepare_memory(memory, memory_mask, conditioning)
        return search(self.decoder, state, constants, **settings)

    def generate(
        self,
        inputs,
        method="beam",
        beam_width=4,
        max_length=None,
        length_penalty=0.0,
        num_return=1,
        min_length=0,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=None,
        return_scores=False,
    ):
        """Decodes target ids for a batch of inputs.

        Args:
            inputs: the model's inputs (source ids for `Seq2Seq`, labels or vectors
                for `OneToMany`), a batch.
            method: str. `"greedy"`, `"beam"` or `"sample"`. Defaults to `"beam"`.
            beam_width: int. Beams kept by beam search. Defaults to `4`.
            max_length: int or None. Most tokens generated, end included. Defaults to
                the model's `max_length`.
            length_penalty: float. GNMT length penalty alpha for beam search.
                Defaults to `0.0`.
            num_return: int. Beam search returns this many best hypotheses.
                Defaults to `1`.
            min_length: int. The end token is forbidden before this many tokens.
                Defaults to `0`.
            temperature: float. Sampling temperature. Defaults to `1.0`.
            top_k: int or None. Sample from the k most likely tokens only.
            top_p: float or None. Sample from the smallest set of tokens whose
                probability reaches p.
            seed: int or None. Sampling seed, for reproducible samples.
            return_scores: bool. Also return the scores (sums of token
                log-probabilities, length-penalised). Defaults to `False`.

        Returns:
            Ids of shape `(batch_size, max_length)` (end token included, then 0
            padding), or `(batch_size, num_return, max_length)` when `num_return >
            1`; with `return_scores`, a tuple `(ids, scores)`.
        """
        settings = self._settings(
            method,
            beam_width,
            max_length,
            length_penalty,
            num_return,
            min_length,
            temperature,
            top_k,
            top_p,
            seed,
        )
        inputs = ops.convert_to_tensor(inputs)
        generation.check_batch("inputs", inputs)
        inputs = self._check_inputs(inputs)
        if not self.built:  # variables must exist before the decoding loop is traced
            self.build(self._unknown_inputs_shape())
        key = tuple(sorted(settings.items()))
        function = self._generate_functions.get(
            key, lambda values: self._generate(values, **settings)
        )
        ids, scores = function(inputs)
        return (ids, scores) if return_scores else ids

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Exports the teacher-forced forward pass (`serve(inputs, decoder_input_ids)`).

        Without an `input_signature`, the signature takes ids of any length as int32
        (Keras alone would type every input as float32, at the first call's lengths).
        For a SavedModel that decodes raw strings, see
        `keras_seq.export.export_text_model`. Arguments as in `keras.Model.export`.
        """
        if input_signature is None and format == "tf_saved_model":
            import tensorflow as tf  # export is TensorFlow-only

            conditions_shape, decoder_inputs_shape = self._unknown_inputs_shape()
            input_signature = [
                (
                    tf.TensorSpec(conditions_shape, self._conditions_dtype()),
                    tf.TensorSpec(decoder_inputs_shape, tf.int32),
                )
            ]
        return super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def _conditions_dtype(self):
        """The dtype of the model's first input (source ids, labels or vectors)."""
        raise NotImplementedError

    def get_build_config(self):
        return {"built": self.built}

    def build_from_config(self, config):
        # Every dimension the weights depend on comes from the configs, not the shapes.
        if config.get("built"):
            self.build(self._unknown_inputs_shape())

    def _unknown_inputs_shape(self):
        raise NotImplementedError

    def get_config(self):
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "start_id": self.start_id,
            "end_id": self.end_id,
            "label_smoothing": self.label_smoothing,
            "max_length": self.max_length,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("encoder", "decoder"):
            if name in config:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
