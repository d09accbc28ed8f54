"""`keras-seq train APP [ARGS...]`: run one of the programs of the source repository's
applications/ folder.

The applications are example programs, not part of the installed package: they ship in
the source repository, so the command runs them from a checkout. The folder is
`--applications DIR`, else the `KERAS_SEQ_APPLICATIONS` environment variable, else
`applications/` in the current directory (the root of a checkout).

`--strategy` and `--mixed-precision` (before or after APP) create a `tf.distribute`
strategy and set a Keras mixed precision policy for the run. The applications build and
compile their models inside `strategy_scope()` (through `applications/_common.py`), so
the models are distributed; their evaluation, decoding and export run outside it, as
Keras expects of a model created under a strategy.
"""

import argparse
import contextlib
import json
import os
import pathlib
import runpy
import sys

ENVIRONMENT_VARIABLE = "KERAS_SEQ_APPLICATIONS"
STRATEGIES = ("mirrored", "multiworker")
POLICIES = ("mixed_float16", "mixed_bfloat16")

# The strategy of the application being run, set by `run` for its duration.
_strategy = None


def strategy_scope():
    """The scope an application builds and compiles its models in.

    Returns:
        The scope of the strategy that `keras-seq train --strategy` created for the
        application being run, else a context manager that does nothing.
    """
    return _strategy.scope() if _strategy is not None else contextlib.nullcontext()


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


def _add_run_options(parser):
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help="run the application inside this tf.distribute strategy's scope: mirrored "
        "(MirroredStrategy, every local GPU, else the CPU) or multiworker "
        "(MultiWorkerMirroredStrategy; the cluster comes from the TF_CONFIG environment "
        "variable). Batch sizes stay global: each replica gets batch_size / replicas",
    )
    parser.add_argument(
        "--mixed-precision",
        choices=POLICIES,
        help="the Keras global dtype policy while the application runs: variables in "
        "float32, computation in float16 (with loss scaling) or bfloat16",
    )


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="run an application of the source repository (translation, dates, ...)",
        description="Runs APP.py of the source repository's applications/ folder with the "
        "remaining arguments, e.g. `keras-seq train translation --quick` from the root of "
        "a checkout. The applications are not installed with the package. Folder: "
        f"--applications DIR (before APP), else ${ENVIRONMENT_VARIABLE}, else ./applications. "
        "--strategy and --mixed-precision may come before or after APP.",
    )
    parser.add_argument("app", help="application name, e.g. translation, dates")
    parser.add_argument(
        "--applications",
        metavar="DIR",
        help=f"the applications folder (default: ${ENVIRONMENT_VARIABLE}, else ./applications)",
    )
    _add_run_options(parser)
    parser.add_argument("app_args", nargs="...", help="arguments passed to the application")
    parser.set_defaults(func=run)


def run_options(args):
    """Returns `(strategy, policy, app_args)`: the run options given before APP, or
    taken out of the application's arguments after it.

    Args:
        args: argparse.Namespace of the `train` subcommand.

    Raises:
        SystemExit: (status 2, argparse's usage error) for a bad or repeated option.
    """
    parser = argparse.ArgumentParser(prog="keras-seq train", add_help=False, allow_abbrev=False)
    _add_run_options(parser)
    later, app_args = parser.parse_known_args(args.app_args)
    options = {}
    for name in ("strategy", "mixed_precision"):
        before, after = getattr(args, name), getattr(later, name)
        if before is not None and after is not None and before != after:
            flag = "--" + name.replace("_", "-")
            parser.error(f"argument {flag}: given twice, as {before!r} and {after!r}")
        options[name] = before if before is not None else after
    return options["strategy"], options["mixed_precision"], app_args


def check_tf_config(strategy_name):
    """Raises a one-line error when `--strategy multiworker` would read a `TF_CONFIG`
    that is not JSON (checked before TensorFlow loads)."""
    tf_config = os.environ.get("TF_CONFIG")
    if strategy_name != "multiworker" or not tf_config:
        return
    try:
        json.loads(tf_config)
    except json.JSONDecodeError as e:
        raise SystemExit(
            "keras-seq train: --strategy multiworker reads the cluster from TF_CONFIG, "
            f"which is not JSON ({e}). Received: TF_CONFIG={tf_config!r}"
        ) from e


def create_strategy(name):
    """Returns the `tf.distribute` strategy named by `--strategy` (None: no strategy).

    `"multiworker"` reads its cluster from `TF_CONFIG`; without it, the process is a
    cluster of one worker. Called before the application runs any TensorFlow op, as
    `MultiWorkerMirroredStrategy` requires.
    """
    import tensorflow as tf

    if name is None:
        return None
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MultiWorkerMirroredStrategy()


@contextlib.contextmanager
def global_policy(name):
    """Sets Keras's global dtype policy to `name` (None: unchanged) while inside."""
    import keras

    if name is None:
        yield
        return
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def run(args):
    strategy_name, policy, app_args = run_options(args)
    check_tf_config(strategy_name)
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

    global _strategy

    import_tensorflow()
    strategy = create_strategy(strategy_name)
    # An application expects `import keras_seq` to have loaded the whole library (and
    # registered its classes for `load_model`), which the command skipped.
    keras_seq._import_submodules()
    path = folder / f"{args.app}.py"
    saved_argv = sys.argv
    sys.argv = [str(path), *app_args]
    _strategy = strategy
    try:
        with global_policy(policy):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved_argv
        _strategy = None
