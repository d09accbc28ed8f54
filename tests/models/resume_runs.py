"""One training run for tests/models/test_resume.py, in its own process.

`python -m tests.models.resume_runs BACKUP_DIR OUT_FILE KILL_STEP` trains a tiny
`Seq2Seq` with `keras.callbacks.BackupAndRestore(BACKUP_DIR, save_freq=2)`, SGD with
momentum on a learned-length `HalvingSchedule`, and a `BleuCallback`. At the end of
global step KILL_STEP (1-based; 0 never) the process kills itself with SIGKILL; a run
that finishes writes its weights, BLEU history and generations to OUT_FILE (.npz).
"""

import json
import os
import signal
import sys

import keras
import numpy as np

import keras_seq as ks
from keras_seq.schedules import HalvingSchedule

PAIRS = [
    ("a b c", "x y z"),
    ("b c d", "y z w"),
    ("c d a", "z w x"),
    ("d a b", "w x y"),
    ("a c", "x z"),
    ("b d", "y w"),
    ("a b d", "x y w"),
    ("c a", "z x"),
] * 3
BATCH_SIZE = 4
EPOCHS = 3
STEPS_PER_EPOCH = len(PAIRS) // BATCH_SIZE


class KillAt(keras.callbacks.Callback):
    """SIGKILLs this process at the end of a global step (after the backup's save)."""

    def __init__(self, step):
        super().__init__()
        self.step = step
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch * STEPS_PER_EPOCH + batch + 1 == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def ids(tokenizer, text):
    """The text's ids without the end token, 0-padded to 3."""
    tokens = [int(i) for i in np.asarray(tokenizer.encode(text)) if i != 2]
    return tokens + [0] * (3 - len(tokens))


def main(backup_dir, out_file, kill_step):
    keras.utils.set_random_seed(7)
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    source_tokenizer, target_tokenizer = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source_tokenizer.adapt([s for s, _ in PAIRS])
    target_tokenizer.adapt([t for _, t in PAIRS])
    source, target = (
        np.array([ids(tokenizer, pair[side]) for pair in PAIRS])
        for side, tokenizer in enumerate((source_tokenizer, target_tokenizer))
    )
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source_tokenizer.vocabulary_size, 4, 8),
        ks.layers.RNNDecoder(target_tokenizer.vocabulary_size, 4, 8),
        max_length=5,
    )
    schedule = HalvingSchedule(0.5, start_epoch=1, period_epochs=0.5)
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=0.9))
    bleu = ks.callbacks.BleuCallback(
        [s for s, _ in PAIRS[:8]],
        [t for _, t in PAIRS[:8]],
        source_tokenizer=source_tokenizer,
        target_tokenizer=target_tokenizer,
        decoding="greedy",
        verbose=0,
        max_order=1,  # unigram BLEU: above 0 for this tiny model, so its history says more
    )
    callbacks = [bleu, keras.callbacks.BackupAndRestore(backup_dir, save_freq=2)]
    if kill_step:
        callbacks.append(KillAt(kill_step))
    model.fit(
        source,
        target,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        shuffle=False,
        callbacks=callbacks,
        verbose=0,
    )
    np.savez(
        out_file,
        *[np.asarray(v) for v in model.weights],
        bleu=np.array(bleu.history[bleu.name]),
        epochs=np.array(bleu.history["epoch"]),
        steps_per_epoch=np.array(schedule.steps_per_epoch),
        iterations=np.array(int(model.optimizer.iterations)),
        beam=model.generate(source[:8], decoding="beam"),
        sampled=model.generate(source[:8], decoding=ks.decoding.Sampling(seed=3)),
    )
    print(json.dumps({"best": bleu.best}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
