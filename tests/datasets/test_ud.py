"""ud.load_data on the real English Web Treebank files."""

from keras_seq.datasets import ud
from tests.datasets._data import forbid_downloads, use_data


def test_words_and_tags_are_aligned_with_the_17_upos_tags(monkeypatch):
    use_data(monkeypatch, "ud-english-ewt")
    forbid_downloads(monkeypatch)
    train, validation, test = ud.load_data("en_ewt")
    # Sentence and syntactic-word counts of the README: multiword tokens and empty nodes
    # are skipped.
    assert [len(part[0]) for part in (train, validation, test)] == [12544, 2001, 2077]
    assert [sum(map(len, part[0])) for part in (train, validation, test)] == [
        204577,
        25147,
        25094,
    ]
    for words, tags in (train, validation, test):
        assert len(words) == len(tags)
        assert all(len(w) == len(t) and w for w, t in zip(words, tags))
    assert {t for sentence in train[1] for t in sentence} == set(ud.UPOS_TAGS)
    assert len(ud.UPOS_TAGS) == 17
    assert validation[0][0][:6] == ["From", "the", "AP", "comes", "this", "story"]
    assert validation[1][0][:6] == ["ADP", "DET", "PROPN", "VERB", "DET", "NOUN"]


def test_unknown_treebank():
    import pytest

    with pytest.raises(ValueError, match="treebank"):
        ud.load_data("fr_gsd")
