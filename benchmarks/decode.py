"""Times keras-seq decoding against KerasHub's samplers driving the same decoder.

Usage: PYTHONPATH=. python benchmarks/decode.py [--batch-size 32] [--vocab-size 8000]
    [--units 512] [--max-length 30] [--source-length 20] [--repeats 5] [--seed 0]
    [--xla off,on] [--attention off,on] [--quick]

For each of four configurations, XLA or not x attention or not, an untrained
`Seq2Seq` (LSTM encoder, LSTM decoder, with Luong attention or without, embeddings of
256) decodes a batch of random source ids, end to end (encoder included):

- keras-seq: without XLA, `model.generate(source_ids, decoding=GreedySearch(...) |
  BeamSearch(4, ...))`; with XLA, the same decoding from the public parts:
  `model.decode(source_ids, model.decoding_layer(strategy, max_length))` in a
  `tf.function(jit_compile=True)`. (`generate(..., jit_compile=True)` compiles the
  same loop, but pads sources to a multiple of 16 tokens first, so that XLA compiles
  once per length bucket; here the encoder runs on the exact 20 tokens, as
  KerasHub's does.)
- KerasHub: `keras_hub.samplers.GreedySampler()` / `BeamSampler(num_beams=4)` calling a
  `next(prompt, cache, index)` that runs ONE `decoder.step` on `prompt[:, index - 1]`
  (KerasHub writes the token it picks at `index`, so `index - 1` holds the token just
  produced). The prompt buffer is `(batch, max_length + 1)` with the start id in column
  0 and `index=1`: the sampler runs `max_length` iterations, one decoder step each, as
  keras-seq does. The cache holds the LSTM states and the encoder memory, its attention
  keys and its mask, which the beam sampler tiles (and reorders every step); without
  attention, only the LSTM states. The encoder runs inside the same `tf.function`
  (`jit_compile=True` with XLA).

An untrained model emits the end token at random times, so both libraries get
`min_length = max_length - 1` (keras-seq's argument; the KerasHub `next` forbids the
end token the same way) and KerasHub gets `stop_token_ids=None`: every hypothesis runs
the full `max_length` steps. Both forbid ids 0 (padding) and 1 (start) as keras-seq
does.

Each contender is called once to trace, then `--repeats` times, the contenders taking
turns within each round; the median wall time gives sentences per second. Greedy ids
from both libraries are compared as a fairness check. Each configuration also gives:

- the GEMM-floor ratio: keras-seq's beam-4 time per step (its median time / max
  length) over the time of the output projection's product alone, `(batch x 4,
  units) @ (units, vocab)` (128x512 @ 512x8000 by default), timed in the same run
  and the same mode (XLA or not): 1 would mean a step costs no more than its logits;
- the length scaling: keras-seq's beam-4 time at max lengths 10, 20 and 40 (full
  length), as the ratios 20/10 and 40/20 (linear: 2).
"""

import functools
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _harness import decoding_parser, matmul_seconds, on_off, quick_sizes  # noqa: E402
from keras import ops, tree  # noqa: E402

import keras_seq  # noqa: E402

BEAM_WIDTH = 4
FORBIDDEN_LOGIT = -1e9  # keras-seq's value for ids 0 and 1


