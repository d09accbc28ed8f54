"""Generated sequence-pair tasks for Seq2Seq tests."""

import keras
import numpy as np

START, END = 1, 2


def digit_pairs(rng, count, min_length, max_length, vocab_size=12, reverse=False):
    """Sources of random tokens 3..vocab_size-1 (ending with END) and their copy or reversal."""
    sources = np.zeros((count, max_length + 1), "int32")
    targets = np.zeros((count, max_length), "int32")
    for index in range(count):
        length = rng.randint(min_length, max_length + 1)
        row = rng.randint(3, vocab_size, size=length)
        sources[index, :length] = row
        sources[index, length] = END
        targets[index, :length] = row[::-1] if reverse else row
    return sources, targets


def expected_outputs(targets, max_length):
    """What a perfect model generates: the target, END, then padding."""
    expected = np.zeros((len(targets), max_length), "int32")
    for index, row in enumerate(targets):
        tokens = row[row != 0]
        expected[index, : len(tokens)] = tokens
        expected[index, len(tokens)] = END
    return expected


def exact_match(model, sources, targets, max_length, **generate_kwargs):
    generated = keras.ops.convert_to_numpy(
        model.generate(sources, max_length=max_length, **generate_kwargs)
    )
    expected = expected_outputs(targets, max_length)
    return float(np.mean(np.all(generated == expected, axis=1)))


def token_accuracy(model, sources, targets, max_length):
    generated = keras.ops.convert_to_numpy(
        model.generate(sources, decoding="greedy", max_length=max_length)
    )
    expected = expected_outputs(targets, max_length)
    return float(np.mean((generated == expected)[expected != 0]))
