"""`BleuScore`: the result of `corpus_bleu` and `sentence_bleu`."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class BleuScore:
    """A BLEU score with the statistics it was computed from.

    Instances are returned by `keras_seq.metrics.corpus_bleu` and
    `keras_seq.metrics.sentence_bleu`; the fields are named as in sacrebleu's
    `BLEUScore` (`sys_len` and `bp` are called `hyp_len` and `brevity_penalty` here).
    `str(score)` gives sacrebleu's score line, and `float(score)` the score.

    Args:
        score: float. BLEU on the 0-100 scale.
        counts: tuple of int. Clipped n-gram matches for orders 1 to `max_order`.
            Unlike sacrebleu's `counts` these are never smoothed: with `"add-k"`
            smoothing sacrebleu reports them with `k` added for orders above 1.
        totals: tuple of int. Hypothesis n-grams for orders 1 to `max_order` (also
            unsmoothed).
        precisions: tuple of float. The (smoothed) n-gram precisions, in percent.
        brevity_penalty: float. The brevity penalty, in [0, 1].
        ratio: float. `hyp_len / ref_len`, or 0 when `ref_len` is 0.
        hyp_len: int. Number of hypothesis tokens in the corpus.
        ref_len: int. Sum over hypotheses of the length of the reference whose length
            is closest to the hypothesis's (the shorter one on ties).
        signature: str. What produced the score, in sacrebleu's format, for example
            `"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:0.1.0"`. Defaults to
            `""`.

    Example:

    >>> from keras_seq.metrics import corpus_bleu
    >>> result = corpus_bleu(["the cat sat on the mat"], ["the cat sat on a mat"])
    >>> round(result.score, 2), result.counts, result.totals
    (53.73, (5, 3, 2, 1), (6, 5, 4, 3))
    >>> print(result)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:... = 53.73
    83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)

    References:
        - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        - [Post, 2018, A Call for Clarity in Reporting BLEU Scores (sacrebleu)](
          https://aclanthology.org/W18-6319/)
    """

    score: float
    counts: tuple
    totals: tuple
    precisions: tuple
    brevity_penalty: float
    ratio: float
    hyp_len: int
    ref_len: int
    signature: str = ""

    @property
    def name(self):
        """`"BLEU"`, as sacrebleu names it."""
        return "BLEU"

    def __str__(self):
        name = f"BLEU|{self.signature}" if self.signature else "BLEU"
        precisions = "/".join(f"{p:.1f}" for p in self.precisions)
        return (
            f"{name} = {self.score:.2f} {precisions} (BP = {self.brevity_penalty:.3f} "
            f"ratio = {self.ratio:.3f} hyp_len = {self.hyp_len:d} ref_len = {self.ref_len:d})"
        )

    def __float__(self):
        return float(self.score)
