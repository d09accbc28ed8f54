"""The bad-input matrix: every public entry point, fed the inputs users get wrong.

Each case ends in a `ValueError`/`TypeError` (or a `FileNotFoundError`, a
`ChecksumError`, or the CLI's exit status and message) whose message names the
argument and shows the value received, or in a documented behaviour that a case
asserts (an empty result, a row of its own). Nothing may end in a stack trace from
inside a graph, a hang (every case runs under an alarm) or a silently wrong answer.

Models, tokenizers and the export are built once for the module (see `World`).
"""

import functools
import gzip
import os
import signal
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq import cli
from keras_seq.datasets import _files

pytestmark = pytest.mark.tensorflow_only

SECONDS_PER_CASE = 300  # generous: CI machines are shared; a hang still ends
VOCAB = 12
SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0]], "int32")
TARGET = np.array([[3, 4, 0], [5, 0, 0]], "int32")
PAIRS = [("one two", "un deux"), ("two one", "deux un"), ("one", "un")]


@pytest.fixture(autouse=True)
def _alarm():
    """A case that hangs fails after `SECONDS_PER_CASE` instead of stalling CI."""

    def expire(signum, frame):
        raise TimeoutError(f"a bad-input case ran over {SECONDS_PER_CASE} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(SECONDS_PER_CASE)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def _clear_session():
    yield
    keras.utils.clear_session()


class World:
    """The tiny models, tokenizers and files the cases use, each made on first use."""

    def __init__(self, folder):
        self.folder = folder

    @functools.cached_property
    def seq2seq(self):
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(VOCAB, 4, 4),
            ks.layers.RNNDecoder(VOCAB, 4, 4, attention="luong"),
            max_length=4,
            decoding="greedy",
        )
        model.compile(keras.optimizers.Adam(1e-2))
        model.build()
        return model

    @functools.cached_property
    def one_to_many(self):
        decoder = ks.layers.RNNDecoder(VOCAB, 4, 4, conditioning_dim=4)
        model = ks.models.OneToMany(
            decoder, num_classes=3, every_step=True, max_length=4, decoding="greedy"
        )
        model.compile(keras.optimizers.Adam(1e-2))
        model.build()
        return model

    @functools.cached_property
    def one_to_many_features(self):
        decoder = ks.layers.RNNDecoder(VOCAB, 4, 4, conditioning_dim=3)
        model = ks.models.OneToMany(
            decoder, input_dim=3, every_step=True, max_length=4, decoding="greedy"
        )
        model.compile(keras.optimizers.Adam(1e-2))
        model.build()
        return model

    @functools.cached_property
    def one_to_one(self):
        model = ks.models.OneToOne(input_dim=3, units=4, num_outputs=1)
        model.compile("adam", "mse")
        model(np.ones((2, 3), "float32"))
        return model

    @functools.cached_property
    def many_to_one(self):
        model = ks.models.ManyToOne(vocab_size=VOCAB, units=4, num_outputs=2)
        model.compile("adam", "sparse_categorical_crossentropy")
        model(SOURCE)
        return model

    @functools.cached_property
    def many_to_one_features(self):
        model = ks.models.ManyToOne(input_dim=3, units=4, num_outputs=1)
        model.compile("adam", "mse")
        model(np.ones((2, 4, 3), "float32"))
        return model

    @functools.cached_property
    def many_to_many(self):
        model = ks.models.ManyToMany(vocab_size=VOCAB, units=4, num_outputs=3)
        model.compile("adam", "sparse_categorical_crossentropy")
        model(SOURCE)
        return model

    @functools.cached_property
    def encoder(self):
        encoder = ks.layers.RNNEncoder(VOCAB, 4, 4)
        encoder(SOURCE)
        return encoder

    @functools.cached_property
    def feature_encoder(self):
        encoder = ks.layers.RNNEncoder(input_dim=3, units=4)
        encoder(np.ones((2, 4, 3), "float32"))
        return encoder

    @functools.cached_property
    def decoder(self):
        decoder = ks.layers.RNNDecoder(VOCAB, 4, 4)
        decoder(TARGET)
        return decoder

    @functools.cached_property
    def tokenizers(self):
        source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
        source.adapt([s for s, _ in PAIRS])
        target.adapt([t for _, t in PAIRS])
        return source, target

    @functools.cached_property
    def char(self):
        tokenizer = ks.data.CharTokenizer()
        tokenizer.adapt(["abc", "cab"])
        return tokenizer

    @functools.cached_property
    def subword(self):
        tokenizer = ks.data.SubwordTokenizer(max_tokens=40)
        tokenizer.adapt(["the cat sat.", "the cats sat on the mat."] * 5)
        return tokenizer

    @functools.cached_property
    def translator(self):
        """A `Seq2Seq` over the word tokenizers, and its `export_text_model` signature."""
        source, target = self.tokenizers
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(source.vocabulary_size, 4, 4),
            ks.layers.RNNDecoder(target.vocabulary_size, 4, 4),
            max_length=4,
            decoding="greedy",
        )
        path = os.path.join(self.folder, "translator")
        ks.export.export_text_model(model, path, source, target)
        return model, tf.saved_model.load(path).signatures["serving_default"]

    def file(self, name, content):
        """Writes `content` (str: UTF-8; bytes: as they are) to a file and returns its path."""
        path = os.path.join(self.folder, name)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    @property
    def latin1(self):
        return self.file("latin1.txt", "caf\xe9\tcoffee\n".encode("latin-1"))

    @property
    def missing(self):
        return os.path.join(self.folder, "no-such-file.txt")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return World(str(tmp_path_factory.mktemp("bad_inputs")))


def step_fn(token_ids, state):
    """A step function of a fixed next-token distribution over 5 tokens (end id 2)."""
    logits = keras.ops.tile(keras.ops.convert_to_tensor([[0.0, 0.0, 1.0, 2.0, 0.5]]), [1, 1])
    return keras.ops.repeat(logits, keras.ops.shape(token_ids)[0], axis=0), state


STATE = {"h": np.zeros((2, 3), "float32")}
DECODE = dict(start_id=1, end_id=2, max_length=4)


def bleu_callback(**overrides):
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt(["a"])
    target.adapt(["b"])
    arguments = dict(
        sources=["a"], references=["b"], source_tokenizer=source, target_tokenizer=target
    )
    return ks.callbacks.BleuCallback(**{**arguments, **overrides})


def run_cli(capsys, *argv):
    """`keras-seq ARGV...` in process: its exit status and what it wrote to stderr."""
    try:
        status = cli.main(list(argv))
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err


class Case(types.SimpleNamespace):
    """`call(world)` must raise `error` with every `fragments` in its message."""


def case(name, call, error, *fragments):
    return pytest.param(Case(call=call, error=error, fragments=fragments), id=name)


def ints(*shape, value=3):
    return np.full(shape, value, "int32")


