"""Where a decoding step's time goes: keras-seq's beam and greedy searches against
KerasHub's `BeamSampler` and `GreedySampler`, phase by phase, under XLA, without
attention.

Usage: PYTHONPATH=. python benchmarks/decode_phases.py [--batch-size 32]
    [--vocab-size 8000] [--units 512] [--embedding-dim 256] [--max-length 30]
    [--repeats 5] [--no-xla] [--quick]

Every figure is the median wall time of one compiled function (`tf.function`,
`jit_compile=True` unless `--no-xla`) running `--max-length` steps, divided by the
number of steps, so it reads as time per decoding step. The functions take turns in
every round. Beam 4:

- `decoder step`: `RNNDecoder.step` (embedding, LSTM cell, output projection) on
  `batch x 4` rows in a `while_loop`, tokens fed back (argmax), no search;
- `output GEMM`: the output projection's product alone, `(batch x 4, units) @
  (units, vocab)`;
- `search only, keras-seq` / `search only, KerasHub`: `keras_seq.decoding.beam_search`
  and `BeamSampler` around a step that returns fixed logits (tiled once, not
  computed), so only the search's own work remains (log-softmax, top-k, buffers,
  gathers, reordering a small state);
- `full, keras-seq` / `full, KerasHub`: both around the real decoder step, as in
  `benchmarks/decode.py` (the encoder excluded here: the decoder starts from zeros);
- keras-seq's search split further into its per-step operations, each alone in a
  loop on tensors of the real shapes: the log-softmax (with the min-length mask), the
  first `top_k` (`2 x 4` of `4 x vocab` per input, through block maxima as the
  search does it), and the rest of `grow` (the second and third `top_k`, the
  concatenations, the gathers of whole `(batch, beams, max_length)` sequences, the
  column write).

Greedy: the decoder step on `batch` rows, and both searches around it. `KerasHub full
/ decoder step` is the most keras-seq could gain over KerasHub with a search that
cost nothing, since both call the same step.

No end token is reachable (`min_length = max_length - 1`), so every search runs all
`max_length` steps.
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import tensorflow as tf  # noqa: E402
from _harness import decoding_parser, quick_sizes  # noqa: E402
from keras import ops, tree  # noqa: E402

import keras_seq  # noqa: E402
from keras_seq.decoding import _selection as selection  # noqa: E402
from keras_seq.decoding import beam as beam_lib  # noqa: E402
from keras_seq.decoding import scoring  # noqa: E402

BEAM_WIDTH = 4
START_ID, END_ID = 1, 2


def parse_args():
    parser = decoding_parser(__doc__.split("\n")[0])
    parser.add_argument("--no-xla", action="store_true")
    return quick_sizes(parser.parse_args())


def median_seconds(functions, repeats):
    """Median wall time of each function over `repeats` rounds in which they take turns
    (after one compiling call each), so that the machine's load hits all alike."""

    def call(function):
        keras.ops.convert_to_numpy(tree.flatten(function())[0])

    for function in functions.values():
        call(function)
    seconds = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            call(function)
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main():
    args = parse_args()
    keras.utils.set_random_seed(0)
    xla = not args.no_xla
    batch, length, vocab = args.batch_size, args.max_length, args.vocab_size
    rows = batch * BEAM_WIDTH
    min_length = length - 1
    decoder = keras_seq.layers.RNNDecoder(vocab, args.embedding_dim, args.units)
    decoder.build((None, None))
    compile_ = lambda f: tf.function(f, jit_compile=xla)  # noqa: E731

    def zero_state(n):
        state, _ = decoder.start(n)
        return state

    fixed_logits = tf.random.normal((batch, vocab))
    kernel = tf.random.normal((args.units, vocab))
    hidden = tf.random.normal((rows, args.units))

    def decoder_loop(n):
        def run():
            def body(i, tokens, state):
                logits, state = decoder.step(tokens, state)
                next_tokens = ops.cast(ops.argmax(logits, axis=-1), "int32")
                return i + 1, next_tokens, state

            start = (0, ops.full((n,), 5, "int32"), zero_state(n))
            return ops.while_loop(lambda i, *_: i < length, body, start)[1]

        return run

    def gemm_loop():
        def body(i, total):
            product = ops.matmul(hidden * (1.0 + 1e-12 * total), kernel)
            return i + 1, total + product[0, 0]

        return ops.while_loop(lambda i, _: i < length, body, (0, 0.0))[1]

    # keras-seq's search: real decoder or fixed logits (a constant, tiled once).
    def keras_seq_full(strategy):
        return lambda: (
            strategy(
                lambda t, s: decoder.step(t, s),
                zero_state(batch),
                start_id=START_ID,
                end_id=END_ID,
                max_length=length,
            ).ids
        )

    def keras_seq_search_only():
        return beam_lib.beam_search(
            lambda t, s, c: (c["logits"], s),
            {"h": ops.zeros((batch, 1))},
            start_id=START_ID,
            end_id=END_ID,
            beam_width=BEAM_WIDTH,
            max_length=length,
            min_length=min_length,
            constants={"logits": fixed_logits},
        )[0]

    banned = ops.convert_to_tensor([[i in (0, START_ID) for i in range(vocab)]])
    is_end = ops.convert_to_tensor([i == END_ID for i in range(vocab)])

    def hub_logits(logits, index):
        logits = ops.where(banned, -1e9, logits)
        forbid = ops.logical_and(is_end, ops.less(index - 1, min_length))
        return ops.where(forbid[None, :], float("-inf"), logits)

    def hub_search(step, sampler):
        prompt = ops.concatenate(
            [ops.full((batch, 1), START_ID, "int32"), ops.zeros((batch, length), "int32")], 1
        )
        return sampler(step, prompt, cache=step.cache, index=1, stop_token_ids=None)

    def keras_hub_full(make_sampler):
        def step(prompt, cache, index):
            logits, state = decoder.step(prompt[:, index - 1], {"rnn": cache["rnn"]})
            rnn = tree.pack_sequence_as(cache["rnn"], tree.flatten(state["rnn"]))
            return hub_logits(logits, index), None, {"rnn": rnn}

        step.cache = {"rnn": zero_state(batch)["rnn"]}
        return lambda: hub_search(step, make_sampler())

    def keras_hub_search_only():
        tiled = ops.repeat(fixed_logits, BEAM_WIDTH, axis=0)

        def step(prompt, cache, index):
            return hub_logits(tiled[: ops.shape(prompt)[0]], index), None, cache

        step.cache = {"h": ops.zeros((batch, 1))}
        return hub_search(step, keras_hub.samplers.BeamSampler(num_beams=BEAM_WIDTH))

    # keras-seq's per-step operations, alone, on tensors of the real shapes. Each
    # loop carries a (batch, beams) tensor into the next call's input, as the search
    # carries its alive log-probabilities. (Not a scalar added to the whole input: XLA
    # on CPU fuses such a broadcast into top_k's sort and runs ~30x slower.)
    logits_in = tf.random.normal((batch, BEAM_WIDTH, vocab))

    def loop(op):
        def body(i, carried):
            return i + 1, op(i, carried)

        start = (1, ops.zeros((batch, BEAM_WIDTH)))
        return lambda: ops.while_loop(lambda i, _: i < length, body, start)[1]

    def log_softmax_op(i, carried):
        logits = ops.reshape(logits_in + carried[:, :, None], (rows, vocab))
        out = scoring.step_log_probs(logits, i, end_id=END_ID, min_length=min_length)
        return ops.reshape(out[:, :1], (batch, BEAM_WIDTH))

    def first_top_k_op(i, carried):
        candidates = ops.reshape(carried[:, :, None] + logits_in, (batch, BEAM_WIDTH * vocab))
        values, _ = selection.top_k(candidates, 2 * BEAM_WIDTH)
        return values[:, :BEAM_WIDTH]

    seqs = ops.zeros((batch, BEAM_WIDTH, length), "int32")
    top = tf.random.normal((batch, 2 * BEAM_WIDTH))
    indices = tf.random.uniform((batch, 2 * BEAM_WIDTH), 0, BEAM_WIDTH * vocab, "int32")

    def rest_of_grow_op(i, carried):
        top_log_probs = ops.concatenate([carried, carried], axis=1) + top
        parents, new_tokens = indices // vocab, indices % vocab
        top_seq = beam_lib.write_column(beam_lib.gather_rows(seqs, parents), i, new_tokens)
        ends = ops.equal(new_tokens, END_ID)
        neg_inf = ops.full_like(top_log_probs, scoring.NEG_INF)
        alive, selected = ops.top_k(ops.where(ends, neg_inf, top_log_probs), BEAM_WIDTH)
        new_scores = ops.where(ends, top_log_probs, neg_inf)
        all_scores = ops.concatenate([carried, new_scores], axis=1)
        all_seq = ops.concatenate([seqs, top_seq], axis=1)
        finished, finished_selected = ops.top_k(all_scores, BEAM_WIDTH)
        kept = beam_lib.gather_rows(top_seq, selected)
        kept_finished = beam_lib.gather_rows(all_seq, finished_selected)
        used = ops.cast(kept[:, :, 0] + kept_finished[:, :, 0], "float32")
        return alive + finished + 1e-12 * used

    beam = keras_seq.decoding.BeamSearch(BEAM_WIDTH, min_length=min_length)
    greedy = keras_seq.decoding.GreedySearch(min_length=min_length)
    phases = {
        "beam: decoder step": decoder_loop(rows),
        "beam: output GEMM": gemm_loop,
        "beam: search only, keras-seq": keras_seq_search_only,
        "beam: search only, KerasHub": keras_hub_search_only,
        "beam: full, keras-seq": keras_seq_full(beam),
        "beam: full, KerasHub": keras_hub_full(
            lambda: keras_hub.samplers.BeamSampler(num_beams=BEAM_WIDTH)
        ),
        "  keras-seq log-softmax": loop(log_softmax_op),
        "  keras-seq first top_k": loop(first_top_k_op),
        "  keras-seq rest of grow": loop(rest_of_grow_op),
        "greedy: decoder step": decoder_loop(batch),
        "greedy: full, keras-seq": keras_seq_full(greedy),
        "greedy: full, KerasHub": keras_hub_full(keras_hub.samplers.GreedySampler),
    }
    print(
        f"batch {batch} (beam {BEAM_WIDTH}: {rows} rows), vocab {vocab}, LSTM {args.units}, "
        f"no attention, max_length {length}, {'XLA' if xla else 'no XLA'}; median of "
        f"{args.repeats} rounds (the phases take turns), per step"
    )
    seconds = median_seconds({name: compile_(f) for name, f in phases.items()}, args.repeats)
    per_step = {name: value / length for name, value in seconds.items()}
    for name, value in per_step.items():
        print(f"{name:<32} {value * 1e3:8.3f} ms")
    gemm = per_step["beam: output GEMM"]
    print()
    for name in ("beam: full, keras-seq", "beam: full, KerasHub", "beam: decoder step"):
        print(f"{name} / output GEMM: {per_step[name] / gemm:.2f}")
    for search in ("beam", "greedy"):
        step = per_step[f"{search}: decoder step"]
        for library in ("keras-seq", "KerasHub"):
            overhead = per_step[f"{search}: full, {library}"] - step
            print(f"{search}, {library}: full - decoder step = {overhead * 1e3:.3f} ms per step")
        # A search that cost nothing would leave keras-seq with the decoder step alone.
        ceiling = per_step[f"{search}: full, KerasHub"] / step
        print(f"{search}: KerasHub full / decoder step = {ceiling:.2f} (keras-seq's ceiling)")


if __name__ == "__main__":
    main()
