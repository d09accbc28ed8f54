"""Finding, downloading and verifying corpus files.

Lookup order for a file of a corpus folder (e.g. `anki-fra-eng/fra.txt.gz`):

1. `$KERAS_SEQ_DATA/<folder>/<file>` (or the `data_dir` a loader was given), for
   each accepted file name (a gzipped copy or the plain file). A copy that exists is
   always verified against its sha256; a mismatch raises `ChecksumError` (a
   ValueError) naming the file and both hashes, and the copy is not used.
2. `keras.utils.get_file(..., file_hash=..., cache_subdir="keras_seq")`, which
   downloads into the Keras cache (`$KERAS_HOME`, default `~/.keras`), never into
   `$KERAS_SEQ_DATA` (which may be read-only). Files taken out of an archive are
   verified against their own sha256.
3. Offline, or when the download fails: `DataNotFoundError` (a FileNotFoundError)
   whose message names the URL and the folder to put the file in.

Hashes are computed once per file per process (keyed by path, size and mtime).
"""

import dataclasses
import gzip
import hashlib
import os
import pathlib
import zlib

import keras

ENVIRONMENT_VARIABLE = "KERAS_SEQ_DATA"
CACHE_SUBDIR = "keras_seq"

_VERIFIED = {}


class DataNotFoundError(FileNotFoundError):
    """A corpus file is neither under `$KERAS_SEQ_DATA` nor downloadable."""


class ChecksumError(ValueError):
    """A corpus file does not have the expected sha256 (corrupt, truncated, other release)."""


@dataclasses.dataclass(frozen=True)
class DataFile:
    """Where one corpus file lives and how to check it.

    Attributes:
        folder: str. Folder under `$KERAS_SEQ_DATA`.
        local: tuple of `(file_name, sha256)`. Accepted local copies, in order; a
            sha256 of None means "not pinned" (the copy is used unverified).
        url: str. Where to download the file (or the archive holding it).
        url_sha256: str or None. sha256 of the download, when known.
        member: str or None. Name of the file inside the downloaded archive.
        member_sha256: str or None. sha256 of that file.
    """

    folder: str
    local: tuple
    url: str
    url_sha256: str = None
    member: str = None
    member_sha256: str = None

    @property
    def name(self):
        return self.local[0][0]


def sha256(path):
    """Returns the hex sha256 of a file, computed once per (path, size, mtime)."""
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _VERIFIED[key] = digest.hexdigest()
    return _VERIFIED[key]


def verify(path, expected, source=None):
    """Raises ChecksumError unless the file's sha256 is `expected` (None: not pinned,
    the file is used as it is)."""
    if expected is None:
        return path
    actual = sha256(path)
    if actual != expected:
        hint = f" It should be the file from {source}." if source else ""
        raise ChecksumError(
            f"{path} is corrupted, truncated or another version: its sha256 is {actual}, "
            f"expected {expected}. It was not used; replace it with a good copy.{hint}"
        )
    return path


def data_root(data_dir=None):
    """Returns the local data folder (`data_dir`, else `$KERAS_SEQ_DATA`) or None."""
    root = data_dir if data_dir is not None else os.environ.get(ENVIRONMENT_VARIABLE)
    return pathlib.Path(root).expanduser() if root else None


def fetch(spec, data_dir=None):
    """Returns the path of a verified copy of `spec` (see the module docstring)."""
    root = data_root(data_dir)
    if root is not None:
        for name, expected in spec.local:
            path = root / spec.folder / name
            if path.is_file():
                return str(verify(path, expected, spec.url))
    return _download(spec, root)


def _download(spec, root):
    download_name = spec.url.rstrip("/").rsplit("/", 1)[-1].replace("+", "_")
    try:
        path = keras.utils.get_file(
            fname=download_name,
            origin=spec.url,
            file_hash=spec.url_sha256,
            cache_subdir=CACHE_SUBDIR,
            extract=spec.member is not None,
        )
    except ValueError as error:  # get_file's hash mismatch
        raise ChecksumError(
            f"The download of {spec.url} does not match the pinned sha256 {spec.url_sha256} "
            f"({error}). The server may now publish another release. Put the pinned copy "
            f"in {_where(spec, root)}."
        ) from error
    except Exception as error:  # offline, HTTP errors, refused connections
        raise DataNotFoundError(
            f"{spec.folder}/{spec.name} was not found under "
            f"${ENVIRONMENT_VARIABLE}={root if root else '(not set)'} and could not be "
            f"downloaded from {spec.url} ({error}). Download it yourself and put it in "
            f"{_where(spec, root)}."
        ) from error
    if spec.member is None:
        return path
    matches = sorted(pathlib.Path(path).rglob(spec.member))
    matches = [m for m in matches if "__MACOSX" not in m.parts]
    if not matches:
        raise DataNotFoundError(
            f"{spec.url} was downloaded to {path} but holds no {spec.member}. Put "
            f"{spec.name} in {_where(spec, root)}."
        )
    return str(verify(matches[0], spec.member_sha256, spec.url))


def _where(spec, root):
    names = " or ".join(name for name, _ in spec.local)
    folder = f"${ENVIRONMENT_VARIABLE}/{spec.folder}/"
    if root is not None:
        folder += f" (here {root / spec.folder}/)"
    pinned = [f"{name} sha256 {digest}" for name, digest in spec.local if digest]
    return f"{folder} as {names}" + (f" ({'; '.join(pinned)})" if pinned else "")


def read_text(path, encoding="utf-8"):
    """Reads a text file, gunzipping `.gz` files; newlines are kept as they are.

    A file that is not `encoding` text, or a truncated or corrupted `.gz`, raises a
    `ValueError` naming it.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path} is a truncated or corrupted gzip file ({error}).") from error
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not {encoding.upper()} text: byte {data[error.start]:#04x} at offset "
            f"{error.start}. Convert it to {encoding.upper()} first."
        ) from error
