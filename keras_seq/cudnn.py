"""Says which recurrent layers of a model would miss Keras's fused cuDNN kernels, and why."""

import keras


def _reasons(layer):
    if isinstance(layer, keras.layers.SimpleRNN):
        return ["SimpleRNN has no cuDNN kernel"]
    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        return []
    cell = layer.cell
    checks = [
        (cell.activation is keras.activations.tanh, "activation is not tanh"),
        (
            cell.recurrent_activation is keras.activations.sigmoid,
            "recurrent_activation is not sigmoid",
        ),
        (not cell.recurrent_dropout, f"recurrent_dropout={cell.recurrent_dropout}"),
        (not layer.unroll, "unroll=True"),
        (cell.use_bias, "use_bias=False"),
        (getattr(layer, "use_cudnn", "auto") in ("auto", True), "use_cudnn=False"),
    ]
    if isinstance(layer, keras.layers.GRU):
        checks.append((cell.reset_after, "reset_after=False"))
    return [reason for ok, reason in checks if not ok]


def cudnn_report(model):
    """Lists the recurrent layers inside `model` that cannot use the fused cuDNN kernel.

    Keras runs LSTM and GRU layers on cuDNN (on a GPU, TensorFlow or JAX backend)
    only with tanh/sigmoid activations, a bias, no recurrent dropout, no unrolling,
    `use_cudnn` not False and, for GRU, `reset_after=True`. Inputs must also be
    right-padded when masked, which this static check cannot see.

    Args:
        model: `keras.layers.Layer` or `keras.Model`. Searched recursively.

    Returns:
        A list of `(layer_name, reason)` pairs; empty when every recurrent layer is
        eligible.

    Example:
    >>> import keras, keras_seq
    >>> layer = keras.layers.LSTM(4, recurrent_dropout=0.1, name="words")
    >>> keras_seq.cudnn.cudnn_report(layer)
    [('words', 'recurrent_dropout=0.1')]
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"`model` must be a Keras layer or model. Received: model={model!r}")
    # Keras has no public recursive walk over sub-layers; `_flatten_layers` is the one
    # every Keras layer implements.
    return [
        (layer.name, reason)
        for layer in model._flatten_layers(include_self=True, recursive=True)
        for reason in _reasons(layer)
    ]
