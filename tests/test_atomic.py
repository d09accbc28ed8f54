"""Atomic writes: an exception in the middle of writing any of our outputs leaves the
previous good file in place, readable, and no temporary file beside it.

Each kind writes a good file through its real call site (or, for writes inside an
application's `main`, through `atomic_path` with the same writer), then writes again
with the writer patched to put half of its bytes on disk and raise.
"""

import importlib.util
import json
import pathlib

import keras
import numpy as np
import pytest

from keras_seq import _atomic, data, layers, models, plotting

APPLICATIONS = pathlib.Path(__file__).resolve().parents[1] / "applications"


class DiskFull(OSError):
    pass


def half_then_raise(write):
    """`write(path, ...)` that writes the real output, truncates it to half, raises."""

    def failing(path, *args, **kwargs):
        write(path, *args, **kwargs)
        target = pathlib.Path(path)
        files = [target] if target.is_file() else sorted(target.rglob("*"))
        for file in (f for f in files if f.is_file()):
            file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
        raise DiskFull("no space left on device")

    return failing


def tiny_model():
    tokenizer = data.CharTokenizer()
    tokenizer.adapt(["a b c", "cab"])
    model = models.Seq2Seq(
        layers.RNNEncoder(tokenizer.vocabulary_size, 4, 8),
        layers.RNNDecoder(tokenizer.vocabulary_size, 4, 8, attention="luong"),
        max_length=4,
    )
    return model, tokenizer


def png(path, monkeypatch, fail):
    import matplotlib.figure
    import matplotlib.image

    if fail:
        savefig = matplotlib.figure.Figure.savefig
        monkeypatch.setattr(
            matplotlib.figure.Figure,
            "savefig",
            lambda self, name, **kw: half_then_raise(lambda n: savefig(self, n, **kw))(name),
        )
    model, tokenizer = tiny_model()
    plotting.plot_attention(model, tokenizer, tokenizer, ["cab"], path)
    return lambda: matplotlib.image.imread(path).shape


def results_json(path, monkeypatch, fail):
    spec = importlib.util.spec_from_file_location("_common", APPLICATIONS / "_common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    if fail:

        def dump(obj, file, **kwargs):
            file.write(json.dumps(obj)[:5])
            raise DiskFull("no space left on device")

        monkeypatch.setattr(common.json, "dump", dump)
    common.write_results(path.parent, "task", "metric", 1.0, 0.5, True, 0.0)
    return lambda: json.loads(path.read_text())["metric"]


def keras_file(path, monkeypatch, fail):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    save = model.save
    if fail:
        save = half_then_raise(save)
    with _atomic.atomic_path(path) as temporary:
        save(temporary)
    return lambda: keras.saving.load_model(path).count_params()


def midi(path, monkeypatch, fail):
    music21 = pytest.importorskip("music21")
    stream = music21.stream.Stream([music21.note.Note("C4"), music21.note.Note("E4")])

    def write(file):
        stream.write("midi", fp=file)

    if fail:
        write = half_then_raise(write)
    with _atomic.atomic_path(path) as temporary:
        write(temporary)
    return lambda: len(music21.converter.parse(path).flatten().notes)


def export(path, monkeypatch, fail):
    from keras_seq import export as export_lib

    class Archive:  # what `keras.export.ExportArchive.write_out` does: fill a folder
        def write_out(self, folder, verbose=False):
            (pathlib.Path(folder) / "saved_model.pb").write_bytes(b"model" * 100)
            (pathlib.Path(folder) / "variables").mkdir()
            (pathlib.Path(folder) / "variables" / "data").write_bytes(b"weights" * 100)

    archive = Archive()
    if fail:
        archive.write_out = half_then_raise(archive.write_out)
    export_lib._write_atomically(archive, path, overwrite=True)
    return lambda: ((path / "saved_model.pb").read_bytes(), (path / "variables/data").read_bytes())


KINDS = {
    "attention.png": png,
    "results.json": results_json,
    "model.keras": keras_file,
    "melody.mid": midi,
    "savedmodel": export,
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_an_exception_mid_write_keeps_the_previous_good_file(name, tmp_path, monkeypatch):
    path = tmp_path / name
    read = KINDS[name](path, monkeypatch, fail=False)
    good = read()
    with pytest.raises(DiskFull), monkeypatch.context() as patch:
        KINDS[name](path, patch, fail=True)
    after = read()
    if isinstance(good, np.ndarray):
        np.testing.assert_array_equal(after, good)
    else:
        assert after == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_the_first_write_that_fails_leaves_nothing(tmp_path):
    with pytest.raises(DiskFull), _atomic.atomic_path(tmp_path / "out.json") as temporary:
        pathlib.Path(temporary).write_text("{")
        raise DiskFull("no space left on device")
    assert list(tmp_path.iterdir()) == []
