"""`corpus_bleu` and `sentence_bleu`: BLEU with sacrebleu's exact semantics."""

from collections import Counter

from keras_seq.checks import check_bool, check_choice, check_positive_int
from keras_seq.metrics._inputs import column_sums, corpus_lists, short_repr, text_segments
from keras_seq.metrics._scoring import bleu_from_statistics, check_smoothing
from keras_seq.metrics._tokenizers import TOKENIZERS
from keras_seq.version import __version__

# Written here rather than calling sacrebleu: sacrebleu is not a runtime dependency, and
# this API takes references per hypothesis (not reference streams) and token lists.


def corpus_bleu(
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
    """Computes corpus-level BLEU exactly as `sacrebleu.corpus_bleu` does.

    Every hypothesis is compared with its own references: n-gram counts are clipped
    by the largest count of that n-gram in any one reference, matches and totals are
    summed over the corpus for each order 1 to `max_order`, and the score is the
    geometric mean of the precisions times the brevity penalty, on the 0-100 scale.
    The brevity penalty uses, for each hypothesis, the reference whose length is
    closest to the hypothesis's (the shorter one on ties), summed over the corpus.

    Strings are lowercased (when asked), right-stripped and tokenized by `tokenize`,
    as sacrebleu does. Token lists are used as they are (lowercased when asked; the
    tokenizer is not applied), so `corpus_bleu(h.split(), ...)` equals
    `tokenize="none"` on the joined strings.

    How it differs from other implementations:

    - sacrebleu: same scores, statistics and signature format (up to the version
      field). The references are given per hypothesis instead of as reference
      streams (`refs=[[first reference of every hypothesis], [second ...]]`), so a
      variable number of references needs no `None` padding; token lists are
      accepted; `counts`/`totals` are never smoothed (sacrebleu adds `k` to them
      for orders above 1 with `"add-k"`); a `smooth_value` given to a method that
      takes none is an error rather than ignored; bad input raises a `ValueError`
      or `TypeError` rather than an assertion or `IndexError`.
    - `nltk.translate.bleu_score.corpus_bleu`: nltk takes token lists only (no
      tokenizer) and scores on the 0-1 scale. Each sentence's n-gram total is at
      least 1 in nltk (`max(1, ...)`), so hypotheses shorter than `n` tokens add a
      phantom order-`n` n-gram; here, as in sacrebleu, they add none, and an order
      without any hypothesis n-gram ends the geometric mean (its precision is 0, or
      it is left out with `effective_order`). Without smoothing nltk warns about a
      zero count and uses the smallest float as its precision, so the score is
      about 1e-77 or less instead of 0 (both give 0 when no unigram matches). Its
      `SmoothingFunction().method1` (epsilon 0.1), `method2` and `method3` are
      `"floor"`, `"add-k"` and `"exp"` here; `method4` to `method7` have no
      counterpart. The closest reference length (ties to the shorter) is the same.
      With every hypothesis at least `max_order` tokens long the scores agree
      (but for nltk's tiny unsmoothed scores).
    - KerasHub's `keras_hub.metrics.Bleu`: it runs eagerly only, scores on the 0-1
      scale, uses the *shortest* reference's length for the brevity penalty (from
      tensorflow/nmt) instead of the closest one, and its only smoothing adds 1 to
      matches and totals at every order (Lin and Och, 2004), unigrams included. Its
      default tokenizer is a 13a replica. `keras_seq.metrics.Bleu` is the
      graph-mode metric on token ids.

    Args:
        hypotheses: list of str, or list of token lists. The system outputs. All
            items are of one kind: strings, or lists/tuples of str tokens.
        references: list. `references[i]` holds the references of hypothesis `i`:
            for string hypotheses, a string or a non-empty list of strings; for
            token-list hypotheses, a token list or a non-empty list of token lists
            (an empty reference is `[[]]`). Same length as `hypotheses`.
        max_order: int. The largest n-gram order. Defaults to `4`.
        smooth: str. `"exp"` (NIST geometric smoothing, sacrebleu's default),
            `"floor"`, `"add-k"` or `"none"`. Defaults to `"exp"`.
        smooth_value: float. The value for `"floor"` (default 0.1) or `"add-k"`
            (default 1); it must be left `None` for the other methods. Defaults to
            `None`.
        tokenize: str. Tokenizer for string inputs: `"13a"` (mteval-v13a, WMT's
            standard), `"intl"` (mteval-v14 international: Unicode punctuation and
            symbols), `"char"` (every non-space character) or `"none"` (whitespace
            only). Defaults to `"13a"`.
        lowercase: bool. Lowercase hypotheses and references first. Defaults to
            `False`.
        effective_order: bool. Stop the geometric mean at the last order that has
            any hypothesis n-gram, as sacrebleu's `use_effective_order` (meant for
            sentence BLEU). Defaults to `False`.

    Returns:
        A `keras_seq.metrics.BleuScore`.

    Raises:
        ValueError: `hypotheses` is empty, the counts of hypotheses and references
            differ, a hypothesis has no reference, `max_order < 1`, or `smooth`,
            `smooth_value` or `tokenize` is unknown or out of range.
        TypeError: an argument or item has the wrong type.

    Example:

    >>> from keras_seq.metrics import corpus_bleu
    >>> hypotheses = ["The cat is on the mat.", "It wasn't difficult."]
    >>> references = [
    ...     ["The cat sat on the mat.", "There is a cat on the mat."],
    ...     "It was not difficult.",
    ... ]
    >>> result = corpus_bleu(hypotheses, references)
    >>> round(result.score, 2), result.counts, result.totals
    (37.64, (10, 5, 2, 1), (11, 9, 7, 5))
    >>> result.signature  # doctest: +ELLIPSIS
    'nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:...'
    >>> round(corpus_bleu([["a", "b", "c"]], [["a", "b", "d"]], smooth="none").score, 2)
    0.0

    References:
        - [Papineni et al., 2002, BLEU: a Method for Automatic Evaluation of Machine
          Translation](https://aclanthology.org/P02-1040/)
        - [Post, 2018, A Call for Clarity in Reporting BLEU Scores](
          https://aclanthology.org/W18-6319/) and
          [sacrebleu](https://github.com/mjpost/sacrebleu)
        - [Chen and Cherry, 2014, A Systematic Comparison of Smoothing Techniques for
          Sentence-Level BLEU](https://aclanthology.org/W14-3346/)
    """
    rows, score = bleu_statistics(
        hypotheses,
        references,
        max_order=max_order,
        smooth=smooth,
        smooth_value=smooth_value,
        tokenize=tokenize,
        lowercase=lowercase,
        effective_order=effective_order,
    )
    return score(column_sums(rows))


def bleu_statistics(
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
    """Checks `corpus_bleu`'s arguments and returns per-hypothesis statistics.

    Returns `(rows, score)`: `rows[i]` is `[hyp_len, ref_len, *counts, *totals]` of
    hypothesis `i`, and `score(sums)` turns column sums of any rows (for example a
    bootstrap resample) into a `BleuScore` with the corpus's signature.
    """
    check_positive_int("max_order", max_order)
    smooth_value = check_smoothing(smooth, smooth_value)
    check_choice("tokenize", tokenize, sorted(TOKENIZERS))
    check_bool("lowercase", lowercase)
    check_bool("effective_order", effective_order)
    hypotheses, references = corpus_lists(hypotheses, references)

    if isinstance(hypotheses[0], str):
        tokenizer = TOKENIZERS[tokenize]
        tokenized = text_segments(
            hypotheses,
            references,
            lambda line: tokenizer((line.lower() if lowercase else line).rstrip()),
        )
        tokenizer_name = tokenize
    else:
        tokenized = _token_segments(hypotheses, references, lowercase)
        tokenizer_name = "none"

    rows = []
    num_refs = set()
    for hyp_tokens, ref_token_lists in tokenized:
        num_refs.add(len(ref_token_lists))
        counts = [0] * max_order
        totals = [0] * max_order
        _add_segment_statistics(hyp_tokens, ref_token_lists, max_order, counts, totals)
        ref_len = _closest_length(len(hyp_tokens), ref_token_lists)
        rows.append([len(hyp_tokens), ref_len, *counts, *totals])

    nrefs = num_refs.pop() if len(num_refs) == 1 else "var"
    smooth_name = smooth if smooth_value is None else f"{smooth}[{smooth_value:.2f}]"
    signature = (
        f"nrefs:{nrefs}|case:{'lc' if lowercase else 'mixed'}|"
        f"eff:{'yes' if effective_order else 'no'}|tok:{tokenizer_name}|"
        f"smooth:{smooth_name}|version:{__version__}"
    )

    def score(sums):
        return bleu_from_statistics(
            [int(x) for x in sums[2 : 2 + max_order]],
            [int(x) for x in sums[2 + max_order :]],
            int(sums[0]),
            int(sums[1]),
            smooth=smooth,
            smooth_value=smooth_value,
            effective_order=effective_order,
            signature=signature,
        )

    return rows, score


def sentence_bleu(
    hypothesis,
    references,
    *,
    max_order=4,
    smooth="exp",
    smooth_value=None,
    tokenize="13a",
    lowercase=False,
    effective_order=True,
):
    """Computes BLEU for one hypothesis exactly as `sacrebleu.sentence_bleu` does.

    BLEU is a corpus metric; a sentence score is noisy and should not be averaged in
    place of `corpus_bleu`. The defaults follow `sacrebleu.sentence_bleu`: `"exp"`
    smoothing and the effective order (orders with no hypothesis n-gram are left out
    of the geometric mean). It is `corpus_bleu([hypothesis], [references], ...)`; see
    `corpus_bleu` for the rules and for how this differs from nltk and KerasHub.

    Args:
        hypothesis: str or list of str. The system output, a string or a token list.
        references: str or list. For a string hypothesis, a string or a non-empty list
            of strings; for a token list, a token list or a non-empty list of token
            lists.
        max_order: int. The largest n-gram order. Defaults to `4`.
        smooth: str. `"exp"`, `"floor"`, `"add-k"` or `"none"`. Defaults to `"exp"`.
        smooth_value: float. The value for `"floor"` (default 0.1) or `"add-k"`
            (default 1). Defaults to `None`.
        tokenize: str. `"13a"`, `"intl"`, `"char"` or `"none"`. Defaults to `"13a"`.
        lowercase: bool. Lowercase first. Defaults to `False`.
        effective_order: bool. Leave out orders without hypothesis n-grams. Defaults
            to `True`.

    Returns:
        A `keras_seq.metrics.BleuScore`.

    Raises:
        ValueError, TypeError: as `corpus_bleu`.

    Example:

    >>> from keras_seq.metrics import sentence_bleu
    >>> round(sentence_bleu("Hello there!", ["Hello there.", "Hi there!"]).score, 2)
    79.37
    >>> round(sentence_bleu("It is raining", "It rains").score, 2)
    27.52

    References:
        - [Papineni et al., 2002](https://aclanthology.org/P02-1040/)
        - [Chen and Cherry, 2014](https://aclanthology.org/W14-3346/)
        - [sacrebleu](https://github.com/mjpost/sacrebleu)
    """
    if isinstance(hypothesis, (list, tuple)) and not all(isinstance(t, str) for t in hypothesis):
        raise TypeError(
            "`hypothesis` must be a string or a list of str tokens. "
            f"Received: hypothesis={short_repr(hypothesis)}"
        )
    if not isinstance(hypothesis, (str, list, tuple)):
        raise TypeError(
            "`hypothesis` must be a string or a list of str tokens. "
            f"Received: hypothesis={short_repr(hypothesis)}"
        )
    return corpus_bleu(
        [hypothesis],
        [references],
        max_order=max_order,
        smooth=smooth,
        smooth_value=smooth_value,
        tokenize=tokenize,
        lowercase=lowercase,
        effective_order=effective_order,
    )


def _is_token_list(value):
    return isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value)


def _token_segments(hypotheses, references, lowercase):
    """Yields (hypothesis tokens, list of reference token lists) for token-list input."""

    def tokens(value):
        return [t.lower() for t in value] if lowercase else value

    for i, (hypothesis, refs) in enumerate(zip(hypotheses, references, strict=True)):
        if not _is_token_list(hypothesis):
            raise TypeError(
                "`hypotheses` must all be token lists (lists of str) or all strings. "
                f"Received: hypotheses[{i}]={short_repr(hypothesis)}"
            )
        if not isinstance(refs, (list, tuple)):
            raise TypeError(
                "For token-list hypotheses each `references[i]` must be a token list or "
                f"a list of token lists. Received: references[{i}]={short_repr(refs)}"
            )
        if not refs:
            raise ValueError(
                "Each hypothesis needs at least one reference (write an empty reference "
                f"as [[]]). Received: references[{i}]=[]"
            )
        if all(isinstance(t, str) for t in refs):
            yield tokens(hypothesis), [tokens(refs)]
        elif all(_is_token_list(ref) for ref in refs):
            yield tokens(hypothesis), [tokens(ref) for ref in refs]
        else:
            raise TypeError(
                "For token-list hypotheses each `references[i]` must be a token list or "
                f"a list of token lists. Received: references[{i}]={short_repr(refs)}"
            )


def _closest_length(hyp_len, ref_token_lists):
    if len(ref_token_lists) == 1:
        return len(ref_token_lists[0])
    return min((abs(len(ref) - hyp_len), len(ref)) for ref in ref_token_lists)[1]


def _extend_ngrams(previous, tokens, n):
    """Turns the (n-1)-grams `previous` of `tokens` into its n-grams (tuples)."""
    if n == 2:
        return list(zip(tokens, tokens[1:], strict=False))
    return [gram + (token,) for gram, token in zip(previous, tokens[n - 1 :], strict=False)]


def _add_segment_statistics(hyp_tokens, ref_token_lists, max_order, counts, totals):
    """Adds one hypothesis's clipped matches and n-gram totals to `counts`/`totals`.

    Orders are visited upwards and stop at the first without a match (there can be
    none above it). Clipping only matters for an n-gram repeated in the hypothesis and
    in a reference; without repeats on one side every common n-gram counts once.
    """
    hyp_len = len(hyp_tokens)
    orders = min(max_order, hyp_len)
    for n in range(1, orders + 1):
        totals[n - 1] += hyp_len - n + 1
    hyp_grams = hyp_tokens  # unigrams are the tokens themselves

    if len(ref_token_lists) == 1:  # the common case, without the bookkeeping below
        ref_tokens = ref_grams = ref_token_lists[0]
        for n in range(1, min(orders, len(ref_tokens)) + 1):
            if n > 1:
                hyp_grams = _extend_ngrams(hyp_grams, hyp_tokens, n)
                ref_grams = _extend_ngrams(ref_grams, ref_tokens, n)
            hyp_set = set(hyp_grams)
            common = hyp_set.intersection(ref_grams)
            if not common:
                return
            if len(hyp_set) == len(hyp_grams) or len(set(ref_grams)) == len(ref_grams):
                counts[n - 1] += len(common)
            else:
                counts[n - 1] += _clipped_matches(hyp_grams, [ref_grams], common)
        return

    refs = [(ref, ref) for ref in ref_token_lists if ref]  # (tokens, current n-grams)
    for n in range(1, orders + 1):
        if n > 1:
            hyp_grams = _extend_ngrams(hyp_grams, hyp_tokens, n)
            refs = [(ref, _extend_ngrams(grams, ref, n)) for ref, grams in refs if len(ref) >= n]
        if not refs:
            return
        hyp_set = set(hyp_grams)
        common = hyp_set.intersection([gram for _, grams in refs for gram in grams])
        if not common:
            return
        if len(hyp_set) == len(hyp_grams) or all(len(set(g)) == len(g) for _, g in refs):
            counts[n - 1] += len(common)
        else:
            counts[n - 1] += _clipped_matches(hyp_grams, [grams for _, grams in refs], common)


def _clipped_matches(hyp_grams, ref_gram_lists, common):
    """Sum over `common` n-grams of min(hypothesis count, largest reference count)."""
    hyp_counts = Counter(hyp_grams)
    ref_counts = Counter()
    for grams in ref_gram_lists:
        for gram, count in Counter(grams).items():
            if count > ref_counts[gram]:
                ref_counts[gram] = count
    return sum(min(hyp_counts[gram], ref_counts[gram]) for gram in common)
