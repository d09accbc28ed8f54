"""`keras-seq train APP [ARGS...]`: run one of the programs in the repository's applications/."""

import pathlib
import runpy
import sys

APPLICATIONS = pathlib.Path(__file__).resolve().parents[1] / "applications"


def available():
    if not APPLICATIONS.is_dir():
        return []
    return sorted(path.stem for path in APPLICATIONS.glob("*.py") if not path.stem.startswith("_"))


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="run an application from applications/ (translation, dates, ...)",
        description="Runs applications/APP.py with the remaining arguments, e.g. "
        "`keras-seq train translation --quick`.",
    )
    parser.add_argument("app", help="application name: " + (", ".join(available()) or "none"))
    parser.add_argument("app_args", nargs="...", help="arguments passed to the application")
    parser.set_defaults(func=run)


def run(args):
    if args.app not in available():
        raise SystemExit(
            f"keras-seq train: unknown application {args.app!r}; applications ship in the "
            f"source repository's applications/ folder ({APPLICATIONS}), which has: "
            + (", ".join(available()) or "nothing")
        )
    path = APPLICATIONS / f"{args.app}.py"
    sys.argv = [str(path), *args.app_args]
    runpy.run_path(str(path), run_name="__main__")
