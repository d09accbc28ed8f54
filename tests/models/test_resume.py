"""Training killed with SIGKILL mid-epoch resumes from `keras.callbacks.BackupAndRestore`
and ends where an uninterrupted run ends.

Each run is tests/models/resume_runs.py in a fresh process: a tiny `Seq2Seq`, SGD with
momentum on a `HalvingSchedule` whose epoch length `EpochLengthCallback` learns, a
`BleuCallback`, and a backup every 2 steps. The killed run dies at a random step that
is not an epoch boundary, after a step that the backup did not save (odd steps), or
one that it did (even steps), so that steps are both repeated and skipped on resume.
"""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

from tests.models.resume_runs import EPOCHS, STEPS_PER_EPOCH

pytestmark = pytest.mark.tensorflow_only

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(backup, out, kill_step):
    """Runs one training process; returns its exit code (it is always ended)."""
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "tests.models.resume_runs", str(backup), str(out)]
    with subprocess.Popen(
        [*command, str(kill_step)], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            _, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode in (0, -9), stderr[-4000:]
    return process.returncode


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted_run(tmp_path):
    steps = [s for s in range(1, EPOCHS * STEPS_PER_EPOCH) if s % STEPS_PER_EPOCH]
    kill_step = random.SystemRandom().choice(steps)
    print(f"killing the run at step {kill_step} of {EPOCHS * STEPS_PER_EPOCH}")

    assert run(tmp_path / "reference_backup", tmp_path / "reference.npz", 0) == 0
    backup = tmp_path / "backup"
    assert run(backup, tmp_path / "killed.npz", kill_step) == -9
    assert not (tmp_path / "killed.npz").exists()
    # A backup every 2 steps: killed after step 1, the run left none and starts over.
    assert (backup / "latest.weights.h5").exists() == (kill_step >= 2)
    assert run(backup, tmp_path / "resumed.npz", 0) == 0

    reference, resumed = np.load(tmp_path / "reference.npz"), np.load(tmp_path / "resumed.npz")
    weights = sorted(key for key in reference.files if key.startswith("arr_"))
    assert weights and sorted(k for k in resumed.files if k.startswith("arr_")) == weights
    for key in weights:
        np.testing.assert_allclose(resumed[key], reference[key], rtol=0, atol=1e-6)
    assert int(resumed["iterations"]) == int(reference["iterations"]) == EPOCHS * STEPS_PER_EPOCH
    assert int(resumed["steps_per_epoch"]) == STEPS_PER_EPOCH
    # The BLEU history continues: every epoch once, the same scores as without the kill.
    assert list(resumed["epochs"]) == list(reference["epochs"]) == list(range(EPOCHS))
    np.testing.assert_allclose(resumed["bleu"], reference["bleu"], atol=1e-9)
    assert max(reference["bleu"]) > 0