V = ValueError
T = TypeError
F = FileNotFoundError
# ---------------------------------------------------------------------------- layers
LAYERS = [
    case("encoder/empty_batch", lambda w: w.encoder(ints(0, 3)), V, "source", "(0, 3)"),
    case("encoder/rank1", lambda w: w.encoder(ints(3)), V, "source", "(3,)"),
    case("encoder/rank3", lambda w: w.encoder(ints(2, 3, 1)), V, "source", "(2, 3, 1)"),
    case(
        "encoder/float_ids", lambda w: w.encoder(SOURCE.astype("float32")), T, "source", "float32"
    ),
    case("encoder/string_ids", lambda w: w.encoder(tf.constant([["a"]])), T, "source", "string"),
    case("encoder/negative_ids", lambda w: w.encoder(-SOURCE), V, "source", "[0, 12)", "-8"),
    case("encoder/ids_ge_vocab", lambda w: w.encoder(SOURCE + 10), V, "source", "[0, 12)", "18"),
    case(
        "encoder/left_padded_reversed",
        lambda w: ks.layers.RNNEncoder(VOCAB, 4, 4, reverse_source=True)(np.array([[0, 0, 3, 2]])),
        V,
        "source",
        "right-padded",
    ),
    case(
        "encoder/features_wrong_dim",
        lambda w: w.feature_encoder(np.ones((2, 4, 5), "float32")),
        V,
        "source",
        "(2, 4, 5)",
    ),
    case(
        "encoder/features_int",
        lambda w: w.feature_encoder(np.ones((2, 4, 3), "int32")),
        T,
        "source",
        "int32",
    ),
    case(
        "encoder/features_rank2",
        lambda w: w.feature_encoder(np.ones((2, 3), "float32")),
        V,
        "source",
        "(2, 3)",
    ),
    case("encoder/vocab_size_0", lambda w: ks.layers.RNNEncoder(0, 4, 4), V, "vocab_size", "0"),
    case("encoder/units_float", lambda w: ks.layers.RNNEncoder(5, 4, 4.5), T, "units", "4.5"),
    case(
        "encoder/cell_unknown",
        lambda w: ks.layers.RNNEncoder(5, 4, 4, cell="lstmm"),
        V,
        "cell",
        "lstmm",
    ),
    case(
        "encoder/dropout_1",
        lambda w: ks.layers.RNNEncoder(5, 4, 4, dropout=1.0),
        V,
        "dropout",
        "1.0",
    ),
    case(
        "encoder/num_layers_0",
        lambda w: ks.layers.RNNEncoder(5, 4, 4, num_layers=0),
        V,
        "num_layers",
        "0",
    ),
    case("decoder/empty_batch", lambda w: w.decoder(ints(0, 3)), V, "target_ids", "(0, 3)"),
    case("decoder/rank1", lambda w: w.decoder(ints(3)), V, "target_ids", "(3,)"),
    case(
        "decoder/float_ids",
        lambda w: w.decoder(TARGET.astype("float32")),
        T,
        "target_ids",
        "float32",
    ),
    case("decoder/negative_ids", lambda w: w.decoder(-TARGET), V, "target_ids", "[0, 12)", "-5"),
    case(
        "decoder/ids_ge_vocab",
        lambda w: w.decoder(TARGET + VOCAB),
        V,
        "target_ids",
        "[0, 12)",
        "17",
    ),
    case(
        "decoder/step_negative",
        lambda w: w.decoder.step(np.array([-1, 3]), w.decoder.start(2)[0]),
        V,
        "token_ids",
        "-1",
    ),
    case(
        "decoder/step_ge_vocab",
        lambda w: w.decoder.step(np.array([3, 40]), w.decoder.start(2)[0]),
        V,
        "token_ids",
        "40",
    ),
    case(
        "decoder/step_rank2",
        lambda w: w.decoder.step(ints(2, 1), w.decoder.start(2)[0]),
        V,
        "token_ids",
        "(2, 1)",
    ),
    case(
        "decoder/step_float",
        lambda w: w.decoder.step(np.array([1.0, 3.0]), w.decoder.start(2)[0]),
        T,
        "token_ids",
        "float",
    ),
    case(
        "decoder/attention_unknown",
        lambda w: ks.layers.RNNDecoder(5, 4, 4, attention="dot"),
        V,
        "attention",
        "dot",
    ),
    case(
        "decoder/vocab_size_str", lambda w: ks.layers.RNNDecoder("5", 4, 4), T, "vocab_size", "'5'"
    ),
    case(
        "bridge/sizes_not_nested",
        lambda w: ks.layers.Bridge([8, 8], [[4, 4]]),
        T,
        "encoder_state_sizes[0]",
        "8",
    ),
    case(
        "bridge/mode_unknown",
        lambda w: ks.layers.Bridge([[8]], [[4]], mode="copy"),
        V,
        "mode",
        "copy",
    ),
    case(
        "bridge/zero_size",
        lambda w: ks.layers.Bridge([[0]], [[4]]),
        V,
        "encoder_state_sizes",
        "0",
    ),
    case(
        "bahdanau/units_0",
        lambda w: ks.layers.BahdanauAttention(0),
        V,
        "units",
        "0",
    ),
    case(
        "bahdanau/memory_rank2",
        lambda w: ks.layers.BahdanauAttention(4)(
            np.ones((2, 4), "float32"), np.ones((2, 4), "float32")
        ),
        V,
        "memory",
        "(2, 4)",
    ),
    case(
        "luong/score_unknown",
        lambda w: ks.layers.LuongAttention(score="concat"),
        V,
        "score",
        "concat",
    ),
    case(
        "luong/query_size_mismatch",
        lambda w: ks.layers.LuongAttention(score="dot")(
            np.ones((2, 3), "float32"), np.ones((2, 5, 4), "float32")
        ),
        V,
        "query",
        "3",
    ),
    case(
        "luong/mask_shape_mismatch",
        lambda w: ks.layers.LuongAttention(score="dot")(
            np.ones((2, 4), "float32"), np.ones((2, 5, 4), "float32"), np.ones((2, 3), bool)
        ),
        V,
        "memory_mask",
        "(2, 3)",
    ),
    case(
        "stacked/not_recurrent",
        lambda w: ks.layers.Stacked(keras.layers.Dense(4), 2),
        T,
        "layer",
        "Dense",
    ),
    case(
        "stacked/num_layers_0",
        lambda w: ks.layers.Stacked(keras.layers.LSTM(4), 0),
        V,
        "num_layers",
        "0",
    ),
    case(
        "stacked/dropout_negative",
        lambda w: ks.layers.Stacked(keras.layers.LSTM(4), 2, dropout=-0.1),
        V,
        "dropout",
        "-0.1",
    ),
    case(
        "stacked/rank2_inputs",
        lambda w: ks.layers.Stacked(keras.layers.LSTM(4), 2)(np.ones((2, 3), "float32")),
        V,
        "inputs",
        "(2, 3)",
    ),
    case(
        "bidirectional/not_recurrent",
        lambda w: ks.layers.Bidirectional(keras.layers.Dense(4)),
        T,
        "layer",
        "Dense",
    ),
    case(
        "bidirectional/state_merge_unknown",
        lambda w: ks.layers.Bidirectional(keras.layers.LSTM(4), state_merge="max"),
        V,
        "state_merge",
        "max",
    ),
    case(
        "bidirectional/rank2_inputs",
        lambda w: ks.layers.Bidirectional(keras.layers.LSTM(4))(np.ones((2, 3), "float32")),
        V,
        "sequences",
        "(2, 3)",
    ),
]

