"""Shared pieces of the applications: data loading, decoding evaluation, tables, plots."""

import os

import keras
import numpy as np

import keras_seq as ks


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
