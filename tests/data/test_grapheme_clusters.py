"""Tokenizers keep user-perceived characters whole and re-space CJK, #tags and @users."""

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_seq as ks
from keras_seq.data import _text

EXAMPLES = [
    "🇫🇷",
    "👍🏽",
    "⭐️",
    "👨\u200d👩\u200d👧\u200d👦",
    "猫が好きです。",
    "你好，世界！",
    "#hashtag",
    "@user",
    "I love 🇫🇷 and #paris, @bob!",
    "「こんにちは」と言った。",
]


@pytest.fixture(scope="module", params=["word", "subword"])
def tokenizer(request):
    if request.param == "word":
        tokenizer = ks.data.WordTokenizer()
    else:
        tokenizer = ks.data.SubwordTokenizer(max_tokens=300)
    tokenizer.adapt(EXAMPLES)
    return tokenizer


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples_round_trip(tokenizer, text):
    assert tokenizer.decode(tokenizer.encode([text])) == [text]


def tokens_of(text):
    """The word tokens of `text`, without the "@" that marks inner punctuation."""
    return _text.split_words([text]).numpy()[0].decode().replace("@", "").split()


# Letters, CJK, and emoji pieces: bases, skin tones, variation selectors, joiners, flags.
PIECES = list("abcé猫が好世界") + ["👍", "👨", "👩", "⭐", "❤", "\U0001f3fd", "\ufe0f"]
PIECES += ["\u200d", "\U0001f1eb", "\U0001f1f7", "\u20e3", " "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
def test_no_token_splits_a_grapheme_cluster(pieces):
    """Against the `regex` module's `\\X` (extended grapheme clusters): the tokens'
    clusters are the text's, in order (ZWJ chains, flags, modifiers kept whole). Spaces
    are never part of a token, even where a modifier extends one."""
    text = "".join(pieces)
    expected = [c.lstrip() for c in regex.findall(r"\X", text) if not c.isspace()]
    found = [c for token in tokens_of(text) for c in regex.findall(r"\X", token)]
    assert found == expected


WORDS = st.sampled_from(["cat", "Paris", "été", "猫が好きです", "你好", "世界"])
EMOJI = st.sampled_from(["🇫🇷", "👍🏽", "⭐️", "👨\u200d👩\u200d👧", "❤️", "1️⃣"])
TOKEN = st.one_of(
    WORDS,
    EMOJI,
    WORDS.map(lambda w: "#" + w),
    WORDS.map(lambda w: "@" + w),
    st.tuples(WORDS, st.sampled_from(["。", "，", "！", "？"])).map("".join),
    st.tuples(WORDS, st.sampled_from([".", ",", "!", "?"])).map("".join),
)


@settings(max_examples=12, deadline=None)
@given(st.lists(TOKEN, min_size=1, max_size=6))
def test_random_text_round_trips(tokens):
    text = " ".join(tokens)
    # CJK punctuation carries its own spacing: no space after it.
    text = regex.sub(r"([。，！？]) ", r"\1", text)
    tokenizer = ks.data.WordTokenizer()
    tokenizer.adapt([text])
    assert tokenizer.decode(tokenizer.encode([text])) == [text]
