"""Decoding and scoring functions compiled with the backend's own mechanism, shared by
the models and `Ensemble`."""

import keras
from keras import ops

from keras_seq.decoding import rescoring
from keras_seq.decoding.strategies import Sampling

# Source lengths (and target widths, for scoring) are padded to a multiple of this
# where a compiler compiles per shape (JAX, and TensorFlow with XLA).
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
    pads_tokens = _takes_tokens(inputs_shape, inputs_dtype)
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
    run = _jax_stateless(function, variables)
    return _padding_tokens(run) if pads_tokens else run


def compiled_scoring(log_probs_fn, variables, inputs_shape, inputs_dtype):
    """Compiles `rescoring.summed_log_probs(log_probs_fn)`: `(inputs, decoder_inputs,
    labels, mask) -> (rows,) sums`.

    `log_probs_fn(inputs, decoder_inputs)` gives the teacher-forced log-probabilities;
    `decoder_inputs` and `labels` are int32 and `mask` bool, all `(rows, width)`, and
    only `mask` counts. TensorFlow: one `tf.function` for any
    rows, lengths and widths. JAX: `jax.jit` as in `compiled`; token inputs are
    padded to a multiple of `LENGTH_BUCKET` columns, the three target arrays likewise
    (with 0, 0 and False: a left-to-right decoder's earlier positions do not see
    them), and rows to a power of two (copies of the first row, whose sums are
    dropped), so that every call of a `score` compiles once per bucket. Other
    backends run eagerly.
    """
    function = rescoring.summed_log_probs(log_probs_fn)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        signature = [tf.TensorSpec(inputs_shape, inputs_dtype)]
        signature += [tf.TensorSpec((None, None), dtype) for dtype in ("int32", "int32", "bool")]
        return tf.function(function, input_signature=signature)
    if backend != "jax":
        return function
    run = _jax_stateless(function, variables)
    pads_tokens = _takes_tokens(inputs_shape, inputs_dtype)

    def padded(inputs, *targets):
        rows = inputs.shape[0]
        copies = [0] * ((1 << (rows - 1).bit_length()) - rows)
        if copies:
            inputs = ops.concatenate([inputs, ops.take(inputs, copies, axis=0)], axis=0)
            targets = [ops.concatenate([t, ops.take(t, copies, axis=0)], 0) for t in targets]
        if pads_tokens:
            inputs = _bucketed(inputs)
        return run(inputs, *[_bucketed(t) for t in targets])[:rows]

    return padded


def _takes_tokens(inputs_shape, inputs_dtype):
    return len(inputs_shape) == 2 and "int" in inputs_dtype


def _jax_stateless(function, variables):
    """`function` under `jax.jit`, called with the current values of `variables`."""
    import jax

    def stateless(values, *args):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return function(*args)

    jitted = jax.jit(stateless)

    def run(*args):
        return jitted([variable.value for variable in variables], *args)

    return run


def _bucketed(x):
    """`x` (rows, width) padded with zeros (False) to a multiple of `LENGTH_BUCKET`
    columns."""
    return ops.pad(x, [[0, 0], [0, -x.shape[1] % LENGTH_BUCKET]])


def _padding_tokens(run):
    """`run` with its token inputs padded (id 0, invisible to the encoder) to a multiple
    of `LENGTH_BUCKET` columns."""

    def padded(inputs, *prefix):
        return run(_bucketed(inputs), *prefix)

    return padded
