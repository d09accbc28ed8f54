"""The applications and `keras-seq demo` run end to end (quick modes) and reach stated floors."""

import ast
import importlib.util
import pathlib

import keras
import numpy as np
import pytest

from keras_seq import cli
from tests.datasets._data import data_dir, use_data

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


def test_demo_command_quick_run(tmp_path, capsys):
    """2,000 generated dates, one epoch (about 30 s): the whole path runs and the exported
    model answers; a one-epoch model already gets most dates right."""
    cli.main(["demo", "--quick", "--output", str(tmp_path), "--text", "3rd of March, 2021"])
    output = capsys.readouterr().out
    assert "| beam 4 |" in output and "'3rd of March, 2021' ->" in output
    for name in ("attention.png", "dates.keras", "dates_savedmodel/saved_model.pb"):
        assert (tmp_path / name).is_file()


def test_dates_application_reads_a_pairs_file(tmp_path, capsys):
    """`dates.py --data FILE` trains on the user's own human<TAB>ISO pairs."""
    from keras_seq.datasets import dates

    pairs = dates.load_data(1500, seed=7, split=(1.0, 0.0, 0.0)).train
    path = tmp_path / "my_dates.tsv"
    path.write_text("".join(f"{human}\t{iso}\n" for human, iso in pairs), encoding="utf-8")
    results = load("dates").main(
        ["--data", str(path), "--epochs", "1", "--output", str(tmp_path / "run")]
    )
    assert "1200 training, 150 validation, 150 test pairs" in capsys.readouterr().out
    assert [name for name, _, _ in results["rows"]] == ["greedy", "beam 4"]
    assert (tmp_path / "run" / "dates_savedmodel" / "saved_model.pb").is_file()


def test_translation_quick_beats_an_untrained_model(tmp_path, monkeypatch):
    """Quick run (30,000 pairs cut to <= 6 tokens, 5 epochs, 128 units; ~90 s on 2 cores).
    Measured: untrained greedy BLEU 0.01; trained greedy 0.26-0.44, beams 2/4/8 0.28-0.47
    (machines differ). Below 1 BLEU the order of greedy and beam is noise, so the test
    asks only that every trained decoding beats the untrained model; the full run
    (applications/README.md) compares them."""
    monkeypatch.setenv("KERAS_SEQ_DATA", str(data_dir()))
    results = load("translation").main(["--quick", "--output", str(tmp_path)])
    bleu = results["bleu"]
    assert bleu["greedy"] > results["untrained_bleu"] + 0.1
    beams = [bleu["beam 2"], bleu["beam 4"], bleu["beam 8"]]
    assert min(beams) > results["untrained_bleu"] + 0.1
    assert (tmp_path / "best.keras").is_file() and (tmp_path / "attention.png").is_file()


def test_translation_ensemble_quick_run(tmp_path, monkeypatch):
    """`--ensemble 2 --quick`: two 64-unit models, 2 epochs on ~1,800 short pairs (~40 s
    on 2 idle cores, most of it tracing). Too little training for BLEU above 0, so the
    check is the property every ensemble must have: its reference log-likelihood is at
    least the mean of its members' (the averaged log-probability of each token is at
    least the members' mean), so its perplexity is at most their geometric mean."""
    monkeypatch.setenv("KERAS_SEQ_DATA", str(data_dir()))
    results = load("translation").main(["--ensemble", "2", "--quick", "--output", str(tmp_path)])
    first, second, ensemble = results.values()
    for row in (first, second, ensemble):
        assert set(row) == {"greedy", "beam 4", "perplexity"}
        assert 1.0 < row["perplexity"] < 5000.0
    assert ensemble["perplexity"] <= np.sqrt(first["perplexity"] * second["perplexity"]) + 1e-3


