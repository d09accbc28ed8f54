"""BleuCallback with Keras's fit, History, ModelCheckpoint, EarlyStopping and TensorBoard.

`test_real_seq2seq_with_checkpoint_and_tensorboard` trains a real tiny
`keras_seq.models.Seq2Seq` with `keras_seq.data.WordTokenizer`s. The other tests need a
BLEU that changes from epoch to epoch in a known way, so they use stand-ins:
`StandInTokenizer` maps words to ids, `Trainee` is a tiny `keras.Model` with one
trainable layer, and `ScheduledBleu` is a `BleuCallback` whose `translate` returns the
reference translation with more or fewer words garbled depending on how many epochs
the model has trained (read from the optimizer's step counter).
"""

import glob
import os
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq.callbacks import BleuCallback
from keras_seq.metrics import corpus_bleu, corpus_chrf

SOURCES = [
    "le chat dort sur le tapis",
    "il fait beau aujourd'hui",
    "nous allons à la plage demain matin",
    "elle lit un livre dans le jardin",
    "je ne comprends pas la question",
]
REFERENCES = [
    "the cat sleeps on the mat",
    "the weather is nice today",
    "we are going to the beach tomorrow morning",
    "she reads a book in the garden",
    "i do not understand the question",
]
STEPS_PER_EPOCH = 2


class StandInTokenizer:
    """Stand-in tokenizer: one id per word (0 is padding)."""

    def __init__(self, texts):
        words = sorted({w for t in texts for w in t.split()})
        self.ids = {w: i + 1 for i, w in enumerate(words)}

    def encode(self, texts):
        rows = [[self.ids[w] for w in t.split()] for t in texts]
        length = max(len(r) for r in rows)
        return np.array([r + [0] * (length - len(r)) for r in rows], dtype="int32")

    def decode(self, ids):
        raise AssertionError("ScheduledBleu translates without decoding")


class Trainee(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)


