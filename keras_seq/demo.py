"""The `keras-seq demo`: date normalisation with a Seq2Seq with attention, end to end.

Trains on the embedded `dates` set (generated, no download), reports greedy vs beam
search, exports a string-in/string-out SavedModel, serves it, and plots attention.
"""

import contextlib
import math
import os
import time

import keras
import numpy as np

from keras_seq import _atomic, _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("The keras-seq demo") from error

from keras_seq import callbacks, data, datasets, export, layers, metrics, models, plotting
from keras_seq.decoding import BeamSearch
from keras_seq.text_generator import TextGenerator

DEFAULT_EXAMPLES = [
    "3rd of March, 2021",
    "le 14 juillet 1989",
    "Sunday, May 5, 2024",
    "am 9. November 1989",
]


def build_model(source_tokenizer, target_tokenizer, max_length, training_steps):
    encoder = layers.RNNEncoder(source_tokenizer.vocabulary_size, 32, 128, bidirectional=True)
    decoder = layers.RNNDecoder(target_tokenizer.vocabulary_size, 32, 256, attention="luong")
    model = models.Seq2Seq(encoder, decoder, max_length=max_length, name="dates_seq2seq")
    # Decayed to 0 over the run: at a constant 3e-3 the last epochs lose accuracy again.
    learning_rate = keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=training_steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=5.0), metrics=["accuracy"]
    )
    return model


def evaluate(generator, pairs, batch_size=256):
    """Exact match and character BLEU of a `TextGenerator`'s outputs over `pairs`."""
    outputs = []
    for start in range(0, len(pairs), batch_size):
        texts, _ = generator([source for source, _ in pairs[start : start + batch_size]])
        outputs.extend(texts)
    references = [target for _, target in pairs]
    exact = float(np.mean([out == ref for out, ref in zip(outputs, references)]))
    bleu = metrics.corpus_bleu(outputs, references, tokenize="char")
    return exact, bleu, outputs


def print_table(rows):
    print("\n| decoding | exact match | BLEU (char) |\n| --- | --- | --- |")
    for name, exact, bleu in rows:
        print(f"| {name} | {exact:.1%} | {bleu.score:.2f} |")


def run(
    output="keras-seq-demo",
    epochs=4,
    num_examples=20000,
    batch_size=64,
    texts=(),
    seed=0,
    verbose=1,
    pairs_file=None,
    scope=None,
):
    """Runs the whole demo; returns a dict of its measurements.

    `pairs_file`, a `human<TAB>ISO` file, replaces the generated dates. `scope`, a
    context manager such as a `tf.distribute` strategy's scope, is where the model is
    built and compiled."""
    started = time.time()
    keras.utils.set_random_seed(seed)
    os.makedirs(output, exist_ok=True)
    if pairs_file is None:
        splits = datasets.dates.load_data(num_examples=num_examples, seed=seed)
    else:
        splits = datasets.tsv.load_data(pairs_file, seed=seed)
    print(
        f"dates: {len(splits.train)} training, {len(splits.validation)} validation, "
        f"{len(splits.test)} test pairs, e.g. {splits.train[0][0]!r} -> "
        f"{splits.train[0][1]!r}"
    )

    source_tokenizer, target_tokenizer = data.CharTokenizer(), data.CharTokenizer()
    source_tokenizer.adapt([source for source, _ in splits.train])
    target_tokenizer.adapt([target for _, target in splits.train])
    train = data.seq2seq_dataset(
        splits.train, source_tokenizer, target_tokenizer, batch_size, seed=seed
    )
    longest = max(len(target) for _, target in splits.train)  # characters; 10 for ISO dates
    with scope or contextlib.nullcontext():
        model = build_model(
            source_tokenizer,
            target_tokenizer,
            max_length=longest + 2,
            training_steps=epochs * math.ceil(len(splits.train) / batch_size),
        )

    validation = splits.validation[:300]
    bleu_callback = callbacks.BleuCallback(
        [source for source, _ in validation],
        [target for _, target in validation],
        source_tokenizer=source_tokenizer,
        target_tokenizer=target_tokenizer,
        decoding="greedy",
        tokenize="char",
        num_examples=2,
    )
    model.fit(
        train,
        epochs=epochs,
        callbacks=[bleu_callback, keras.callbacks.TerminateOnNaN()],
        verbose=verbose,
    )

    rows = []
    for name, strategy in (("greedy", "greedy"), ("beam 4", BeamSearch(beam_width=4))):
        generator = TextGenerator(model, target_tokenizer, source_tokenizer, decoding=strategy)
        exact, bleu, _ = evaluate(generator, splits.test)
        rows.append((name, exact, bleu))
    print(f"\nHeld-out test set ({len(splits.test)} dates):")
    print_table(rows)

    export_path = export.export_text_model(
        model,
        os.path.join(output, "dates_savedmodel"),
        source_tokenizer,
        target_tokenizer,
        decoding=BeamSearch(beam_width=4),
        overwrite=True,
    )
    serve = tf.saved_model.load(export_path).signatures["serving_default"]
    examples = list(dict.fromkeys([*texts, *DEFAULT_EXAMPLES]))
    result = serve(texts=tf.constant(examples))
    print(f"\nThe exported SavedModel ({export_path}) translates:")
    for text, out, score in zip(examples, result["outputs"].numpy(), result["scores"].numpy()):
        print(f"  {text!r:>28} -> {out.decode()!r}  (log-prob {score:.2f})")

    heatmap = plotting.plot_attention(
        model,
        source_tokenizer,
        target_tokenizer,
        examples[:2],
        os.path.join(output, "attention.png"),
        title="Luong attention of the dates model (beam search output)",
    )
    model_path = os.path.join(output, "dates.keras")
    with _atomic.atomic_path(model_path) as temporary:
        model.save(temporary)
    print(f"\nAttention heat map: {heatmap}\nKeras model: {model_path}")
    print(f"Done in {time.time() - started:.0f} s.")
    return {
        "rows": rows,
        "export_path": export_path,
        "heatmap": heatmap,
        "served": [out.decode() for out in result["outputs"].numpy()],
    }
