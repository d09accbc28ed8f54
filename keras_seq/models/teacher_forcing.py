"""Decoder inputs and labels for teacher forcing, and the masked loss over them."""

from keras import ops


def teacher_forcing_pair(target_ids, start_id, end_id):
    """Builds `(decoder_inputs, labels)` from 0-padded targets without start/end tokens.

    `labels` is each target followed by `end_id`; `decoder_inputs` is `start_id`
    followed by the target, so position `t` of the decoder sees the label of
    position `t - 1`. Both have one more column than `target_ids`.

    Example:
    >>> import numpy as np
    >>> inputs, labels = teacher_forcing_pair(np.array([[7, 8, 0]]), 1, 2)
    >>> ops.convert_to_numpy(inputs).tolist(), ops.convert_to_numpy(labels).tolist()
    ([[1, 7, 8, 0]], [[7, 8, 2, 0]])
    """
    target_ids = ops.cast(target_ids, "int32")
    batch_size = ops.shape(target_ids)[0]
    padded = ops.pad(target_ids, [[0, 0], [0, 1]])
    lengths = ops.sum(ops.cast(ops.not_equal(target_ids, 0), "int32"), axis=1, keepdims=True)
    positions = ops.expand_dims(ops.arange(ops.shape(padded)[1], dtype="int32"), 0)
    labels = ops.where(ops.equal(positions, lengths), end_id, padded)
    starts = ops.full((batch_size, 1), start_id, dtype="int32")
    return ops.concatenate([starts, target_ids], axis=1), labels


def masked_cross_entropy(labels, logits, label_smoothing=0.0):
    """Mean token cross-entropy over non-padding labels (id 0 is padding).

    With `label_smoothing=e`, the target distribution puts `1 - e` on the label and
    spreads `e` uniformly over the vocabulary (Szegedy et al., 2016).
    """
    log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    nll = -ops.squeeze(
        ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1),
        -1,
    )
    if label_smoothing:
        nll = (1.0 - label_smoothing) * nll - label_smoothing * ops.mean(log_probs, axis=-1)
    mask = ops.cast(ops.not_equal(labels, 0), "float32")
    return ops.sum(nll * mask) / ops.maximum(ops.sum(mask), 1.0)
