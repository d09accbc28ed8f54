"""The rewritten tokenizers give sacrebleu's tokens, on real text and on random strings."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International
from sacrebleu.tokenizers.tokenizer_none import NoneTokenizer

from keras_seq.metrics._tokenizers import TOKENIZERS
from tests.metrics._data import anki_groups

pytestmark = pytest.mark.backend_neutral

SACREBLEU = {
    "13a": Tokenizer13a(),
    "intl": TokenizerV14International(),
    "char": TokenizerChar(),
    "none": NoneTokenizer(),
}

# Characters each rule treats specially: the 13a symbol class and its neighbours in
# ASCII, periods/commas/dashes next to digits, entities, Unicode punctuation, symbols,
# numbers and spaces.
TRICKY = (
    "ab Z9 0.,.,-- &;<>'\"!#$%()*+/:=?@[\\]^_`{|}~\n\t\r\x0b\x0c\x1c\u0085"
    "\u00a0\u202f\u2009\u3000éß«»¿¡—–‘’“”…€£¥©®°±×÷¼½²³٣۴一日本。、・"
)
text = st.one_of(
    st.text(alphabet=st.sampled_from(TRICKY), max_size=20),
    st.lists(
        st.sampled_from(["<skipped>", "&quot;", "&amp;", "&lt;", "&gt;", "-\n", "1.5", "a", " "]),
        max_size=8,
    ).map("".join),
    st.text(max_size=12),
)


@settings(max_examples=400, deadline=None)
@given(line=text, name=st.sampled_from(sorted(TOKENIZERS)))
def test_random_strings_tokenize_like_sacrebleu(line, name):
    line = line.rstrip()  # as sacrebleu's BLEU does before tokenizing
    assert TOKENIZERS[name](line) == SACREBLEU[name](line).split()


@pytest.mark.parametrize("language", ["fra", "deu"])
def test_real_sentences_tokenize_like_sacrebleu(language):
    lines = []
    for english, translations in anki_groups(language, every=11, limit=3000):
        lines.append(english)
        lines.extend(translations)
    assert any("\u202f" in line or "\u00a0" in line for line in lines) or language == "deu"
    for name, tokenize in TOKENIZERS.items():
        for line in lines:
            assert tokenize(line.rstrip()) == SACREBLEU[name](line.rstrip()).split(), (name, line)


def test_13a_without_digits_splits_every_period_and_comma():
    # The digit-free shortcut in tokenize_13a.
    for line in ["a..b,,c", ".,.", "x. y, z.", "«a.»", "..."]:
        assert TOKENIZERS["13a"](line) == SACREBLEU["13a"](line).split()
    assert TOKENIZERS["13a"]("It costs 3,000.50 dollars, 2-3 days.") == [
        "It",
        "costs",
        "3,000.50",
        "dollars",
        ",",
        "2",
        "-",
        "3",
        "days",
        ".",
    ]