# ---------------------------------------------------------------------------- models
MODELS = [
    case(
        "seq2seq/fit_empty_batch",
        lambda w: w.seq2seq.fit(ints(0, 3), ints(0, 3), verbose=0),
        V,
        "inputs",
        "(0, 3)",
    ),
    case(
        "seq2seq/fit_count_mismatch",
        lambda w: w.seq2seq.fit(SOURCE, TARGET[:1], verbose=0),
        V,
        "inputs with 2 rows",
        "target_ids with 1 rows",
    ),
    case(
        "seq2seq/fit_float_source",
        lambda w: w.seq2seq.fit(SOURCE + 0.5, TARGET, verbose=0),
        T,
        "source_ids",
        "float",
    ),
    case(
        "seq2seq/fit_float_target",
        lambda w: w.seq2seq.fit(SOURCE, TARGET + 0.5, verbose=0),
        T,
        "target_ids",
        "float",
    ),
    case(
        "seq2seq/fit_negative_target",
        lambda w: w.seq2seq.fit(SOURCE, -TARGET, verbose=0),
        V,
        "target_ids",
        "-5",
    ),
    case(
        "seq2seq/fit_target_ge_vocab",
        lambda w: w.seq2seq.fit(SOURCE, TARGET + VOCAB, verbose=0),
        V,
        "target_ids",
        "17",
    ),
    case(
        "seq2seq/fit_negative_source",
        lambda w: w.seq2seq.fit(-SOURCE, TARGET, verbose=0),
        V,
        "source_ids",
        "-8",
    ),
    case(
        "seq2seq/fit_source_ge_vocab",
        lambda w: w.seq2seq.fit(SOURCE + VOCAB, TARGET, verbose=0),
        V,
        "source_ids",
        "20",
    ),
    case(
        "seq2seq/fit_target_rank1",
        lambda w: w.seq2seq.fit(SOURCE, TARGET[:, 0], verbose=0),
        V,
        "target_ids",
        "(2,)",
    ),
    case(
        "seq2seq/fit_source_rank3",
        lambda w: w.seq2seq.fit(SOURCE[..., None], TARGET, verbose=0),
        V,
        "source_ids",
        "(2, 4, 1)",
    ),
    case("seq2seq/fit_y_none", lambda w: w.seq2seq.fit(SOURCE, verbose=0), V, "y=None"),
    case(
        "seq2seq/fit_sample_weight",
        lambda w: w.seq2seq.fit(SOURCE, TARGET, sample_weight=np.ones(2), verbose=0),
        V,
        "sample_weight",
    ),
    case(
        "seq2seq/fit_left_padded_target",
        lambda w: w.seq2seq.fit(SOURCE, TARGET[:, ::-1], verbose=0),
        V,
        "target_ids",
        "right-padded",
    ),
    case(
        "seq2seq/fit_dataset_triples",
        lambda w: w.seq2seq.fit(
            tf.data.Dataset.from_tensor_slices((SOURCE, TARGET, np.ones(2))).batch(2), verbose=0
        ),
        V,
        "3 element(s)",
    ),
    case(
        "seq2seq/evaluate_count_mismatch",
        lambda w: w.seq2seq.evaluate(SOURCE[:1], TARGET, verbose=0),
        V,
        "inputs with 1 rows",
        "target_ids with 2 rows",
    ),
    case(
        "seq2seq/evaluate_negative_target",
        lambda w: w.seq2seq.evaluate(SOURCE, -TARGET, verbose=0),
        V,
        "target_ids",
        "-5",
    ),
    case(
        "seq2seq/generate_empty_batch",
        lambda w: w.seq2seq.generate(ints(0, 3)),
        V,
        "inputs",
        "(0, 3)",
    ),
    case("seq2seq/generate_rank1", lambda w: w.seq2seq.generate(ints(3)), V, "source_ids", "(3,)"),
    case(
        "seq2seq/generate_float",
        lambda w: w.seq2seq.generate(SOURCE + 0.5),
        T,
        "source_ids",
        "float",
    ),
    case("seq2seq/generate_negative", lambda w: w.seq2seq.generate(-SOURCE), V, "source_ids", "-8"),
    case(
        "seq2seq/generate_ge_vocab",
        lambda w: w.seq2seq.generate(SOURCE + VOCAB),
        V,
        "source_ids",
        "20",
    ),
    case(
        "seq2seq/generate_max_length_0",
        lambda w: w.seq2seq.generate(SOURCE, max_length=0),
        V,
        "max_length",
        "0",
    ),
    case(
        "seq2seq/generate_max_length_float",
        lambda w: w.seq2seq.generate(SOURCE, max_length=2.5),
        T,
        "max_length",
        "2.5",
    ),
    case(
        "seq2seq/generate_max_length_huge",
        lambda w: w.seq2seq.generate(SOURCE, max_length=2**40),
        V,
        "max_length",
        str(2**40),
    ),
    case(
        "seq2seq/generate_decoding_unknown",
        lambda w: w.seq2seq.generate(SOURCE, decoding="topk"),
        V,
        "decoding",
        "topk",
    ),
    case(
        "seq2seq/generate_decoding_int",
        lambda w: w.seq2seq.generate(SOURCE, decoding=3),
        T,
        "decoding",
        "3",
    ),
    case(
        "seq2seq/generate_left_padded_reversed",
        lambda w: ks.models.Seq2Seq(
            ks.layers.RNNEncoder(VOCAB, 4, 4, reverse_source=True),
            ks.layers.RNNDecoder(VOCAB, 4, 4),
            max_length=3,
        ).generate(np.array([[0, 0, 3, 2]])),
        V,
        "right-padded",
    ),
    case(
        "seq2seq/predict_empty",
        lambda w: w.seq2seq.predict(ints(0, 3), verbose=0),
        V,
        "x",
        "shape=(0, 3)",
    ),
    case(
        "seq2seq/predict_batch_size_0",
        lambda w: w.seq2seq.predict(SOURCE, batch_size=-1, verbose=0),
        V,
        "batch_size",
        "-1",
    ),
    case(
        "seq2seq/predict_empty_dataset",
        lambda w: w.seq2seq.predict(
            tf.data.Dataset.from_tensor_slices(SOURCE).take(0).batch(2), verbose=0
        ),
        V,
        "x",
    ),
    case(
        "seq2seq/encoder_not_rnn_encoder",
        lambda w: ks.models.Seq2Seq(keras.layers.LSTM(4), ks.layers.RNNDecoder(VOCAB, 4, 4)),
        T,
        "encoder",
        "LSTM",
    ),
    case(
        "seq2seq/start_id_ge_vocab",
        lambda w: ks.models.Seq2Seq(
            ks.layers.RNNEncoder(VOCAB, 4, 4), ks.layers.RNNDecoder(VOCAB, 4, 4), start_id=VOCAB
        ),
        V,
        "start_id",
        "12",
    ),
    case(
        "seq2seq/max_length_0",
        lambda w: ks.models.Seq2Seq(
            ks.layers.RNNEncoder(VOCAB, 4, 4), ks.layers.RNNDecoder(VOCAB, 4, 4), max_length=0
        ),
        V,
        "max_length",
        "0",
    ),
    case(
        "seq2seq/label_smoothing_1",
        lambda w: ks.models.Seq2Seq(
            ks.layers.RNNEncoder(VOCAB, 4, 4),
            ks.layers.RNNDecoder(VOCAB, 4, 4),
            label_smoothing=1.5,
        ),
        V,
        "label_smoothing",
        "1.5",
    ),
    case(
        "one_to_many/fit_label_ge_classes",
        lambda w: w.one_to_many.fit(np.array([0, 5]), TARGET, verbose=0),
        V,
        "inputs",
        "5",
    ),
    case(
        "one_to_many/fit_negative_label",
        lambda w: w.one_to_many.fit(np.array([-1, 0]), TARGET, verbose=0),
        V,
        "inputs",
        "-1",
    ),
    case(
        "one_to_many/fit_count_mismatch",
        lambda w: w.one_to_many.fit(np.array([0, 1, 2]), TARGET, verbose=0),
        V,
        "3",
        "2",
    ),
    case(
        "one_to_many/fit_negative_target",
        lambda w: w.one_to_many.fit(np.array([0, 1]), -TARGET, verbose=0),
        V,
        "target_ids",
        "-5",
    ),
    case(
        "one_to_many/generate_empty",
        lambda w: w.one_to_many.generate(np.zeros((0,), "int32")),
        V,
        "inputs",
        "(0,)",
    ),
    case(
        "one_to_many/generate_label_ge_classes",
        lambda w: w.one_to_many.generate(np.array([3])),
        V,
        "inputs",
        "3",
    ),
    case(
        "one_to_many/generate_labels_rank2",
        lambda w: w.one_to_many.generate(ints(2, 2, value=1)),
        V,
        "inputs",
        "(2, 2)",
    ),
    case(
        "one_to_many/generate_float_labels",
        lambda w: w.one_to_many.generate(np.array([0.5])),
        V,
        "inputs",
        "float64",
    ),
    case(
        "one_to_many/generate_max_length_neg",
        lambda w: w.one_to_many.generate(np.array([0]), max_length=-3),
        V,
        "max_length",
        "-3",
    ),
    case(
        "one_to_many/features_nan",
        lambda w: w.one_to_many_features.generate(np.array([[1.0, np.nan, 0.0]], "float32")),
        V,
        "inputs",
        "nan",
    ),
    case(
        "one_to_many/features_inf_fit",
        lambda w: w.one_to_many_features.fit(
            np.array([[1.0, np.inf, 0.0]] * 2, "float32"), TARGET, verbose=0
        ),
        V,
        "inputs",
        "inf",
    ),
    case(
        "one_to_many/features_wrong_dim",
        lambda w: w.one_to_many_features.generate(np.ones((2, 5), "float32")),
        V,
        "inputs",
        "(2, 5)",
    ),
    case(
        "one_to_many/features_int",
        lambda w: w.one_to_many_features.generate(np.ones((2, 3), "int32")),
        T,
        "inputs",
        "int32",
    ),
    case(
        "one_to_many/decoder_not_rnn_decoder",
        lambda w: ks.models.OneToMany(keras.layers.Dense(3), num_classes=3),
        T,
        "decoder",
        "Dense",
    ),
    case(
        "one_to_one/predict_wrong_dim",
        lambda w: w.one_to_one.predict(np.ones((2, 4), "float32"), verbose=0),
        V,
        "inputs",
        "(2, 4)",
    ),
    case(
        "one_to_one/predict_rank3",
        lambda w: w.one_to_one.predict(np.ones((2, 1, 3), "float32"), verbose=0),
        V,
        "inputs",
        "(2, 1, 3)",
    ),
    case(
        "one_to_one/predict_strings",
        lambda w: w.one_to_one.predict(np.array([["a", "b", "c"]]), verbose=0),
        T,
        "inputs",
    ),
    case(
        "one_to_one/fit_count_mismatch",
        lambda w: w.one_to_one.fit(np.ones((3, 3), "float32"), np.ones((2, 1)), verbose=0),
        V,
        "3",
        "2",
    ),
    case(
        "one_to_one/predict_nan",
        lambda w: w.one_to_one.predict(np.array([[np.nan, 0.0, 1.0]]), verbose=0),
        V,
        "inputs[0, 0]",
        "nan",
    ),
    case(
        "one_to_one/fit_inf",
        lambda w: w.one_to_one.fit(np.array([[0.0, 0.0, np.inf]]), np.ones((1, 1)), verbose=0),
        V,
        "inputs[0, 2]",
        "inf",
    ),
    case(
        "many_to_one/features_nan",
        lambda w: w.many_to_one_features.predict(np.full((1, 4, 3), np.nan), verbose=0),
        V,
        "inputs[0, 0, 0]",
        "nan",
    ),
    case(
        "one_to_one/input_dim_0",
        lambda w: ks.models.OneToOne(input_dim=0, units=4),
        V,
        "input_dim",
        "0",
    ),
    case(
        "many_to_one/predict_negative",
        lambda w: w.many_to_one.predict(-SOURCE, verbose=0),
        V,
        "inputs",
        "-8",
    ),
    case(
        "many_to_one/predict_ge_vocab",
        lambda w: w.many_to_one.predict(SOURCE + VOCAB, verbose=0),
        V,
        "inputs",
        "20",
    ),
    case(
        "many_to_one/predict_float_ids",
        lambda w: w.many_to_one.predict(SOURCE + 0.5, verbose=0),
        T,
        "inputs",
        "float",
    ),
    case(
        "many_to_one/predict_rank1",
        lambda w: w.many_to_one.predict(SOURCE[0], verbose=0),
        V,
        "inputs",
        "(4,)",
    ),
    case(
        "many_to_one/fit_negative",
        lambda w: w.many_to_one.fit(-SOURCE, np.array([0, 1]), verbose=0),
        V,
        "inputs",
        "-8",
    ),
    case(
        "many_to_one/fit_count_mismatch",
        lambda w: w.many_to_one.fit(SOURCE, np.array([0, 1, 1]), verbose=0),
        V,
        "2",
        "3",
    ),
    case(
        "many_to_one/evaluate_ge_vocab",
        lambda w: w.many_to_one.evaluate(SOURCE + VOCAB, np.array([0, 1]), verbose=0),
        V,
        "inputs",
        "20",
    ),
    case(
        "many_to_one/features_wrong_dim",
        lambda w: w.many_to_one_features.predict(np.ones((2, 4, 5), "float32"), verbose=0),
        V,
        "inputs",
        "(2, 4, 5)",
    ),
    case(
        "many_to_one/features_rank2",
        lambda w: w.many_to_one_features.predict(np.ones((2, 3), "float32"), verbose=0),
        V,
        "inputs",
        "(2, 3)",
    ),
    case(
        "many_to_one/both_vocab_and_input_dim",
        lambda w: ks.models.ManyToOne(vocab_size=5, input_dim=3),
        V,
        "vocab_size",
        "input_dim",
    ),
    case(
        "many_to_one/neither_vocab_nor_input_dim",
        lambda w: ks.models.ManyToOne(units=4),
        V,
        "vocab_size",
        "input_dim",
    ),
    case(
        "many_to_one/num_outputs_0",
        lambda w: ks.models.ManyToOne(vocab_size=5, num_outputs=0),
        V,
        "num_outputs",
        "0",
    ),
    case(
        "many_to_many/predict_negative",
        lambda w: w.many_to_many.predict(-SOURCE, verbose=0),
        V,
        "inputs",
        "-8",
    ),
    case(
        "many_to_many/predict_ge_vocab",
        lambda w: w.many_to_many.predict(SOURCE + VOCAB, verbose=0),
        V,
        "inputs",
        "20",
    ),
    case(
        "many_to_many/fit_mismatched_lengths",
        lambda w: w.many_to_many.fit(SOURCE, np.array([[1, 2, 1], [2, 1, 0]]), verbose=0),
        V,
        "(2, 3)",
        "(2, 4)",
    ),
    case(
        "many_to_many/fit_count_mismatch",
        lambda w: w.many_to_many.fit(SOURCE, ints(3, 4, value=1), verbose=0),
        V,
        "2",
        "3",
    ),
]

