"""Times keras_seq.metrics.corpus_bleu against sacrebleu and nltk on real French text.

Usage: python benchmarks/bleu.py [--size 10000] [--repeats 7] [--seed 0]

References are `--size` French sentences spread evenly over
`$KERAS_SEQ_DATA/anki-fra-eng/fra.txt.gz` (default data folder: `<repo>/../shared/data`);
hypotheses perturb them with a seeded random generator (dropped, swapped, substituted and
repeated words). Each implementation scores the same corpus `--repeats` times in this
process and the median wall time is reported as sentences per second.

- keras-seq and sacrebleu take the raw strings and tokenize them with 13a.
- nltk has no tokenizer: it gets whitespace-split token lists made before timing, and is
  compared with keras-seq given the same token lists.
"""

import argparse
import gzip
import os
import pathlib
import random
import statistics
import sys
import time

import sacrebleu
from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

from keras_seq.metrics import corpus_bleu

REPO = pathlib.Path(__file__).resolve().parents[1]


def load_french(size):
    folder = pathlib.Path(os.environ.get("KERAS_SEQ_DATA") or REPO.parent / "shared" / "data")
    path = folder / "anki-fra-eng" / "fra.txt.gz"
    if not path.is_file():
        sys.exit(f"{path} not found: set KERAS_SEQ_DATA to the folder holding anki-fra-eng/")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        french = [line.rstrip("\n").split("\t")[1] for line in f]
    step = max(1, len(french) // size)  # the file is sorted by length: spread the sample
    return french[::step][:size]


def perturb(sentence, rng):
    words = sentence.split()
    out = []
    for word in words:
        r = rng.random()
        if r < 0.08:
            continue  # drop
        if r < 0.16:
            out.append(rng.choice(words))  # substitute
        elif r < 0.2:
            out.extend([word, word])  # repeat
        else:
            out.append(word)
    if len(out) > 2 and rng.random() < 0.4:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]  # swap
    return " ".join(out)


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    references = load_french(args.size)
    rng = random.Random(args.seed)
    hypotheses = [perturb(r, rng) for r in references]
    hyp_tokens = [h.split() for h in hypotheses]
    ref_tokens = [[r.split()] for r in references]
    n = len(hypotheses)

    runs = {
        "keras-seq corpus_bleu (13a)": lambda: corpus_bleu(hypotheses, references).score,
        "sacrebleu.corpus_bleu (13a)": lambda: (
            sacrebleu.corpus_bleu(hypotheses, [references]).score
        ),
        "keras-seq corpus_bleu (tokens)": lambda: (
            corpus_bleu(hyp_tokens, ref_tokens, smooth="none").score
        ),
        "nltk corpus_bleu (tokens)": lambda: 100 * nltk_corpus_bleu(ref_tokens, hyp_tokens),
    }
    print(
        f"{n} French sentence pairs, median of {args.repeats} runs, Python {sys.version.split()[0]}"
    )
    speeds = {}
    for name, function in runs.items():
        seconds, score = median_seconds(function, args.repeats)
        speeds[name] = n / seconds
        rate = f"{n / seconds:12,.0f} sentences/s"
        print(f"{name:32s} {seconds * 1000:9.1f} ms {rate}  BLEU {score:.4f}")
    ours = speeds["keras-seq corpus_bleu (13a)"]
    print(f"speed ratio keras-seq / sacrebleu: {ours / speeds['sacrebleu.corpus_bleu (13a)']:.2f}")
    # nltk's score differs: it counts at least one n-gram per sentence and order (see
    # corpus_bleu's docstring), and replaces zero precisions by a tiny float.
    tokens = speeds["keras-seq corpus_bleu (tokens)"]
    print(
        f"speed ratio keras-seq / nltk (tokens): {tokens / speeds['nltk corpus_bleu (tokens)']:.2f}"
    )


if __name__ == "__main__":
    main()
