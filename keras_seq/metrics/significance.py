"""Bootstrap confidence intervals and the paired bootstrap test, as in sacrebleu.

Both resample the test set's sentences with replacement (Koehn, 2004) and rescore
each resample from the per-sentence statistics, so a resample costs no tokenizing.
The resamples are drawn exactly as sacrebleu draws them, `numpy.random.default_rng(
seed).choice(n, size=(n_samples, n))`, so with the same seed the two use the same
resamples. sacrebleu sums the statistics in float32 and partly scores them in float32
too; here they are summed as integers and scored in float64 like the corpus score, so
means and intervals agree with sacrebleu's to about 1e-4 rather than to the last bit.
"""

import dataclasses
import math

import numpy as np

from keras_seq.checks import check_choice, check_int, check_positive_int
from keras_seq.metrics._inputs import as_list
from keras_seq.metrics.bleu_functions import bleu_statistics
from keras_seq.metrics.chrf_functions import chrf_statistics

# sacrebleu's default seed (its SACREBLEU_SEED).
DEFAULT_SEED = 12345

_STATISTICS = {"bleu": bleu_statistics, "chrf": chrf_statistics}


@dataclasses.dataclass(frozen=True)
class BootstrapResult:
    """A corpus score with its bootstrap mean and 95% confidence interval.

    Args:
        score: `BleuScore` or `ChrfScore`. The score of the whole test set.
        mean: float. The mean score over the resamples.
        ci: float. Half the width of the 95% interval of the resampled scores (from
            the `n_samples // 40`-th smallest to as many from the top), so the
            interval is `mean ± ci`, as sacrebleu reports it.
        n_samples: int. The number of resamples.
        seed: int. The seed of the resampling.
        p_value: float or None. For the system of a paired test: the probability
            of a difference at least as large as the observed one if the systems
            were equally good. `None` otherwise.

    Example:

    >>> from keras_seq.metrics import confidence_interval
    >>> result = confidence_interval(["a b c d", "a b"], ["a b c d", "a c"],
    ...                              metric="chrf", n_samples=100)
    >>> round(result.score.score, 2), result.n_samples, result.seed
    (89.58, 100, 12345)
    >>> print(result)  # doctest: +ELLIPSIS
    chrF2|nrefs:1|bs:100|seed:12345|case:mixed|...|version:... = 89.58 (μ = ... ± ...)

    References:
        - [Koehn, 2004, Statistical Significance Tests for Machine Translation
          Evaluation](https://aclanthology.org/W04-3250/)
    """

    score: object
    mean: float
    ci: float
    n_samples: int
    seed: int
    p_value: float = None

    def __str__(self):
        nrefs, _, rest = self.score.signature.partition("|")
        signature = f"{nrefs}|bs:{self.n_samples}|seed:{self.seed}|{rest}"
        line = str(dataclasses.replace(self.score, signature=signature))
        head, _, tail = line.partition(" = ")
        value, _, details = tail.partition(" ")
        line = f"{head} = {value} (μ = {self.mean:.2f} ± {self.ci:.2f})"
        if self.p_value is not None:
            line += f" (p = {self.p_value:.4f})"
        return f"{line} {details}".rstrip()

    def to_dict(self):
        """The fields as JSON-ready data (the score's fields under `"score"`)."""
        fields = dataclasses.asdict(self)
        fields["score"] = {"name": self.score.name, **dataclasses.asdict(self.score)}
        return fields


@dataclasses.dataclass(frozen=True)
class PairedBootstrapResult:
    """The result of `paired_bootstrap`: both systems, the system with its p-value.

    Args:
        baseline: `BootstrapResult`. The baseline system.
        system: `BootstrapResult`. The other system, with `p_value` set.
    """

    baseline: BootstrapResult
    system: BootstrapResult

    @property
    def p_value(self):
        return self.system.p_value


def confidence_interval(
    hypotheses, references, *, metric="bleu", n_samples=1000, seed=DEFAULT_SEED, **options
):
    """Bootstrap 95% confidence interval of a corpus score, as sacrebleu's `--confidence`.

    `n_samples` resamples of the test set's sentences (with replacement, as many as
    the test set has) are scored with the corpus metric; the result holds the score
    of the whole set, the mean of the resampled scores and half the width of their
    95% interval. With the same seed sacrebleu draws the same resamples
    (`sacrebleu --confidence`, or `corpus_score(..., n_bootstrap=n_samples)` with
    `SACREBLEU_SEED`, 12345 by default).

    Args:
        hypotheses: list of str. The system outputs.
        references: list. `references[i]` is a string or a list of strings.
        metric: str. `"bleu"` (`corpus_bleu`) or `"chrf"` (`corpus_chrf`). Defaults
            to `"bleu"`.
        n_samples: int. The number of resamples. Defaults to `1000`.
        seed: int. The seed of numpy's `default_rng`. Defaults to `12345`,
            sacrebleu's.
        **options: options of `corpus_bleu` or `corpus_chrf`.

    Returns:
        A `BootstrapResult`.

    Raises:
        ValueError, TypeError: bad arguments, as the corpus functions raise them.

    Example:

    >>> from keras_seq.metrics import confidence_interval
    >>> result = confidence_interval(
    ...     ["the cat sat on the mat", "a dog barks", "hello world"],
    ...     ["the cat sat on a mat", "the dog barks", "hello world"],
    ...     smooth="floor", n_samples=200)
    >>> round(result.score.score, 2), result.mean <= 100.0, result.ci >= 0.0
    (51.1, True, True)

    References:
        - [Koehn, 2004](https://aclanthology.org/W04-3250/)
        - [sacrebleu](https://github.com/mjpost/sacrebleu)
    """
    rows, score, indices = _prepare(hypotheses, references, metric, n_samples, seed, options)
    return _bootstrap(rows, score, indices, seed).result