# -------------------------------------------------------------------------- decoding
DECODING = []
for _name, _function, _settings in [
    ("greedy", ks.decoding.greedy_search, {}),
    ("beam", ks.decoding.beam_search, {"beam_width": 2}),
    ("sample", ks.decoding.sample, {"seed": 1}),
]:

    def _decode(_function=_function, _settings=_settings, _fn=step_fn, _state=STATE, **changes):
        return lambda w: _function(_fn, _state, **{**DECODE, **_settings, **changes})

    DECODING += [
        case(f"{_name}/max_length_0", _decode(max_length=0), V, "max_length", "0"),
        case(f"{_name}/max_length_float", _decode(max_length=3.0), T, "max_length", "3.0"),
        case(f"{_name}/max_length_huge", _decode(max_length=2**40), V, "max_length", str(2**40)),
        case(f"{_name}/start_id_negative", _decode(start_id=-1), V, "start_id", "-1"),
        case(f"{_name}/end_id_str", _decode(end_id="2"), T, "end_id", "'2'"),
        case(f"{_name}/min_length_ge_max", _decode(min_length=4), V, "min_length", "4"),
        case(f"{_name}/step_fn_not_callable", _decode(_fn="greedy"), T, "step_fn", "'greedy'"),
        case(
            f"{_name}/empty_batch_state",
            _decode(_state={"h": np.zeros((0, 3), "float32")}),
            V,
            "state",
            "(0, 3)",
        ),
        case(
            f"{_name}/logits_rank1",
            _decode(_fn=lambda ids, state: (keras.ops.zeros((5,)), state)),
            V,
            "logits",
            "(5,)",
        ),
        case(
            f"{_name}/forbidden_end_id",
            _decode(forbidden_ids=(2,)),
            V,
            "forbidden_ids",
            "[2]",
        ),
    ]
