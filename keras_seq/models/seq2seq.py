"""The encoder-decoder model (Sutskever et al., 2014), with optional attention."""

import keras
from keras import ops

from keras_seq.checks import check_token_ids, checked_id_range, checked_right_padded
from keras_seq.cudnn import warn_off_fused_path
from keras_seq.layers.bridge import Bridge
from keras_seq.layers.rnn_encoder import RNNEncoder
from keras_seq.models.decoder_model import DecoderModel, check_rnn_decoder


def _encoder_state_sizes(encoder):
    _, state_shapes = encoder.compute_output_shape((None, None))
    return [[shape[-1] for shape in layer] for layer in state_shapes]


def _decoder_state_sizes(decoder):
    _, state_shapes = decoder.recurrent.compute_output_shape((None, None, decoder.embedding_dim))
    return [[shape[-1] for shape in layer] for layer in state_shapes]


@keras.saving.register_keras_serializable(package="keras_seq")
class Seq2Seq(DecoderModel):
    """Encoder-decoder for unaligned sequence pairs (translation, normalisation, ...).

    `fit` takes `(source_ids, target_ids)`: 0-padded int arrays or a `tf.data.Dataset`
    of such pairs, targets WITHOUT start or end tokens. `fit` does
    teacher forcing: the decoder reads `start + target` and is trained to emit
    `target + end`; padding never counts in the loss, and compiled metrics receive
    the labels and the logits, which carry the target padding mask as a Keras mask
    (so accuracy skips padding, and `keras_seq.metrics.Bleu` drops the predictions
    at padded label positions from its hypotheses).
    Gradient clipping comes from the optimizer (`clipnorm`, `global_clipnorm`).
    `predict` and `generate` decode with the model's `decoding` strategy (greedy,
    beam search or sampling; `generate(..., decoding=...)` overrides it for a call).

    Args:
        encoder: `keras_seq.layers.RNNEncoder`.
        decoder: `keras_seq.layers.RNNDecoder`.
        start_id: int. Id the decoder starts from. Defaults to `1`.
        end_id: int. Id that ends a target. Defaults to `2`.
        bridge: str. How encoder states become decoder states, see
            `keras_seq.layers.Bridge`. Defaults to `"auto"`.
        reverse_source: bool or None. Read each source backwards (its real tokens
            only), the trick of Sutskever et al.; sets the encoder's
            `reverse_source`. Defaults to `None`: the encoder's own setting.
        label_smoothing: float. Label smoothing of the default loss. Defaults to
            `0.0`.
        max_length: int. Default maximum number of generated tokens (end included).
            Defaults to `64`.
        decoding: the default strategy of `generate` and `predict`: `"greedy"`,
            `"beam"`, `"sample"`, a config dict or a `keras_seq.decoding` strategy
            (saved with the model). Defaults to `"beam"` (`BeamSearch(beam_width=4)`).
        scheduled_sampling: None, a `keras_seq.schedules.SamplingSchedule` or a
            `keras_seq.models.ScheduledSampling`: in training, the decoder reads its
            own previous prediction with the schedule's probability. Defaults to
            `None` (teacher forcing).
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
    >>> model.generate(source, decoding=keras_seq.decoding.BeamSearch(beam_width=3)).shape
    (2, 6)

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
        reverse_source=None,
        decoding="beam",
        **kwargs,
    ):
        if not isinstance(encoder, RNNEncoder):
            raise TypeError(
                "Argument `encoder` must be a keras_seq.layers.RNNEncoder. "
                f"Received: encoder={encoder!r}"
            )
        check_rnn_decoder(decoder)
        if reverse_source is not None:
            if not isinstance(reverse_source, bool):
                raise TypeError(
                    "Argument `reverse_source` must be a bool or None. "
                    f"Received: reverse_source={reverse_source!r}"
                )
            # The encoder does the reading, and its config carries the setting, so a
            # saved model reloads with it.
            encoder.reverse_source = reverse_source
        # Set before the base class sets the decoder, so that `summary()` lists the
        # layers in data-flow order.
        self.encoder = encoder
        self.bridge_mode = bridge
        self.bridge = Bridge(
            _encoder_state_sizes(encoder),
            _decoder_state_sizes(decoder),
            mode=bridge,
            name="bridge",
        )
        super().__init__(
            decoder,
            inputs_shape=(None, None),
            inputs_dtype="int32",
            decoding=decoding,
            max_length=max_length,
            start_id=start_id,
            end_id=end_id,
            label_smoothing=label_smoothing,
            **kwargs,
        )

    def build(self, inputs_shape=None):
        # None: any batch and length (the shape `generate` and the exports use).
        inputs_shape = inputs_shape or (self.inputs_shape, (None, None))
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
        warn_off_fused_path(self)

    @classmethod
    def from_preset(
        cls, name, source_vocab_size, target_vocab_size, steps_per_epoch=None, **kwargs
    ):
        """Builds and compiles a named configuration, untrained.

        Presets: `"sutskever2014"` (the 2014 paper's 4 x 1000 LSTM recipe) and
        `"luong2015"` (a small attention model that trains on a CPU in minutes). See
        `keras_seq.presets`. The model comes built, so `summary()` shows its weights.

        Args:
            name: str. The preset's name.
            source_vocab_size: int. Source vocabulary size, padding included.
            target_vocab_size: int. Target vocabulary size, padding included.
            steps_per_epoch: int or None. Batches per epoch, for schedules in epochs.
                Defaults to `None`: `fit` learns it (see
                `keras_seq.callbacks.EpochLengthCallback`).
            **kwargs: further `Seq2Seq` arguments (`max_length`, `start_id`, ...).

        Returns:
            A compiled, built `Seq2Seq`.

        Example:
        >>> import keras_seq
        >>> model = keras_seq.models.Seq2Seq.from_preset("luong2015", 500, 600)
        >>> model.decoder.attention, model.count_params()
        ('luong', 2330712)
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
        model.build()
        model.compile(optimizer=optimizer, metrics=["accuracy"])
        return model

    def decoder_start(self, inputs, training=False):
        """The decoder's initial states (bridged encoder states) and the encoder memory.

        Args:
            inputs: int tensor `(batch_size, source_length)`: 0-padded source ids.
            training: bool.

        Returns:
            A dict of `RNNDecoder` call arguments: `initial_state`, `memory`,
            `memory_mask`.
        """
        memory, states = self.encoder(inputs, training=training)
        return {
            "initial_state": self.bridge(states),
            "memory": memory,
            "memory_mask": ops.not_equal(inputs, 0),
        }

    def checked_input_ids(self, inputs):
        return checked_id_range("source_ids", inputs, self.encoder.vocab_size)

    def check_inputs(self, inputs):
        check_token_ids("source_ids", inputs, self.encoder.vocab_size)
        if self.encoder.reverse_source:  # eagerly, not deep inside the decoding graph
            checked_right_padded("source_ids", inputs)
        return ops.cast(inputs, "int32")

    def attention_weights(self, source_ids, output_ids):
        """The decoder's attention over the source while it emits `output_ids`.

        The decoder reads `start + output_ids[:, :-1]` (teacher forcing, as in training),
        so row `t` holds the weights of the step that predicted `output_ids[:, t]`. Rows
        after an output's end token and columns of source padding carry no meaning
        (the latter are 0).

        Args:
            source_ids: int array of shape `(batch_size, source_length)`, 0-padded.
            output_ids: int array of shape `(batch_size, output_length)`: targets or
                what `generate` returned (end token included, then 0).

        Returns:
            float32 numpy array `(batch_size, output_length, source_length)`; each
            row sums to 1 over the real source tokens.

        Example:
        >>> import numpy as np, keras_seq
        >>> model = keras_seq.models.Seq2Seq(
        ...     keras_seq.layers.RNNEncoder(20, 8, 16),
        ...     keras_seq.layers.RNNDecoder(20, 8, 16, attention="bahdanau"), max_length=5)
        >>> source = np.array([[5, 6, 7, 2]])
        >>> weights = model.attention_weights(source, model.generate(source))
        >>> tuple(weights.shape)
        (1, 5, 4)
        """
        if self.decoder.attention is None:
            raise ValueError(
                "`attention_weights` needs a decoder with attention. Received a decoder "
                "with attention=None"
            )
        source_ids = self.check_inputs(ops.convert_to_tensor(source_ids))
        output_ids = ops.convert_to_tensor(output_ids)
        check_token_ids("output_ids", output_ids, self.decoder.vocab_size)
        output_ids = ops.cast(output_ids, "int32")
        if output_ids.shape[0] != source_ids.shape[0]:
            raise ValueError(
                "`source_ids` and `output_ids` must hold the same number of rows. Received: "
                f"{source_ids.shape[0]} and {output_ids.shape[0]}"
            )
        starts = ops.full((ops.shape(output_ids)[0], 1), self.start_id, "int32")
        decoder_inputs = ops.concatenate([starts, output_ids[:, :-1]], axis=1)
        _, weights = self.decoder(
            decoder_inputs, **self.decoder_start(source_ids), return_attention=True
        )
        return ops.convert_to_numpy(weights)

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "bridge": self.bridge_mode,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return super().from_config(config)
