"""BLEU arithmetic shared by `corpus_bleu` and the `Bleu` metric, and argument checks."""

import math

from keras_seq.checks import check_choice, check_float
from keras_seq.metrics.bleu_score import BleuScore

# Default smoothing values, as in sacrebleu (Chen and Cherry, 2014): only "floor" and
# "add-k" take one.
SMOOTH_DEFAULTS = {"exp": None, "floor": 0.1, "add-k": 1, "none": None}

# sacrebleu's floor for log(0): a precision of zero makes the geometric mean 0.
LOG_ZERO = -9999999999


def check_smoothing(smooth, smooth_value):
    """Validates a smoothing method and returns its value (the default when `None`)."""
    default = SMOOTH_DEFAULTS[check_choice("smooth", smooth, SMOOTH_DEFAULTS)]
    if smooth_value is None:
        return default
    if default is None:
        raise ValueError(
            f"`smooth_value` is only used by the 'floor' and 'add-k' methods, not by "
            f"smooth={smooth!r}; leave it None. Received: smooth_value={smooth_value!r}"
        )
    check_float("smooth_value", smooth_value, low=0.0, expected="a number >= 0")
    return smooth_value


def bleu_from_statistics(
    counts, totals, hyp_len, ref_len, *, smooth, smooth_value, effective_order, signature
):
    """Computes BLEU from corpus statistics, with sacrebleu's arithmetic step by step.

    `smooth` and `smooth_value` are assumed valid (`smooth_value` resolved to the
    method's default when it takes one). Returns a `BleuScore`.
    """
    max_order = len(counts)
    brevity_penalty = 1.0
    if hyp_len < ref_len:
        brevity_penalty = math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0
    ratio = hyp_len / ref_len if ref_len else 0.0
    precisions = [0.0] * max_order

    def result(score):
        return BleuScore(
            score=score,
            counts=tuple(counts),
            totals=tuple(totals),
            precisions=tuple(precisions),
            brevity_penalty=brevity_penalty,
            ratio=ratio,
            hyp_len=hyp_len,
            ref_len=ref_len,
            signature=signature,
        )

    if not any(counts):
        return result(0.0)

    mteval_factor = 1.0
    order = max_order
    for n in range(max_order):
        matched, total = counts[n], totals[n]
        if smooth == "add-k" and n > 0:
            matched += smooth_value
            total += smooth_value
        if total == 0:
            break
        if effective_order:
            order = n + 1
        if matched == 0:
            if smooth == "exp":
                mteval_factor *= 2
                precisions[n] = 100.0 / (mteval_factor * total)
            elif smooth == "floor":
                precisions[n] = 100.0 * smooth_value / total
        else:
            precisions[n] = 100.0 * matched / total
    log_sum = sum([math.log(p) if p else LOG_ZERO for p in precisions[:order]])
    return result(brevity_penalty * math.exp(log_sum / order))
