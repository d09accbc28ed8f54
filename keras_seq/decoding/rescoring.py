"""Teacher-forced sequence scores, and n-best reranking by them.

`summed_log_probs` and `score_sequences` are the computation behind
`DecoderModel.score` and `Ensemble.score`: they work on any function that maps
`(inputs, decoder_inputs)` to token log-probabilities, so they import no model.
`rescore` turns candidate strings into ids, scores them with a model's `score` and
sorts them.
"""

import numpy as np
from keras import ops

from keras_seq import checks
from keras_seq.decoding import scoring


def scored_tokens(target_ids, *, end_id, vocab_size, rows):
    """Checks `target_ids` and returns `(labels, mask)` as NumPy arrays.

    A row's scored tokens are its ids up to and including its first `end_id`, or up
    to its padding when it has no end token (a hypothesis cut at `max_length`);
    `labels` is zero after them and `mask` is True on them.
    """
    target_ids = ops.convert_to_tensor(target_ids)
    target_ids = checks.check_token_ids("target_ids", target_ids, vocab_size)
    target_ids = checks.checked_right_padded("target_ids", target_ids)
    ids = ops.convert_to_numpy(target_ids).astype("int32")
    if ids.shape[0] != rows:
        raise ValueError(
            "`inputs` and `target_ids` must hold the same number of rows (one target per "
            f"input). Received: {rows} input rows and target_ids of shape {ids.shape}"
        )
    is_end = ids == end_id
    ends_before = np.cumsum(is_end, axis=1) - is_end
    mask = (ids != 0) & (ends_before == 0)
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(
            "Every row of `target_ids` must hold at least one token (the end token "
            f"counts). Received: empty rows at indices {empty[:10].tolist()}"
        )
    return np.where(mask, ids, 0), mask


def summed_log_probs(log_probs_fn):
    """The per-batch computation of `score_sequences` (`_compiled.compiled_scoring`
    compiles it).

    Args:
        log_probs_fn: callable `(inputs, decoder_inputs) -> log_probs`, float32
            `(rows, width, vocab_size)`: at position `t`, the distribution of the
            token after `decoder_inputs[:, : t + 1]`.

    Returns:
        A callable `(inputs, decoder_inputs, labels, mask) -> sums`: per row, the sum
        of the log-probabilities of `labels` where `mask` is True, float32 `(rows,)`.
    """

    def sums(inputs, decoder_inputs, labels, mask):
        log_probs = log_probs_fn(inputs, decoder_inputs)
        chosen = ops.take_along_axis(log_probs, ops.expand_dims(labels, -1), -1)[..., 0]
        return ops.sum(ops.where(mask, chosen, 0.0), axis=1)

    return sums


def score_sequences(
    sums_fn, inputs, target_ids, *, start_id, end_id, vocab_size, length_penalty, batch_size
):
    """Sums teacher-forced log-probabilities of each row's tokens, end token included.

    Args:
        sums_fn: callable `(inputs, decoder_inputs, labels, mask) -> sums`, as
            `summed_log_probs` makes it (compiled or not).
        inputs: tensor. The conditioning, one row per target (checked by the caller).
        target_ids: int array `(rows, length)`, see `scored_tokens`.
        start_id: int. The decoder's first input.
        end_id: int. The token that ends a target.
        vocab_size: int. Target vocabulary size.
        length_penalty: float. `alpha` of the GNMT length penalty
            `((5 + length) / 6) ** alpha` dividing the sums (0: none), `length`
            counting the scored tokens, as the decoding strategies count them.
        batch_size: int. Rows per call of `sums_fn`.

    Returns:
        float32 NumPy array `(rows,)`.
    """
    alpha = checks.check_length_penalty(length_penalty)
    size = checks.check_positive_int("batch_size", batch_size)
    rows = int(ops.shape(inputs)[0])
    labels, mask = scored_tokens(target_ids, end_id=end_id, vocab_size=vocab_size, rows=rows)
    width = int(mask.sum(axis=1).max())
    labels, mask = labels[:, :width], mask[:, :width]
    starts = np.full((rows, 1), start_id, "int32")
    decoder_inputs = np.concatenate([starts, labels[:, :-1]], axis=1)
    sums = []
    for begin in range(0, rows, size):
        part = slice(begin, begin + size)
        targets = [ops.convert_to_tensor(x[part]) for x in (decoder_inputs, labels, mask)]
        sums.append(ops.convert_to_numpy(sums_fn(inputs[part], *targets)))
    scores = np.concatenate(sums).astype("float32")
    if alpha > 0:
        scores = scores / ops.convert_to_numpy(scoring.length_penalty(mask.sum(axis=1), alpha))
    return scores


