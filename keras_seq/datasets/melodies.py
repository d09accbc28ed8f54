"""Melodies of three genres from the corpus bundled with music21, as note-token sequences."""

import fractions
import json
import os
import pathlib
import warnings

import numpy as np

from keras_seq import _atomic
from keras_seq.checks import (
    check_choice,
    check_int,
    check_positive_int,
    check_split,
    check_str_list,
)
from keras_seq.datasets import _files, _splits

# genre -> (music21 corpus folder, what is taken from it)
GENRES = {
    "chorale": ("bach", "soprano line of a J.S. Bach chorale (MusicXML)"),
    "folk": ("essenFolksong", "German folk song from the Essen collection (ABC)"),
    "fiddle": ("ryansMammoth", "fiddle tune from Ryan's Mammoth Collection, 1883 (ABC)"),
}
_CACHE_VERSION = 1


class CorpusNotFoundError(_files.DataNotFoundError):
    """music21 is installed without its bundled corpus."""


def load_data(
    genres=("chorale", "folk", "fiddle"),
    *,
    max_per_genre=200,
    min_notes=8,
    split=(0.8, 0.1, 0.1),
    seed=0,
    cache=True,
):
    """Loads melodies labelled by genre, for genre-conditioned generation.

    The melodies come from the corpus inside the `music21` package (nothing is
    downloaded): `"chorale"` is the soprano line of Bach chorales, `"folk"` German
    folk songs of the Essen collection, `"fiddle"` tunes of Ryan's Mammoth
    Collection. For each genre, pieces are picked in a seeded random order until
    `max_per_genre` melodies with at least `min_notes` notes are found; pieces
    music21 cannot read are skipped.

    A melody is a list of note tokens `"<pitch>_<duration>"`: the pitch spelled
    with sharps from its MIDI number (`"C#5"`, the top note of a chord) or `"R"` for
    a rest, and the duration in quarter notes as a fraction (`"1"`, `"1/2"`,
    `"3/2"`, `"1/3"`); tied notes are merged and grace notes dropped, repeats are
    not expanded. Parsing takes about 0.1 s per piece, so parsed melodies are
    cached in `$KERAS_HOME/keras_seq/` (default `~/.keras/keras_seq/`) when
    `cache=True`.

    Args:
        genres: sequence of str. Among `"chorale"`, `"folk"`, `"fiddle"`. Defaults
            to all three.
        max_per_genre: int. Melodies per genre. Defaults to `200`.
        min_notes: int. Shortest melody kept, in tokens. Defaults to `8`.
        split: tuple of 3 floats. Train, validation and test fractions. Defaults
            to `(0.8, 0.1, 0.1)`.
        seed: int. Selection and split seed. Defaults to `0`.
        cache: bool. Read and write the parsed-melody cache. Defaults to `True`.

    Returns:
        `Splits(train, validation, test)`, each a `(genres, melodies)` pair: a list
        of genre names and a list of token lists.

    Raises:
        ValueError: unknown genre; `CorpusNotFoundError` (a FileNotFoundError) when
            music21 has no bundled corpus; ImportError without music21.

    Example:
    >>> from keras_seq.datasets import melodies
    >>> (genres, tunes), _, _ = melodies.load_data(["folk"], max_per_genre=5,
    ...                                            split=(1.0, 0.0, 0.0))  # doctest: +SKIP
    >>> genres[0], tunes[0][:3]  # doctest: +SKIP
    ('folk', ['G4_1/2', 'G4_1/2', 'A4_1'])
    """
    for index, genre in enumerate(check_str_list("genres", genres)):
        check_choice(f"genres[{index}]", genre, GENRES)
    check_positive_int("max_per_genre", max_per_genre)
    check_positive_int("min_notes", min_notes)
    seed = check_int("seed", seed, minimum=0)
    check_split("split", split)
    music21 = _import_music21()
    root = _corpus_root(music21, genres)
    store = _Cache(music21.__version__) if cache else None

    labels, melodies = [], []
    for genre in dict.fromkeys(genres):
        pieces = _pieces(genre, root)
        order = np.random.default_rng([seed, list(GENRES).index(genre)]).permutation(len(pieces))
        found = 0
        for index in order:
            if found == max_per_genre:
                break
            tokens = store.get(genre, pieces[index]) if store else None
            if tokens is None:
                tokens = _parse(music21, root, genre, pieces[index])
                if store:
                    store.put(genre, pieces[index], tokens)
            if len(tokens) >= min_notes:
                labels.append(genre)
                melodies.append(tokens)
                found += 1
    if store:
        store.save()
    parts = _splits.split_indices(len(labels), split, seed)
    return _splits.Splits(
        *(([labels[i] for i in part], [list(melodies[i]) for i in part]) for part in parts)
    )


