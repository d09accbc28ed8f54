"""`Chrf`: corpus chrF on token ids as a stateful Keras metric."""

import keras

from keras_seq import _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("keras_seq.metrics.Chrf (the Keras chrF metric)") from error

from keras_seq.checks import check_bool, check_float, check_positive_int
from keras_seq.metrics._id_sequences import IdSequenceMetric, ngram_matches
from keras_seq.metrics.chrf_functions import EPS


@keras.saving.register_keras_serializable(package="keras_seq")
class Chrf(IdSequenceMetric):
    """Corpus chrF over batches of token ids, accumulated in graph mode.

    Every kept id is one "character": for each order `n` up to `char_order`, each
    update adds the batch's hypothesis n-grams, reference n-grams and clipped
    matches to the metric's variables, and `result()` turns the sums into chrF on
    the 0-100 scale with sacrebleu's arithmetic. After any sequence of updates the
    result equals `keras_seq.metrics.corpus_chrf` over the same sentences written as
    strings with one (non-whitespace) character per id, with the same `char_order`,
    `beta` and `eps_smoothing`. For a character-level target vocabulary
    (`keras_seq.data.CharTokenizer`) this is chrF of the text without its spaces if
    the space's id is skipped, which `ignore_ids` does; for words or subwords it is
    chrF on the token sequence, a cheap proxy during training (score the
    detokenized text with `corpus_chrf`, or `BleuCallback(metrics=("bleu", "chrf"))`,
    for numbers to report). chrF++'s word n-grams need text, so there is no
    `word_order` here.

    Token handling, `sample_weight`, masks, logits, ragged inputs and graph/XLA
    execution are as in `keras_seq.metrics.Bleu` (one reference per hypothesis).

    Args:
        char_order: int. The largest n-gram order. Defaults to `6`.
        beta: float. Recall is `beta` times as important as precision. Defaults to
            `2`.
        eps_smoothing: bool. Average per-order F-scores with epsilon smoothing
            instead of sacrebleu's effective-order average. Defaults to `False`.
        pad_id: int or None. Padding id, ignored wherever it occurs. Defaults to `0`.
        start_id: int or None. Start id, ignored wherever it occurs. Defaults to
            `None`.
        end_id: int or None. End id; it and every token after it are ignored.
            Defaults to `None`.
        ignore_ids: list of int. More ids ignored wherever they occur, like
            whitespace in chrF. Defaults to `()`.
        name: str. Name of the metric. Defaults to `"chrf"`.
        dtype: str. Float dtype of `result()` (computed in float64). Defaults to
            Keras's float type.

    Example:

    >>> import numpy as np
    >>> from keras_seq.metrics import Chrf, corpus_chrf
    >>> metric = Chrf(end_id=2)
    >>> metric.update_state(np.array([[5, 6, 7, 8, 2]]), np.array([[5, 6, 7, 2, 0]]))
    >>> round(float(metric.result()), 4)
    68.8623
    >>> round(corpus_chrf(["567"], ["5678"]).score, 4)
    68.8623

    References:
        - [Popović, 2015, chrF: character n-gram F-score for automatic MT evaluation](
          https://aclanthology.org/W15-3049/)
        - [Post, 2018 (sacrebleu)](https://aclanthology.org/W18-6319/)
    """

    def __init__(
        self,
        char_order=6,
        beta=2,
        eps_smoothing=False,
        pad_id=0,
        start_id=None,
        end_id=None,
        ignore_ids=(),
        name="chrf",
        dtype=None,
    ):
        super().__init__(pad_id=pad_id, start_id=start_id, end_id=end_id, name=name, dtype=dtype)
        self.char_order = check_positive_int("char_order", char_order)
        check_float("beta", beta, low=0.0, low_open=True, expected="a number > 0")
        self.beta = beta
        self.eps_smoothing = check_bool("eps_smoothing", eps_smoothing)
        self.ignore_ids = self._check_ignore_ids(ignore_ids)
        self._statistics = {
            kind: self.add_variable(
                shape=(char_order,), initializer="zeros", dtype="int64", name=kind
            )
            for kind in ("hyp_counts", "ref_counts", "matches")
        }

    def _accumulate(self, hyp, hyp_len, ref, ref_len):
        matches = ngram_matches(hyp, hyp_len, ref, ref_len, self.char_order)
        hyp_counts, ref_counts = [], []
        for n in range(1, self.char_order + 1):
            num_ref = tf.maximum(ref_len - n + 1, 0)
            # As sacrebleu: without reference n-grams the hypothesis's do not count.
            hyp_counts.append(tf.where(num_ref > 0, tf.maximum(hyp_len - n + 1, 0), 0))
            ref_counts.append(num_ref)
        for kind, values in (
            ("hyp_counts", hyp_counts),
            ("ref_counts", ref_counts),
            ("matches", matches),
        ):
            sums = tf.reduce_sum(tf.cast(tf.stack(values), "int64"), axis=1)
            self._statistics[kind].assign_add(sums)

    def result(self):
        hyp, ref, match = (
            tf.cast(tf.convert_to_tensor(self._statistics[kind]), "float64")
            for kind in ("hyp_counts", "ref_counts", "matches")
        )
        return tf.cast(
            _chrf_from_statistics(hyp, ref, match, self.beta, self.eps_smoothing), self.dtype
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "char_order": self.char_order,
                "beta": self.beta,
                "eps_smoothing": self.eps_smoothing,
                "ignore_ids": list(self.ignore_ids),
            }
        )
        return config

    def _ignored_ids(self):
        return super()._ignored_ids() + list(self.ignore_ids)

    def _check_ignore_ids(self, ignore_ids):
        if isinstance(ignore_ids, (str, bytes)) or not isinstance(ignore_ids, (list, tuple)):
            raise TypeError(
                f"`ignore_ids` must be a list of int. Received: ignore_ids={ignore_ids!r}"
            )
        for value in ignore_ids:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"`ignore_ids` must be a list of int. Received: ignore_ids={ignore_ids!r}"
                )
        return tuple(ignore_ids)


def _chrf_from_statistics(hyp, ref, match, beta, eps_smoothing):
    """`chrf_functions.chrf_from_statistics` in float64 ops, order by order as there."""
    zero = tf.constant(0.0, "float64")
    eps = tf.constant(EPS, "float64")
    factor = float(beta) ** 2
    smoothed = precision_sum = recall_sum = zero
    effective_order = zero
    for i in range(hyp.shape[0]):
        precision = tf.where(hyp[i] > 0, tf.math.divide_no_nan(match[i], hyp[i]), eps)
        recall = tf.where(ref[i] > 0, tf.math.divide_no_nan(match[i], ref[i]), eps)
        if eps_smoothing:
            denominator = factor * precision + recall
            f_score = tf.math.divide_no_nan((1 + factor) * precision * recall, denominator)
            smoothed += tf.where(denominator > 0, f_score, eps)
        counted = (hyp[i] > 0) & (ref[i] > 0)
        precision_sum += tf.where(counted, precision, zero)
        recall_sum += tf.where(counted, recall, zero)
        effective_order += tf.cast(counted, "float64")
    if eps_smoothing:
        return 100 * smoothed / hyp.shape[0]
    precision = tf.math.divide_no_nan(precision_sum, effective_order)
    recall = tf.math.divide_no_nan(recall_sum, effective_order)
    score = tf.math.divide_no_nan((1 + factor) * precision * recall, factor * precision + recall)
    return 100 * score
