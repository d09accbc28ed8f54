"""Decoder inputs and labels for teacher forcing, and the masked loss over them."""

import numpy as np
from keras import ops

from keras_seq.models.distribute import replica_sum


def teacher_forcing_pair(target_ids, start_id, end_id):
    """Builds `(decoder_inputs, labels)` from 0-padded targets without start/end tokens.

    `labels` is each target followed by `end_id`; `decoder_inputs` is `start_id`
    followed by the target, so position `t` of the decoder sees the label of
    position `t - 1`. Both have one more column than `target_ids`.

    Written in NumPy because it is part of the input pipeline, on arrays, never in a
    backend's train step; `teacher_forced_tensors` does the same inside `tf.data`.

    Example:
    >>> import numpy as np
    >>> inputs, labels = teacher_forcing_pair(np.array([[7, 8, 0]]), 1, 2)
    >>> inputs.tolist(), labels.tolist()
    ([[1, 7, 8, 0]], [[7, 8, 2, 0]])
    """
    target_ids = np.asarray(target_ids).astype("int32")
    padded = np.pad(target_ids, [[0, 0], [0, 1]])
    lengths = np.count_nonzero(target_ids, axis=1)[:, None]
    labels = np.where(np.arange(padded.shape[1])[None, :] == lengths, end_id, padded)
    starts = np.full([target_ids.shape[0], 1], start_id, "int32")
    return np.concatenate([starts, target_ids], axis=1), labels.astype("int32")


def teacher_forced_batch(inputs, target_ids, start_id, end_id):
    """`((inputs, decoder_inputs), labels, mask)`: what Keras's train and test steps take
    for one batch of `(inputs, target_ids)` arrays; `mask` weighs every real label by 1."""
    decoder_inputs, labels = teacher_forcing_pair(target_ids, start_id, end_id)
    return (inputs, decoder_inputs), labels, (labels != 0).astype("float32")


def teacher_forced_tensors(inputs, target_ids, start_id, end_id):
    """`teacher_forced_batch` in TensorFlow ops, for `tf.data` maps (which Keras feeds
    to any backend)."""
    import tensorflow as tf  # only called on tf.data datasets, which imported it

    target_ids = tf.cast(target_ids, tf.int32)
    padded = tf.pad(target_ids, [[0, 0], [0, 1]])
    lengths = tf.reduce_sum(tf.cast(tf.not_equal(target_ids, 0), tf.int32), 1, keepdims=True)
    positions = tf.range(tf.shape(padded)[1])[None, :]
    labels = tf.where(tf.equal(positions, lengths), end_id, padded)
    starts = tf.fill([tf.shape(target_ids)[0], 1], start_id)
    decoder_inputs = tf.concat([starts, target_ids], axis=1)
    return (inputs, decoder_inputs), labels, tf.cast(tf.not_equal(labels, 0), tf.float32)


def masked_cross_entropy(labels, logits, label_smoothing=0.0):
    """Mean token cross-entropy over non-padding labels (id 0 is padding).

    Under a `tf.distribute` strategy, a replica's share of the mean over the global
    batch's labels: its own summed cross-entropy over the count of all replicas' real
    labels, so the replicas' shares (and gradients) sum to the one-device loss, however
    unevenly the real labels fall between the replicas.

    With `label_smoothing=e`, the target distribution puts `1 - e` on the label and
    spreads `e` uniformly over the vocabulary (Szegedy et al., 2016).
    """
    logits = ops.cast(logits, "float32")
    # The backend's sparse cross-entropy, not a log-softmax and a gather: on TensorFlow
    # it is one fused kernel that also yields its gradient, and the backward pass of a
    # gather from the full log-softmax took 23 ms more per step at vocabulary 8,000
    # (benchmarks/train_phases.py).
    nll = ops.sparse_categorical_crossentropy(ops.cast(labels, "int32"), logits, from_logits=True)
    if label_smoothing:
        # The uniform part: the mean of -log p over the vocabulary.
        uniform = ops.logsumexp(logits, axis=-1) - ops.mean(logits, axis=-1)
        nll = (1.0 - label_smoothing) * nll + label_smoothing * uniform
    mask = ops.cast(ops.not_equal(labels, 0), "float32")
    return ops.sum(nll * mask) / ops.maximum(replica_sum(ops.sum(mask)), 1.0)
