"""`corpus_chrf` and `sentence_chrf`: chrF and chrF++ with sacrebleu's exact semantics."""

import string
from collections import Counter

from keras_seq.checks import check_bool, check_float, check_int, check_positive_int
from keras_seq.metrics._inputs import column_sums, corpus_lists, text_segments
from keras_seq.metrics.chrf_score import ChrfScore
from keras_seq.version import __version__

# Written here rather than calling sacrebleu: sacrebleu is a development dependency only
# (as for BLEU), and these functions take references per hypothesis.

# chrF++ splits one ASCII punctuation character off the end (else the start) of a word.
_PUNCTUATION = frozenset(string.punctuation)

# sacrebleu's chrF arithmetic: its stand-in for a zero precision or recall.
EPS = 1e-16


def corpus_chrf(
    hypotheses,
    references,
    *,
    char_order=6,
    word_order=0,
    beta=2,
    lowercase=False,
    whitespace=False,
    eps_smoothing=False,
):
    """Computes corpus-level chrF (or chrF++) exactly as sacrebleu's `CHRF` does.

    chrF is an F-score over character n-grams: for every order `n` up to
    `char_order`, the n-grams of each hypothesis (whitespace removed unless
    `whitespace`) are matched against those of one of its references, clipped by
    the reference's counts. With `word_order > 0` (chrF++ for 2) word n-grams are
    added as further orders; words are split on whitespace, with one punctuation
    character split off the end, or else the start, of each word longer than one
    character. For each hypothesis the reference with the best sentence-level score
    is chosen (the first one on ties), and its statistics are summed over the corpus.

    The score, on the 0-100 scale, is `(1 + beta**2) P R / (beta**2 P + R)`, where
    `P` and `R` are the precision and recall averaged over the orders that have
    hypothesis and reference n-grams (sacrebleu's default, its "effective order").
    With `eps_smoothing` it is instead the mean of the per-order F-scores, an order
    without n-grams counting as 1e-16 (chrF++.py, Moses and NLTK do this).

    Args:
        hypotheses: list of str. The system outputs.
        references: list. `references[i]` is a string or a non-empty list of
            strings: the references of hypothesis `i`. Same length as `hypotheses`.
        char_order: int. The largest character n-gram order. Defaults to `6`.
        word_order: int. The largest word n-gram order; 2 gives chrF++. Defaults to
            `0`.
        beta: float. Recall is `beta` times as important as precision. Defaults to
            `2`.
        lowercase: bool. Lowercase hypotheses and references first. Defaults to
            `False`.
        whitespace: bool. Keep whitespace inside character n-grams. Defaults to
            `False`.
        eps_smoothing: bool. Average per-order F-scores with epsilon smoothing
            instead of the effective-order average. Defaults to `False`.

    Returns:
        A `keras_seq.metrics.ChrfScore`.

    Raises:
        ValueError: `hypotheses` is empty, the counts of hypotheses and references
            differ, a hypothesis has no reference, or an order or `beta` is out of
            range.
        TypeError: an argument or item has the wrong type.

    Example:

    >>> from keras_seq.metrics import corpus_chrf
    >>> hypotheses = ["The cat is on the mat.", "It wasn't difficult."]
    >>> references = [
    ...     ["The cat sat on the mat.", "There is a cat on the mat."],
    ...     "It was not difficult.",
    ... ]
    >>> round(corpus_chrf(hypotheses, references).score, 2)
    70.28
    >>> print(corpus_chrf(hypotheses, references, word_order=2))  # doctest: +ELLIPSIS
    chrF2++|nrefs:var|case:mixed|eff:yes|nc:6|nw:2|space:no|version:... = 68.63

    References:
        - [Popović, 2015, chrF: character n-gram F-score for automatic MT evaluation](
          https://aclanthology.org/W15-3049/)
        - [Popović, 2017, chrF++: words helping character n-grams](
          https://aclanthology.org/W17-4770/)
        - [sacrebleu](https://github.com/mjpost/sacrebleu)
    """
    rows, score = chrf_statistics(
        hypotheses,
        references,
        char_order=char_order,
        word_order=word_order,
        beta=beta,
        lowercase=lowercase,
        whitespace=whitespace,
        eps_smoothing=eps_smoothing,
    )
    return score(column_sums(rows))


def sentence_chrf(hypothesis, references, **options):
    """Computes chrF for one hypothesis exactly as sacrebleu's `CHRF.sentence_score`.

    It is `corpus_chrf([hypothesis], [references], **options)`; see `corpus_chrf`
    for the rules and options.

    Args:
        hypothesis: str. The system output.
        references: str or non-empty list of str. Its references.
        **options: `char_order`, `word_order`, `beta`, `lowercase`, `whitespace`,
            `eps_smoothing`, as in `corpus_chrf`.

    Returns:
        A `keras_seq.metrics.ChrfScore`.

    Raises:
        ValueError, TypeError: as `corpus_chrf`.

    Example:

    >>> from keras_seq.metrics import sentence_chrf
    >>> round(sentence_chrf("Hello there!", ["Hello there.", "Hi there!"]).score, 2)
    87.72

    References:
        - [Popović, 2015](https://aclanthology.org/W15-3049/)
    """
    if not isinstance(hypothesis, str):
        raise TypeError(f"`hypothesis` must be a string. Received: hypothesis={hypothesis!r:.80}")
    return corpus_chrf([hypothesis], [references], **options)


