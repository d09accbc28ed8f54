"""Scheduled sampling in `fit`: the decoder sometimes reads its own previous prediction
instead of the gold token (Bengio et al., 2015)."""

import keras
from keras import ops

from keras_seq.checks import check_choice, check_type
from keras_seq.schedules import SamplingSchedule

FEEDS = ("argmax", "sample")


@keras.saving.register_keras_serializable(package="keras_seq")
class ScheduledSampling(keras.layers.Layer):
    """Scheduled sampling for a `Seq2Seq` or `OneToMany` in training.

    At training step `i` (the optimizer's `iterations`, so a run resumed by
    `keras.callbacks.BackupAndRestore` continues the schedule), every decoder input
    after the start token is replaced, with probability `p(i) = schedule(i)`, by the
    token the model predicted at the previous position: its argmax (`feed="argmax"`)
    or a sample from its softmax (`feed="sample"`). Padding stays padding, and the
    padding id is never fed. Evaluation and decoding are unchanged.

    - Decoders that loop over steps (Bahdanau attention, Luong input feeding) do
      it as Bengio et al. (2015): step `t` reads the prediction of step `t - 1`,
      made from the mixed history.
    - The parallel decoders (no attention, Luong without input feeding), which read
      the whole target at once, do it in two passes as Mihaylova and Martins
      (2019): a teacher-forced pass predicts every position, the predictions are
      mixed into the gold inputs, and a second pass over the mixture gives the
      logits of the loss. Gradients flow through the second pass only.

    With `p = 0` training is exactly teacher forcing (same inputs, same loss).

    Args:
        schedule: a `keras_seq.schedules.SamplingSchedule` (`ConstantSchedule`,
            `LinearSchedule`, `ExponentialSchedule`, `InverseSigmoidSchedule`).
        feed: str. `"argmax"` or `"sample"`. Defaults to `"argmax"`.
        seed: int or None. Seed of the coin flips and samples. Defaults to `None`.
        **kwargs: base layer arguments.

    Example:
    >>> import numpy as np, keras, keras_seq
    >>> from keras_seq.schedules import LinearSchedule
    >>> model = keras_seq.models.Seq2Seq(
    ...     keras_seq.layers.RNNEncoder(20, 8, 16), keras_seq.layers.RNNDecoder(20, 8, 16),
    ...     scheduled_sampling=ScheduledSampling(LinearSchedule(slope=0.1), seed=1))
    >>> model.compile(keras.optimizers.Adam(1e-2))
    >>> _ = model.fit(np.full((8, 4), 5), np.full((8, 3), 7), batch_size=2, verbose=0)
    >>> round(float(model.scheduled_sampling.probability(model.optimizer.iterations)), 4)
    0.4

    References:
        Bengio, Vinyals, Jaitly and Shazeer, "Scheduled Sampling for Sequence
        Prediction with Recurrent Neural Networks", NeurIPS 2015. Mihaylova and
        Martins, "Scheduled Sampling for Transformers", ACL SRW 2019.
    """

    def __init__(self, schedule, feed="argmax", seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(schedule, dict):
            schedule = keras.saving.deserialize_keras_object(schedule)
        self.schedule = check_type(
            "schedule", schedule, SamplingSchedule, "a keras_seq.schedules.SamplingSchedule"
        )
        self.feed = check_choice("feed", feed, FEEDS)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def probability(self, step):
        """p(step): the probability of reading the model's prediction."""
        return self.schedule(step)

    def decoder_logits(self, decoder, decoder_inputs, start, step, training=None):
        """Training logits of `decoder` over `decoder_inputs` (start token, then the
        gold target), with the inputs scheduled-sampled at `step`.

        Args:
            decoder: the model's `keras_seq.layers.RNNDecoder`.
            decoder_inputs: int tensor `(batch_size, timesteps)`.
            start: dict of the decoder's conditioning (`DecoderModel.decoder_start`).
            step: int scalar (tensor): the training step.
            training: bool or None.
        """
        decoder_inputs = ops.cast(decoder_inputs, "int32")
        shape = ops.shape(decoder_inputs)
        flips = keras.random.uniform(shape, seed=self.seed_generator)
        # The start token is always read, and padding stays padding (the mask).
        later = ops.arange(shape[1])[None, :] > 0
        use_prediction = (flips < self.probability(step)) & later & (decoder_inputs != 0)
        noise = None
        if self.feed == "sample":
            # Gumbel-max sampling: the noise is drawn here, in one call, since the
            # loop decoders' scan could not advance a seed generator under JAX.
            noise = _gumbel((shape[0], shape[1], decoder.vocab_size), self.seed_generator)
        if decoder.loops_over_steps:
            per_step = ops.cast(use_prediction, "float32")[..., None]
            if noise is not None:
                per_step = ops.concatenate([per_step, noise], axis=-1)
            feedback = _LoopFeed(decoder, per_step, training)
            return decoder(decoder_inputs, **start, training=training, feedback=feedback)
        first = ops.stop_gradient(decoder(decoder_inputs, **start, training=training))
        predicted = pick(first, noise)
        # Position t reads what position t - 1 predicted.
        previous = ops.concatenate([decoder_inputs[:, :1], predicted[:, :-1]], axis=1)
        mixed = ops.where(use_prediction, previous, decoder_inputs)
        return decoder(mixed, **start, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "schedule": keras.saving.serialize_keras_object(self.schedule),
            "feed": self.feed,
            "seed": self.seed,
        }


def pick(logits, noise=None):
    """The fed tokens: argmax of `logits` (plus Gumbel `noise` to sample), never the
    padding id 0, which would read as padding to the decoder's mask."""
    logits = ops.cast(logits, "float32")
    padding = ops.arange(ops.shape(logits)[-1]) == 0
    logits = ops.where(padding, float("-inf"), logits)
    if noise is not None:
        logits = logits + noise
    return ops.cast(ops.argmax(logits, axis=-1), "int32")


def _gumbel(shape, seed):
    uniform = keras.random.uniform(shape, minval=1e-20, maxval=1.0, seed=seed)
    return -ops.log(-ops.log(uniform))


class _LoopFeed:
    """The loop decoders' input choice at each step (`RNNDecoder`'s `feedback`). An
    object, not a `(function, tensors)` pair: Keras refuses call arguments that mix
    tensors and other values in one nest."""

    def __init__(self, decoder, per_step, training):
        self.decoder = decoder
        self.per_step = per_step
        self.training = training

    def __call__(self, gold, per_step, previous_logits):
        decoder = self.decoder
        # per_step: whether to read the prediction, then the Gumbel noise if sampling.
        noise = per_step[:, 1:] if per_step.shape[-1] > 1 else None
        token = pick(previous_logits, noise)
        # As `RNNDecoder.step`: a plain lookup, without the Embedding layer's mask.
        embedded = ops.cast(ops.take(decoder.embedding.embeddings, token, axis=0), gold.dtype)
        if decoder.dropout_layer is not None:
            embedded = decoder.dropout_layer(embedded, training=self.training)
        # The gold input is the embedding, then the conditioning of every step.
        embedded = ops.concatenate([embedded, gold[:, decoder.embedding_dim :]], axis=-1)
        return ops.where(per_step[:, :1] > 0.5, embedded, gold)


def get(scheduled_sampling):
    """`None`, a `ScheduledSampling`, or one made from a schedule (argmax feed) or from
    a serialized config."""
    if scheduled_sampling is None or isinstance(scheduled_sampling, ScheduledSampling):
        return scheduled_sampling
    if isinstance(scheduled_sampling, SamplingSchedule):
        return ScheduledSampling(scheduled_sampling)
    if isinstance(scheduled_sampling, dict):
        return get(keras.saving.deserialize_keras_object(scheduled_sampling))
    raise TypeError(
        "Argument `scheduled_sampling` must be None, a keras_seq.schedules.SamplingSchedule "
        "or a keras_seq.models.scheduled_sampling.ScheduledSampling. Received: "
        f"scheduled_sampling={scheduled_sampling!r:.80}"
    )


def training_step(model):
    """The training step scheduled sampling reads: the optimizer's `iterations` (0
    before `compile`)."""
    step = getattr(model, "_scheduled_sampling_step", None)
    if step is not None:
        return step
    optimizer = getattr(model, "optimizer", None)
    return 0 if optimizer is None else optimizer.iterations


class ScheduledSamplingTrainer:
    """Mixin of `DecoderModel` for JAX, whose train step calls the model in a stateless
    scope of the model's own variables only: the optimizer's `iterations` cannot be
    read there (Keras 3.15 raises `TypeError: 'NoneType' object is not callable`).
    The step is taken from the optimizer state that the train step passes in."""

    def compute_loss_and_updates(self, *args, optimizer_variables=None, **kwargs):
        step = None
        sampling = getattr(self, "scheduled_sampling", None)
        if optimizer_variables is not None and sampling is not None:
            index = [id(v) for v in self.optimizer.variables].index(id(self.optimizer.iterations))
            step = optimizer_variables[index]
        object.__setattr__(self, "_scheduled_sampling_step", step)
        try:
            return super().compute_loss_and_updates(
                *args, optimizer_variables=optimizer_variables, **kwargs
            )
        finally:
            object.__setattr__(self, "_scheduled_sampling_step", None)
