"""Log-probabilities and scores: what every decoding strategy reports."""

from keras import ops

NEG_INF = float("-inf")


def step_log_probs(logits, step, *, end_id, min_length, temperature=None, forbidden_ids=()):
    """Float32 log-softmax of `logits`; the end token is forbidden while step < min_length.

    Computed in float32 whatever the logits' dtype (float16 or bfloat16 under a mixed
    precision policy). `forbidden_ids` get -inf after the log-softmax, so the other
    tokens keep the model's own log-probabilities (they are not renormalised). A row
    whose every logit is -inf (every token masked) gets -inf log-probabilities, not the
    NaNs of `-inf - logsumexp = -inf - -inf`, so that scores stay ordered and a
    hypothesis without a candidate just drops out.
    """
    logits = ops.cast(logits, "float32")
    if temperature is not None and temperature != 1.0:
        logits = logits / temperature
    if min_length > 0:
        is_end = ops.equal(ops.arange(ops.shape(logits)[-1], dtype="int32"), end_id)
        forbid = ops.logical_and(is_end, ops.less(step, min_length))
        logits = ops.where(forbid[None, :], NEG_INF, logits)
    # `ops.log_softmax` spelled out, so that its row maximum also finds the fully
    # masked rows (one pass over the logits fewer, in every decoding step), and so
    # that those rows stay at -inf through per-row terms, with no where() over the
    # whole row (one temporary of the logits' size fewer, without XLA).
    row_max = ops.max(logits, axis=-1, keepdims=True)
    masked_row = ops.equal(row_max, NEG_INF)
    shifted = logits - ops.where(masked_row, 0.0, row_max)  # a masked row: all -inf
    log_sum = ops.log(ops.sum(ops.exp(shifted), axis=-1, keepdims=True))
    log_probs = shifted - ops.where(masked_row, 0.0, log_sum)  # not -inf - -inf = NaN
    if forbidden_ids:
        vocabulary = ops.arange(ops.shape(log_probs)[-1], dtype="int32")
        forbidden = ops.convert_to_tensor(list(forbidden_ids), "int32")
        banned = ops.any(ops.equal(vocabulary[:, None], forbidden[None, :]), axis=1)
        log_probs = ops.where(banned[None, :], NEG_INF, log_probs)
    return log_probs


def length_penalty(lengths, alpha):
    """GNMT length penalty `((5 + length) / 6) ** alpha` (Wu et al., 2016)."""
    lengths = ops.cast(lengths, "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)
