"""`QuietFit`: Keras's `fit`, `evaluate` and `predict` without the warnings that
ordinary training on a `tf.data` pipeline sets off."""

import contextlib
import inspect
import warnings

import keras
from packaging.version import Version

from keras_seq import _tf

# Keras 3.15 warns "Your input ran out of data; interrupting training" at the end of
# every epoch over an input of unknown length (a stream, a generator) even when no
# `steps_per_epoch` was asked for, although running to the end is how the length is
# found. Fixed upstream by keras-team/keras#23360 ("Only warn about running out of
# data when `steps_per_epoch` was set"), not in a release up to 3.15.
_WARNS_AT_UNKNOWN_END = Version(keras.version()) < Version("3.16")


class QuietFit:
    """Mixin for `keras.Model` subclasses (placed before `keras.Model`).

    - `fit` over a `tf.data.Dataset` or a generator defaults to `shuffle=False`:
      such input shuffles itself (keras-seq's pipelines reshuffle every epoch), and
      Keras's default `shuffle=True` only makes it warn that it ignores it. Passing
      `shuffle=True` still gets Keras's warning.
    - Where Keras wrongly warns that the input "ran out of data" at the end of an
      epoch of unknown length (see `_WARNS_AT_UNKNOWN_END`), that one warning is
      left out, and only when no step count (`steps_per_epoch`, `validation_steps`,
      `steps`) was given, so a too-short input with a declared length still warns.
    """

    def fit(self, *args, **kwargs):
        arguments = _bind(keras.Model.fit, self, args, kwargs)
        x = arguments.get("x")
        shuffles_itself = _tf.is_tf_dataset(x) or inspect.isgenerator(x)
        if shuffles_itself and "shuffle" not in arguments:
            arguments["shuffle"] = False
        steps = (arguments.get("steps_per_epoch"), arguments.get("validation_steps"))
        with _unknown_lengths_quiet(all(step is None for step in steps)):
            return super().fit(**arguments)

    def evaluate(self, *args, **kwargs):
        arguments = _bind(keras.Model.evaluate, self, args, kwargs)
        with _unknown_lengths_quiet(arguments.get("steps") is None):
            return super().evaluate(**arguments)

    def predict(self, *args, **kwargs):
        arguments = _bind(keras.Model.predict, self, args, kwargs)
        with _unknown_lengths_quiet(arguments.get("steps") is None):
            return super().predict(**arguments)


def _bind(method, model, args, kwargs):
    """The arguments of a call to `method` by name (positional ones included), as
    passed: those left to their defaults are absent."""
    arguments = inspect.signature(method).bind(model, *args, **kwargs).arguments
    arguments.pop("self")
    arguments.update(arguments.pop("kwargs", {}))
    return arguments


@contextlib.contextmanager
def _unknown_lengths_quiet(no_steps_given):
    if not (_WARNS_AT_UNKNOWN_END and no_steps_given):
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Your input ran out of data",
            category=UserWarning,
            module=r"keras\.src\.trainers\.epoch_iterator",
        )
        yield
