"""Checks and reading of the (hypotheses, references) arguments of the text metrics,
and the sum of per-hypothesis statistics.

`references[i]` holds the references of hypothesis `i`: a string or a non-empty list
of strings. BLEU and chrF share these rules and messages.
"""


def short_repr(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_list(value, name):
    """`value` as a list, or a `TypeError` for a single string or a non-iterable."""
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"`{name}` must be a list with one entry per hypothesis, not a single "
            f"{type(value).__name__}. Received: {name}={short_repr(value)}"
        )
    try:
        return list(value)
    except TypeError:
        raise TypeError(
            f"`{name}` must be a list with one entry per hypothesis. "
            f"Received: {name}={short_repr(value)}"
        ) from None


def corpus_lists(hypotheses, references):
    """Both arguments as lists, checked to be non-empty and of equal length."""
    hypotheses = as_list(hypotheses, "hypotheses")
    references = as_list(references, "references")
    if not hypotheses:
        raise ValueError("`hypotheses` must not be empty. Received: hypotheses=[]")
    if len(hypotheses) != len(references):
        raise ValueError(
            "`hypotheses` and `references` must have one entry per hypothesis. "
            f"Received: {len(hypotheses)} hypotheses and {len(references)} references"
        )
    return hypotheses, references


def text_segments(hypotheses, references, prepare, expected="strings (or all token lists)"):
    """Yields `(prepare(hypothesis), [prepare(reference), ...])` for string input.

    `prepare` (lowercasing, tokenizing, n-gram counting...) runs once per distinct line;
    `expected` says what the hypotheses may be, for the error message.
    """
    cache = {}

    def prepared(line):
        if line not in cache:
            cache[line] = prepare(line)
        return cache[line]

    for i, (hypothesis, refs) in enumerate(zip(hypotheses, references, strict=True)):
        if not isinstance(hypothesis, str):
            raise TypeError(
                f"`hypotheses` must all be {expected}. "
                f"Received: hypotheses[{i}]={short_repr(hypothesis)}"
            )
        if isinstance(refs, str):
            yield prepared(hypothesis), [prepared(refs)]
            continue
        if not isinstance(refs, (list, tuple)):
            raise TypeError(
                "Each `references[i]` must be a string or a list of strings. "
                f"Received: references[{i}]={short_repr(refs)}"
            )
        if not refs:
            raise ValueError(
                f"Each hypothesis needs at least one reference. Received: references[{i}]=[]"
            )
        for ref in refs:
            if not isinstance(ref, str):
                raise TypeError(
                    "Each `references[i]` must be a string or a list of strings. "
                    f"Received: references[{i}]={short_repr(refs)}"
                )
        yield prepared(hypothesis), [prepared(ref) for ref in refs]


def column_sums(rows):
    """The column sums of equal-length rows of numbers (the corpus statistics)."""
    return [sum(column) for column in zip(*rows, strict=True)]