def rescore(
    model,
    source_tokenizer,
    target_tokenizer,
    sources,
    candidates,
    length_penalty=0.0,
    batch_size=32,
):
    """Reranks candidate outputs (an n-best list per source) by a model's score.

    Each candidate is encoded with its end token and scored by `model.score` against
    its source (teacher-forced log-probability, see `DecoderModel.score`), as
    Sutskever et al. (2014) rescored the 1000-best lists of a phrase-based system.
    An `Ensemble` scores too.

    Args:
        model: a `keras_seq.models.Seq2Seq` (or `OneToMany`, or
            `keras_seq.decoding.Ensemble`): anything with `score(inputs, target_ids,
            length_penalty, batch_size)` and an `end_id`.
        source_tokenizer: `keras_seq.data` tokenizer of the sources, or None when
            `sources` are the model's own inputs (labels or vectors of a `OneToMany`).
        target_tokenizer: `keras_seq.data` tokenizer of the candidates.
        sources: list of str (or an array of model inputs), one per n-best list.
        candidates: list of lists of str: `candidates[i]` are the outputs proposed for
            `sources[i]` (any number, possibly none).
        length_penalty: float. GNMT `alpha`, as in `DecoderModel.score`. Defaults to
            `0.0`.
        batch_size: int. Rows per forward pass. Defaults to `32`.

    Returns:
        A list with one list per source of `(candidate, score)` pairs, best first
        (ties keep their given order).

    Example:
    >>> import keras_seq as ks
    >>> src, tgt = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    >>> src.adapt(["one two", "two one"]); tgt.adapt(["un deux", "deux un"])
    >>> model = ks.models.Seq2Seq(ks.layers.RNNEncoder(src.vocabulary_size, 8, 16),
    ...                           ks.layers.RNNDecoder(tgt.vocabulary_size, 8, 16))
    >>> ranked = ks.decoding.rescore(model, src, tgt, ["one two"],
    ...                              [["deux un", "un deux", "un"]])
    >>> sorted(text for text, _ in ranked[0])
    ['deux un', 'un', 'un deux']
    >>> ranked[0][0][1] >= ranked[0][-1][1]
    True
    """
    if len(sources) != len(candidates):
        raise ValueError(
            "`sources` and `candidates` must have the same length (one n-best list per "
            f"source). Received: {len(sources)} sources and {len(candidates)} lists"
        )
    for index, texts in enumerate(candidates):
        if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
            raise TypeError(
                "`candidates` must be a list of lists of str (an n-best list per source). "
                f"Received: candidates[{index}]={texts!r:.80}"
            )
    if target_tokenizer.end_id != model.end_id:
        raise ValueError(
            f"`target_tokenizer` ends texts with id {target_tokenizer.end_id} but the model "
            f"with id {model.end_id}. Received: target_tokenizer={target_tokenizer!r}"
        )
    counts = [len(texts) for texts in candidates]
    flat = [text for texts in candidates for text in texts]
    if not flat:
        return [[] for _ in candidates]
    inputs = source_tokenizer.encode(list(sources)) if source_tokenizer is not None else sources
    inputs = np.repeat(ops.convert_to_numpy(inputs), counts, axis=0)
    target_ids = ops.convert_to_numpy(target_tokenizer.encode(flat))
    scores = model.score(inputs, target_ids, length_penalty=length_penalty, batch_size=batch_size)
    ranked, begin = [], 0
    for count in counts:
        pairs = list(zip(flat[begin : begin + count], scores[begin : begin + count].tolist()))
        ranked.append(sorted(pairs, key=lambda pair: -pair[1]))
        begin += count
    return ranked
