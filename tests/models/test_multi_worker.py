"""MultiWorkerMirroredStrategy with two worker processes on loopback ports.

The workers run tests/models/multi_worker_runs.py. A Seq2Seq trains on a tf.data
pipeline over two files, which the strategy's FILE auto-sharding splits between the
workers: both finish, their weights are equal, and equal (to 1e-5) a one-process run
over the same global batches, made here while the workers run; only the chief writes
the checkpoint and the export. Every pair is seen exactly once per epoch across the
workers, through `experimental_distribute_dataset` (FILE auto-sharding) and through
`distribute_datasets_from_function` (explicit shards): the SHA-1 hashes of the pairs
each worker consumed are disjoint, and together they are the corpus's. A plain Keras
`Sequential` still fails upstream (keras-team/keras#20585): when that test fails,
Keras has fixed the bug, and the workaround in keras_seq/models/distribute.py can go.
"""

import collections
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from keras_seq.models import distribute
from tests.models import multi_worker_runs

pytestmark = pytest.mark.tensorflow_only

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIME_LIMIT = 420  # seconds, for both workers together: a hang guard, generous for loaded machines


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("localhost", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def start_workers(mode, tmp_path):
    """Starts the cluster's workers; returns `(processes, their output folders)`."""
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    processes, folders = [], []
    for index in range(2):
        folder = tmp_path / f"worker{index}"
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {
            **os.environ,
            "TF_CONFIG": json.dumps(config),
            "KERAS_BACKEND": "tensorflow",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        command = [sys.executable, "-m", "tests.models.multi_worker_runs", mode, str(folder)]
        log = open(tmp_path / f"worker{index}.log", "w")  # noqa: SIM115 (closed in finish)
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
        log.close()  # the child has its own handle
        folders.append(folder)
    return processes, folders


def finish(processes, tmp_path):
    """Waits for every worker within `TIME_LIMIT`; kills them all whatever happens."""
    try:
        for index, process in enumerate(processes):
            try:
                process.wait(timeout=TIME_LIMIT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"worker {index} still running after {TIME_LIMIT}s")
            log = (tmp_path / f"worker{index}.log").read_text()[-4000:]
            assert process.returncode == 0, f"worker {index} failed:\n{log}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_seq2seq_trains_on_two_workers_as_in_one_process(tmp_path):
    processes, folders = start_workers("seq2seq", tmp_path)
    try:
        reference = multi_worker_runs.reference_run()
    finally:
        finish(processes, tmp_path)
    results = [json.loads((folder / "result.json").read_text()) for folder in folders]
    expected = collections.Counter(multi_worker_runs.corpus_hashes())
    assert len(expected) == sum(expected.values())  # distinct pairs
    for path in ("auto_shard", "from_function"):
        workers = [collections.Counter(result["hashes"][path]) for result in results]
        assert workers[0] + workers[1] == expected, path
        assert not set(workers[0]) & set(workers[1]), path
    for result in results:
        assert result["replicas"] == 2
        np.testing.assert_allclose(result["loss"], reference["loss"], rtol=0, atol=1e-5)
        for got, expected in zip(result["weights"], reference["weights"]):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    for got, expected in zip(results[0]["weights"], results[1]["weights"]):
        np.testing.assert_array_equal(got, expected)
    assert reference["loss"][1] < reference["loss"][0]
    chief, other = folders
    assert (chief / "checkpoint.weights.h5").is_file()
    assert (chief / "export" / "saved_model.pb").is_file()
    assert not (other / "checkpoint.weights.h5").exists() and not (other / "export").exists()


def test_keras_multi_worker_bug_still_exists_upstream(tmp_path):
    processes, folders = start_workers("upstream", tmp_path)
    finish(processes, tmp_path)
    for folder in folders:
        errors = json.loads((folder / "result.json").read_text())
        fixed = f"Keras {distribute.keras_version()} fixed it: drop the workaround. {errors}"
        assert "Attempt to convert a value (PerReplica" in (errors["fit"] or ""), fixed
        assert "Invalid reduction dimension 0 for input with 0 dimensions" in (
            errors["train_on_batch"] or ""
        ), fixed
        assert errors["patched_fit"] is None, errors
