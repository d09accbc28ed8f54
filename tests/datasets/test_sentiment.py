"""sentiment.load_data on rt-polarity (cp1252) and the UCI sentences."""

import numpy as np
import pytest

from keras_seq.datasets import sentiment
from tests.datasets._data import forbid_downloads, use_data


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    forbid_downloads(monkeypatch)


def test_rt_polarity_is_balanced_and_decoded_as_cp1252(monkeypatch):
    use_data(monkeypatch, "rt-polarity")
    parts = sentiment.load_data("rt-polarity", seed=1)
    texts = [t for part in parts for t in part[0]]
    labels = np.concatenate([part[1] for part in parts])
    assert len(texts) == 10662 and labels.sum() == 5331 and labels.dtype == np.int32
    assert any("…" in t for t in texts) and not any("\x85" in t for t in texts)
    assert any("é" in t for t in texts)
    assert all(t == t.strip() and t for t in texts)
    assert sentiment.load_data("rt-polarity", seed=1)[0][0] == parts[0][0]


def test_uci_sources_dedup_and_repair(monkeypatch):
    use_data(monkeypatch, "uci-sentiment-labelled-sentences")
    parts = sentiment.load_data("uci", split=(0.6, 0.2, 0.2))
    texts = [t for part in parts for t in part[0]]
    assert len(texts) == len(set(zip(texts, np.concatenate([p[1] for p in parts]))))
    assert 2950 < len(texts) < 3000  # 3,000 lines less the exact duplicates
    assert not any(c in t for t in texts for c in "\x85\x96\x97")
    imdb = sentiment.load_data("uci-imdb", split=(1.0, 0.0, 0.0)).train
    assert len(imdb[0]) == 997 and set(imdb[1].tolist()) == {0, 1}
    yelp = [t for part in sentiment.load_data("uci-yelp") for t in part[0]]
    assert len(yelp) == 996 and "Crust is not good." in yelp


def test_unknown_name():
    with pytest.raises(ValueError, match="name.*'imdb'"):
        sentiment.load_data("imdb")
