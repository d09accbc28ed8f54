"""`TextGenerator`: the one path from strings to generated strings."""

import functools

import keras
import numpy as np

from keras_seq import _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("keras_seq.TextGenerator") from error

from keras_seq import checks
from keras_seq.data import _text
from keras_seq.decoding.ensemble import Ensemble
from keras_seq.models.decoder_model import DecoderModel


class TextGenerator:
    """Strings (or labels, or vectors) in, generated strings and their scores out.

    Encodes the inputs with `source_tokenizer`, decodes with the model's decoder
    through a `keras_seq.decoding.DecodingLayer` and the chosen strategy, and turns
    the ids back into text with `target_tokenizer`. Every step is a TensorFlow op,
    so `serve` runs inside a graph: `keras_seq.export.export_text_model` exports it,
    and `keras_seq.callbacks.BleuCallback`, `keras_seq.plotting`, the demo and the
    applications call it. Calling the generator eagerly runs one compiled function
    per generator and returns Python strings and NumPy scores.

    Args:
        model: `keras_seq.models.Seq2Seq` or `OneToMany`, or a
            `keras_seq.decoding.Ensemble` of them.
        target_tokenizer: `keras_seq.data` tokenizer of the outputs.
        source_tokenizer: `keras_seq.data` tokenizer of the inputs; required for a
            model that reads token ids (`Seq2Seq`), None for `OneToMany`.
        decoding: strategy or None for the model's `decoding`.
        max_length: int or None for the model's `max_length`.

    Example:
    >>> import keras_seq as ks
    >>> src, tgt = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    >>> src.adapt(["one two", "two one"]); tgt.adapt(["un deux", "deux un"])
    >>> model = ks.models.Seq2Seq(ks.layers.RNNEncoder(src.vocabulary_size, 8, 16),
    ...                           ks.layers.RNNDecoder(tgt.vocabulary_size, 8, 16),
    ...                           max_length=4)
    >>> generator = ks.TextGenerator(model, tgt, src, decoding="greedy")
    >>> texts, scores = generator(["one two", "two one"])
    >>> len(texts), isinstance(texts[0], str), scores.shape
    (2, True, (2,))
    """

    def __init__(
        self, model, target_tokenizer, source_tokenizer=None, decoding=None, max_length=None
    ):
        if not isinstance(model, (DecoderModel, Ensemble)):
            raise TypeError(
                "Argument `model` must be a keras_seq Seq2Seq or OneToMany, or a "
                f"keras_seq.decoding.Ensemble of them. Received: model={model!r}"
            )
        reads_tokens = len(model.inputs_shape) == 2 and "int" in model.inputs_dtype
        if not reads_tokens and source_tokenizer is not None:
            raise ValueError(
                f"{type(model).__name__} takes labels or vectors, not text: pass "
                f"source_tokenizer=None. Received: source_tokenizer={source_tokenizer!r}"
            )
        for member in model.members if isinstance(model, Ensemble) else [model]:
            if reads_tokens:
                check_tokenizer("source_tokenizer", source_tokenizer, member.encoder.vocab_size)
            check_tokenizer("target_tokenizer", target_tokenizer, member.decoder.vocab_size)
        if not model.built:  # variables must exist before the decoding loop is traced
            model.build()
        self.model = model
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.layer = model.decoding_layer(decoding, max_length)
        self.input_spec = (
            tf.TensorSpec([None], tf.string, name="texts")
            if reads_tokens
            else tf.TensorSpec(model.inputs_shape, model.inputs_dtype, name="inputs")
        )
        self._compiled = None

    @property
    def num_return(self):
        """Outputs per input: the strategy's `num_return`."""
        return self.layer.strategy.num_return

    @property
    def trackables(self):
        """What an export must track: the model, the tokenizers and the decoding layer."""
        tokenizers = [self.source_tokenizer, self.target_tokenizer]
        return [self.model, *(t for t in tokenizers if t is not None), self.layer]

    def generate_ids(self, inputs):
        """Graph-safe: `(input_ids, result)`, the encoded inputs and the
        `keras_seq.decoding.DecodingResult` (ids `(batch_size, num_return, length)`)."""
        if self.source_tokenizer is not None:
            inputs = self.source_tokenizer.encode(inputs)
        return inputs, self.model.decode(inputs, self.layer)

    def serve(self, inputs):
        """Graph-safe: `{"outputs": strings, "scores": floats}`, shapes `(batch_size,)`,
        or `(batch_size, num_return)` for a strategy with `num_return > 1`."""
        _, result = self.generate_ids(inputs)
        shape = tf.shape(result.ids)
        flat = tf.reshape(result.ids, [-1, shape[-1]])
        texts = tf.reshape(self.target_tokenizer.decode(flat), shape[:2])
        if self.num_return == 1:
            return {"outputs": texts[:, 0], "scores": result.scores[:, 0]}
        return {"outputs": texts, "scores": result.scores}

    def __call__(self, inputs):
        """Generates for a batch of inputs.

        Args:
            inputs: a non-empty list of str (or string tensor) for a text model; the
                model's label or vector batch for `OneToMany`.

        Returns:
            `(texts, scores)`. Called eagerly: a list of str (a list of lists of str
            with `num_return > 1`) and a NumPy float32 array; inside a graph: the
            tensors of `serve`.
        """
        if not tf.executing_eagerly():
            served = self.serve(inputs)
            return served["outputs"], served["scores"]
        served = self._compiled_serve()(self._checked(inputs))
        return _to_str(served["outputs"].numpy()), served["scores"].numpy()

    def _checked(self, inputs):
        if self.source_tokenizer is not None:
            inputs, _ = _text.as_text_tensor(inputs, "inputs")
            if len(inputs.shape) != 1:
                raise ValueError(
                    "`inputs` must be a batch of texts of shape (batch_size,). Received: "
                    f"shape {tuple(inputs.shape)}"
                )
        else:
            inputs = self.model.check_inputs(keras.ops.convert_to_tensor(inputs))
        checks.check_nonempty_batch("inputs", inputs)
        return inputs

    def _compiled_serve(self):
        if self._compiled is None:
            # A partial, not the bound method: TensorFlow counts traces per code object,
            # so the one trace of each of several generators would add up to its
            # "excessive retracing" warning.
            serve = functools.partial(self.serve)
            self._compiled = tf.function(serve, input_signature=[self.input_spec])
        return self._compiled


def check_tokenizer(name, tokenizer, vocab_size):
    """Raises unless `tokenizer` is a keras_seq tokenizer that fits a `vocab_size` embedding."""
    if tokenizer is None or not callable(getattr(tokenizer, "encode", None)):
        raise TypeError(
            f"Argument `{name}` must be a keras_seq.data tokenizer. Received: {name}={tokenizer!r}"
        )
    if tokenizer.vocabulary_size > vocab_size:
        raise ValueError(
            f"`{name}` has {tokenizer.vocabulary_size} tokens but the model's embedding "
            f"has {vocab_size}: ids past {vocab_size - 1} would be out of range."
        )


def _to_str(values):
    """Bytes (any nesting of NumPy arrays) to Python str, as nested lists."""
    return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(values).tolist()