class ScheduledBleu(BleuCallback):
    """`translate` garbles `schedule[epoch]` words of each reference."""

    def __init__(self, schedule, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        self.calls = []

    def translate(self, sources):
        self.calls.append(len(sources))
        epoch = int(self.model.optimizer.iterations.numpy()) // STEPS_PER_EPOCH - 1
        wrong = self.schedule[epoch]
        outputs = []
        for source in sources:
            words = REFERENCES[SOURCES.index(source)].split()
            outputs.append(" ".join(["the"] * min(wrong, len(words)) + words[wrong:]))
        return outputs


def make(schedule, **kwargs):
    model = Trainee()
    model.compile(optimizer="sgd", loss="mse")
    kwargs.setdefault("verbose", 0)
    callback = ScheduledBleu(
        schedule,
        SOURCES,
        REFERENCES,
        source_tokenizer=StandInTokenizer(SOURCES),
        target_tokenizer=StandInTokenizer(REFERENCES),
        **kwargs,
    )
    return model, callback


def fit(model, callbacks, epochs):
    x = np.zeros((STEPS_PER_EPOCH * 4, 3), "float32")
    y = np.zeros((STEPS_PER_EPOCH * 4, 1), "float32")
    return model.fit(x, y, batch_size=4, epochs=epochs, callbacks=callbacks, verbose=0)


def expected_scores(schedule, score=corpus_bleu, **options):
    scores = []
    for wrong in schedule:
        hypotheses = []
        for reference in REFERENCES:
            words = reference.split()
            hypotheses.append(" ".join(["the"] * min(wrong, len(words)) + words[wrong:]))
        scores.append(score(hypotheses, REFERENCES, **options).score)
    return scores


def test_val_bleu_goes_to_history_every_epoch():
    schedule = [4, 2, 0]
    model, callback = make(schedule)
    history = fit(model, [callback], epochs=3)
    expected = expected_scores(schedule)
    assert expected[0] < expected[1] < expected[2] == pytest.approx(100.0)
    assert history.history["val_bleu"] == pytest.approx(expected, abs=1e-9)
    assert callback.last_score.score == pytest.approx(expected[-1])
    assert callback.calls == [5, 5, 5]


def test_val_chrf_beside_val_bleu_with_its_options(capsys):
    schedule = [4, 2, 0]
    model, callback = make(
        schedule, metrics=("bleu", "chrf"), chrf_options={"word_order": 2}, verbose=2
    )
    history = fit(model, [callback], epochs=3)
    chrf = expected_scores(schedule, corpus_chrf, word_order=2)
    assert chrf[0] < chrf[1] < chrf[2] == 100.0
    assert history.history["val_chrf"] == pytest.approx(chrf, abs=1e-9)
    assert history.history["val_bleu"] == pytest.approx(expected_scores(schedule), abs=1e-9)
    assert callback.last_score is callback.last_scores["val_bleu"]
    assert callback.last_scores["val_chrf"].name == "chrF2++"
    assert callback.calls == [5, 5, 5]  # one translation for both metrics
    assert "val_chrf: chrF2++|nrefs:1|" in capsys.readouterr().out
    state = callback.get_state()
    assert state["history"]["val_chrf"] == history.history["val_chrf"]
    callback.set_state(state, initial_epoch=2)
    assert callback.history == {
        "epoch": [0, 1],
        "val_bleu": history.history["val_bleu"][:2],
        "val_chrf": history.history["val_chrf"][:2],
    }


def test_chrf_alone_drives_model_checkpoint(tmp_path):
    schedule = [3, 5, 1]  # chrF: first, worse, better
    model, callback = make(schedule, metrics=("chrf",), chrf_name="chrf")
    checkpoint = keras.callbacks.ModelCheckpoint(
        os.path.join(tmp_path, "best-{epoch:02d}.weights.h5"),
        monitor="chrf",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
    )
    history = fit(model, [callback, checkpoint], epochs=3)
    expected = expected_scores(schedule, corpus_chrf)
    assert expected[1] < expected[0] < expected[2]
    assert history.history["chrf"] == pytest.approx(expected, abs=1e-9)
    assert "val_bleu" not in history.history
    assert callback.best == pytest.approx(expected[2])
    assert sorted(os.listdir(tmp_path)) == ["best-01.weights.h5", "best-03.weights.h5"]


def test_model_checkpoint_saves_only_on_improvement_with_every_n_epochs(tmp_path):
    # Evaluated after epochs 2, 4 and 6 (every_n_epochs=2): first, worse, better.
    schedule = [5, 3, 0, 4, 5, 1]
    model, callback = make(schedule, every_n_epochs=2)
    path = os.path.join(tmp_path, "best-{epoch:02d}.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="val_bleu", mode="max", save_best_only=True, save_weights_only=True
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, [callback, checkpoint], epochs=6)
    expected = expected_scores(schedule)
    assert expected[3] < expected[1] < expected[5]
    # Epoch 1 has no score yet; epochs 3 and 5 repeat the latest one.
    assert history.history["val_bleu"] == pytest.approx(
        [expected[1], expected[1], expected[3], expected[3], expected[5]]
    )
    assert len(callback.calls) == 3
    # Keras's ModelCheckpoint saves (with a warning) when the value is missing, as on
    # epoch 1; afterwards only improvements are saved: epochs 2 and 6, not 3, 4, 5.
    assert sorted(os.listdir(tmp_path)) == [
        "best-01.weights.h5",
        "best-02.weights.h5",
        "best-06.weights.h5",
    ]
    assert [str(w.message) for w in caught if "val_bleu" in str(w.message)] == [
        "Can save best model only with val_bleu available."
    ]


def test_a_second_fit_starts_without_a_stale_score():
    model, callback = make([0, 0, 0, 0], every_n_epochs=2)
    fit(model, [callback], epochs=2)
    history = fit(model, [callback], epochs=1)
    assert "val_bleu" not in history.history


def test_early_stopping_sees_the_score():
    # Scores after epochs 1, 2, 3: better, equal, equal; patience 2 stops after epoch 3.
    model, callback = make([3, 3, 3, 0, 0])
    stopper = keras.callbacks.EarlyStopping(monitor="val_bleu", mode="max", patience=2)
    history = fit(model, [callback, stopper], epochs=5)
    assert len(history.history["val_bleu"]) == 3


def test_callbacks_before_it_do_not_see_the_score():
    """Documents the ordering rule of the docstring: Keras calls callbacks in order."""
    seen = {}

    class Spy(keras.callbacks.Callback):
        def __init__(self, key):
            super().__init__()
            self.key = key

        def on_epoch_end(self, epoch, logs=None):
            seen[self.key] = "val_bleu" in logs

    model, callback = make([0])
    fit(model, [Spy("before"), callback, Spy("after")], epochs=1)
    assert seen == {"before": False, "after": True}


def test_batches_max_samples_and_progress(capsys):
    model, callback = make([0], batch_size=2, max_samples=3, num_examples=2, verbose=1)
    history = fit(model, [callback], epochs=1)
    assert callback.calls == [2, 1]
    assert history.history["val_bleu"] == pytest.approx([100.0])
    assert callback.last_score.hyp_len == sum(len(r.split()) for r in REFERENCES[:3])
    out = capsys.readouterr().out
    assert "3/3" in out  # the progress bar
    assert "BLEU|nrefs:1|" in out
    assert out.count("source:") == 2 and SOURCES[1] in out and SOURCES[2] not in out


def test_bleu_options_are_passed_to_corpus_bleu():
    model, callback = make([2], tokenize="char", max_order=2, name="bleu_chars")
    history = fit(model, [callback], epochs=1)
    assert "tok:char" in callback.last_score.signature
    assert len(callback.last_score.counts) == 2
    assert "bleu_chars" in history.history


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"references": REFERENCES[:2]}, ValueError, "5 sources and 2 references"),
        ({"sources": "le chat"}, TypeError, "sources='le chat'"),
        ({"sources": []}, ValueError, "sources=[]"),
        ({"references": [["a"], []] + REFERENCES[2:]}, ValueError, "references[1]=[]"),
        ({"every_n_epochs": 0}, ValueError, "every_n_epochs=0"),
        ({"max_samples": 0}, ValueError, "max_samples=0"),
        ({"batch_size": 1.5}, TypeError, "batch_size=1.5"),
        ({"decoding": "nucleus"}, ValueError, "decoding='nucleus'"),
        ({"max_length": 0}, ValueError, "max_length=0"),
        ({"num_examples": -1}, ValueError, "num_examples=-1"),
        ({"smooth": "nist"}, ValueError, "smooth='nist'"),
        ({"max_orders": 3}, TypeError, "max_orders"),
        ({"source_tokenizer": object()}, TypeError, "source_tokenizer="),
        ({"target_tokenizer": "words"}, TypeError, "target_tokenizer='words'"),
        ({"num_examples": 1.0}, TypeError, "num_examples=1.0"),
        ({"metrics": "chrf"}, TypeError, "metrics='chrf'"),
        ({"metrics": ("bleu", "rouge")}, ValueError, "metrics='rouge'"),
        ({"metrics": ()}, ValueError, "metrics=()"),
        ({"chrf_options": {"char_order": 0}}, ValueError, "char_order=0"),
        ({"chrf_options": {"order": 2}}, TypeError, "order"),
        ({"chrf_options": [2]}, TypeError, "chrf_options=[2]"),
        ({"chrf_name": "val_bleu"}, ValueError, "must differ"),
    ],
)
def test_bad_arguments(kwargs, error, words):
    arguments = {
        "sources": SOURCES,
        "references": REFERENCES,
        "source_tokenizer": StandInTokenizer(SOURCES),
        "target_tokenizer": StandInTokenizer(REFERENCES),
    }
    arguments.update(kwargs)
    with pytest.raises(error) as info:
        BleuCallback(arguments.pop("sources"), arguments.pop("references"), **arguments)
    assert words in str(info.value)


