"""SavedModel export of text models: raw strings in, strings (or labels, or tags) out."""

import os

import keras

from keras_seq import _atomic, _tf

try:
    import tensorflow as tf
except ImportError as error:
    raise _tf.missing_tensorflow("keras_seq.export (SavedModel export)") from error

from keras_seq.decoding import Ensemble, Sampling
from keras_seq.models.many_to_many import ManyToMany
from keras_seq.models.many_to_one import ManyToOne
from keras_seq.models.seq2seq import Seq2Seq
from keras_seq.text_generator import TextGenerator, check_tokenizer

TEXTS = tf.TensorSpec([None], tf.string, name="texts")


def _empty_guard(texts, run, empty):
    """Runs `run(texts)` unless the batch is empty, then returns `empty()` (the decoding
    loops need at least one row)."""
    # A loaded signature does not check shapes against its TensorSpec, and a static
    # rank check would be constant-folded away, so the rank is checked at run time:
    # "Shape of tensor texts [1,2] is not compatible with expected shape [?]" names the
    # argument and the received shape instead of failing deep inside a tokenizer.
    texts = tf.ensure_shape(texts, TEXTS.shape, name="check_texts_shape")
    return tf.cond(tf.size(texts) > 0, lambda: run(texts), empty)


def _translator_endpoint(generator):
    def empty():
        shape = [0] if generator.num_return == 1 else [0, generator.num_return]
        return {"outputs": tf.zeros(shape, tf.string), "scores": tf.zeros(shape, tf.float32)}

    return lambda texts: _empty_guard(texts, generator.serve, empty)


def _classifier_endpoint(model, source_tokenizer, labels):
    check_tokenizer("source_tokenizer", source_tokenizer, model.vocab_size)
    labels = _label_names("labels", labels, model.num_outputs)
    table = tf.constant(labels)

    def run(texts):
        probabilities = model(source_tokenizer.encode(texts), training=False)
        if model.num_outputs == 1:  # sigmoid: P(class 1)
            best = tf.cast(probabilities[:, 0] > 0.5, tf.int32)
        else:
            best = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {"labels": tf.gather(table, best), "probabilities": probabilities}

    def empty():
        return {
            "labels": tf.zeros([0], tf.string),
            "probabilities": tf.zeros([0, model.num_outputs], tf.float32),
        }

    return lambda texts: _empty_guard(texts, run, empty)


def _tagger_endpoint(model, source_tokenizer, labels):
    check_tokenizer("source_tokenizer", source_tokenizer, model.vocab_size)
    labels = _label_names("labels", labels, model.num_outputs)
    table = tf.constant(labels)

    def run(texts):
        # Without an end token: taggers train on `tagging_dataset`'s ids, which have none.
        ids = source_tokenizer.encode(texts, add_end=False)
        best = tf.argmax(model(ids, training=False), axis=-1, output_type=tf.int32)
        real = tf.not_equal(ids, 0)  # one tag per token: padding is dropped
        tags = tf.ragged.boolean_mask(tf.gather(table, best), real)
        tokens = tf.ragged.boolean_mask(
            tf.gather(tf.constant(source_tokenizer.get_vocabulary()), ids), real
        )
        return {
            "tags": tf.strings.reduce_join(tags, axis=-1, separator=" "),
            "tokens": tf.strings.reduce_join(tokens, axis=-1, separator=" "),
        }

    def empty():
        return {"tags": tf.zeros([0], tf.string), "tokens": tf.zeros([0], tf.string)}

    return lambda texts: _empty_guard(texts, run, empty)


def _label_names(argument, labels, count):
    if labels is None:
        return [str(index) for index in range(max(count, 2))]
    labels = [str(label) for label in labels]
    if len(labels) != max(count, 2):
        raise ValueError(
            f"`{argument}` must name the model's {max(count, 2)} classes. "
            f"Received: {len(labels)} names"
        )
    return labels


def _write_atomically(archive, path, overwrite):
    """Writes into a temporary sibling folder and renames it: no half-written model."""
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(
            f"`path` already exists; pass overwrite=True to replace it. Received: path={path!r}"
        )
    with _atomic.atomic_path(path, directory=True) as staging:
        archive.write_out(staging, verbose=False)
    return path


