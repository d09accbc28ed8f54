import subprocess
import sys

import keras_seq
from keras_seq import cli


def test_no_arguments_prints_version_and_subcommands(capsys):
    assert cli.main([]) == 0
    output = capsys.readouterr().out
    assert f"keras-seq {keras_seq.__version__}" in output
    assert "subcommands:" in output and "bleu" in output


def test_console_script_reports_version():
    result = subprocess.run(
        [sys.executable, "-m", "keras_seq.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"keras-seq {keras_seq.__version__}"
