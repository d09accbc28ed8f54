"""The `keras-seq` command.

Each subcommand lives in its own module and exposes `add_parser(subparsers)`, which
registers its arguments and sets `func` to the function that runs it.
"""

import argparse
import importlib
import sys

from keras_seq.version import __version__

SUBCOMMAND_MODULES = (
    "keras_seq.demo_command",
    "keras_seq.train_command",
    "keras_seq.translate_command",
    "keras_seq.bleu_command",
)


def build_parser():
    """Returns `(parser, subparsers)` with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="keras-seq",
        description="keras-seq: recurrent sequence models for Keras 3.",
    )
    parser.add_argument("--version", action="version", version=f"keras-seq {__version__}")
    subparsers = parser.add_subparsers(title="subcommands", dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser, subparsers


def main(argv=None):
    parser, subparsers = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print(f"keras-seq {__version__}")
        print("subcommands: " + ", ".join(sorted(subparsers.choices)))
        print("run `keras-seq COMMAND --help` for a subcommand's options")
        return 0
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
