"""EpochLengthCallback and HalvingSchedule(steps_per_epoch=None) in real `fit` calls.

The models are tiny `Seq2Seq`s, which add the callback in their own `fit`. Datasets of
"unknown cardinality" are `filter`ed `tf.data.Dataset`s, as bucketed ones are.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_seq as ks
from keras_seq.callbacks import EpochLengthCallback
from keras_seq.callbacks.epoch_length import schedule_callbacks
from keras_seq.schedules import HalvingSchedule

SOURCE = np.tile([[5, 6, 7, 2]], (8, 1))
TARGET = np.tile([[7, 6, 5]], (8, 1))


def tiny_seq2seq(learning_rate, **compile_kwargs):
    model = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 4, 8), ks.layers.RNNDecoder(20, 4, 8))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), **compile_kwargs)
    return model


def unknown_cardinality_batches(batch_size=2):
    data = tf.data.Dataset.from_tensor_slices((SOURCE, TARGET)).filter(lambda s, t: True)
    data = data.batch(batch_size)
    assert data.cardinality() == tf.data.UNKNOWN_CARDINALITY
    return data


class RateOfTheStepTaken(keras.metrics.Metric):
    """The rate the compiled train step used: `schedule(iterations - 1)`, read in the
    step after the optimizer's update (when `iterations` has moved on)."""

    def __init__(self, optimizer):
        super().__init__(name="rate")
        self.optimizer = optimizer
        self.rate = self.add_variable((), "zeros", name="rate")

    def update_state(self, y_true, y_pred, sample_weight=None):
        schedule = self.optimizer._learning_rate
        self.rate.assign(schedule(self.optimizer.iterations - 1))

    def result(self):
        return self.rate


class RecordRates(keras.callbacks.Callback):
    """Per step: the optimizer's rate before the step, and the rate the step used.

    Keras also calls `on_train_batch_begin` before the call that finds the end of a
    dataset of unknown cardinality, so only steps that end are recorded."""

    def __init__(self):
        super().__init__()
        self.before_step, self.in_step = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self._before = float(self.model.optimizer.learning_rate)

    def on_train_batch_end(self, batch, logs=None):
        self.before_step.append(self._before)
        self.in_step.append(float(logs["rate"]))


def test_rate_halves_at_the_right_steps_of_a_real_fit():
    """8 pairs in batches of 2 make 4 steps per epoch, which Keras does not know:
    step 0-3 run at 0.7 while the callback counts, then the first halving is at
    epoch 1 (step 4) and the next ones every half epoch (2 steps)."""
    schedule = HalvingSchedule(0.7, start_epoch=1, period_epochs=0.5)
    optimizer = keras.optimizers.SGD(schedule)
    model = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 4, 8), ks.layers.RNNDecoder(20, 4, 8))
    # XLA: the train step is traced while the length is unknown and must see it change.
    model.compile(optimizer=optimizer, metrics=[RateOfTheStepTaken(optimizer)], jit_compile=True)
    record = RecordRates()
    model.fit(unknown_cardinality_batches(), epochs=3, verbose=0, callbacks=[record])
    expected = [0.7] * 4 + [0.35] * 2 + [0.175] * 2 + [0.0875] * 2 + [0.04375] * 2
    assert record.before_step == pytest.approx(expected)
    assert record.in_step == pytest.approx(expected)
    assert schedule.steps_per_epoch == 4


def test_without_xla_the_length_is_counted_in_the_schedules_steps():
    """Without XLA, Keras 3.15 also advances `iterations` on the call that finds the
    end of the data, so an epoch of 4 batches is 5 optimizer steps. The learned
    length is in those steps, so halvings on epoch boundaries stay there: the first
    one is at the first batch of epoch 2."""
    schedule = HalvingSchedule(0.7, start_epoch=1, period_epochs=0.5)
    optimizer = keras.optimizers.SGD(schedule)
    model = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 4, 8), ks.layers.RNNDecoder(20, 4, 8))
    model.compile(optimizer=optimizer, metrics=[RateOfTheStepTaken(optimizer)], jit_compile=False)
    record = RecordRates()
    model.fit(unknown_cardinality_batches(), epochs=2, verbose=0, callbacks=[record])
    assert schedule.steps_per_epoch == int(optimizer.iterations) // 2
    assert record.in_step[:5] == pytest.approx([0.7] * 4 + [0.35])


def test_known_epoch_length_is_set_before_the_first_step():
    schedule = HalvingSchedule(0.7, start_epoch=1, period_epochs=0.5)
    model = tiny_seq2seq(schedule)
    seen = []
    first_batch = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(schedule.steps_per_epoch)
    )
    # Arguments by position, up to `callbacks`, as keras.Model.fit takes them.
    model.fit(SOURCE, TARGET, 4, 2, 0, [first_batch])
    assert seen == [2, 2, 2, 2]
    assert float(model.optimizer.learning_rate) == pytest.approx(0.7 / 2**3)  # epoch 2