def test_paper_replication_quick_runs_every_experiment(tmp_path, monkeypatch):
    """`--quick`: every experiment at toy size (16 units, 12 SGD steps per model, 8
    test sentences; 42 s on 2 busy cores). Far too little training for any finding to
    show, so the test checks the rows, the files, and that each trained model's
    perplexity is below a uniform guess over its target vocabulary."""
    import json

    monkeypatch.setenv("KERAS_SEQ_DATA", str(data_dir()))
    app = load("paper_replication")
    rows = app.main(["--quick", "--output", str(tmp_path)])
    assert json.loads((tmp_path / "paper_replication.json").read_text()) == rows
    assert (tmp_path / "depth_curves.png").is_file()
    keys = {"finding", "paper", "metric", "ours_baseline", "ours_variant"}
    keys |= {"direction_reproduced", "notes"}
    findings = " ".join(r["finding"] for r in rows)
    for name in ("cipher, length 4", "cipher, length 8", "Tatoeba", "depth", "beam 12"):
        assert name in findings
    assert "ensemble" in findings and "rescoring" in findings
    for r in rows:
        assert set(r) == keys
        lower = "perplexity" in r["metric"]
        better = (
            r["ours_variant"] < r["ours_baseline"]
            if lower
            else r["ours_variant"] > r["ours_baseline"]
        )
        assert r["direction_reproduced"] == better
        if lower:
            uniform = 24 if r["finding"].startswith("cipher") else 300
            assert 1.0 < r["ours_baseline"] < uniform and 1.0 < r["ours_variant"] < uniform


def test_paper_replication_takes_several_experiments():
    app = load("paper_replication")
    chosen = app.parse_args(["--experiment", "rescoring", "beam", "rescoring"]).experiment
    assert chosen == ["rescoring", "beam"]
    assert app.parse_args([]).experiment == list(app.EXPERIMENTS)
    assert app.parse_args(["--experiment", "beam", "all"]).experiment == list(app.EXPERIMENTS)
    with pytest.raises(SystemExit):
        app.parse_args(["--experiment", "beam", "width"])


def test_paper_replication_time_limit_halves_the_rate_in_cpu_time(monkeypatch):
    """A time-limited model halves its rate from two thirds of its CPU budget on, every
    fifteenth of it after, however many steps it runs, and stops at the budget."""
    import keras_seq as ks

    app = load("paper_replication")
    now = [100.0]
    monkeypatch.setattr(app.time, "process_time", lambda: now[0])
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.7), "mse")
    schedule = ks.schedules.HalvingSchedule(0.7, steps_per_epoch=80)  # 600 s / 7.5
    limit = app.TimeLimit(600, every=1000, schedule=schedule)
    limit.set_model(model)
    limit.on_train_begin()
    rates = []
    for batch, seconds in enumerate([0, 399, 401, 441, 590]):
        now[0] = 100.0 + seconds
        limit.on_train_batch_begin(batch)
        rates.append(round(float(model.optimizer.learning_rate), 4))
        limit.on_train_batch_end(batch, {"loss": 1.0})  # the clock starts at the first
        assert not model.stop_training
    assert rates == [0.7, 0.7, 0.35, 0.175, 0.0219]
    now[0] = 701.0
    limit.on_train_batch_end(5, {"loss": 1.0})
    assert model.stop_training


def test_paper_replication_loss_is_summed_per_sentence():
    """The paper's objective, checked against the teacher-forced `score` (each
    sentence's summed log-probability, end token included): its mean over the batch,
    where keras-seq's default loss is the mean over tokens."""
    import keras_seq as ks

    app = load("paper_replication")
    keras.utils.set_random_seed(0)
    model = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 8, 8), ks.layers.RNNDecoder(20, 8, 8))
    rng = np.random.default_rng(0)
    inputs = rng.integers(4, 20, size=(6, 5))
    targets = rng.integers(4, 20, size=(6, 7))
    ended = np.pad(targets, [[0, 0], [0, 1]])  # what `score` reads: targets + end token
    for row, length in enumerate([7, 1, 3, 5, 2, 6]):
        targets[row, length:] = 0
        ended[row, length:] = 0
        ended[row, length] = model.end_id
    scores = keras.ops.convert_to_numpy(model.score(inputs, ended))
    # The default first: Keras's `compile` keeps a loss given before when given none.
    model.compile("sgd")
    per_token = model.evaluate(inputs, targets, batch_size=6, verbose=0)
    np.testing.assert_allclose(per_token, -scores.sum() / np.count_nonzero(ended), rtol=1e-5)
    model.compile("sgd", loss=app.SentenceCrossEntropy())
    loss = model.evaluate(inputs, targets, batch_size=6, verbose=0)
    np.testing.assert_allclose(loss, -scores.mean(), rtol=1e-5)


