"""Every command works from the built wheel, installed apart from this checkout.

The wheel is built without build isolation and installed without dependencies into a
folder of its own, which goes first on the import path; the dependencies come from this
interpreter's environment. No network, a few seconds.
"""

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.cli._command import ROOT, imported_modules, run_python

# What `pip wheel .` reads (setup.cfg's long_description is README.md).
SOURCES = ("keras_seq", "setup.cfg", "pyproject.toml", "README.md")
CLI_MODULES = {"__init__", "__main__", "_tensorflow", "bleu", "demo", "train", "translate"}


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Returns `(wheel_path, site_folder)` of the wheel built and installed in a temp folder."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # a copy, so the build leaves nothing in the checkout
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(ROOT / name, source / name)
    pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(base / "dist"), str(source))
    (wheel_path,) = (base / "dist").glob("keras_seq-*.whl")
    pip("install", "--no-deps", "-q", "--target", str(base / "site"), str(wheel_path))
    return wheel_path, base / "site"


def keras_seq_script(site, *args, cwd, python_options=()):
    """Runs the installed `keras-seq` console script, from the wheel's folder."""
    script = str(site / "bin" / "keras-seq")
    env = {"KERAS_SEQ_APPLICATIONS": None}
    return run_python(*python_options, script, *args, pythonpath=site, cwd=cwd, env=env)


def test_wheel_holds_the_command_package(wheel):
    names = zipfile.ZipFile(wheel[0]).namelist()
    assert {f"keras_seq/cli/{name}.py" for name in CLI_MODULES} <= set(names)
    assert not [name for name in names if name.endswith("_command.py")]


def test_keras_seq_is_imported_from_the_wheel(wheel, tmp_path):
    code = "import importlib.util; print(importlib.util.find_spec('keras_seq').origin)"
    result = run_python("-c", code, pythonpath=wheel[1], cwd=tmp_path)
    assert result.stdout.strip() == str(wheel[1] / "keras_seq" / "__init__.py")


def test_help_imports_no_tensorflow(wheel, tmp_path):
    result = keras_seq_script(wheel[1], "--help", cwd=tmp_path, python_options=("-X", "importtime"))
    assert result.returncode == 0 and "usage: keras-seq" in result.stdout
    modules = imported_modules(result.stderr)
    assert "keras_seq.cli" in modules and "tensorflow" not in modules


def test_bleu(wheel, tmp_path):
    (tmp_path / "hyp.txt").write_text("the cat sat on the mat\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("the cat sat on a mat\n", encoding="utf-8")
    result = keras_seq_script(wheel[1], "bleu", "hyp.txt", "ref.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|")
    assert " = 53.73 " in result.stdout


def test_translate_missing_folder(wheel, tmp_path):
    result = keras_seq_script(wheel[1], "translate", "no_model", "hello", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "keras-seq translate: no SavedModel folder at 'no_model'\n"


def test_train_without_applications(wheel, tmp_path):
    result = keras_seq_script(wheel[1], "train", "translation", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("keras-seq train: no applications folder at 'applications'")
    assert result.stderr.count("\n") == 1
