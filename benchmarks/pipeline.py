"""Padding and throughput of keras_seq.data.seq2seq_dataset on the Anki English-French pairs.

Usage: python benchmarks/pipeline.py [--pairs N] [--batch-size 64] [--num-buckets 8]
                                     [--max-length 50] [--epochs 3] [--seed 0]
       python benchmarks/pipeline.py --streaming [--stream-pairs 2000000] [--shards 8]
                                     [--small-pairs 100000] [--batch-tokens 2048]
                                     [--fit-steps 20]

Loads `anki.load_data("fra")` from `$KERAS_SEQ_DATA` (default data folder:
`<repo>/../shared/data`), adapts a `WordTokenizer` per language on the training pairs and
builds two pipelines over them with the same batch size: length-bucketed (the default,
quantile boundaries) and pad-to-longest (`num_buckets=1`). For each it prints

- the padding fraction: pad tokens / all tokens of the batches of one epoch, source and
  target tensors together;
- examples per second: the median over `--epochs` full passes of iterating the dataset
  (shuffle, bucketing, padding, prefetch), after the one-off tokenization, whose time is
  printed separately.

`--streaming` measures file streaming instead, on generated corpora written to a
temporary folder (deleted afterwards, never committed): `--stream-pairs` pairs and
`--small-pairs` pairs, each in `--shards` `.gz` shards of `source<TAB>target` lines
(Zipf-distributed words over 9,000 types, 1 to 40 words a side). Vocabularies of 8,000
words are adapted from a 20,000-line sample of the files. Each epoch is iterated in a
fresh subprocess (so that its peak resident memory, `VmHWM`, is its own) with
`seq2seq_dataset(glob, ..., batch_size=64, max_length=50)`; it prints

- peak RSS over the big corpus against the small one (goal: under 1.5x for 20x data);
- pairs per second out of the pipeline, against the pairs per second `Seq2Seq.fit`
  consumes at vocab 8000, 512 units, batch size 64 (median of `--fit-steps` steps after
  a warm-up step, on this machine; goal: at least 5x);
- the padding share (pad tokens / all tokens of both tensors) with `batch_tokens`
  against a fixed `batch_size` on the small corpus, both length-bucketed, and with
  `batch_size` padded to the longest (`num_buckets=1`).
"""

import argparse
import gzip
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
from _harness import peak_rss_mib, run_child

