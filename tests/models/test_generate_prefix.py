"""`generate(..., prefix=...)`: autocompletion from a forced start of each output.

The reference is the model's own teacher-forced pass over what `generate` returned:
after the prefix, every greedy token must be that pass's argmax (padding and the
start token excluded, as in decoding), and the reported
score must equal `score` of the whole output."""

import numpy as np
import pytest
from keras import ops

from keras_seq.decoding import BeamSearch
from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import Seq2Seq

SOURCE = np.array([[5, 6, 7, 2], [8, 2, 0, 0], [9, 10, 2, 0]], "int32")


pytestmark = pytest.mark.backend_neutral


@pytest.fixture(scope="module")
def model():
    return Seq2Seq(RNNEncoder(16, 8, 12), RNNDecoder(13, 8, 12, attention="luong"), max_length=6)


def teacher_forced_argmax(model, source, ids):
    decoder_inputs = np.concatenate(
        [np.full((len(ids), 1), model.start_id, "int32"), ids[:, :-1]], axis=1
    )
    logits = model((ops.convert_to_tensor(source), ops.convert_to_tensor(decoder_inputs)))
    logits = ops.convert_to_numpy(logits)
    logits[..., [0, model.start_id]] = -np.inf  # decoding never emits padding or start
    return logits.argmax(axis=-1)


def emitted_length(row, end_id):
    return int(np.argmax(row == end_id)) + 1 if (row == end_id).any() else len(row)


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ([4, 3], [[4, 3]] * 3),
        ([[4], [7, 8, 9], []], [[4], [7, 8, 9], []]),
        (np.array([[4, -1], [5, 6], [-1, -1]]), [[4], [5, 6], []]),
    ],
    ids=["shared", "per_row_lists", "padded_array"],
)
def test_greedy_continues_each_prefix_with_the_models_argmax(model, prefix, expected):
    ids, scores = model.generate(SOURCE, decoding="greedy", prefix=prefix, return_scores=True)
    argmax = teacher_forced_argmax(model, SOURCE, ids)
    for row, start in enumerate(expected):
        assert ids[row, : len(start)].tolist() == start
        length = emitted_length(ids[row], model.end_id)
        assert ids[row, len(start) : length].tolist() == argmax[row, len(start) : length].tolist()
    np.testing.assert_allclose(scores, model.score(SOURCE, ids), atol=1e-4)


def test_beam_outputs_all_start_with_the_prefix_and_keep_their_scores(model):
    strategy = BeamSearch(beam_width=4, num_return=3)
    ids, scores = model.generate(
        SOURCE, decoding=strategy, prefix=[[6, 6], [3], [9]], return_scores=True
    )
    for row, start in enumerate([[6, 6], [3], [9]]):
        assert all(ids[row, j, : len(start)].tolist() == start for j in range(3))
        np.testing.assert_allclose(scores[row], model.score(SOURCE[[row] * 3], ids[row]), atol=1e-4)


@pytest.mark.parametrize(
    "prefix, message",
    [
        ([[4], [5]], "one prefix per input row (3). Received: 2 prefixes"),
        (
            [4, 13],
            "token ids in [1, vocab_size) = [1, 13) (-1 pads a shorter prefix). Received: 13",
        ),
        ([4, 0], "Received: 0 in prefix"),
        (
            [4, 5, 6, 7, 8, 9],
            "shorter than `max_length` (6), leaving room for the end token. "
            "Received: a prefix of 6 tokens",
        ),
        (np.zeros((3, 2), "float32"), "prefix with shape (3, 2) and dtype float32"),
    ],
    ids=["rows", "too_large", "padding_id", "too_long", "float"],
)
def test_bad_prefixes_name_the_argument(model, prefix, message):
    with pytest.raises(ValueError, match="prefix") as info:
        model.generate(SOURCE, decoding="greedy", prefix=prefix)
    assert message in str(info.value)
