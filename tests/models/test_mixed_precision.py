"""Training and decoding under the mixed_float16 and mixed_bfloat16 policies."""

import warnings

import keras
import numpy as np
import pytest
from keras import ops

from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import OneToMany, Seq2Seq
from keras_seq.models.teacher_forcing import masked_cross_entropy

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0], [5, 5, 2, 0]], "int32")
TARGET = np.array([[9, 10, 11], [11, 3, 0], [4, 0, 0], [6, 7, 8]], "int32")
LABELS = np.array([0, 1, 2, 1], "int32")


def _cpu_computes(dtype):
    try:
        product = ops.matmul(ops.ones((2, 2), dtype), ops.ones((2, 2), dtype))
        return bool(np.all(ops.convert_to_numpy(ops.cast(product, "float32")) == 2))
    except Exception:  # noqa: BLE001 - any failure means this CPU cannot run the dtype.
        return False


@pytest.fixture(params=["mixed_bfloat16", "mixed_float16"])
def policy(request):
    """Sets the global policy for one test and always restores the previous one."""
    dtype = request.param.removeprefix("mixed_")
    if not _cpu_computes(dtype):
        pytest.skip(f"this CPU does not compute in {dtype}")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_global_policy(previous)


MODELS = {
    "seq2seq": lambda: Seq2Seq(RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 8), max_length=5),
    "luong": lambda: Seq2Seq(
        RNNEncoder(12, 8, 8, bidirectional=True),
        RNNDecoder(12, 8, 8, attention="luong"),
        max_length=5,
    ),
    "bahdanau": lambda: Seq2Seq(
        RNNEncoder(12, 8, 8), RNNDecoder(12, 8, 8, attention="bahdanau"), max_length=5
    ),
    "one_to_many": lambda: OneToMany(
        RNNDecoder(12, 8, 8, conditioning_dim=4),
        num_classes=3,
        condition_dim=4,
        every_step=True,
        max_length=5,
    ),
}


def teacher_forced_score(model, inputs, ids):
    """float64 sum of the teacher-forced log-softmax over the emitted ids (the model's
    own log-probabilities: decoding bans padding and the start token after the softmax)."""
    ids = np.asarray(ids)
    decoder_inputs = np.concatenate([np.full((len(ids), 1), model.start_id), ids[:, :-1]], 1)
    logits = ops.convert_to_numpy(ops.cast(model((inputs, decoder_inputs)), "float32"))
    logits = logits.astype("float64")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_probs, ids[..., None], -1)[..., 0]
    return np.where(ids != 0, picked, 0.0).sum(-1)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_training_gives_finite_losses_from_float32_log_softmax(policy, kind):
    compute_dtype = policy.removeprefix("mixed_")
    inputs = LABELS if kind == "one_to_many" else SOURCE
    model = MODELS[kind]()
    # Eager training meets the dtypes of a traced train step, without the tracing time.
    model.compile(keras.optimizers.Adam(1e-2), run_eagerly=True)
    with warnings.catch_warnings():
        # The overflow of a -1e9 mask value cast to float16 was a NumPy RuntimeWarning.
        warnings.simplefilter("error", RuntimeWarning)
        history = model.fit(inputs, TARGET, batch_size=2, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"])), history.history
    if policy == "mixed_float16":  # Keras scales the loss so that float16 gradients survive.
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)

    decoder_inputs = np.concatenate([np.ones((4, 1), "int32"), TARGET], 1)
    logits = model((inputs, decoder_inputs))
    assert keras.backend.standardize_dtype(logits.dtype) == compute_dtype
    labels = np.concatenate([TARGET, np.zeros((4, 1), "int32")], 1)
    loss = masked_cross_entropy(labels, logits)
    assert keras.backend.standardize_dtype(loss.dtype) == "float32"


@pytest.mark.parametrize("kind", ["seq2seq", "luong", "one_to_many"])
def test_every_decoding_strategy_scores_in_float32(policy, kind):
    inputs = LABELS if kind == "one_to_many" else SOURCE
    model = MODELS[kind]()
    for method in ("greedy", "beam", "sample"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            ids, scores = model.generate(inputs, decoding=method, return_scores=True)
        assert scores.dtype == np.float32, method
        assert np.all(np.isfinite(scores)), (method, scores)
        # float32 log-softmaxes of the low-precision logits: they equal the teacher-forced
        # ones up to the rounding of the low-precision step computation.
        np.testing.assert_allclose(
            scores, teacher_forced_score(model, inputs, ids), atol=0.05, err_msg=method
        )
