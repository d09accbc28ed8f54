"""corpus_bleu / sentence_bleu against sacrebleu (differential) and nltk (cross-check)."""

import math
import random
import warnings

import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.translate import bleu_score as nltk_bleu
from sacrebleu.metrics import BLEU

from keras_seq.metrics import BleuScore, corpus_bleu, sentence_bleu
from keras_seq.version import __version__
from tests.metrics._data import english_corpus, multi_reference_corpus, reference_streams

pytestmark = pytest.mark.backend_neutral

TOKENIZERS = ["13a", "intl", "char", "none"]
SMOOTHS = ["exp", "floor", "add-k", "none"]


def sacre(
    hypotheses,
    references,
    *,
    max_order=4,
    smooth="exp",
    smooth_value=None,
    tokenize="13a",
    lowercase=False,
    effective_order=False,
):
    metric = BLEU(
        lowercase=lowercase,
        force=True,
        tokenize=tokenize,
        smooth_method=smooth,
        smooth_value=smooth_value,
        max_ngram_order=max_order,
        effective_order=effective_order,
    )
    score = metric.corpus_score(hypotheses, reference_streams(references))
    return score, metric.get_signature().format()


def assert_same(ours, theirs, signature, smooth="exp"):
    assert isinstance(ours, BleuScore)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9, rel=0)
    assert ours.hyp_len == theirs.sys_len
    assert ours.ref_len == theirs.ref_len
    assert ours.brevity_penalty == pytest.approx(theirs.bp, abs=1e-12)
    assert ours.ratio == pytest.approx(theirs.ratio, abs=1e-12)
    assert list(ours.precisions) == pytest.approx(theirs.precisions, abs=1e-9)
    if smooth == "add-k" and any(ours.counts):
        # sacrebleu reports add-k counts/totals with k added above unigrams; ours are raw.
        assert ours.counts[0] == theirs.counts[0] and ours.totals[0] == theirs.totals[0]
    else:
        assert list(ours.counts) == list(theirs.counts)
        assert list(ours.totals) == list(theirs.totals)
    ours_signature, version = ours.signature.rsplit("|version:", 1)
    assert version == __version__
    assert ours_signature == signature.rsplit("|version:", 1)[0]


# Real text: French and German (several references per hypothesis) and English.


@pytest.mark.parametrize("smooth", SMOOTHS)
@pytest.mark.parametrize("tokenize", TOKENIZERS)
def test_matches_sacrebleu_on_french_multi_reference(tokenize, smooth):
    hypotheses, references = multi_reference_corpus("fra", size=400, seed=1)
    assert max(len(r) for r in references) >= 3
    for lowercase in (False, True):
        ours = corpus_bleu(
            hypotheses, references, tokenize=tokenize, smooth=smooth, lowercase=lowercase
        )
        theirs, signature = sacre(
            hypotheses, references, tokenize=tokenize, smooth=smooth, lowercase=lowercase
        )
        assert_same(ours, theirs, signature, smooth)
        assert "nrefs:var" in ours.signature


@pytest.mark.parametrize("language", ["fra", "deu"])
@pytest.mark.parametrize("tokenize", TOKENIZERS)
def test_matches_sacrebleu_on_english_and_german(language, tokenize):
    for corpus in (english_corpus, multi_reference_corpus):
        if corpus is multi_reference_corpus and language == "fra":
            continue  # covered above
        hypotheses, references = corpus(language, size=1500, seed=2)
        ours = corpus_bleu(hypotheses, references, tokenize=tokenize)
        theirs, signature = sacre(hypotheses, references, tokenize=tokenize)
        assert_same(ours, theirs, signature)
        assert 5 < ours.score < 95


@pytest.mark.parametrize("max_order", [1, 2, 3, 5])
def test_matches_sacrebleu_for_other_orders(max_order):
    hypotheses, references = multi_reference_corpus("deu", size=300, seed=3)
    ours = corpus_bleu(hypotheses, references, max_order=max_order, effective_order=True)
    theirs, signature = sacre(hypotheses, references, max_order=max_order, effective_order=True)
    assert_same(ours, theirs, signature)
    assert len(ours.counts) == max_order