DECODING += [
    case("beam/beam_width_0", lambda w: ks.decoding.BeamSearch(beam_width=0), V, "beam_width", "0"),
    case(
        "beam/num_return_gt_width",
        lambda w: ks.decoding.BeamSearch(beam_width=2, num_return=3),
        V,
        "num_return",
        "3",
    ),
    case(
        "beam/length_penalty_negative",
        lambda w: ks.decoding.BeamSearch(length_penalty=-1.0),
        V,
        "length_penalty",
        "-1.0",
    ),
    case(
        "beam/length_penalty_nan",
        lambda w: ks.decoding.BeamSearch(length_penalty=float("nan")),
        V,
        "length_penalty",
        "nan",
    ),
    case(
        "beam/min_length_negative",
        lambda w: ks.decoding.BeamSearch(min_length=-1),
        V,
        "min_length",
        "-1",
    ),
    case(
        "sampling/temperature_0",
        lambda w: ks.decoding.Sampling(temperature=0.0),
        V,
        "temperature",
        "0.0",
    ),
    case(
        "sampling/temperature_inf",
        lambda w: ks.decoding.Sampling(temperature=float("inf")),
        V,
        "temperature",
        "inf",
    ),
    case("sampling/top_k_0", lambda w: ks.decoding.Sampling(top_k=0), V, "top_k", "0"),
    case("sampling/top_p_gt_1", lambda w: ks.decoding.Sampling(top_p=1.5), V, "top_p", "1.5"),
    case("sampling/seed_str", lambda w: ks.decoding.Sampling(seed="1"), T, "seed", "'1'"),
    case("get/unknown_name", lambda w: ks.decoding.get("nucleus"), V, "nucleus"),
    case("get/int", lambda w: ks.decoding.get(4), T, "4"),
    case(
        "get/bad_config", lambda w: ks.decoding.get({"class_name": "Nope", "config": {}}), V, "Nope"
    ),
    case(
        "strategy/max_length_0",
        lambda w: ks.decoding.GreedySearch()(step_fn, STATE, start_id=1, end_id=2, max_length=0),
        V,
        "max_length",
        "0",
    ),
    case(
        "layer/decoder_without_step",
        lambda w: ks.decoding.DecodingLayer(keras.layers.Dense(3), "greedy", max_length=3),
        T,
        "decoder",
        "Dense",
    ),
    case(
        "layer/max_length_0",
        lambda w: ks.decoding.DecodingLayer(w.decoder, "greedy", max_length=0),
        V,
        "max_length",
        "0",
    ),
]