REPO = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("KERAS_SEQ_DATA", str(REPO.parent / "shared" / "data"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_seq.data import WordTokenizer, seq2seq_dataset  # noqa: E402
from keras_seq.datasets import DataNotFoundError, anki  # noqa: E402


def padding_fraction(dataset):
    pads = total = 0
    for sources, targets in dataset:
        for part in (sources.numpy(), targets.numpy()):
            pads += int((part == 0).sum())
            total += part.size
    return pads / total


def throughput(dataset, num_examples, epochs):
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for _ in dataset:
            pass
        times.append(time.perf_counter() - start)
    return num_examples / statistics.median(times)


def write_corpus(folder, num_pairs, shards, seed):
    """Writes `num_pairs` generated pairs into `shards` gzipped `source<TAB>target` files."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(9000)])
    weights = 1.0 / np.arange(1, 9001)
    weights /= weights.sum()
    folder.mkdir(parents=True, exist_ok=True)
    per_shard = -(-num_pairs // shards)
    for shard in range(shards):
        count = min(per_shard, num_pairs - shard * per_shard)
        lengths = rng.integers(1, 41, size=(count, 2))
        lengths[:, 1] = np.clip(lengths[:, 0] + rng.integers(-3, 4, size=count), 1, 40)
        tokens = words[rng.choice(9000, size=int(lengths.sum()), p=weights)]
        ends = np.cumsum(lengths.ravel())
        sides = [" ".join(side) for side in np.split(tokens, ends[:-1])]
        text = "".join(f"{sides[2 * i]}\t{sides[2 * i + 1]}\n" for i in range(count))
        with gzip.open(folder / f"part-{shard:02d}.tsv.gz", "wt", compresslevel=1) as file:
            file.write(text)
    return str(folder / "part-*.tsv.gz")


def measure_epoch(args):
    """Child process: one epoch of the streaming pipeline; prints JSON figures."""
    from keras_seq.data import WordTokenizer

    vocabularies = json.loads(pathlib.Path(args.measure_vocabularies).read_text())
    source = WordTokenizer(vocabulary=vocabularies["source"])
    target = WordTokenizer(vocabulary=vocabularies["target"])
    sizing = {"batch_tokens": args.batch_tokens} if args.measure_tokens else {"batch_size": 64}
    dataset = seq2seq_dataset(
        args.measure, source, target, max_length=50, seed=0, num_buckets=args.num_buckets, **sizing
    )
    start = time.perf_counter()
    pairs = pads = total = 0
    for sources, targets in dataset:
        pairs += int(sources.shape[0])
        for part in (sources.numpy(), targets.numpy()):
            pads += int((part == 0).sum())
            total += part.size
    seconds = time.perf_counter() - start
    rss_mib = peak_rss_mib()
    print(
        json.dumps(
            {"pairs": pairs, "seconds": seconds, "rss_mib": rss_mib, "padding": pads / total}
        )
    )


def epoch_child(pattern, vocabularies, tokens=False, batch_tokens=2048, num_buckets=8):
    command = ["--measure", pattern, "--measure-vocabularies", vocabularies]
    command += ["--num-buckets", str(num_buckets)]
    if tokens:
        command += ["--measure-tokens", "--batch-tokens", str(batch_tokens)]
    return run_child(__file__, command)


def fit_pairs_per_second(pattern, source, target, steps):
    """Pairs per second `Seq2Seq.fit` consumes (vocab 8000, 512 units, batch 64)."""
    import keras

    from keras_seq.layers import RNNDecoder, RNNEncoder
    from keras_seq.models import Seq2Seq

    dataset = seq2seq_dataset(pattern, source, target, 64, max_length=50, seed=0)
    model = Seq2Seq(
        RNNEncoder(source.vocabulary_size, embedding_dim=256, units=512),
        RNNDecoder(target.vocabulary_size, embedding_dim=256, units=512),
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3))

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    times = []
    batches = list(dataset.take(steps + 1))  # the same batches, read before timing
    rows = [int(s.shape[0]) for s, _ in batches]
    data = tf_dataset_from(batches)
    model.fit(data, epochs=1, verbose=0, callbacks=[Timer()])
    return statistics.median(rows[1:]) / statistics.median(times[1:])


def tf_dataset_from(batches):
    import tensorflow as tf

    return tf.data.Dataset.from_generator(
        lambda: iter(batches),
        output_signature=(
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([None, None], tf.int32),
        ),
    )


def streaming(args):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="keras-seq-stream-"))
    try:
        start = time.perf_counter()
        big = write_corpus(folder / "big", args.stream_pairs, args.shards, seed=1)
        small = write_corpus(folder / "small", args.small_pairs, args.shards, seed=2)
        print(
            f"generated {args.stream_pairs:,} and {args.small_pairs:,} pairs in {args.shards} "
            f".gz shards each ({time.perf_counter() - start:.0f} s)"
        )
        source, target = WordTokenizer(max_tokens=8000), WordTokenizer(max_tokens=8000)
        start = time.perf_counter()
        source.adapt(files=big, column=0, sample_size=20_000)
        target.adapt(files=big, column=1, sample_size=20_000)
        print(
            f"vocabularies of {source.vocabulary_size} and {target.vocabulary_size} words "
            f"from a 20,000-line sample ({time.perf_counter() - start:.1f} s)"
        )
        vocabularies = folder / "vocabularies.json"
        vocabularies.write_text(
            json.dumps({"source": source.get_vocabulary(), "target": target.get_vocabulary()})
        )
        runs = {
            "big": epoch_child(big, str(vocabularies)),
            "small": epoch_child(small, str(vocabularies)),
            "small, batch_tokens": epoch_child(small, str(vocabularies), True, args.batch_tokens),
            "small, no buckets": epoch_child(small, str(vocabularies), num_buckets=1),
        }
        fit_speed = fit_pairs_per_second(small, source, target, args.fit_steps)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{'epoch':<22}{'pairs':>11}{'seconds':>9}{'pairs/s':>10}{'peak RSS':>11}{'padding':>9}")
    for label, run in runs.items():
        print(
            f"{label:<22}{run['pairs']:>11,}{run['seconds']:>9.1f}"
            f"{run['pairs'] / run['seconds']:>10,.0f}{run['rss_mib']:>8,.0f} MiB"
            f"{run['padding']:>9.2%}"
        )
    ratio = runs["big"]["rss_mib"] / runs["small"]["rss_mib"]
    speed = runs["big"]["pairs"] / runs["big"]["seconds"]
    print(
        f"peak RSS {ratio:.2f}x for {args.stream_pairs / args.small_pairs:.0f}x the data "
        "(goal < 1.5x)"
    )
    print(
        f"Seq2Seq.fit (vocab 8000, 512 units, batch 64) consumes {fit_speed:,.0f} pairs/s: "
        f"the pipeline is {speed / fit_speed:.1f}x that (goal >= 5x)"
    )
    print(
        f"padding: {runs['small']['padding']:.2%} with batch_size=64, "
        f"{runs['small, batch_tokens']['padding']:.2%} with batch_tokens={args.batch_tokens} "
        f"(both in 8 length buckets), {runs['small, no buckets']['padding']:.2%} with "
        "batch_size=64 padded to the longest"
    )
    return ratio, speed / fit_speed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streaming", action="store_true", help="the streaming section")
    parser.add_argument("--stream-pairs", type=int, default=2_000_000)
    parser.add_argument("--small-pairs", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--batch-tokens", type=int, default=2048)
    parser.add_argument("--fit-steps", type=int, default=20)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-vocabularies", help=argparse.SUPPRESS)
    parser.add_argument("--measure-tokens", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pairs", type=int, default=None, help="use only this many pairs")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-buckets", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.measure:
        return measure_epoch(args)
    if args.streaming:
        return streaming(args)

    try:
        train, _, _ = anki.load_data("fra", max_pairs=args.pairs, seed=args.seed)
    except DataNotFoundError as error:
        sys.exit(str(error))
    start = time.perf_counter()
    source, target = WordTokenizer(), WordTokenizer()
    source.adapt([english for english, _ in train])
    target.adapt([french for _, french in train])
    adapt_seconds = time.perf_counter() - start
    print(
        f"{len(train)} training pairs; vocabularies: {source.vocabulary_size} English, "
        f"{target.vocabulary_size} French words (adapt {adapt_seconds:.1f} s)"
    )

    rows = []
    for label, num_buckets in (("bucketed", args.num_buckets), ("pad-to-longest", 1)):
        start = time.perf_counter()
        dataset = seq2seq_dataset(
            train,
            source,
            target,
            args.batch_size,
            max_length=args.max_length,
            seed=args.seed,
            num_buckets=num_buckets,
        )
        build_seconds = time.perf_counter() - start
        fraction = padding_fraction(dataset)
        speed = throughput(dataset, dataset.num_examples, args.epochs)
        rows.append((label, fraction, speed, build_seconds, dataset.bucket_boundaries))
        dropped = dataset.num_dropped

    print(f"batch size {args.batch_size}, max_length {args.max_length} ({dropped} pairs dropped)")
    print(f"{'pipeline':<16}{'padding':>9}{'examples/s':>12}{'tokenize s':>12}  boundaries")
    for label, fraction, speed, build_seconds, boundaries in rows:
        print(f"{label:<16}{fraction:>9.1%}{speed:>12,.0f}{build_seconds:>12.1f}  {boundaries}")
    print(f"padding reduced {rows[1][1] / max(rows[0][1], 1e-9):.1f}x by bucketing")
    return np.array([row[1] for row in rows])


if __name__ == "__main__":
    main()
