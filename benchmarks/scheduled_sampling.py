"""Does scheduled sampling close part of the exposure-bias gap on the dates task?

Trains the same small date-normalisation Seq2Seq twice, from the same seed and data
order: with teacher forcing only, and with scheduled sampling (linear ramp of the
sampling probability from 0 to `--max-probability` over the run). On the held-out
dates it reports, for each: the teacher-forced token accuracy (the model reads the
gold prefix), the greedy token accuracy (it reads its own outputs), their difference
(the exposure-bias gap), greedy exact match, exact match on the quarter of dates
with the longest human-written inputs, and the greedy accuracy of the last output
characters (the day, where errors have accumulated).

    PYTHONPATH=. python benchmarks/scheduled_sampling.py --examples 6000 --epochs 3
    PYTHONPATH=. python benchmarks/scheduled_sampling.py --quick   # smoke test
"""

import argparse
import json
import math
import time

import keras
import numpy as np

from keras_seq import data, datasets, layers, models
from keras_seq.models.scheduled_sampling import ScheduledSampling
from keras_seq.schedules import LinearSchedule


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--units", type=int, default=64, help="decoder units")
    parser.add_argument("--attention", default="luong", choices=["luong", "bahdanau"])
    parser.add_argument("--max-probability", type=float, default=0.25)
    parser.add_argument("--feed", default="argmax", choices=["argmax", "sample"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", default="teacher,scheduled", help="which runs, in order")
    parser.add_argument("--quick", action="store_true", help="300 dates, 1 epoch, tiny model")
    return parser.parse_args(argv)


def prepare(examples, seed):
    splits = datasets.dates.load_data(num_examples=examples, seed=seed)
    source_tokenizer, target_tokenizer = data.CharTokenizer(), data.CharTokenizer()
    source_tokenizer.adapt([source for source, _ in splits.train])
    target_tokenizer.adapt([target for _, target in splits.train])
    return splits, source_tokenizer, target_tokenizer


def build(args, source_tokenizer, target_tokenizer, total_steps, scheduled):
    sampling = None
    if scheduled:
        # p(i) = 1 - max(1 - max_probability, 1 - i / total_steps * max_probability)
        slope = args.max_probability / total_steps
        schedule = LinearSchedule(slope, min_teacher_probability=1.0 - args.max_probability)
        sampling = ScheduledSampling(schedule, feed=args.feed, seed=args.seed)
    model = models.Seq2Seq(
        layers.RNNEncoder(
            source_tokenizer.vocabulary_size, 32, args.units // 2, bidirectional=True
        ),
        layers.RNNDecoder(
            target_tokenizer.vocabulary_size, 32, args.units, attention=args.attention
        ),
        max_length=12,
        decoding="greedy",
        scheduled_sampling=sampling,
    )
    learning_rate = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=total_steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=5.0), metrics=["accuracy"]
    )
    return model


def measure(model, pairs, source_tokenizer, target_tokenizer):
    sources = source_tokenizer.encode([source for source, _ in pairs]).numpy()
    targets = target_tokenizer.encode([target for _, target in pairs], add_end=False).numpy()
    teacher_forced = model.evaluate(sources, targets, batch_size=256, verbose=0, return_dict=True)
    generated = model.predict(sources, batch_size=256, verbose=0)
    # Labels: the target then the end token, as in training.
    labels = np.pad(targets, [[0, 0], [0, 1]])
    labels[np.arange(len(labels)), np.count_nonzero(targets, axis=1)] = model.end_id
    width = labels.shape[1]
    generated = np.pad(generated, [[0, 0], [0, max(width - generated.shape[1], 0)]])[:, :width]
    real = labels != 0
    correct = (generated == labels) & real
    exact = correct.sum(axis=1) == real.sum(axis=1)
    source_lengths = np.array([len(source) for source, _ in pairs])
    longest = source_lengths >= np.quantile(source_lengths, 0.75)
    greedy_accuracy = float(correct.sum() / real.sum())
    return {
        "teacher_forced_token_accuracy": float(teacher_forced["accuracy"]),
        "greedy_token_accuracy": greedy_accuracy,
        "exposure_gap": float(teacher_forced["accuracy"]) - greedy_accuracy,
        "greedy_exact_match": float(exact.mean()),
        "exact_match_longest_inputs": float(exact[longest].mean()),
        # ISO dates: characters 9 and 10 are the day, read after 8 generated characters.
        "greedy_accuracy_last_2_chars": float(correct[:, 8:10].sum() / real[:, 8:10].sum()),
    }


def run(args, scheduled, splits, source_tokenizer, target_tokenizer):
    keras.utils.set_random_seed(args.seed)
    train = data.seq2seq_dataset(
        splits.train, source_tokenizer, target_tokenizer, args.batch_size, seed=args.seed
    )
    total_steps = args.epochs * math.ceil(len(splits.train) / args.batch_size)
    model = build(args, source_tokenizer, target_tokenizer, total_steps, scheduled)
    started = time.time()
    model.fit(train, epochs=args.epochs, verbose=0)
    seconds = time.time() - started
    result = measure(model, splits.test, source_tokenizer, target_tokenizer)
    final = None
    if scheduled:
        final = float(model.scheduled_sampling.probability(model.optimizer.iterations))
    return {
        "run": "scheduled" if scheduled else "teacher",
        "train_seconds": round(seconds),
        "final_sampling_probability": final,
        **result,
    }


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.examples, args.epochs, args.units = 300, 1, 16
    splits, source_tokenizer, target_tokenizer = prepare(args.examples, args.seed)
    results = []
    for name in args.runs.split(","):
        if name not in ("teacher", "scheduled"):
            raise SystemExit(f"--runs takes teacher and/or scheduled. Received: {name!r}")
        results.append(run(args, name == "scheduled", splits, source_tokenizer, target_tokenizer))
        print(json.dumps(results[-1]), flush=True)
    keys = [key for key in results[0] if key not in ("run",)]
    print("\n| | " + " | ".join(result["run"] for result in results) + " |")
    print("| --- |" + " --- |" * len(results))
    for key in keys:
        cells = [
            "-"
            if result[key] is None
            else (f"{result[key]:.4f}" if isinstance(result[key], float) else str(result[key]))
            for result in results
        ]
        print(f"| {key} | " + " | ".join(cells) + " |")
    return results


if __name__ == "__main__":
    main()
