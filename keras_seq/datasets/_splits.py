"""Deterministic train/validation/test splits."""

import collections

import numpy as np

from keras_seq.checks import check_int, check_split

Splits = collections.namedtuple("Splits", ["train", "validation", "test"])
Splits.__doc__ = """The three parts of a dataset: `train`, `validation`, `test`."""


def split_indices(n, split, seed, groups=None):
    """Shuffles `range(n)` with `seed` and cuts it into three index arrays.

    With `groups` (one hashable key per example), whole groups are shuffled and
    each group lands in a single part; cuts move forward to the next group boundary.
    """
    split = check_split("split", split)
    rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    if groups is None:
        order = rng.permutation(n)
        allowed = np.arange(n + 1)
    else:
        _, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
        rank = np.empty(inverse.max() + 1 if n else 0, np.int64)
        rank[rng.permutation(len(rank))] = np.arange(len(rank))
        keys = rank[inverse]
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        allowed = np.concatenate([[0], np.nonzero(np.diff(sorted_keys))[0] + 1, [n]])
    targets = np.round(np.cumsum(split)[:2] * n).astype(int)
    cuts = [int(allowed[np.searchsorted(allowed, t)]) for t in targets]
    return order[: cuts[0]], order[cuts[0] : cuts[1]], order[cuts[1] :]


def chronological_cuts(n, split):
    """Returns the two cut points of `range(n)` for chronological splits."""
    split = check_split("split", split)
    first, second = np.round(np.cumsum(split)[:2] * n).astype(int)
    return int(first), int(second)
