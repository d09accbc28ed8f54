"""`KeepsVariablesOnError`: a model stays usable after a `fit`, `evaluate` or `predict`
that raised under Keras's JAX backend."""

import contextlib
import weakref

import keras
import numpy as np
from packaging.version import Version

# Keras's JAX trainer detaches every variable's value (`_purge_model_variables`) when
# a `fit`/`evaluate`/`predict` loop starts and reattaches them (`jax_state_sync`) only
# after a step has finished. When the first step raises (bad data in a graph, a shape
# error while tracing), the values are gone: the next call fails with
# "TypeError: 'NoneType' object is not callable" (the variable's spent initializer).
# A later step that raises leaves the variables on buffers the jitted step donated
# (deleted). keras-team/keras#21019 restores the variables when `fit` is interrupted
# between steps, not when a step itself raises. Seen up to Keras 3.15.1;
# tests/models/test_jax_recovery.py reproduces it on a plain keras.Model, so the
# guard's upper bound is revisited when that test starts to fail.
_LOSES_VARIABLES = Version(keras.version()) < Version("3.16")
# Per model, the (variable, value) pairs detached by the running call. Kept outside the
# model: Keras would track a list attribute as layer state.
_DETACHED = weakref.WeakKeyDictionary()


class KeepsVariablesOnError:
    """Mixin (before `keras.Model`): where Keras's JAX trainer loses the variables of
    a loop that raised (see `_LOSES_VARIABLES`), the values it detached are put back
    before the error propagates. Other backends and versions run Keras's methods
    unchanged."""

    def fit(self, *args, **kwargs):
        with _reattached_on_error(self):
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with _reattached_on_error(self):
            return super().evaluate(*args, **kwargs)

    def predict(self, *args, **kwargs):
        with _reattached_on_error(self):
            return super().predict(*args, **kwargs)

    def _purge_model_variables(self, **kinds):
        # The JAX trainer's own hook (no public one exists): keep a host copy of what
        # it detaches. A reference would not do: the jitted step donates its input
        # buffers, so a step that raised at run time has deleted them. One copy per
        # epoch (and per evaluate or predict call), in host memory.
        variables = {
            "trainable_variables": self.trainable_variables,
            "non_trainable_variables": self.non_trainable_variables,
            "optimizer_variables": getattr(self.optimizer, "variables", []),
            "metrics_variables": self.metrics_variables,
        }
        for kind, wanted in kinds.items():
            if wanted:
                _DETACHED.setdefault(self, []).extend(
                    (v, np.array(v._value)) for v in variables[kind]
                )
        return super()._purge_model_variables(**kinds)


@contextlib.contextmanager
def _reattached_on_error(model):
    if not _LOSES_VARIABLES or keras.backend.backend() != "jax":
        yield
        return
    _DETACHED[model] = []
    try:
        yield
    except BaseException:
        for variable, value in _DETACHED.get(model, ()):
            # `_value` is what the trainer clears; Keras has no public test for it.
            if variable._value is None or variable._value.is_deleted():
                variable.assign(value)
        raise
    finally:
        _DETACHED.pop(model, None)
