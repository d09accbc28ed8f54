"""Padding and throughput of keras_seq.data.seq2seq_dataset on the Anki English-French pairs.

Usage: python benchmarks/pipeline.py [--pairs N] [--batch-size 64] [--num-buckets 8]
                                     [--max-length 50] [--epochs 3] [--seed 0]

Loads `anki.load_data("fra")` from `$KERAS_SEQ_DATA` (default data folder:
`<repo>/../shared/data`), adapts a `WordTokenizer` per language on the training pairs and
builds two pipelines over them with the same batch size: length-bucketed (the default,
quantile boundaries) and pad-to-longest (`num_buckets=1`). For each it prints

- the padding fraction: pad tokens / all tokens of the batches of one epoch, source and
  target tensors together;
- examples per second: the median over `--epochs` full passes of iterating the dataset
  (shuffle, bucketing, padding, prefetch), after the one-off tokenization, whose time is
  printed separately.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

import numpy as np

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=None, help="use only this many pairs")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-buckets", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

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
