"""Atomic writes: a file or folder appears whole at its path, or not at all."""

import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def atomic_path(path, directory=False):
    """Yields a temporary path beside `path`; on success renames it onto `path`.

    Write the file (or, with `directory=True`, the folder) at the yielded path. When
    the block ends normally it replaces `path` by `os.replace` (a folder already at
    `path` is moved aside first and removed after), so readers see the previous
    version or the new one, never a partial write. When the block raises, the
    temporary path is removed and `path` is left as it was. The temporary path keeps
    `path`'s extension, so writers that choose a format by it (Matplotlib, music21,
    Keras) still do.

    Args:
        path: str or path-like. The destination.
        directory: bool. Whether a folder is written. Defaults to `False`.

    Yields:
        str. The temporary path, in `path`'s folder (same filesystem, so the rename
        is atomic). A file path does not exist yet; a folder path is an empty folder.

    Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "scores.json")
    >>> with atomic_path(path) as temporary:
    ...     with open(temporary, "w") as f:
    ...         _ = f.write("{}")
    >>> open(path).read()
    '{}'
    """
    path = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    stem, extension = os.path.splitext(name)
    prefix = f".{stem}.tmp-"
    if directory:
        temporary = tempfile.mkdtemp(prefix=prefix, suffix=extension, dir=parent)
    else:
        descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=extension, dir=parent)
        os.close(descriptor)
        os.remove(temporary)  # writers such as Keras refuse to overwrite without asking
    try:
        yield temporary
        if directory and os.path.isdir(path):
            retired = tempfile.mkdtemp(prefix=f".{stem}.old-", dir=parent)
            os.replace(path, os.path.join(retired, name))
            os.replace(temporary, path)
            shutil.rmtree(retired)
        else:
            os.replace(temporary, path)
    finally:
        if os.path.isdir(temporary):
            shutil.rmtree(temporary)
        elif os.path.exists(temporary):
            os.remove(temporary)
