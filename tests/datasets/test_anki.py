"""anki.load_data on the real Tatoeba files."""

import hashlib

import numpy as np
import pytest

from keras_seq.data import WordTokenizer, seq2seq_dataset
from keras_seq.datasets import ChecksumError, DataNotFoundError, anki
from tests.datasets._data import forbid_downloads, use_data


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    forbid_downloads(monkeypatch)


def test_french_pairs_split_deterministically(monkeypatch):
    use_data(monkeypatch, "anki-fra-eng")
    train, validation, test = anki.load_data("fra", max_pairs=2000, seed=4)
    assert len(train) + len(validation) + len(test) == 2000
    assert abs(len(train) - 1600) < 20 and abs(len(test) - 200) < 20
    assert all(isinstance(e, str) and isinstance(f, str) and e and f for e, f in train)
    again = anki.load_data("fra", max_pairs=2000, seed=4)
    assert again == (train, validation, test)
    assert anki.load_data("fra", max_pairs=2000, seed=5).train != train


def test_no_english_sentence_is_in_two_parts(monkeypatch):
    use_data(monkeypatch, "anki-fra-eng")
    parts = anki.load_data("fra", max_pairs=5000)
    english = [{e for e, _ in part} for part in parts]
    assert not (english[0] & english[1]) and not (english[0] & english[2])
    assert not (english[1] & english[2])


def test_full_file_keeps_every_pair_and_french_spaces(monkeypatch):
    use_data(monkeypatch, "anki-fra-eng")
    parts = anki.load_data("fra")
    pairs = [p for part in parts for p in part]
    assert len(pairs) == 167130  # the README's line count
    assert ("Go.", "Va !") in pairs
    assert sum("\u202f" in f for _, f in pairs) == 6218


def test_german(monkeypatch):
    use_data(monkeypatch, "anki-deu-eng")
    train, _, _ = anki.load_data("deu", max_pairs=500, split=(1.0, 0.0, 0.0))
    assert len(train) == 500
    assert any(c in "äöüßÄÖÜ" for _, g in train for c in g)


def test_bad_arguments():
    with pytest.raises(ValueError, match="language='french'"):
        anki.load_data("french")
    with pytest.raises(ValueError, match="sha256='abc'"):
        anki.load_data("spa", sha256="abc")
    with pytest.raises(ValueError, match="pinned"):
        anki.load_data("fra", sha256="0" * 64)
    with pytest.raises(ValueError, match="split"):
        anki.load_data("fra", split=(0.5, 0.1, 0.1))
    with pytest.raises(ValueError, match="max_pairs"):
        anki.load_data("fra", max_pairs=0)


def test_pairs_through_tokenizers_and_the_bucketed_pipeline(monkeypatch):
    use_data(monkeypatch, "anki-fra-eng")
    train, _, test = anki.load_data("fra", max_pairs=3000)
    english, french = WordTokenizer(), WordTokenizer()
    english.adapt([e for e, _ in train])
    french.adapt([f for _, f in train])
    # Tatoeba French is normalised text apart from its spaces before ! ? : ;
    assert all(
        decoded
        == f.replace("\u202f", " ")
        .replace("\u00a0", " ")
        .replace(" !", "!")
        .replace(" ?", "?")
        .replace(" :", ":")
        .replace(" ;", ";")
        for decoded, (_, f) in zip(french.decode(french.encode([f for _, f in train[:300]])), train)
        if "«" not in f
    )
    fractions = []
    for num_buckets in (8, 1):
        dataset = seq2seq_dataset(train, english, french, 64, seed=0, num_buckets=num_buckets)
        pads = [(np.asarray(s) == 0).mean() for s, _ in dataset]
        fractions.append(np.mean(pads))
    assert fractions[0] < 0.5 * fractions[1]


def test_any_other_language_code(monkeypatch, tmp_path):
    """An unpinned code reads anki-<code>-eng/<code>.txt[.gz]; a given sha256 is checked;
    without a copy and offline the error names the URL and the folder."""
    folder = tmp_path / "anki-spa-eng"
    folder.mkdir()
    text = "".join(f"Sentence {i}.\tFrase {i}.\tCC-BY 2.0 (France)\n" for i in range(50))
    (folder / "spa.txt").write_text(text, encoding="utf-8")
    calls = forbid_downloads(monkeypatch)
    train, validation, test = anki.load_data("spa", data_dir=str(tmp_path), seed=1)
    assert len(train) == 40 and ("Sentence 3.", "Frase 3.") in train + validation + test
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert len(anki.load_data("spa", data_dir=str(tmp_path), sha256=digest).train) == 40
    with pytest.raises(ChecksumError, match="spa.txt is corrupted"):
        anki.load_data("spa", data_dir=str(tmp_path), sha256="0" * 64)
    with pytest.raises(DataNotFoundError) as error:
        anki.load_data("ita", data_dir=str(tmp_path))
    message = str(error.value)
    assert "http://www.manythings.org/anki/ita-eng.zip" in message
    assert "$KERAS_SEQ_DATA/anki-ita-eng/" in message
    assert calls[-1]["origin"] == "http://www.manythings.org/anki/ita-eng.zip"
