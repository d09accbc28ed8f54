"""Decoding functions compiled with the backend's own mechanism, shared by the models
and `Ensemble`."""

import keras
from keras import ops

from keras_seq.decoding.strategies import Sampling

# Source lengths are padded to a multiple of this under JAX, which compiles per shape.
JAX_LENGTH_BUCKET = 16


def compiled(function, strategy, variables, inputs_shape, inputs_dtype, prefixed=False):
    """Compiles `function(inputs)` (`function(inputs, prefix)` when `prefixed`).

    TensorFlow: one `tf.function` for inputs of any batch size and length. JAX:
    `jax.jit` over the current values of `variables` (a stateless call, so weights
    trained later are used), with token inputs padded to a multiple of
    `JAX_LENGTH_BUCKET` columns, so new source lengths rarely recompile. Sampling from
    Keras's global seed generator (`seed=None`) cannot be traced by JAX and runs
    eagerly; other backends run eagerly too.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        signature = [tf.TensorSpec(inputs_shape, inputs_dtype)]
        if prefixed:
            signature.append(tf.TensorSpec((None, None), tf.int32))
        return tf.function(function, input_signature=signature)
    unseeded = isinstance(strategy, Sampling) and strategy.seed is None
    if backend != "jax" or unseeded:
        return function
    import jax

    def stateless(values, inputs, *prefix):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return function(inputs, *prefix)

    jitted = jax.jit(stateless)
    pads_tokens = len(inputs_shape) == 2 and "int" in inputs_dtype

    def run(inputs, *prefix):
        if pads_tokens:  # id 0 is padding, invisible to the encoder
            extra = -inputs.shape[1] % JAX_LENGTH_BUCKET
            inputs = ops.pad(inputs, [[0, 0], [0, extra]])
        return jitted([variable.value for variable in variables], inputs, *prefix)

    return run
