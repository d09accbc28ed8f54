"""Date normalisation ("3rd of March, 2021" -> "2021-03-03"): the demo's task, standalone.

A Seq2Seq with Luong attention reads human-written dates in eight locales (generated
with babel, no download) character by character and writes ISO 8601. Prints greedy vs
beam-4 exact match and character BLEU on held-out dates, exports a string-to-string
SavedModel, serves it and plots attention.

    python applications/dates.py --epochs 4 --output dates-run
    python applications/dates.py --data my_dates.tsv   # your own human<TAB>iso pairs
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402

from keras_seq import demo  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--examples", type=int, default=20000, help="dates to generate")
    parser.add_argument(
        "--data", default=None, help="a local file of human<TAB>ISO pairs to use instead"
    )
    parser.add_argument("--output", default="dates-run")
    parser.add_argument("--text", action="append", default=[], help="a date to normalise")
    parser.add_argument("--quick", action="store_true", help="2,000 dates, 1 epoch")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    epochs, examples = (1, 2000) if args.quick else (args.epochs, args.examples)
    return demo.run(
        output=args.output,
        epochs=epochs,
        num_examples=examples,
        batch_size=args.batch_size,
        texts=args.text,
        pairs_file=args.data,
        scope=_common.model_scope(),
    )


if __name__ == "__main__":
    main()