def parse_args():
    parser = decoding_parser(__doc__.split("\n")[0])
    parser.add_argument("--source-length", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--xla", default="off,on", help="off and/or on, comma-separated")
    parser.add_argument("--attention", default="off,on", help="off and/or on, comma-separated")
    args = quick_sizes(parser.parse_args())
    args.xla, args.attention = on_off(args.xla, "xla"), on_off(args.attention, "attention")
    return args


def build_model(args, attention):
    keras.utils.set_random_seed(args.seed)
    encoder = keras_seq.layers.RNNEncoder(args.vocab_size, args.embedding_dim, args.units)
    decoder = keras_seq.layers.RNNDecoder(
        args.vocab_size, args.embedding_dim, args.units, attention="luong" if attention else None
    )
    model = keras_seq.models.Seq2Seq(encoder, decoder, max_length=args.max_length)
    rng = np.random.default_rng(args.seed)
    source = rng.integers(3, args.vocab_size, (args.batch_size, args.source_length))
    source = source.astype("int32")
    model((source, np.ones((args.batch_size, 1), "int32")))  # builds the weights
    return model, source


def keras_seq_decoder(model, method, max_length, xla=False):
    """keras-seq's public API, full length."""
    min_length = max_length - 1
    if method == "beam":
        strategy = keras_seq.decoding.BeamSearch(BEAM_WIDTH, min_length=min_length)
    else:
        strategy = keras_seq.decoding.GreedySearch(min_length=min_length)
    if xla:
        layer = model.decoding_layer(strategy, max_length)
        # ids (batch, hypotheses, length) -> the best hypothesis, as generate returns it
        return compiled(lambda source: model.decode(source, layer).ids[:, 0], xla=True)

    def run(source):
        return model.generate(source, decoding=strategy, max_length=max_length)

    return run


def keras_hub_decoder(
    model, sampler, max_length, memory_outside_cache=False, rows_per_input=1, xla=False
):
    """The same encoder and decoder driven by a KerasHub sampler, full length.

    By default the encoder memory (with its attention keys and mask) travels in the
    sampler's cache, as the sampler's contract asks of every batch-leading tensor: the
    beam sampler tiles it and reorders it every step. With `memory_outside_cache`, the
    memory is tiled to `rows_per_input` rows per input beforehand and closed over by
    `next`, and only the LSTM states are in the cache (as without attention, where
    there is no memory).
    """
    decoder = model.decoder
    vocab_size = decoder.vocab_size
    min_length = max_length - 1
    banned = np.zeros((1, vocab_size), bool)
    banned[0, [0, model.start_id]] = True
    is_end = np.arange(vocab_size) == model.end_id

    def run(source):
        batch_size = ops.shape(source)[0]
        state, constants = decoder.start(batch_size, **model.decoder_start(source))
        outside = None
        if memory_outside_cache and constants is not None:
            outside = tree.map_structure(lambda x: ops.repeat(x, rows_per_input, 0), constants)
        if memory_outside_cache or constants is None:
            cache = {"rnn": state["rnn"]}
        else:
            cache = {"rnn": state["rnn"], "constants": constants}

        def next_fn(prompt, cache, index):
            # The sampler writes this call's token at `index`; the previous one is at
            # `index - 1`. One decoder step per generated token.
            step = index - 1  # tokens generated so far, as keras-seq counts them
            tokens = prompt[:, step]
            step_constants = cache.get("constants", outside)
            logits, new_state = decoder.step(tokens, {"rnn": cache["rnn"]}, step_constants)
            # What keras-seq does to the logits: ids 0 and 1 never, end not before
            # min_length.
            logits = ops.where(banned, FORBIDDEN_LOGIT, logits)
            forbid_end = ops.logical_and(is_end, ops.less(step, min_length))
            logits = ops.where(forbid_end[None, :], float("-inf"), logits)
            rnn = tree.pack_sequence_as(cache["rnn"], tree.flatten(new_state["rnn"]))
            return logits, None, {**cache, "rnn": rnn}

        prompt = ops.concatenate(
            [
                ops.full((batch_size, 1), model.start_id, dtype="int32"),
                ops.zeros((batch_size, max_length), dtype="int32"),
            ],
            axis=1,
        )
        ids = sampler(next_fn, prompt, cache=cache, index=1, stop_token_ids=None)
        return ids[:, 1:]

    # keras-seq's generate uses a tf.function for any shape (no XLA).
    return compiled(run, xla, reduce_retracing=True)


def compiled(function, xla, **kwargs):
    """`tf.function` of a partial: TensorFlow counts traces per code object, so the
    contenders made from one inner function would add up to its retracing warning."""
    return tf.function(functools.partial(function), jit_compile=xla, **kwargs)


def time_round_robin(contenders, source, repeats):
    """One warm-up (tracing) call each, then `repeats` rounds; returns seconds per call."""
    source = tf.constant(source)
    outputs = {}
    for name, run in contenders.items():
        outputs[name] = keras.ops.convert_to_numpy(run(source))
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            keras.ops.convert_to_numpy(run(source))
            times[name].append(time.perf_counter() - start)
    return times, outputs


def describe(times):
    return f"median {statistics.median(times) * 1e3:.1f} ms (min {min(times) * 1e3:.1f})"


def main():
    args = parse_args()
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, KerasHub "
        f"{keras_hub.__version__}, devices: "
        f"{[d.device_type for d in tf.config.list_logical_devices()]}, "
        f"intra-op threads {tf.config.threading.get_intra_op_parallelism_threads() or 'auto'}, "
        f"CPUs {os.cpu_count()}"
    )
    print(
        f"Seq2Seq untrained: LSTM encoder/decoder, vocab {args.vocab_size}, embedding "
        f"{args.embedding_dim}, units {args.units}; batch {args.batch_size} random sources "
        f"of length {args.source_length}"
    )
    print(
        f"Full-length decoding: max_length={args.max_length}, min_length="
        f"{args.max_length - 1} (end token forbidden before the last step, same in both), "
        f"KerasHub stop_token_ids=None; encoder included; {args.repeats} timed calls after "
        "1 warm-up, median"
    )
    summary = []
    for xla in args.xla:
        for attention in args.attention:
            summary.append(configuration(args, xla, attention))
    print()
    header = (
        f"{'XLA':>4} {'attention':>9} {'greedy':>7} {'beam 4':>7} {'beam 4 *':>9} "
        f"{'GEMM floor':>11} {'20/10':>6} {'40/20':>6}"
    )
    print("Summary (ratios: keras-seq sentences/s / KerasHub sentences/s, > 1: keras-seq faster)")
    print(header)
    print("-" * len(header))
    for row in summary:
        print(
            f"{row['xla']:>4} {row['attention']:>9} {row['greedy']:>7.2f} {row['beam 4']:>7.2f} "
            f"{row['beam 4 *']:>9} {row['gemm floor']:>11.2f} {row['20/10']:>6.2f} "
            f"{row['40/20']:>6.2f}"
        )
    print(
        "GEMM floor: keras-seq beam-4 ms/step / output-projection GEMM ms; 20/10, 40/20: "
        "keras-seq beam-4 time ratios between max lengths (linear: 2)"
    )


