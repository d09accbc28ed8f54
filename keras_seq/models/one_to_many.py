"""One input (a class label or a vector) → a generated sequence."""

import keras
from keras import ops

from keras_seq.checks import (
    check_features,
    check_finite,
    check_id_range,
    check_positive_int,
    checked_id_range,
)
from keras_seq.cudnn import warn_off_fused_path
from keras_seq.layers.bridge import Bridge
from keras_seq.models.decoder_model import DecoderModel, check_rnn_decoder


@keras.saving.register_keras_serializable(package="keras_seq")
class OneToMany(DecoderModel):
    """Generates a sequence from one conditioning input: a class label or a vector.

    The condition (a label's learned embedding, or the given vector, e.g. image
    features) sets the decoder's initial states through a learned `Dense(tanh)`
    bridge and, with `every_step=True`, is also appended to the decoder's input at
    every step. Training is teacher-forced like `Seq2Seq`: `fit(conditions,
    target_ids)` with 0-padded targets without start/end tokens. Music generation
    (genre → notes) and image captioning (image features → words) fit this model.

    Args:
        decoder: `keras_seq.layers.RNNDecoder` without attention. With
            `every_step=True` its `conditioning_dim` must equal the condition size.
        num_classes: int or None. For label inputs of shape `(batch_size,)` with
            values in `[0, num_classes)`.
        input_dim: int or None. For float vector inputs `(batch_size, input_dim)`.
        condition_dim: int or None. Size of a label's embedding. Defaults to the
            decoder's `units`; for vectors the condition is the vector itself.
        every_step: bool. Also feed the condition at every step. Defaults to `False`.
        start_id: int. Defaults to `1`.
        end_id: int. Defaults to `2`.
        label_smoothing: float. Defaults to `0.0`.
        max_length: int. Default maximum generated length. Defaults to `64`.
        decoding: the default strategy of `generate` and `predict`: `"greedy"`,
            `"beam"`, `"sample"`, a config dict or a `keras_seq.decoding` strategy
            (saved with the model). Defaults to `"beam"`.
        scheduled_sampling: None, a `keras_seq.schedules.SamplingSchedule` or a
            `keras_seq.models.ScheduledSampling`: in training, the decoder reads its
            own previous prediction with the schedule's probability. Defaults to
            `None` (teacher forcing).
        **kwargs: `keras.Model` arguments.

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> decoder = keras_seq.layers.RNNDecoder(10, 8, 16, conditioning_dim=16)
    >>> model = keras_seq.models.OneToMany(decoder, num_classes=3, every_step=True,
    ...                                    max_length=5)
    >>> model.compile(keras.optimizers.Adam(1e-2))
    >>> _ = model.fit(np.array([0, 1, 2]), np.array([[3, 4], [5, 6], [7, 0]]), verbose=0)
    >>> sampling = keras_seq.decoding.Sampling(temperature=0.8, top_k=5, seed=1)
    >>> model.generate(np.array([0, 2]), decoding=sampling).shape
    (2, 5)
    """

    def __init__(
        self,
        decoder,
        num_classes=None,
        input_dim=None,
        condition_dim=None,
        every_step=False,
        start_id=1,
        end_id=2,
        label_smoothing=0.0,
        max_length=64,
        decoding="beam",
        **kwargs,
    ):
        check_rnn_decoder(decoder)
        if (num_classes is None) == (input_dim is None):
            raise ValueError(
                "Pass exactly one of `num_classes` (label inputs) and `input_dim` (vector "
                f"inputs). Received: num_classes={num_classes}, input_dim={input_dim}"
            )
        if decoder.attention is not None:
            raise ValueError(
                "OneToMany has no source sequence to attend to: use a decoder with "
                f"attention=None. Received: attention={decoder.attention!r}"
            )
        if num_classes is not None:
            check_positive_int("num_classes", num_classes)
            condition_dim = decoder.units if condition_dim is None else condition_dim
            check_positive_int("condition_dim", condition_dim)
        else:
            check_positive_int("input_dim", input_dim)
            condition_dim = input_dim
        expected_conditioning = condition_dim if every_step else 0
        if decoder.conditioning_dim != expected_conditioning:
            raise ValueError(
                f"With every_step={bool(every_step)} the decoder's `conditioning_dim` must "
                f"be {expected_conditioning}. Received: conditioning_dim="
                f"{decoder.conditioning_dim}"
            )
        # Set before the base class sets the decoder, so that `summary()` lists the
        # layers in data-flow order.
        self.label_embedding = (
            keras.layers.Embedding(num_classes, condition_dim, name="label_embedding")
            if num_classes is not None
            else None
        )
        decoder_sizes = [
            [shape[-1] for shape in layer]
            for layer in decoder.recurrent.compute_output_shape((None, None, 1))[1]
        ]
        self.bridge = Bridge([[condition_dim]], decoder_sizes, mode="dense", name="bridge")
        labels = num_classes is not None
        super().__init__(
            decoder,
            inputs_shape=(None,) if labels else (None, input_dim),
            inputs_dtype="int32" if labels else keras.config.floatx(),
            decoding=decoding,
            max_length=max_length,
            start_id=start_id,
            end_id=end_id,
            label_smoothing=label_smoothing,
            **kwargs,
        )
        self.num_classes = num_classes
        self.input_dim = input_dim
        self.condition_dim = condition_dim
        self.every_step = bool(every_step)

    def build(self, inputs_shape=None):
        # None: any batch and length (the shape `generate` and the exports use).
        inputs_shape = inputs_shape or (self.inputs_shape, (None, None))
        conditions_shape, decoder_inputs_shape = inputs_shape
        if self.label_embedding is not None and not self.label_embedding.built:
            self.label_embedding.build(conditions_shape)
        if not self.bridge.built:
            self.bridge.build()
        if not self.decoder.built:
            conditioning_shape = (None, self.condition_dim) if self.every_step else None
            self.decoder.build(decoder_inputs_shape, conditioning_shape=conditioning_shape)
        self.built = True
        warn_off_fused_path(self)

    def decoder_start(self, inputs, training=False):
        """The decoder's initial states from the condition (and the condition itself
        for every step with `every_step=True`).

        Args:
            inputs: int labels `(batch_size,)` or float vectors `(batch_size,
                input_dim)`.
            training: bool.

        Returns:
            A dict of `RNNDecoder` call arguments: `initial_state` and, with
            `every_step=True`, `conditioning`.
        """
        if self.label_embedding is not None:
            vector = self.label_embedding(self.checked_input_ids(inputs))
        else:
            vector = ops.cast(inputs, self.compute_dtype)
        start = {"initial_state": self.bridge([[vector]])}
        if self.every_step:
            start["conditioning"] = vector
        return start

    def checked_input_ids(self, inputs):
        if self.label_embedding is None:
            return inputs
        return checked_id_range("inputs", inputs, self.num_classes)

    def check_inputs(self, inputs):
        if self.label_embedding is None:
            check_features("inputs", inputs, self.input_dim, rank=2)
            check_finite("inputs", inputs)
            return inputs
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        if "int" not in dtype or len(inputs.shape) != 1:
            raise ValueError(
                "`inputs` must be integer labels of shape (batch_size,). Received: "
                f"dtype {dtype}, shape {tuple(inputs.shape)}"
            )
        check_id_range("inputs", inputs, self.num_classes)
        return ops.cast(inputs, "int32")

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "input_dim": self.input_dim,
            "condition_dim": self.condition_dim if self.num_classes is not None else None,
            "every_step": self.every_step,
        }
