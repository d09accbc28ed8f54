"""`keras-seq train APP`: finding the applications folder and running an application."""

import sys

import pytest

from keras_seq import cli
from keras_seq.cli import train
from tests.cli._command import ROOT, keras_seq_command

# An application that reports its arguments and whether the whole library was loaded.
HELLO = """
import sys
import keras_seq
print("hello", sys.argv[1:], "keras_seq.metrics.bleu" in sys.modules, keras_seq.models.__name__)
"""


@pytest.fixture
def applications(tmp_path):
    folder = tmp_path / "apps"
    folder.mkdir()
    (folder / "hello.py").write_text(HELLO)
    (folder / "_helpers.py").write_text("")
    return folder


def test_the_checkout_has_the_applications():
    names = train.available(ROOT / "applications")
    assert {"translation", "paper_replication", "dates", "sorted_sequences"} <= set(names)


def test_runs_an_application_from_the_option(applications, capsys):
    cli.main(["train", "--applications", str(applications), "hello", "--quick", "-n", "3"])
    assert capsys.readouterr().out == "hello ['--quick', '-n', '3'] True keras_seq.models\n"


def test_runs_an_application_from_the_environment_variable(
    applications, capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("KERAS_SEQ_APPLICATIONS", str(applications))
    monkeypatch.chdir(tmp_path)
    cli.main(["train", "hello"])
    assert capsys.readouterr().out == "hello [] True keras_seq.models\n"


def test_runs_an_application_from_the_working_directory(applications, capsys, monkeypatch):
    monkeypatch.delenv("KERAS_SEQ_APPLICATIONS", raising=False)
    monkeypatch.chdir(applications.parent)
    applications.rename(applications.parent / "applications")
    cli.main(["train", "hello", "x"])
    assert capsys.readouterr().out == "hello ['x'] True keras_seq.models\n"


def test_unknown_application_lists_the_folder(applications):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--applications", str(applications), "_helpers"])
    assert str(info.value) == (
        f"keras-seq train: unknown application '_helpers'; {str(applications)!r} has: hello"
    )


def test_no_applications_folder_is_a_one_line_error(tmp_path):
    result = keras_seq_command(
        "train", "translation", cwd=tmp_path, env={"KERAS_SEQ_APPLICATIONS": None}
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        "keras-seq train: no applications folder at 'applications'; the applications ship "
        "in the keras-seq source repository, not in the installed package: run from the "
        "root of a checkout, or pass --applications DIR or set KERAS_SEQ_APPLICATIONS\n"
    )


def test_restores_sys_argv(applications, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["pytest"])
    cli.main(["train", "--applications", str(applications), "hello", "x"])
    assert sys.argv == ["pytest"]


def test_command_loads_the_library_for_the_application(applications, tmp_path):
    """In a fresh process, which skipped `import keras_seq`'s eager imports."""
    result = keras_seq_command("train", "--applications", str(applications), "hello", "a")
    assert result.stderr == ""
    assert result.stdout == "hello ['a'] True keras_seq.models\n"
