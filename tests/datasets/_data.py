"""Where the real corpora are for the loader tests, and how to point the loaders at them.

The data folder is `$KERAS_SEQ_DATA`, else `<repo>/../shared/data` when it exists; tests
that need it are skipped, with a message saying where to put the files, when neither is
there.
"""

import os
import pathlib
import shutil

import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]


def data_dir():
    """Returns the data folder, or skips the calling test saying where to put the files."""
    configured = os.environ.get("KERAS_SEQ_DATA")
    path = pathlib.Path(configured) if configured else _REPO.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(
            reason=(
                f"no data folder at {path}: set KERAS_SEQ_DATA to a folder laid out like "
                "../shared/data (anki-fra-eng/fra.txt.gz, ud-english-ewt/, rt-polarity/, ...)"
            )
        )
    return path


def use_data(monkeypatch, folder):
    """Points KERAS_SEQ_DATA at the data folder (skipping without `folder` in it)."""
    root = data_dir()
    if not (root / folder).is_dir():
        pytest.skip(reason=f"{root / folder} not found: put the {folder} files there")
    monkeypatch.setenv("KERAS_SEQ_DATA", str(root))
    return root


def copy_folder(monkeypatch, tmp_path, folder):
    """Copies a corpus folder into `tmp_path` (laid out the same) and points the loaders there.

    Returns the copy of the folder, whose files the test may then change.
    """
    source = use_data(monkeypatch, folder)
    target = tmp_path / "data" / folder
    shutil.copytree(source / folder, target)
    for path in target.iterdir():
        path.chmod(0o644)
    monkeypatch.setenv("KERAS_SEQ_DATA", str(tmp_path / "data"))
    return target


def forbid_downloads(monkeypatch, message="URL fetch failure: [Errno -3] name resolution"):
    """Makes `keras.utils.get_file` fail like it does offline; returns the calls it got."""
    import keras

    calls = []

    def offline_get_file(*args, **kwargs):
        calls.append(kwargs)
        raise Exception(message)

    monkeypatch.setattr(keras.utils, "get_file", offline_get_file)
    return calls
