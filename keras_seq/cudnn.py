"""Says which recurrent layers of a model would miss Keras's fused cuDNN kernels, and why."""

import warnings

import keras
import numpy as np

# Keras's own test of the activations (keras/src/backend/tensorflow/rnn.py) also
# accepts the ops; `keras.activations.tanh` is what the layers hold by default.
_TANH = (keras.activations.tanh, keras.ops.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid)


def _option_reasons(layer):
    """The LSTM/GRU options of `layer` that were moved off Keras's cuDNN conditions."""
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return []
    cell = layer.cell
    checks = [
        (cell.activation in _TANH, "activation is not tanh"),
        (cell.recurrent_activation in _SIGMOID, "recurrent_activation is not sigmoid"),
        (not cell.recurrent_dropout, f"recurrent_dropout={cell.recurrent_dropout}"),
        (not layer.unroll, "unroll=True"),
        (cell.use_bias, "use_bias=False"),
    ]
    if isinstance(layer, keras.layers.GRU):
        checks.append((cell.reset_after, "reset_after=False"))
    return [reason for ok, reason in checks if not ok]


def _reasons(layer):
    if isinstance(layer, keras.layers.SimpleRNN):
        return ["SimpleRNN has no cuDNN kernel"]
    reasons = _option_reasons(layer)
    if getattr(layer, "use_cudnn", "auto") not in ("auto", True):
        reasons.append("use_cudnn=False")
    return reasons


def _layers(model):
    # Keras has no public recursive walk over sub-layers; `_flatten_layers` is the one
    # every Keras layer implements.
    return model._flatten_layers(include_self=True, recursive=True)


