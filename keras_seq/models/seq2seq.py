"""The encoder-decoder model (Sutskever et al., 2014), with optional attention."""

import keras
from keras import ops

from keras_seq.layers.bridge import Bridge
from keras_seq.layers.recurrent_factory import check_token_ids
from keras_seq.layers.rnn_decoder import RNNDecoder
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.models import generation
from keras_seq.models.teacher_forcing import masked_cross_entropy, teacher_forcing_pair


def _encoder_state_sizes(encoder):
    _, state_shapes = encoder.compute_output_shape((None, None))
    return [[shape[-1] for shape in layer] for layer in state_shapes]


def _decoder_state_sizes(decoder):
    return [
        [shape[-1] for shape in layer]
        for layer in decoder.recurrent.compute_output_shape((None, None, decoder.embedding_dim))[1]
    ]


@keras.saving.register_keras_serializable(package="keras_seq")
class Seq2Seq(keras.Model):
    """Encoder-decoder for unaligned sequence pairs (translation, normalisation, ...).

    `fit` takes `(source_ids, target_ids)`: 0-padded int arrays or a `tf.data.Dataset`
    of such pairs, targets WITHOUT start or end tokens. Its `train_step` does
    teacher forcing: the decoder reads `start + target` and is trained to emit
    `target + end`; padding never counts in the loss or in compiled metrics (they
    receive the labels, the logits and the padding mask as sample weights).
    Gradient clipping comes from the optimizer (`clipnorm`, `global_clipnorm`).
    `predict` and `generate` decode (greedy, beam search or sampling).

    Args:
        encoder: `keras_seq.layers.RNNEncoder`.
        decoder: `keras_seq.layers.RNNDecoder`.
        start_id: int. Id the decoder starts from. Defaults to `1`.
        end_id: int. Id that ends a target. Defaults to `2`.
        bridge: str. How encoder states become decoder states, see
            `keras_seq.layers.Bridge`. Defaults to `"auto"`.
        label_smoothing: float. Label smoothing of the default loss. Defaults to
            `0.0`.
        max_length: int. Default maximum number of generated tokens (end included).
            Defaults to `64`.
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> model = keras_seq.models.Seq2Seq(
    ...     keras_seq.layers.RNNEncoder(20, 8, 16, bidirectional=True),
    ...     keras_seq.layers.RNNDecoder(20, 8, 16, attention="luong"), max_length=6)
    >>> model.compile(optimizer=keras.optimizers.Adam(1e-2, global_clipnorm=5.0))
    >>> source = np.array([[5, 6, 7, 2], [8, 9, 2, 0]])
    >>> target = np.array([[7, 6, 5], [9, 8, 0]])
    >>> _ = model.fit(source, target, epochs=2, verbose=0)
    >>> model.generate(source, method="beam", beam_width=3).shape
    TensorShape([2, 6])

    References:
        Sutskever, Vinyals and Le, "Sequence to Sequence Learning with Neural
        Networks", NeurIPS 2014.
    """

    def __init__(
        self,
        encoder,
        decoder,
        start_id=1,
        end_id=2,
        bridge="auto",
        label_smoothing=0.0,
        max_length=64,
        **kwargs,
    ):
        if not isinstance(encoder, RNNEncoder):
            raise TypeError(f"`encoder` must be an RNNEncoder. Received: encoder={encoder!r}")
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
        self.encoder = encoder
        self.decoder = decoder
        self.start_id = start_id
        self.end_id = end_id
        self.bridge_mode = bridge
        self.label_smoothing = label_smoothing
        self.max_length = max_length
        self.bridge = Bridge(
            _encoder_state_sizes(encoder),
            _decoder_state_sizes(decoder),
            mode=bridge,
            name="bridge",
        )
        object.__setattr__(self, "_generate_functions", generation.CompiledFunctions())

    def build(self, inputs_shape):
        # Sub-layers loaded from a `.keras` file arrive built from their own configs.
        source_shape, decoder_inputs_shape = inputs_shape
        if not self.encoder.built:
            self.encoder.build(source_shape)
        if not self.bridge.built:
            self.bridge.build()
        if not self.decoder.built:
            memory_shape, _ = self.encoder.compute_output_shape(source_shape)
            self.decoder.build(decoder_inputs_shape, memory_shape=memory_shape)
        self.built = True

    @classmethod
    def from_preset(
        cls, name, source_vocab_size, target_vocab_size, steps_per_epoch=None, **kwargs
    ):
        """Builds and compiles a named configuration, untrained.

        Presets: `"sutskever2014"` (the 2014 paper's 4 x 1000 LSTM recipe; needs
        `steps_per_epoch` for its learning-rate schedule) and `"luong2015"` (a small
        attention model that trains on a CPU in minutes). See `keras_seq.presets`.

        Args:
            name: str. The preset's name.
            source_vocab_size: int. Source vocabulary size, padding included.
            target_vocab_size: int. Target vocabulary size, padding included.
            steps_per_epoch: int or None. Batches per epoch, for schedules in epochs.
            **kwargs: further `Seq2Seq` arguments (`max_length`, `start_id`, ...).

        Returns:
            A compiled `Seq2Seq`.

        Example:
        >>> import keras_seq
        >>> model = keras_seq.models.Seq2Seq.from_preset("luong2015", 500, 600)
        >>> model.decoder.attention
        'luong'
        """
        from keras_seq.presets import SEQ2SEQ_PRESETS

        if name not in SEQ2SEQ_PRESETS:
            raise ValueError(
                f"`name` must be one of {sorted(SEQ2SEQ_PRESETS)}. Received: name={name!r}"
            )
        encoder, decoder, optimizer = SEQ2SEQ_PRESETS[name](
            source_vocab_size, target_vocab_size, steps_per_epoch=steps_per_epoch
        )
        model = cls(encoder, decoder, name=name, **kwargs)
        model.compile(optimizer=optimizer, metrics=["accuracy"])
        return model

    def get_build_config(self):
        return {"built": self.built}

    def build_from_config(self, config):
        # Every dimension the weights depend on comes from the configs, not the shapes.
        if config.get("built"):
            self.build(((None, None), (None, None)))

    def _encode(self, source_ids, training=None):
        memory, states = self.encoder(source_ids, training=training)
        return memory, ops.not_equal(source_ids, 0), self.bridge(states)

    def call(self, inputs, training=None):
        """Teacher-forced logits for `(source_ids, decoder_input_ids)`."""
        source_ids, decoder_inputs = inputs
        memory, memory_mask, initial_state = self._encode(source_ids, training)
        return self.decoder(
            decoder_inputs,
            initial_state=initial_state,
            memory=memory,
            memory_mask=memory_mask,
            training=training,
        )

    def _teacher_forced(self, data):
        source_ids, target_ids, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if target_ids is None:
            raise ValueError("Seq2Seq trains on (source_ids, target_ids) pairs; got no targets.")
        if sample_weight is not None:
            raise ValueError(
                "Seq2Seq weighs tokens by its padding mask; sample weights are not supported."
            )
        decoder_inputs, labels = teacher_forcing_pair(target_ids, self.start_id, self.end_id)
        mask = ops.cast(ops.not_equal(labels, 0), "float32")
        return (source_ids, decoder_inputs), labels, mask

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
        source_ids, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        ids, _ = self._generate(source_ids, **self._settings())
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
        generation.check_method(method)
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

    def _generate(self, source_ids, **settings):
        memory, memory_mask, initial_state = self._encode(source_ids, training=False)
        batch_size = ops.shape(source_ids)[0]
        state = self.decoder.get_initial_state(batch_size, initial_state)
        constants = self.decoder.prepare_memory(memory, memory_mask)
        return generation.decode(self.decoder, state, constants, **settings)

    def generate(
        self,
        source_ids,
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
        """Decodes target ids for a batch of sources.

        Args:
            source_ids: int array `(batch_size, source_steps)`, 0-padded.
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
        source_ids = ops.convert_to_tensor(source_ids)
        check_token_ids("source_ids", source_ids, self.encoder.vocab_size)
        generation.check_batch("source_ids", source_ids)
        key = tuple(sorted(settings.items()))
        function = self._generate_functions.get(key, lambda ids: self._generate(ids, **settings))
        ids, scores = function(ops.cast(source_ids, "int32"))
        return (ids, scores) if return_scores else ids

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "start_id": self.start_id,
            "end_id": self.end_id,
            "bridge": self.bridge_mode,
            "label_smoothing": self.label_smoothing,
            "max_length": self.max_length,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)
