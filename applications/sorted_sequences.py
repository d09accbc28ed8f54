"""Many-to-one classification on generated data: is a sequence of digits sorted?

The smallest application: it needs no download. It generates its data, trains a
bidirectional GRU `ManyToOne` classifier with Keras progress bars, prints a results
table, and saves the model as `.keras` and as a SavedModel.

    python applications/sorted_sequences.py --epochs 5 --output sorted-demo
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402  (after keras_seq, which picks the backend)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_seq as ks  # sets the TensorFlow backend before Keras is imported


def make_examples(rng, count, max_length=10):
    """Random digit sequences (ids 1-9, 0 is padding); every other one sorted."""
    ids = np.zeros((count, max_length), "int32")
    labels = np.zeros(count, "int32")
    for index in range(count):
        row = rng.randint(1, 10, size=rng.randint(3, max_length + 1))
        if index % 2:
            row = np.sort(row)
        ids[index, : len(row)] = row
        labels[index] = int(np.all(np.diff(row) >= 0))
    return ids, labels


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--examples", type=int, default=8000)
    parser.add_argument("--output", default="sorted-demo", help="folder for the saved models")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    x_train, y_train = make_examples(rng, args.examples)
    x_test, y_test = make_examples(rng, 1000)
    train = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=args.seed)
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )

    with _common.model_scope():
        model = ks.models.ManyToOne(
            vocab_size=10,
            embedding_dim=16,
            units=32,
            cell="gru",
            bidirectional=True,
            num_outputs=2,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(1e-2),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    model.fit(
        train, epochs=args.epochs, validation_data=(x_test, y_test), callbacks=_common.callbacks()
    )
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

    os.makedirs(args.output, exist_ok=True)
    keras_path = os.path.join(args.output, "sorted.keras")
    export_path = os.path.join(args.output, "sorted_savedmodel")
    with _common.atomic_path(keras_path) as temporary:
        model.save(temporary)
    with _common.atomic_path(export_path, directory=True) as temporary:
        model.export(temporary, verbose=False)
    reloaded = tf.saved_model.load(export_path)  # keep it referenced: it owns the weights
    served = reloaded.serve(tf.constant(x_test[:5]))

    print("\n| metric | value |\n| --- | --- |")
    print(f"| test accuracy (chance 0.50) | {test_accuracy:.3f} |")
    print(f"| test cross-entropy (chance 0.693) | {test_loss:.3f} |")
    print(f"| saved | {keras_path}, {export_path} |")
    print("\nSavedModel predictions on five test sequences:")
    for ids, probabilities, label in zip(x_test[:5], served.numpy(), y_test[:5]):
        digits = " ".join(str(d) for d in ids if d)
        print(f"  {digits:<20} sorted: p={probabilities[1]:.2f}  (truth: {bool(label)})")
    return test_accuracy


if __name__ == "__main__":
    main()
