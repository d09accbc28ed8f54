"""Tatoeba sentence pairs in the manythings.org Anki format (English and another language)."""

import functools
import re

from keras_seq.checks import check_int, check_split
from keras_seq.datasets import _files, tsv

# The pinned releases (see $KERAS_SEQ_DATA/anki-*-eng/README.md). manythings.org
# serves its newest release at the same URL, so a fresh download may fail the
# checksum; the error then says where to put the pinned copy.
FILES = {
    "fra": _files.DataFile(
        folder="anki-fra-eng",
        local=(
            ("fra.txt.gz", "3f7ce9b82d57439edff14f487e2ef9fd52ad72757a838857f153fa4668dd6066"),
            ("fra.txt", "0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104"),
        ),
        url="http://www.manythings.org/anki/fra-eng.zip",
        url_sha256="161c93f18da3a7e6df611ed961426613260de8af06ccf8c79c977afe5135ac44",
        member="fra.txt",
        member_sha256="0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104",
    ),
    "deu": _files.DataFile(
        folder="anki-deu-eng",
        local=(
            ("deu.txt.gz", "0374e52a56ddc7b7e6eb7c7758d6f6915d49dbafdd32693979365022754076bd"),
            ("deu.txt", "a79c90b3cd3102decffa49cc00fb6f20023974f2ae5c4782515bebe133fcc07b"),
        ),
        url="http://www.manythings.org/anki/deu-eng.zip",
        url_sha256="b7688f84f99fa33c17397c14d8bd9cef1fdeb2ee0bf50074767023aee8926e28",
        member="deu.txt",
        member_sha256="a79c90b3cd3102decffa49cc00fb6f20023974f2ae5c4782515bebe133fcc07b",
    ),
}


def load_data(
    language="fra", *, split=(0.8, 0.1, 0.1), seed=0, max_pairs=None, data_dir=None, sha256=None
):
    """Loads English-`language` sentence pairs from Tatoeba (manythings.org Anki files).

    Reads `$KERAS_SEQ_DATA/anki-<language>-eng/<language>.txt.gz` (or the plain
    `.txt`), verified against its sha256, else downloads
    `http://www.manythings.org/anki/<language>-eng.zip` into the Keras cache (see
    `keras_seq.datasets._files`). Each line is `English<TAB>Other[<TAB>attribution]`;
    the text is kept exactly as written (including French U+202F/U+00A0 spaces).

    The split is deterministic for a seed and made by English sentence: all
    translations of an English sentence land in the same part, so no source sentence
    of the test set was seen in training. Licence: CC BY 2.0 FR, attribution
    "www.manythings.org/anki and tatoeba.org".

    Args:
        language: str. The three-letter code of a manythings.org file (`"fra"`,
            `"deu"`, `"spa"`, `"ita"`, ...). `"fra"` and `"deu"` are pinned to a
            release by sha256; other codes are read from
            `$KERAS_SEQ_DATA/anki-<code>-eng/<code>.txt[.gz]` or downloaded, and
            verified only when `sha256` is given. Defaults to `"fra"`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults
            to `(0.8, 0.1, 0.1)`.
        seed: int. Shuffle seed. Defaults to `0`.
        max_pairs: int or None. Keep only this many pairs (a random, seeded subset
            of whole English groups, cut at `max_pairs`) before splitting. Defaults
            to `None` (all).
        data_dir: str or None. Folder used instead of `$KERAS_SEQ_DATA`. Defaults
            to `None`.
        sha256: str or None. The expected sha256 of the plain `<code>.txt`, for a
            language that is not pinned. Defaults to `None`.

    Returns:
        `Splits(train, validation, test)`, each a list of `(english, other)` str
        tuples.

    Raises:
        ValueError: `language` is not a three-letter code; `ChecksumError` (a
            ValueError) for a corrupted copy.
        DataNotFoundError: no local copy and no download possible.

    Example:
    >>> from keras_seq.datasets import anki
    >>> train, validation, test = anki.load_data("fra", max_pairs=1000)  # doctest: +SKIP
    >>> len(train), train[0]  # doctest: +SKIP
    (800, ('...', '...'))
    """
    # Checked before a download that could not be used.
    check_int("max_pairs", max_pairs, minimum=1, allow_none=True)
    check_split("split", split)
    return tsv.split_pairs(
        _read_pairs(_files.fetch(data_file(language, sha256), data_dir)), max_pairs, seed, split
    )


def data_file(language, sha256=None):
    """The `DataFile` of a language: the pinned one, or one built from the code."""
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{3}", language):
        raise ValueError(
            "`language` must be a three-letter manythings.org code such as 'fra' or 'deu'. "
            f"Received: language={language!r}"
        )
    if sha256 is not None and (
        not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", sha256)
    ):
        raise ValueError(f"`sha256` must be 64 hex digits. Received: sha256={sha256!r}")
    if language in FILES:
        if sha256 not in (None, FILES[language].member_sha256):
            raise ValueError(
                f"{language!r} is pinned to sha256 {FILES[language].member_sha256}. "
                f"Received: sha256={sha256!r}"
            )
        return FILES[language]
    # A gzipped copy cannot be checked against the plain file's sha256.
    local = ((f"{language}.txt", sha256),)
    if sha256 is None:
        local = ((f"{language}.txt.gz", None),) + local
    return _files.DataFile(
        folder=f"anki-{language}-eng",
        local=local,
        url=f"http://www.manythings.org/anki/{language}-eng.zip",
        member=f"{language}.txt",
        member_sha256=sha256,
    )


@functools.lru_cache(maxsize=4)
def _read_pairs(path):
    return tsv.read_pairs(path)