def chrf_statistics(
    hypotheses,
    references,
    *,
    char_order=6,
    word_order=0,
    beta=2,
    lowercase=False,
    whitespace=False,
    eps_smoothing=False,
):
    """Checks `corpus_chrf`'s arguments and returns per-hypothesis statistics.

    Returns `(rows, score)`: `rows[i]` is `[hyp, ref, match] * orders` of hypothesis
    `i` (its chosen reference), and `score(sums)` turns column sums of any rows (for
    example a bootstrap resample) into a `ChrfScore` with the corpus's signature.
    """
    check_positive_int("char_order", char_order)
    check_int("word_order", word_order, minimum=0)
    check_float("beta", beta, low=0.0, low_open=True, expected="a number > 0")
    check_bool("lowercase", lowercase)
    check_bool("whitespace", whitespace)
    check_bool("eps_smoothing", eps_smoothing)
    hypotheses, references = corpus_lists(hypotheses, references)

    def ngrams(line):
        return _ngram_counts(
            line.lower() if lowercase else line, char_order, word_order, whitespace
        )

    rows = []
    num_refs = set()
    for hyp_ngrams, ref_ngram_lists in text_segments(hypotheses, references, ngrams, "strings"):
        num_refs.add(len(ref_ngram_lists))
        best_row, best = None, -1.0
        for ref_ngrams in ref_ngram_lists:
            row = _match_statistics(hyp_ngrams, ref_ngrams)
            f_score = chrf_from_statistics(row, beta=beta, eps_smoothing=eps_smoothing)
            if f_score > best:
                best_row, best = row, f_score
        rows.append(best_row)

    nrefs = num_refs.pop() if len(num_refs) == 1 else "var"
    signature = (
        f"nrefs:{nrefs}|case:{'lc' if lowercase else 'mixed'}|"
        f"eff:{'no' if eps_smoothing else 'yes'}|nc:{char_order}|nw:{word_order}|"
        f"space:{'yes' if whitespace else 'no'}|version:{__version__}"
    )

    def score(sums):
        sums = [int(x) for x in sums]
        return ChrfScore(
            score=chrf_from_statistics(sums, beta=beta, eps_smoothing=eps_smoothing),
            char_order=char_order,
            word_order=word_order,
            beta=beta,
            hyp_counts=tuple(sums[0::3]),
            ref_counts=tuple(sums[1::3]),
            matches=tuple(sums[2::3]),
            signature=signature,
        )

    return rows, score


def chrf_from_statistics(statistics, *, beta, eps_smoothing):
    """chrF on the 0-100 scale from `[hyp, ref, match] * orders`.

    The floating-point operations are sacrebleu's, in its order, so that the scores
    are equal to the last bit.
    """
    factor = beta**2
    orders = len(statistics) // 3
    smoothed = 0.0
    precision_sum = recall_sum = 0.0
    effective_order = 0
    for i in range(orders):
        num_hyp, num_ref, num_match = statistics[3 * i : 3 * i + 3]
        precision = num_match / num_hyp if num_hyp > 0 else EPS
        recall = num_match / num_ref if num_ref > 0 else EPS
        if eps_smoothing:
            denominator = factor * precision + recall
            smoothed += (1 + factor) * precision * recall / denominator if denominator > 0 else EPS
        if num_hyp > 0 and num_ref > 0:
            precision_sum += precision
            recall_sum += recall
            effective_order += 1
    if eps_smoothing:
        return 100 * smoothed / orders
    if effective_order == 0:
        return 0.0
    precision = precision_sum / effective_order
    recall = recall_sum / effective_order
    if not precision + recall:
        return 0.0
    return 100 * ((1 + factor) * precision * recall / (factor * precision + recall))


def _split_punctuation(line):
    """chrF++'s words: whitespace-separated, one edge punctuation mark split off."""
    words = []
    for word in line.split():
        if len(word) > 1 and word[-1] in _PUNCTUATION:
            words += [word[:-1], word[-1]]
        elif len(word) > 1 and word[0] in _PUNCTUATION:
            words += [word[0], word[1:]]
        else:
            words.append(word)
    return words


def _ngram_counts(line, char_order, word_order, whitespace):
    """A `Counter` of n-grams per order: characters `1..char_order`, then words."""
    chars = line if whitespace else "".join(line.split())
    counts = [
        Counter(chars[i : i + n] for i in range(len(chars) - n + 1))
        for n in range(1, char_order + 1)
    ]
    if word_order:
        words = _split_punctuation(line)
        counts += [
            Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
            for n in range(1, word_order + 1)
        ]
    return counts


def _match_statistics(hyp_ngrams, ref_ngrams):
    """`[hyp, ref, match] * orders` of one hypothesis against one reference.

    An order in which the reference has no n-gram counts no hypothesis n-grams
    either (sacrebleu's rule), so that it leaves the effective order.
    """
    row = []
    for hyp, ref in zip(hyp_ngrams, ref_ngrams, strict=True):
        num_ref = ref.total()
        matches = sum(min(count, ref[gram]) for gram, count in hyp.items() if gram in ref)
        row += [hyp.total() if num_ref else 0, num_ref, matches]
    return row