def test_custom_smooth_values_match_sacrebleu():
    hypotheses, references = multi_reference_corpus("fra", size=200, seed=4)
    hypotheses = [" ".join(h.split()[:3]) for h in hypotheses]  # zero 4-gram totals
    for smooth, value in [("floor", 0.5), ("add-k", 2), ("add-k", 0), ("floor", 0.0)]:
        ours = corpus_bleu(hypotheses, references, smooth=smooth, smooth_value=value)
        theirs, signature = sacre(hypotheses, references, smooth=smooth, smooth_value=value)
        assert_same(ours, theirs, signature, smooth)


def test_sentence_bleu_matches_sacrebleu_on_real_sentences():
    hypotheses, references = multi_reference_corpus("fra", size=300, seed=5)
    for hypothesis, refs in zip(hypotheses, references, strict=True):
        ours = sentence_bleu(hypothesis, refs)
        theirs = sacrebleu.sentence_bleu(hypothesis, refs)
        assert ours.score == pytest.approx(theirs.score, abs=1e-9)
        assert "eff:yes" in ours.signature


def test_token_lists_equal_none_tokenizer_on_joined_text():
    hypotheses, references = multi_reference_corpus("deu", size=300, seed=6)
    as_tokens = corpus_bleu(
        [h.split() for h in hypotheses], [[r.split() for r in refs] for refs in references]
    )
    as_text = corpus_bleu(hypotheses, references, tokenize="none")
    assert as_tokens == as_text
    single = corpus_bleu([h.split() for h in hypotheses], [refs[0].split() for refs in references])
    assert single == corpus_bleu(hypotheses, [refs[0] for refs in references], tokenize="none")


def test_lowercase_applies_to_token_lists():
    assert corpus_bleu([["The", "Cat"]], [["the", "cat"]], lowercase=True, max_order=2).score == (
        pytest.approx(100.0)
    )
    assert corpus_bleu([["The", "Cat"]], [["the", "cat"]], max_order=2).score == 0.0


# Generated edge cases against sacrebleu.

WORDS = [
    "a",
    "b",
    "the",
    "The",
    "cat",
    "Cat",
    "1",
    "2.5",
    "3,000",
    "-",
    "x-1",
    "9-",
    ".",
    ",",
    "...",
    "!",
    "?",
    "¿",
    "¡",
    "«",
    "»",
    "—",
    "–",
    "’",
    "'",
    '"',
    "&amp;",
    "&lt;",
    "&quot;",
    "<skipped>",
    "(",
    ")",
    "[",
    "]",
    "$",
    "€",
    "%",
    "@",
    "#",
    "é",
    "ÉTÉ",
    "Straße",
    "日本",
    "x.y",
    "a,b",
    "1.",
    ".5",
    "\u00a0",
    "\u202f",
    "C'est",
    "l'été",
    "ça",
    "hello!",
    "...",
]
sentences = st.lists(st.sampled_from(WORDS), max_size=9).map(
    lambda words: "".join(w + (" " if i % 3 else "") for i, w in enumerate(words))
)
options = st.fixed_dictionaries(
    {
        "tokenize": st.sampled_from(TOKENIZERS),
        "smooth": st.sampled_from(SMOOTHS),
        "lowercase": st.booleans(),
        "max_order": st.integers(1, 5),
        "effective_order": st.booleans(),
    }
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    corpus=st.lists(
        st.tuples(sentences, st.lists(sentences, min_size=1, max_size=3)), min_size=1, max_size=6
    ),
    options=options,
)
def test_generated_corpora_match_sacrebleu(corpus, options):
    hypotheses = [h for h, _ in corpus]
    references = [refs if len(refs) > 1 else refs[0] for _, refs in corpus]
    ours = corpus_bleu(hypotheses, references, **options)
    theirs, signature = sacre(hypotheses, references, **options)
    assert_same(ours, theirs, signature, options["smooth"])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    hypothesis=sentences, references=st.lists(sentences, min_size=1, max_size=3), options=options
)
def test_generated_sentences_match_sacrebleu(hypothesis, references, options):
    options.pop("max_order")
    theirs = sacrebleu.sentence_bleu(
        hypothesis,
        references,
        smooth_method=options["smooth"],
        lowercase=options["lowercase"],
        tokenize=options["tokenize"],
        use_effective_order=options["effective_order"],
    )
    ours = sentence_bleu(hypothesis, references, **options)
    assert ours.score == pytest.approx(theirs.score, abs=1e-9)


