"""BackupAndRestore with a model in this process: an unbuilt Seq2Seq can use it, an
epoch backup resumes at the next epoch, and BleuCallback's state is restored up to the
resumed epoch. (The SIGKILL run is tests/models/test_resume.py.)"""

import keras
import numpy as np
import pytest

import keras_seq as ks

pytestmark = pytest.mark.tensorflow_only
SOURCE, TARGET = np.full((8, 4), 5), np.full((8, 3), 7)


def seq2seq():
    model = ks.models.Seq2Seq(ks.layers.RNNEncoder(10, 4, 8), ks.layers.RNNDecoder(10, 4, 8))
    model.compile(optimizer="adam")
    return model


class StopAfterEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("killed")


def test_an_epoch_backup_resumes_an_unbuilt_seq2seq_at_the_next_epoch(tmp_path):
    def backup():
        return keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))

    model = seq2seq()
    assert not model.built
    with pytest.raises(RuntimeError, match="killed"):
        model.fit(SOURCE, TARGET, batch_size=4, epochs=4, callbacks=[backup(), StopAfterEpoch()])
    resumed = seq2seq()
    history = resumed.fit(SOURCE, TARGET, batch_size=4, epochs=4, callbacks=[backup()], verbose=0)
    assert history.epoch == [2, 3]
    assert int(resumed.optimizer.iterations) == 8


def test_bleu_state_keeps_the_evaluations_before_the_resumed_epoch():
    tokenizer = ks.data.WordTokenizer()
    tokenizer.adapt(["a b"])
    callback = ks.callbacks.BleuCallback(
        ["a b"], ["a b"], source_tokenizer=tokenizer, target_tokenizer=tokenizer
    )
    state = {"history": {"epoch": [0, 1, 2], "val_bleu": [1.0, 3.0, 2.0]}}
    callback.set_state(state, initial_epoch=2)
    assert callback.history == {"epoch": [0, 1], "val_bleu": [1.0, 3.0]}
    assert callback.best == 3.0
    assert callback.get_state() == {"history": {"epoch": [0, 1], "val_bleu": [1.0, 3.0]}}


def test_two_backups_are_refused():
    backups = [keras.callbacks.BackupAndRestore(f"/tmp/unused{i}") for i in range(2)]
    with pytest.raises(ValueError, match="one keras.callbacks.BackupAndRestore"):
        seq2seq().fit(SOURCE, TARGET, callbacks=backups, verbose=0)
