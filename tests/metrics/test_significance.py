"""Bootstrap intervals and the paired bootstrap test against sacrebleu's own."""

import random

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

from keras_seq.metrics import (
    confidence_interval,
    corpus_bleu,
    corpus_chrf,
    paired_bootstrap,
)
from tests.metrics._data import multi_reference_corpus, perturb, reference_streams

pytestmark = pytest.mark.backend_neutral

METRICS = [
    ("bleu", BLEU, {}),
    ("bleu", BLEU, {"tokenize": "intl", "lowercase": True}),
    ("chrf", CHRF, {}),
    ("chrf", CHRF, {"word_order": 2}),
]
# sacrebleu sums and partly scores the resamples in float32, this code in float64.
TOLERANCE = 1e-4


def corpus(size=300):
    hypotheses, references = multi_reference_corpus("fra", size=size, seed=6)
    rng = random.Random(3)
    # A second system that differs on a few sentences only: a p-value far from 0.
    system = [perturb(h, rng) if rng.random() < 0.08 else h for h in hypotheses]
    return hypotheses, system, references


@pytest.mark.parametrize("metric, sacrebleu_metric, options", METRICS)
def test_confidence_interval_matches_sacrebleu(metric, sacrebleu_metric, options, monkeypatch):
    hypotheses, _, references = corpus()
    streams = reference_streams(references)
    for seed in (12345, 7):
        monkeypatch.setenv("SACREBLEU_SEED", str(seed))
        theirs = sacrebleu_metric(**options).corpus_score(hypotheses, streams, n_bootstrap=1000)
        ours = confidence_interval(hypotheses, references, metric=metric, seed=seed, **options)
        assert ours.score.score == pytest.approx(theirs.score, abs=1e-9)
        assert ours.mean == pytest.approx(theirs._mean, abs=TOLERANCE)
        assert ours.ci == pytest.approx(theirs._ci, abs=TOLERANCE)
        assert ours.ci > 0.5 and ours.n_samples == 1000 and ours.seed == seed
        assert f"|bs:1000|seed:{seed}|" in str(ours)


@pytest.mark.parametrize("metric, sacrebleu_metric, options", METRICS)
def test_paired_bootstrap_matches_sacrebleu(metric, sacrebleu_metric, options):
    baseline, system, references = corpus()
    ours = paired_bootstrap(baseline, system, references, metric=metric, **options)
    _, scores = PairedTest(
        [("baseline", baseline), ("system", system)],
        {metric: sacrebleu_metric(**options)},
        references=reference_streams(references),
        test_type="bs",
        n_samples=1000,
    )()
    (name,) = [key for key in scores if key != "System"]
    assert name == ours.system.score.name
    for side, theirs in zip((ours.baseline, ours.system), scores[name], strict=True):
        assert side.score.score == pytest.approx(theirs.score, abs=1e-9)
        assert side.mean == pytest.approx(theirs.mean, abs=TOLERANCE)
        assert side.ci == pytest.approx(theirs.ci, abs=TOLERANCE)
    # The same resamples give the same count, unless a resampled difference lies within
    # float32 rounding of the observed one; then the p-values differ by 1 / 1001.
    assert 0.05 < ours.p_value < 0.95
    assert ours.p_value == pytest.approx(scores[name][1].p_value, abs=1.5 / 1001)
    assert ours.baseline.p_value is None


def test_resampled_scores_equal_scoring_the_resampled_corpus():
    """Independent of the statistics rows: score each resample as a corpus."""
    hypotheses, _, references = corpus(size=40)
    n_samples, seed = 30, 3
    indices = np.random.default_rng(seed).choice(40, size=(n_samples, 40), replace=True)
    for metric, function in (("bleu", corpus_bleu), ("chrf", corpus_chrf)):
        scores = [
            function([hypotheses[i] for i in sample], [references[i] for i in sample]).score
            for sample in indices
        ]
        result = confidence_interval(
            hypotheses, references, metric=metric, n_samples=n_samples, seed=seed
        )
        assert result.mean == pytest.approx(np.mean(scores), abs=1e-9)
        ordered = sorted(scores)
        assert result.ci == pytest.approx(0.5 * (ordered[-1] - ordered[0]), abs=1e-9)


def test_a_system_against_itself_gets_the_smallest_p_value_as_in_sacrebleu():
    """sacrebleu's formula: every centred difference is 0 and none exceeds the observed
    0, so p = 1 / (n + 1); the docs warn that p means nothing for identical outputs."""
    hypotheses, _, references = corpus(size=50)
    result = paired_bootstrap(hypotheses, hypotheses, references, n_samples=100)
    _, scores = PairedTest(
        [("a", hypotheses), ("b", hypotheses)],
        {"bleu": BLEU()},
        references=reference_streams(references),
        test_type="bs",
        n_samples=100,
    )()
    assert result.p_value == scores["BLEU"][1].p_value == 1 / 101
    assert result.system.mean == result.baseline.mean


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"metric": "ter"}, ValueError, "metric='ter'"),
        ({"n_samples": 0}, ValueError, "n_samples=0"),
        ({"seed": -1}, ValueError, "seed=-1"),
        ({"smooth": "nist"}, ValueError, "smooth='nist'"),
        ({"metric": "chrf", "word_order": "2"}, TypeError, "word_order='2'"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        confidence_interval(["a b"], ["a b"], **kwargs)


def test_paired_systems_need_equal_lengths():
    with pytest.raises(ValueError, match="2 and 1 lines"):
        paired_bootstrap(["a", "b"], ["a"], ["a", "b"])