# ---------------------------------------------------------------------------- BLEU
H, R = ["the cat sat"], ["the cat sat down"]
BLEU = [
    case(
        "corpus_bleu/count_mismatch",
        lambda w: ks.metrics.corpus_bleu(H * 2, R),
        V,
        "references",
        "2",
        "1",
    ),
    case(
        "corpus_bleu/hypotheses_str",
        lambda w: ks.metrics.corpus_bleu("the cat", R),
        T,
        "hypotheses",
        "'the cat'",
    ),
    case(
        "corpus_bleu/hypothesis_int", lambda w: ks.metrics.corpus_bleu([3], R), T, "hypotheses", "3"
    ),
    case(
        "corpus_bleu/reference_none",
        lambda w: ks.metrics.corpus_bleu(H, [None]),
        T,
        "references",
        "None",
    ),
    case(
        "corpus_bleu/reference_list_empty",
        lambda w: ks.metrics.corpus_bleu(H, [[]]),
        V,
        "references",
        "[]",
    ),
    case(
        "corpus_bleu/empty_corpus", lambda w: ks.metrics.corpus_bleu([], []), V, "hypotheses", "[]"
    ),
    case(
        "corpus_bleu/max_order_0",
        lambda w: ks.metrics.corpus_bleu(H, R, max_order=0),
        V,
        "max_order",
        "0",
    ),
    case(
        "corpus_bleu/smooth_unknown",
        lambda w: ks.metrics.corpus_bleu(H, R, smooth="log"),
        V,
        "smooth",
        "log",
    ),
    case(
        "corpus_bleu/tokenize_unknown",
        lambda w: ks.metrics.corpus_bleu(H, R, tokenize="spm"),
        V,
        "tokenize",
        "spm",
    ),
    case(
        "corpus_bleu/lowercase_str",
        lambda w: ks.metrics.corpus_bleu(H, R, lowercase="yes"),
        T,
        "lowercase",
        "'yes'",
    ),
    case(
        "corpus_bleu/smooth_value_negative",
        lambda w: ks.metrics.corpus_bleu(H, R, smooth="floor", smooth_value=-1),
        V,
        "smooth_value",
        "-1",
    ),
    case(
        "corpus_bleu/bytes_hypothesis",
        lambda w: ks.metrics.corpus_bleu([b"the cat"], R),
        T,
        "hypotheses",
        "b'the cat'",
    ),
    case(
        "sentence_bleu/hypothesis_int",
        lambda w: ks.metrics.sentence_bleu(3, R),
        T,
        "hypothesis",
        "3",
    ),
    case(
        "sentence_bleu/references_empty",
        lambda w: ks.metrics.sentence_bleu("a b", []),
        V,
        "references",
        "[]",
    ),
    case(
        "sentence_bleu/reference_int",
        lambda w: ks.metrics.sentence_bleu("a b", [4]),
        T,
        "references",
        "4",
    ),
    case(
        "sentence_bleu/max_order_float",
        lambda w: ks.metrics.sentence_bleu("a b", ["a b"], max_order=2.0),
        T,
        "max_order",
        "2.0",
    ),
    case("Bleu/max_order_0", lambda w: ks.metrics.Bleu(max_order=0), V, "max_order", "0"),
    case("Bleu/end_id_negative", lambda w: ks.metrics.Bleu(end_id=-1), V, "end_id", "-1"),
    case("Bleu/smooth_unknown", lambda w: ks.metrics.Bleu(smooth="log"), V, "smooth", "log"),
    case(
        "Bleu/y_true_rank1",
        lambda w: ks.metrics.Bleu().update_state(ints(3), ints(1, 3)),
        V,
        "y_true",
        "(3,)",
    ),
    case(
        "Bleu/y_pred_rank3",
        lambda w: ks.metrics.Bleu().update_state(ints(1, 3), ints(1, 3, 2)),
        V,
        "y_pred",
        "(1, 3, 2)",
    ),
    case(
        "Bleu/y_pred_strings",
        lambda w: ks.metrics.Bleu().update_state(ints(1, 3), tf.constant([["a"]])),
        T,
        "y_pred",
        "string",
    ),
    case(
        "Bleu/batch_mismatch",
        lambda w: ks.metrics.Bleu().update_state(ints(2, 3), ints(1, 3)),
        V,
        "y_true",
        "y_pred",
        "(2, 3)",
        "(1, 3)",
    ),
    case(
        "BleuCallback/count_mismatch",
        lambda w: bleu_callback(references=["b", "b"]),
        V,
        "references",
        "2",
        "1",
    ),
    case(
        "BleuCallback/sources_empty",
        lambda w: bleu_callback(sources=[], references=[]),
        V,
        "sources",
        "[]",
    ),
    case("BleuCallback/sources_str", lambda w: bleu_callback(sources="a"), T, "sources", "'a'"),
    case(
        "BleuCallback/reference_int", lambda w: bleu_callback(references=[3]), T, "references", "3"
    ),
    case(
        "BleuCallback/every_n_epochs_0",
        lambda w: bleu_callback(every_n_epochs=0),
        V,
        "every_n_epochs",
        "0",
    ),
    case(
        "BleuCallback/max_samples_0", lambda w: bleu_callback(max_samples=0), V, "max_samples", "0"
    ),
    case("BleuCallback/max_length_0", lambda w: bleu_callback(max_length=0), V, "max_length", "0"),
    case(
        "BleuCallback/tokenizer_none",
        lambda w: bleu_callback(source_tokenizer=None),
        T,
        "source_tokenizer",
        "None",
    ),
    case(
        "BleuCallback/decoding_unknown",
        lambda w: bleu_callback(decoding="best"),
        V,
        "decoding",
        "best",
    ),
]

# ------------------------------------------------------------------------ tokenizers
TOKENIZERS = []
for _name, _get in [
    ("word", lambda w: w.tokenizers[0]),
    ("char", lambda w: w.char),
    ("subword", lambda w: w.subword),
]:
    TOKENIZERS += [
        case(f"{_name}/encode_ints", lambda w, g=_get: g(w).encode([1, 2]), T, "texts", "1"),
        case(
            f"{_name}/encode_none_item",
            lambda w, g=_get: g(w).encode(["a", None]),
            T,
            "texts",
            "None",
        ),
        case(
            f"{_name}/encode_rank2",
            lambda w, g=_get: g(w).encode([["a"], ["b"]]),
            T,
            "texts",
            "['a']",
        ),
        case(f"{_name}/decode_negative", lambda w, g=_get: g(w).decode([[4, -1]]), V, "ids", "-1"),
        case(
            f"{_name}/decode_ge_vocab",
            lambda w, g=_get: g(w).decode([[4, 10**6]]),
            V,
            "ids",
            "1000000",
        ),
        case(
            f"{_name}/decode_float", lambda w, g=_get: g(w).decode([[4.0, 5.0]]), T, "ids", "float"
        ),
        case(
            f"{_name}/decode_rank3",
            lambda w, g=_get: g(w).decode(ints(1, 2, 2)),
            V,
            "ids",
            "(1, 2, 2)",
        ),
        case(f"{_name}/decode_strings", lambda w, g=_get: g(w).decode([["a"]]), T, "ids", "str32"),
        case(f"{_name}/encode_empty_batch", lambda w, g=_get: g(w).encode([]), V, "texts", "[]"),
        case(
            f"{_name}/adapt_missing_file",
            lambda w, g=_get: g(w).adapt(files=w.missing),
            F,
            "files",
            "no-such-file",
        ),
        case(
            f"{_name}/adapt_directory",
            lambda w, g=_get: g(w).adapt(files=w.folder),
            F,
            "files",
            "bad_inputs",
        ),
        case(f"{_name}/adapt_empty", lambda w, g=_get: type(g(w))().adapt([]), V, "texts", "[]"),
        case(
            f"{_name}/adapt_bare_string",
            lambda w, g=_get: type(g(w))().adapt("corpus.txt"),
            T,
            "texts",
            "corpus.txt",
        ),
        case(
            f"{_name}/unadapted_encode",
            lambda w, g=_get: type(g(w))().encode(["a"]),
            ValueError,
            "adapt",
        ),
        case(
            f"{_name}/lowercase_str",
            lambda w, g=_get: type(g(w))(lowercase="no"),
            T,
            "lowercase",
            "'no'",
        ),
        case(
            f"{_name}/max_tokens_1",
            lambda w, g=_get: type(g(w))(max_tokens=1),
            V,
            "max_tokens",
            "1",
        ),
    ]


