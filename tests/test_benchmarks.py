"""The decoding, scoring and training-phase benchmarks run (smoke tests with
`--quick`, not their figures): each script in a fresh process, as its README says to
run it."""

import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.tensorflow_only  # tf.function and KerasHub's samplers

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_script(name, *args):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), "--quick", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_decode_reports_ratios_gemm_floor_and_length_scaling():
    out = run_script("decode.py", "--xla", "on", "--attention", "off", "--max-length", "6")
    summary = out[out.index("Summary") :].splitlines()
    row = next(line.split() for line in summary if line.split()[:2] == ["on", "off"])
    greedy, beam, _, floor, short, long = row[2:]
    assert float(greedy) > 0 and float(beam) > 0 and float(floor) > 0
    assert float(short) > 0 and float(long) > 0


def test_decode_phases_reports_every_phase_and_the_ceilings():
    out = run_script("decode_phases.py", "--max-length", "6")
    phases = ("beam: search only, keras-seq", "  keras-seq first top_k", "greedy: full, KerasHub")
    for phase in phases:
        assert phase in out
    assert out.count("(keras-seq's ceiling)") == 2


def test_score_reports_both_timings_and_equal_scores():
    out = run_script("score.py", "--rows", "40")
    ratio = next(line for line in out.splitlines() if line.startswith("eager / compiled"))
    assert float(ratio.split()[-1]) > 0
    difference = next(line for line in out.splitlines() if line.startswith("largest score"))
    assert float(difference.split()[-1]) < 1e-4


def test_train_phases_reports_every_phase_for_both_contenders():
    out = run_script("train_phases.py", "--rounds", "1")
    for phase in ("forward", "+ loss", "+ gradients", "train step", "optimizer+metrics"):
        row = next(line for line in out.splitlines() if line.startswith(phase))
        assert len(row[len(phase) :].split()) == 2
