"""Decoding functions compiled with the backend's own mechanism, shared by the models
and `Ensemble`."""

import keras
from keras import ops

from keras_seq.decoding.strategies import Sampling

# Source lengths are padded to a multiple of this where a compiler compiles per shape
# (JAX, and TensorFlow with XLA).
LENGTH_BUCKET = 16


def compiled(
    function,
    strategy,
    variables,
    inputs_shape,
    inputs_dtype,
    prefixed=False,
    jit_compile=False,
):
    """Compiles `function(inputs)` (`function(inputs, prefix)` when `prefixed`).

    TensorFlow: one `tf.function` for inputs of any batch size and length; with
    `jit_compile`, XLA compiles it once per shape, so token inputs are padded to a
    multiple of `LENGTH_BUCKET` columns first. JAX: `jax.jit` over the current values of
    `variables` (a stateless call, so weights trained later are used), with token
    inputs padded the same way, whatever `jit_compile`. Sampling from Keras's global
    seed generator (`seed=None`) cannot be traced by JAX and runs eagerly; other
    backends run eagerly too.
    """
    backend = keras.backend.backend()
    pads_tokens = len(inputs_shape) == 2 and "int" in inputs_dtype
    if backend == "tensorflow":
        import tensorflow as tf

        signature = [tf.TensorSpec(inputs_shape, inputs_dtype)]
        if prefixed:
            signature.append(tf.TensorSpec((None, None), tf.int32))
        traced = tf.function(function, input_signature=signature, jit_compile=jit_compile)
        return _padding_tokens(traced) if jit_compile and pads_tokens else traced
    unseeded = isinstance(strategy, Sampling) and strategy.seed is None
    if backend != "jax" or unseeded:
        return function
    import jax

    def stateless(values, inputs, *prefix):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return function(inputs, *prefix)

    jitted = jax.jit(stateless)

    def run(inputs, *prefix):
        return jitted([variable.value for variable in variables], inputs, *prefix)

    return _padding_tokens(run) if pads_tokens else run


def _padding_tokens(run):
    """`run` with its token inputs padded (id 0, invisible to the encoder) to a multiple
    of `LENGTH_BUCKET` columns."""

    def padded(inputs, *prefix):
        extra = -inputs.shape[1] % LENGTH_BUCKET
        return run(ops.pad(inputs, [[0, 0], [0, extra]]), *prefix)

    return padded
