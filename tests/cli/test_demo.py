"""`keras-seq demo`: the arguments reach `keras_seq.demo.run`; `--quick` says what it is."""

from keras_seq import cli, demo


def record_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(demo, "run", lambda **kwargs: calls.append(kwargs))
    return calls


def test_quick_run_says_it_is_not_expected_to_learn(monkeypatch, capsys):
    calls = record_calls(monkeypatch)
    cli.main(["demo", "--quick", "--output", "out", "--text", "May 1st, 2020"])
    assert calls == [
        dict(output="out", epochs=1, num_examples=2000, batch_size=64, texts=["May 1st, 2020"])
    ]
    assert "the model is not expected to learn" in capsys.readouterr().out


def test_full_run_takes_the_options(monkeypatch, capsys):
    calls = record_calls(monkeypatch)
    cli.main(["demo", "--epochs", "2", "--examples", "500", "--batch-size", "32"])
    assert calls == [
        dict(output="keras-seq-demo", epochs=2, num_examples=500, batch_size=32, texts=[])
    ]
    assert capsys.readouterr().out == ""