# ------------------------------------------------------------------------- pipelines
def _seq2seq_dataset(w, pairs=PAIRS, **kwargs):
    source, target = w.tokenizers
    return ks.data.seq2seq_dataset(pairs, source, target, **{"batch_size": 2, **kwargs})


def _classification(w, texts=("one two", "two"), labels=(0, 1), **kwargs):
    return ks.data.classification_dataset(
        list(texts), list(labels), w.tokenizers[0], **{"batch_size": 2, **kwargs}
    )


def _tagging(w, words=(("one", "two"),), tags=(("A", "B"),), **kwargs):
    return ks.data.tagging_dataset(
        [list(s) for s in words],
        [list(t) for t in tags],
        w.tokenizers[0],
        ["A", "B"],
        **{"batch_size": 2, **kwargs},
    )


PIPELINES = [
    case("seq2seq_dataset/empty_pairs", lambda w: _seq2seq_dataset(w, []), V, "pairs", "[]"),
    case(
        "seq2seq_dataset/triples",
        lambda w: _seq2seq_dataset(w, [("a", "b", "c")]),
        T,
        "pairs[0]",
        "('a', 'b', 'c')",
    ),
    case("seq2seq_dataset/non_str", lambda w: _seq2seq_dataset(w, [("a", 3)]), T, "pairs", "3"),
    case(
        "seq2seq_dataset/batch_size_0",
        lambda w: _seq2seq_dataset(w, batch_size=0),
        V,
        "batch_size",
        "0",
    ),
    case(
        "seq2seq_dataset/max_length_0",
        lambda w: _seq2seq_dataset(w, max_length=0),
        V,
        "max_length",
        "0",
    ),
    case(
        "seq2seq_dataset/missing_file", lambda w: _seq2seq_dataset(w, w.missing), F, "no-such-file"
    ),
    case("seq2seq_dataset/directory", lambda w: _seq2seq_dataset(w, w.folder), F, "bad_inputs"),
    case(
        "seq2seq_dataset/tokenizer_none",
        lambda w: ks.data.seq2seq_dataset(PAIRS, None, w.tokenizers[1], 2),
        T,
        "source_tokenizer",
        "None",
    ),
    case(
        "seq2seq_dataset/num_buckets_0",
        lambda w: _seq2seq_dataset(w, num_buckets=0),
        V,
        "num_buckets",
        "0",
    ),
    case(
        "seq2seq_dataset/boundaries_unsorted",
        lambda w: _seq2seq_dataset(w, bucket_boundaries=[5, 3]),
        V,
        "bucket_boundaries",
        "[5, 3]",
    ),
    case(
        "classification/count_mismatch",
        lambda w: _classification(w, labels=(0, 1, 1)),
        V,
        "labels",
        "3",
        "2",
    ),
    case(
        "classification/empty", lambda w: _classification(w, texts=(), labels=()), V, "texts", "[]"
    ),
    case(
        "classification/negative_label",
        lambda w: _classification(w, labels=(0, -1)),
        V,
        "labels",
        "-1",
    ),
    case(
        "classification/string_labels",
        lambda w: _classification(w, labels=("a", "b")),
        T,
        "labels",
        "<U1",
    ),
    case("classification/text_int", lambda w: _classification(w, texts=("a", 3)), T, "texts", "3"),
    case("tagging/mismatched_lengths", lambda w: _tagging(w, tags=(("A",),)), V, "tags", "1", "2"),
    case(
        "tagging/count_mismatch",
        lambda w: _tagging(w, tags=(("A", "B"), ("A",))),
        V,
        "tags",
        "2",
        "1",
    ),
    case(
        "tagging/unknown_tag", lambda w: _tagging(w, tags=(("A", "C"),)), V, "tag_vocabulary", "'C'"
    ),
    case(
        "tagging/sentence_str",
        lambda w: ks.data.tagging_dataset(
            ["one two"], [["A", "B"]], w.tokenizers[0], ["A", "B"], 2
        ),
        T,
        "sentences_tokens",
        "'one two'",
    ),
    case("tagging/empty", lambda w: _tagging(w, words=(), tags=()), V, "sentences_tokens", "[]"),
]

# -------------------------------------------------------------------------- loaders
ANKI = _files.DataFile(
    folder="bad-input-corpus",
    local=(("pairs.txt", "0" * 64),),
    url="http://127.0.0.1:9/pairs.zip",
)


def _corrupt_copy(w):
    os.makedirs(os.path.join(w.folder, "bad-input-corpus"), exist_ok=True)
    w.file("bad-input-corpus/pairs.txt", "truncated")
    return _files.fetch(ANKI, data_dir=w.folder)


