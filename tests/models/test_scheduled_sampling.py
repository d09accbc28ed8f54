"""Scheduled sampling: the schedules' values, p = 0 is teacher forcing, p = 1 feeds the
argmax (checked against a manual computation), the step is the optimizer's, configs."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from keras_seq.layers import RNNDecoder, RNNEncoder
from keras_seq.models import OneToMany, Seq2Seq
from keras_seq.models.scheduled_sampling import ScheduledSampling, pick
from keras_seq.models.teacher_forcing import masked_cross_entropy, teacher_forcing_pair
from keras_seq.schedules import (
    ConstantSchedule,
    ExponentialSchedule,
    InverseSigmoidSchedule,
    LinearSchedule,
)

pytestmark = pytest.mark.backend_neutral

VOCAB = 12
SOURCE = np.array([[3, 4, 5, 6, 7], [8, 9, 10, 2, 0], [11, 5, 3, 0, 0], [4, 4, 9, 10, 11]])
TARGET = np.array([[5, 6, 7, 8], [9, 3, 4, 0], [10, 11, 0, 0], [3, 3, 4, 5]])
FULL_TARGET = np.array([[5, 6, 7, 8], [9, 3, 4, 4], [10, 11, 3, 6], [3, 3, 4, 5]])
# The three ways the decoder runs: parallel, and the two loops over steps.
DECODERS = {
    "parallel": {"attention": "luong"},
    "bahdanau": {"attention": "bahdanau"},
    "input_feeding": {"attention": "luong", "input_feeding": True},
}


WIDE = keras.initializers.RandomUniform(-1.0, 1.0, seed=7)


def seq2seq(decoder="parallel", schedule=None, feed="argmax"):
    sampling = None if schedule is None else ScheduledSampling(schedule, feed=feed, seed=3)
    model = Seq2Seq(
        RNNEncoder(VOCAB, 4, 8),
        # Wide initial weights: peaked predictions, far from teacher forcing's.
        RNNDecoder(VOCAB, 4, 8, initializer=WIDE, **DECODERS[decoder]),
        scheduled_sampling=sampling,
        max_length=6,
    )
    model.build()
    return model


def copy_weights(source_model, model):
    for name in ("encoder", "bridge", "decoder"):
        getattr(model, name).set_weights(getattr(source_model, name).get_weights())


def argmax_but_padding(logits):
    return np.argmax(np.asarray(logits)[..., 1:], axis=-1) + 1


def two_passes(model, conditions, decoder_inputs):
    """The parallel decoder's logits at p = 1, computed by hand: the second pass reads
    the first pass's argmax of the previous position (padding stays padding)."""
    start = model.decoder_start(conditions)
    predicted = argmax_but_padding(model.decoder(decoder_inputs, **start))
    mixed = np.concatenate([decoder_inputs[:, :1], predicted[:, :-1]], axis=1)
    mixed = np.where(decoder_inputs != 0, mixed, 0)
    assert (mixed != decoder_inputs).any()
    return ops.convert_to_numpy(model.decoder(mixed, **start))


