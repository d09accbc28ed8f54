"""The two-stage `top_k` and `argmax` of the searches against the plain Keras ops."""

import numpy as np
import pytest
from keras import ops

from keras_seq.decoding import _selection as selection
from keras_seq.decoding import beam_search, greedy_search, sample
from tests.decoding.decoding_fakes import to_numpy

pytestmark = pytest.mark.backend_neutral


def rows(kind, width, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "normal":
        x = rng.normal(size=(6, width))
    elif kind == "ties":  # three values: every block maximum ties with others
        x = rng.integers(0, 3, size=(6, width)).astype(float)
    else:  # -inf rows, and rows with one finite value at either end
        x = np.full((6, width), -np.inf)
        x[1, width // 2], x[2, -1], x[3, 0] = 0.0, 1.0, -5.0
    return ops.convert_to_tensor(x.astype("float32"))


@pytest.mark.parametrize("width", [50, 2048, 8000, 8009, 32000])  # 8009 is prime: padding
@pytest.mark.parametrize("kind", ["normal", "ties", "infinite"])
def test_top_k_and_argmax_equal_the_plain_ops(width, kind):
    x = rows(kind, width)
    for k in (1, 2, 8):
        expected_values, expected_indices = ops.top_k(x, k)
        values, indices = selection.top_k(x, k)
        np.testing.assert_array_equal(to_numpy(values), to_numpy(expected_values))
        np.testing.assert_array_equal(to_numpy(indices), to_numpy(expected_indices))
    np.testing.assert_array_equal(to_numpy(selection.argmax(x)), to_numpy(ops.argmax(x, -1)))


def test_long_rows_take_the_two_stage_path(monkeypatch):
    """The equality above means something only if the blocks are used at these widths."""
    widths, blocks = [], selection._blocks

    def recording_blocks(x, size):
        widths.append(size)
        return blocks(x, size)

    monkeypatch.setattr(selection, "_blocks", recording_blocks)
    selection.top_k(rows("normal", 8192), 8)
    selection.argmax(rows("normal", 2048))
    selection.top_k(rows("normal", 50), 8)  # too short: plain top_k
    assert widths == [32, 32]


def table_step(vocab_size, seed):
    """Logits that depend on the previous token only, rounded so that many tie; the
    padding id 0 is often the most likely."""
    rng = np.random.default_rng(seed)
    table = np.round(rng.normal(size=(vocab_size, vocab_size)), 1)
    table[:, 0] += 2.0
    table = ops.convert_to_tensor(table, "float32")
    return lambda token_ids, state: (ops.take(table, token_ids, axis=0), state)


def use_plain_ops(monkeypatch):
    def top_k(x, k):
        values, indices = ops.top_k(x, k)
        return values, ops.cast(indices, "int32")

    monkeypatch.setattr(selection, "top_k", top_k)
    monkeypatch.setattr(selection, "argmax", lambda x: ops.cast(ops.argmax(x, -1), "int32"))


@pytest.mark.parametrize("search", ["beam", "greedy", "sample"])
def test_searches_over_a_large_vocabulary_match_the_plain_ops(search, monkeypatch):
    step = table_step(2048, seed=3)
    state = {"h": ops.zeros((3, 2))}
    settings = {"start_id": 1, "end_id": 2, "max_length": 6, "forbidden_ids": (0,)}
    if search == "beam":
        run = lambda: beam_search(  # noqa: E731
            step, state, beam_width=4, num_return=4, min_length=2, **settings
        )
    elif search == "greedy":
        run = lambda: greedy_search(step, state, **settings)  # noqa: E731
    else:
        run = lambda: sample(step, state, seed=5, **settings)  # noqa: E731
    ids, scores = (to_numpy(t) for t in run())
    use_plain_ops(monkeypatch)
    expected_ids, expected_scores = (to_numpy(t) for t in run())
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_array_equal(scores, expected_scores)
