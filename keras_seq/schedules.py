"""Learning-rate schedules from the papers the presets follow."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_seq")
class HalvingSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Constant rate, then halved every `period_epochs` from `start_epoch` on.

    Sutskever et al. (2014) trained with SGD at 0.7 and, "after 5 epochs, we begun
    halving the learning rate every half epoch": `HalvingSchedule(0.7,
    steps_per_epoch)` is that schedule. The first halving happens at `start_epoch`.

    Args:
        initial_learning_rate: float. Rate before `start_epoch`.
        steps_per_epoch: int. Optimizer steps (batches) in one epoch.
        start_epoch: float. Epoch of the first halving. Defaults to `5`.
        period_epochs: float. Epochs between halvings. Defaults to `0.5`.

    Example:
    >>> schedule = HalvingSchedule(0.7, steps_per_epoch=100)
    >>> [round(float(schedule(step)), 4) for step in (0, 499, 500, 550, 600)]
    [0.7, 0.7, 0.35, 0.175, 0.0875]
    """

    def __init__(self, initial_learning_rate, steps_per_epoch, start_epoch=5, period_epochs=0.5):
        if not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
            raise ValueError(
                f"`steps_per_epoch` must be a positive int. Received: steps_per_epoch="
                f"{steps_per_epoch!r}"
            )
        if period_epochs <= 0:
            raise ValueError(
                f"`period_epochs` must be > 0. Received: period_epochs={period_epochs}"
            )
        self.initial_learning_rate = initial_learning_rate
        self.steps_per_epoch = steps_per_epoch
        self.start_epoch = start_epoch
        self.period_epochs = period_epochs

    def __call__(self, step):
        epoch = ops.cast(step, "float32") / self.steps_per_epoch
        halvings = ops.floor((epoch - self.start_epoch) / self.period_epochs) + 1.0
        return self.initial_learning_rate * ops.power(0.5, ops.maximum(halvings, 0.0))

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "start_epoch": self.start_epoch,
            "period_epochs": self.period_epochs,
        }