def export_text_model(
    model,
    path,
    source_tokenizer,
    target_tokenizer=None,
    *,
    decoding=None,
    max_length=None,
    labels=None,
    overwrite=False,
):
    """Exports a text model as a SavedModel that takes raw strings.

    The SavedModel holds the tokenizers, the model and, for generative models, the
    whole decoding loop with its settings baked in. Its `serving_default` signature
    takes `texts`, a `tf.string` tensor of shape `(batch_size,)`, and returns:

    - `Seq2Seq`: `outputs` (the detokenized strings; `(batch_size, num_return)`
      with `num_return > 1`) and `scores` (log-probabilities, length-penalised).
    - `ManyToOne` classifier: `labels` (class names) and `probabilities`.
    - `ManyToMany` tagger: `tags` (one tag per token, space separated) and `tokens`
      (the tokens they belong to, space separated). The tokens are encoded without an
      end token, as `keras_seq.data.tagging_dataset` encodes the training words.

    Loading needs only TensorFlow (plus `tensorflow_text` when a subword tokenizer's
    ops are used): `tf.saved_model.load(path).signatures["serving_default"](
    texts=tf.constant(["..."]))`. An empty batch gives an empty batch; `texts` of any
    other rank fails with `tf.errors.InvalidArgumentError` ("Shape of tensor texts
    [1,2] is not compatible with expected shape [?]"). The model is
    written to a temporary folder beside `path` and renamed, so an interrupted
    export never leaves a half-written model.

    Args:
        model: `keras_seq.models.Seq2Seq` (or a `keras_seq.decoding.Ensemble` of
            them), `ManyToOne` or `ManyToMany` on token ids.
        path: str or path-like. Destination folder.
        source_tokenizer: `keras_seq.data` tokenizer of the inputs.
        target_tokenizer: `keras_seq.data` tokenizer of the outputs (Seq2Seq only).
        decoding: the strategy baked into the export (Seq2Seq): `"greedy"`, `"beam"`,
            a config dict or a `keras_seq.decoding` strategy; sampling is refused (an
            export decodes deterministically). Defaults to `None`: the model's own
            `decoding`.
        max_length: int or None. Defaults to the model's `max_length`.
        labels: list of str or None. Class or tag names (classifier, tagger).
            Defaults to the class indices as strings.
        overwrite: bool. Replace an existing folder. Defaults to `False`.

    Returns:
        The absolute path written.

    Example:
    >>> import tensorflow as tf, keras_seq as ks
    >>> pairs = [("one two", "un deux"), ("two one", "deux un")]
    >>> src, tgt = ks.data.WordTokenizer(), ks.data.WordTokenizer()
    >>> src.adapt([s for s, _ in pairs]); tgt.adapt([t for _, t in pairs])
    >>> model = ks.models.Seq2Seq(
    ...     ks.layers.RNNEncoder(src.vocabulary_size, 8, 16),
    ...     ks.layers.RNNDecoder(tgt.vocabulary_size, 8, 16, attention="luong"),
    ...     max_length=5)
    >>> path = ks.export.export_text_model(model, "/tmp/ks-doc-translator", src, tgt,
    ...                                    overwrite=True)
    >>> serve = tf.saved_model.load(path).signatures["serving_default"]
    >>> sorted(serve(texts=tf.constant(["one two"])))
    ['outputs', 'scores']
    """
    archive = keras.export.ExportArchive()
    if isinstance(model, Seq2Seq) or (
        isinstance(model, Ensemble) and all(isinstance(m, Seq2Seq) for m in model.members)
    ):
        generator = TextGenerator(model, target_tokenizer, source_tokenizer, decoding, max_length)
        if isinstance(generator.layer.strategy, Sampling):
            raise ValueError(
                "An exported translator decodes deterministically: use greedy or beam "
                f"search. Received: decoding={generator.layer.strategy!r}"
            )
        endpoint = _translator_endpoint(generator)
        tracked = generator.trackables
    elif isinstance(model, ManyToOne) and model.vocab_size is not None:
        endpoint = _classifier_endpoint(model, source_tokenizer, labels)
        tracked = [model, source_tokenizer]
    elif isinstance(model, ManyToMany) and model.vocab_size is not None:
        endpoint = _tagger_endpoint(model, source_tokenizer, labels)
        tracked = [model, source_tokenizer]
    else:
        raise TypeError(
            "Argument `model` must be a Seq2Seq, or a ManyToOne/ManyToMany on token ids "
            "(a OneToMany takes labels or vectors: use model.export() for it). "
            f"Received: model={model!r}"
        )
    if not model.built:
        model.build((None, None))
    for item in tracked:
        archive.track(item)
    archive.add_endpoint("serving_default", endpoint, input_signature=[TEXTS])
    return _write_atomically(archive, path, overwrite)