@pytest.mark.parametrize("smooth", SMOOTHS)
def test_edge_cases_match_sacrebleu(smooth):
    cases = [
        (["", ""], ["a b c d", "e f"]),  # empty hypotheses
        ([""], [""]),  # everything empty
        (["a b"], ["a b c d"]),  # shorter than the order, brevity penalty
        (["a b c d e"], ["a x c y e"]),  # unigram matches only
        (["a b x c d"], ["a b y c d"]),  # no 3-gram or 4-gram match
        (["the the the the the"], ["the cat on the mat"]),  # clipping
        (["a b"], [["a b c", "a"]]),  # closest reference length, tie to the shorter
        (["a b c"], [["a b c d e", "a"]]),
        (["« Bonjour ! »"], ["« Bonjour ! »"]),
    ]
    for hypotheses, references in cases:
        ours = corpus_bleu(hypotheses, references, smooth=smooth)
        theirs, signature = sacre(hypotheses, references, smooth=smooth)
        assert_same(ours, theirs, signature, smooth)


def test_brevity_penalty_uses_closest_reference_ties_to_shorter():
    result = corpus_bleu(["a b c"], [["a b c d", "a b"]], max_order=1)
    assert result.ref_len == 2  # |3-4| == |3-2|: the shorter one
    result = corpus_bleu(["a b"], [["a b c d e", "a b c"]], max_order=1)
    assert result.ref_len == 3
    assert result.brevity_penalty == pytest.approx(math.exp(1 - 3 / 2))


# nltk: same numbers where the definitions coincide.


def test_cross_check_with_nltk_without_smoothing():
    hypotheses, references = multi_reference_corpus("fra", size=600, seed=7)
    rng = random.Random(0)
    pairs = [
        (h.split(), [r.split() for r in refs])
        for h, refs in zip(hypotheses, references, strict=True)
        if len(h.split()) >= 4  # nltk counts at least 1 n-gram per sentence and order
    ]
    rng.shuffle(pairs)
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    ours = corpus_bleu(hyps, refs, smooth="none")
    assert all(ours.counts) and len(hyps) > 150
    theirs = nltk_bleu.corpus_bleu(refs, hyps)
    assert ours.score == pytest.approx(100 * theirs, rel=1e-12)
    for h, r in pairs[:50]:
        ours_sentence = corpus_bleu([h], [r], smooth="none").score
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nltk warns about zero counts
            theirs_sentence = nltk_bleu.sentence_bleu(r, h)
        if all(corpus_bleu([h], [r], smooth="none").counts):
            assert ours_sentence == pytest.approx(100 * theirs_sentence, rel=1e-12)
        else:
            assert ours_sentence == 0.0 and theirs_sentence < 1e-70


@pytest.mark.parametrize("smooth, method", [("floor", 1), ("add-k", 2), ("exp", 3)])
def test_nltk_smoothing_methods_1_to_3_are_floor_add_k_and_exp(smooth, method):
    hypotheses, references = multi_reference_corpus("fra", size=400, seed=8)
    pairs = [
        (h.split(), [r.split() for r in refs])
        for h, refs in zip(hypotheses, references, strict=True)
        if len(h.split()) >= 4
    ]
    function = getattr(nltk_bleu.SmoothingFunction(), f"method{method}")
    zero_counts = 0
    for start in range(0, len(pairs), 2):  # small corpora, so that some counts are 0
        hyps = [h for h, _ in pairs[start : start + 2]]
        refs = [r for _, r in pairs[start : start + 2]]
        ours = corpus_bleu(hyps, refs, smooth=smooth)
        zero_counts += not all(ours.counts)
        theirs = nltk_bleu.corpus_bleu(refs, hyps, smoothing_function=function)
        assert ours.score == pytest.approx(100 * theirs, rel=1e-12, abs=1e-12)
    assert zero_counts > 10


# BleuScore.