PAIRS = [  # four words each, so that every n-gram order of BLEU has n-grams
    ("one two three four", "un deux trois quatre"),
    ("four three two one", "quatre trois deux un"),
    ("two three four one", "deux trois quatre un"),
    ("one one two two", "un un deux deux"),
    ("three four four three", "trois quatre quatre trois"),
]


def scalars(log_dir, tag):
    """{step: value} of a scalar summary in the event files under `log_dir`."""
    values = {}
    for path in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values


def core_scalar(name, data, step=None, description=None):
    """`tf.summary.scalar` without the tensorboard package: the same tag, value and step."""
    del description
    return tf.summary.write(name, tf.cast(data, tf.float32), step=step)


def test_real_seq2seq_with_checkpoint_and_tensorboard(tmp_path, monkeypatch):
    try:
        import tensorboard  # noqa: F401  (tf.summary.scalar lives there)
    except ImportError:  # keras-seq does not depend on it; core TF writes the same event
        # Keras's TensorBoard uses `import tensorflow.summary`, whose first import
        # reloads the module: patch the module that import returns.
        import tensorflow.summary as summary

        monkeypatch.setattr(summary, "scalar", core_scalar)
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in PAIRS])
    target.adapt([t for _, t in PAIRS])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 16, 16),
        ks.layers.RNNDecoder(target.vocabulary_size, 16, 16),
        max_length=6,
    )
    model.compile(keras.optimizers.Adam(3e-2))
    sources = source.encode([s for s, _ in PAIRS] * 16)
    targets = target.encode([t for _, t in PAIRS] * 16, add_end=False)

    saves = []
    save = ks.models.Seq2Seq.save

    def spy(self, filepath, *args, **kwargs):
        saves.append(filepath)
        return save(self, filepath, *args, **kwargs)

    monkeypatch.setattr(ks.models.Seq2Seq, "save", spy)
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs.get("val_bleu"), len(saves)))

    path = str(tmp_path / "best.keras")
    log_dir = str(tmp_path / "logs")
    bleu = BleuCallback(
        [s for s, _ in PAIRS],
        [t for _, t in PAIRS],
        source_tokenizer=source,
        target_tokenizer=target,
        verbose=0,
    )
    history = model.fit(
        sources,
        targets,
        batch_size=16,
        epochs=3,
        verbose=0,
        callbacks=[
            # The third epoch does not change the weights, so its score cannot improve.
            keras.callbacks.LearningRateScheduler(lambda epoch, rate: 0.0 if epoch == 2 else rate),
            bleu,
            keras.callbacks.ModelCheckpoint(
                path, monitor="val_bleu", mode="max", save_best_only=True
            ),
            keras.callbacks.TensorBoard(log_dir),
            Recorder(),
        ],
    )
    scores = history.history["val_bleu"]
    assert len(scores) == 3 and all(0.0 <= score <= 100.0 for score in scores)
    assert scores[1] > 0.0  # the model learned something: not a constant 0 score
    assert scores == [score for score, _ in seen]
    assert scores[2] == scores[1] and bleu.last_score.score == scores[2]
    # Saved after epoch 1 (the first score), after epoch 2 only if it improved, never after 3.
    improved = [True, scores[1] > scores[0], False]
    counts = [0] + [count for _, count in seen]
    assert [after > before for before, after in zip(counts, counts[1:])] == improved
    assert saves == [path] * sum(improved) and os.path.isfile(path)
    # TensorBoard writes `val_*` logs to the validation run, without the prefix.
    logged = scalars(os.path.join(log_dir, "validation"), "epoch_bleu")
    assert logged == pytest.approx(dict(enumerate(scores)), abs=1e-4)


