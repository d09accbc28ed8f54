"""`keras-seq translate MODEL_DIR TEXT...` on an exported text model, and on other folders."""

import keras
import numpy as np
import pytest

import keras_seq as ks
from keras_seq import cli
from tests.cli._command import keras_seq_command

PAIRS = [("one two", "un deux"), ("two one", "deux un")]


@pytest.fixture(scope="module", autouse=True)
def _clear_session():
    yield
    # Frees this module's models, and their layer names for the doctests that print them.
    keras.utils.clear_session()


@pytest.fixture(scope="module")
def keras_export(tmp_path_factory):
    """A plain `model.export()` folder: a SavedModel whose signature takes ids, not texts."""
    model = ks.models.ManyToOne(vocab_size=20, units=4, num_outputs=2)
    model(np.array([[3, 4, 0]]))
    path = tmp_path_factory.mktemp("keras_export") / "model"
    model.export(str(path), verbose=False)
    return str(path)


def test_translates_with_an_exported_text_model(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in PAIRS])
    target.adapt([t for _, t in PAIRS])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 8, 16),
        ks.layers.RNNDecoder(target.vocabulary_size, 8, 16, attention="luong"),
        max_length=5,
    )
    path = ks.export.export_text_model(model, str(tmp_path / "translator"), source, target)
    assert cli.main(["translate", path, "one two", "two one"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["one two", "two one"]
    assert all("outputs='" in line and "scores=" in line for line in lines)


def test_missing_folder(tmp_path):
    folder = str(tmp_path / "missing")
    with pytest.raises(SystemExit, match=f"no SavedModel folder at '{folder}'"):
        cli.main(["translate", folder, "hello"])


def test_folder_without_a_saved_model(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(SystemExit) as info:
        cli.main(["translate", str(tmp_path), "hello"])
    assert str(info.value) == (
        f"keras-seq translate: {str(tmp_path)!r} holds no SavedModel (no saved_model.pb); "
        "expected a SavedModel written by keras_seq.export.export_text_model"
    )


def test_saved_model_without_a_texts_signature(keras_export):
    with pytest.raises(SystemExit) as info:
        cli.main(["translate", keras_export, "hello"])
    assert str(info.value) == (
        f"keras-seq translate: the SavedModel at {keras_export!r} has no `serving_default` "
        "signature taking `texts`; expected a SavedModel written by "
        "keras_seq.export.export_text_model"
    )


def test_command_prints_one_line_and_no_tensorflow_log(keras_export):
    """In a fresh process, with TF_CPP_MIN_LOG_LEVEL unset as in a user's shell."""
    result = keras_seq_command(
        "translate", keras_export, "hello", env={"TF_CPP_MIN_LOG_LEVEL": None}
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"keras-seq translate: the SavedModel at {keras_export!r} has no `serving_default` "
        "signature taking `texts`; expected a SavedModel written by "
        "keras_seq.export.export_text_model"
    ]
