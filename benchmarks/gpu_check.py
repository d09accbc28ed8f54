"""GPU check on Keras's JAX backend: Seq2Seq training and decoding throughput.

Usage: python benchmarks/gpu_check.py [--cpu] [--steps 50] [--batch-size 128]
    [--units 512] [--vocab-size 8000] [--max-length 30] [--output gpu_check.json]

Trains an untrained `Seq2Seq` (2 x `--units` LSTM encoder and decoder, Luong attention,
embeddings 256) on random token batches for `--steps` steps (after one compile step),
then decodes one batch with greedy search and with beam search (width 4), and reports
target tokens per second, sentences per second, which LSTM kernel Keras ran (the fused
cuDNN kernel of `jax.experimental.rnn`, or the `lax.scan` fallback, and why), and the
device; the figures also go to a JSON file. `--cpu` runs the same on the CPU (fewer
steps by default), for a machine without a GPU.

Wheels: keras (with its own requirements), numpy, regex, and `jax[cuda12]` (or `jax`
for `--cpu`); no TensorFlow. keras-seq comes from this checkout (`PYTHONPATH=.`, or
`pip install --no-deps .`: its declared requirements include TensorFlow, which the
models, training and decoding do not need on JAX).
"""

import argparse
import json
import os
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", action="store_true", help="run on the CPU")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--source-length", type=int, default=20)
    parser.add_argument("--max-length", type=int, default=30, help="target and decode length")
    parser.add_argument("--output", default="gpu_check.json")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = 3 if args.cpu else 50
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ["KERAS_BACKEND"] = "jax"
    if args.cpu:
        os.environ["JAX_PLATFORMS"] = "cpu"
    import jax
    import keras
    import numpy as np

    import keras_seq as ks

    device = jax.devices()[0]
    print(f"backend {keras.backend.backend()}, device {device.platform}: {device.device_kind}")
    kernels = count_lstm_kernels()
    keras.utils.set_random_seed(0)
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(args.vocab_size, 256, args.units, num_layers=2),
        ks.layers.RNNDecoder(args.vocab_size, 256, args.units, num_layers=2, attention="luong"),
        max_length=args.max_length,
    )
    model.compile(keras.optimizers.Adam(1e-3, global_clipnorm=5.0))
    rng = np.random.default_rng(0)
    shape = (args.batch_size * (args.steps + 1),)
    source = rng.integers(3, args.vocab_size, size=shape + (args.source_length,))
    target = rng.integers(3, args.vocab_size, size=shape + (args.max_length - 1,))

    first = slice(0, args.batch_size)
    model.fit(source[first], target[first], batch_size=args.batch_size, verbose=0)  # compiles
    rest = slice(args.batch_size, None)
    started = time.perf_counter()
    model.fit(source[rest], target[rest], batch_size=args.batch_size, verbose=0)
    train_s = time.perf_counter() - started
    target_tokens = args.steps * args.batch_size * args.max_length  # targets + end token

    results = {
        "backend": keras.backend.backend(),
        "device": f"{device.platform}: {device.device_kind}",
        "config": vars(args),
        "train_target_tokens_per_s": target_tokens / train_s,
        "lstm_kernels": dict(kernels),
    }
    batch = source[: args.batch_size]
    for name, strategy in (
        ("greedy", ks.decoding.GreedySearch(min_length=args.max_length - 1)),
        ("beam4", ks.decoding.BeamSearch(4, min_length=args.max_length - 1)),
    ):
        model.generate(batch, decoding=strategy)  # compiles
        times = []
        for _ in range(3):
            started = time.perf_counter()
            model.generate(batch, decoding=strategy)
            times.append(time.perf_counter() - started)
        results[f"{name}_sentences_per_s"] = args.batch_size / sorted(times)[1]
    for key, value in results.items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
    with open(args.output, "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
    print(f"wrote {args.output}")
    return results


def count_lstm_kernels():
    """Counts, per reason, which LSTM kernel Keras's JAX backend runs.

    Keras tries `keras.src.backend.jax.rnn.lstm` (the fused cuDNN kernel through
    `jax.experimental.rnn`) and falls back to its generic `lax.scan` loop when that
    raises `NotImplementedError` (no GPU, masked input, non-default activations). The
    wrapper records each outcome once per traced LSTM call; it is private Keras API, so
    only this script uses it.
    """
    import collections

    from keras.src.layers.rnn import lstm as lstm_layer

    counts = collections.Counter()
    fused = lstm_layer.backend.lstm  # on JAX: keras.src.backend.jax.rnn.lstm

    def recording(inputs, initial_state_h, initial_state_c, mask, *args, **kwargs):
        try:
            outputs = fused(inputs, initial_state_h, initial_state_c, mask, *args, **kwargs)
        except NotImplementedError:
            reason = "masked input" if mask is not None else "no GPU or unsupported settings"
            counts[f"scan fallback ({reason})"] += 1
            raise
        counts["cuDNN (jax.experimental.rnn)"] += 1
        return outputs

    lstm_layer.backend.lstm = recording
    return counts


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
