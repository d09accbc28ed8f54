"""Sutskever, Vinyals and Le (2014) at CPU scale: reversal, depth and beam width.

Trains attention-less LSTM encoder-decoders on Tatoeba English -> French and prints
one table: forward vs reversed source, 1 vs 2 vs 4 layers, greedy vs beam 2 vs beam
12, with test BLEU and perplexity.

Scale: the paper trained 4 x 1000 LSTMs for ten days on 12M WMT'14 sentence pairs
(348M French words) with 160k/80k vocabularies and reported forward 26.17 vs reversed
30.59 BLEU, and a test perplexity falling from 5.8 to 4.7 with reversal. Here the
models are ~40x smaller, trained for minutes on short Tatoeba sentences, so absolute
BLEU is not comparable; what this measures is the direction of each effect at this
scale (applications/README.md has the figures, including where they disagree with
the paper).

    python applications/paper_replication.py --epochs 5
    python applications/paper_replication.py --quick
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402

import keras_seq as ks  # noqa: E402  (sets the TensorFlow backend before Keras loads)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="fra")
    parser.add_argument(
        "--data",
        default=None,
        help="a local English<TAB>Other file, or a folder laid out like "
        "shared/data (default: $KERAS_SEQ_DATA, else download)",
    )
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-pairs", type=int, default=60000)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--output", default="paper-replication-run")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a CPU-minutes smoke run: small models, and only the forward "
        "and reversed 2-layer models",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.max_pairs, args.epochs, args.units, args.max_tokens = 20000, 3, 64, 5
        args.batch_size = 32
    return args


def train_model(args, train, source, target, num_layers, reverse_source):
    keras.utils.set_random_seed(args.seed)
    with _common.model_scope():
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(
                source.vocabulary_size,
                args.units,
                args.units,
                num_layers=num_layers,
                reverse_source=reverse_source,
            ),
            ks.layers.RNNDecoder(
                target.vocabulary_size, args.units, args.units, num_layers=num_layers
            ),
            max_length=args.max_tokens + 4,
        )
        model.compile(keras.optimizers.Adam(2e-3, global_clipnorm=5.0))
    model.fit(
        ks.data.seq2seq_dataset(train, source, target, args.batch_size, seed=args.seed),
        epochs=args.epochs,
        verbose=0,
        callbacks=_common.callbacks(),
    )
    return model


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    train, _, test = _common.load_pairs(args.lang, args.data, args.max_pairs, args.seed)
    source = ks.data.WordTokenizer(max_tokens=8000, min_frequency=2)
    target = ks.data.WordTokenizer(max_tokens=10000, min_frequency=2)
    source.adapt([s for s, _ in train])
    target.adapt([t for _, t in train])
    train = _common.short_pairs(train, source, target, args.max_tokens)
    test = _common.short_pairs(test, source, target, args.max_tokens)[:1000]
    sources, references = [s for s, _ in test], [t for _, t in test]
    print(
        f"{len(train)} training and {len(test)} test pairs of at most {args.max_tokens} "
        f"tokens; {args.units} units, {args.epochs} epochs per model"
    )

    def score(model, decoding):
        outputs = _common.translate(model, source, target, sources, decoding)
        return ks.metrics.corpus_bleu(outputs, references)

    rows, results = [], {}
    configurations = ((2, False), (2, True), (1, True), (4, True))
    for num_layers, reverse_source in configurations[: 2 if args.quick else None]:
        model = train_model(args, train, source, target, num_layers, reverse_source)
        name = f"{num_layers} layer{'s' if num_layers > 1 else ''}, " + (
            "reversed" if reverse_source else "forward"
        )
        ppl = _common.perplexity(model, source, target, test)
        # min_length=1: an empty translation is never the answer.
        methods = [("greedy", ks.decoding.GreedySearch(min_length=1))]
        if (num_layers, reverse_source) == (2, True):
            methods += [
                (f"beam {width}", ks.decoding.BeamSearch(beam_width=width, min_length=1))
                for width in (2, 12)
            ]
        for method, strategy in methods:
            bleu = score(model, strategy)
            results[name, method] = (bleu.score, ppl)
            rows.append((name, method, f"{bleu.score:.2f}", f"{ppl:.2f}"))
            print(
                f"  {name:<20} {method:<8} BLEU {bleu.score:6.2f}  perplexity {ppl:.2f}", flush=True
            )
    _common.print_table(["model (no attention)", "decoding", "test BLEU", "test perplexity"], rows)
    print(f"BLEU signature: {bleu.signature}; {time.time() - started:.0f} s in all")
    print(
        "Paper (WMT'14 En->Fr, 4 x 1000 LSTMs): forward 26.17 vs reversed 30.59 BLEU; "
        "test perplexity 5.8 -> 4.7 with reversal."
    )
    return results


if __name__ == "__main__":
    main()
