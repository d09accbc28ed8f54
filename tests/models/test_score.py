"""DecoderModel.score and rescore: teacher-forced sequence log-probabilities.

The equality checks also run under JAX, where `score` pads rows, sources and targets
to compile once per bucket: the greedy check scores 3 rows (padded to 4) and both
score targets narrower than a bucket. `rescore` needs the TensorFlow tokenizers."""

import numpy as np
import pytest
from keras import ops

from keras_seq.decoding import BeamSearch, GreedySearch
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import OneToMany, Seq2Seq

SOURCE = np.array([[5, 6, 7, 2], [8, 2, 0, 0], [9, 10, 2, 0]], "int32")
ATOL = 1e-4


@pytest.fixture(scope="module")
def translator():
    return Seq2Seq(RNNEncoder(16, 8, 12), RNNDecoder(13, 8, 12, attention="luong"), max_length=6)


def step_by_step_scores(model, source, target_ids, alpha=0.0):
    """The reference: the decoder's own `step`, one token at a time, NumPy log-softmax
    over its logits, summed up to the first end token."""
    source = ops.convert_to_tensor(source)
    state, constants = model.decoder.start(source.shape[0], **model.decoder_start(source))
    tokens = np.full(source.shape[0], model.start_id, "int32")
    totals = np.zeros(source.shape[0])
    lengths = np.zeros(source.shape[0])
    alive = np.ones(source.shape[0], bool)
    for column in np.asarray(target_ids).T:
        logits, state = model.decoder.step(ops.convert_to_tensor(tokens), state, constants)
        logits = ops.convert_to_numpy(logits).astype("float64")
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        alive &= column != 0
        for row in np.flatnonzero(alive):
            totals[row] += log_probs[row, column[row]]
            lengths[row] += 1
        alive &= column != model.end_id
        tokens = column.astype("int32")
    return totals / ((5 + lengths) / 6) ** alpha


@pytest.mark.backend_neutral
@pytest.mark.parametrize("alpha", [0.0, 0.8])
def test_score_equals_the_scores_of_beam_search(translator, alpha):
    strategy = BeamSearch(beam_width=3, num_return=3, length_penalty=alpha)
    ids, scores = translator.generate(SOURCE, decoding=strategy, return_scores=True)
    sources = np.repeat(SOURCE, 3, axis=0)
    scored = translator.score(sources, ids.reshape(9, -1), length_penalty=alpha, batch_size=4)
    np.testing.assert_allclose(scored.reshape(3, 3), scores, atol=ATOL)
    reference = step_by_step_scores(translator, sources, ids.reshape(9, -1), alpha)
    np.testing.assert_allclose(scored, reference, atol=ATOL)


@pytest.mark.backend_neutral
def test_score_equals_the_scores_of_greedy_search_and_the_step_loop(translator):
    ids, scores = translator.generate(SOURCE, decoding=GreedySearch(), return_scores=True)
    np.testing.assert_allclose(translator.score(SOURCE, ids), scores, atol=ATOL)
    targets = np.array([[3, 4, 2, 0, 0], [7, 2, 0, 0, 0], [5, 5, 5, 5, 6]])  # last: no end
    np.testing.assert_allclose(
        translator.score(SOURCE, targets, batch_size=1),
        step_by_step_scores(translator, SOURCE, targets),
        atol=ATOL,
    )


@pytest.mark.backend_neutral
def test_padding_and_tokens_after_the_end_token_are_ignored(translator):
    targets = np.array([[3, 4, 2], [7, 2, 0], [5, 2, 0]])
    longer = np.array([[3, 4, 2, 0, 0], [7, 2, 9, 9, 0], [5, 2, 4, 0, 0]])
    np.testing.assert_allclose(
        translator.score(SOURCE, targets), translator.score(SOURCE, longer), atol=1e-6
    )


@pytest.mark.backend_neutral
def test_one_to_many_scores_match_its_greedy_search():
    model = OneToMany(RNNDecoder(11, 8, 12, cell="gru"), num_classes=3, max_length=5)
    labels = np.arange(3)
    ids, scores = model.generate(labels, decoding="greedy", return_scores=True)
    np.testing.assert_allclose(model.score(labels, ids), scores, atol=ATOL)


