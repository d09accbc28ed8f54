"""Running Python and `keras-seq` in a fresh process, as a user's shell does."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_python(*argv, pythonpath=ROOT, cwd=ROOT, env=None, timeout=300):
    """Runs `python ARGV...` with `pythonpath` first on the import path.

    Args:
        *argv: str. The interpreter's arguments.
        pythonpath: path-like. Where `keras_seq` is imported from. Defaults to this
            checkout.
        cwd: path-like. The working directory. Defaults to this checkout.
        env: dict or None. Variables to set on top of this process's environment; a
            `None` value removes the variable.
        timeout: float. Seconds before the process is killed (and
            `subprocess.TimeoutExpired` raised). Defaults to `300`.

    Returns:
        subprocess.CompletedProcess with text `stdout` and `stderr`.
    """
    environment = {**os.environ, "PYTHONPATH": str(pythonpath)}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
    )


def keras_seq_command(*args, python_options=(), cwd=ROOT, env=None):
    """Runs `python [PYTHON_OPTIONS] -m keras_seq.cli ARGS...` on this checkout."""
    return run_python(*python_options, "-m", "keras_seq.cli", *args, cwd=cwd, env=env)


def imported_modules(importtime_stderr):
    """Returns the module names that `-X importtime` reported on stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