def paired_bootstrap(
    baseline,
    system,
    references,
    *,
    metric="bleu",
    n_samples=1000,
    seed=DEFAULT_SEED,
    **options,
):
    """Paired bootstrap test of two systems on one test set, as sacrebleu's `--paired-bs`.

    Both systems are scored on the same `n_samples` resamples of the sentences.
    The p-value is that of Moses' `bootstrap-hypothesis-difference-significance.pl`
    as sacrebleu computes it: the resampled absolute differences are centred on
    their mean, and `p = (c + 1) / (n_samples + 1)` where `c` counts the centred
    differences larger than the observed absolute difference. (So two systems with
    identical outputs get the smallest p-value, `1 / (n_samples + 1)`, as in
    sacrebleu: compare only systems that differ.) Each system also gets
    its bootstrap mean and 95% interval. With the same seed sacrebleu
    (`sacrebleu.significance.PairedTest(..., test_type="bs")`) draws the same
    resamples.

    Args:
        baseline: list of str. The baseline system's outputs.
        system: list of str. The other system's outputs, for the same sources.
        references: list. `references[i]` is a string or a list of strings.
        metric: str. `"bleu"` or `"chrf"`. Defaults to `"bleu"`.
        n_samples: int. The number of resamples. Defaults to `1000`.
        seed: int. The seed of numpy's `default_rng`. Defaults to `12345`.
        **options: options of `corpus_bleu` or `corpus_chrf`.

    Returns:
        A `PairedBootstrapResult`.

    Raises:
        ValueError: the systems have different numbers of lines, or bad arguments.
        TypeError: bad argument types.

    Example:

    >>> from keras_seq.metrics import paired_bootstrap
    >>> references = ["the cat sat on the mat", "a dog barks", "hello world"] * 5
    >>> baseline = ["the cat sat", "a dog", "hello"] * 5
    >>> result = paired_bootstrap(baseline, references, references, metric="chrf",
    ...                           n_samples=100)
    >>> result.system.score.score, result.p_value < 0.05
    (100.0, True)

    References:
        - [Koehn, 2004](https://aclanthology.org/W04-3250/)
        - [sacrebleu](https://github.com/mjpost/sacrebleu)
    """
    baseline, system = as_list(baseline, "baseline"), as_list(system, "system")
    if len(baseline) != len(system):
        raise ValueError(
            "`baseline` and `system` must have one line per source each. "
            f"Received: {len(baseline)} and {len(system)} lines"
        )
    rows, score, indices = _prepare(baseline, references, metric, n_samples, seed, options)
    system_rows, system_score, _ = _prepare(system, references, metric, n_samples, None, options)
    first = _bootstrap(rows, score, indices, seed)
    second = _bootstrap(system_rows, system_score, indices, seed)
    observed = abs(first.result.score.score - second.result.score.score)
    differences = np.abs(second.samples - first.samples)
    centred = differences - differences.mean()
    p_value = (int(np.sum(centred > observed)) + 1) / (n_samples + 1)
    return PairedBootstrapResult(
        baseline=first.result, system=dataclasses.replace(second.result, p_value=p_value)
    )


@dataclasses.dataclass(frozen=True)
class _Resampled:
    result: BootstrapResult
    samples: np.ndarray


def _prepare(hypotheses, references, metric, n_samples, seed, options):
    """Statistics, scorer and (when `seed` is not None) the resampled indices."""
    check_choice("metric", metric, sorted(_STATISTICS))
    check_positive_int("n_samples", n_samples)
    rows, score = _STATISTICS[metric](hypotheses, references, **options)
    indices = None
    if seed is not None:
        check_int("seed", seed, minimum=0)
        rng = np.random.default_rng(seed)
        indices = rng.choice(len(rows), size=(n_samples, len(rows)), replace=True)
    return np.asarray(rows, dtype=np.int64), score, indices


def _bootstrap(rows, score, indices, seed):
    """Scores every resample; the mean and 95% half-interval as sacrebleu's `estimate_ci`."""
    # A resample's statistics are its sentences' rows times how often each was drawn.
    draws = np.stack([np.bincount(sample, minlength=len(rows)) for sample in indices])
    samples = np.array([score(sums).score for sums in (draws @ rows).tolist()])
    ordered = np.sort(samples)
    lower = len(ordered) // 40
    ci = 0.5 * (ordered[len(ordered) - lower - 1] - ordered[lower])
    result = BootstrapResult(
        score=score(rows.sum(axis=0).tolist()),
        mean=math.fsum(samples) / len(samples),
        ci=float(ci),
        n_samples=len(samples),
        seed=seed,
    )
    return _Resampled(result, samples)
