"""Binary sentence sentiment: Pang & Lee's rt-polarity ("MR") and UCI's labelled sentences."""

import functools

import numpy as np

from keras_seq.checks import check_choice, check_split
from keras_seq.datasets import _files, _splits

_RT_URL = "https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
_UCI_URL = "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip"


def _rt(name, sha):
    return _files.DataFile(
        folder="rt-polarity",
        local=((name, sha),),
        url=_RT_URL,
        member=name,
        member_sha256=sha,
    )


def _uci(name, sha):
    return _files.DataFile(
        folder="uci-sentiment-labelled-sentences",
        local=((name, sha),),
        url=_UCI_URL,
        member=name,
        member_sha256=sha,
    )


FILES = {
    "rt-polarity": {
        "pos": _rt(
            "rt-polarity.pos", "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0"
        ),
        "neg": _rt(
            "rt-polarity.neg", "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca"
        ),
    },
    "uci": {
        "amazon": _uci(
            "amazon_cells_labelled.txt",
            "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3",
        ),
        "imdb": _uci(
            "imdb_labelled.txt", "aef2e49e3da25714d61175e3a6e68eeef74a20a2f914318dc3be9947ea86512d"
        ),
        "yelp": _uci(
            "yelp_labelled.txt", "c76468b7b5c6e56a0804d728345c5f84aa2142ddb214420f61cc9cfd4c00d2ea"
        ),
    },
}
NAMES = ("rt-polarity", "uci", "uci-amazon", "uci-imdb", "uci-yelp")

# cp1252 punctuation that the UCI imdb file carries mis-decoded as C1 control characters.
_C1_FIXES = str.maketrans({"\x85": "…", "\x96": "–", "\x97": "—"})


def load_data(name="rt-polarity", *, split=(0.8, 0.1, 0.1), seed=0, data_dir=None):
    """Loads labelled sentences for binary sentiment classification (1 positive, 0 negative).

    - `"rt-polarity"`: 5,331 positive and 5,331 negative Rotten Tomatoes snippets
      (Pang & Lee 2005), from `$KERAS_SEQ_DATA/rt-polarity/`. The files are
      Windows-1252 (not UTF-8, and not latin-1: byte 0x85 is "…"); the text is
      lowercased and tokenized upstream (spaces around punctuation) and kept so.
    - `"uci"`: Kotzias et al.'s 3 x 1,000 Amazon, IMDb and Yelp sentences, from
      `$KERAS_SEQ_DATA/uci-sentiment-labelled-sentences/`; `"uci-amazon"`,
      `"uci-imdb"`, `"uci-yelp"` load one source. Lines are split on their last tab;
      the imdb file's mis-decoded C1 characters are repaired (U+0085 -> "…",
      U+0096 -> "–", U+0097 -> "—").

    Files are verified against their sha256 (else downloaded from the original
    sites into the Keras cache). Surrounding whitespace is stripped and exact
    duplicates (same sentence and label) are kept once, so no sentence is in two
    parts. Neither corpus has an official split: the split is random, deterministic
    for a seed.

    Args:
        name: str. One of `"rt-polarity"`, `"uci"`, `"uci-amazon"`, `"uci-imdb"`,
            `"uci-yelp"`. Defaults to `"rt-polarity"`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults
            to `(0.8, 0.1, 0.1)`.
        seed: int. Shuffle seed. Defaults to `0`.
        data_dir: str or None. Folder used instead of `$KERAS_SEQ_DATA`. Defaults
            to `None`.

    Returns:
        `Splits(train, validation, test)`, each a `(texts, labels)` pair: a list of
        str and an int32 NumPy array of 0/1.

    Example:
    >>> from keras_seq.datasets import sentiment
    >>> (texts, labels), _, _ = sentiment.load_data("uci")  # doctest: +SKIP
    >>> len(texts), set(labels.tolist())  # doctest: +SKIP
    (2366, {0, 1})
    """
    check_choice("name", name, NAMES)
    check_split("split", split)
    if name == "rt-polarity":
        examples = []
        for label, part in ((1, "pos"), (0, "neg")):
            path = _files.fetch(FILES[name][part], data_dir)
            examples += [(text, label) for text in _read_lines(path, "cp1252")]
    else:
        sources = ("amazon", "imdb", "yelp") if name == "uci" else (name[len("uci-") :],)
        examples = []
        for source in sources:
            examples += _read_uci(_files.fetch(FILES["uci"][source], data_dir))
    examples = list(dict.fromkeys(examples))
    parts = _splits.split_indices(len(examples), split, seed)
    return _splits.Splits(
        *(
            ([examples[i][0] for i in part], np.array([examples[i][1] for i in part], np.int32))
            for part in parts
        )
    )


@functools.lru_cache(maxsize=8)
def _read_lines(path, encoding):
    lines = _files.read_text(path, encoding).split("\n")
    return tuple(line.strip() for line in lines if line.strip())


@functools.lru_cache(maxsize=8)
def _read_uci(path):
    examples = []
    for number, line in enumerate(_files.read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        text, _, label = line.rpartition("\t")
        if label.strip() not in ("0", "1"):
            raise ValueError(f"{path}, line {number}: expected sentence<TAB>0|1.")
        examples.append((text.translate(_C1_FIXES).strip(), int(label)))
    return tuple(examples)
