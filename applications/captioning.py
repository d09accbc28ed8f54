"""Image captioning (OneToMany) on generated images of coloured shapes.

A small CNN is first trained to say which caption words an image holds (a multi-label
sigmoid over the vocabulary); its last convolutional feature map, flattened so that
it keeps where things are, is the vector a `OneToMany` LSTM decoder captions. Test
captions are scored by BLEU and exact match, greedy vs beam search, against the most
frequent training caption given to every image (measured in the same run), and a PNG
grid shows test images with their generated captions.

Two-shape captions are ambiguous by construction: "a red circle left of a blue square"
and "a blue square right of a red circle" describe the same picture, and the data
picks one at random, so no captioner can match every reference exactly; the table
also counts a caption right when it is the reference's other wording.

    python applications/captioning.py --output captioning-run
    python applications/captioning.py --quick      # a CPU-minutes smoke run
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
from keras_seq.datasets import shapes  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8000)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--encoder-epochs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--units", type=int, default=192)
    parser.add_argument("--output", default="captioning-run")
    parser.add_argument(
        "--quick", action="store_true", help="2,500 images, 4 + 6 epochs, a smaller decoder"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.examples, args.encoder_epochs, args.epochs, args.units = 2500, 4, 6, 128
    return args


def build_encoder(image_size, vocabulary_size):
    """A small CNN: `features` (the flattened last feature map) and a word-presence head."""
    images = keras.Input((image_size, image_size, 3))
    x = keras.layers.Rescaling(1 / 255)(images)
    for filters in (32, 48, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 1, activation="relu")(x)
    features = keras.layers.Flatten(name="features")(x)
    words = keras.layers.Dense(vocabulary_size, activation="sigmoid")(
        keras.layers.Dense(128, activation="relu")(features)
    )
    return keras.Model(images, words), keras.Model(images, features)


_INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}


def mirrored(caption):
    """The other way to say a two-shape caption ("A left of B" -> "B right of A"), or
    the caption itself for one shape."""
    for relation, inverse in _INVERSE.items():
        first, separator, second = caption.partition(f" {relation} ")
        if separator:
            return f"{second} {inverse} {first}"
    return caption


def bag_of_words(tokenizer, captions):
    ids = keras.ops.convert_to_numpy(tokenizer.encode(captions, add_end=False))
    present = np.zeros((len(captions), tokenizer.vocabulary_size), np.float32)
    for row, caption_ids in enumerate(ids):
        present[row, caption_ids[caption_ids > 0]] = 1.0
    return present


def caption_grid(images, references, generated, path, columns=4):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.6 * rows))
    for axis in axes.flat:
        axis.axis("off")
    for axis, image, reference, caption in zip(axes.flat, images, references, generated):
        axis.imshow(image, interpolation="nearest")
        # green: the reference; blue: the reference's other wording; red: wrong.
        colour = (
            "darkgreen"
            if caption == reference
            else "royalblue"
            if caption == mirrored(reference)
            else "firebrick"
        )
        axis.set_title(f"{caption}\n(truth: {reference})", fontsize=8, color=colour)
    figure.tight_layout()
    with _common.atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)
    return path


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = shapes.load_data(
        args.examples, image_size=args.image_size, seed=args.seed
    )
    tokenizer = ks.data.WordTokenizer()
    tokenizer.adapt(train_y)
    print(
        f"shapes: {len(train_y)} training, {len(val_y)} validation, {len(test_y)} test "
        f"images of {args.image_size}x{args.image_size}; vocabulary "
        f"{tokenizer.vocabulary_size} words, {len(set(train_y))} distinct training captions"
    )

    print("\nimage encoder: a CNN trained to say which caption words an image holds")
    with _common.model_scope():
        classifier, encoder = build_encoder(args.image_size, tokenizer.vocabulary_size)
        classifier.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    classifier.fit(
        train_x,
        bag_of_words(tokenizer, train_y),
        batch_size=args.batch_size,
        epochs=args.encoder_epochs,
        validation_data=(val_x, bag_of_words(tokenizer, val_y)),
        verbose=2,
        callbacks=_common.callbacks(),
    )
    train_f, val_f, test_f = (encoder.predict(x, verbose=0) for x in (train_x, val_x, test_x))

    print(f"\ncaption decoder: OneToMany on the {train_f.shape[1]} image features")
    with _common.model_scope():
        decoder_model = ks.models.OneToMany(
            ks.layers.RNNDecoder(tokenizer.vocabulary_size, 32, args.units, dropout=0.2),
            input_dim=train_f.shape[1],
            max_length=16,
        )
        decoder_model.compile(
            keras.optimizers.Adam(2e-3, global_clipnorm=5.0), metrics=["accuracy"]
        )
    target = lambda captions: tokenizer.encode(captions, add_end=False)  # noqa: E731
    decoder_model.fit(
        train_f,
        target(train_y),
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(val_f, target(val_y)),
        verbose=2,
        callbacks=_common.callbacks(),
    )

    rows, outputs = [], {}
    for name, strategy in (
        ("greedy", ks.decoding.GreedySearch()),
        ("beam 4", ks.decoding.BeamSearch(4)),
    ):
        captions, _ = ks.TextGenerator(decoder_model, tokenizer, decoding=strategy)(test_f)
        outputs[name] = captions
        bleu = ks.metrics.corpus_bleu(captions, test_y).score
        exact = np.mean([c == r for c, r in zip(captions, test_y)])
        either = np.mean([c in (r, mirrored(r)) for c, r in zip(captions, test_y)])
        rows.append((name, bleu, exact, either))
    values, counts = np.unique(train_y, return_counts=True)
    frequent = str(values[np.argmax(counts)])
    baseline_bleu = ks.metrics.corpus_bleu([frequent] * len(test_y), test_y).score
    baseline_exact = np.mean([frequent == r for r in test_y])
    _common.print_table(
        ["captioner", "test BLEU", "exact match", "exact match, either wording"],
        [
            (name, f"{bleu:.2f}", f"{100 * exact:.1f}%", f"{100 * either:.1f}%")
            for name, bleu, exact, either in rows
        ]
        + [
            (
                f"most frequent caption ({frequent!r})",
                f"{baseline_bleu:.2f}",
                f"{100 * baseline_exact:.1f}%",
                f"{100 * baseline_exact:.1f}%",
            )
        ],
    )
    single = [
        i
        for i, r in enumerate(test_y)
        if " of " not in r and " above " not in r and " below " not in r
    ]
    single_exact = np.mean([outputs["greedy"][i] == test_y[i] for i in single])
    print(f"greedy exact match on the {len(single)} one-shape images: {100 * single_exact:.1f}%")
    grid = caption_grid(
        test_x[:12],
        test_y[:12],
        outputs["greedy"][:12],
        os.path.join(args.output, "captions.png"),
    )
    print(f"caption grid (greedy): {grid}")
    return _common.write_results(
        args.output,
        "image captioning, generated shapes",
        "BLEU (greedy)",
        rows[0][1],
        baseline_bleu,
        True,
        started,
        rows={
            name: {"bleu": bleu, "exact_match": float(exact), "either_wording": float(either)}
            for name, bleu, exact, either in rows
        },
        baseline_caption=frequent,
        baseline_exact_match=float(baseline_exact),
        one_shape_exact_match=float(single_exact),
        examples=list(zip(test_y[:12], outputs["greedy"][:12])),
        grid=grid,
    )


if __name__ == "__main__":
    main()
