"""Times `Seq2Seq.fit` with the in-graph id checks on and off.

Usage: PYTHONPATH=. python benchmarks/id_checks.py [--rounds 3] [--steps 40]
    [--epochs 6] [--units 128] [--vocab-size 2000] [--jit-compile]

"Off" is the same code with `keras_seq.checks.checked` replaced by the identity while
the second model is built and traced, so every in-graph id and right-padding
assertion (the layers' and the input pipeline's) is left out of its train function
and nothing else changes. Each round is a fresh process that builds both seeded
models (LSTM encoder and decoder with Luong attention, embeddings and units
`--units`, source and target vocabularies `--vocab-size`, batch 32, sources of 20 and
targets of 18 tokens), traces both with one epoch of `--steps` batches from a
`tf.data.Dataset`, runs one more untimed epoch of each (the first one after the
traces ran twice as slowly in trials), then times `--epochs` epochs of each (from the
end of an epoch's first step to the end of its last: `_harness.step_clock`),
alternating checked and unchecked epoch by epoch (on a shared machine, load changes
between processes far more than between neighbouring epochs). A round's overhead is
the median over its epoch pairs of (checked / unchecked - 1); the figure is the median
over rounds.
"""

import argparse
import os
import statistics
import subprocess
import sys

CHILD = """
import statistics, sys
sys.path.insert(0, "benchmarks")
import keras, numpy as np, tensorflow as tf
from _harness import step_clock
import keras_seq as ks
from keras_seq import checks
steps, epochs, units, vocab, jit = (int(a) for a in sys.argv[1:6])
rng = np.random.default_rng(0)
source = rng.integers(3, vocab, (steps * 32, 20)).astype("int32")
target = rng.integers(3, vocab, (steps * 32, 18)).astype("int32")
data = tf.data.Dataset.from_tensor_slices((source, target)).batch(32).cache()

real_checked = checks.checked


# One epoch; returns its seconds per step. The input pipeline's map is traced anew by
# every `fit`, so the switch must hold during each call, not only while the train
# function was first traced.
def fit(model, checked):
    if not checked:
        checks.checked = lambda tensor, summary, template: tensor
    clock = step_clock()
    try:
        model.fit(data, verbose=0, callbacks=[clock])
    finally:
        checks.checked = real_checked
    return (clock.ends[-1] - clock.ends[0]) / (len(clock.ends) - 1)


def traced_model(checked):
    keras.utils.set_random_seed(0)
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(vocab, units, units),
        ks.layers.RNNDecoder(vocab, units, units, attention="luong"),
    )
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=bool(jit))
    fit(model, checked)  # traces the train function, checked or not, once
    return model


models = {"checked": traced_model(True), "unchecked": traced_model(False)}
for name, model in models.items():  # untimed: the first epoch after both traces is slow
    fit(model, name == "checked")
ratios = []
for index in range(epochs):
    seconds = {}
    names = ["checked", "unchecked"] if index % 2 == 0 else ["unchecked", "checked"]
    for name in names:
        seconds[name] = fit(models[name], name == "checked")
    ratios.append(seconds["checked"] / seconds["unchecked"] - 1)
    print(f"  epoch {index + 1}: checked {seconds['checked'] * 1e3:.1f} ms/step, "
          f"unchecked {seconds['unchecked'] * 1e3:.1f} ms/step", file=sys.stderr)
print(statistics.median(ratios))
"""


def run(args):
    env = dict(os.environ, PYTHONPATH=os.getcwd(), TF_CPP_MIN_LOG_LEVEL="3")
    command = [sys.executable, "-c", CHILD, str(args.steps), str(args.epochs)]
    command += [str(args.units), str(args.vocab_size), str(int(args.jit_compile))]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    print(output.stderr.rstrip(), flush=True)
    return float(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--vocab-size", type=int, default=2000)
    parser.add_argument("--jit-compile", action="store_true")
    args = parser.parse_args()
    ratios = []
    for index in range(args.rounds):
        ratios.append(run(args))
        print(f"round {index + 1}: median overhead {ratios[-1]:+.2%}", flush=True)
    print(f"median overhead over {args.rounds} rounds: {statistics.median(ratios):+.2%}")


if __name__ == "__main__":
    main()
