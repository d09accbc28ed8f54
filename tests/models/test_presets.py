import keras
import numpy as np
import pytest

from keras_seq.models import Seq2Seq
from keras_seq.schedules import HalvingSchedule


def test_sutskever2014_has_the_papers_layout():
    """384M parameters with 160k/80k vocabularies, 64M of them in the LSTMs (paper, sec. 3.4)."""
    model = Seq2Seq.from_preset("sutskever2014", 160_000, 80_000, steps_per_epoch=1000)
    model.build(((None, None), (None, None)))
    lstm_layer = 4 * 1000 * (1000 + 1000) + 4 * 1000  # input + recurrent kernels, biases
    embeddings = (160_000 + 80_000) * 1000
    softmax = 1000 * 80_000 + 80_000
    assert model.count_params() == embeddings + 8 * lstm_layer + softmax == 384_112_000
    lstm_weights = sum(
        int(np.prod(w.shape)) for w in model.trainable_weights if "lstm_cell" in w.path
    )
    assert lstm_weights == 8 * lstm_layer  # ~64M, 32M per side
    encoder, decoder = model.encoder, model.decoder
    assert encoder.reverse_source and encoder.num_layers == decoder.num_layers == 4
    assert decoder.attention is None and encoder.units == decoder.units == 1000
    kernel = model.encoder.embedding.embeddings.numpy()[:1000]
    assert -0.08 <= kernel.min() < -0.07 and 0.07 < kernel.max() <= 0.08
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum == 0
    assert optimizer.global_clipnorm == 5.0
    assert isinstance(optimizer._learning_rate, HalvingSchedule)


def test_sutskever2014_needs_steps_per_epoch():
    with pytest.raises(ValueError, match="steps_per_epoch"):
        Seq2Seq.from_preset("sutskever2014", 100, 100)


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
