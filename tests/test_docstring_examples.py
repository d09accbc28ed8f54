"""Every `>>>` example in keras_seq's docstrings runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import keras_seq


def modules_with_examples():
    finder = doctest.DocTestFinder()
    names = []
    for info in pkgutil.walk_packages(keras_seq.__path__, "keras_seq."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if any(test.examples for test in finder.find(module)):
            names.append(info.name)
    return sorted(names)


MODULES = modules_with_examples()


def test_the_public_modules_have_examples():
    """Every module that defines a public layer, model, strategy or text path shows it."""
    public = (
        "keras_seq.layers.stacked",
        "keras_seq.layers.rnn_decoder",
        "keras_seq.models.seq2seq",
        "keras_seq.models.one_to_many",
        "keras_seq.decoding.strategies",
        "keras_seq.decoding.decoding_layer",
        "keras_seq.text_generator",
        "keras_seq.export",
        "keras_seq.callbacks.bleu_callback",
        "keras_seq.plotting",
    )
    assert [name for name in public if name not in MODULES] == []


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
