"""`ChrfScore`: the result of `corpus_chrf` and `sentence_chrf`."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ChrfScore:
    """A chrF (or chrF++) score with the statistics it was computed from.

    Instances are returned by `keras_seq.metrics.corpus_chrf` and
    `keras_seq.metrics.sentence_chrf`. The statistics are given per n-gram order:
    the character orders `1..char_order` first, then the word orders
    `1..word_order`. `str(score)` gives sacrebleu's score line, and `float(score)`
    the score.

    Args:
        score: float. chrF on the 0-100 scale.
        char_order: int. The largest character n-gram order.
        word_order: int. The largest word n-gram order (2 for chrF++).
        beta: float. Recall is `beta` times as important as precision.
        hyp_counts: tuple of int. Hypothesis n-grams per order (a hypothesis whose
            chosen reference has no n-gram of an order adds none for it).
        ref_counts: tuple of int. Reference n-grams per order, of the reference
            chosen for each hypothesis (the one with the best sentence chrF).
        matches: tuple of int. Clipped n-gram matches per order.
        signature: str. What produced the score, in sacrebleu's format, for example
            `"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:0.1.0"`.
            Defaults to `""`.

    Example:

    >>> from keras_seq.metrics import corpus_chrf
    >>> result = corpus_chrf(["the cat sat"], ["the cat sat down"])
    >>> round(result.score, 2), result.name
    (66.02, 'chrF2')
    >>> result.hyp_counts[:3], result.ref_counts[:3], result.matches[:3]
    ((9, 8, 7), (13, 12, 11), (9, 8, 7))
    >>> print(result)  # doctest: +ELLIPSIS
    chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:... = 66.02

    References:
        - [Popović, 2015, chrF: character n-gram F-score for automatic MT evaluation](
          https://aclanthology.org/W15-3049/)
        - [Popović, 2017, chrF++: words helping character n-grams](
          https://aclanthology.org/W17-4770/)
    """

    score: float
    char_order: int
    word_order: int
    beta: float
    hyp_counts: tuple
    ref_counts: tuple
    matches: tuple
    signature: str = ""

    @property
    def name(self):
        """`"chrF2"` for chrF with beta 2, one `+` per word order (`"chrF2++"`)."""
        return f"chrF{self.beta}" + "+" * self.word_order

    def __str__(self):
        name = f"{self.name}|{self.signature}" if self.signature else self.name
        return f"{name} = {self.score:.2f}"

    def __float__(self):
        return float(self.score)
