"""Schedules over training steps: the presets' learning rates, and the probability of
scheduled sampling (`keras_seq.models.scheduled_sampling`)."""

import math
import numbers

import keras
from keras import ops

from keras_seq._settings import Settings
from keras_seq.checks import check_float


def _check_steps_per_epoch(steps_per_epoch):
    integral = isinstance(steps_per_epoch, numbers.Integral)  # numpy ints too
    if not integral or isinstance(steps_per_epoch, bool) or steps_per_epoch < 1:
        raise ValueError(
            f"`steps_per_epoch` must be a positive int. Received: steps_per_epoch="
            f"{steps_per_epoch!r}"
        )


@keras.saving.register_keras_serializable(package="keras_seq")
class HalvingSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Constant rate, then halved every `period_epochs` from `start_epoch` on.

    Sutskever et al. (2014) trained with SGD at 0.7 and, "after 5 epochs, we begun
    halving the learning rate every half epoch": `HalvingSchedule(0.7)` is that
    schedule. The first halving happens at `start_epoch`; with `e = step /
    steps_per_epoch` the rate is `initial_learning_rate` for `e < start_epoch`, then
    `initial_learning_rate * 0.5 ** (floor((e - start_epoch) / period_epochs) + 1)`.

    The epoch length may be left to training: with `steps_per_epoch=None`,
    `keras_seq.callbacks.EpochLengthCallback` sets it in `fit` (`Seq2Seq.fit` adds
    that callback by itself), or set it yourself with
    `schedule.steps_per_epoch = n`. The length is held in a variable, so
    `tf.function`/XLA-compiled train steps traced before it was known read the new
    value. Once known it stays: it is saved in `get_config` (and so in a `.keras`
    file of a model with its optimizer), and later `fit` calls keep it.

    Until the length is known the rate is `initial_learning_rate`. The schedule
    cannot raise when called past its first halving without a length, because that
    point is `start_epoch * steps_per_epoch` steps: without the length it is unknown.
    The callback checks it instead, when it learns the length, and raises if a
    halving was due before.

    Args:
        initial_learning_rate: float. Rate before `start_epoch`.
        steps_per_epoch: int or None. Optimizer steps (batches) in one epoch.
            Defaults to `None`: learned during `fit`, see above.
        start_epoch: float. Epoch of the first halving. Defaults to `5`.
        period_epochs: float. Epochs between halvings. Defaults to `0.5`.

    Attributes:
        steps_per_epoch: int or None. The epoch length, given or learned; settable
            once, to a positive int, while it is `None`.

    Example:
    >>> schedule = HalvingSchedule(0.7, steps_per_epoch=100)
    >>> [round(float(schedule(step)), 4) for step in (0, 499, 500, 550, 600)]
    [0.7, 0.7, 0.35, 0.175, 0.0875]
    >>> learned = HalvingSchedule(0.7)
    >>> round(float(learned(550)), 4), learned.steps_per_epoch
    (0.7, None)
    >>> learned.steps_per_epoch = 100
    >>> round(float(learned(550)), 4), learned.get_config()["steps_per_epoch"]
    (0.175, 100)
    """

    def __init__(
        self, initial_learning_rate, steps_per_epoch=None, start_epoch=5, period_epochs=0.5
    ):
        if steps_per_epoch is not None:
            _check_steps_per_epoch(steps_per_epoch)
        if period_epochs <= 0:
            raise ValueError(
                f"`period_epochs` must be > 0. Received: period_epochs={period_epochs}"
            )
        self.initial_learning_rate = initial_learning_rate
        self.start_epoch = start_epoch
        self.period_epochs = period_epochs
        # 0 while unknown. `dtype="int"` is Keras's own choice for `iterations`.
        self._steps_per_epoch = keras.Variable(
            int(steps_per_epoch or 0),
            dtype="int",
            trainable=False,
            name="steps_per_epoch",
            aggregation="only_first_replica",
        )

    @property
    def steps_per_epoch(self):
        value = int(keras.ops.convert_to_numpy(self._steps_per_epoch))
        return value or None

    @steps_per_epoch.setter
    def steps_per_epoch(self, value):
        _check_steps_per_epoch(value)
        if self.steps_per_epoch is not None:
            raise ValueError(
                f"`steps_per_epoch` is already {self.steps_per_epoch}; it can be set only "
                f"while it is None. Received: steps_per_epoch={value!r}"
            )
        self._steps_per_epoch.assign(int(value))

    def __call__(self, step):
        steps_per_epoch = ops.cast(self._steps_per_epoch, "float32")
        epoch = ops.cast(step, "float32") / ops.maximum(steps_per_epoch, 1.0)
        halvings = ops.floor((epoch - self.start_epoch) / self.period_epochs) + 1.0
        halvings = ops.where(steps_per_epoch > 0, ops.maximum(halvings, 0.0), 0.0)
        return self.initial_learning_rate * ops.power(0.5, halvings)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "start_epoch": self.start_epoch,
            "period_epochs": self.period_epochs,
        }


class SamplingSchedule(Settings):
    """Base of the scheduled-sampling schedules: `schedule(step)` is the probability
    p(step) that the decoder reads its own previous prediction instead of the gold
    token, a float32 scalar tensor in [0, 1].

    Bengio et al. (2015) schedule the complementary probability, epsilon_i, of
    reading the gold token at training step i; every schedule here returns
    `1 - epsilon_i`. `step` is the optimizer's `iterations` in `fit`.

    References:
        Bengio, Vinyals, Jaitly and Shazeer, "Scheduled Sampling for Sequence
        Prediction with Recurrent Neural Networks", NeurIPS 2015.
    """

    def __call__(self, step):
        return ops.clip(1.0 - self.teacher_probability(ops.cast(step, "float32")), 0.0, 1.0)

    def teacher_probability(self, step):
        """epsilon_i, the probability of reading the gold token at (float) `step`."""
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="keras_seq")
class ConstantSchedule(SamplingSchedule):
    """The same sampling probability at every step: `p(i) = probability`.

    Args:
        probability: float in [0, 1]. Probability of reading the model's previous
            prediction.

    Example:
    >>> float(ConstantSchedule(0.25)(1000))
    0.25
    """

    def __init__(self, probability):
        self.probability = check_float(
            "probability", probability, low=0.0, high=1.0, expected="a number in [0, 1]"
        )

    def teacher_probability(self, step):
        return 1.0 - self.probability + 0.0 * step

    def get_config(self):
        return {"probability": self.probability}


@keras.saving.register_keras_serializable(package="keras_seq")
class LinearSchedule(SamplingSchedule):
    """Linear decay of teacher forcing (Bengio et al., 2015):
    `epsilon_i = max(epsilon, k - c * i)`, so `p(i) = 1 - max(epsilon, k - c * i)`.

    Args:
        slope: float > 0. The decay `c` per step.
        offset: float in [0, 1]. `k`, epsilon at step 0. Defaults to `1.0` (pure
            teacher forcing at first).
        min_teacher_probability: float in [0, 1]. The floor `epsilon`: the sampling
            probability never exceeds `1 - epsilon`. Defaults to `0.0`.

    Example:
    >>> schedule = LinearSchedule(slope=1e-3, min_teacher_probability=0.25)
    >>> [round(float(schedule(step)), 4) for step in (0, 100, 500, 750, 5000)]
    [0.0, 0.1, 0.5, 0.75, 0.75]
    """

    def __init__(self, slope, offset=1.0, min_teacher_probability=0.0):
        self.slope = check_float("slope", slope, low=0.0, low_open=True, expected="a number > 0")
        unit = {"low": 0.0, "high": 1.0, "expected": "a number in [0, 1]"}
        self.offset = check_float("offset", offset, **unit)
        self.min_teacher_probability = check_float(
            "min_teacher_probability", min_teacher_probability, **unit
        )

    def teacher_probability(self, step):
        return ops.maximum(self.min_teacher_probability, self.offset - self.slope * step)

    def get_config(self):
        return {
            "slope": self.slope,
            "offset": self.offset,
            "min_teacher_probability": self.min_teacher_probability,
        }


@keras.saving.register_keras_serializable(package="keras_seq")
class ExponentialSchedule(SamplingSchedule):
    """Exponential decay of teacher forcing (Bengio et al., 2015):
    `epsilon_i = k ** i` with `k < 1`, so `p(i) = 1 - k ** i`.

    Args:
        k: float in (0, 1). The decay per step (e.g. 0.9999 reaches p = 0.5 after
            about 6,900 steps).

    Example:
    >>> schedule = ExponentialSchedule(0.999)
    >>> [round(float(schedule(step)), 4) for step in (0, 1, 693, 5000)]
    [0.0, 0.001, 0.5001, 0.9933]
    """

    def __init__(self, k):
        self.k = check_float(
            "k", k, low=0.0, high=1.0, low_open=True, high_open=True, expected="a number in (0, 1)"
        )

    def teacher_probability(self, step):
        return ops.power(self.k, step)

    def get_config(self):
        return {"k": self.k}


@keras.saving.register_keras_serializable(package="keras_seq")
class InverseSigmoidSchedule(SamplingSchedule):
    """Inverse-sigmoid decay of teacher forcing (Bengio et al., 2015):
    `epsilon_i = k / (k + exp(i / k))` with `k >= 1`, so
    `p(i) = 1 - k / (k + exp(i / k))`. It stays near `1 / (k + 1)` for the first
    steps, passes 0.5 at `i = k * ln(k)` and then approaches 1.

    Args:
        k: float >= 1. Larger `k` delays and slows the decay.

    Example:
    >>> schedule = InverseSigmoidSchedule(100.0)
    >>> [round(float(schedule(step)), 4) for step in (0, 461, 1000)]
    [0.0099, 0.5012, 0.9955]
    """

    def __init__(self, k):
        self.k = check_float("k", k, low=1.0, expected="a number >= 1")

    def teacher_probability(self, step):
        # k / (k + exp(i / k)) = sigmoid(ln(k) - i / k), which does not overflow.
        return ops.sigmoid(math.log(self.k) - step / self.k)

    def get_config(self):
        return {"k": self.k}


SAMPLING_SCHEDULES = (ConstantSchedule, LinearSchedule, ExponentialSchedule, InverseSigmoidSchedule)
