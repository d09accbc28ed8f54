"""`keras-seq train APP [ARGS...]`: run one of the programs of the source repository's
applications/ folder.

The applications are example programs, not part of the installed package: they ship in
the source repository, so the command runs them from a checkout. The folder is
`--applications DIR`, else the `KERAS_SEQ_APPLICATIONS` environment variable, else
`applications/` in the current directory (the root of a checkout).
"""

import os
import pathlib
import runpy
import sys

ENVIRONMENT_VARIABLE = "KERAS_SEQ_APPLICATIONS"


def applications_folder(option):
    """Returns the applications folder: `option`, the environment variable, or ./applications.

    Args:
        option: str or None. The `--applications` argument.

    Returns:
        pathlib.Path. The folder, which may not exist.
    """
    return pathlib.Path(option or os.environ.get(ENVIRONMENT_VARIABLE) or "applications")


def available(folder):
    """Returns the sorted names of the applications in the folder `folder`."""
    return sorted(path.stem for path in folder.glob("*.py") if not path.stem.startswith("_"))


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="run an application of the source repository (translation, dates, ...)",
        description="Runs APP.py of the source repository's applications/ folder with the "
        "remaining arguments, e.g. `keras-seq train translation --quick` from the root of "
        "a checkout. The applications are not installed with the package. Folder: "
        f"--applications DIR (before APP), else ${ENVIRONMENT_VARIABLE}, else ./applications.",
    )
    parser.add_argument("app", help="application name, e.g. translation, dates")
    parser.add_argument(
        "--applications",
        metavar="DIR",
        help=f"the applications folder (default: ${ENVIRONMENT_VARIABLE}, else ./applications)",
    )
    parser.add_argument("app_args", nargs="...", help="arguments passed to the application")
    parser.set_defaults(func=run)


def run(args):
    folder = applications_folder(args.applications)
    if not folder.is_dir():
        raise SystemExit(
            f"keras-seq train: no applications folder at {str(folder)!r}; the applications "
            "ship in the keras-seq source repository, not in the installed package: run "
            "from the root of a checkout, or pass --applications DIR or set "
            f"{ENVIRONMENT_VARIABLE}"
        )
    names = available(folder)
    if args.app not in names:
        raise SystemExit(
            f"keras-seq train: unknown application {args.app!r}; {str(folder)!r} has: "
            + (", ".join(names) or "nothing")
        )
    import keras_seq
    from keras_seq.cli._tensorflow import import_tensorflow

    import_tensorflow()
    # An application expects `import keras_seq` to have loaded the whole library (and
    # registered its classes for `load_model`), which the command skipped.
    keras_seq._import_submodules()
    path = folder / f"{args.app}.py"
    saved_argv = sys.argv
    sys.argv = [str(path), *args.app_args]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved_argv
