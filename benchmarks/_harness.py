"""What the benchmark scripts share: fresh child processes, peak memory, a matmul peak.

The scripts run from the repository root (`PYTHONPATH=. python benchmarks/x.py`), so
this module is importable as `_harness` (the script's folder comes first on
`sys.path`).
"""

import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import time


def peak_rss_mib():
    """This process's peak resident memory: `VmHWM`, which starts afresh at `exec`.

    `ru_maxrss` does not: Linux carries it over from the parent at fork and keeps it
    across `execve`, so a child of a big parent reads the parent's peak.
    """
    status = pathlib.Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script, arguments):
    """Runs `python script arguments...` in a fresh process; returns the JSON object
    its last stdout line holds (the child prints it with `report`)."""
    command = [sys.executable, str(script), *map(str, arguments)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def on_off(text, name):
    """`"off,on"` (the value of option `--name`) as `[False, True]`."""
    values = {"off": False, "on": True}
    try:
        return [values[part.strip()] for part in text.split(",")]
    except KeyError:
        raise SystemExit(
            f"--{name} takes off and/or on, comma-separated. Received: {text!r}"
        ) from None


def report(values):
    """Prints a child's result as the JSON line `run_child` reads."""
    print(json.dumps(values), flush=True)


def matmul_seconds(m, k, n, repeats=5, calls=10, jit_compile=False):
    """Seconds per float32 `(m, k) @ (k, n)` on TensorFlow's default device: the
    median over `repeats` timings of one `tf.function` running `calls` dependent
    matmuls, divided by `calls`.

    Each product is scaled by a factor that depends on the previous one, so that
    no call can be skipped or hoisted out of the loop.
    """
    import tensorflow as tf

    a = tf.random.normal((m, k))
    b = tf.random.normal((k, n))

    @tf.function(jit_compile=jit_compile)
    def chain(a, b):
        total = tf.constant(0.0)
        for _ in tf.range(calls):
            product = tf.matmul(a * (1.0 + 1e-12 * total), b)
            total = total + product[0, 0]
        return total

    chain(a, b).numpy()  # trace and warm up
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        chain(a, b).numpy()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) / calls


def step_clock():
    """A Keras callback recording when each training batch ends (`clock.ends`).

    Time training from the end of a first batch to the end of the last one, not
    around `fit`: on return `fit` drops its `tf.data` iterator, and tearing down the
    input pipeline's autotuning took up to 3 s here, ending every short `fit` at the
    same 10.27 s whatever the model (seen with TensorFlow 2.21 on 2 CPU cores).
    """
    import keras

    class StepClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.perf_counter())

    return StepClock()


def decoding_parser(description):
    """An argument parser with the decoding benchmarks' shared settings: batch, model
    size, max length, repeats and `--quick` (see `quick_sizes`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--embedding-dim", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="vocab 500, units 64, embeddings 32, repeats 2: a smoke test in seconds",
    )
    return parser


def quick_sizes(args):
    """Shrinks the model of parsed `decoding_parser` arguments under `--quick`."""
    if args.quick:
        args.vocab_size, args.units, args.embedding_dim, args.repeats = 500, 64, 32, 2
    return args
