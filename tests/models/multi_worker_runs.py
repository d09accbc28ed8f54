"""One worker of a two-worker MultiWorkerMirroredStrategy cluster, or its reference.

Run by tests/models/test_multi_worker.py as `python -m tests.models.multi_worker_runs
MODE OUT_DIR`, one process per worker, `TF_CONFIG` set by the test:

- `seq2seq`: the recipe of docs/guides/distributed.md and docs/guides/large-corpora.md.
  The corpus is two TSV files; `seq2seq_dataset(files, ...)`, batched by the global
  batch size and not length-bucketed, leaves the sharding to the strategy, whose FILE
  auto-shard policy gives each worker its own file, and splits each global batch
  between the workers' replicas. Each worker first passes once over what it gets
  from `experimental_distribute_dataset` (this FILE path) and from
  `distribute_datasets_from_function` (explicit `num_shards`/`shard_index` from the
  input context, shuffled and length-bucketed) and keeps the SHA-1 of every pair
  (`pair_hashes`). Then a Seq2Seq built and compiled in the strategy's scope trains
  on the dataset for 2 epochs with BackupAndRestore (a folder per worker); the chief
  alone has a ModelCheckpoint and exports the model. Every worker writes its
  weights, losses and hashes to OUT_DIR/result.json.
- `upstream`: a plain Keras `Sequential`, to show keras-team/keras#20585 still
  exists: `fit` and `train_on_batch` both fail; the same model with keras-seq's
  `StrategyTrainer` mixed in trains. The errors go to OUT_DIR/result.json.

`reference_run` trains the same Seq2Seq in one process, on the global batches the two
workers see together.
"""

import hashlib
import json
import os
import pathlib
import sys

import keras
import numpy as np
import tensorflow as tf

import keras_seq as ks
from keras_seq.models.distribute import StrategyTrainer

GLOBAL_BATCH = 8
WORKERS = 2
ROWS = 16  # per worker: 2 global batches of 8 a worker, split into 4 steps of 4 rows
WORDS = [f"w{i}" for i in range(9)]


def corpus():
    """`(pairs of worker 0, pairs of worker 1)`: worker 1's targets are the longer."""
    rng = np.random.default_rng(0)

    def text(length):
        return " ".join(rng.choice(WORDS, size=length))

    return tuple(
        [(text(int(rng.integers(2, 6))), text(1 + worker * 3 + i % 3)) for i in range(ROWS)]
        for worker in range(WORKERS)
    )


def tokenizers(shards):
    pairs = [pair for shard in shards for pair in shard]
    source, target = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source.adapt([s for s, _ in pairs] + [" ".join(WORDS)])
    target.adapt([t for _, t in pairs] + [" ".join(WORDS)])
    return source, target


def build_model(source_tokenizer, target_tokenizer):
    model = ks.models.Seq2Seq(
        ks.layers.RNNEncoder(source_tokenizer.vocabulary_size, 8, 16),
        ks.layers.RNNDecoder(target_tokenizer.vocabulary_size, 8, 16),
        max_length=8,
        decoding="greedy",
    )
    model.compile(keras.optimizers.SGD(0.5))
    return model


def write_shards(shards, folder):
    paths = []
    for index, shard in enumerate(shards):
        path = pathlib.Path(folder) / f"train-{index}.tsv"
        path.write_text("".join(f"{s}\t{t}\n" for s, t in shard), encoding="utf-8")
        paths.append(str(path))
    return paths


def pair_hashes(source_ids, target_ids):
    """SHA-1 of each `(source, target)` row pair of a padded batch, padding left out."""
    hashes = []
    for source, target in zip(np.asarray(source_ids), np.asarray(target_ids)):
        text = f"{source[source != 0].tolist()}|{target[target != 0].tolist()}"
        hashes.append(hashlib.sha1(text.encode()).hexdigest())
    return hashes


def corpus_hashes():
    """`pair_hashes` of every pair of the corpus, encoded as `seq2seq_dataset` does."""
    pairs = [pair for shard in corpus() for pair in shard]
    source_tokenizer, target_tokenizer = tokenizers(corpus())
    source = source_tokenizer.encode([s for s, _ in pairs]).numpy()
    target = target_tokenizer.encode([t for _, t in pairs], add_end=False).numpy()
    return pair_hashes(source, target)


def consumed_hashes(strategy, distributed):
    """Hashes of the pairs of one pass over a distributed dataset, on this worker."""
    hashes = []
    for batch in distributed:
        for source, target in zip(*map(strategy.experimental_local_results, batch)):
            hashes += pair_hashes(source, target)
    return hashes


