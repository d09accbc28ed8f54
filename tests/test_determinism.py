"""Determinism: a seed fixes training, generations and BLEU across processes; greedy and
beam decoding repeat exactly; sampling repeats for a seed and changes with it.

(Seeded sampling at the level of the decoding functions and strategies is tested in
tests/decoding/test_sampling.py and tests/decoding/test_strategies.py.)
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras_seq as ks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = np.array([[3, 4, 5, 0], [6, 7, 0, 0], [5, 5, 5, 5], [9, 3, 0, 0]] * 2)


def untrained_model():
    return ks.models.Seq2Seq(
        ks.layers.RNNEncoder(12, 8, 16),
        ks.layers.RNNDecoder(12, 8, 16, attention="luong"),
        max_length=6,
    )


@pytest.mark.backend_neutral
@pytest.mark.parametrize(
    "decoding", ["greedy", ks.decoding.BeamSearch(beam_width=3, num_return=2)], ids=str
)
def test_greedy_and_beam_decoding_repeat_exactly(decoding):
    model = untrained_model()
    first = model.generate(SOURCE, decoding=decoding, return_scores=True)
    for _ in range(2):
        again = model.generate(SOURCE, decoding=decoding, return_scores=True)
        np.testing.assert_array_equal(again[0], first[0])
        np.testing.assert_array_equal(again[1], first[1])


@pytest.mark.backend_neutral
def test_model_sampling_repeats_for_a_seed_and_changes_with_it():
    model = untrained_model()

    def sample(seed):
        return model.generate(SOURCE, decoding=ks.decoding.Sampling(seed=seed))

    np.testing.assert_array_equal(sample(1), sample(1))
    assert not np.array_equal(sample(1), sample(2))


def train_in_fresh_process(folder):
    """tests/models/resume_runs.py without a kill: seeded training, BLEU, generations."""
    out = folder / "run.npz"
    result = subprocess.run(
        [sys.executable, "-m", "tests.models.resume_runs", str(folder / "backup"), str(out), "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return np.load(out)


@pytest.mark.tensorflow_only
def test_same_seed_same_weights_generations_and_bleu_in_two_processes(tmp_path):
    first = train_in_fresh_process(tmp_path / "first")
    second = train_in_fresh_process(tmp_path / "second")
    assert first.files == second.files
    for key in first.files:  # weights (arr_*), BLEU history, beam and sampled ids
        np.testing.assert_array_equal(second[key], first[key], err_msg=key)
    assert first["bleu"].max() > 0 and first["beam"].any()
