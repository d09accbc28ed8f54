"""English -> French (or German, ...) translation on Tatoeba pairs with a Seq2Seq + attention.

Trains with validation BLEU (`BleuCallback`) and keeps the best checkpoint
(`ModelCheckpoint(monitor="val_bleu")`), then reports test BLEU for greedy and beam
search (2, 4, 8; with and without length penalty), exports a string-to-string
SavedModel and plots attention alignments.

    python applications/translation.py --epochs 10 --output translation-run
    python applications/translation.py --quick      # a CPU-minutes smoke run

With `--ensemble N`, N models are trained from different seeds (fixed epochs, no
checkpoint) and `keras_seq.decoding.Ensemble` of them is compared with each model
alone: test BLEU (greedy, beam 4) and test perplexity from teacher-forced scores.

    python applications/translation.py --ensemble 2 --epochs 6 --output ensemble-run
    python applications/translation.py --ensemble 2 --quick   # seconds: the CI variant
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
    parser.add_argument(
        "--lang", default="fra", help="manythings.org Anki language code (fra, deu, spa, ...)"
    )
    parser.add_argument(
        "--data",
        default=None,
        help="a local English<TAB>Other file, or a folder laid out like "
        "shared/data (default: $KERAS_SEQ_DATA, else download)",
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-pairs", type=int, default=None)
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=12,
        help="keep pairs whose sides have at most this many tokens",
    )
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--output", default="translation-run")
    parser.add_argument(
        "--quick", action="store_true", help="small data and model, 2 epochs: a smoke run for CI"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--ensemble",
        type=int,
        default=0,
        metavar="N",
        help="train N models (seeds seed..seed+N-1) and compare their ensemble with each",
    )
    args = parser.parse_args(argv)
    if args.ensemble == 1 or args.ensemble < 0:
        parser.error(f"--ensemble needs at least 2 models. Received: {args.ensemble}")
    if args.quick and args.ensemble:
        args.max_pairs, args.epochs, args.units, args.max_tokens = 20000, 2, 64, 5
        args.batch_size = 64
    elif args.quick:
        args.max_pairs, args.epochs, args.units, args.max_tokens = 30000, 5, 128, 6
        args.batch_size = 32
    return args


def build_model(source_vocabulary, target_vocabulary, units, max_length):
    with _common.model_scope():
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(source_vocabulary, units // 2, units // 2, bidirectional=True),
            ks.layers.RNNDecoder(
                target_vocabulary, units // 2, units, attention="luong", dropout=0.2
            ),
            max_length=max_length,
        )
        model.compile(keras.optimizers.Adam(2e-3, global_clipnorm=5.0), metrics=["accuracy"])
    return model


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    train, validation, test = _common.load_pairs(args.lang, args.data, args.max_pairs, args.seed)
    source = ks.data.WordTokenizer(max_tokens=12000, min_frequency=2)
    target = ks.data.WordTokenizer(max_tokens=16000, min_frequency=2)
    source.adapt([s for s, _ in train])
    target.adapt([t for _, t in train])
    train, validation, test = (
        _common.short_pairs(part, source, target, args.max_tokens)
        for part in (train, validation, test)
    )
    test = test[: 200 if args.quick and args.ensemble else 1000]
    print(
        f"{args.lang}: {len(train)} training, {len(validation)} validation, {len(test)} "
        f"test pairs of at most {args.max_tokens} tokens; vocabularies "
        f"{source.vocabulary_size} / {target.vocabulary_size}"
    )

    if args.ensemble:
        return compare_ensemble(args, train, test, source, target)
    model = build_model(
        source.vocabulary_size, target.vocabulary_size, args.units, max_length=args.max_tokens + 4
    )
    untrained_bleu = ks.metrics.corpus_bleu(
        _common.translate(model, source, target, [s for s, _ in test], "greedy"),
        [t for _, t in test],
    ).score
    checkpoint = os.path.join(args.output, "best.keras")
    history = model.fit(
        ks.data.seq2seq_dataset(train, source, target, args.batch_size, seed=args.seed),
        epochs=args.epochs,
        callbacks=_common.callbacks(
            ks.callbacks.BleuCallback(
                [s for s, _ in validation],
                [t for _, t in validation],
                source_tokenizer=source,
                target_tokenizer=target,
                decoding="greedy",
                max_samples=500,
                num_examples=2,
            ),
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor="val_bleu", mode="max", save_best_only=True
            ),
        ),
        verbose=2,
    )
    model = keras.models.load_model(checkpoint)

    sources, references = [s for s, _ in test], [t for _, t in test]
    # min_length=1: an empty translation is never the answer, however likely the model
    # finds an immediate end token.
    strategies = [("greedy", ks.decoding.GreedySearch(min_length=1))]
    for width in (2, 4, 8):
        strategies.append((f"beam {width}", ks.decoding.BeamSearch(width, min_length=1)))
    strategies.append(
        (
            "beam 4, length penalty 0.6",
            ks.decoding.BeamSearch(4, length_penalty=0.6, min_length=1),
        )
    )
    results, signature = [], None
    for name, strategy in strategies:
        bleu = ks.metrics.corpus_bleu(
            _common.translate(model, source, target, sources, strategy), references
        )
        signature = bleu.signature
        results.append((name, bleu.score))
    _common.print_table(
        ["decoding", "test BLEU"],
        [(name, f"{score:.2f}") for name, score in results]
        + [("untrained model, greedy", f"{untrained_bleu:.2f}")],
    )
    print(f"BLEU signature: {signature}")
    print(
        f"best validation BLEU {max(history.history['val_bleu']):.2f}; "
        f"trained in {time.time() - started:.0f} s"
    )

    export_path = ks.export.export_text_model(
        model,
        os.path.join(args.output, "translator"),
        source,
        target,
        decoding=ks.decoding.BeamSearch(beam_width=4),
        overwrite=True,
    )
    examples = list(dict.fromkeys(sources))[:3]
    heatmap = ks.plotting.plot_attention(
        model, source, target, examples, os.path.join(args.output, "attention.png")
    )
    print(f"SavedModel: {export_path}\nattention heat maps: {heatmap}")
    return {
        "bleu": dict(results),
        "untrained_bleu": untrained_bleu,
        "export": export_path,
        "heatmap": heatmap,
    }


def test_perplexity(model, source, target, test):
    """exp of minus the mean teacher-forced log-probability of the reference tokens
    (end included), from `score`: the same figure for a model and an ensemble."""
    source_ids = keras.ops.convert_to_numpy(source.encode([s for s, _ in test]))
    target_ids = keras.ops.convert_to_numpy(target.encode([t for _, t in test]))
    total = model.score(source_ids, target_ids, batch_size=128).sum()
    return float(np.exp(-total / np.count_nonzero(target_ids)))


def compare_ensemble(args, train, test, source, target):
    """Trains `args.ensemble` models from different seeds; compares their ensemble with
    each model alone on the test set."""
    started = time.time()
    models = []
    for index in range(args.ensemble):
        seed = args.seed + index
        keras.utils.set_random_seed(seed)
        model = build_model(
            source.vocabulary_size,
            target.vocabulary_size,
            args.units,
            max_length=args.max_tokens + 4,
        )
        model.fit(
            ks.data.seq2seq_dataset(train, source, target, args.batch_size, seed=seed),
            epochs=args.epochs,
            callbacks=_common.callbacks(),
            verbose=2,
        )
        models.append((f"model {index + 1} (seed {seed})", model))
    models.append((f"ensemble of {args.ensemble}", ks.decoding.Ensemble([m for _, m in models])))
    sources, references = [s for s, _ in test], [t for _, t in test]
    strategies = {
        "greedy": ks.decoding.GreedySearch(min_length=1),
        "beam 4": ks.decoding.BeamSearch(4, min_length=1),
    }
    results = {}
    for name, model in models:
        results[name] = {"perplexity": test_perplexity(model, source, target, test)}
        for label, strategy in strategies.items():
            outputs = _common.translate(model, source, target, sources, strategy)
            results[name][label] = ks.metrics.corpus_bleu(outputs, references).score
    _common.print_table(
        ["model", "test BLEU, greedy", "test BLEU, beam 4", "test perplexity"],
        [
            (name, f"{row['greedy']:.2f}", f"{row['beam 4']:.2f}", f"{row['perplexity']:.2f}")
            for name, row in results.items()
        ],
    )
    print(f"{len(test)} test pairs; trained and scored in {time.time() - started:.0f} s")
    return results


if __name__ == "__main__":
    main()