def _import_music21():
    try:
        import music21
    except ImportError as error:
        raise ImportError(
            "keras_seq.datasets.melodies needs music21: `pip install music21`."
        ) from error
    return music21


def _corpus_root(music21, genres):
    root = pathlib.Path(music21.common.getCorpusFilePath())
    missing = [GENRES[g][0] for g in genres if not (root / GENRES[g][0]).is_dir()]
    if missing:
        raise CorpusNotFoundError(
            f"music21 {music21.__version__} at {pathlib.Path(music21.__file__).parent} has no "
            f"bundled corpus folder(s) {missing} under {root}. Install the full package from "
            "PyPI (`pip install --force-reinstall music21`); distributions without the "
            "corpus cannot provide these melodies."
        )
    return root


def _pieces(genre, root):
    """Returns the sorted pieces of a genre as (relative path, tune number or 0)."""
    folder = root / GENRES[genre][0]
    if genre == "chorale":
        files = [p for p in folder.iterdir() if p.name.startswith("bwv")]
        return [
            (p.relative_to(root).as_posix(), 0)
            for p in sorted(files)
            if p.suffix in (".mxl", ".xml")
        ]
    if genre == "fiddle":
        return [(p.relative_to(root).as_posix(), 0) for p in sorted(folder.glob("*.abc"))]
    pieces = []
    for path in sorted(folder.glob("*.abc")):
        text = path.read_text(encoding="latin-1")
        numbers = [line[2:].strip() for line in text.splitlines() if line.startswith("X:")]
        relative = path.relative_to(root).as_posix()
        pieces += [(relative, int(n)) for n in numbers if n.isdigit()]
    return pieces


def _parse(music21, root, genre, piece):
    relative, number = piece
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if number:
                score = music21.converter.parse(str(root / relative), number=number)
            else:
                score = music21.converter.parse(str(root / relative))
    except Exception:  # music21 cannot read a few corpus pieces; they are skipped
        return []
    parts = list(getattr(score, "parts", []))
    if genre == "chorale":
        parts = [p for p in parts if "soprano" in f"{p.partName} {p.id}".lower()]
        if not parts:
            return []
    stream = (parts[0] if parts else score).flatten().stripTies()
    tokens = []
    for element in stream.notesAndRests:
        length = fractions.Fraction(element.duration.quarterLength).limit_denominator(48)
        if length <= 0:
            continue
        if element.isRest:
            name = "R"
        else:
            midi = max(p.midi for p in element.pitches)
            name = music21.pitch.Pitch(midi=midi).nameWithOctave
        tokens.append(f"{name}_{length}")
    return tokens


class _Cache:
    """Parsed melodies on disk, one JSON file per music21 version, written atomically."""

    def __init__(self, version):
        home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
        self.path = (
            pathlib.Path(home) / _files.CACHE_SUBDIR / f"melodies-{version}-v{_CACHE_VERSION}.json"
        )
        self.entries, self.changed = {}, False
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def _key(genre, piece):
        return f"{genre}|{piece[0]}|{piece[1]}"

    def get(self, genre, piece):
        return self.entries.get(self._key(genre, piece))

    def put(self, genre, piece, tokens):
        self.entries[self._key(genre, piece)] = tokens
        self.changed = True

    def save(self):
        if not self.changed:
            return
        try:
            with _atomic.atomic_path(self.path) as temporary:
                with open(temporary, "w", encoding="utf-8") as f:
                    json.dump(self.entries, f)
        except OSError:  # a read-only home only costs the re-parsing next time
            pass
