"""`EpochLengthCallback`: teaches a `HalvingSchedule` how many steps an epoch has."""

import keras

from keras_seq.schedules import HalvingSchedule


def _halving_schedule(optimizer):
    """The optimizer's `HalvingSchedule`, or None (no optimizer, another rate)."""
    # A LossScaleOptimizer wraps the optimizer that holds the rate. Keras keeps the
    # schedule object in `_learning_rate`; the public `learning_rate` is its value.
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    schedule = getattr(optimizer, "_learning_rate", None)
    return schedule if isinstance(schedule, HalvingSchedule) else None


class EpochLengthCallback(keras.callbacks.Callback):
    """Sets `steps_per_epoch` of the model optimizer's `HalvingSchedule` during `fit`.

    A schedule made with `steps_per_epoch=None` does not know where its epochs end.
    At the start of training this callback sets it to the number of batches per
    epoch when Keras knows it (arrays, a `tf.data.Dataset` of known cardinality, or
    `fit(steps_per_epoch=...)`); otherwise, for a dataset of unknown cardinality such
    as a streamed or filtered `tf.data.Dataset`, it counts the first epoch's steps
    and sets the length at its end. It counts `optimizer.iterations`, the step the
    schedule reads, rather than batches: without XLA, Keras (3.15, TensorFlow) also
    counts the call that finds the end of such a dataset, so an epoch of 3 batches
    is 4 steps there, and the halvings stay on epoch boundaries only in that unit.

    Until the length is known the schedule gives its initial rate, which is exact as
    long as its first halving (`start_epoch`) comes later. The callback raises a
    `ValueError` if it cannot (`start_epoch < 1` with an epoch length unknown to
    Keras), and, when it learns the length, if the optimizer has already run past
    the first halving (a model trained before without this callback). A length
    already known (given, learned before or loaded with the model) is kept.

    `keras_seq.models.Seq2Seq.fit` adds this callback by itself when its optimizer
    needs it; other models need it in `fit(callbacks=[...])`.

    Example:
    >>> import keras, numpy as np
    >>> from keras_seq.callbacks import EpochLengthCallback
    >>> from keras_seq.schedules import HalvingSchedule
    >>> schedule = HalvingSchedule(0.1)
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile(keras.optimizers.SGD(schedule), loss="mse")
    >>> x, y = np.ones((10, 3)), np.ones((10, 1))
    >>> _ = model.fit(x, y, batch_size=4, verbose=0, callbacks=[EpochLengthCallback()])
    >>> schedule.steps_per_epoch  # 10 examples in batches of 4
    3
    """

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        self._schedule = _halving_schedule(optimizer)
        if self._schedule is None:
            raise ValueError(
                "`EpochLengthCallback` needs a model whose optimizer's learning rate is a "
                "`keras_seq.schedules.HalvingSchedule`. Received: learning_rate="
                f"{getattr(optimizer, 'learning_rate', None)!r}"
            )
        if self._schedule.steps_per_epoch is not None:
            return
        if self.params.get("steps"):
            self._learn(self.params["steps"])
            return
        if self._schedule.start_epoch < 1:
            raise ValueError(
                "The epoch length is unknown to Keras, so `EpochLengthCallback` counts the "
                "first epoch's steps, and knows them only after the first halving of a "
                "HalvingSchedule with start_epoch < 1. Pass `steps_per_epoch` to the "
                "schedule or to `fit`. Received: start_epoch="
                f"{self._schedule.start_epoch}"
            )
        self._first_step = int(optimizer.iterations)

    def on_epoch_end(self, epoch, logs=None):
        if self._schedule.steps_per_epoch is None:
            self._learn(int(self.model.optimizer.iterations) - self._first_step)

    def _learn(self, steps_per_epoch):
        done = int(self.model.optimizer.iterations)
        first_halving = self._schedule.start_epoch * steps_per_epoch
        if done > first_halving:
            raise ValueError(
                f"The optimizer ran {done} steps at the initial rate of its HalvingSchedule "
                f"before the epoch length (steps_per_epoch={steps_per_epoch}) was known, past "
                f"the first halving (step {first_halving:g}: start_epoch="
                f"{self._schedule.start_epoch} epochs). Pass `steps_per_epoch` to the "
                "schedule, or train with `EpochLengthCallback` from the first step."
            )
        self._schedule.steps_per_epoch = steps_per_epoch


def schedule_callbacks(model, callbacks=()):
    """The callbacks `model.fit` needs for its optimizer's learning-rate schedule.

    Args:
        model: a compiled `keras.Model` (an uncompiled one needs none).
        callbacks: list of `keras.callbacks.Callback`. Those the user passed to `fit`;
            none of their kinds is returned again.

    Returns:
        A list: `[EpochLengthCallback()]` for a `HalvingSchedule` whose epoch length
        is still unknown, else `[]`.

    Example:
    >>> import keras
    >>> from keras_seq.schedules import HalvingSchedule
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile(keras.optimizers.SGD(HalvingSchedule(0.7)), loss="mse")
    >>> [type(callback).__name__ for callback in schedule_callbacks(model)]
    ['EpochLengthCallback']
    >>> schedule_callbacks(model, [EpochLengthCallback()])
    []
    """
    schedule = _halving_schedule(getattr(model, "optimizer", None))
    if schedule is None or schedule.steps_per_epoch is not None:
        return []
    if any(isinstance(callback, EpochLengthCallback) for callback in callbacks):
        return []
    return [EpochLengthCallback()]
