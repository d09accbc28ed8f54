"""Sutskever, Vinyals and Le (2014), finding by finding, where each mechanism applies.

Every experiment trains the paper's recipe at CPU size: attention-less LSTM
encoder-decoders, uniform(-0.08, 0.08) initialisation, the paper's objective (each
sentence's summed cross-entropy, averaged over the batch: `SentenceCrossEntropy`),
plain SGD at 0.7 with the gradient norm clipped at 5 and the `HalvingSchedule` (the
paper halved the rate every half epoch after 5 of its 7.5 epochs; here an "epoch" is
`--steps / 7.5` batches, so the halving starts two thirds of the way through, as in
the paper), length-bucketed batches (`ks.data.seq2seq_dataset`). Greedy decoding
unless the experiment is about decoding.

Experiments (`--experiment NAME [NAME ...]`, or `all`; the real-data experiments run
in one process share one data load and reuse each other's trained models):

- `reversal_cipher`: forward vs reversed source at equal steps on a generated
  word-for-word cipher with small local reorderings (`cipher_pairs`), trained on
  lengths between the smallest and largest of `--lengths` and tested at each length:
  exact match, BLEU and perplexity per length bucket.
- `reversal_real`: the same comparison on Tatoeba French -> English pairs of 10-25
  words with a fixed vocabulary: test BLEU and perplexity.
- `depth`: 1, 2 and 4 layers, each trained for the same CPU time on the real task;
  the learning curves go to `OUTPUT/depth_curves.png`.
- `beam`: beam 1, 2, 4 and 12 on the reversed real-data model.
- `ensemble`: `ks.decoding.Ensemble` of `--members` reversed models (seeds 0, 1, ...)
  against its best member.
- `rescoring`: the forward model's 12-best lists reranked by the reversed model's
  `score` (`ks.decoding.rescore`), against the forward model's own first choice.

Each finding is written as rows `{"finding", "paper", "metric", "ours_baseline",
"ours_variant", "direction_reproduced", "notes"}` in `--results` (rows of the
experiments run replace their old rows; the others are kept). The paper trained 4 x
1000 LSTMs for ten days on 12M WMT'14 pairs; applications/README.md sets the figures
beside the paper's and states the differences in scale.

    python applications/paper_replication.py --experiment reversal_cipher
    python applications/paper_replication.py --experiment all --quick
"""

import argparse
import json
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_seq as ks  # noqa: E402  (sets the TensorFlow backend before Keras loads)
from keras_seq._atomic import atomic_path  # noqa: E402

EXPERIMENTS = ("reversal_cipher", "reversal_real", "depth", "beam", "ensemble", "rescoring")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
PAPER_REVERSAL = "forward 26.17 vs reversed 30.59 BLEU; test perplexity 5.8 -> 4.7"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--experiment",
        nargs="+",
        choices=(*EXPERIMENTS, "all"),
        default=["all"],
        help="one or more experiments, or all; the real-data ones share their models",
    )
    parser.add_argument("--quick", action="store_true", help="every experiment at toy size")
    parser.add_argument("--output", default="paper-replication-run", help="folder for the PNG")
    parser.add_argument(
        "--results",
        default=None,
        help="the JSON rows file (default: applications/results/paper_replication.json, "
        "or OUTPUT/paper_replication.json with --quick)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--units", type=int, default=128, help="embedding and LSTM size")
    parser.add_argument("--layers", type=int, default=2, help="layers of the reversal models")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1500, help="SGD steps per model")
    parser.add_argument("--learning-rate", type=float, default=0.7)
    parser.add_argument(
        "--loss",
        choices=("sentence", "token"),
        default="sentence",
        help="sentence: the paper's summed cross-entropy per sentence, averaged over the "
        "batch; token: keras-seq's default, the mean over real tokens",
    )
    cipher = parser.add_argument_group("reversal_cipher")
    cipher.add_argument("--lengths", default="10,20,40", help="test lengths; training spans them")
    cipher.add_argument("--cipher-vocab", type=int, default=100)
    cipher.add_argument("--train-examples", type=int, default=20000)
    cipher.add_argument("--test-examples", type=int, default=200, help="per length")
    real = parser.add_argument_group("real-data experiments")
    real.add_argument("--data", default=None, help="as in translation.py")
    real.add_argument("--lang", default="fra")
    real.add_argument("--min-words", type=int, default=10)
    real.add_argument("--max-words", type=int, default=25)
    real.add_argument("--max-pairs", type=int, default=None, help="Tatoeba pairs read")
    real.add_argument("--vocab", type=int, default=8000, help="fixed vocabulary per side")
    real.add_argument("--test-pairs", type=int, default=500)
    real.add_argument("--minutes", type=float, default=10.0, help="depth: CPU minutes per model")
    real.add_argument("--members", type=int, default=3, help="ensemble size")
    args = parser.parse_args(argv)
    # In the order given, each once; "all" is every experiment.
    chosen = EXPERIMENTS if "all" in args.experiment else args.experiment
    args.experiment = list(dict.fromkeys(chosen))
    if args.quick:
        args.units, args.layers, args.batch_size, args.steps = 16, 1, 16, 12
        args.lengths, args.cipher_vocab, args.train_examples, args.test_examples = "4,8", 20, 200, 8
        args.min_words, args.max_words, args.vocab, args.test_pairs = 6, 8, 300, 8
        args.max_pairs = 20000
        args.minutes, args.members = 0.02, 2
    if args.results is None:
        args.results = (
            os.path.join(args.output, "paper_replication.json")
            if args.quick
            else os.path.join(RESULTS, "paper_replication.json")
        )
    args.lengths = sorted(int(n) for n in args.lengths.split(","))
    return args


