"""One-to-one vs many-to-one on scikit-learn's handwritten digits (8x8 images, 10 classes).

The degenerate topology, kept honest: a `OneToOne` classifier reads each digit as one
64-value vector (its recurrent layer runs a single step, so it is a gated
feed-forward layer), beside a `ManyToOne` that reads the same digit row by row as a
sequence of 8 steps of 8 pixels. Both are compared with a logistic regression
(scikit-learn, its regularisation chosen on the validation part) on the same fixed
split, measured in the same run.

    python applications/one_to_one.py --output one-to-one-run
    python applications/one_to_one.py --quick      # a CPU-seconds smoke run
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_seq as ks  # noqa: E402  (sets the TensorFlow backend before Keras loads)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--output", default="one-to-one-run")
    parser.add_argument("--quick", action="store_true", help="15 epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 15
    return args


def load_digits(seed):
    """Pixels scaled to [0, 1], split 60/20/20 (stratified, fixed seed)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
    x_train, x_rest, y_train, y_rest = train_test_split(
        x, y, test_size=0.4, stratify=y, random_state=seed
    )
    x_val, x_test, y_val, y_test = train_test_split(
        x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=seed
    )
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def logistic_regression(train, validation, test, seed):
    from sklearn.linear_model import LogisticRegression

    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0, 30.0):
        model = LogisticRegression(C=c, max_iter=5000, random_state=seed).fit(*train)
        score = model.score(*validation)
        if best is None or score > best[0]:
            best = (score, c, model)
    return best[2].score(*test), best[1]


def train(make, train_data, validation, args, as_rows):
    shape = (lambda x: x.reshape(-1, 8, 8)) if as_rows else (lambda x: x)
    with _common.model_scope():
        model = make()
        model.compile(
            keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    model.fit(
        shape(train_data[0]),
        train_data[1],
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(shape(validation[0]), validation[1]),
        callbacks=_common.callbacks(
            keras.callbacks.EarlyStopping(
                monitor="val_accuracy", mode="max", patience=10, restore_best_weights=True
            )
        ),
        verbose=2,
    )
    return model, shape


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    os.makedirs(args.output, exist_ok=True)
    train_data, validation, test = load_digits(args.seed)
    print(
        f"digits: {len(train_data[1])} training, {len(validation[1])} validation, "
        f"{len(test[1])} test images of 8x8 pixels"
    )
    rows = []
    for name, as_rows, make in (
        (
            "OneToOne (64 pixels, one step)",
            False,
            lambda: ks.models.OneToOne(input_dim=64, units=args.units, num_outputs=10),
        ),
        (
            "ManyToOne (8 rows of 8 pixels)",
            True,
            lambda: ks.models.ManyToOne(input_dim=8, units=args.units, num_outputs=10),
        ),
    ):
        print(f"\n{name}")
        keras.utils.set_random_seed(args.seed)
        model, shape = train(make, train_data, validation, args, as_rows)
        _, accuracy = model.evaluate(shape(test[0]), test[1], verbose=0)
        rows.append((name, accuracy))
    baseline, c = logistic_regression(train_data, validation, test, args.seed)
    _common.print_table(
        ["classifier", "test accuracy"],
        [(name, f"{100 * accuracy:.2f}%") for name, accuracy in rows]
        + [(f"logistic regression on the 64 pixels (C={c})", f"{100 * baseline:.2f}%")],
    )
    return _common.write_results(
        args.output,
        "digit classification, scikit-learn digits (8x8), fixed 60/20/20 split",
        "accuracy (OneToOne)",
        rows[0][1],
        baseline,
        True,
        started,
        many_to_one=float(rows[1][1]),
        baseline_name=f"logistic regression, C={c}",
        chance=0.1,
    )


if __name__ == "__main__":
    main()
