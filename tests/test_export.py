"""export_text_model: raw strings in, strings out, served without keras_seq or keras_hub."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq.export import export_text_model

PAIRS = [
    ("one two three", "un deux trois"),
    ("three two one", "trois deux un"),
    ("two three", "deux trois"),
    ("one", "un"),
    ("Où est-il ?", "Where is he?"),
    ("where is he", "Où est-il ?"),  # a non-ASCII target: UTF-8 comes out of the model
]
BATCH = [
    "one two three",
    "",  # empty
    "zzz qqq",  # only unknown words
    " ".join(["one two three"] * 40),  # very long
    "Où est-il ?",  # non-ASCII
    "where is he",  # translates to non-ASCII text
]


@pytest.fixture(scope="module")
def translator():
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in PAIRS])
    target.adapt([t for _, t in PAIRS])
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source.vocabulary_size, 16, 32, bidirectional=True),
        ks.layers.RNNDecoder(target.vocabulary_size, 16, 32, attention="luong"),
        max_length=8,
    )
    model.compile(keras.optimizers.Adam(1e-2))
    sources = source.encode([s for s, _ in PAIRS])
    targets = target.encode([t for _, t in PAIRS], add_end=False)
    model.fit(sources, targets, epochs=40, verbose=0)
    return model, source, target


def in_process(model, source, target, texts, decoding=None):
    """What the model generates for `texts`, through `generate` and the tokenizers."""
    ids, scores = model.generate(source.encode(texts), decoding=decoding, return_scores=True)
    return as_str(target.decode(ids)), scores


def as_str(texts):
    texts = texts.numpy().tolist() if hasattr(texts, "numpy") else list(texts)
    return [t.decode() if isinstance(t, bytes) else t for t in texts]


@pytest.fixture(scope="module")
def default_export(translator, tmp_path_factory):
    """The translator exported with the default settings (beam search, num_return=1)."""
    model, source, target = translator
    path = tmp_path_factory.mktemp("default") / "translator"
    return export_text_model(model, path, source, target)


SERVE = textwrap.dedent(
    """
    import json, sys
    import tensorflow as tf
    serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    result = serve(texts=tf.constant(json.loads(sys.argv[2])))
    assert not any(m.split(".")[0] in ("keras_seq", "keras_hub") for m in sys.modules), \\
        sorted(m for m in sys.modules if m.startswith(("keras_seq", "keras_hub")))
    print(json.dumps({"outputs": [s.decode() for s in result["outputs"].numpy()],
                      "scores": result["scores"].numpy().tolist()}))
    """
)


@pytest.mark.parametrize("method", ["beam", "greedy"])
def test_fresh_process_serves_exactly_what_generate_gives(translator, method, tmp_path):
    model, source, target = translator
    expected, scores = in_process(model, source, target, BATCH, decoding=method)
    assert expected[0] == "un deux trois"  # the model learned the toy pairs
    assert "ù" in expected[-1]  # ... including the one with a non-ASCII target
    path = export_text_model(model, tmp_path / "translator", source, target, decoding=method)
    result = subprocess.run(
        [sys.executable, "-c", SERVE, path, json.dumps(BATCH)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["outputs"] == expected
    np.testing.assert_allclose(served["scores"], scores, atol=1e-5)


def test_saved_model_cli_runs_the_signature(translator, default_export, tmp_path):
    """`saved_model_cli run` (a TF1 session, no keras_seq) serves the whole batch exactly."""
    model, source, target = translator
    expected, scores = in_process(model, source, target, BATCH)
    assert "ù" in expected[-1]
    inputs = tmp_path / "texts.npy"
    np.save(inputs, np.array([text.encode("utf-8") for text in BATCH], dtype=object))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    subprocess.run(
        [
            cli,
            "run",
            "--dir",
            default_export,
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            f"texts={inputs}",
            "--outdir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    outputs = np.load(tmp_path / "out" / "outputs.npy", allow_pickle=True)
    served_scores = np.load(tmp_path / "out" / "scores.npy", allow_pickle=True)
    assert outputs.shape == served_scores.shape == (len(BATCH),)
    assert [text.decode("utf-8") for text in outputs] == expected
    np.testing.assert_allclose(served_scores, scores, atol=1e-5)


def test_n_best_lists_and_empty_batches(translator, tmp_path):
    model, source, target = translator
    path = export_text_model(
        model, tmp_path / "nbest", source, target, decoding=ks.decoding.BeamSearch(4, num_return=3)
    )
    serve = tf.saved_model.load(path).signatures["serving_default"]
    result = serve(texts=tf.constant(BATCH[:2]))
    assert result["outputs"].shape == (2, 3) and result["scores"].shape == (2, 3)
    assert result["outputs"][0, 0].numpy().decode() == "un deux trois"
    empty = serve(texts=tf.constant([], tf.string))
    assert empty["outputs"].shape == (0, 3)


def test_empty_batch_on_the_default_translator(default_export):
    serve = tf.saved_model.load(default_export).signatures["serving_default"]
    result = serve(texts=tf.constant([], tf.string))
    assert sorted(result) == ["outputs", "scores"]
    assert result["outputs"].shape == (0,) and result["outputs"].dtype == tf.string
    assert result["scores"].shape == (0,) and result["scores"].dtype == tf.float32


def test_bad_inputs_to_the_exported_model(default_export):
    serve = tf.saved_model.load(default_export).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a string"):
        serve(texts=tf.constant([1, 2]))
    # The error names the argument, the received shape and the expected one.
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Shape of tensor texts \[1,2\] is not compatible with expected shape \[\?\]",
    ):
        serve(texts=tf.constant([["one", "two"]]))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"Shape of tensor texts \[\] is not compatible with expected shape \[\?\]",
    ):
        serve(texts=tf.constant("one two"))


def test_strings_never_become_out_of_range_ids(translator, default_export):
    """Unknown words map to the unknown id, so the model's in-graph id check (which
    the export keeps) never fires on text."""
    model, source, _ = translator
    texts = [
        "zzz qqq",
        "Où est-il ? 🇫🇷 👍🏽",
        "猫が好きです。",
        "\x00 \ufffd \u200d",
        "ONE TWO",
        "x" * 300,
    ]
    ids = source.encode(texts).numpy()
    assert ids.min() >= 0 and ids.max() < model.encoder.vocab_size
    assert (ids == source.unknown_id).sum() >= len(texts) - 1
    serve = tf.saved_model.load(default_export).signatures["serving_default"]
    assert serve(texts=tf.constant(texts))["outputs"].shape == (len(texts),)


def test_export_is_atomic_and_refuses_to_overwrite(translator, tmp_path, monkeypatch):
    model, source, target = translator
    path = tmp_path / "translator"
    export_text_model(model, path, source, target, decoding="greedy")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export_text_model(model, path, source, target)

    def crash(obj, export_dir, *args, **kwargs):
        with open(os.path.join(export_dir, "saved_model.pb"), "w") as half_written:
            half_written.write("partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(tf.saved_model, "save", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        export_text_model(model, path, source, target, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["translator"]  # no staging folder left behind
    assert tf.saved_model.load(str(path)) is not None  # the previous export is intact


def test_classifier_and_tagger_exports(tmp_path):
    texts = ["good film", "bad film", "good good", "bad bad"]
    tokenizer = ks.data.WordTokenizer()
    tokenizer.adapt(texts)
    classifier = ks.models.ManyToOne(vocab_size=tokenizer.vocabulary_size, units=8, num_outputs=2)
    classifier.compile(keras.optimizers.Adam(5e-2), "sparse_categorical_crossentropy")
    classifier.fit(tokenizer.encode(texts), np.array([1, 0, 1, 0]), epochs=30, verbose=0)
    serve = tf.saved_model.load(
        export_text_model(classifier, tmp_path / "clf", tokenizer, labels=["neg", "pos"])
    ).signatures["serving_default"]
    result = serve(texts=tf.constant(["good film", "bad film", ""]))
    assert [s.decode() for s in result["labels"].numpy()[:2]] == ["pos", "neg"]
    np.testing.assert_allclose(
        result["probabilities"],
        classifier.predict(tokenizer.encode(["good film", "bad film", ""]), verbose=0),
        atol=1e-6,
    )
    empty = serve(texts=tf.constant([], tf.string))
    assert empty["labels"].shape == (0,) and empty["labels"].dtype == tf.string
    assert empty["probabilities"].shape == (0, 2) and empty["probabilities"].dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tensor texts \[2,1\]"):
        serve(texts=tf.constant([["good film"], ["bad film"]]))

    tagger = ks.models.ManyToMany(vocab_size=tokenizer.vocabulary_size, units=8, num_outputs=3)
    serve = tf.saved_model.load(
        export_text_model(tagger, tmp_path / "tagger", tokenizer, labels=["A", "B", "C"])
    ).signatures["serving_default"]
    result = serve(texts=tf.constant(["good film", "bad unknownword film"]))
    assert [s.decode() for s in result["tokens"].numpy()] == ["good film", "bad [UNK] film"]
    assert [len(s.split()) for s in result["tags"].numpy()] == [2, 3]
    assert serve(texts=tf.constant([], tf.string))["tags"].shape == (0,)


def test_tagger_export_encodes_words_as_tagging_dataset(tmp_path):
    # The exported tagger once encoded with an end token that training data never has
    # (issue 12); for a CRF, or a bidirectional encoder, it changes the real words' tags.
    sentences = ["good film", "bad film good", "film bad bad good", "good", "bad good film"]
    tokenizer = ks.data.WordTokenizer()
    tokenizer.adapt(sentences)
    keras.utils.set_random_seed(0)
    tagger = ks.models.ManyToMany(
        vocab_size=tokenizer.vocabulary_size, units=8, num_outputs=3, head="crf"
    )
    tagger.build((None, None))
    tagger.crf.transitions.assign(np.random.default_rng(0).normal(size=(3, 3)) * 5)
    words = [sentence.split() for sentence in sentences]
    labels = np.array(["A", "B", "C"])

    def tags(ids):
        best = np.argmax(tagger.predict(ids, verbose=0), axis=-1)
        return [" ".join(labels[row[: len(w)]]) for row, w in zip(best, words)]

    expected = tags(tokenizer.lookup(words).to_tensor())  # as `tagging_dataset` looks up
    assert [len(t.split()) for t in expected] == [len(w) for w in words]
    assert tags(tokenizer.encode(sentences)) != expected  # the check can fail
    serve = tf.saved_model.load(
        export_text_model(tagger, tmp_path / "tagger", tokenizer, labels=list(labels))
    ).signatures["serving_default"]
    served = serve(texts=tf.constant(sentences))["tags"].numpy()
    assert [s.decode() for s in served] == expected


def test_bad_export_arguments(translator, tmp_path):
    model, source, target = translator
    with pytest.raises(ValueError, match="decodes deterministically"):
        export_text_model(model, tmp_path / "x", source, target, decoding="sample")
    small = ks.data.WordTokenizer()
    small.adapt(["a"])
    large = ks.data.WordTokenizer()
    large.adapt([" ".join(f"word{index}" for index in range(100))])
    with pytest.raises(ValueError, match="out of range"):
        export_text_model(model, tmp_path / "x", large, target)
    with pytest.raises(TypeError, match="source_tokenizer"):
        export_text_model(model, tmp_path / "x", None, target)
    with pytest.raises(TypeError, match="`model` must be"):
        export_text_model(ks.models.ManyToOne(input_dim=3, units=4), tmp_path / "x", small)
