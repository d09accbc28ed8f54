"""TensorFlow as an optional dependency: layers, models, decoding and the BLEU
functions run without it (on Keras's JAX backend); tokenizers, `tf.data` pipelines,
export, `TextGenerator` and the `Bleu` metric need it, and their modules import it as

    try:
        import tensorflow as tf
    except ImportError as error:
        raise _tf.missing_tensorflow("keras_seq.export") from error
"""

import sys


def tensorflow_available():
    """Whether `import tensorflow` succeeds (it imports TensorFlow when it does)."""
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def missing_tensorflow(feature):
    """The `ImportError` to raise when `feature` (a str, for the message) is used
    where TensorFlow cannot be imported."""
    return ImportError(
        f"{feature} needs TensorFlow, which cannot be imported here: install it with "
        "`pip install tensorflow`. Without it, keras-seq's layers, models (fit, evaluate, "
        "generate, predict, .keras files), decoding and BLEU functions run on Keras's JAX "
        "backend.",
        name="tensorflow",
    )


def require_tensorflow(feature):
    """Returns the `tensorflow` module, or raises `missing_tensorflow(feature)`."""
    try:
        import tensorflow
    except ImportError as error:
        raise missing_tensorflow(feature) from error
    return tensorflow


def is_tf_dataset(x):
    """Whether `x` is a `tf.data.Dataset`, without importing TensorFlow (a dataset
    exists only once TensorFlow is loaded)."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(x, tf.data.Dataset)
