"""Attention heat maps: which source tokens each generated token looked at."""

import os

import keras
import numpy as np


def plot_attention(
    model, source_tokenizer, target_tokenizer, texts, path, *, title=None, **generate_settings
):
    """Generates an output for each text and saves its attention weights as heat maps.

    One panel per text: source tokens across (the end token included), generated
    tokens down, a cell's brightness the weight the decoder gave that source token
    when it emitted that output token. Needs matplotlib (`pip install keras-seq[apps]`).

    Args:
        model: `keras_seq.models.Seq2Seq` whose decoder has attention.
        source_tokenizer: `keras_seq.data.Tokenizer` of the sources.
        target_tokenizer: `keras_seq.data.Tokenizer` of the outputs.
        texts: list of str. The source texts, one panel each.
        path: str. The PNG file to write (its folder must exist).
        title: str or None. A title over all panels. Defaults to `None`.
        **generate_settings: passed to `model.generate` (e.g. `method="greedy"`);
            defaults to the model's beam search.

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
        import matplotlib
    except ImportError as error:  # an optional dependency: only plotting needs it
        raise ImportError(
            "plot_attention needs matplotlib: pip install matplotlib (or keras-seq[apps])"
        ) from error
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    if isinstance(texts, str) or not texts:
        raise ValueError(f"`texts` must be a non-empty list of str. Received: texts={texts!r}")
    source_ids = keras.ops.convert_to_numpy(source_tokenizer.encode(texts))
    output_ids = keras.ops.convert_to_numpy(model.generate(source_ids, **generate_settings))
    weights = keras.ops.convert_to_numpy(model.attention_weights(source_ids, output_ids))

    figure, axes = plt.subplots(1, len(texts), figsize=(5.5 * len(texts), 5), squeeze=False)
    for axis, text, source_row, output_row, panel in zip(
        axes[0], texts, source_ids, output_ids, weights
    ):
        source_tokens = _token_labels(source_tokenizer, source_row)
        output_tokens = _token_labels(target_tokenizer, output_row)
        axis.imshow(
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
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(os.fspath(path), dpi=110)
    plt.close(figure)
    return path


def _token_labels(tokenizer, ids):
    """The tokens of one row up to and including its end token; a space shows as "␣"."""
    ids = np.asarray(ids)
    ends = np.flatnonzero(ids == tokenizer.end_id)
    ids = ids[: ends[0] + 1] if len(ends) else ids[ids != tokenizer.pad_id]
    return [tokenizer.id_to_token(i).replace(" ", "␣") for i in ids if i != tokenizer.start_id]
