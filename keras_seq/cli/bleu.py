"""`keras-seq bleu HYP_FILE REF_FILE [REF_FILE ...]`: corpus BLEU of a text file.

Like `sacrebleu REF_FILE ... < HYP_FILE`: one sentence per line, line `i` of every
reference file is a reference for line `i` of the hypothesis file. Prints sacrebleu's
score line with the signature, or a JSON object with `--json`.
"""

import dataclasses
import gzip
import json
import sys

# Kept equal to keras_seq.metrics' names (a test checks); importing them here would load
# keras_seq.metrics for every command, `--help` included.
TOKENIZE_CHOICES = ("13a", "intl", "char", "none")
SMOOTH_CHOICES = ("exp", "floor", "add-k", "none")


def add_parser(subparsers):
    """Registers the `bleu` subcommand on an `argparse` subparsers object.

    Args:
        subparsers: argparse._SubParsersAction. What `add_subparsers()` returned.

    Returns:
        The `argparse.ArgumentParser` of the subcommand, with `func` set to `run`.

    Example:

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="keras-seq")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["bleu", "hyp.txt", "ref.txt", "--tokenize", "intl"])
    >>> args.hypotheses, args.references, args.tokenize
    ('hyp.txt', ['ref.txt'], 'intl')

    References:
        - [sacrebleu's command line](https://github.com/mjpost/sacrebleu#usage)
    """
    parser = subparsers.add_parser(
        "bleu",
        help="corpus BLEU of a hypothesis file against reference files (like sacrebleu)",
        description=(
            "Corpus BLEU with sacrebleu's semantics: one sentence per line; line i of "
            "each REF_FILE is a reference for line i of HYP_FILE. Files may be gzipped "
            "(.gz); HYP_FILE '-' reads standard input."
        ),
    )
    parser.add_argument("hypotheses", metavar="HYP_FILE", help="system output, one per line")
    parser.add_argument(
        "references", metavar="REF_FILE", nargs="+", help="reference file(s), one per line"
    )
    parser.add_argument(
        "--tokenize",
        "-tok",
        choices=TOKENIZE_CHOICES,
        default="13a",
        help="tokenizer (default: %(default)s)",
    )
    parser.add_argument("--lowercase", "-lc", action="store_true", help="lowercase first")
    parser.add_argument(
        "--smooth",
        "-s",
        choices=SMOOTH_CHOICES,
        default="exp",
        help="smoothing method (default: %(default)s)",
    )
    parser.add_argument(
        "--smooth-value",
        type=float,
        default=None,
        help="value for 'floor' (default 0.1) or 'add-k' (default 1)",
    )
    parser.add_argument(
        "--max-order", type=int, default=4, help="largest n-gram order (default: %(default)s)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Runs `keras-seq bleu` for parsed arguments.

    Args:
        args: argparse.Namespace. Parsed by the parser `add_parser` registered.

    Returns:
        int. 0 on success, 2 on bad input (message on standard error).

    Example:

    >>> import argparse, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> for name in ("hyp.txt", "ref.txt"):
    ...     with open(os.path.join(folder, name), "w") as f:
    ...         _ = f.write("the cat sat on the mat\\n")
    >>> args = argparse.Namespace(hypotheses=os.path.join(folder, "hyp.txt"),
    ...     references=[os.path.join(folder, "ref.txt")], tokenize="13a", lowercase=False,
    ...     smooth="exp", smooth_value=None, max_order=4, json=False)
    >>> run(args)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:... = 100.00
    100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)
    0

    References:
        - [sacrebleu's command line](https://github.com/mjpost/sacrebleu#usage)
    """
    from keras_seq.metrics import corpus_bleu

    try:
        hypotheses = _read_lines(args.hypotheses)
        reference_files = [_read_lines(path) for path in args.references]
    except (OSError, UnicodeDecodeError) as error:
        return _fail(str(error))
    for path, lines in zip(args.references, reference_files, strict=True):
        if len(lines) != len(hypotheses):
            return _fail(
                f"{args.hypotheses} has {len(hypotheses)} lines but {path} has {len(lines)}; "
                "every reference file needs one line per hypothesis"
            )
    references = [list(refs) for refs in zip(*reference_files, strict=True)]
    try:
        score = corpus_bleu(
            hypotheses,
            references,
            max_order=args.max_order,
            smooth=args.smooth,
            smooth_value=args.smooth_value,
            tokenize=args.tokenize,
            lowercase=args.lowercase,
        )
    except (ValueError, TypeError) as error:
        return _fail(str(error))
    if args.json:
        print(json.dumps({"name": "BLEU", **dataclasses.asdict(score)}, ensure_ascii=False))
    else:
        print(score)
    return 0


def _read_lines(path):
    if path == "-":
        return [line.rstrip("\n") for line in sys.stdin]
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="\n") as f:
            return [line.rstrip("\n") for line in f]
    except UnicodeDecodeError as error:
        raise UnicodeDecodeError(
            error.encoding, error.object, error.start, error.end, f"{error.reason} in {path}"
        ) from error


def _fail(message):
    print(f"keras-seq bleu: error: {message}", file=sys.stderr)
    return 2