def cipher_pairs(num_examples, min_length, max_length, vocab_size, seed):
    """`(source, target)` strings of a seeded word-for-word cipher with local reorderings.

    Source words are `s0 ... s{vocab_size-1}`; each maps to one target word through a
    fixed random permutation. A source word whose index is a multiple of 5 (a
    "modifier", a fifth of the vocabulary) trades places with the word after it, so
    the alignment is monotone up to swaps of neighbours, like adjective-noun order
    between English and French. The lengths are uniform in `[min_length, max_length]`.
    The cipher depends only on `vocab_size`; the sentences on `seed` too.
    """
    permutation = random.Random(vocab_size).sample(range(vocab_size), vocab_size)
    rng = random.Random(seed)
    pairs = []
    for _ in range(num_examples):
        words = [rng.randrange(vocab_size) for _ in range(rng.randint(min_length, max_length))]
        target, i = [], 0
        while i < len(words):
            if words[i] % 5 == 0 and i + 1 < len(words):
                target += [words[i + 1], words[i]]
                i += 2
            else:
                target.append(words[i])
                i += 1
        pairs.append(
            (" ".join(f"s{w}" for w in words), " ".join(f"t{permutation[w]}" for w in target))
        )
    return pairs


class SentenceCrossEntropy(keras.losses.Loss):
    """The paper's objective: each sentence's summed token cross-entropy, averaged over
    the batch's sentences ("divided by 128", the batch size).

    keras-seq's default loss is the mean over real tokens, which makes every SGD step
    up to as many times smaller as a target has tokens: at the paper's rate of 0.7
    such models stay on the unigram plateau. Keras multiplies the values by the
    target padding mask (the sample weights) before the sum.
    """

    def __init__(self, name="sentence_cross_entropy", **kwargs):
        super().__init__(name=name, reduction="sum", **kwargs)

    def call(self, y_true, y_pred):
        token_losses = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=True
        )
        return token_losses / keras.ops.cast(keras.ops.shape(y_true)[0], token_losses.dtype)


class TimeLimit(keras.callbacks.Callback):
    """Stops `fit` once `seconds` of this process's CPU time (all threads) have passed
    since the first batch ended (so tracing is not counted), and logs `(seconds, mean
    loss)` every `every` batches.

    CPU time, not wall time: on a shared machine the models compared would otherwise
    get whatever share of the cores the other jobs left them at the time. With
    `schedule` (a `HalvingSchedule` laid out in seconds: its "steps" are CPU seconds),
    the optimizer's rate follows the schedule through the time budget, so a model
    that runs more steps in the same time still halves its rate only from two thirds
    of the budget on, as a slower one does.
    """

    def __init__(self, seconds=None, every=20, schedule=None):
        super().__init__()
        self.seconds, self.every, self.schedule, self.curve = seconds, every, schedule, []

    def on_train_begin(self, logs=None):
        self.started, self._totals = None, [0.0]

    def on_train_batch_begin(self, batch, logs=None):
        if self.schedule is not None:
            elapsed = 0.0 if self.started is None else time.process_time() - self.started
            self.model.optimizer.learning_rate.assign(float(self.schedule(elapsed)))

    def on_train_batch_end(self, batch, logs=None):
        # Keras logs the running mean of the epoch's loss; the curve wants each
        # window's own mean, the difference of consecutive running totals.
        self._totals.append(float(logs["loss"]) * (batch + 1))
        if self.started is None:
            self.started = time.process_time()
        if (batch + 1) % self.every == 0:
            window = (self._totals[-1] - self._totals[-1 - self.every]) / self.every
            self.curve.append((time.process_time() - self.started, window))
        if self.seconds is not None and time.process_time() - self.started > self.seconds:
            self.model.stop_training = True


