"""plot_attention writes one labelled heat map per text."""

import numpy as np
import pytest

from keras_seq import data, layers, models, plotting


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tokenizer = data.CharTokenizer()
    tokenizer.adapt(["a b c", "cab"])
    model = models.Seq2Seq(
        layers.RNNEncoder(tokenizer.vocabulary_size, 8, 16),
        layers.RNNDecoder(tokenizer.vocabulary_size, 8, 16, attention="luong"),
        max_length=5,
    )
    return model, tokenizer


def test_token_labels_stop_at_the_end_token_and_show_spaces(model_and_tokenizer):
    _, tokenizer = model_and_tokenizer
    ids = np.asarray(tokenizer.encode(["a b"]))[0]
    assert plotting._token_labels(tokenizer, np.append(ids, [0, 0])) == [
        "a",
        "␣",
        "b",
        "[END]",
    ]


def test_writes_a_png_with_a_panel_per_text_and_a_colour_bar(
    model_and_tokenizer, tmp_path, monkeypatch
):
    import matplotlib
    import matplotlib.figure
    import matplotlib.image

    colour_bars = []
    original = matplotlib.figure.Figure.colorbar

    def spy(figure, mappable, **kwargs):
        colour_bars.append((mappable.get_clim(), kwargs.get("label")))
        return original(figure, mappable, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "colorbar", spy)
    backend = matplotlib.get_backend()
    model, tokenizer = model_and_tokenizer
    path = tmp_path / "attention.png"
    assert (
        plotting.plot_attention(
            model, tokenizer, tokenizer, ["abc", "c a"], path, decoding="greedy", title="t"
        )
        == path
    )
    assert matplotlib.get_backend() == backend  # the user's backend is left alone
    assert colour_bars == [((0.0, 1.0), "attention weight")]
    one = tmp_path / "one.png"
    plotting.plot_attention(model, tokenizer, tokenizer, ["abc"], one)
    two_panels, one_panel = matplotlib.image.imread(path), matplotlib.image.imread(one)
    # A second panel adds about one panel's width (the colour bar is shared).
    assert 1.4 * one_panel.shape[1] < two_panels.shape[1] < 2.2 * one_panel.shape[1]


@pytest.mark.parametrize("texts", ["abc", []])
def test_texts_must_be_a_non_empty_list(model_and_tokenizer, tmp_path, texts):
    model, tokenizer = model_and_tokenizer
    with pytest.raises(ValueError, match="texts"):
        plotting.plot_attention(model, tokenizer, tokenizer, texts, tmp_path / "x.png")
