"""`keras-seq train APP`: finding the applications folder and running an application."""

import json
import socket
import sys

import keras
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


# An application that builds a model where the applications do, and reports the strategy
# and dtype policy it was built with.
DISTRIBUTED = """
import json
import keras
import tensorflow as tf
from keras_seq.cli.train import strategy_scope
with strategy_scope():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
strategy = model.distribute_strategy
kinds = {
    "MultiWorkerMirroredStrategy": tf.distribute.MultiWorkerMirroredStrategy,
    "MirroredStrategy": tf.distribute.MirroredStrategy,
    "other": object,
}
resolver = getattr(strategy, "cluster_resolver", None)
print(json.dumps({
    "strategy": next(name for name, kind in kinds.items() if isinstance(strategy, kind)),
    "replicas": strategy.num_replicas_in_sync,
    "cluster": resolver.cluster_spec().as_dict() if resolver else None,
    "variable": type(model.layers[0].kernel.value).__name__,
    "policy": model.dtype_policy.name,
    "outside": type(tf.distribute.get_strategy()).__name__,
}))
"""


@pytest.fixture
def distributed_app(applications):
    (applications / "distributed.py").write_text(DISTRIBUTED)
    return applications


def last_json_line(text):
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["app"], (None, None, [])),
        (["--strategy", "mirrored", "app", "-n", "3"], ("mirrored", None, ["-n", "3"])),
        (
            ["app", "--quick", "--strategy", "multiworker", "--mixed-precision=mixed_float16"],
            ("multiworker", "mixed_float16", ["--quick"]),
        ),
        (
            ["--mixed-precision", "mixed_bfloat16", "app", "--mixed-precision", "mixed_bfloat16"],
            (None, "mixed_bfloat16", []),
        ),
    ],
)
def test_run_options_before_or_after_the_application(argv, expected):
    parser, _ = cli.build_parser()
    assert train.run_options(parser.parse_args(["train", *argv])) == expected


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--strategy", "tpu", "app"],
            "argument --strategy: invalid choice: 'tpu' (choose from mirrored, multiworker)",
        ),
        (
            ["app", "--mixed-precision", "float16"],
            "argument --mixed-precision: invalid choice: 'float16' (choose from "
            "mixed_float16, mixed_bfloat16)",
        ),
        (
            ["--strategy", "mirrored", "app", "--strategy", "multiworker"],
            "argument --strategy: given twice, as 'mirrored' and 'multiworker'",
        ),
    ],
)
def test_bad_run_options_name_the_flag(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", *argv])
    assert info.value.code == 2
    error = capsys.readouterr().err
    # argparse quotes the choices from Python 3.12.3 on.
    assert message in error.replace("'mirrored', 'multiworker'", "mirrored, multiworker").replace(
        "'mixed_float16', 'mixed_bfloat16'", "mixed_float16, mixed_bfloat16"
    )


@pytest.mark.tensorflow_only
def test_mirrored_mixed_precision_builds_the_model_in_the_strategy(distributed_app, capsys):
    previous = keras.mixed_precision.global_policy().name
    argv = ["--applications", str(distributed_app), "distributed"]
    cli.main(["train", *argv, "--strategy", "mirrored", "--mixed-precision", "mixed_bfloat16"])
    report = last_json_line(capsys.readouterr().out)
    assert report == {
        "strategy": "MirroredStrategy",
        "replicas": 1,  # MirroredStrategy's default devices: the one CPU here
        "cluster": None,
        "variable": "MirroredVariable",
        "policy": "mixed_bfloat16",
        "outside": "_DefaultDistributionStrategy",  # only model building is in the scope
    }
    assert keras.mixed_precision.global_policy().name == previous
    cli.main(["train", *argv])
    assert last_json_line(capsys.readouterr().out)["strategy"] == "other"


@pytest.mark.tensorflow_only
def test_multiworker_reads_tf_config(distributed_app):
    """A one-worker cluster on a free loopback port, in a fresh process: the collective
    strategy must be created before any other TensorFlow op."""
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    tf_config = {
        "cluster": {"worker": [f"localhost:{port}"]},
        "task": {"type": "worker", "index": 0},
    }
    result = keras_seq_command(
        "train",
        "--applications",
        str(distributed_app),
        "distributed",
        "--strategy",
        "multiworker",
        env={"TF_CONFIG": json.dumps(tf_config)},
    )
    assert result.returncode == 0, result.stderr
    report = last_json_line(result.stdout)
    assert report["strategy"] == "MultiWorkerMirroredStrategy"
    assert report["replicas"] == 1
    assert report["cluster"] == tf_config["cluster"]


def test_multiworker_rejects_a_tf_config_that_is_not_json(distributed_app, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", "{cluster: }")
    argv = ["train", "--applications", str(distributed_app), "distributed"]
    with pytest.raises(SystemExit) as info:
        cli.main([*argv, "--strategy=multiworker"])
    message = str(info.value)
    assert message.startswith(
        "keras-seq train: --strategy multiworker reads the cluster from TF_CONFIG, which is "
        "not JSON ("
    )
    assert message.endswith("Received: TF_CONFIG='{cluster: }'")


@pytest.mark.tensorflow_only
def test_quick_application_run_mirrored_in_bfloat16(tmp_path):
    """The fastest application (sorted_sequences: 300 generated examples, one epoch)
    trains, evaluates, saves and serves under one-device MirroredStrategy and
    mixed_bfloat16; its saved model keeps the policy.

    It runs in a fresh process, as a user's shell would: a strategy and a global
    policy are process-wide state, and a native crash then shows up with Python's
    fault handler trace instead of taking the pytest worker down.
    """
    result = keras_seq_command(
        "train",
        "--applications",
        str(ROOT / "applications"),
        "sorted_sequences",
        "--strategy",
        "mirrored",
        "--mixed-precision",
        "mixed_bfloat16",
        "--epochs",
        "1",
        "--examples",
        "300",
        "--output",
        str(tmp_path),
        python_options=("-X", "faulthandler"),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "SavedModel predictions on five test sequences:" in result.stdout
    model = keras.saving.load_model(tmp_path / "sorted.keras")
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert (tmp_path / "sorted_savedmodel" / "saved_model.pb").is_file()
