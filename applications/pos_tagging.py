"""Part-of-speech tagging (UPOS) on UD English EWT with a stacked bidirectional LSTM.

A `ManyToMany` tagger (one tag per word) trained on the official train split, with the
best epoch on the dev split kept, over a vocabulary that maps unknown words to classes
of their spelling (`WordTokenizer(unknown_classes=True)`). It is scored on the test
split against the most-frequent-tag-per-word baseline (measured in the same run),
then exported as a SavedModel that maps a sentence string to its tags and served from
a fresh process that imports only TensorFlow.

    python applications/pos_tagging.py --output pos-run
    python applications/pos_tagging.py --quick      # a CPU-minutes smoke run
    python applications/pos_tagging.py --quick --head crf   # a CRF over the tags
"""

import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_seq as ks  # noqa: E402  (sets the TensorFlow backend before Keras loads)
from keras_seq.datasets import ud  # noqa: E402

EXAMPLES = [
    "The quick brown fox jumps over the lazy dog .",
    "I can not believe she booked a flight to Paris for Monday !",
    "Can you book me a table at the new sushi place ?",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--units", type=int, default=128, help="LSTM units per direction")
    parser.add_argument("--embedding-dim", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument(
        "--head",
        choices=["softmax", "crf"],
        default="softmax",
        help="a softmax per word, or a linear-chain CRF over the sentence's tags",
    )
    parser.add_argument(
        "--word-dropout",
        type=float,
        default=0.1,
        help="fraction of training words replaced by their unknown-word class (or [UNK]), "
        "so the model learns to tag unknown words from their spelling and context",
    )
    parser.add_argument(
        "--no-unknown-classes",
        dest="unknown_classes",
        action="store_false",
        help="map every unknown word to [UNK], not to a class of its spelling "
        "(WordTokenizer(unknown_classes=True): shape and last three letters)",
    )
    parser.add_argument(
        "--min-frequency",
        type=int,
        default=1,
        help="words seen fewer times in training are left out of the vocabulary",
    )
    parser.add_argument(
        "--max-train", type=int, default=None, help="use the first N training sentences"
    )
    parser.add_argument(
        "--data", default=None, help="a folder laid out like shared/data ($KERAS_SEQ_DATA)"
    )
    parser.add_argument("--output", default="pos-run")
    parser.add_argument(
        "--quick", action="store_true", help="3,000 sentences, a small model, 4 epochs"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.max_train, args.epochs, args.units, args.embedding_dim, args.layers = (
            3000,
            4,
            64,
            64,
            1,
        )
    return args


def most_frequent_tag_baseline(train_words, train_tags):
    """Most frequent tag per word form in training; the overall most frequent tag else."""
    counts = collections.defaultdict(collections.Counter)
    overall = collections.Counter()
    for words, tags in zip(train_words, train_tags):
        for word, tag in zip(words, tags):
            counts[word][tag] += 1
            overall[tag] += 1
    best = {word: tags.most_common(1)[0][0] for word, tags in counts.items()}
    default = overall.most_common(1)[0][0]
    return lambda word: best.get(word, default)


def with_word_dropout(tokenizer, rate, seed=None):
    """A `tf.data` map replacing a `rate` fraction of the training words with what
    they would be if unknown (`[UNK]`, or their class with `unknown_classes`)."""

    def drop(words, tags):
        dropped = tf.random.uniform(tf.shape(words), seed=seed) < rate
        return tf.where(dropped & (words != 0), tokenizer.unknown_ids(words), words), tags

    return drop


def unknown_word_ids(tokenizer):
    """A bool array over the ids: True for `[UNK]` and the unknown-word classes."""
    return np.array([t == "[UNK]" or t.startswith("[UNK:") for t in tokenizer.get_vocabulary()])


def tag_batches(model, dataset, tokenizer):
    """Accuracy over all words and over words outside the vocabulary, and how many
    of those there were."""
    is_unknown = unknown_word_ids(tokenizer)
    correct = total = unknown_correct = unknown_total = 0
    for words, tags in dataset:
        predicted = np.argmax(model(words, training=False), axis=-1)
        real = words.numpy() != 0
        right = (predicted == tags.numpy()) & real
        unknown = is_unknown[words.numpy()] & real
        correct += right.sum()
        total += real.sum()
        unknown_correct += (right & unknown).sum()
        unknown_total += unknown.sum()
    return correct / total, unknown_correct / max(unknown_total, 1), int(unknown_total)


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    (train_words, train_tags), (dev_words, dev_tags), (test_words, test_tags) = ud.load_data(
        "en_ewt", data_dir=args.data
    )
    if args.max_train:
        train_words, train_tags = train_words[: args.max_train], train_tags[: args.max_train]
    tag_names = list(ud.UPOS_TAGS)
    # Word dropout, not a frequency cut, teaches the model what to do with a word it
    # does not know: the baseline knows every training word, and so does the tagger.
    tokenizer = ks.data.WordTokenizer(
        min_frequency=args.min_frequency, unknown_classes=args.unknown_classes
    )
    tokenizer.adapt(train_words)
    classes = int(unknown_word_ids(tokenizer).sum()) - 1  # [UNK] itself is no class
    print(
        f"UD English EWT: {len(train_words)} training, {len(dev_words)} dev, "
        f"{len(test_words)} test sentences ({sum(map(len, test_words))} test words); "
        f"vocabulary {tokenizer.vocabulary_size} ids ({classes} unknown-word classes)"
    )

    def batches(words, tags, training):
        data = ks.data.tagging_dataset(
            words, tags, tokenizer, tag_names, args.batch_size, shuffle=training, seed=args.seed
        )
        if training and args.word_dropout:
            data = data.map(with_word_dropout(tokenizer, args.word_dropout, args.seed))
        return data.prefetch(tf.data.AUTOTUNE)

    train, dev, test = (
        batches(train_words, train_tags, True),
        batches(dev_words, dev_tags, False),
        batches(test_words, test_tags, False),
    )
    with _common.model_scope():
        model = ks.models.ManyToMany(
            vocab_size=tokenizer.vocabulary_size,
            embedding_dim=args.embedding_dim,
            units=args.units,
            num_layers=args.layers,
            bidirectional=True,
            dropout=args.dropout,
            num_outputs=len(tag_names),
            head=args.head,
        )
        model.compile(
            keras.optimizers.Adam(2e-3, global_clipnorm=5.0),
            # The CRF head trains on its own negative log-likelihood.
            loss=None if args.head == "crf" else "sparse_categorical_crossentropy",
            weighted_metrics=["accuracy"],
        )
    checkpoint = os.path.join(args.output, "best.weights.h5")
    history = model.fit(
        train,
        validation_data=dev,
        epochs=args.epochs,
        callbacks=_common.callbacks(
            keras.callbacks.ModelCheckpoint(
                checkpoint,
                monitor="val_accuracy",
                mode="max",
                save_best_only=True,
                save_weights_only=True,
            ),
            keras.callbacks.ReduceLROnPlateau(monitor="val_accuracy", mode="max", patience=1),
        ),
        verbose=1,
    )
    model.load_weights(checkpoint)

    accuracy, unknown_accuracy, unknown_words = tag_batches(model, test, tokenizer)
    baseline = most_frequent_tag_baseline(train_words, train_tags)
    vocabulary = set(tokenizer.get_vocabulary())
    pairs = [(w, t) for words, tags in zip(test_words, test_tags) for w, t in zip(words, tags)]
    baseline_accuracy = np.mean([baseline(w) == t for w, t in pairs])
    unseen = [(w, t) for w, t in pairs if w not in vocabulary]
    baseline_unknown = np.mean([baseline(w) == t for w, t in unseen])
    _common.print_table(
        ["tagger", "test UPOS accuracy", f"on the {unknown_words} out-of-vocabulary words"],
        [
            (
                f"BiLSTM tagger, {args.head} head",
                f"{100 * accuracy:.2f}%",
                f"{100 * unknown_accuracy:.2f}%",
            ),
            (
                "most frequent tag per word",
                f"{100 * baseline_accuracy:.2f}%",
                f"{100 * baseline_unknown:.2f}%",
            ),
        ],
    )
    best_epoch = int(np.argmax(history.history["val_accuracy"])) + 1
    print(
        f"best dev accuracy {100 * max(history.history['val_accuracy']):.2f}% (epoch "
        f"{best_epoch}); trained and scored in {time.time() - started:.0f} s"
    )

    export_path = ks.export.export_text_model(
        model,
        os.path.join(args.output, "tagger"),
        tokenizer,
        labels=tag_names,
        overwrite=True,
    )
    served = _common.serve_in_fresh_process(export_path, EXAMPLES)
    print(f"SavedModel: {export_path}, served from a process that imports only TensorFlow:")
    for tokens, tags in zip(served["tokens"], served["tags"]):
        print("  " + " ".join(f"{w}/{t}" for w, t in zip(tokens.split(), tags.split())))
    return _common.write_results(
        args.output,
        "UPOS tagging, UD English EWT test split",
        "accuracy",
        accuracy,
        baseline_accuracy,
        True,
        started,
        unknown_word_accuracy=float(unknown_accuracy),
        baseline_unknown_word_accuracy=float(baseline_unknown),
        best_dev_accuracy=float(max(history.history["val_accuracy"])),
        best_epoch=best_epoch,
        head=args.head,
        served=served,
        export=export_path,
    )


if __name__ == "__main__":
    main()
