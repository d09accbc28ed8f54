"""MirroredStrategy over two logical CPUs: every model trains, evaluates and predicts as
on one device, to 1e-5, for the same global batches.

Each test runs tests/models/mirrored_runs.py for one model in a fresh process (the
logical devices must exist before TensorFlow initialises, which this process has done).
Targets are shorter on replica 0 than on replica 1, so a loss averaged per replica, or
gradients summed over replicas without a global normaliser, would differ.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.models.mirrored_runs import RUNS

pytestmark = pytest.mark.tensorflow_only

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(model, folder):
    out = folder / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "tests.models.mirrored_runs", model, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """`results(model)`: the model's runs, made once per test session."""
    cache = {}

    def get(model):
        if model not in cache:
            cache[model] = run(model, tmp_path_factory.mktemp(model))
        return cache[model]

    return get


def assert_close(mirrored, one_device, what):
    np.testing.assert_allclose(mirrored, one_device, rtol=0, atol=1e-5, err_msg=what)


@pytest.mark.parametrize("model", sorted(RUNS))
def test_mirrored_run_equals_one_device(model, results):
    one_device, mirrored = results(model)["one_device"], results(model)["mirrored"]
    assert (mirrored["replicas"], one_device["replicas"]) == (2, 1)
    assert mirrored["mirrored_variables"] and not one_device["mirrored_variables"]
    if "tokens_per_replica" in mirrored:  # token-level losses: the replicas' shares differ
        assert len(set(mirrored["tokens_per_replica"])) > 1, mirrored["tokens_per_replica"]
    assert mirrored["history"].keys() == one_device["history"].keys()
    for key, values in one_device["history"].items():
        assert len(values) == 2
        assert_close(mirrored["history"][key], values, f"history[{key!r}]")
    for key in ("initial_evaluate", "evaluate", "predict", "greedy", "beam"):
        if key in one_device:
            assert_close(mirrored[key], one_device[key], key)
    assert len(mirrored["weights"]) == len(one_device["weights"])
    for index, (got, expected) in enumerate(zip(mirrored["weights"], one_device["weights"])):
        assert_close(got, expected, f"trainable weight {index}")
    # Training moved the weights: equal weights are not two untouched initialisations.
    assert one_device["history"]["loss"][1] < one_device["history"]["loss"][0]


def test_bleu_callback_and_model_checkpoint_under_mirrored_strategy(results):
    mirrored = results("Seq2Seq")["mirrored"]
    assert len(mirrored["history"]["val_bleu"]) == 2
    assert mirrored["history"]["val_bleu"][-1] > 0  # equal to one device: the test above
    assert mirrored["checkpoints"] == ["epoch1.keras", "epoch2.keras"]
    for got, expected in zip(mirrored["checkpoint_weights"], mirrored["weights"]):
        assert_close(got, expected, "checkpoint weights")