def test_decoding_and_max_length_reach_the_generator():
    """The callback scores what a TextGenerator with its strategy and length produces;
    an n-best strategy is scored on its best hypothesis."""
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in PAIRS])
    target.adapt([t for _, t in PAIRS])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 16, 16),
        ks.layers.RNNDecoder(target.vocabulary_size, 16, 16),
        max_length=6,
    )
    model.compile(keras.optimizers.Adam(3e-2))
    model.fit(
        source.encode([s for s, _ in PAIRS] * 16),
        target.encode([t for _, t in PAIRS] * 16, add_end=False),
        epochs=3,
        verbose=0,
    )
    sources, references = [s for s, _ in PAIRS], [t for _, t in PAIRS]

    def score(decoding, max_length):
        callback = BleuCallback(
            sources,
            references,
            source_tokenizer=source,
            target_tokenizer=target,
            decoding=decoding,
            max_length=max_length,
            verbose=0,
        )
        callback.set_model(model)
        return callback.evaluate().score, callback.translate(sources)

    beam = ks.decoding.BeamSearch(beam_width=3)
    best, outputs = score(beam, 5)
    generated = model.generate(source.encode(sources), decoding=beam, max_length=5)
    decoded = target.decode(generated)
    decoded = decoded.numpy().tolist() if hasattr(decoded, "numpy") else decoded
    assert outputs == [t.decode() if isinstance(t, bytes) else t for t in decoded]
    assert best == pytest.approx(corpus_bleu(outputs, references).score)
    n_best = ks.decoding.BeamSearch(beam_width=3, num_return=2)
    assert score(n_best, 5) == (best, outputs)
    # One token (the end token or a single word) per output: a lower score.
    short, short_outputs = score(beam, 1)
    assert all(len(text.split()) <= 1 for text in short_outputs) and short < best
