"""Running `keras-seq` in a fresh Python process, as a user's shell does."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def keras_seq_command(*args, python_options=(), cwd=ROOT, env=None):
    """Runs `python -m keras_seq.cli ARGS...` on this checkout and returns the result.

    Args:
        *args: str. The command's arguments.
        python_options: tuple of str. Interpreter options, e.g. `("-X", "importtime")`.
        cwd: path-like. The working directory. Defaults to the checkout's root.
        env: dict or None. Variables to set on top of this process's environment; a
            `None` value removes the variable.

    Returns:
        subprocess.CompletedProcess with text `stdout` and `stderr`.
    """
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, *python_options, "-m", "keras_seq.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
    )


def imported_modules(importtime_stderr):
    """Returns the module names that `-X importtime` reported on stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
