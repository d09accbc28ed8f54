"""Times `Seq2Seq.fit` against a functional `lstm_seq2seq`-style Keras model of the same size.

Usage: PYTHONPATH=. python benchmarks/train.py [--vocab-size 8000] [--embedding-dim 256]
    [--units 512] [--batch-size 64] [--steps 20] [--source-length 20]
    [--target-length 20] [--layers 1,2] [--jit off,on] [--attention off,on]
    [--repeats 2] [--quick]

For every configuration (number of layers x `jit_compile` x attention), two
contenders train on the same random ids, with RMSprop (learning rate 1e-3) and the
accuracy metric:

- keras-seq: `Seq2Seq(RNNEncoder(V, E, U, num_layers=L), RNNDecoder(V, E, U,
  num_layers=L, attention=None | "luong"))`, `fit(source_ids, target_ids)`
  (teacher forcing and the masked loss are keras-seq's own).
- reference: the Keras `lstm_seq2seq` example's functional model, stacked: embedding
  (`mask_zero=True`) and `LSTM(return_state=True)` layers for the encoder, `LSTM`
  layers started from the encoder's states for the decoder, `Dense(V)` logits,
  `SparseCategoricalCrossentropy(from_logits=True)` weighted by the target mask.
  With attention, `keras.layers.Attention` (dot score) on a bias-free `Dense(U)`
  projection of the decoder outputs (Luong's "general" score, as keras-seq's
  default), then `Dense(U, tanh)` over `[context; h]` before the logits, as Luong's
  attentional vector. The decoder input is `start + target`, the labels
  `target + end`, prepared once with NumPy.

Every source has `--source-length` tokens (its last the end token) and every target
`--target-length`, so neither has padding and both contenders see the same tokens.
Each contender runs in a fresh process: one `fit` of 2 batches to trace and compile,
then one `fit` of `--steps` batches, timed from the end of its first batch to the end
of its last (a callback, as a progress bar would be, reads the clock after every
batch). Target tokens per second count the labels (`target + end`:
`batch x (target_length + 1)` per step). The processes run in A/B/A/B
order (`--repeats` rounds per configuration); the table gives the median per
contender and the ratio of the medians (> 1: keras-seq faster).

Achieved GFLOP/s counts the model's matrix products (LSTM gates, attention, output
projection; 3x the forward pass for a training step, the same count for both
contenders), against a float32 matmul peak measured in the same run, in fresh
processes before and after the contenders, on the output projection's shape
`(batch x (target_length + 1), units) @ (units, vocab)` (the better of the two).
"""

import argparse
import itertools
import os
import pathlib
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _harness import matmul_seconds, on_off, report, run_child, step_clock  # noqa: E402

START_ID, END_ID = 1, 2
CONTENDERS = ("keras-seq", "reference")


