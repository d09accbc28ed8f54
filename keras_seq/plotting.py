"""Attention heat maps: which source tokens each generated token looked at."""

import keras
import numpy as np

from keras_seq import _atomic


def plot_attention(
    model, source_tokenizer, target_tokenizer, texts, path, *, decoding=None, title=None
):
    """Generates an output for each text and saves its attention weights as heat maps.

    One panel per text: source tokens across (the end token included), generated
    tokens down, a cell's colour the weight the decoder gave that source token when
    it emitted that output token (the colour bar gives the scale). Needs matplotlib
    (`pip install keras-seq[apps]`); the figure is drawn on its own Agg canvas, so the
    user's matplotlib backend and pyplot state are left alone.

    Args:
        model: `keras_seq.models.Seq2Seq` whose decoder has attention.
        source_tokenizer: `keras_seq.data.Tokenizer` of the sources.
        target_tokenizer: `keras_seq.data.Tokenizer` of the outputs.
        texts: list of str. The source texts, one panel each.
        path: str. The PNG file to write (its folder must exist).
        decoding: strategy of the generated outputs (`"greedy"`, `"beam"`, a
            `keras_seq.decoding` strategy). Defaults to `None`: the model's own.
        title: str or None. A title over all panels. Defaults to `None`.

    Returns:
        `path`.

    Example:
    >>> import os, tempfile, keras_seq
    >>> tokenizer = keras_seq.data.CharTokenizer()
    >>> tokenizer.adapt(["abc", "cab"])
    >>> model = keras_seq.models.Seq2Seq(
    ...     keras_seq.layers.RNNEncoder(tokenizer.vocabulary_size, 8, 16),
    ...     keras_seq.layers.RNNDecoder(tokenizer.vocabulary_size, 8, 16, attention="luong"),
    ...     max_length=5)
    >>> path = os.path.join(tempfile.mkdtemp(), "attention.png")
    >>> _ = keras_seq.plotting.plot_attention(model, tokenizer, tokenizer, ["abc"], path)
    >>> os.path.isfile(path)
    True
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # an optional dependency: only plotting needs it
        raise ImportError(
            "plot_attention needs matplotlib: pip install matplotlib (or keras-seq[apps])"
        ) from error

    if isinstance(texts, str) or not texts:
        raise ValueError(f"`texts` must be a non-empty list of str. Received: texts={texts!r}")
    from keras_seq.text_generator import TextGenerator  # needs TensorFlow

    generator = TextGenerator(model, target_tokenizer, source_tokenizer, decoding=decoding)
    source_ids, result = generator.generate_ids(texts)
    source_ids = keras.ops.convert_to_numpy(source_ids)
    output_ids = keras.ops.convert_to_numpy(result.ids)[:, 0]  # the best hypothesis
    weights = model.attention_weights(source_ids, output_ids)

    figure = Figure(figsize=(5.5 * len(texts) + 1, 5))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(texts), squeeze=False)
    for axis, text, source_row, output_row, panel in zip(
        axes[0], texts, source_ids, output_ids, weights
    ):
        source_tokens = _token_labels(source_tokenizer, source_row)
        output_tokens = _token_labels(target_tokenizer, output_row)
        image = axis.imshow(
            panel[: len(output_tokens), : len(source_tokens)],
            cmap="viridis",
            aspect="auto",
            vmin=0.0,
            vmax=1.0,
        )
        axis.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right")
        axis.set_yticks(range(len(output_tokens)), output_tokens)
        axis.set_xlabel("source tokens")
        axis.set_ylabel("generated tokens")
        axis.set_title(text, fontsize=10)
    figure.colorbar(image, ax=axes[0].tolist(), label="attention weight")
    if title:
        figure.suptitle(title)
    with _atomic.atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, bbox_inches="tight")
    return path


def _token_labels(tokenizer, ids):
    """The tokens of one row up to and including its end token; a space shows as "␣"."""
    ids = np.asarray(ids)
    ends = np.flatnonzero(ids == tokenizer.end_id)
    ids = ids[: ends[0] + 1] if len(ends) else ids[ids != tokenizer.pad_id]
    return [tokenizer.id_to_token(i).replace(" ", "␣") for i in ids if i != tokenizer.start_id]