@pytest.mark.backend_neutral
def test_score_compiles_once_for_new_lengths_and_batch_sizes():
    """Every call below fits one compiled function: TensorFlow's takes any shape, and
    JAX's gets 4 rows and 16 columns of sources and targets each time (one trace)."""
    model = Seq2Seq(RNNEncoder(16, 4, 4), RNNDecoder(13, 4, 4), max_length=4)
    traces = []
    call = model.call

    def counting(*args, **kwargs):
        traces.append(1)
        return call(*args, **kwargs)

    object.__setattr__(model, "call", counting)
    rng = np.random.default_rng(0)
    for rows, source_length, width in [(3, 4, 5), (4, 7, 9), (3, 12, 2), (4, 16, 16)]:
        source = rng.integers(3, 16, (rows, source_length)).astype("int32")
        targets = rng.integers(3, 13, (rows, width)).astype("int32")
        scores = model.score(source, targets)
        assert scores.shape == (rows,) and np.isfinite(scores).all()
    assert len(traces) == 1


@pytest.mark.backend_neutral
@pytest.mark.parametrize(
    "source, targets, kwargs, error, words",
    [
        (SOURCE[:2], [[3, 2], [4, 2], [5, 2]], {}, ValueError, "same number of rows"),
        (SOURCE, [[3, 2], [40, 2], [5, 2]], {}, ValueError, "`target_ids` must hold ids"),
        (SOURCE, [3, 2, 2], {}, ValueError, "target_ids"),
        (SOURCE, np.ones((3, 2), "float32"), {}, TypeError, "target_ids"),
        (SOURCE, [[3, 2], [0, 2], [5, 2]], {}, ValueError, "right-padded"),
        (SOURCE, [[3, 2], [0, 0], [5, 2]], {}, ValueError, "at least one token"),
        (SOURCE[0], [[3, 2]], {}, ValueError, "source_ids"),
        (SOURCE + 20, [[3, 2]] * 3, {}, ValueError, "source_ids"),
        (SOURCE, [[3, 2]] * 3, {"length_penalty": -1.0}, ValueError, "length_penalty"),
        (SOURCE, [[3, 2]] * 3, {"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_bad_input_is_named(translator, source, targets, kwargs, error, words):
    with pytest.raises(error, match=words):
        translator.score(source, np.asarray(targets), **kwargs)


@pytest.fixture(scope="module")
def text_model():
    from keras_seq.data import WordTokenizer

    source, target = WordTokenizer(), WordTokenizer()
    source.adapt(["one two three", "three two one"])
    target.adapt(["un deux trois", "trois deux un"])
    model = Seq2Seq(
        RNNEncoder(source.vocabulary_size, 8, 12),
        RNNDecoder(target.vocabulary_size, 8, 12, attention="bahdanau"),
    )
    return model, source, target


@pytest.mark.tensorflow_only
def test_rescore_sorts_each_n_best_list_by_the_model_score(text_model):
    from keras_seq.decoding import rescore

    model, source, target = text_model
    sources = ["one two", "three", "two one"]
    candidates = [["un deux", "deux", "un un un", "trois"], [], ["deux un", "un"]]
    ranked = rescore(model, source, target, sources, candidates, length_penalty=0.5)
    assert ranked[1] == []
    for text, n_best, results in zip(sources, candidates, ranked):
        if not n_best:
            continue
        expected = model.score(
            np.repeat(ops.convert_to_numpy(source.encode([text])), len(n_best), axis=0),
            ops.convert_to_numpy(target.encode(n_best)),
            length_penalty=0.5,
        )
        order = np.argsort(-expected, kind="stable")
        assert [text for text, _ in results] == [n_best[i] for i in order]
        np.testing.assert_allclose([score for _, score in results], expected[order], atol=1e-6)


@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "sources, candidates, error, words",
    [
        (["one"], [["un"], ["deux"]], ValueError, "same length"),
        (["one"], ["un deux"], TypeError, "candidates\\[0\\]"),
        (["one"], [["un", 3]], TypeError, "list of lists of str"),
    ],
)
def test_rescore_names_bad_candidates(text_model, sources, candidates, error, words):
    from keras_seq.decoding import rescore

    model, source, target = text_model
    with pytest.raises(error, match=words):
        rescore(model, source, target, sources, candidates)
