"""Trains every model twice, on one device and under a two-replica MirroredStrategy.

Run by tests/models/test_mirrored.py as `python -m tests.models.mirrored_runs MODEL
OUT.json` (MODEL a key of `RUNS`) in a fresh process, because two logical CPU devices
must be configured before TensorFlow initialises. Each run builds and compiles its
model inside the strategy's scope, evaluates, fits for 2 epochs on the same global
batches (SGD: a doubled gradient would show in the weights, where Adam would hide it),
and evaluates and predicts/generates again; the Seq2Seq run also has a BleuCallback
and a ModelCheckpoint. The JSON holds the figures of each run, for the test to compare.
"""

import json
import pathlib
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

import keras_seq as ks

BATCH = 8  # global batch: 4 rows per replica
WORDS = [f"w{i}" for i in range(9)]


def sentences(rng, lengths):
    return [" ".join(rng.choice(WORDS, size=length)) for length in lengths]


def uneven_lengths(rows):
    """Rows 0-3 of each batch (replica 0) short, rows 4-7 (replica 1) long."""
    return [1 + i % 2 if i % BATCH < BATCH // 2 else 4 + i % 3 for i in range(rows)]


def padded(ids, width):
    ids = ids.numpy()
    return np.pad(ids, [(0, 0), (0, width - ids.shape[1])])


def translation_data():
    rng = np.random.default_rng(0)
    sources = sentences(rng, rng.integers(2, 6, size=16))
    references = sentences(rng, uneven_lengths(16))
    source_tokenizer, target_tokenizer = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    source_tokenizer.adapt(sources)
    target_tokenizer.adapt(references + [" ".join(WORDS)])
    source = padded(source_tokenizer.encode(sources), 7)
    target = padded(target_tokenizer.encode(references, add_end=False), 7)
    return sources, references, source_tokenizer, target_tokenizer, source, target


def real_tokens_per_replica(target):
    counts = (target > 0).sum(1) + 1  # with the end label
    return [int(counts[s : s + BATCH // 2].sum()) for s in range(0, len(target), BATCH // 2)]


def weights(model):
    return [w.numpy().ravel().tolist() for w in model.trainable_weights]


def fit_and_record(model, x, y, **fit_kwargs):
    """The figures every model run records."""
    record = {"initial_evaluate": model.evaluate(x, y, batch_size=BATCH, verbose=0)}
    history = model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, **fit_kwargs)
    record.update(
        history={key: [float(v) for v in values] for key, values in history.history.items()},
        evaluate=model.evaluate(x, y, batch_size=BATCH, verbose=0),
        weights=weights(model),
        replicas=model.distribute_strategy.num_replicas_in_sync,
        mirrored_variables=all(
            isinstance(v.value, tf.distribute.DistributedValues) for v in model.trainable_variables
        ),
    )
    return record


def seq2seq(strategy, folder):
    sources, references, source_tokenizer, target_tokenizer, source, target = translation_data()
    with strategy.scope():
        model = ks.models.Seq2Seq(
            ks.layers.RNNEncoder(source_tokenizer.vocabulary_size, 8, 16),
            ks.layers.RNNDecoder(target_tokenizer.vocabulary_size, 8, 16, attention="luong"),
            max_length=8,
            decoding="greedy",
        )
        model.compile(keras.optimizers.SGD(0.5), metrics=["accuracy"])
    bleu = ks.callbacks.BleuCallback(
        sources[:6],
        references[:6],
        source_tokenizer=source_tokenizer,
        target_tokenizer=target_tokenizer,
        decoding=ks.decoding.BeamSearch(beam_width=2, min_length=3),
        verbose=0,
        max_order=1,  # with min_length: a unigram BLEU above 0 for a model this small
    )
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(folder / "epoch{epoch}.keras"), monitor="val_bleu", mode="max"
    )
    record = fit_and_record(model, source, target, callbacks=[bleu, checkpoint])
    reloaded = keras.saving.load_model(folder / "epoch2.keras")
    record.update(
        tokens_per_replica=real_tokens_per_replica(target),
        checkpoints=sorted(path.name for path in folder.iterdir()),
        checkpoint_weights=weights(reloaded),
        greedy=model.generate(source).tolist(),
        beam=model.generate(source, decoding="beam", return_scores=True)[1].tolist(),
        predict=model.predict(source, batch_size=BATCH, verbose=0).tolist(),
    )
    return record


def one_to_many(strategy, folder):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=16)
    target = rng.integers(3, 12, size=(16, 7))
    for row, length in enumerate(uneven_lengths(16)):
        target[row, length:] = 0
    with strategy.scope():
        model = ks.models.OneToMany(
            ks.layers.RNNDecoder(12, 8, 16, conditioning_dim=16),
            num_classes=3,
            every_step=True,
            max_length=6,
            decoding="greedy",
        )
        model.compile(keras.optimizers.SGD(0.5))
    record = fit_and_record(model, labels, target)
    record.update(
        tokens_per_replica=real_tokens_per_replica(target),
        greedy=model.generate(np.arange(3)).tolist(),
        predict=model.predict(np.arange(3), verbose=0).tolist(),
    )
    return record


def token_sequences(rng, vocab_size=12):
    ids = rng.integers(3, vocab_size, size=(16, 6))
    for row, length in enumerate(uneven_lengths(16)):
        ids[row, length:] = 0
    return ids


def recurrent(strategy, model_class, inputs, labels, **kwargs):
    with strategy.scope():
        model = model_class(units=8, num_outputs=3, **kwargs)
        model.compile(
            keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    record = fit_and_record(model, inputs, labels)
    record["predict"] = model.predict(inputs, batch_size=BATCH, verbose=0).tolist()
    return record


def one_to_one(strategy, folder):
    rng = np.random.default_rng(2)
    return recurrent(
        strategy,
        ks.models.OneToOne,
        rng.integers(1, 12, size=16),
        rng.integers(0, 3, 16),
        vocab_size=12,
    )


def many_to_one(strategy, folder):
    rng = np.random.default_rng(3)
    return recurrent(
        strategy,
        ks.models.ManyToOne,
        token_sequences(rng),
        rng.integers(0, 3, 16),
        vocab_size=12,
    )


def many_to_many(strategy, folder):
    rng = np.random.default_rng(4)
    ids = token_sequences(rng)
    return recurrent(strategy, ks.models.ManyToMany, ids, ids % 3, vocab_size=12)


RUNS = {
    "Seq2Seq": seq2seq,
    "OneToMany": one_to_many,
    "OneToOne": one_to_one,
    "ManyToOne": many_to_one,
    "ManyToMany": many_to_many,
}


def main(name, out):
    strategies = {
        "one_device": tf.distribute.get_strategy(),
        "mirrored": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]),
    }
    results = {}
    for route, strategy in strategies.items():
        keras.utils.set_random_seed(7)
        with tempfile.TemporaryDirectory() as folder:
            results[route] = RUNS[name](strategy, pathlib.Path(folder))
    pathlib.Path(out).write_text(json.dumps(results))


if __name__ == "__main__":
    # Before TensorFlow initialises its devices; importing this module (as test_mirrored
    # does, for RUNS) must not touch them, since the importing process has.
    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    main(*sys.argv[1:])