class Task:
    """Tokenizers, training pairs and test sets of one task, and its trained models."""

    def __init__(self, args, train, tests, source, target, max_length):
        self.args, self.train, self.tests = args, train, tests
        self.source, self.target, self.max_length = source, target, max_length
        self.models, self.curves = {}, {}

    def model(self, num_layers, reverse_source, seed=0, seconds=None):
        """The model trained with these settings (trained once, then reused)."""
        key = (num_layers, reverse_source, seed, seconds)
        if key not in self.models:
            self.models[key] = self._train(num_layers, reverse_source, seed, seconds)
        return self.models[key]

    def _train(self, num_layers, reverse_source, seed, seconds):
        args = self.args
        keras.utils.set_random_seed(args.seed + seed)
        initializer = keras.initializers.RandomUniform(-0.08, 0.08)
        # A time-limited run does not know its number of steps: its halving is laid out
        # over its CPU seconds instead, and applied by `TimeLimit`.
        period = seconds if seconds else args.steps
        schedule = ks.schedules.HalvingSchedule(
            args.learning_rate, steps_per_epoch=max(1, round(period / 7.5))
        )
        with _common.model_scope():
            model = ks.models.Seq2Seq(
                ks.layers.RNNEncoder(
                    self.source.vocabulary_size,
                    args.units,
                    args.units,
                    num_layers=num_layers,
                    reverse_source=reverse_source,
                    initializer=initializer,
                ),
                ks.layers.RNNDecoder(
                    self.target.vocabulary_size,
                    args.units,
                    args.units,
                    num_layers=num_layers,
                    initializer=initializer,
                ),
                max_length=self.max_length,
            )
            rate = args.learning_rate if seconds else schedule
            loss = SentenceCrossEntropy() if args.loss == "sentence" else None
            model.compile(keras.optimizers.SGD(rate, global_clipnorm=5.0), loss=loss)
        batches = ks.data.seq2seq_dataset(
            self.train, self.source, self.target, args.batch_size, seed=args.seed + seed
        ).repeat()
        limit = TimeLimit(
            seconds, every=max(1, args.steps // 50), schedule=schedule if seconds else None
        )
        started = time.time()
        model.fit(
            batches,
            epochs=1,
            # A time-limited run may take more steps than --steps; the limit stops it.
            steps_per_epoch=args.steps * (100 if seconds else 1),
            verbose=0,
            callbacks=_common.callbacks(limit),
        )
        steps = int(model.optimizer.iterations.numpy())
        name = f"{num_layers} layer(s), {'reversed' if reverse_source else 'forward'}, seed {seed}"
        print(f"  trained {name}: {steps} steps in {time.time() - started:.0f} s", flush=True)
        self.curves[num_layers, reverse_source, seed, seconds] = limit.curve
        return model

    def evaluate(self, model, pairs, decoding="greedy"):
        """Exact match (%), BLEU and teacher-forced perplexity of `model` on `pairs`."""
        sources, references = [s for s, _ in pairs], [t for _, t in pairs]
        outputs = _common.translate(model, self.source, self.target, sources, decoding)
        exact = 100.0 * np.mean([o == r for o, r in zip(outputs, references)])
        bleu = ks.metrics.corpus_bleu(outputs, references).score
        return {"exact match": exact, "BLEU": bleu, "perplexity": self.perplexity(model, pairs)}

    def perplexity(self, model, pairs):
        """exp(-sum of reference log-probabilities / reference tokens), end tokens counted."""
        targets = keras.ops.convert_to_numpy(self.target.encode([t for _, t in pairs]))
        scores = model.score(self.source.encode([s for s, _ in pairs]), targets)
        return float(np.exp(-np.sum(scores) / np.count_nonzero(targets)))


def cipher_task(args):
    low, high = args.lengths[0], args.lengths[-1]
    train = cipher_pairs(args.train_examples, low, high, args.cipher_vocab, args.seed)
    tests = {
        length: cipher_pairs(args.test_examples, length, length, args.cipher_vocab, 1000 + length)
        for length in args.lengths
    }
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in train])
    target.adapt([t for _, t in train])
    return Task(args, train, tests, source, target, max_length=high + 2)