def configuration(args, xla, attention):
    """Times one (XLA, attention) configuration; prints its details and returns its
    summary row."""
    model, source = build_model(args, attention)
    batch, length = args.batch_size, args.max_length
    mode = "XLA (tf.function(jit_compile=True))" if xla else "plain tf.function (no XLA)"
    print()
    print(f"== {mode}, {'Luong attention' if attention else 'no attention'} ==")

    beam_sampler = keras_hub.samplers.BeamSampler(num_beams=BEAM_WIDTH)
    greedy_sampler = keras_hub.samplers.GreedySampler()
    contenders = {
        "keras-seq greedy": keras_seq_decoder(model, "greedy", length, xla),
        "keras-hub greedy": keras_hub_decoder(model, greedy_sampler, length, xla=xla),
        "keras-seq beam": keras_seq_decoder(model, "beam", length, xla),
        "keras-hub beam": keras_hub_decoder(model, beam_sampler, length, xla=xla),
    }
    rows = [
        ("greedy", "keras-seq greedy", "keras-hub greedy"),
        ("beam 4", "keras-seq beam", "keras-hub beam"),
    ]
    if attention:
        contenders["keras-hub beam, memory outside cache"] = keras_hub_decoder(
            model,
            beam_sampler,
            length,
            memory_outside_cache=True,
            rows_per_input=BEAM_WIDTH,
            xla=xla,
        )
        rows.append(("beam 4 *", "keras-seq beam", "keras-hub beam, memory outside cache"))
    times, outputs = time_round_robin(contenders, source, args.repeats)

    greedy_same = np.array_equal(outputs["keras-seq greedy"], outputs["keras-hub greedy"])
    beam_same = np.mean(outputs["keras-seq beam"] == outputs["keras-hub beam"], axis=1)
    print(f"greedy outputs identical: {greedy_same}")
    print(
        "beam 4 outputs (informative only; near-ties can break differently, log_softmax "
        f"vs log(softmax)): {np.mean(beam_same == 1.0):.0%} of sentences identical, "
        f"{beam_same.mean():.0%} of tokens"
    )
    header = f"{'method':<9} {'keras-seq sent/s':>17} {'keras-hub sent/s':>17} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    summary = {"xla": "on" if xla else "off", "attention": "on" if attention else "off"}
    summary["beam 4 *"] = "-"
    for method, ours, theirs in rows:
        ours, theirs = statistics.median(times[ours]), statistics.median(times[theirs])
        print(f"{method:<9} {batch / ours:>17.1f} {batch / theirs:>17.1f} {theirs / ours:>7.2f}")
        summary[method] = theirs / ours if method != "beam 4 *" else f"{theirs / ours:.2f}"
    if attention:
        print(
            "* KerasHub with the encoder memory tiled once and closed over by `next` "
            "instead of\n  travelling in the cache, which BeamSampler reorders every step"
        )
    for name, values in times.items():
        print(f"  {name:<37} {describe(values)}")
    for method, ours, theirs in rows:
        # The contenders take turns, so each round's ratio pairs calls made under
        # similar load: their median is less sensitive to other processes.
        paired = [b / a for a, b in zip(times[ours], times[theirs])]
        print(
            f"  {method:<9} ratio per round: median {statistics.median(paired):.2f}, "
            f"range {min(paired):.2f}-{max(paired):.2f}"
        )

    # The floor: the output projection's product for every beam row, once per step.
    gemm = matmul_seconds(
        batch * BEAM_WIDTH, args.units, args.vocab_size, repeats=args.repeats, jit_compile=xla
    )
    per_step = statistics.median(times["keras-seq beam"]) / length
    summary["gemm floor"] = per_step / gemm
    print(
        f"GEMM floor: keras-seq beam 4 {per_step * 1e3:.2f} ms/step / "
        f"({batch * BEAM_WIDTH}x{args.units} @ {args.units}x{args.vocab_size}) "
        f"{gemm * 1e3:.2f} ms = {summary['gemm floor']:.2f}"
    )

    # Linearity in length: keras-seq beam 4 at max lengths 10, 20 and 40, full length.
    lengths = (10, 20, 40)
    linear = {n: keras_seq_decoder(model, "beam", n, xla) for n in lengths}
    linear_times, _ = time_round_robin(linear, source, args.repeats)
    medians = {n: statistics.median(linear_times[n]) for n in lengths}
    for n in lengths:
        print(f"  keras-seq beam 4, max_length={n:<2}{'':12} {describe(linear_times[n])}")
    summary["20/10"], summary["40/20"] = medians[20] / medians[10], medians[40] / medians[20]
    print(
        f"length scaling: keras-seq beam 4 time 20/10 = {summary['20/10']:.2f}, "
        f"40/20 = {summary['40/20']:.2f} (linear: 2)"
    )
    return summary


if __name__ == "__main__":
    main()