def test_learned_length_survives_saving_and_is_not_relearned(tmp_path):
    model = tiny_seq2seq(HalvingSchedule(0.7))
    model.fit(SOURCE, TARGET, batch_size=4, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    schedule = loaded.optimizer._learning_rate
    assert isinstance(schedule, HalvingSchedule) and schedule.steps_per_epoch == 2
    assert int(loaded.optimizer.iterations) == 2
    assert schedule_callbacks(loaded) == []
    # Another dataset does not change a known length: the epochs of a run stay equal.
    loaded.fit(SOURCE[:2], TARGET[:2], batch_size=2, verbose=0)
    assert schedule.steps_per_epoch == 2


def test_schedule_reads_its_length_in_a_compiled_function():
    schedule = HalvingSchedule(0.8, start_epoch=1, period_epochs=1)
    rate = tf.function(schedule, jit_compile=True)
    assert float(rate(tf.constant(25, "int64"))) == pytest.approx(0.8)  # length unknown
    schedule.steps_per_epoch = 10
    assert float(rate(tf.constant(25, "int64"))) == pytest.approx(0.2)  # epoch 2.5
    assert rate.experimental_get_tracing_count() == 1


def test_schedule_config_round_trip_and_steps_per_epoch_checks():
    schedule = HalvingSchedule(0.7, start_epoch=2, period_epochs=1)
    assert schedule.get_config()["steps_per_epoch"] is None
    schedule.steps_per_epoch = np.int64(10)  # e.g. from a dataset's cardinality
    clone = HalvingSchedule.from_config(schedule.get_config())
    assert clone.steps_per_epoch == 10 and type(clone.steps_per_epoch) is int
    assert float(clone(35)) == float(schedule(35)) == pytest.approx(0.7 / 4)
    with pytest.raises(ValueError, match="already 10.*steps_per_epoch=12"):
        schedule.steps_per_epoch = 12
    for bad in (0, True, 2.0, "3"):
        with pytest.raises(ValueError, match=f"steps_per_epoch={bad!r}"):
            HalvingSchedule(0.7, bad)
        with pytest.raises(ValueError, match=f"steps_per_epoch={bad!r}"):
            HalvingSchedule(0.7).steps_per_epoch = bad


def test_schedule_callbacks_adds_one_callback_only_where_needed():
    unknown = tiny_seq2seq(HalvingSchedule(0.7))
    assert [type(c) for c in schedule_callbacks(unknown)] == [EpochLengthCallback]
    assert schedule_callbacks(unknown, [keras.callbacks.History(), EpochLengthCallback()]) == []
    assert schedule_callbacks(tiny_seq2seq(HalvingSchedule(0.7, 100))) == []
    assert schedule_callbacks(tiny_seq2seq(0.1)) == []
    scaled = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 4, 8), ks.layers.RNNDecoder(20, 4, 8))
    scaled.compile(
        optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(HalvingSchedule(1.0)))
    )
    assert len(schedule_callbacks(scaled)) == 1
    uncompiled = ks.models.Seq2Seq(ks.layers.RNNEncoder(20, 4, 8), ks.layers.RNNDecoder(20, 4, 8))
    assert schedule_callbacks(uncompiled) == []


def test_callback_list_is_passed_on_untouched():
    schedule = HalvingSchedule(0.7)
    model = tiny_seq2seq(schedule)
    model.fit(
        SOURCE,
        TARGET,
        batch_size=4,
        verbose=0,
        callbacks=keras.callbacks.CallbackList(add_history=True, model=model),
    )
    assert schedule.steps_per_epoch is None


def test_errors_name_the_setting_that_cannot_work():
    early = tiny_seq2seq(HalvingSchedule(0.7, start_epoch=0.5))
    with pytest.raises(ValueError, match="start_epoch=0.5"):
        early.fit(unknown_cardinality_batches(), verbose=0)

    # A model trained 10 steps at 0.7 without the callback: the first halving of
    # 2-step epochs was due at step 6.
    late = tiny_seq2seq(HalvingSchedule(0.7, start_epoch=3))
    late.optimizer.iterations.assign(10)
    with pytest.raises(ValueError, match=r"ran 10 steps.*steps_per_epoch=2.*step 6"):
        late.fit(SOURCE, TARGET, batch_size=4, verbose=0)

    with pytest.raises(ValueError, match="learning_rate="):
        tiny_seq2seq(0.1).fit(SOURCE, TARGET, verbose=0, callbacks=[EpochLengthCallback()])