def test_score_line_and_signature():
    result = corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"])
    assert str(result) == (
        f"BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{__version__} = 53.73 "
        "83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)"
    )
    assert float(result) == result.score
    with pytest.raises(AttributeError):
        result.score = 1.0  # frozen
    result = corpus_bleu(["a"], [["a", "b"]], smooth="floor", lowercase=True, tokenize="char")
    assert result.signature.startswith("nrefs:2|case:lc|eff:no|tok:char|smooth:floor[0.10]|")
    assert corpus_bleu(["a"], ["a"], smooth="add-k", smooth_value=2).signature.count("add-k[2.00]")
    assert "tok:none" in corpus_bleu([["a"]], [["a"]]).signature


# Bad input.


@pytest.mark.parametrize(
    "hypotheses, references, kwargs, error, words",
    [
        (["a"], ["a", "b"], {}, ValueError, ["1 hypotheses", "2 references"]),
        ([], [], {}, ValueError, ["hypotheses", "empty"]),
        ("a b", ["a b"], {}, TypeError, ["hypotheses", "'a b'"]),
        (["a", 3], ["a", "b"], {}, TypeError, ["hypotheses[1]=3"]),
        ([b"a"], ["a"], {}, TypeError, ["hypotheses[0]=b'a'"]),
        (["a"], [[]], {}, ValueError, ["references[0]=[]"]),
        (["a"], [None], {}, TypeError, ["references[0]=None"]),
        (["a"], [["a", 1]], {}, TypeError, ["references[0]"]),
        ([["a"]], [[]], {}, ValueError, ["references[0]=[]", "[[]]"]),
        ([["a"], "b"], [["a"], ["b"]], {}, TypeError, ["hypotheses[1]='b'"]),
        ([["a", 1]], [["a"]], {}, TypeError, ["hypotheses[0]"]),
        ([["a"]], [["a", ["b"]]], {}, TypeError, ["references[0]"]),
        (["a"], ["a"], {"max_order": 0}, ValueError, ["max_order=0"]),
        (["a"], ["a"], {"max_order": 2.0}, TypeError, ["max_order=2.0"]),
        (["a"], ["a"], {"tokenize": "14a"}, ValueError, ["tokenize='14a'", "13a"]),
        (["a"], ["a"], {"smooth": "add-1"}, ValueError, ["smooth='add-1'", "add-k"]),
        (["a"], ["a"], {"smooth_value": 0.1}, ValueError, ["smooth_value=0.1", "floor"]),
        (["a"], ["a"], {"smooth": "floor", "smooth_value": -1}, ValueError, ["smooth_value=-1"]),
        (["a"], ["a"], {"smooth": "floor", "smooth_value": "x"}, TypeError, ["smooth_value='x'"]),
        (["a"], ["a"], {"lowercase": "yes"}, TypeError, ["lowercase='yes'"]),
        (["a"], ["a"], {"effective_order": 1}, TypeError, ["effective_order=1"]),
    ],
)
def test_bad_input_is_rejected_with_the_received_value(
    hypotheses, references, kwargs, error, words
):
    with pytest.raises(error) as info:
        corpus_bleu(hypotheses, references, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_sentence_bleu_rejects_a_non_string_hypothesis():
    with pytest.raises(TypeError, match="hypothesis=3"):
        sentence_bleu(3, "a")
    with pytest.raises(TypeError, match="hypothesis="):
        sentence_bleu(["a", None], "a")


# Any Unicode (surrogates aside: they cannot be encoded): scripts, marks, symbols,
# control and format characters, odd whitespace.
unicode_sentences = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    corpus=st.lists(
        st.tuples(unicode_sentences, st.lists(unicode_sentences, min_size=1, max_size=3)),
        min_size=1,
        max_size=4,
    ),
    tokenize=st.sampled_from(TOKENIZERS),
    lowercase=st.booleans(),
)
def test_random_unicode_corpora_match_sacrebleu(corpus, tokenize, lowercase):
    """One to three references per hypothesis (sacrebleu gets None-padded streams)."""
    hypotheses = [h for h, _ in corpus]
    references = [refs for _, refs in corpus]
    options = dict(tokenize=tokenize, lowercase=lowercase)
    ours = corpus_bleu(hypotheses, references, **options)
    theirs, signature = sacre(hypotheses, references, **options)
    assert_same(ours, theirs, signature, "exp")
    for hypothesis, refs in corpus:
        expected = sacrebleu.sentence_bleu(hypothesis, refs, **options).score
        assert sentence_bleu(hypothesis, refs, **options).score == pytest.approx(expected, abs=1e-9)
