"""Fake step functions with known distributions, and numpy references for the tests.

A fake exposes the same model twice: `step_fn(token_ids, state)` in `keras.ops` for the
decoding functions, and `numpy_step(row, state, token, step)` in float64 numpy for the
brute-force search and teacher forcing.
"""

import keras
import numpy as np
from keras import ops


class TableModel:
    """Next-token logits read from a table indexed by (batch row, step, previous token).

    `tables` has shape (batch_size, max_steps, vocab_size, vocab_size). The step index
    and the batch row live in the state, so beam reordering must carry them correctly.
    With `as_constants=True` the table is passed through `constants` instead of the state.
    """

    def __init__(self, tables, as_constants=False):
        self.tables = np.asarray(tables, dtype="float32")
        self.batch_size, self.max_steps, self.vocab_size, _ = self.tables.shape
        self.as_constants = as_constants
        self.constants_seen = []  # In eager mode: every `constants` the step got.

    def initial_state(self):
        flat = self.tables.reshape(self.batch_size, -1, self.vocab_size)
        state = {"step": np.zeros((self.batch_size,), "int32")}
        if self.as_constants:
            return state, {"table": flat}
        state["table"] = flat
        return state, None

    def step_fn(self, token_ids, state, constants=None):
        table = state["table"] if constants is None else constants["table"]
        if constants is not None:
            self.constants_seen.append(constants["table"])
        step = ops.minimum(state["step"], self.max_steps - 1)
        index = step * self.vocab_size + token_ids
        logits = ops.take_along_axis(table, index[:, None, None], axis=1)[:, 0, :]
        new_state = dict(state)
        new_state["step"] = state["step"] + 1
        return logits, new_state

    def numpy_initial(self, row):
        return None

    def numpy_step(self, row, state, token, step):
        return self.tables[row, min(step, self.max_steps - 1), token].astype("float64"), state


class RNNModel:
    """A tiny random Elman RNN: h' = tanh(E[token] + h W + b), logits = scale * h' O."""

    def __init__(self, seed, batch_size, vocab_size, units=6, scale=3.0):
        rng = np.random.default_rng(seed)
        self.vocab_size = vocab_size
        self.embedding = rng.normal(size=(vocab_size, units)).astype("float32")
        self.kernel = (rng.normal(size=(units, units)) / np.sqrt(units)).astype("float32")
        self.bias = rng.normal(size=(units,)).astype("float32") * 0.1
        self.output = (scale * rng.normal(size=(units, vocab_size)) / np.sqrt(units)).astype(
            "float32"
        )
        self.h0 = rng.normal(size=(batch_size, units)).astype("float32")

    def initial_state(self):
        return {"h": self.h0.copy()}, None

    def step_fn(self, token_ids, state, constants=None):
        x = ops.take(ops.convert_to_tensor(self.embedding), token_ids, axis=0)
        h = ops.tanh(x + ops.matmul(state["h"], self.kernel) + self.bias)
        return ops.matmul(h, self.output), {"h": h}

    def numpy_initial(self, row):
        return self.h0[row].astype("float64")

    def numpy_step(self, row, h, token, step):
        h = np.tanh(self.embedding[token] + h @ self.kernel + self.bias)
        return h @ self.output, h


def random_tables(rng, batch_size, max_steps, vocab_size, scale=2.0):
    return rng.normal(size=(batch_size, max_steps, vocab_size, vocab_size)) * scale


def masked_log_softmax(logits, step, end_id, min_length, temperature=1.0, forbidden_ids=()):
    """min_length renormalises over the other tokens; forbidden ids are removed after."""
    logits = np.array(logits, dtype="float64") / temperature
    if step < min_length:
        logits[end_id] = -np.inf
    shifted = logits - logits.max()
    log_probs = shifted - np.log(np.exp(shifted).sum())
    log_probs[list(forbidden_ids)] = -np.inf
    return log_probs


def penalty(length, alpha):
    return ((5.0 + length) / 6.0) ** alpha if alpha > 0 else 1.0


