"""Times `Seq2Seq.fit` with the in-graph id checks against a commit without them.

Usage: PYTHONPATH=. python benchmarks/id_checks.py [--baseline COMMIT] [--rounds 5]
    [--steps 40] [--epochs 4] [--units 128] [--vocab-size 2000] [--jit-compile]

The baseline commit is extracted with `git archive` into a temporary folder. Each round
runs one fresh process per tree, in alternating order: it builds the same seeded model
(LSTM encoder and decoder with Luong attention, embeddings and units `--units`,
source and target vocabularies `--vocab-size`, batch 32, sources of 20 and targets of 18
tokens), trains one epoch of `--steps` batches from a `tf.data.Dataset` to trace, then
times `--epochs` more and reports the median seconds per step. The overhead is the
median over rounds of (checked / baseline - 1).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = """
import os, statistics, sys, time
import keras, numpy as np, tensorflow as tf
import keras_seq as ks
steps, epochs, units, vocab, jit = (int(a) for a in sys.argv[1:6])
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
source = rng.integers(3, vocab, (steps * 32, 20)).astype("int32")
target = rng.integers(3, vocab, (steps * 32, 18)).astype("int32")
data = tf.data.Dataset.from_tensor_slices((source, target)).batch(32).cache()
model = ks.models.Seq2Seq(
    ks.layers.RNNEncoder(vocab, units, units),
    ks.layers.RNNDecoder(vocab, units, units, attention="luong"),
)
model.compile(keras.optimizers.Adam(1e-3), jit_compile=bool(jit))
model.fit(data, verbose=0)
times = []
for _ in range(epochs):
    start = time.perf_counter()
    model.fit(data, verbose=0)
    times.append((time.perf_counter() - start) / steps)
print(statistics.median(times))
"""


def run(tree, args):
    env = dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, "-c", CHILD, str(args.steps), str(args.epochs)]
    command += [str(args.units), str(args.vocab_size), str(int(args.jit_compile))]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return float(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="4d058cb")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--vocab-size", type=int, default=2000)
    parser.add_argument("--jit-compile", action="store_true")
    args = parser.parse_args()
    checked = os.getcwd()
    with tempfile.TemporaryDirectory() as baseline:
        archive = subprocess.run(
            ["git", "archive", args.baseline, "keras_seq"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", baseline], input=archive, check=True)
        ratios = []
        for index in range(args.rounds):
            order = [("checked", checked), ("baseline", baseline)]
            if index % 2:
                order.reverse()
            seconds = {name: run(tree, args) for name, tree in order}
            ratios.append(seconds["checked"] / seconds["baseline"] - 1)
            print(
                f"round {index + 1}: checked {seconds['checked'] * 1e3:.1f} ms/step, "
                f"baseline {seconds['baseline'] * 1e3:.1f} ms/step, "
                f"overhead {ratios[-1]:+.2%}",
                flush=True,
            )
    print(f"median overhead over {args.rounds} rounds: {statistics.median(ratios):+.2%}")


if __name__ == "__main__":
    main()
