"""`keras-seq` without a subcommand, `--version`, and which modules the command loads."""

import pytest

import keras_seq
from keras_seq import cli
from tests.cli._command import imported_modules, keras_seq_command


def test_no_arguments_prints_version_and_subcommands(capsys):
    assert cli.main([]) == 0
    output = capsys.readouterr().out
    assert f"keras-seq {keras_seq.__version__}" in output
    assert "subcommands: bleu, demo, train, translate" in output


def test_python_m_reports_version():
    result = keras_seq_command("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"keras-seq {keras_seq.__version__}"


@pytest.mark.parametrize("args", [["--help"], ["bleu", "--help"], ["translate", "--help"]])
def test_help_does_not_import_tensorflow(args):
    result = keras_seq_command(*args, python_options=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    modules = imported_modules(result.stderr)
    assert "keras_seq.cli" in modules  # the check sees the command's own imports
    assert not {"tensorflow", "keras"} & modules
    assert "usage: keras-seq" in result.stdout
