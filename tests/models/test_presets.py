import keras
import numpy as np
import pytest

from keras_seq.models import Seq2Seq
from keras_seq.presets import sutskever2014
from keras_seq.schedules import HalvingSchedule


def sutskever2014_param_count(source_vocab_size, target_vocab_size):
    """Embeddings of 1000, 4 LSTM layers of 1000 per side, softmax over the targets."""
    lstm_layer = 4 * 1000 * (1000 + 1000) + 4 * 1000  # input + recurrent kernels, biases
    embeddings = (source_vocab_size + target_vocab_size) * 1000
    softmax = 1000 * target_vocab_size + target_vocab_size
    return embeddings + 8 * lstm_layer + softmax


@pytest.fixture(scope="module")
def sutskever2014_small():
    """The real preset (64M parameters, in the LSTMs) with vocabularies of 50 and 60."""
    return Seq2Seq.from_preset("sutskever2014", source_vocab_size=50, target_vocab_size=60)


def test_sutskever2014_has_the_papers_layout(sutskever2014_small):
    """384M parameters with 160k/80k vocabularies, 64M of them in the LSTMs (paper, sec. 3.4)."""
    assert sutskever2014_param_count(160_000, 80_000) == 384_112_000
    model = sutskever2014_small
    assert model.built and model.count_params() == sutskever2014_param_count(50, 60)
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    summary = "\n".join(lines)
    assert "Total params: 64,202,060" in summary
    assert "32,066,000" in summary and "32,136,060" in summary
    # Encoder rows come before decoder rows (Keras numbers layer names per process).
    assert 0 < summary.index("(RNNEncoder)") < summary.index("(RNNDecoder)")
    lstm_layer = 4 * 1000 * (1000 + 1000) + 4 * 1000
    lstm_weights = sum(
        int(np.prod(w.shape)) for w in model.trainable_weights if "lstm_cell" in w.path
    )
    assert lstm_weights == 8 * lstm_layer  # ~64M, 32M per side
    encoder, decoder = model.encoder, model.decoder
    assert encoder.reverse_source and encoder.num_layers == decoder.num_layers == 4
    assert decoder.attention is None and encoder.units == decoder.units == 1000
    kernel = model.encoder.embedding.embeddings.numpy()
    assert -0.08 <= kernel.min() < -0.07 and 0.07 < kernel.max() <= 0.08
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum == 0
    assert optimizer.global_clipnorm == 5.0
    schedule = optimizer._learning_rate
    assert isinstance(schedule, HalvingSchedule) and schedule.steps_per_epoch is None
    assert (schedule.initial_learning_rate, schedule.start_epoch) == (0.7, 5)
    assert schedule.period_epochs == 0.5


def test_sutskever2014_fit_trains_and_learns_the_epoch_length(sutskever2014_small):
    """The user story's call: no `steps_per_epoch`, no callback; a batch of 2, 2 steps."""
    model = sutskever2014_small
    softmax_bias = next(w for w in model.decoder.weights if w.path.endswith("logits/bias"))
    before = softmax_bias.numpy().copy()
    source = np.array([[5, 6, 7, 2], [8, 9, 2, 0], [5, 9, 2, 0], [7, 2, 0, 0]])
    target = np.array([[7, 6, 5], [9, 8, 0], [9, 5, 0], [7, 0, 0]])
    history = model.fit(source, target, batch_size=2, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(model.optimizer.iterations) == 2
    assert model.optimizer._learning_rate.steps_per_epoch == 2
    assert not np.allclose(softmax_bias.numpy(), before)


def test_sutskever2014_takes_steps_per_epoch_as_an_override():
    _, _, optimizer = sutskever2014(100, 100, steps_per_epoch=1000)
    assert optimizer._learning_rate.steps_per_epoch == 1000


def test_luong2015_trains_and_unknown_names_fail():
    model = Seq2Seq.from_preset("luong2015", 20, 20, max_length=5)
    source = np.array([[4, 5, 2], [6, 2, 0]])
    history = model.fit(source, np.array([[5, 4], [6, 0]]), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="name='bahdanau2015'"):
        Seq2Seq.from_preset("bahdanau2015", 20, 20)


def test_halving_schedule():
    schedule = HalvingSchedule(0.7, steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 49, 50, 54, 55, 60, 75)]
    assert rates == pytest.approx([0.7, 0.7, 0.35, 0.35, 0.175, 0.0875, 0.7 / 2**6])
    clone = HalvingSchedule.from_config(schedule.get_config())
    assert float(clone(57)) == float(schedule(57))
    with pytest.raises(ValueError, match="steps_per_epoch=0"):
        HalvingSchedule(0.7, 0)
