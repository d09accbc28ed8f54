"""Reversal of the real (unpadded) part of right-padded sequences."""

from keras import ops


def reverse_padded(sequences, mask):
    """Reverses each sequence's real steps in place, leaving its right padding where it is.

    `keras.ops.flip` would move the padding to the front; here `[a, b, c, 0, 0]`
    becomes `[c, b, a, 0, 0]`, so a reversed source stays right-padded (which masking
    and the cuDNN kernels require). Applying it twice gives back the input.

    Args:
        sequences: tensor of shape `(batch_size, timesteps, ...)`.
        mask: bool tensor of shape `(batch_size, timesteps)`, True at real steps,
            which must come first in each row; or None when every step is real
            (the whole sequence is reversed).

    Returns:
        A tensor like `sequences`.

    Example:
    >>> import numpy as np
    >>> ids = np.array([[1, 2, 3, 0, 0]])
    >>> ops.convert_to_numpy(reverse_padded(ids, ids != 0)).tolist()
    [[3, 2, 1, 0, 0]]
    """
    if mask is None:
        return ops.flip(sequences, axis=1)
    timesteps = ops.shape(sequences)[1]
    lengths = ops.sum(ops.cast(mask, "int32"), axis=1, keepdims=True)
    positions = ops.expand_dims(ops.arange(timesteps, dtype="int32"), 0)
    source_positions = ops.where(positions < lengths, lengths - 1 - positions, positions)
    if len(sequences.shape) > 2:
        source_positions = ops.reshape(
            source_positions, ops.shape(source_positions) + (1,) * (len(sequences.shape) - 2)
        )
    return ops.take_along_axis(sequences, source_positions, axis=1)
