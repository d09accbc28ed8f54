"""What Seq2Seq and OneToMany share: teacher-forced training and decoding by a strategy."""

import keras
from keras import ops

from keras_seq import checks
from keras_seq import decoding as decoding_lib
from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.models.teacher_forcing import masked_cross_entropy, teacher_forcing_pair


class DecoderModel(keras.Model):
    """A model whose output sequence comes from an `RNNDecoder`.

    Subclasses implement one hook, `decoder_start(inputs, training=False)`, which
    returns the decoder's conditioning for a batch of inputs (its initial states,
    encoder memory and mask, or a conditioning vector), and may override
    `check_inputs` to reject bad eager inputs early. This class does the rest:
    teacher forcing in `train_step`/`test_step`, the masked loss, and
    `generate`/`predict` with the model's decoding strategy.

    Args:
        decoder: `keras_seq.layers.RNNDecoder`.
        inputs_shape: tuple. Shape of one batch of the model's inputs, unknown
            dimensions None (for the export signature and `build`).
        inputs_dtype: str. Dtype of the model's inputs.
        decoding: the default decoding strategy of `generate` and `predict`:
            `"greedy"`, `"beam"`, `"sample"`, a config dict or a `keras_seq.decoding`
            strategy. Defaults to `"beam"` (beam width 4).
        max_length: int. Default maximum number of generated tokens (end included).
        start_id: int. Id the decoder starts from.
        end_id: int. Id that ends a target.
        label_smoothing: float. Label smoothing of the default loss, in [0, 1).
        **kwargs: `keras.Model` arguments.
    """

    def __init__(
        self,
        decoder,
        *,
        inputs_shape,
        inputs_dtype,
        decoding="beam",
        max_length=64,
        start_id=1,
        end_id=2,
        label_smoothing=0.0,
        **kwargs,
    ):
        check_rnn_decoder(decoder)
        for name, value in (("start_id", start_id), ("end_id", end_id)):
            checks.check_int(
                name,
                value,
                minimum=1,
                maximum=decoder.vocab_size - 1,
                expected=f"a target id in [1, {decoder.vocab_size}) (0 is padding)",
            )
        label_smoothing = checks.check_rate("label_smoothing", label_smoothing)
        super().__init__(**kwargs)
        self.decoder = decoder
        self.decoding = decoding_lib.get(decoding)
        self.max_length = checks.check_positive_int("max_length", max_length)
        self.start_id = start_id
        self.end_id = end_id
        self.label_smoothing = label_smoothing
        self.inputs_shape = tuple(inputs_shape)
        self.inputs_dtype = inputs_dtype
        # Compiled decoding functions and their layers, one per (strategy, max_length);
        # set through object.__setattr__ so that Keras does not track them as sub-layers.
        object.__setattr__(self, "_decoders", {})

    def decoder_start(self, inputs, training=False):
        """The decoder's conditioning for a batch of `inputs`.

        Returns:
            A dict of `RNNDecoder` call arguments among `initial_state`, `memory`,
            `memory_mask` and `conditioning`.
        """
        raise NotImplementedError

    def check_inputs(self, inputs):
        """Raises a clear error for eager inputs the model cannot take; returns them
        as the tensor `decoder_start` expects."""
        return inputs

    def call(self, inputs, training=None):
        """Teacher-forced logits for `(inputs, decoder_input_ids)`."""
        conditions, decoder_inputs = inputs
        return self.decoder(
            decoder_inputs, **self.decoder_start(conditions, training=training), training=training
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

    def decoding_layer(self, decoding=None, max_length=None):
        """The `keras_seq.decoding.DecodingLayer` over this model's decoder.

        Args:
            decoding: strategy or None for the model's `decoding`.
            max_length: int or None for the model's `max_length`.
        """
        strategy = self.decoding if decoding is None else decoding_lib.get(decoding)
        max_length = self.max_length if max_length is None else max_length
        max_length = checks.check_positive_int("max_length", max_length)
        return decoding_lib.DecodingLayer(
            self.decoder, strategy, max_length, start_id=self.start_id, end_id=self.end_id
        )

    def decode(self, inputs, layer):
        """Runs `layer` (a `decoding_layer()`) on a batch of inputs, in graph or eagerly.

        Returns:
            A `keras_seq.decoding.DecodingResult`.
        """
        return layer(decoder_inputs=self.decoder_start(inputs, training=False))

    def predict_step(self, data):
        inputs, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        result = self.decode(inputs, self._decoder_for(None, None)[0])
        return _squeeze(result, self.decoding).ids

    def predict(self, x, *args, **kwargs):
        """Decodes with the model's `decoding` strategy; returns ids as `generate` does."""
        if hasattr(x, "shape") or isinstance(x, (list, tuple)):  # arrays, not datasets
            x = self._checked(x)
        self._ensure_built()
        return super().predict(x, *args, **kwargs)

    def generate(self, inputs, decoding=None, max_length=None, return_scores=False):
        """Decodes target ids for a batch of inputs.

        Args:
            inputs: the model's inputs (source ids for `Seq2Seq`, labels or vectors for
                `OneToMany`), a non-empty batch.
            decoding: strategy for this call, overriding the model's `decoding`:
                `"greedy"`, `"beam"`, `"sample"`, a config dict or a
                `keras_seq.decoding` strategy. Defaults to `None`.
            max_length: int or None. Most tokens generated, end included. Defaults to
                the model's `max_length`.
            return_scores: bool. Also return the scores (summed token
                log-probabilities, length-penalised). Defaults to `False`.

        Returns:
            A numpy int32 array of ids `(batch_size, max_length)` (end token included,
            then 0 padding), or `(batch_size, num_return, max_length)` for a strategy
            with `num_return > 1`; with `return_scores`, a tuple `(ids, scores)`, scores
            of shape `(batch_size,)` or `(batch_size, num_return)`.
        """
        strategy = self.decoding if decoding is None else decoding_lib.get(decoding)
        inputs = self._checked(inputs)
        self._ensure_built()
        _, function = self._decoder_for(strategy, max_length)
        result = _squeeze(function(inputs), strategy)
        ids = ops.convert_to_numpy(result.ids)
        return (ids, ops.convert_to_numpy(result.scores)) if return_scores else ids

    def _checked(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        checks.check_nonempty_batch("inputs", inputs)
        return self.check_inputs(inputs)

    def _ensure_built(self):
        if not self.built:  # variables must exist before a decoding loop is traced
            self.build()

    def _decoder_for(self, strategy, max_length):
        """`(layer, compiled function)` for a strategy and length, made once each."""
        layer = self.decoding_layer(strategy, max_length)
        key = (layer.strategy, layer.max_length)
        if key not in self._decoders:
            self._decoders[key] = (layer, self._compile(lambda inputs: self.decode(inputs, layer)))
        return self._decoders[key]

    def _compile(self, function):
        """One traced function for inputs of any batch size and length (TensorFlow);
        other backends run the function as it is."""
        if keras.backend.backend() != "tensorflow":
            return function
        import tensorflow as tf

        spec = tf.TensorSpec(self.inputs_shape, self.inputs_dtype)
        return tf.function(function, input_signature=[spec])

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

            input_signature = [
                (
                    tf.TensorSpec(self.inputs_shape, self.inputs_dtype),
                    tf.TensorSpec((None, None), tf.int32),
                )
            ]
        return super().export(
            filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    def get_build_config(self):
        return {"built": self.built}

    def build_from_config(self, config):
        # Every dimension the weights depend on comes from the configs, not the shapes.
        if config.get("built"):
            self.build()

    def get_config(self):
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "decoding": decoding_lib.serialize(self.decoding),
            "max_length": self.max_length,
            "start_id": self.start_id,
            "end_id": self.end_id,
            "label_smoothing": self.label_smoothing,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def check_rnn_decoder(decoder):
    """Subclasses check their decoder with this before they read its sizes."""
    if not isinstance(decoder, RNNDecoder):
        raise TypeError(
            "Argument `decoder` must be a keras_seq.layers.RNNDecoder. "
            f"Received: decoder={decoder!r}"
        )


def _squeeze(result, strategy):
    """Drops the hypotheses axis when the strategy returns one hypothesis per input."""
    if strategy.num_return > 1:
        return result
    return decoding_lib.DecodingResult(*(value[:, 0] for value in result))
