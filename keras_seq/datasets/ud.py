"""Universal Dependencies treebanks as (words, UPOS tags) for part-of-speech tagging."""

import functools

from keras_seq.checks import check_choice
from keras_seq.datasets import _files, _splits

UPOS_TAGS = (
    "ADJ",
    "ADP",
    "ADV",
    "AUX",
    "CCONJ",
    "DET",
    "INTJ",
    "NOUN",
    "NUM",
    "PART",
    "PRON",
    "PROPN",
    "PUNCT",
    "SCONJ",
    "SYM",
    "VERB",
    "X",
)

_EWT = "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16/"
_EWT_TRAIN = "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b"
_EWT_DEV = "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6"
_EWT_TEST = "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd"

FILES = {
    "en_ewt": {
        "train": _files.DataFile(
            folder="ud-english-ewt",
            local=(
                (
                    "en_ewt-ud-train.conllu.gz",
                    "bd47e08c9e18ec12d319e84df2ccdb272ff6de1d0dba5761117d3caf8b358f7b",
                ),
                ("en_ewt-ud-train.conllu", _EWT_TRAIN),
            ),
            url=_EWT + "en_ewt-ud-train.conllu",
            url_sha256=_EWT_TRAIN,
        ),
        "validation": _files.DataFile(
            folder="ud-english-ewt",
            local=(("en_ewt-ud-dev.conllu", _EWT_DEV),),
            url=_EWT + "en_ewt-ud-dev.conllu",
            url_sha256=_EWT_DEV,
        ),
        "test": _files.DataFile(
            folder="ud-english-ewt",
            local=(("en_ewt-ud-test.conllu", _EWT_TEST),),
            url=_EWT + "en_ewt-ud-test.conllu",
            url_sha256=_EWT_TEST,
        ),
    }
}


def load_data(treebank="en_ewt", *, data_dir=None):
    """Loads a Universal Dependencies treebank's standard splits as words and UPOS tags.

    Reads the CoNLL-U files from `$KERAS_SEQ_DATA/ud-english-ewt/` (verified against
    their sha256), else downloads release r2.16 from the UD GitHub repository into
    the Keras cache. Comment lines, multiword-token lines (IDs like `1-2`) and empty
    nodes (IDs like `1.1`) are skipped: one word and one tag per syntactic word.
    Licence: CC BY-SA 4.0.

    Args:
        treebank: str. `"en_ewt"` (English Web Treebank). Defaults to `"en_ewt"`.
        data_dir: str or None. Folder used instead of `$KERAS_SEQ_DATA`. Defaults
            to `None`.

    Returns:
        `Splits(train, validation, test)`, each a `(words, tags)` pair of equally
        long lists of sentences (lists of str); tags are among `UPOS_TAGS` (17).

    Example:
    >>> from keras_seq.datasets import ud
    >>> (words, tags), _, _ = ud.load_data()  # doctest: +SKIP
    >>> words[0][:3], tags[0][:3]  # doctest: +SKIP
    (['Al', '-', 'Zaman'], ['PROPN', 'PUNCT', 'PROPN'])
    """
    check_choice("treebank", treebank, sorted(FILES))
    parts = [
        _read_conllu(_files.fetch(FILES[treebank][name], data_dir))
        for name in ("train", "validation", "test")
    ]
    return _splits.Splits(
        *[([list(w) for w in words], [list(t) for t in tags]) for words, tags in parts]
    )


@functools.lru_cache(maxsize=8)
def _read_conllu(path):
    sentences, tags = [], []
    words, upos = [], []
    for number, line in enumerate(_files.read_text(path).split("\n"), 1):
        if not line.strip():
            if words:
                sentences.append(tuple(words))
                tags.append(tuple(upos))
                words, upos = [], []
            continue
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 10:
            raise ValueError(f"{path}, line {number}: expected 10 tab-separated columns.")
        if "-" in columns[0] or "." in columns[0]:
            continue
        words.append(columns[1])
        upos.append(columns[3])
    if words:
        sentences.append(tuple(words))
        tags.append(tuple(upos))
    return tuple(sentences), tuple(tags)