def _gzip(w):
    path = os.path.join(w.folder, "broken.tsv.gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(b"a\tb\n" * 20)[:-12])
    return path


LOADERS = [
    case("tsv/missing", lambda w: ks.datasets.tsv.load_data(w.missing), F, "path", "no-such-file"),
    case("tsv/directory", lambda w: ks.datasets.tsv.load_data(w.folder), F, "path", "bad_inputs"),
    case("tsv/non_utf8", lambda w: ks.datasets.tsv.load_data(w.latin1), V, "latin1.txt", "UTF-8"),
    case("tsv/truncated_gzip", lambda w: ks.datasets.tsv.load_data(_gzip(w)), V, "broken.tsv.gz"),
    case(
        "tsv/no_tab",
        lambda w: ks.datasets.tsv.load_data(w.file("notab.tsv", "a b\n")),
        V,
        "line 1",
        "'a b'",
    ),
    case(
        "tsv/empty_file",
        lambda w: ks.datasets.tsv.load_data(w.file("empty.tsv", "")),
        V,
        "path",
        "empty.tsv",
    ),
    case(
        "tsv/split_bad",
        lambda w: ks.datasets.tsv.load_data(w.file("ok.tsv", "a\tb\n" * 5), split=(0.5, 0.5)),
        T,
        "split",
        "(0.5, 0.5)",
    ),
    case(
        "tsv/max_pairs_0",
        lambda w: ks.datasets.tsv.load_data(w.file("ok2.tsv", "a\tb\n" * 5), max_pairs=0),
        V,
        "max_pairs",
        "0",
    ),
    case(
        "files/checksum_mismatch", _corrupt_copy, ks.datasets.ChecksumError, "pairs.txt", "0" * 64
    ),
    case(
        "anki/unknown_language",
        lambda w: ks.datasets.anki.load_data("klingon"),
        V,
        "language",
        "klingon",
    ),
    case(
        "anki/data_dir_missing",
        lambda w: ks.datasets.anki.load_data("fra", data_dir=w.missing),
        F,
        "no-such-file",
    ),
    case(
        "ud/unknown_treebank",
        lambda w: ks.datasets.ud.load_data("xx_nope"),
        V,
        "treebank",
        "xx_nope",
    ),
    case(
        "sentiment/unknown_name",
        lambda w: ks.datasets.sentiment.load_data("imdb5"),
        V,
        "name",
        "imdb5",
    ),
    case("dates/num_examples_0", lambda w: ks.datasets.dates.load_data(0), V, "num_examples", "0"),
    case(
        "shapes/image_size_0",
        lambda w: ks.datasets.shapes.load_data(4, image_size=0),
        V,
        "image_size",
        "0",
    ),
    case(
        "timeseries/unknown_name",
        lambda w: ks.datasets.timeseries.load_data("gold"),
        V,
        "name",
        "gold",
    ),
    case(
        "timeseries/window_0",
        lambda w: ks.datasets.timeseries.load_data("co2", window=0),
        V,
        "window",
        "0",
    ),
    case(
        "timeseries/window_huge",
        lambda w: ks.datasets.timeseries.load_data("co2", window=10**7),
        V,
        "window",
        str(10**7 + 1),
    ),
    case(
        "melodies/unknown_genre",
        lambda w: ks.datasets.melodies.load_data(["polka-metal"]),
        V,
        "genres",
        "polka-metal",
    ),
]

# ------------------------------------------------------------- export and generator
EXPORT = [
    case(
        "export/ints",
        lambda w: w.translator[1](texts=tf.constant([1, 2])),
        tf.errors.InvalidArgumentError,
        "string tensor",
        "int32",
    ),
    case(
        "export/rank2",
        lambda w: w.translator[1](texts=tf.constant([["a"]])),
        tf.errors.InvalidArgumentError,
        "texts",
        "[1,1]",
    ),
    case(
        "export/scalar",
        lambda w: w.translator[1](texts=tf.constant("a")),
        tf.errors.InvalidArgumentError,
        "texts",
        "[]",
    ),
    case(
        "export/path_is_a_file",
        lambda w: ks.export.export_text_model(
            w.translator[0], w.file("a-file", "x"), *w.tokenizers
        ),
        FileExistsError,
        "a-file",
    ),
    case(
        "export/tokenizer_none",
        lambda w: ks.export.export_text_model(w.translator[0], w.missing, None, w.tokenizers[1]),
        T,
        "source_tokenizer",
        "None",
    ),
    case(
        "generator/texts_empty",
        lambda w: ks.TextGenerator(w.translator[0], w.tokenizers[1], w.tokenizers[0])([]),
        V,
        "inputs",
        "[]",
    ),
]


@pytest.mark.parametrize(
    "case", LAYERS + MODELS + DECODING + BLEU + TOKENIZERS + PIPELINES + LOADERS + EXPORT
)
def test_bad_input_gets_a_clear_error(world, case):
    with pytest.raises(case.error) as raised:
        case.call(world)
    message = str(raised.value)
    missing = [fragment for fragment in case.fragments if fragment not in message]
    assert not missing, f"{missing} not in the message: {message}"
    assert "Graph execution error" not in message


# ---------------------------------------------------- documented results, not errors
def test_empty_strings_encode_to_the_end_token_alone(world):
    for tokenizer in (world.tokenizers[0], world.char, world.subword):
        ids = tokenizer.encode(["", "   "]).numpy()
        assert ids.tolist() == [[tokenizer.end_id], [tokenizer.end_id]]
        assert tokenizer.decode(ids) == ["", ""]


def test_the_exported_model_serves_empty_batches_and_empty_strings(world):
    serve = world.translator[1]
    assert serve(texts=tf.constant([], tf.string))["outputs"].shape == (0,)
    outputs = serve(texts=tf.constant(["", "zzz unknown"]))
    assert outputs["outputs"].shape == (2,) and np.isfinite(outputs["scores"].numpy()).all()


def test_empty_hypotheses_score_zero_bleu():
    assert ks.metrics.corpus_bleu(["", ""], ["a b c", "d e"]).score == 0.0
    assert ks.metrics.sentence_bleu("", ["a b c"]).score == 0.0


def test_max_length_larger_than_every_sequence_keeps_every_pair(world):
    data = _seq2seq_dataset(world, max_length=10**6)
    assert data.num_dropped == 0
    assert sum(int(s.shape[0]) for s, _ in data) == len(PAIRS)


def test_generate_stops_at_the_models_max_length_when_no_end_comes(world):
    ids = world.seq2seq.generate(SOURCE, max_length=50)
    assert ids.shape == (2, 50)


# ----------------------------------------------------------------------------- CLI
CLI = [
    (
        "bleu_missing_hypotheses",
        lambda w: ["bleu", w.missing, w.file("r.txt", "a\n")],
        "no-such-file",
    ),
    (
        "bleu_missing_reference",
        lambda w: ["bleu", w.file("h.txt", "a\n"), w.missing],
        "no-such-file",
    ),
    ("bleu_directory", lambda w: ["bleu", w.folder, w.file("r.txt", "a\n")], "bad_inputs"),
    ("bleu_non_utf8", lambda w: ["bleu", w.latin1, w.file("r.txt", "a\n")], "latin1.txt"),
    (
        "bleu_line_counts",
        lambda w: ["bleu", w.file("h.txt", "a\nb\n"), w.file("r.txt", "a\n")],
        "2 lines",
    ),
    (
        "bleu_empty_files",
        lambda w: ["bleu", w.file("h0.txt", ""), w.file("r0.txt", "")],
        "hypotheses",
    ),
    (
        "bleu_max_order_0",
        lambda w: ["bleu", w.file("h.txt", "a\n"), w.file("r.txt", "a\n"), "--max-order", "0"],
        "max_order",
    ),
    ("bleu_tokenize_unknown", lambda w: ["bleu", "h", "r", "--tokenize", "spm"], "spm"),
    ("translate_missing", lambda w: ["translate", w.missing, "hello"], "no-such-file"),
    ("translate_file", lambda w: ["translate", w.file("model.txt", "x"), "hello"], "model.txt"),
    ("translate_not_a_saved_model", lambda w: ["translate", w.folder, "hello"], "no SavedModel"),
    ("translate_no_texts", lambda w: ["translate", w.folder], "texts"),
    ("train_unknown_app", lambda w: ["train", "nope"], "nope"),
]


@pytest.mark.parametrize("argv, fragment", [pytest.param(a, f, id=n) for n, a, f in CLI])
def test_cli_bad_input_exits_with_a_message(world, capsys, argv, fragment):
    status, stderr = run_cli(capsys, *argv(world))
    assert status not in (0, None) and fragment in str(status) + stderr, (status, stderr)
    assert "Traceback" not in stderr


def test_case_count():
    """Reported by the issue; keeps the matrix from shrinking unnoticed."""
    total = len(LAYERS + MODELS + DECODING + BLEU + TOKENIZERS + PIPELINES + LOADERS + EXPORT)
    assert total + len(CLI) >= 150
