"""Peak memory of keras-seq's beam decoding over batch size, beam width and length.

Usage: PYTHONPATH=. python benchmarks/memory.py [--vocab-size 8000] [--units 512]
    [--embedding-dim 256] [--source-length 20] [--attention]
    [--batch-sizes 8,16,32,64] [--beam-widths 2,4,8,16] [--lengths 10,20,40,80]
    [--batch-size 32] [--beam-width 4] [--max-length 30] [--seed 0] [--quick]

Three sweeps, each varying one of batch size, beam width and max length while the
other two keep their base value (`--batch-size`, `--beam-width`, `--max-length`).
Every point runs in a fresh process: an untrained `Seq2Seq` (LSTM encoder and
decoder, Luong attention with `--attention`) is built, `generate` with
`BeamSearch(beam_width, min_length=max_length - 1)` (full length: no end token before
the last step) is traced and run on ONE random source, and the process's peak memory
is read; then it decodes the whole batch and reads the peak again. The figure is the
difference: what decoding the batch needed beyond the model, the traced function and
one row. The figure is TensorFlow's allocator's own peak
(`tf.config.experimental.get_memory_info(device)["peak"]`, reset between the two
decodes, less what was allocated before: the weights), on the GPU when there is one,
else on the CPU, whose allocator keeps these statistics only as a BFC allocator
(`TF_CPU_ALLOCATOR_USE_BFC=true`, which this script sets). The process's `VmHWM`
(peak resident set) difference is printed beside it: it also counts the allocator's
caching and everything outside TensorFlow, so it is coarse at small sizes.

Beam widths start at 2: `BeamSearch(1)` runs `greedy_search`, another algorithm.

For each sweep a least-squares line is fitted through the points; the largest
residual, as a fraction of the largest figure of the sweep, says how far the growth
is from linear.
"""

import argparse
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# The CPU allocator keeps the statistics of get_memory_info only as a BFC allocator;
# set before any child process imports TensorFlow.
os.environ["TF_CPU_ALLOCATOR_USE_BFC"] = "true"

from _harness import peak_rss_mib, report, run_child  # noqa: E402

LINEAR_TOLERANCE = 0.10  # largest residual / largest figure, for the verdict


def integers(text):
    return [int(part) for part in text.split(",")]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--embedding-dim", type=int, default=256)
    parser.add_argument("--source-length", type=int, default=20)
    parser.add_argument("--attention", action="store_true", help="Luong attention")
    parser.add_argument("--batch-sizes", type=integers, default=[8, 16, 32, 64])
    parser.add_argument("--beam-widths", type=integers, default=[2, 4, 8, 16])
    parser.add_argument("--lengths", type=integers, default=[10, 20, 40, 80])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--beam-width", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="vocab 500, units 64, embeddings 32, three points a sweep: a smoke test",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.vocab_size, args.units, args.embedding_dim = 500, 64, 32
        args.batch_sizes, args.beam_widths, args.lengths = [4, 8, 16], [2, 4, 8], [5, 10, 20]
        args.batch_size, args.beam_width, args.max_length = 8, 2, 10
    return args


def child(args):
    """Child process: one point; reports the peak memory decoding the batch added."""
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_seq

    keras.utils.set_random_seed(args.seed)
    attention = "luong" if args.attention else None
    model = keras_seq.models.Seq2Seq(
        keras_seq.layers.RNNEncoder(args.vocab_size, args.embedding_dim, args.units),
        keras_seq.layers.RNNDecoder(
            args.vocab_size, args.embedding_dim, args.units, attention=attention
        ),
    )
    rng = np.random.default_rng(args.seed)
    source = rng.integers(3, args.vocab_size, (args.batch_size, args.source_length))
    source = source.astype("int32")
    strategy = keras_seq.decoding.BeamSearch(args.beam_width, min_length=args.max_length - 1)

    def decode(rows):
        return model.generate(source[:rows], decoding=strategy, max_length=args.max_length)

    decode(1)  # builds, traces (any batch size) and runs one row
    device = "GPU:0" if tf.config.list_logical_devices("GPU") else "CPU:0"
    tf.config.experimental.reset_memory_stats(device)
    held = tf.config.experimental.get_memory_info(device)["current"]
    rss_before = peak_rss_mib()
    ids = decode(args.batch_size)
    peak = tf.config.experimental.get_memory_info(device)["peak"]
    assert ids.shape == (args.batch_size, args.max_length)
    report(
        {
            "mib": (peak - held) / 2**20,
            "held_mib": held / 2**20,
            "vmhwm_mib": peak_rss_mib() - rss_before,
            "device": device,
        }
    )


def point(args, batch_size, beam_width, max_length):
    arguments = ["--child", "--seed", args.seed]
    for name in ("vocab_size", "units", "embedding_dim", "source_length"):
        arguments += [f"--{name.replace('_', '-')}", getattr(args, name)]
    arguments += ["--batch-size", batch_size, "--beam-width", beam_width]
    arguments += ["--max-length", max_length]
    if args.attention:
        arguments.append("--attention")
    return run_child(pathlib.Path(__file__), arguments)


def linearity(xs, ys):
    """(slope, intercept, largest residual / largest |y|) of the least-squares line."""
    import numpy as np

    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    slope, intercept = np.polyfit(xs, ys, 1)
    residual = np.max(np.abs(ys - (slope * xs + intercept)))
    return slope, intercept, residual / max(np.max(np.abs(ys)), 1e-9)


def main():
    args = parse_args()
    if args.child:
        return child(args)
    print(
        f"Seq2Seq untrained: LSTM {args.units}, embeddings {args.embedding_dim}, vocab "
        f"{args.vocab_size}, {'Luong attention' if args.attention else 'no attention'}; "
        f"sources of {args.source_length} tokens; BeamSearch full length; base batch "
        f"{args.batch_size}, beam {args.beam_width}, max length {args.max_length}; one "
        "fresh process per point"
    )
    base = {"batch": args.batch_size, "beam": args.beam_width, "length": args.max_length}
    sweeps = {"batch": args.batch_sizes, "beam": args.beam_widths, "length": args.lengths}
    verdicts = []
    for axis, values in sweeps.items():
        figures = []
        print()
        print(f"{axis:>7} {'peak MiB':>10} {'held MiB':>9} {'VmHWM +MiB':>11}")
        for value in values:
            setting = {**base, axis: value}
            result = point(args, setting["batch"], setting["beam"], setting["length"])
            figures.append(result["mib"])
            print(
                f"{value:>7} {result['mib']:>10.2f} {result['held_mib']:>9.1f} "
                f"{result['vmhwm_mib']:>11.1f}"
            )
        slope, intercept, residual = linearity(values, figures)
        linear = residual <= LINEAR_TOLERANCE
        verdicts.append((axis, linear))
        print(
            f"line: {slope:.3f} MiB per {axis} unit + {intercept:.1f} MiB; largest residual "
            f"{residual:.1%} of the largest figure: "
            f"{'linear' if linear else 'NOT linear'} (tolerance {LINEAR_TOLERANCE:.0%}); "
            f"allocator of {result['device']}"
        )
    print()
    print(
        "growth: "
        + ", ".join(f"{axis} {'linear' if linear else 'NOT linear'}" for axis, linear in verdicts)
    )


if __name__ == "__main__":
    main()
