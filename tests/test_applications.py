import importlib.util
import pathlib

APPLICATIONS = pathlib.Path(__file__).resolve().parents[1] / "applications"


def load(name):
    spec = importlib.util.spec_from_file_location(name, APPLICATIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sorted_sequences_trains_saves_and_serves(tmp_path):
    app = load("sorted_sequences")
    accuracy = app.main(["--epochs", "2", "--examples", "2000", "--output", str(tmp_path)])
    assert accuracy > 0.85  # chance is 0.5
    assert (tmp_path / "sorted.keras").is_file()
    assert (tmp_path / "sorted_savedmodel" / "saved_model.pb").is_file()
