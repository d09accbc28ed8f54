"""The `keras-seq` command.

Each subcommand lives in its own module and exposes `add_parser(subparsers)`, which
registers its arguments and sets `func` to the function that runs it. Those modules
import Keras, TensorFlow and the rest of keras_seq only inside that function, so
`keras-seq --help` and `keras-seq bleu` start in a fraction of a second.
"""

import argparse
import os

from keras_seq.cli import bleu, demo, train, translate
from keras_seq.version import __version__

SUBCOMMANDS = (demo, train, translate, bleu)


def build_parser():
    """Returns `(parser, subparsers)` with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="keras-seq",
        description="keras-seq: recurrent sequence models for Keras 3.",
    )
    parser.add_argument("--version", action="version", version=f"keras-seq {__version__}")
    subparsers = parser.add_subparsers(title="subcommands", dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser, subparsers


def main(argv=None):
    """Runs the `keras-seq` command.

    Args:
        argv: list of str or None. The arguments after the program name; `None` reads
            `sys.argv[1:]`.

    Returns:
        int. The exit status: 0 on success.
    """
    # TensorFlow's C++ side logs INFO lines (oneDNN, CPU features) on import and, where
    # CUDA is installed without a GPU, an ERROR line ("failed call to cuInit") on first
    # use; level 3 hides them all. Failures that matter reach the user as exceptions.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser, subparsers = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print(f"keras-seq {__version__}")
        print("subcommands: " + ", ".join(sorted(subparsers.choices)))
        print("run `keras-seq COMMAND --help` for a subcommand's options")
        return 0
    return args.func(args) or 0