def test_paper_replication_cipher_is_a_word_map_with_neighbour_swaps():
    """The generated cipher, read back by hand: undoing each modifier's swap and the
    word map gives the source again."""
    app = load("paper_replication")
    pairs = app.cipher_pairs(200, 3, 9, 30, seed=1)
    assert pairs == app.cipher_pairs(200, 3, 9, 30, seed=1)
    assert pairs != app.cipher_pairs(200, 3, 9, 30, seed=2)
    mapping = {}
    for source, target in pairs:
        words, ciphered = source.split(), target.split()
        assert 3 <= len(words) <= 9 and len(ciphered) == len(words)
        i = 0
        while i < len(words):
            step = 2 if int(words[i][1:]) % 5 == 0 and i + 1 < len(words) else 1
            for j in range(step):  # the target holds this span in reverse order
                word, code = words[i + j], ciphered[i + step - 1 - j]
                assert mapping.setdefault(word, code) == code
            i += step
    assert len(set(mapping.values())) == len(mapping)  # one code per word


def check_results_file(folder, results):
    """`folder/results.json` holds the shared fields, as returned by `main`."""
    import json

    saved = json.loads((folder / "results.json").read_text())
    for key in ("task", "metric", "model", "baseline", "higher_is_better", "wall_s"):
        assert saved[key] == results[key]
    assert isinstance(saved["model"], float) and isinstance(saved["baseline"], float)


def test_pos_tagging_quick_beats_the_most_frequent_tag(tmp_path, monkeypatch):
    """Quick run (3,000 training sentences, a 1-layer BiLSTM of 64 units, 4 epochs; ~45 s).
    Measured test UPOS accuracy: tagger 0.879 against 0.818 for the most frequent tag
    per word; 0.847 with every unknown word `[UNK]` (`--no-unknown-classes`). Margin
    asserted: 4 points, which the tagger without unknown-word classes misses. The
    exported tagger answers from a process that imports only TensorFlow, one tag per
    token."""
    use_data(monkeypatch, "ud-english-ewt")
    results = load("pos_tagging").main(["--quick", "--output", str(tmp_path)])
    assert results["model"] > results["baseline"] + 0.04
    check_results_file(tmp_path, results)
    for tokens, tags in zip(results["served"]["tokens"], results["served"]["tags"]):
        assert len(tokens.split()) == len(tags.split()) > 5
    assert (tmp_path / "tagger" / "saved_model.pb").is_file()


def test_sentiment_quick_beats_chance(tmp_path, monkeypatch):
    """Quick run (a unidirectional GRU of 48 units, 3 epochs; ~55 s). Measured test
    accuracy 0.75 against chance 0.50 (52% of the test split is positive); the
    bag-of-words logistic regression measured beside it scores 0.77, and beats the
    recurrent models in the full run too (applications/README.md says why), so the
    asserted margin is over chance: 15 points."""
    use_data(monkeypatch, "rt-polarity")
    results = load("sentiment").main(["--quick", "--output", str(tmp_path)])
    assert results["model"] > 0.65
    assert results["baseline"] > 0.65
    check_results_file(tmp_path, results)
    labels = results["served"]["labels"]
    assert labels[0] == "positive" and labels[1] == "negative"
    assert (tmp_path / "classifier" / "saved_model.pb").is_file()


