"""`import keras_seq`: eager for library users, lazy for the `keras-seq` command."""

import numpy as np

import keras_seq
from tests.cli._command import run_python


def test_import_registers_classes_for_load_model(tmp_path):
    model = keras_seq.models.ManyToOne(vocab_size=20, units=4, num_outputs=2)
    model.compile("adam", "sparse_categorical_crossentropy")
    ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]])
    expected = model.predict(ids, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "ids.npy", ids)
    np.save(tmp_path / "expected.npy", expected)
    code = (
        "import sys, keras, keras_seq, numpy as np\n"
        "model = keras.saving.load_model(sys.argv[1])\n"
        "ids, expected = np.load(sys.argv[2]), np.load(sys.argv[3])\n"
        "np.testing.assert_allclose(model.predict(ids, verbose=0), expected, atol=1e-6)\n"
        "print(type(model).__name__)\n"
        "assert keras.saving.get_registered_object('keras_seq>Chrf').__name__ == 'Chrf'\n"
    )
    result = run_python(
        "-c", code, str(path), str(tmp_path / "ids.npy"), str(tmp_path / "expected.npy")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ManyToOne"


def test_command_process_loads_submodules_on_first_access():
    code = (
        "import sys\n"
        "sys.argv[0] = '/venv/bin/keras-seq'\n"
        "import keras_seq\n"
        "assert 'tensorflow' not in sys.modules, 'eager import'\n"
        "assert round(keras_seq.metrics.corpus_bleu(['a b c d'], [['a b c d']]).score) == 100\n"
        "assert 'tensorflow' not in sys.modules, 'metrics loaded TensorFlow'\n"
        "assert keras_seq.metrics.Bleu.__name__ == 'Bleu'\n"
        "assert keras_seq.models.ManyToOne.__name__ == 'ManyToOne'\n"
        "assert 'tensorflow' in sys.modules\n"
        "keras_seq.no_such_name\n"
    )
    result = run_python("-c", code)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "AttributeError: module 'keras_seq' has no attribute 'no_such_name'"
    )
