"""File lookup: checksums, corrupted copies, offline errors, the download path, hashing once."""

import gzip
import hashlib
import os
import zipfile

import keras
import pytest

from keras_seq.datasets import ChecksumError, DataNotFoundError, _files, anki, sentiment, ud
from tests.datasets._data import copy_folder, forbid_downloads, use_data


def test_local_copies_are_verified_and_used_without_downloading(monkeypatch):
    root = use_data(monkeypatch, "anki-fra-eng")
    calls = forbid_downloads(monkeypatch)
    path = _files.fetch(anki.FILES["fra"])
    assert path == str(root / "anki-fra-eng" / "fra.txt.gz")
    assert calls == []


def test_a_corrupted_copy_gives_a_clear_error_and_is_not_used(monkeypatch, tmp_path):
    folder = copy_folder(monkeypatch, tmp_path, "uci-sentiment-labelled-sentences")
    calls = forbid_downloads(monkeypatch)
    path = folder / "yelp_labelled.txt"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Crust is not good.", b"Crust is good.   "))
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    expected = sentiment.FILES["uci"]["yelp"].member_sha256
    with pytest.raises(ChecksumError) as error:
        sentiment.load_data("uci-yelp")
    message = str(error.value)
    assert str(path) in message and expected in message and actual in message
    assert isinstance(error.value, ValueError)
    assert calls == []  # the bad copy is reported, not silently replaced by a download


def test_a_truncated_gzip_copy_gives_a_clear_error(monkeypatch, tmp_path):
    folder = tmp_path / "data" / "anki-fra-eng"
    folder.mkdir(parents=True)
    source = use_data(monkeypatch, "anki-fra-eng") / "anki-fra-eng" / "fra.txt.gz"
    (folder / "fra.txt.gz").write_bytes(source.read_bytes()[:100_000])
    monkeypatch.setenv("KERAS_SEQ_DATA", str(tmp_path / "data"))
    forbid_downloads(monkeypatch)
    with pytest.raises(ChecksumError, match="fra.txt.gz is corrupted, truncated"):
        anki.load_data("fra", max_pairs=10)


def test_offline_without_a_copy_names_the_url_and_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SEQ_DATA", str(tmp_path))
    calls = forbid_downloads(monkeypatch)
    with pytest.raises(DataNotFoundError) as error:
        anki.load_data("fra")
    message = str(error.value)
    assert "http://www.manythings.org/anki/fra-eng.zip" in message
    assert "$KERAS_SEQ_DATA/anki-fra-eng/" in message and str(tmp_path) in message
    assert isinstance(error.value, FileNotFoundError)
    assert calls[0]["file_hash"] == anki.FILES["fra"].url_sha256
    assert calls[0]["cache_subdir"] == "keras_seq"
    assert os.listdir(tmp_path) == []  # nothing written into the data folder


def test_offline_without_the_variable_still_explains(monkeypatch):
    monkeypatch.delenv("KERAS_SEQ_DATA", raising=False)
    forbid_downloads(monkeypatch)
    with pytest.raises(DataNotFoundError, match=r"\(not set\).*UD_English-EWT/r2.16"):
        ud.load_data()


def fake_download(monkeypatch, tmp_path, member_path, content):
    """Makes get_file 'download' a zip holding `content` at `member_path` and extract it."""
    calls = []

    def get_file(fname, origin, file_hash=None, cache_subdir=None, extract=False):
        calls.append((fname, origin, extract))
        archive = tmp_path / "cache" / fname
        archive.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr(member_path, content)
        target = tmp_path / "cache" / "extracted"
        zipfile.ZipFile(archive).extractall(target)
        return str(target)

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    return calls


def test_download_path_extracts_and_verifies_the_member(monkeypatch, tmp_path):
    root = use_data(monkeypatch, "uci-sentiment-labelled-sentences")
    good = (root / "uci-sentiment-labelled-sentences" / "yelp_labelled.txt").read_bytes()
    monkeypatch.setenv("KERAS_SEQ_DATA", str(tmp_path / "empty"))
    calls = fake_download(
        monkeypatch, tmp_path, "sentiment labelled sentences/yelp_labelled.txt", good
    )
    (texts, labels), _, _ = sentiment.load_data("uci-yelp", split=(1.0, 0.0, 0.0))
    assert calls[0][1] == sentiment.FILES["uci"]["yelp"].url and calls[0][2] is True
    assert len(texts) == 996 and set(labels.tolist()) == {0, 1}
    assert not (tmp_path / "empty").exists()


def test_download_of_another_release_is_rejected(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SEQ_DATA", str(tmp_path / "empty"))
    fake_download(monkeypatch, tmp_path, "fra.txt", "Go.\tVa !\tCC-BY 2.0 (France)\n")
    with pytest.raises(ChecksumError, match="fra.txt is corrupted, truncated or another version"):
        anki.load_data("fra")


def test_each_file_is_hashed_once_per_process(monkeypatch, tmp_path):
    path = tmp_path / "file.txt.gz"
    path.write_bytes(gzip.compress(b"Go.\tVa !\n"))
    digests = []
    real = hashlib.sha256

    def counting():
        digests.append(1)
        return real()

    monkeypatch.setattr(_files.hashlib, "sha256", counting)
    expected = real(path.read_bytes()).hexdigest()
    for _ in range(3):
        assert _files.verify(path, expected) == path
    assert len(digests) == 1
    path.write_bytes(gzip.compress(b"Go.\tFile !\n"))  # a changed file is hashed again
    with pytest.raises(ChecksumError):
        _files.verify(path, expected)
    assert len(digests) == 2