def weights(model):
    return [w.numpy().ravel().tolist() for w in model.trainable_weights]


def is_chief(strategy):
    """Worker 0 is the chief of a cluster without a "chief" task."""
    resolver = strategy.cluster_resolver
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
    )


def worker_seq2seq(out):
    keras.utils.set_random_seed(7)
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    shards = corpus()
    source_tokenizer, target_tokenizer = tokenizers(shards)
    paths = write_shards(shards, out)
    train = ks.data.seq2seq_dataset(
        paths,
        source_tokenizer,
        target_tokenizer,
        batch_size=GLOBAL_BATCH,
        shuffle=False,
        num_buckets=1,
    )

    def per_worker(context):
        return ks.data.seq2seq_dataset(
            paths,
            source_tokenizer,
            target_tokenizer,
            batch_size=context.get_per_replica_batch_size(GLOBAL_BATCH),
            seed=context.input_pipeline_id,
            num_buckets=4,  # length buckets, which FILE auto-sharding cannot pass
            num_shards=context.num_input_pipelines,
            shard_index=context.input_pipeline_id,
        )

    hashes = {
        "auto_shard": consumed_hashes(strategy, strategy.experimental_distribute_dataset(train)),
        "from_function": consumed_hashes(
            strategy, strategy.distribute_datasets_from_function(per_worker)
        ),
    }
    with strategy.scope():
        model = build_model(source_tokenizer, target_tokenizer)
    callbacks = [keras.callbacks.BackupAndRestore(str(out / "backup"))]
    if is_chief(strategy):
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                str(out / "checkpoint.weights.h5"), save_weights_only=True
            )
        )
    history = model.fit(train, epochs=2, callbacks=callbacks, verbose=0)
    if is_chief(strategy):
        model.export(str(out / "export"), verbose=False)
    result = {
        "replicas": strategy.num_replicas_in_sync,
        "loss": history.history["loss"],
        "weights": weights(model),
        "hashes": hashes,
    }
    (out / "result.json").write_text(json.dumps(result))


def global_batches(source_tokenizer, target_tokenizer):
    """The arrays of the global batches of `worker_seq2seq`, in order: each step takes
    the next 4 rows of each worker's shard (padding widths differ; extra right padding
    changes nothing)."""
    shards = corpus()
    half = GLOBAL_BATCH // WORKERS
    sources, targets = [], []
    for start in range(0, ROWS, half):
        for shard in shards:
            rows = shard[start : start + half]
            sources += [s for s, _ in rows]
            targets += [t for _, t in rows]
    source = source_tokenizer.encode(sources).numpy()
    target = target_tokenizer.encode(targets, add_end=False).numpy()
    return source, target


def reference_run():
    """Loss history and weights of the same training in one process, one device."""
    keras.utils.set_random_seed(7)
    source_tokenizer, target_tokenizer = tokenizers(corpus())
    model = build_model(source_tokenizer, target_tokenizer)
    source, target = global_batches(source_tokenizer, target_tokenizer)
    history = model.fit(source, target, batch_size=GLOBAL_BATCH, epochs=2, shuffle=False, verbose=0)
    return {"loss": history.history["loss"], "weights": weights(model)}


class PatchedSequential(StrategyTrainer, keras.Sequential):
    """A plain Keras model with keras-seq's workaround mixed in."""


def worker_upstream(out):
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    models = {}
    with strategy.scope():
        for model_class in (keras.Sequential, PatchedSequential):
            layers = [keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)]
            models[model_class] = model_class(layers)
            models[model_class].compile("sgd", "mse")
    model, patched = models[keras.Sequential], models[PatchedSequential]
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    errors = {}
    for name, train in (
        ("fit", lambda: model.fit(x, y, batch_size=4, epochs=1, verbose=0)),
        ("train_on_batch", lambda: model.train_on_batch(x, y)),
        ("patched_fit", lambda: patched.fit(x, y, batch_size=4, epochs=1, verbose=0)),
    ):
        try:
            train()
            errors[name] = None
        except Exception as error:  # the upstream failure, reported to the test
            errors[name] = f"{type(error).__name__}: {error}"
    (out / "result.json").write_text(json.dumps(errors))


if __name__ == "__main__":
    mode, folder = sys.argv[1:]
    os.makedirs(folder, exist_ok=True)
    {"seq2seq": worker_seq2seq, "upstream": worker_upstream}[mode](pathlib.Path(folder))
