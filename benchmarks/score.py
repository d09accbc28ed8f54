"""Times `model.score` (compiled) against the same computation run eagerly.

Usage: PYTHONPATH=. python benchmarks/score.py [--rows 320] [--batch-size 32]
    [--vocab-size 8000] [--units 512] [--embedding-dim 256] [--source-length 20]
    [--max-length 30] [--repeats 5] [--quick]

An untrained `Seq2Seq` (LSTM encoder, LSTM decoder with Luong attention) scores
`--rows` random targets of `--max-length` tokens against random sources, `--batch-size`
rows a pass, in two ways that give the same scores:

- compiled: `model.score(sources, targets)`, whose forward pass is a `tf.function`
  (one trace for every shape) since it was made so;
- eager: `keras_seq.decoding.rescoring.score_sequences` over the same
  `summed_log_probs` computation, not compiled, which is how `score` ran before.

Each is called once (tracing), then the two take turns `--repeats` times; the script
prints the median seconds of each, their ratio and the largest difference of scores.
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from _harness import decoding_parser, quick_sizes  # noqa: E402
from keras import ops  # noqa: E402

import keras_seq  # noqa: E402
from keras_seq.decoding import rescoring  # noqa: E402


def parse_args():
    parser = decoding_parser(__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=320)
    parser.add_argument("--source-length", type=int, default=20)
    return quick_sizes(parser.parse_args())


def main():
    args = parse_args()
    model = keras_seq.models.Seq2Seq(
        keras_seq.layers.RNNEncoder(args.vocab_size, args.embedding_dim, args.units),
        keras_seq.layers.RNNDecoder(
            args.vocab_size, args.embedding_dim, args.units, attention="luong"
        ),
        max_length=args.max_length,
    )
    rng = np.random.default_rng(0)
    sources = rng.integers(3, args.vocab_size, (args.rows, args.source_length)).astype("int32")
    targets = rng.integers(3, args.vocab_size, (args.rows, args.max_length)).astype("int32")

    def log_probs(inputs, decoder_inputs):
        return ops.log_softmax(model((inputs, decoder_inputs), training=False), axis=-1)

    def eager():
        return rescoring.score_sequences(
            rescoring.summed_log_probs(log_probs),
            ops.convert_to_tensor(sources),
            targets,
            start_id=model.start_id,
            end_id=model.end_id,
            vocab_size=args.vocab_size,
            length_penalty=0.0,
            batch_size=args.batch_size,
        )

    contenders = {
        "compiled": lambda: model.score(sources, targets, batch_size=args.batch_size),
        "eager": eager,
    }
    scores = {name: run() for name, run in contenders.items()}  # traces
    times = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"{args.rows} targets of {args.max_length} tokens, sources of {args.source_length}, "
        f"batch {args.batch_size}, vocab {args.vocab_size}, LSTM {args.units}, Luong "
        f"attention; median of {args.repeats} alternating calls"
    )
    for name, median in medians.items():
        print(f"{name:10s} {median:8.3f} s")
    print(f"eager / compiled: {medians['eager'] / medians['compiled']:.2f}")
    difference = np.abs(scores["compiled"] - scores["eager"]).max()
    print(f"largest score difference: {difference:.2e}")


if __name__ == "__main__":
    main()
