"""Helpers of `generate`: argument checks and one compiled function per setting."""

import keras
from keras import ops


class CompiledFunctions:
    """Caches one compiled function per decoding setting (a hashable key).

    On TensorFlow each is a `tf.function`, traced once per input signature; other
    backends run the Python function (JAX users can wrap `generate` in `jax.jit`).
    """

    def __init__(self):
        self._functions = {}

    def get(self, key, function):
        if key not in self._functions:
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                function = tf.function(function, reduce_retracing=True)
            self._functions[key] = function
        return self._functions[key]


def check_batch(argument, values):
    if ops.shape(values)[0] == 0:
        raise ValueError(f"`{argument}` is an empty batch. Received: shape {tuple(values.shape)}")