def argument_parser():
    """The model, data and configuration options (`train_phases.py` shares them)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--embedding-dim", type=int, default=256)
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--source-length", type=int, default=20)
    parser.add_argument("--target-length", type=int, default=20)
    parser.add_argument("--layers", default="1,2", help="comma-separated layer counts")
    parser.add_argument("--jit", default="off,on", help="jit_compile settings: off, on")
    parser.add_argument("--attention", default="off,on", help="attention settings: off, on")
    parser.add_argument("--repeats", type=int, default=2, help="A/B rounds per configuration")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="vocab 500, embeddings 16, units 32, batch 8, 3 steps, 1 round: a smoke test",
    )
    parser.add_argument("--child", choices=(*CONTENDERS, "matmul"), help=argparse.SUPPRESS)
    parser.add_argument("--child-layers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-jit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child-attention", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def finish_arguments(args):
    """Applies `--quick` to parsed `argument_parser()` arguments."""
    if args.quick:
        args.vocab_size, args.embedding_dim, args.units = 500, 16, 32
        args.batch_size, args.steps, args.repeats = 8, 3, 1
        args.source_length = args.target_length = 6
    return args


def data(args, rows):
    import numpy as np

    rng = np.random.default_rng(args.seed)
    source = rng.integers(3, args.vocab_size, (rows, args.source_length)).astype("int32")
    source[:, -1] = END_ID
    target = rng.integers(3, args.vocab_size, (rows, args.target_length)).astype("int32")
    return source, target


def keras_seq_model(args, layers, attention):
    import keras_seq

    encoder = keras_seq.layers.RNNEncoder(
        args.vocab_size, args.embedding_dim, args.units, num_layers=layers
    )
    decoder = keras_seq.layers.RNNDecoder(
        args.vocab_size,
        args.embedding_dim,
        args.units,
        num_layers=layers,
        attention="luong" if attention else None,
    )
    return keras_seq.models.Seq2Seq(encoder, decoder, start_id=START_ID, end_id=END_ID)


def reference_model(args, layers, attention):
    import keras
    from keras import layers as L

    source = keras.Input((None,), dtype="int32", name="source")
    decoder_input = keras.Input((None,), dtype="int32", name="decoder_input")
    x = L.Embedding(args.vocab_size, args.embedding_dim, mask_zero=True)(source)
    states = []
    for _ in range(layers):
        x, h, c = L.LSTM(args.units, return_sequences=True, return_state=True)(x)
        states.append([h, c])
    y = L.Embedding(args.vocab_size, args.embedding_dim, mask_zero=True)(decoder_input)
    for state in states:
        y = L.LSTM(args.units, return_sequences=True)(y, initial_state=state)
    if attention:
        query = L.Dense(args.units, use_bias=False)(y)
        context = L.Attention()([query, x])
        y = L.Dense(args.units, activation="tanh", use_bias=False)(L.Concatenate()([context, y]))
    logits = L.Dense(args.vocab_size)(y)
    return keras.Model([source, decoder_input], logits)


def train_child(args):
    """Child process: warm-up fit, timed fit; reports target tokens per second."""
    import keras
    import numpy as np

    clock = step_clock()

    layers, attention = args.child_layers, bool(args.child_attention)
    keras.utils.set_random_seed(args.seed)
    source, target = data(args, args.batch_size * args.steps)
    optimizer = keras.optimizers.RMSprop(1e-3)
    if args.child == "keras-seq":
        model = keras_seq_model(args, layers, attention)
        model.compile(optimizer=optimizer, metrics=["accuracy"], jit_compile=bool(args.child_jit))

        def fit(rows):
            model.fit(
                source[:rows],
                target[:rows],
                batch_size=args.batch_size,
                shuffle=False,
                verbose=0,
                callbacks=[clock],
            )

    else:
        model = reference_model(args, layers, attention)
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            jit_compile=bool(args.child_jit),
        )
        starts = np.full((len(target), 1), START_ID, "int32")
        ends = np.full((len(target), 1), END_ID, "int32")
        decoder_input = np.concatenate([starts, target], axis=1)
        labels = np.concatenate([target, ends], axis=1)
        mask = np.ones(labels.shape, "float32")

        def fit(rows):
            model.fit(
                [source[:rows], decoder_input[:rows]],
                labels[:rows],
                sample_weight=mask[:rows],
                batch_size=args.batch_size,
                shuffle=False,
                verbose=0,
                callbacks=[clock],
            )

    fit(2 * args.batch_size)  # traces and compiles the train step
    clock.ends.clear()
    fit(len(source))
    seconds = clock.ends[-1] - clock.ends[0]
    tokens = (len(clock.ends) - 1) * args.batch_size * (args.target_length + 1)
    report({"tokens_per_second": tokens / seconds, "seconds": seconds})


def train_flops(args, layers, attention):
    """Matrix-product FLOPs of one training step (3x the forward pass)."""
    b, s, t = args.batch_size, args.source_length, args.target_length + 1
    e, u, v = args.embedding_dim, args.units, args.vocab_size
    forward = 0
    for layer in range(layers):
        inputs = e if layer == 0 else u
        forward += 2 * b * (s + t) * (inputs + u) * 4 * u  # encoder and decoder LSTMs
    if attention:
        forward += 2 * b * t * u * u  # query projection
        forward += 2 * 2 * b * t * s * u  # scores and context
        forward += 2 * b * t * 2 * u * u  # attentional vector
    forward += 2 * b * t * u * v  # output projection
    return 3 * forward


def child_arguments(args, contender, layers, jit, attention):
    arguments = ["--child", contender]
    for name in ("vocab_size", "embedding_dim", "units", "batch_size", "steps", "seed"):
        arguments += [f"--{name.replace('_', '-')}", getattr(args, name)]
    arguments += ["--source-length", args.source_length, "--target-length", args.target_length]
    arguments += ["--child-layers", layers, "--child-jit", int(jit)]
    return arguments + ["--child-attention", int(attention)]


def main():
    args = finish_arguments(argument_parser().parse_args())
    if args.child == "matmul":
        rows = args.batch_size * (args.target_length + 1)
        seconds = matmul_seconds(rows, args.units, args.vocab_size)
        return report({"gflops": 2 * rows * args.units * args.vocab_size / seconds / 1e9})
    if args.child:
        return train_child(args)

    script = pathlib.Path(__file__)
    layer_counts = [int(n) for n in args.layers.split(",")]
    configurations = list(
        itertools.product(
            layer_counts, on_off(args.jit, "jit"), on_off(args.attention, "attention")
        )
    )
    print(
        f"vocab {args.vocab_size}, embeddings {args.embedding_dim}, LSTM {args.units}, "
        f"batch {args.batch_size}, source {args.source_length} / target "
        f"{args.target_length} tokens, {args.steps} timed steps after 2 warm-up steps, "
        f"RMSprop, accuracy; {args.repeats} A/B round(s), each contender in a fresh "
        f"process; CPUs {os.cpu_count()}"
    )
    peak_arguments = child_arguments(args, "matmul", 1, False, False)
    peaks = [run_child(script, peak_arguments)["gflops"]]
    results = {}
    for layers, jit, attention in configurations:
        for _ in range(args.repeats):
            for contender in CONTENDERS:
                arguments = child_arguments(args, contender, layers, jit, attention)
                figure = run_child(script, arguments)["tokens_per_second"]
                results.setdefault((layers, jit, attention, contender), []).append(figure)
    peaks.append(run_child(script, peak_arguments)["gflops"])
    peak = max(peaks)
    print(
        f"matmul peak ({args.batch_size * (args.target_length + 1)}x{args.units} @ "
        f"{args.units}x{args.vocab_size}, float32): {peak:.1f} GFLOP/s "
        f"(before {peaks[0]:.1f}, after {peaks[1]:.1f})"
    )
    print()
    header = (
        f"{'layers':>6} {'jit':>4} {'attention':>9} {'keras-seq tok/s':>16} "
        f"{'reference tok/s':>16} {'ratio':>6} {'keras-seq GFLOP/s':>18} {'of peak':>8} "
        f"{'reference GFLOP/s':>18} {'of peak':>8}"
    )
    print(header)
    print("-" * len(header))
    tokens_per_step = args.batch_size * (args.target_length + 1)
    for layers, jit, attention in configurations:
        ours = statistics.median(results[layers, jit, attention, "keras-seq"])
        theirs = statistics.median(results[layers, jit, attention, "reference"])
        flops_per_token = train_flops(args, layers, attention) / tokens_per_step
        ours_gflops, theirs_gflops = ours * flops_per_token / 1e9, theirs * flops_per_token / 1e9
        print(
            f"{layers:>6} {'on' if jit else 'off':>4} {'on' if attention else 'off':>9} "
            f"{ours:>16.0f} {theirs:>16.0f} {ours / theirs:>6.2f} {ours_gflops:>18.2f} "
            f"{ours_gflops / peak:>8.1%} {theirs_gflops:>18.2f} {theirs_gflops / peak:>8.1%}"
        )
    print("ratio = median keras-seq target tokens/s / median reference target tokens/s")
    print()
    for (layers, jit, attention, contender), figures in results.items():
        print(
            f"  layers {layers}, jit {'on' if jit else 'off'}, attention "
            f"{'on' if attention else 'off'}, {contender}: "
            + ", ".join(f"{figure:.0f}" for figure in figures)
            + " tok/s"
        )


if __name__ == "__main__":
    main()
