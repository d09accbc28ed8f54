"""Real sentence pairs for the BLEU tests, and deterministic perturbations of them.

The Anki/Tatoeba files live under `$KERAS_SEQ_DATA` (default: `<repo>/../shared/data`);
tests that need them are skipped, with a message saying where to put them, when no
copy is found.
"""

import functools
import gzip
import os
import pathlib
import random

import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]


def data_dir():
    """Returns the data folder (`$KERAS_SEQ_DATA`, else `<repo>/../shared/data`) or None."""
    configured = os.environ.get("KERAS_SEQ_DATA")
    path = pathlib.Path(configured) if configured else _REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


def anki_groups(language, every=1, limit=None):
    """Reads `anki-{language}-eng/{language}.txt.gz` as (English, [translations]) groups.

    Consecutive lines with the same English sentence are one group, so groups with
    several translations are genuine multi-reference sets. Keeps every `every`-th
    group, at most `limit` of them. Skips the calling test when the file is missing.
    """
    folder = data_dir()
    path = folder / f"anki-{language}-eng" / f"{language}.txt.gz" if folder else None
    if path is None or not path.is_file():
        pytest.skip(
            reason=(
                f"anki-{language}-eng/{language}.txt.gz not found: put the Anki data under "
                "$KERAS_SEQ_DATA (or <repo>/../shared/data), e.g. "
                f"$KERAS_SEQ_DATA/anki-{language}-eng/{language}.txt.gz"
            )
        )
    groups = _read_groups(str(path))[::every]
    groups = groups[:limit] if limit else groups
    return [(english, list(translations)) for english, translations in groups]


@functools.cache
def _read_groups(path):
    groups = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            english, translation = line.rstrip("\n").split("\t")[:2]
            if groups and groups[-1][0] == english:
                groups[-1][1].append(translation)
            else:
                groups.append((english, [translation]))
    return tuple((english, tuple(translations)) for english, translations in groups)


def perturb(sentence, rng):
    """Returns a deterministic corruption of `sentence` (drop, swap, substitute, repeat)."""
    words = sentence.split()
    choice = rng.random()
    if choice < 0.03:
        return ""
    if choice < 0.08:
        return sentence
    out = []
    for word in words:
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.2:
            out.append(rng.choice(words))
        elif r < 0.25:
            out.extend([word, word])
        else:
            out.append(word)
    if len(out) > 2 and rng.random() < 0.4:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def multi_reference_corpus(language, size, seed=0, every=7):
    """Returns (hypotheses, references) with 1+ references per hypothesis.

    Hypotheses perturb one translation of each group; the references are all of the
    group's translations, so the counts vary (`nrefs:var`).
    """
    rng = random.Random(seed)
    groups = anki_groups(language, every=every, limit=size)
    hypotheses = [perturb(rng.choice(translations), rng) for _, translations in groups]
    references = [list(translations) for _, translations in groups]
    return hypotheses, references


def english_corpus(language, size, seed=0, every=5):
    """Returns (hypotheses, references) on the English side, one reference each."""
    rng = random.Random(seed)
    groups = anki_groups(language, every=every, limit=size)
    references = [english for english, _ in groups]
    return [perturb(r, rng) for r in references], references


def reference_streams(references):
    """Converts per-hypothesis reference lists to sacrebleu's streams (None-padded)."""
    width = max(len(refs) if isinstance(refs, list) else 1 for refs in references)
    streams = [[] for _ in range(width)]
    for refs in references:
        refs = refs if isinstance(refs, list) else [refs]
        for k in range(width):
            streams[k].append(refs[k] if k < len(refs) else None)
    return streams
