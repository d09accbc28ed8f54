"""What `tf.distribute` strategies need from our models.

Keras's TensorFlow trainer runs `train_step` once per replica and SUMS the replicas'
gradients. A loss must therefore be each replica's share of the global batch's loss:
`replica_sum` gives the global normaliser, `replica_share` splits a loss that every
replica computes in full (weight regularisation), `mask_share` reweighs a Keras loss
averaged over one replica's real steps. Elsewhere (one device, JAX) both are
the identity.

`StrategyTrainer` works around Keras 3 under `tf.distribute` (keras-team/keras#20585,
also tensorflow/tensorflow#72388), for the Keras versions in `WORKAROUND_KERAS`.
"""

import keras
from keras import ops

# Keras versions whose TensorFlow trainer has both bugs and the two methods the
# workaround overrides: `_maybe_symbolic_build` reduces the first batch (3.5 on),
# `_make_function` (3.7 on), `reduce_per_replica` reduces scalars on axis 0 (3.3 on).
# Read in the Keras sources up to main's 3.16.0.dev; tests/models/test_distribute_upstream.py
# fails once the installed Keras no longer has the bug.
WORKAROUND_KERAS = ((3, 7), (3, 16))


def keras_version():
    """The installed Keras `(major, minor)`."""
    major, minor = keras.__version__.split(".")[:2]
    return int(major), int(minor)


def needs_workaround():
    """Whether the installed Keras is one `StrategyTrainer` patches around."""
    low, high = WORKAROUND_KERAS
    return keras.backend.backend() == "tensorflow" and low <= keras_version() <= high


def _replica_context():
    """The `tf.distribute` replica context of a step that runs on several replicas."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def replica_sum(value):
    """`value` summed over the replicas, inside a replica's step; else `value`."""
    context = _replica_context()
    if context is None:
        return value
    return context.all_reduce("SUM", ops.stop_gradient(value))


def replica_share(value):
    """One replica's share of a loss every replica computes in full; else `value`."""
    context = _replica_context()
    if context is None:
        return value
    return value / context.num_replicas_in_sync


def mask_share(mask):
    """Loss weights for a replica's loss averaged over its own real steps (`mask`): the
    replica count times the replica's fraction of the global batch's real steps, on
    its real steps, so the replicas' losses sum to the global mean. `None` outside a
    step on several replicas, or without a mask."""
    context = _replica_context()
    if context is None or mask is None:
        return None
    mask = ops.cast(mask, "float32")
    real = ops.sum(mask)
    return mask * (context.num_replicas_in_sync * real / ops.maximum(replica_sum(real), 1.0))


def is_distributed(strategy):
    """Whether `strategy` trains on several replicas or several workers."""
    return strategy.num_replicas_in_sync > 1 or is_multi_worker(strategy)


def is_multi_worker(strategy):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` spanning several workers."""
    import tensorflow as tf

    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode()
    )


def _first_replica(value):
    import tensorflow as tf

    if isinstance(value, tf.distribute.DistributedValues):
        return value.values[0]
    return value


def _as_vector(value):
    return ops.reshape(value, (1,)) if len(value.shape) == 0 else value


class StrategyTrainer:
    """Mixin (before `keras.Model`) of our models: Keras 3 trains them under
    `MirroredStrategy` and `MultiWorkerMirroredStrategy`.

    keras-team/keras#20585: Keras's TensorFlow trainer
    1. builds the model from the first batch reduced across replicas with
       `strategy.reduce("MEAN", batch)`: under `MirroredStrategy` that turns int32
       token ids into float32 ("Unable to automatically build the model ... `source`
       must hold integer token ids"); under `MultiWorkerMirroredStrategy` it raises
       "Attempt to convert a value (PerReplica...) to a Tensor". Only the batch's
       structure, shapes and dtypes matter there: the first replica's batch is taken.
    2. reduces each step's logs with `strategy.reduce("MEAN", value, axis=0)` under
       `MultiWorkerMirroredStrategy`, which fails on the scalar logs ("Invalid reduction
       dimension 0 for input with 0 dimensions"): our steps return them as vectors of
       one, which that reduction averages back into scalars.
    Other Keras versions and backends run Keras's own methods unchanged.
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if iterator is not None and needs_workaround() and self._distribute_strategy is not None:
            for _, _, batches in iterator:
                data_batch = keras.tree.map_structure(_first_replica, next(batches))
                break
            iterator = None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def _make_function(self, step_function, *args, **kwargs):
        # Other backends' trainers take more arguments (JAX: `concatenate_outputs`).
        if needs_workaround() and is_multi_worker(self.distribute_strategy):

            def vector_logs_step(data):
                return keras.tree.map_structure(_as_vector, step_function(data))

            return super()._make_function(vector_logs_step, *args, **kwargs)
        return super()._make_function(step_function, *args, **kwargs)