@pytest.mark.parametrize(
    ("schedule", "steps", "expected"),
    [
        # p(i) = 1 - epsilon_i, with the paper's epsilon_i, computed by hand.
        (ConstantSchedule(0.3), (0, 10**6), (0.3, 0.3)),
        (LinearSchedule(0.01), (0, 25, 100, 500), (0.0, 0.25, 1.0, 1.0)),
        (
            LinearSchedule(0.01, offset=0.9, min_teacher_probability=0.2),
            (0, 30, 70, 90),
            (0.1, 0.4, 0.8, 0.8),
        ),
        (ExponentialSchedule(0.5), (0, 1, 2, 10), (0.0, 0.5, 0.75, 1 - 2**-10)),
        (
            InverseSigmoidSchedule(10.0),
            (0, 10, 10 * math.log(10.0), 100),
            (1 / 11, 1 - 10 / (10 + math.e), 0.5, 1 - 10 / (10 + math.exp(10))),
        ),
        (InverseSigmoidSchedule(1.0), (0, 1), (0.5, 1 - 1 / (1 + math.e))),
    ],
)
def test_schedule_values(schedule, steps, expected):
    got = [float(schedule(step)) for step in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # The optimizer's iterations are an int variable.
    np.testing.assert_allclose(
        float(schedule(keras.Variable(steps[-1], dtype="int64"))),
        expected[-1],
        rtol=1e-5,
        atol=1e-6,
    )
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ConstantSchedule(1.5), "probability"),
        (lambda: LinearSchedule(0.0), "slope"),
        (lambda: LinearSchedule(0.1, min_teacher_probability=-1), "min_teacher_probability"),
        (lambda: ExponentialSchedule(1.0), "`k`"),
        (lambda: InverseSigmoidSchedule(0.5), "`k`"),
        (lambda: ScheduledSampling(ConstantSchedule(0.5), feed="beam"), "feed"),
    ],
)
def test_bad_settings_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_types_are_refused():
    with pytest.raises(TypeError, match="schedule"):
        ScheduledSampling(0.5)
    with pytest.raises(TypeError, match="scheduled_sampling"):
        seq2seq(schedule=None).__class__(
            RNNEncoder(VOCAB, 4, 8), RNNDecoder(VOCAB, 4, 8), scheduled_sampling=0.5
        )


def test_a_parallel_decoder_refuses_feedback():
    model = seq2seq("parallel", ConstantSchedule(1.0))
    with pytest.raises(ValueError, match="feedback"):
        model.decoder(np.array([[1, 5]]), **model.decoder_start(SOURCE[:1]), feedback=pick)


@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_probability_zero_is_teacher_forcing(decoder):
    """The same training logits, so the same loss, as without scheduled sampling."""
    sampled = seq2seq(decoder, ConstantSchedule(0.0))
    decoder_inputs, _ = teacher_forcing_pair(TARGET, sampled.start_id, sampled.end_id)
    got = sampled((SOURCE, decoder_inputs), training=True)
    want = sampled((SOURCE, decoder_inputs), training=False)
    np.testing.assert_array_equal(ops.convert_to_numpy(got), ops.convert_to_numpy(want))


def test_probability_zero_trains_as_teacher_forcing():
    """Through `fit`: the same losses, and the same weights up to float rounding."""
    sampled = seq2seq("input_feeding", ConstantSchedule(0.0))
    plain = seq2seq("input_feeding")
    copy_weights(sampled, plain)
    losses = []
    for model in (sampled, plain):
        model.compile(keras.optimizers.SGD(0.5))
        history = model.fit(SOURCE, TARGET, batch_size=2, shuffle=False, verbose=0)
        losses.append(history.history["loss"])
    assert losses[0] == losses[1]
    for got, want in zip(sampled.decoder.get_weights(), plain.decoder.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-7)


def test_probability_one_feeds_the_first_pass_argmax_to_the_parallel_decoder():
    model = seq2seq("parallel", ConstantSchedule(1.0))
    decoder_inputs, _ = teacher_forcing_pair(TARGET, model.start_id, model.end_id)
    got = model((SOURCE, decoder_inputs), training=True)
    want = two_passes(model, SOURCE, decoder_inputs)
    np.testing.assert_allclose(ops.convert_to_numpy(got), want, atol=1e-6)


