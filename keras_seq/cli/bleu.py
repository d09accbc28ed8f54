"""`keras-seq bleu HYP_FILE REF_FILE [REF_FILE ...]`: corpus BLEU and chrF of a text file.

Like `sacrebleu REF_FILE ... < HYP_FILE`: one sentence per line, line `i` of every
reference file is a reference for line `i` of the hypothesis file. Prints sacrebleu's
score line with the signature for each of `--metrics`, or a JSON object per line with
`--json`. `--confidence` adds bootstrap confidence intervals and `--paired-bs FILE`
compares a second system with the first, with sacrebleu's resampling and seed.
"""

import dataclasses
import gzip
import json
import sys

# Kept equal to keras_seq.metrics' names (a test checks); importing them here would load
# keras_seq.metrics for every command, `--help` included.
TOKENIZE_CHOICES = ("13a", "intl", "char", "none")
SMOOTH_CHOICES = ("exp", "floor", "add-k", "none")
METRIC_CHOICES = ("bleu", "chrf")


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
    parser.add_argument(
        "--metrics",
        "-m",
        nargs="+",
        choices=METRIC_CHOICES,
        default=["bleu"],
        help="metrics to compute (default: bleu)",
    )
    chrf = parser.add_argument_group("chrF options (as sacrebleu's)")
    chrf.add_argument(
        "--chrf-char-order", "-cc", type=int, default=6, help="character order (default: 6)"
    )
    chrf.add_argument(
        "--chrf-word-order",
        "-cw",
        type=int,
        default=0,
        help="word order, 2 for chrF++ (default: 0)",
    )
    chrf.add_argument("--chrf-beta", type=int, default=2, help="recall weight (default: 2)")
    chrf.add_argument("--chrf-whitespace", action="store_true", help="keep whitespace")
    chrf.add_argument("--chrf-lowercase", action="store_true", help="lowercase first")
    chrf.add_argument(
        "--chrf-eps-smoothing", action="store_true", help="epsilon smoothing of chrF++.py"
    )
    tests = parser.add_argument_group("confidence intervals and paired bootstrap")
    tests.add_argument(
        "--confidence", "-ci", action="store_true", help="bootstrap 95%% confidence interval"
    )
    tests.add_argument(
        "--confidence-n",
        "-cin",
        type=int,
        default=1000,
        help="resamples for --confidence (default: %(default)s)",
    )
    tests.add_argument(
        "--paired-bs",
        "-pbs",
        metavar="SYSTEM_FILE",
        help="paired bootstrap test of SYSTEM_FILE against HYP_FILE (the baseline)",
    )
    tests.add_argument(
        "--paired-bs-n",
        "-pbsn",
        type=int,
        default=1000,
        help="resamples for --paired-bs (default: %(default)s)",
    )
    tests.add_argument(
        "--seed",
        type=int,
        default=12345,
        help="seed of the resampling (default: %(default)s, sacrebleu's)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object per metric")
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
    >>> parser = argparse.ArgumentParser(prog="keras-seq")
    >>> _ = add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["bleu", os.path.join(folder, "hyp.txt"),
    ...     os.path.join(folder, "ref.txt"), "--metrics", "bleu", "chrf"])
    >>> run(args)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:... = 100.00
    100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)
    chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:... = 100.00
    0

    References:
        - [sacrebleu's command line](https://github.com/mjpost/sacrebleu#usage)
    """
    from keras_seq.metrics import confidence_interval, corpus_bleu, corpus_chrf, paired_bootstrap

    try:
        hypotheses = _read_lines(args.hypotheses)
        reference_files = [_read_lines(path) for path in args.references]
        system = None if args.paired_bs is None else _read_lines(args.paired_bs)
    except (OSError, UnicodeDecodeError) as error:
        return _fail(str(error))
    others = list(zip(args.references, reference_files, strict=True))
    if system is not None:
        others.append((args.paired_bs, system))
    for path, lines in others:
        if len(lines) != len(hypotheses):
            return _fail(
                f"{args.hypotheses} has {len(hypotheses)} lines but {path} has {len(lines)}; "
                "every reference file (and the --paired-bs system) needs one line per hypothesis"
            )
    references = [list(refs) for refs in zip(*reference_files, strict=True)]
    options = {
        "bleu": {
            "max_order": args.max_order,
            "smooth": args.smooth,
            "smooth_value": args.smooth_value,
            "tokenize": args.tokenize,
            "lowercase": args.lowercase,
        },
        "chrf": {
            "char_order": args.chrf_char_order,
            "word_order": args.chrf_word_order,
            "beta": args.chrf_beta,
            "lowercase": args.chrf_lowercase,
            "whitespace": args.chrf_whitespace,
            "eps_smoothing": args.chrf_eps_smoothing,
        },
    }
    corpus_functions = {"bleu": corpus_bleu, "chrf": corpus_chrf}
    lines = []
    try:
        for metric in dict.fromkeys(args.metrics):  # in the given order, once each
            if system is not None:
                result = paired_bootstrap(
                    hypotheses,
                    system,
                    references,
                    metric=metric,
                    n_samples=args.paired_bs_n,
                    seed=args.seed,
                    **options[metric],
                )
                lines.append(_paired_output(result, args))
            elif args.confidence:
                result = confidence_interval(
                    hypotheses,
                    references,
                    metric=metric,
                    n_samples=args.confidence_n,
                    seed=args.seed,
                    **options[metric],
                )
                lines.append(_json(result.to_dict()) if args.json else str(result))
            else:
                score = corpus_functions[metric](hypotheses, references, **options[metric])
                lines.append(
                    _json({"name": score.name, **dataclasses.asdict(score)})
                    if args.json
                    else str(score)
                )
    except (ValueError, TypeError) as error:
        return _fail(str(error))
    print("\n".join(lines))
    return 0


def _paired_output(result, args):
    """The paired test's JSON object, or its text: the signature, then one line each."""
    if args.json:
        return _json(
            {
                "name": result.system.score.name,
                "baseline": {"file": args.hypotheses, **result.baseline.to_dict()},
                "system": {"file": args.paired_bs, **result.system.to_dict()},
            }
        )
    width = max(len(args.hypotheses), len(args.paired_bs))
    header = str(result.baseline).partition(" = ")[0]
    rows = [f"{header} (paired bootstrap)"]
    for role, path, side in (
        ("baseline", args.hypotheses, result.baseline),
        ("system", args.paired_bs, result.system),
    ):
        interval = f"(μ = {side.mean:.2f} ± {side.ci:.2f})"
        line = f"  {role:8s} {path:{width}s} {side.score.score:6.2f} {interval}"
        if side.p_value is not None:
            significant = "*" if side.p_value < 0.05 else ""
            line += f" (p = {side.p_value:.4f}){significant}"
        rows.append(line)
    return "\n".join(rows)


def _json(data):
    return json.dumps(data, ensure_ascii=False)


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