def brute_force(
    model,
    row,
    *,
    start_id,
    end_id,
    max_length,
    min_length=0,
    alpha=0.0,
    forbidden_ids=(),
    adjust=None,
):
    """Every hypothesis, as (score, tokens) sorted best first (stable on ties).

    `adjust(log_probs, emitted_tokens, step) -> log_probs` is a numpy reference of the
    processors, applied after the masking.
    """
    results = []

    def expand(state, token, step, prefix, log_prob):
        logits, state = model.numpy_step(row, state, token, step)
        log_probs = masked_log_softmax(logits, step, end_id, min_length, 1.0, forbidden_ids)
        if adjust is not None:
            log_probs = adjust(log_probs, prefix, step)
        for next_token in range(len(log_probs)):
            if log_probs[next_token] == -np.inf:
                continue
            total = log_prob + log_probs[next_token]
            tokens = prefix + (next_token,)
            if next_token == end_id or step + 1 == max_length:
                results.append((total / penalty(len(tokens), alpha), tokens))
            else:
                expand(state, next_token, step + 1, tokens, total)

    expand(model.numpy_initial(row), start_id, 0, (), 0.0)
    results.sort(key=lambda item: -item[0])
    return results


def emitted(ids_row, end_id):
    """The emitted tokens of a 0-padded output row: up to the first end token."""
    ids_row = [int(i) for i in ids_row]
    if end_id in ids_row:
        return tuple(ids_row[: ids_row.index(end_id) + 1])
    return tuple(ids_row)


def teacher_forced(
    model, row, tokens, *, start_id, end_id, min_length=0, temperature=1.0, adjust=None
):
    """Per-step (log_probs, chosen) when feeding `tokens` after the start token."""
    state = model.numpy_initial(row)
    previous = start_id
    steps = []
    for step, token in enumerate(tokens):
        logits, state = model.numpy_step(row, state, previous, step)
        log_probs = masked_log_softmax(logits, step, end_id, min_length, temperature)
        if adjust is not None:
            log_probs = adjust(log_probs, tuple(tokens[:step]), step)
        steps.append((log_probs, token))
        previous = token
    return steps


def teacher_forced_score(
    model, row, tokens, *, start_id, end_id, min_length=0, alpha=0.0, adjust=None
):
    steps = teacher_forced(
        model, row, tokens, start_id=start_id, end_id=end_id, min_length=min_length, adjust=adjust
    )
    return sum(lp[t] for lp, t in steps) / penalty(len(tokens), alpha)


def assert_padded(ids_row, end_id):
    """After the first end token, only zeros."""
    ids_row = [int(i) for i in ids_row]
    if end_id in ids_row:
        assert all(i == 0 for i in ids_row[ids_row.index(end_id) + 1 :]), ids_row


def exhaustive_width(vocab_size, max_length):
    """A beam width that keeps every hypothesis (all candidates fit in 2 * width)."""
    return max(2, -(-((vocab_size - 1) ** (max_length - 1) * vocab_size) // 2))


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def check_against_brute_force(model, batch_size, ids, scores, adjust=None, **kwargs):
    """Beam results (ids, scores: numpy) equal brute force wherever ranks are not ties.

    `adjust` is a numpy reference of the processors, or a list of them, one per row.
    """
    num_return = ids.shape[1]
    adjusts = adjust if isinstance(adjust, list) else [adjust] * batch_size
    for row, adjust in enumerate(adjusts):
        expected = brute_force(model, row, adjust=adjust, **kwargs)
        expected_scores = [s for s, _ in expected[:num_return]]
        expected_scores += [-np.inf] * (num_return - len(expected_scores))
        np.testing.assert_allclose(scores[row], expected_scores, atol=1e-5, rtol=0)
        returned = [emitted(ids[row, j], kwargs["end_id"]) for j in range(num_return)]
        for j, tokens in enumerate(returned):
            if j >= len(expected):
                assert not ids[row, j].any()
                continue
            assert_padded(ids[row, j], kwargs["end_id"])
            # The returned sequence really has the returned score ...
            rescored = teacher_forced_score(
                model,
                row,
                tokens,
                start_id=kwargs["start_id"],
                end_id=kwargs["end_id"],
                min_length=kwargs["min_length"],
                alpha=kwargs["alpha"],
                adjust=adjust,
            )
            np.testing.assert_allclose(scores[row, j], rescored, atol=1e-5, rtol=0)
            # ... and is the brute-force one wherever the ranking is not a near tie.
            gaps = [
                abs(expected[j][0] - expected[i][0])
                for i in (j - 1, j + 1)
                if 0 <= i < len(expected)
            ]
            if all(gap > 1e-4 for gap in gaps):
                assert tokens == expected[j][1], (row, j, tokens, expected[j])
        assert len(set(returned[: len(expected)])) == min(num_return, len(expected))


def examples(count):
    """A hypothesis budget: `count` on TensorFlow, a third of it on other backends,
    where every example compiles its decoding loop afresh (the JAX run checks the
    backend's path; the TensorFlow run carries the search)."""
    return count if keras.backend.backend() == "tensorflow" else max(5, count // 3)
