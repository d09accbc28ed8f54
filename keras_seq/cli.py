"""The `keras-seq` command.

Each subcommand lives in its own module and exposes `add_parser(subparsers)`, which
registers its arguments and sets `func` to the function that runs it.
"""

import argparse
import sys

from keras_seq.version import __version__

# Modules named here are imported only when the command line is parsed, so that
# `keras-seq --version` does not pay for importing TensorFlow.
SUBCOMMAND_MODULES = ()


def build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-seq",
        description="keras-seq: recurrent sequence models for Keras 3.",
    )
    parser.add_argument("--version", action="version", version=f"keras-seq {__version__}")
    subparsers = parser.add_subparsers(title="subcommands", dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        module = __import__(module_name, fromlist=["add_parser"])
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print(f"keras-seq {__version__}")
        names = sorted(parser._subparsers._group_actions[0].choices)
        print("subcommands: " + (", ".join(names) if names else "(none yet)"))
        return 0
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
