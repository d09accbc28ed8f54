"""Shared pieces of the applications: data loading, decoding evaluation, tables, plots."""

import json
import os
import subprocess
import sys
import time

import keras
import numpy as np

import keras_seq as ks
from keras_seq._atomic import atomic_path
from keras_seq.cli.train import strategy_scope


def model_scope():
    """Where an application builds and compiles its models: the scope of the
    `tf.distribute` strategy of `keras-seq train APP --strategy ...`, else no scope.
    Training, evaluation, decoding and export then run outside it."""
    return strategy_scope()


def load_pairs(language, data, max_pairs, seed):
    """`(train, validation, test)` Anki pairs: from the loader (`data` None, or a folder
    laid out like shared/data) or from a local `English<TAB>Other` file (.txt or .txt.gz),
    split 80/10/10 by English sentence."""
    if data is None or os.path.isdir(data):
        return ks.datasets.anki.load_data(language, max_pairs=max_pairs, seed=seed, data_dir=data)
    return ks.datasets.tsv.load_data(data, max_pairs=max_pairs, seed=seed)


def short_pairs(pairs, source_tokenizer, target_tokenizer, max_tokens):
    """The pairs whose two sides have at most `max_tokens` tokens (end token excluded)."""

    def lengths(tokenizer, texts):
        ids = keras.ops.convert_to_numpy(tokenizer.encode(texts))
        return (ids != 0).sum(axis=1) - 1

    sources = lengths(source_tokenizer, [s for s, _ in pairs])
    targets = lengths(target_tokenizer, [t for _, t in pairs])
    return [
        pair for pair, s, t in zip(pairs, sources, targets) if s <= max_tokens and t <= max_tokens
    ]


def translate(model, source_tokenizer, target_tokenizer, sources, decoding, batch_size=128):
    """The model's outputs for `sources` with a decoding strategy, as Python strings."""
    generator = ks.TextGenerator(model, target_tokenizer, source_tokenizer, decoding=decoding)
    outputs = []
    for start in range(0, len(sources), batch_size):
        texts, _ = generator(sources[start : start + batch_size])
        outputs.extend(texts)
    return outputs


def perplexity(model, source_tokenizer, target_tokenizer, pairs, batch_size=128):
    """exp of the mean per-token cross-entropy (end token included) under teacher forcing."""
    sources = source_tokenizer.encode([s for s, _ in pairs])
    targets = target_tokenizer.encode([t for _, t in pairs], add_end=False)
    loss = model.evaluate(sources, targets, batch_size=batch_size, verbose=0, return_dict=True)[
        "loss"
    ]
    return float(np.exp(loss))


def print_table(header, rows):
    print("\n| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def callbacks(*extra):
    """The callbacks of every application's `fit`: `keras.callbacks.TerminateOnNaN`
    (a diverged run stops at once instead of training on NaN weights), then `extra`."""
    return [keras.callbacks.TerminateOnNaN(), *extra]


def write_results(output, task, metric, model, baseline, higher_is_better, started, **extra):
    """Writes `output/results.json` (the fields every application shares, then `extra`)
    and returns the dictionary."""
    results = {
        "task": task,
        "metric": metric,
        "model": float(model),
        "baseline": float(baseline),
        "higher_is_better": bool(higher_is_better),
        "wall_s": round(time.time() - started, 1),
        **extra,
    }
    path = os.path.join(output, "results.json")
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(results, file, indent=2)
    print(f"results: {path}")
    return results


_SERVE = """
import json, sys
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
outputs = serve(texts=tf.constant(json.loads(sys.argv[2])))
print(json.dumps({k: v.numpy().tolist() for k, v in outputs.items()}, default=lambda b: b.decode()))
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("keras_seq", "keras_hub")))))
"""


def serve_in_fresh_process(path, texts):
    """Calls an exported text model's `serving_default` on `texts` from a new Python
    process that imports only TensorFlow; returns its outputs as Python lists and
    checks that the process never imported keras_seq or keras_hub."""
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    environment.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-c", _SERVE, path, json.dumps(list(texts))],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=os.path.dirname(os.path.abspath(path)),
    )
    lines = done.stdout.strip().splitlines()
    outputs, imported = json.loads(lines[-2]), json.loads(lines[-1])
    if imported:
        raise RuntimeError(f"the serving process imported {imported}")
    return outputs
