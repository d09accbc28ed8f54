"""The scheduled-sampling benchmark on dates runs (a smoke test, not its figures)."""

import importlib.util
import pathlib

import pytest

pytestmark = pytest.mark.tensorflow_only  # tf.data pipelines

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "scheduled_sampling.py"


def test_quick_run_reports_the_exposure_gap(capsys):
    spec = importlib.util.spec_from_file_location("scheduled_sampling_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (result,) = module.main(["--quick", "--runs", "scheduled"])
    assert result["final_sampling_probability"] == pytest.approx(0.25)
    gap = result["teacher_forced_token_accuracy"] - result["greedy_token_accuracy"]
    assert result["exposure_gap"] == pytest.approx(gap)
    assert "| exposure_gap |" in capsys.readouterr().out
