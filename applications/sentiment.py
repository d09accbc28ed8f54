"""Sentence polarity (Pang & Lee's rt-polarity) with ManyToOne LSTM and GRU classifiers.

Four recurrent classifiers (LSTM or GRU, one direction or both) on the same fixed
80/10/10 split, each keeping its best epoch on the validation part, are scored on the
test part beside a bag-of-words logistic regression (scikit-learn, its regularisation
chosen on the same validation part) measured in the same run. The best recurrent model
is exported as a SavedModel that maps a string to label probabilities and is served
from a fresh process that imports only TensorFlow.

    python applications/sentiment.py --output sentiment-run
    python applications/sentiment.py --quick      # a CPU-minutes smoke run
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
from keras_seq.datasets import sentiment  # noqa: E402

LABELS = ["negative", "positive"]
EXAMPLES = [
    "a gorgeous , witty and deeply moving film .",
    "the plot is thin and the jokes fall flat .",
    "not as bad as i expected , but not good either .",
]
VARIANTS = [("lstm", False), ("lstm", True), ("gru", False), ("gru", True)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="rt-polarity", choices=sentiment.NAMES)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--units", type=int, default=96)
    parser.add_argument("--embedding-dim", type=int, default=128)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument(
        "--variants",
        default="all",
        help="comma-separated of lstm, bilstm, gru, bigru (default: all four)",
    )
    parser.add_argument(
        "--data", default=None, help="a folder laid out like shared/data ($KERAS_SEQ_DATA)"
    )
    parser.add_argument("--output", default="sentiment-run")
    parser.add_argument("--quick", action="store_true", help="a small unidirectional GRU, 3 epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.units, args.embedding_dim, args.variants = 3, 48, 64, "gru"
    return args


def variant_name(cell, bidirectional):
    return ("bi" if bidirectional else "") + cell


def bag_of_words_baseline(train, validation, test, seed):
    """Unigram+bigram counts and a logistic regression whose C is picked on validation."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(ngram_range=(1, 2), token_pattern=r"\S+")
    x_train = vectorizer.fit_transform(train[0])
    x_validation, x_test = vectorizer.transform(validation[0]), vectorizer.transform(test[0])
    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        classifier = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        classifier.fit(x_train, train[1])
        score = classifier.score(x_validation, validation[1])
        if best is None or score > best[0]:
            best = (score, c, classifier)
    validation_accuracy, c, classifier = best
    return classifier.score(x_test, test[1]), validation_accuracy, c


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    os.makedirs(args.output, exist_ok=True)
    train, validation, test = sentiment.load_data(
        args.corpus, split=(0.8, 0.1, 0.1), seed=args.seed, data_dir=args.data
    )
    tokenizer = ks.data.WordTokenizer(lowercase=True, min_frequency=2)
    tokenizer.adapt(train[0])
    print(
        f"{args.corpus}: {len(train[0])} training, {len(validation[0])} validation, "
        f"{len(test[0])} test sentences ({np.mean(test[1]):.1%} positive in test); "
        f"vocabulary {tokenizer.vocabulary_size} words"
    )

    train_data = ks.data.classification_dataset(
        train[0], train[1], tokenizer, args.batch_size, seed=args.seed
    )
    x_validation, x_test = tokenizer.encode(validation[0]), tokenizer.encode(test[0])
    wanted = VARIANTS if args.variants == "all" else None
    if wanted is None:
        names = args.variants.split(",")
        wanted = [v for v in VARIANTS if variant_name(*v) in names]
    rows, models = [], {}
    for cell, bidirectional in wanted:
        name = variant_name(cell, bidirectional)
        print(f"\n{name}: {'bidirectional ' if bidirectional else ''}{cell.upper()} classifier")
        keras.utils.set_random_seed(args.seed)
        with _common.model_scope():
            model = ks.models.ManyToOne(
                vocab_size=tokenizer.vocabulary_size,
                embedding_dim=args.embedding_dim,
                units=args.units,
                cell=cell,
                bidirectional=bidirectional,
                dropout=args.dropout,
                num_outputs=len(LABELS),
            )
            model.compile(
                keras.optimizers.Adam(1e-3),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
        history = model.fit(
            train_data,
            validation_data=(x_validation, validation[1]),
            epochs=args.epochs,
            callbacks=_common.callbacks(
                keras.callbacks.EarlyStopping(
                    monitor="val_accuracy",
                    mode="max",
                    patience=2,
                    restore_best_weights=True,
                )
            ),
            verbose=1,
        )
        _, accuracy = model.evaluate(x_test, test[1], verbose=0)
        best_epoch = int(np.argmax(history.history["val_accuracy"])) + 1
        rows.append((name, max(history.history["val_accuracy"]), accuracy, best_epoch))
        models[name] = model

    baseline, baseline_validation, c = bag_of_words_baseline(train, validation, test, args.seed)
    _common.print_table(
        ["model", "validation accuracy", "test accuracy", "best epoch"],
        [(n, f"{100 * v:.2f}%", f"{100 * t:.2f}%", e) for n, v, t, e in rows]
        + [
            (
                f"bag of words (1-2 grams), logistic regression C={c}",
                f"{100 * baseline_validation:.2f}%",
                f"{100 * baseline:.2f}%",
                "-",
            )
        ],
    )
    # The model to ship is the one that was best on validation, not on test.
    best_name, _, best_accuracy, _ = max(rows, key=lambda row: row[1])
    print(f"best on validation: {best_name} ({time.time() - started:.0f} s so far)")

    export_path = ks.export.export_text_model(
        models[best_name],
        os.path.join(args.output, "classifier"),
        tokenizer,
        labels=LABELS,
        overwrite=True,
    )
    served = _common.serve_in_fresh_process(export_path, EXAMPLES)
    print(
        f"SavedModel ({best_name}): {export_path}, served from a process that imports "
        "only TensorFlow:"
    )
    for text, label, probabilities in zip(EXAMPLES, served["labels"], served["probabilities"]):
        print(f"  {text!r} -> {label} (P(positive) = {probabilities[1]:.3f})")
    return _common.write_results(
        args.output,
        f"sentence polarity, {args.corpus}, fixed 80/10/10 split (seed {args.seed})",
        "accuracy",
        best_accuracy,
        baseline,
        True,
        started,
        model_name=best_name,
        models={
            n: {"validation": float(v), "test": float(t), "best_epoch": e} for n, v, t, e in rows
        },
        baseline_name=f"bag of words (1-2 grams), logistic regression, C={c}",
        served=served,
        export=export_path,
    )


if __name__ == "__main__":
    main()