def cudnn_report(model, data=None, max_batches=8):
    """Lists what keeps the recurrent layers inside `model` off the fused cuDNN kernel.

    Keras runs LSTM and GRU layers on cuDNN (on a GPU, TensorFlow or JAX backend)
    only with tanh/sigmoid activations, a bias, no recurrent dropout, no unrolling,
    `use_cudnn` not False and, for GRU, `reset_after=True`. Their masks must also be
    right-padded with no fully masked row: on a GPU, TensorFlow's cuDNN path stops
    with an assertion otherwise ("You are passing a RNN mask that does not correspond
    to right-padded sequences"). The layer options are read from the model; the masks
    only from `data`, since they depend on the batches.

    With `data`, the masks that a keras-seq model's recurrent layers would get from
    those batches are computed as the model computes them: the encoder's from token id
    0 or, for feature inputs, from steps whose features all equal its `mask_value`
    (a real all-`mask_value` step inside a sequence makes a hole, which is left
    padding too); a `Seq2Seq`/`OneToMany` decoder's from the target ids after the
    start token. A left-padded source also breaks `reverse_source=True`, which
    reverses the first `length` steps of each row; the report says so.

    Args:
        model: `keras.layers.Layer` or `keras.Model`. Searched recursively.
        data: optional batches as the model's `fit` takes them, for a keras-seq
            model (`Seq2Seq`, `OneToMany`, `OneToOne`, `ManyToOne`, `ManyToMany`):
            `inputs`, an `(inputs, targets)` pair of arrays, or a `tf.data.Dataset`
            (or other iterable) of such batches. Defaults to `None` (options only).
        max_batches: int. The most batches of an iterable `data` read. Defaults to 8.

    Returns:
        A list of `(layer_name, reason)` pairs; empty when every recurrent layer is
        eligible. Mask findings name the encoder or decoder and start with `data:`.

    Example:
    >>> import keras, keras_seq, numpy as np
    >>> layer = keras.layers.LSTM(4, recurrent_dropout=0.1, name="words")
    >>> keras_seq.cudnn.cudnn_report(layer)
    [('words', 'recurrent_dropout=0.1')]
    >>> model = keras_seq.models.ManyToOne(vocab_size=10, units=4, name="classifier")
    >>> keras_seq.cudnn.cudnn_report(model, np.array([[0, 0, 3, 4], [5, 6, 7, 0]]))
    [('encoder', 'data: 1 of 2 rows are left-padded (a masked step before a real one)')]
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"`model` must be a Keras layer or model. Received: model={model!r}")
    report = [(layer.name, reason) for layer in _layers(model) for reason in _reasons(layer)]
    if data is not None:
        report += _mask_report(model, data, max_batches)
    return report


def _masked_sequences(model):
    """`(layer, mask_fn)` pairs: `mask_fn(inputs, targets)` is the mask the layer gets,
    True at real steps, or None where the batch has no such sequence."""
    from keras_seq.models.decoder_model import DecoderModel
    from keras_seq.models.recurrent_model import RecurrentModel
    from keras_seq.models.seq2seq import Seq2Seq

    def source_mask(inputs, targets):
        mask = model.encoder._source_mask(keras.ops.convert_to_tensor(inputs))
        return None if mask is None else keras.ops.convert_to_numpy(mask)

    def decoder_mask(inputs, targets):
        if targets is None:
            return None
        targets = np.asarray(targets)
        # The decoder reads the start token, then the target ids.
        return np.concatenate([np.ones((len(targets), 1), bool), targets != 0], axis=1)

    if isinstance(model, RecurrentModel):
        return [(model.encoder, source_mask)] if model.sequence_input else []
    if isinstance(model, Seq2Seq):
        return [(model.encoder, source_mask), (model.decoder, decoder_mask)]
    if isinstance(model, DecoderModel):
        return [(model.decoder, decoder_mask)]
    raise TypeError(
        "`data` is read for keras-seq models (Seq2Seq, OneToMany, OneToOne, ManyToOne, "
        "ManyToMany), whose masks cudnn_report knows. Received: model of type "
        f"{type(model).__name__}"
    )


def _batches(data, max_batches):
    if isinstance(data, tuple) or hasattr(data, "shape"):
        return [data]
    if isinstance(data, list):  # a list of rows is one batch of inputs
        return [np.asarray(data)]
    batches = []
    for batch in data:
        batches.append(batch)
        if len(batches) >= max_batches:
            break
    return batches


def _mask_report(model, data, max_batches):
    sequences = _masked_sequences(model)
    counts = {layer.name: [0, 0, 0] for layer, _ in sequences}  # rows, left, empty
    for batch in _batches(data, max_batches):
        inputs, targets = batch if isinstance(batch, (tuple, list)) else (batch, None)
        inputs = keras.tree.map_structure(keras.ops.convert_to_numpy, inputs)
        if targets is not None:
            targets = keras.ops.convert_to_numpy(targets)
        for layer, mask_fn in sequences:
            mask = mask_fn(inputs, targets)
            if mask is None:
                continue
            mask = np.asarray(mask, bool)
            lengths = mask.sum(axis=1)
            right_padded = mask == (np.arange(mask.shape[1]) < lengths[:, None])
            count = counts[layer.name]
            count[0] += len(mask)
            count[1] += int((~right_padded.all(axis=1) & (lengths > 0)).sum())
            count[2] += int((lengths == 0).sum())
    report = []
    for layer, _ in sequences:
        rows, left, empty = counts[layer.name]
        if left:
            reason = (
                f"data: {left} of {rows} rows are left-padded (a masked step before a real one)"
            )
            if getattr(layer, "reverse_source", False):
                reason += "; reverse_source=True then reverses the wrong steps"
            report.append((layer.name, reason))
        if empty:
            report.append((layer.name, f"data: {empty} of {rows} rows are fully masked"))
    return report


def warn_off_fused_path(model):
    """Warns, once per model, when an LSTM/GRU option inside `model` was changed from
    Keras's default to one that rules out the fused cuDNN kernel.

    Models call it when they are built. A SimpleRNN cell and an explicit
    `use_cudnn=False` are choices that say so themselves, and do not warn.
    """
    if getattr(model, "_cudnn_warned", False):
        return
    object.__setattr__(model, "_cudnn_warned", True)
    found = [
        f"{layer.name}: {reason}" for layer in _layers(model) for reason in _option_reasons(layer)
    ]
    if found:
        warnings.warn(
            f"{type(model).__name__} {model.name!r}: " + "; ".join(found) + ". Keras then "
            "cannot use the fused cuDNN kernel on a GPU (keras_seq.cudnn.cudnn_report lists "
            "what leaves it); training runs the slower generic loop.",
            stacklevel=2,
        )
