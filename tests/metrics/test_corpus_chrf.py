"""corpus_chrf/sentence_chrf are exactly equal to sacrebleu's CHRF: real text, random
unicode, one or several references, chrF and chrF++, every option."""

import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import CHRF

from keras_seq.metrics import ChrfScore, corpus_chrf, sentence_chrf
from keras_seq.version import __version__
from tests.metrics._data import english_corpus, multi_reference_corpus, reference_streams

pytestmark = pytest.mark.backend_neutral


def sacre(hypotheses, references, **options):
    """sacrebleu's score, its summed statistics and its signature."""
    metric = CHRF(**options)
    streams = reference_streams(references)
    score = metric.corpus_score(hypotheses, streams)
    rows = metric._extract_corpus_statistics(hypotheses, streams)
    sums = [sum(column) for column in zip(*rows, strict=True)]
    return score, sums, str(metric.get_signature())


def assert_same(ours, hypotheses, references, **options):
    theirs, sums, signature = sacre(hypotheses, references, **options)
    assert ours.score == theirs.score  # exact: the same operations in the same order
    assert list(ours.hyp_counts) == sums[0::3]
    assert list(ours.ref_counts) == sums[1::3]
    assert list(ours.matches) == sums[2::3]
    assert ours.name == theirs.name
    signature, version = ours.signature.rsplit("|version:", 1), signature.rsplit("|version:")
    assert signature[0] == version[0] and signature[1] == __version__


OPTIONS = [
    {},
    {"word_order": 2},
    {"lowercase": True},
    {"word_order": 2, "lowercase": True},
    {"whitespace": True, "eps_smoothing": True},
    {"char_order": 3, "word_order": 1, "beta": 1},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_matches_sacrebleu_on_french_multi_reference(options):
    hypotheses, references = multi_reference_corpus("fra", size=400, seed=1)
    assert max(len(r) for r in references) >= 3
    ours = corpus_chrf(hypotheses, references, **options)
    assert_same(ours, hypotheses, references, **options)
    assert "nrefs:var" in ours.signature and 20 < ours.score < 95


@pytest.mark.parametrize("language", ["fra", "deu"])
@pytest.mark.parametrize("word_order", [0, 2])
def test_matches_sacrebleu_on_english_and_german(language, word_order):
    for corpus in (english_corpus, multi_reference_corpus):
        hypotheses, references = corpus(language, size=300, seed=2)
        ours = corpus_chrf(hypotheses, references, word_order=word_order)
        assert_same(ours, hypotheses, references, word_order=word_order)


def test_sentence_chrf_matches_sacrebleu_on_real_sentences():
    hypotheses, references = multi_reference_corpus("deu", size=150, seed=3)
    for word_order in (0, 2):
        metric = CHRF(word_order=word_order)
        for hypothesis, refs in zip(hypotheses, references, strict=True):
            ours = sentence_chrf(hypothesis, refs, word_order=word_order)
            assert ours.score == metric.sentence_score(hypothesis, refs).score


# Random unicode: letters of several scripts and cases (with 'İ' and 'ß', whose lowercase
# or uppercase changes the length), digits, ASCII and other punctuation, and whitespace
# of several kinds, so that chrF++'s punctuation splitting and whitespace removal matter.
ALPHABET = "aAbBcé ÉßİıΣσς日本\t\u00a0\u2003.,!?'()-«»¿ 01"
sentences = st.text(alphabet=ALPHABET, max_size=25) | st.text(max_size=8)
options = st.fixed_dictionaries(
    {
        "char_order": st.integers(1, 6),
        "word_order": st.sampled_from([0, 2, 1, 3]),
        "beta": st.sampled_from([2, 1, 3]),
        "lowercase": st.booleans(),
        "whitespace": st.booleans(),
        "eps_smoothing": st.booleans(),
    }
)


@settings(max_examples=120, deadline=None)
@given(
    corpus=st.lists(
        st.tuples(sentences, st.lists(sentences, min_size=1, max_size=3)), min_size=1, max_size=5
    ),
    options=options,
)
def test_random_unicode_corpora_match_sacrebleu(corpus, options):
    hypotheses = [h for h, _ in corpus]
    references = [refs if len(refs) > 1 else refs[0] for _, refs in corpus]
    ours = corpus_chrf(hypotheses, references, **options)
    assert_same(ours, hypotheses, references, **options)


@settings(max_examples=150, deadline=None)
@given(hypothesis=sentences, references=st.lists(sentences, min_size=1, max_size=3))
def test_random_unicode_sentences_match_sacrebleu(hypothesis, references):
    for options in ({}, {"word_order": 2, "lowercase": True}):
        theirs = CHRF(**options).sentence_score(hypothesis, references).score
        assert sentence_chrf(hypothesis, references, **options).score == theirs


def test_compat_functions_agree():
    hypotheses, references = multi_reference_corpus("fra", size=100, seed=5)
    streams = reference_streams(references)
    assert (
        corpus_chrf(hypotheses, references, word_order=2).score
        == sacrebleu.corpus_chrf(hypotheses, streams, word_order=2).score
    )


def test_edge_cases():
    # Empty hypothesis and references score 0; identical texts score 100.
    assert corpus_chrf([""], [""]).score == 0.0
    assert corpus_chrf(["abc"], ["abc"]).score == 100.0
    # Only a reference with n-grams of an order makes that order count.
    short = corpus_chrf(["ab"], ["ab"], char_order=6)
    assert short.score == 100.0 and short.hyp_counts == (2, 1, 0, 0, 0, 0)
    # Of two references the better one is used; an equal one does not replace the first.
    best = corpus_chrf(["the cat"], [["a dog", "the cat"]])
    assert best.score == 100.0 and best.ref_counts[0] == 6
    # Words: one punctuation mark split off the end, else the start.
    result = corpus_chrf(["(hi)"], ["(hi )"], char_order=1, word_order=1)
    # "(hi)" gives the words "(hi" ")", "(hi )" gives "(" "hi" ")": only ")" matches.
    assert result.matches == (4, 1)
    assert isinstance(result, ChrfScore) and str(result).startswith("chrF2+|nrefs:1|")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"char_order": 0}, ValueError, "char_order=0"),
        ({"word_order": -1}, ValueError, "word_order=-1"),
        ({"beta": 0}, ValueError, "beta=0"),
        ({"lowercase": 1}, TypeError, "lowercase=1"),
    ],
)
def test_bad_options_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        corpus_chrf(["a"], ["a"], **kwargs)


def test_bad_input_is_rejected_with_the_received_value():
    with pytest.raises(ValueError, match="hypotheses=\\[\\]"):
        corpus_chrf([], [])
    with pytest.raises(ValueError, match="2 hypotheses and 1 references"):
        corpus_chrf(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="references\\[0\\]=\\[\\]"):
        corpus_chrf(["a"], [[]])
    with pytest.raises(TypeError, match="references\\[0\\]=3"):
        corpus_chrf(["a"], [3])
    with pytest.raises(TypeError, match="hypotheses\\[0\\]=\\['a'\\]"):
        corpus_chrf([["a"]], ["a"])
    with pytest.raises(TypeError, match="hypothesis=3"):
        sentence_chrf(3, "a")
