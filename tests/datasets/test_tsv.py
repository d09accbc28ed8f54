import gzip

import pytest

from keras_seq.datasets import tsv


def write(path, text):
    path.write_bytes(text.encode("utf-8"))
    return path


def test_reads_pairs_and_splits_deterministically_by_source(tmp_path):
    lines = [f"s{i % 40}\tt{i}\tattribution\r\n" for i in range(100)] + ["\n"]
    path = write(tmp_path / "pairs.tsv", "".join(lines))
    train, validation, test = tsv.load_data(path, seed=3)
    assert sorted(train + validation + test) == sorted((f"s{i % 40}", f"t{i}") for i in range(100))
    sources = [{s for s, _ in part} for part in (train, validation, test)]
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
    assert tsv.load_data(path, seed=3) == (train, validation, test)
    assert tsv.load_data(path, seed=4) != (train, validation, test)
    assert len(tsv.load_data(path, max_pairs=30).train) < 30


def test_reads_gzip(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("le 14 juillet 1989\t1989-07-14\n" * 3 + "am 9. November 1989\t1989-11-09\n")
    parts = tsv.load_data(path, split=(1.0, 0.0, 0.0))
    assert ("am 9. November 1989", "1989-11-09") in parts.train and len(parts.train) == 4


def test_bad_files_and_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="path="):
        tsv.load_data(tmp_path / "missing.tsv")
    bad = write(tmp_path / "bad.tsv", "a\tb\nno tab here\n")
    with pytest.raises(ValueError, match="line 2.*'no tab here'"):
        tsv.load_data(bad)
    good = write(tmp_path / "good.tsv", "a\tb\n")
    with pytest.raises(ValueError, match="max_pairs=0"):
        tsv.load_data(good, max_pairs=0)
    with pytest.raises(ValueError, match="split"):
        tsv.load_data(good, split=(0.5, 0.2, 0.2))
