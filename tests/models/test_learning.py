"""Each topology learns a small generated task on CPU in seconds.

Chance levels: a balanced binary task has accuracy 0.5 and cross-entropy ln 2 = 0.69.
Measured on the 2-core development machine (seed 1234): sorted 0.99 accuracy (loss
0.02), parity 1.00, circle 0.98, sum regression MSE 0.0005 of the target variance; the
asserted floors leave room for other seeds and CPUs. About 20 s for the four.
"""

import math

import keras
import numpy as np
import pytest

from keras_seq.models import ManyToMany, ManyToOne, OneToOne

pytestmark = pytest.mark.backend_neutral


def padded(rows):
    ids = np.zeros((len(rows), max(map(len, rows))), "int32")
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
    return ids


def sorted_task(rng, count):
    rows, labels = [], []
    for index in range(count):
        row = rng.randint(1, 10, size=rng.randint(3, 8))
        if index % 2:
            row = np.sort(row)
        rows.append(row)
        labels.append(int(np.all(np.diff(row) >= 0)))
    return padded(rows), np.array(labels)


def test_many_to_one_learns_whether_a_sequence_is_sorted():
    rng = np.random.RandomState(0)
    x, y = sorted_task(rng, 3000)
    x_test, y_test = sorted_task(rng, 500)
    model = ManyToOne(vocab_size=10, embedding_dim=16, units=32, cell="gru", num_outputs=2)
    model.compile(
        keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, batch_size=64, epochs=8, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert loss < 0.3 * math.log(2)
    assert accuracy >= 0.93


def parity_task(rng, count):
    rows = [rng.randint(1, 3, size=rng.randint(4, 11)) for _ in range(count)]
    labels = [np.cumsum(row == 2) % 2 for row in rows]
    return padded(rows), padded(labels)  # labels at padding are masked out


def test_many_to_many_learns_running_parity():
    rng = np.random.RandomState(1)
    x, y = parity_task(rng, 3000)
    x_test, y_test = parity_task(rng, 500)
    model = ManyToMany(vocab_size=3, embedding_dim=8, units=32, cell="lstm", num_outputs=2)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=64, epochs=8, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(-1)
    real = x_test != 0
    accuracy = (predicted == y_test)[real].mean()
    assert accuracy >= 0.95
    assert model.evaluate(x_test, y_test, verbose=0) < 0.3 * math.log(2)


def test_one_to_one_learns_a_circle():
    rng = np.random.RandomState(2)
    points = rng.uniform(-1, 1, size=(4000, 2)).astype("float32")
    inside = (np.linalg.norm(points, axis=1) < 0.8).astype("int32")
    model = OneToOne(input_dim=2, units=32, num_layers=2, num_outputs=2)
    model.compile(
        keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(points[:3000], inside[:3000], batch_size=64, epochs=15, verbose=0)
    _, accuracy = model.evaluate(points[3000:], inside[3000:], verbose=0)
    assert accuracy >= 0.9


def test_many_to_one_regresses_a_sum_of_features():
    rng = np.random.RandomState(3)
    x = rng.uniform(-1, 1, size=(3000, 6, 1)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    model = ManyToOne(input_dim=1, units=32, cell="gru", num_outputs=1, head="linear")
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    model.fit(x[:2500], y[:2500], batch_size=64, epochs=10, verbose=0)
    mse = model.evaluate(x[2500:], y[2500:], verbose=0)
    assert mse < 0.05 * y.var()
