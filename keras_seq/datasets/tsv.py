"""Your own sequence pairs: a `source<TAB>target` text file, split deterministically."""

import os

from keras_seq.checks import check_int, check_split
from keras_seq.datasets import _files, _splits


def load_data(path, *, max_pairs=None, seed=0, split=(0.8, 0.1, 0.1)):
    """Reads `source<TAB>target` lines (UTF-8, `.gz` allowed) and splits them.

    Columns after the second are ignored (Anki files carry an attribution there);
    empty lines are skipped. Identical sources always land in the same part, so no
    test source was seen in training.

    Args:
        path: str or path-like. The file.
        max_pairs: int or None. Keep a random subset of this many pairs (whole groups
            of identical sources). Defaults to `None` (all).
        seed: int. Seed of the shuffle. Defaults to `0`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults to
            `(0.8, 0.1, 0.1)`.

    Returns:
        `Splits(train, validation, test)`, each a list of `(source, target)` str tuples.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: a non-empty line has no tab.

    Example:
    >>> import os, tempfile
    >>> from keras_seq.datasets import tsv
    >>> path = os.path.join(tempfile.mkdtemp(), "pairs.tsv")
    >>> with open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("".join(f"{i} May 2021\\t2021-05-{i:02d}\\n" for i in range(1, 21)))
    >>> train, validation, test = tsv.load_data(path, seed=1)
    >>> len(train), len(validation), len(test)
    (16, 2, 2)
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"`path` must be a source<TAB>target file. Received: path={path!r}")
    pairs = read_pairs(path)
    if not pairs:
        raise ValueError(f"`path` holds no source<TAB>target line. Received: path={path!r}")
    return split_pairs(pairs, max_pairs, seed, split)


def read_pairs(path):
    """The `(source, target)` pairs of a `source<TAB>target[<TAB>...]` file."""
    pairs = []
    for number, line in enumerate(_files.read_text(path).split("\n"), 1):
        line = line.rstrip("\r")
        if not line:
            continue
        columns = line.split("\t")
        if len(columns) < 2:
            raise ValueError(
                f"{path}, line {number}: expected source<TAB>target. Received: {line[:80]!r}"
            )
        pairs.append((columns[0], columns[1]))
    return tuple(pairs)


def split_pairs(pairs, max_pairs, seed, split):
    """Cuts pairs into `Splits`, identical sources kept together, after an optional
    random subset of `max_pairs`."""
    check_int("max_pairs", max_pairs, minimum=1, allow_none=True)
    check_split("split", split)
    sources = [source for source, _ in pairs]
    if max_pairs is not None and max_pairs < len(pairs):
        order = _splits.split_indices(len(pairs), (1.0, 0.0, 0.0), seed, groups=sources)[0]
        pairs = [pairs[i] for i in order[:max_pairs]]
        sources = [source for source, _ in pairs]
    parts = _splits.split_indices(len(pairs), split, seed, groups=sources)
    return _splits.Splits(*([pairs[i] for i in part] for part in parts))