@pytest.mark.parametrize("decoder", ["bahdanau", "input_feeding"])
def test_probability_one_makes_a_loop_decoder_read_its_own_argmax(decoder):
    """p = 1 is greedy decoding for the target's length: checked with `step`."""
    model = seq2seq(decoder, ConstantSchedule(1.0))
    decoder_inputs, _ = teacher_forcing_pair(FULL_TARGET, model.start_id, model.end_id)
    got = ops.convert_to_numpy(model((SOURCE, decoder_inputs), training=True))

    state, constants = model.decoder.start(len(SOURCE), **model.decoder_start(SOURCE))
    token = ops.convert_to_tensor(decoder_inputs[:, 0])
    want = []
    for _ in range(decoder_inputs.shape[1]):
        logits, state = model.decoder.step(token, state, constants)
        want.append(ops.convert_to_numpy(logits))
        token = ops.convert_to_tensor(argmax_but_padding(logits).astype("int32"))
    np.testing.assert_allclose(got, np.stack(want, axis=1), atol=1e-5)
    teacher_forced = ops.convert_to_numpy(model((SOURCE, decoder_inputs), training=False))
    assert not np.allclose(got, teacher_forced, atol=1e-3)


def test_sampled_feed_follows_the_softmax_and_skips_padding():
    logits = np.log(np.array([[0.9, 0.1, 0.3, 0.6]], "float32"))  # id 0 is padding
    layer = ScheduledSampling(ConstantSchedule(1.0), feed="sample", seed=5)
    from keras_seq.models.scheduled_sampling import _gumbel

    noise = _gumbel((20000, 4), layer.seed_generator)
    tokens = ops.convert_to_numpy(pick(np.repeat(logits, 20000, axis=0), noise))
    counts = np.bincount(tokens, minlength=4) / len(tokens)
    np.testing.assert_allclose(counts, [0.0, 0.1, 0.3, 0.6], atol=0.015)


def test_the_step_is_the_optimizer_iterations():
    """With a learning rate of 0 the weights stay; the schedule goes from p = 0 at step
    0 to p = 1 at step 1, so the two epochs' losses are teacher forcing, then p = 1."""
    model = seq2seq("parallel", LinearSchedule(1.0))
    decoder_inputs, labels = teacher_forcing_pair(TARGET, model.start_id, model.end_id)
    teacher_forced = model((SOURCE, decoder_inputs), training=False)
    sampled = two_passes(model, SOURCE, decoder_inputs)
    want = [float(masked_cross_entropy(labels, logits)) for logits in (teacher_forced, sampled)]
    assert abs(want[0] - want[1]) > 0.01

    model.compile(keras.optimizers.SGD(0.0))
    history = model.fit(SOURCE, TARGET, batch_size=len(SOURCE), epochs=2, verbose=0)
    np.testing.assert_allclose(history.history["loss"], want, rtol=1e-5)


def test_one_to_many_reads_its_argmax_too():
    decoder = RNNDecoder(VOCAB, 4, 8, conditioning_dim=8, initializer=WIDE)
    model = OneToMany(
        decoder, num_classes=3, every_step=True, scheduled_sampling=ConstantSchedule(1.0)
    )
    labels = np.array([0, 1, 2, 1])
    decoder_inputs, _ = teacher_forcing_pair(TARGET, model.start_id, model.end_id)
    got = ops.convert_to_numpy(model((labels, decoder_inputs), training=True))
    np.testing.assert_allclose(got, two_passes(model, labels, decoder_inputs), atol=1e-6)


def test_config_and_keras_file_round_trip(tmp_path):
    sampling = ScheduledSampling(InverseSigmoidSchedule(50.0), feed="sample", seed=4)
    model = Seq2Seq(
        RNNEncoder(VOCAB, 4, 8),
        RNNDecoder(VOCAB, 4, 8),
        scheduled_sampling=sampling,
        max_length=6,
        decoding="greedy",
    )
    model.build()
    config = model.get_config()
    assert Seq2Seq.from_config(config).get_config() == config
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.scheduled_sampling, ScheduledSampling)
    assert loaded.scheduled_sampling.get_config() == sampling.get_config()
    np.testing.assert_array_equal(loaded.generate(SOURCE), model.generate(SOURCE))
    # Off by default, and saved as off.
    assert (
        Seq2Seq(RNNEncoder(VOCAB, 4, 8), RNNDecoder(VOCAB, 4, 8)).get_config()["scheduled_sampling"]
        is None
    )
