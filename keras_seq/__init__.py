"""keras-seq: recurrent sequence models for Keras 3."""

import importlib
import os
import sys

# Keras picks its backend at first import; we ship and test on TensorFlow, so that is the
# default unless the user already chose one (JAX also runs the keras.ops parts).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_seq.version import __version__  # noqa: E402

_SUBMODULES = (
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
    "text_generator",
)

# Submodules that import TensorFlow (`keras_seq.metrics.bleu` too); without it they
# raise a clear ImportError when used, and `import keras_seq` skips them.
_TENSORFLOW_SUBMODULES = ("data", "export", "text_generator")

__all__ = ["TextGenerator", "__version__", *_SUBMODULES]


def _started_by_cli():
    """Whether this process is the `keras-seq` command (console script or `-m`)."""
    program = sys.argv[0] if sys.argv else ""
    if os.path.basename(program) in ("keras-seq", "keras-seq.exe"):
        return True
    # While `python -m MODULE ARGS...` imports MODULE's packages, sys.argv is
    # ["-m", ARGS...]; MODULE is the item before ARGS in sys.orig_argv ("-mMODULE" too).
    if program == "-m":
        module = sys.orig_argv[-len(sys.argv)].removeprefix("-m")
        return module in ("keras_seq.cli", "keras_seq.cli.__main__")
    return False


def _import_submodules():
    """Imports every submodule, which registers the library's serializable classes;
    without TensorFlow, those that need it are left out."""
    from keras_seq._tf import tensorflow_available

    with_tensorflow = tensorflow_available()
    for name in _SUBMODULES:
        if with_tensorflow or name not in _TENSORFLOW_SUBMODULES:
            importlib.import_module(f"{__name__}.{name}")
    # keras_seq.metrics loads its Keras metrics lazily, so that `keras-seq bleu` can
    # score text without TensorFlow.
    if with_tensorflow:
        importlib.import_module(f"{__name__}.metrics.bleu")
        importlib.import_module(f"{__name__}.metrics.chrf")


def __getattr__(name):
    """Imports a submodule (or `TextGenerator`) on first access (PEP 562), for the
    `keras-seq` command and for `keras_seq.TextGenerator`."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "TextGenerator":
        return importlib.import_module(f"{__name__}.text_generator").TextGenerator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Eager for library users: Keras only auto-imports the modules of its own packages, so
# `import keras_seq; keras.saving.load_model(path)` needs this import to have registered
# every `@keras.saving.register_keras_serializable` class. The `keras-seq` command skips
# it, since importing TensorFlow takes seconds that `--help` or `bleu` do not need; its
# submodules load through `__getattr__` when used.
if not _started_by_cli():
    _import_submodules()
