"""What `keras.callbacks.BackupAndRestore` leaves to our models' `fit`: the rest of an
interrupted epoch, the learned epoch length and the callbacks' own state."""

import json
import os

import keras

from keras_seq import _atomic
from keras_seq.callbacks.epoch_length import _halving_schedule
from keras_seq.models.distribute import is_distributed

STATE_FILE = "keras_seq_state.json"


class ResumeState(keras.callbacks.Callback):
    """Completes a `keras.callbacks.BackupAndRestore` for `DecoderModel.fit`.

    `DecoderModel.fit` adds it after the user's callbacks when they hold a
    `BackupAndRestore`; it is not meant to be passed by hand. Keras (3.15) restores
    the weights, the optimizer state and the epoch, but a run saved mid-epoch
    restarts that epoch from its first batch, repeating the batches already
    trained. At the start of training this callback reads the backup's step and
    sets the model to skip those batches (`DecoderModel` consumes them from the
    input without training), so a resumed run trains on the same batches in the
    same order as one never interrupted. It also keeps, in `keras_seq_state.json`
    beside the backup (written atomically at the end of every epoch):

    - the `steps_per_epoch` of the optimizer's `keras_seq.schedules.HalvingSchedule`
      (learned by `EpochLengthCallback` and not among the weights);
    - the state of every callback with `get_state`/`set_state` methods, such as
      `keras_seq.callbacks.BleuCallback`'s history and best score.

    Args:
        backup: the `keras.callbacks.BackupAndRestore` of the same `fit`.
        callbacks: list. The other callbacks of the same `fit`.
    """

    def __init__(self, backup, callbacks):
        super().__init__()
        self.backup = backup
        self.stateful = {}
        for callback in callbacks:
            if callable(getattr(callback, "get_state", None)):
                key = f"{type(callback).__name__}:{getattr(callback, 'name', '')}"
                if key in self.stateful:
                    raise ValueError(
                        f"Two callbacks of `fit` keep their state under the same key {key!r}; "
                        "give them different `name`s to resume training."
                    )
                self.stateful[key] = callback

    @property
    def state_path(self):
        return os.path.join(self.backup.backup_dir, STATE_FILE)

    def on_train_begin(self, logs=None):
        # Runs after BackupAndRestore.on_train_begin (it comes later in the list),
        # which has set the model's `_initial_epoch` from the backup.
        initial_epoch = self.model._initial_epoch or 0
        skip = self._batches_done(initial_epoch)
        on_tensorflow = keras.backend.backend() == "tensorflow"
        if skip and (not on_tensorflow or is_distributed(self.model.distribute_strategy)):
            raise ValueError(
                "Resuming mid-epoch (keras.callbacks.BackupAndRestore with an int "
                "`save_freq`) needs the TensorFlow backend and no tf.distribute "
                "strategy; use save_freq='epoch'. "
                f"Received: backend={keras.backend.backend()!r}"
            )
        object.__setattr__(self.model, "_resume_skip_batches", skip)
        if not os.path.exists(self.state_path):
            return
        with open(self.state_path, encoding="utf-8") as file:
            state = json.load(file)
        schedule = _halving_schedule(self.model.optimizer)
        if schedule is not None and schedule.steps_per_epoch is None and state["steps_per_epoch"]:
            schedule.steps_per_epoch = state["steps_per_epoch"]
        for key, callback in self.stateful.items():
            if key in state["callbacks"]:
                callback.set_state(state["callbacks"][key], initial_epoch=initial_epoch)

    def _batches_done(self, epoch):
        """Batches of `epoch` the backup holds already (0 for an epoch-end backup)."""
        # The metadata file of BackupAndRestore (Keras 3.15): {"epoch": e, "batch": b},
        # b the 0-based index of the last batch trained when saved by steps.
        path = getattr(self.backup, "_training_metadata_path", None)
        if self.backup.save_freq == "epoch" or not path or not os.path.exists(path):
            return 0
        with open(path, encoding="utf-8") as file:
            metadata = json.load(file)
        return metadata["batch"] + 1 if metadata["epoch"] == epoch else 0

    def on_epoch_end(self, epoch, logs=None):
        schedule = _halving_schedule(self.model.optimizer)
        state = {
            "steps_per_epoch": None if schedule is None else schedule.steps_per_epoch,
            "callbacks": {key: callback.get_state() for key, callback in self.stateful.items()},
        }
        with _atomic.atomic_path(self.state_path) as temporary:
            with open(temporary, "w", encoding="utf-8") as file:
                json.dump(state, file)


def resume_callbacks(callbacks):
    """`[ResumeState(...)]` when `callbacks` hold a `keras.callbacks.BackupAndRestore`,
    else `[]`."""
    backups = [c for c in callbacks if isinstance(c, keras.callbacks.BackupAndRestore)]
    if not backups:
        return []
    if len(backups) > 1:
        raise ValueError(
            f"`callbacks` may hold one keras.callbacks.BackupAndRestore. Received: {len(backups)}"
        )
    others = [c for c in callbacks if c is not backups[0]]
    return [ResumeState(backups[0], others)]
