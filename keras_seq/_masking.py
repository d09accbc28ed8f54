"""The fill value for masked logits and attention scores, per compute dtype."""

import keras


def large_negative(dtype):
    """A large negative number that `dtype` holds as a finite value.

    Masked entries get it before a softmax: finite, a fully masked row still has a
    defined (uniform) softmax instead of NaNs. float16 cannot hold -1e9 (its largest
    magnitude is 65504; the cast overflows to -inf with a NumPy `RuntimeWarning`), so
    it gets -3e4, as in `keras.layers.Softmax`; bfloat16 has float32's range.

    Args:
        dtype: the dtype of the tensor being masked.

    Returns:
        float.

    Example:
    >>> large_negative("float16"), large_negative("bfloat16")
    (-30000.0, -1000000000.0)
    """
    if keras.backend.standardize_dtype(dtype) == "float16":
        return -3e4
    return -1e9