def real_task(args):
    # Tatoeba rows are (English, French); the paper's direction here is French -> English.
    train, _, test = _common.load_pairs(args.lang, args.data, args.max_pairs, args.seed)
    train, test = [(o, e) for e, o in train], [(o, e) for e, o in test]
    source = ks.data.WordTokenizer(max_tokens=args.vocab)
    target = ks.data.WordTokenizer(max_tokens=args.vocab)
    source.adapt([s for s, _ in train])
    target.adapt([t for _, t in train])

    def in_range(pairs):
        def words(tokenizer, texts):
            ids = keras.ops.convert_to_numpy(tokenizer.encode(texts))
            return (ids != 0).sum(axis=1) - 1

        s = words(source, [p[0] for p in pairs])
        t = words(target, [p[1] for p in pairs])
        keep = (s >= args.min_words) & (s <= args.max_words)
        keep &= (t >= args.min_words) & (t <= args.max_words)
        return [pair for pair, k in zip(pairs, keep) if k]

    train, test = in_range(train), in_range(test)[: args.test_pairs]
    print(
        f"real task: {len(train)} training and {len(test)} test pairs of "
        f"{args.min_words}-{args.max_words} words, vocabularies of {args.vocab}"
    )
    return Task(args, train, {"test": test}, source, target, max_length=args.max_words + 2)


def row(finding, paper, metric, baseline, variant, notes, lower_is_better=False):
    # Compared as written: a difference below the last digit kept is no difference.
    baseline, variant = round(float(baseline), 2), round(float(variant), 2)
    better = variant < baseline if lower_is_better else variant > baseline
    return {
        "finding": finding,
        "paper": paper,
        "metric": metric,
        "ours_baseline": baseline,
        "ours_variant": variant,
        "direction_reproduced": bool(better),
        "notes": notes,
    }


def scale(args, task):
    return (
        f"{args.layers} x {args.units} LSTM, {args.steps} SGD steps of {args.batch_size}, "
        f"{len(task.train)} training pairs"
    )


def reversal(args, task, finding):
    forward = task.model(args.layers, False)
    reversed_ = task.model(args.layers, True)
    rows = []
    for bucket, pairs in task.tests.items():
        ours_forward = task.evaluate(forward, pairs)
        ours_reversed = task.evaluate(reversed_, pairs)
        where = f"length {bucket}" if isinstance(bucket, int) else f"{len(pairs)} test pairs"
        for metric in ("exact match", "BLEU", "perplexity"):
            rows.append(
                row(
                    f"{finding}, {where}: reversed source beats forward",
                    PAPER_REVERSAL,
                    f"{metric} (greedy)" if metric != "perplexity" else metric,
                    ours_forward[metric],
                    ours_reversed[metric],
                    f"baseline forward, variant reversed; {scale(args, task)}",
                    lower_is_better=metric == "perplexity",
                )
            )
    return rows


def depth(args, task):
    seconds = 60 * args.minutes
    rows, curves = [], {}
    perplexities = {}
    for num_layers in (1, 2, 4):
        model = task.model(num_layers, True, seconds=seconds)
        perplexities[num_layers] = task.perplexity(model, task.tests["test"])
        curves[num_layers] = task.curves[num_layers, True, 0, seconds]
    for deeper in (2, 4):
        rows.append(
            row(
                f"depth at equal compute: {deeper} layers beat 1",
                "each added layer cut perplexity by nearly 10%; 4 layers used",
                "test perplexity",
                perplexities[1],
                perplexities[deeper],
                f"baseline 1 layer, variant {deeper}; each {args.minutes:g} CPU min after its "
                f"first step, {args.units} units, reversed source; the rate halves from "
                "two thirds of each model's CPU time on, every fifteenth of it after",
                lower_is_better=True,
            )
        )
    plot_curves(curves, os.path.join(args.output, "depth_curves.png"), args.loss)
    return rows


