"""keras-seq: recurrent sequence models for Keras 3."""

import os

# Keras picks its backend at first import; we ship and test on TensorFlow, so that is the
# default unless the user already chose one (JAX also runs the keras.ops parts).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_seq import (  # noqa: E402
    callbacks,
    cudnn,
    data,
    datasets,
    decoding,
    export,
    layers,
    metrics,
    models,
    plotting,
    presets,
    schedules,
)
from keras_seq.text_generator import TextGenerator  # noqa: E402
from keras_seq.version import __version__  # noqa: E402

__all__ = [
    "TextGenerator",
    "__version__",
    "callbacks",
    "cudnn",
    "data",
    "datasets",
    "decoding",
    "export",
    "layers",
    "metrics",
    "models",
    "plotting",
    "presets",
    "schedules",
]