def test_music_generation_quick_beats_chance(tmp_path):
    """Quick run (60 melodies a genre cut to 48 notes, 15 epochs, 128 units; ~20 s).
    Measured: the genre classifier (67% on 18 real test melodies) recognises the
    intended genre in 70% of the sampled melodies, against chance 1/3 (and 72% for
    shuffled training melodies: the quick generator does not beat that baseline, the
    full run does, by 6 points); margin asserted: 10 points over chance. The MIDI files
    parse back."""
    pytest.importorskip("music21")
    results = load("music_generation").main(["--quick", "--output", str(tmp_path)])
    assert results["model"] > results["chance"] + 0.10
    assert results["classifier_test_accuracy"] > results["chance"] + 0.15
    assert results["midi_parsed_notes"] > 0
    check_results_file(tmp_path, results)
    for name in ("chorale.mid", "folk.mid", "fiddle.mid", "piano_roll.png"):
        assert (tmp_path / name).is_file()


def test_captioning_quick_beats_the_most_frequent_caption(tmp_path):
    """Quick run (2,500 images, 4 + 6 epochs; ~30 s). Measured test BLEU: greedy 25.3,
    beam 26.3, most frequent caption 0.0 (exact match 8% against 0.8%). Margins
    asserted: 10 BLEU and 3 points of exact match."""
    results = load("captioning").main(["--quick", "--output", str(tmp_path)])
    assert results["model"] > results["baseline"] + 10
    for row in results["rows"].values():
        assert row["exact_match"] > results["baseline_exact_match"] + 0.03
    check_results_file(tmp_path, results)
    assert (tmp_path / "captions.png").is_file()


def test_forecasting_quick_beats_seasonal_naive(tmp_path):
    """Quick run (25 epochs, 32 units, 4 small models; ~30 s). Measured CO2 next-month
    MAE 0.29 ppm against 1.70 for the seasonal-naive forecast (the trend makes last
    year's value a poor guess); margin asserted: half the baseline's MAE. The sunspot
    one-step model beats seasonal naive too (14.3 vs 25.8 MAE)."""
    pytest.importorskip("statsmodels")
    results = load("forecasting").main(["--quick", "--output", str(tmp_path)])
    assert results["higher_is_better"] is False
    assert results["model"] < 0.5 * results["baseline"]
    sunspots = results["rows"]["sunspots"]["next value"]
    assert sunspots["model"][0] < sunspots["seasonal naive"][0]
    check_results_file(tmp_path, results)
    assert (tmp_path / "forecasts.png").is_file()


def test_one_to_one_quick_beats_chance(tmp_path):
    """Quick run (15 epochs; ~15 s). Measured test accuracy: OneToOne 0.961, ManyToOne
    (rows as steps) 0.933, logistic regression 0.969, chance 0.10. The logistic
    regression is as good as either recurrent model on these 64-pixel digits, so the
    margin asserted is over chance: 70 points (OneToOne), 60 (ManyToOne)."""
    results = load("one_to_one").main(["--quick", "--output", str(tmp_path)])
    assert results["model"] > 0.8
    assert results["many_to_one"] > 0.7
    assert results["baseline"] > 0.9
    check_results_file(tmp_path, results)


def keras_fit_calls(path):
    """The `fit(..., epochs=...)` calls of an application: Keras's (scikit-learn's take
    no `epochs`)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "fit"
            and any(keyword.arg == "epochs" for keyword in node.keywords)
        ):
            yield node


def test_every_application_fit_terminates_on_nan():
    """Each Keras `fit` of the applications takes `_common.callbacks(...)`, whose first
    callback is `TerminateOnNaN`."""
    calls = {
        f"{path.name}:{call.lineno}": call
        for path in sorted(APPLICATIONS.glob("*.py"))
        for call in keras_fit_calls(path)
    }
    assert len(calls) >= 11, sorted(calls)
    for where, call in calls.items():
        (value,) = [k.value for k in call.keywords if k.arg == "callbacks"] or [None]
        assert ast.unparse(value or ast.Constant(None)).startswith("_common.callbacks("), where
    common = load("_common")
    assert isinstance(common.callbacks()[0], keras.callbacks.TerminateOnNaN)


def test_terminate_on_nan_stops_a_diverging_fit():
    common = load("_common")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 2)), np.full((8, 1), np.nan)
    history = model.fit(x, y, batch_size=2, epochs=3, callbacks=common.callbacks(), verbose=0)
    assert len(history.history["loss"]) == 1  # stopped in the first epoch