def plot_curves(curves, path, loss):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for num_layers, curve in curves.items():
        if curve:
            seconds, losses = zip(*curve)
            axes.plot(seconds, losses, label=f"{num_layers} layer{'s' * (num_layers > 1)}")
    axes.set(
        xlabel="CPU seconds (all threads)",
        ylabel=f"training cross-entropy per {'sentence' if loss == 'sentence' else 'token'}",
        title="Depth at equal compute",
    )
    axes.legend()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    print(f"learning curves: {path}")


def beam(args, task):
    model, pairs = task.model(args.layers, True), task.tests["test"]
    bleu = {
        width: task.evaluate(model, pairs, ks.decoding.BeamSearch(width, min_length=1))["BLEU"]
        for width in (1, 2, 4, 12)
    }
    share = (bleu[2] - bleu[1]) / (bleu[12] - bleu[1]) if bleu[12] != bleu[1] else math.nan
    return [
        row(
            f"beam {width} beats beam 1",
            "5 reversed LSTMs: beam 1 33.00, beam 2 34.50, beam 12 34.81 BLEU",
            "test BLEU",
            bleu[1],
            bleu[width],
            f"reversed {args.layers}-layer model; beam 2 holds {share:.0%} of beam 12's gain"
            if width == 2
            else f"reversed {args.layers}-layer model",
        )
        for width in (2, 4, 12)
    ]


def ensemble(args, task):
    members = [task.model(args.layers, True, seed=seed) for seed in range(args.members)]
    pairs = task.tests["test"]
    alone = [task.evaluate(member, pairs) for member in members]
    together = task.evaluate(ks.decoding.Ensemble(members), pairs)
    best_bleu = max(m["BLEU"] for m in alone)
    best_perplexity = min(m["perplexity"] for m in alone)
    notes = f"{args.members} reversed {args.layers}-layer models (seeds), greedy; vs best member"
    paper = "single reversed 30.59 -> 5 reversed LSTMs 34.81 BLEU (beam 12)"
    return [
        row("an ensemble beats its best member", paper, "test BLEU", best_bleu,
            together["BLEU"], notes),
        row("an ensemble beats its best member", paper, "test perplexity", best_perplexity,
            together["perplexity"], notes, lower_is_better=True),
    ]  # fmt: skip


def rescoring(args, task):
    weaker, stronger = task.model(args.layers, False), task.model(args.layers, True)
    pairs = task.tests["test"]
    sources, references = [s for s, _ in pairs], [t for _, t in pairs]
    n_best = _common.translate(
        weaker, task.source, task.target, sources, ks.decoding.BeamSearch(12, num_return=12)
    )
    ranked = ks.decoding.rescore(stronger, task.source, task.target, sources, n_best)
    own = [candidates[0] for candidates in n_best]
    rescored = [candidates[0][0] for candidates in ranked]
    return [
        row(
            "rescoring an n-best list with a second model beats its first choice",
            "SMT baseline 33.30 -> 36.5 BLEU rescoring its 1000-best with 5 reversed LSTMs",
            "test BLEU",
            ks.metrics.corpus_bleu(own, references).score,
            ks.metrics.corpus_bleu(rescored, references).score,
            f"12-best of the forward {args.layers}-layer model, reranked by the reversed one",
        )
    ]


def write_rows(path, rows):
    """Replaces the rows of the findings in `rows` in the JSON file at `path`, atomically."""
    kept = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as file:
            kept = json.load(file)
    findings = {r["finding"] for r in rows}
    merged = [r for r in kept if r["finding"] not in findings] + rows
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(merged, file, indent=2)
            file.write("\n")
    print(f"results: {path}")


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    rows, real = [], None
    for name in args.experiment:
        print(f"experiment {name}", flush=True)
        if name == "reversal_cipher":
            rows += reversal(args, cipher_task(args), "cipher")
            continue
        real = real or real_task(args)
        if name == "reversal_real":
            rows += reversal(args, real, f"Tatoeba fra->en {args.min_words}-{args.max_words} words")
        else:
            rows += {"depth": depth, "beam": beam, "ensemble": ensemble, "rescoring": rescoring}[
                name
            ](args, real)
    _common.print_table(
        ["finding", "metric", "ours baseline", "ours variant", "reproduced"],
        [
            (r["finding"], r["metric"], r["ours_baseline"], r["ours_variant"],
             r["direction_reproduced"])
            for r in rows
        ],
    )  # fmt: skip
    write_rows(args.results, rows)
    print(f"{time.time() - started:.0f} s in all")
    return rows


if __name__ == "__main__":
    main()
