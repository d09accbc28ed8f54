"""The tokenizers of sacrebleu's BLEU: "13a", "intl", "char" and "none".

sacrebleu is a development dependency only, so its tokenizers are rewritten here from the
same rules (mteval-v13a.pl and mteval-v14.pl); the tests compare them with sacrebleu's.
Each function takes one line, already right-stripped (and lowercased when asked), and
returns its list of tokens.
"""

import re

import regex  # a dependency of nltk, which keras-seq requires; `re` lacks \p{...} classes.

# mteval-v13a: these characters become tokens of their own wherever they are.
_13A_SYMBOLS = frozenset('{|}~[\\]^_`!"#$%&()*+:;<=>?@/')
# Period and comma are split off unless they sit next to a digit; dash after a digit.
_13A_DIGIT = re.compile(r"[0-9]")
_13A_PERIOD_COMMA_AFTER_NON_DIGIT = re.compile(r"([^0-9])([\.,])")
_13A_PERIOD_COMMA_BEFORE_NON_DIGIT = re.compile(r"([\.,])([^0-9])")
_13A_DASH_AFTER_DIGIT = re.compile(r"([0-9])(-)")

# mteval-v14 "international": Unicode punctuation (unless between digits) and symbols.
_INTL_PUNCT_AFTER_NON_NUMBER = regex.compile(r"(\P{N})(\p{P})")
_INTL_PUNCT_BEFORE_NON_NUMBER = regex.compile(r"(\p{P})(\P{N})")
_INTL_SYMBOL = regex.compile(r"(\p{S})")


def tokenize_13a(line):
    """Tokenizes like mteval-v13a.pl, the WMT standard and sacrebleu's default."""
    if "\n" in line or "<" in line:
        line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&")
        line = line.replace("&lt;", "<").replace("&gt;", ">")
    # A replace per symbol present is several times faster than one regex substitution.
    for symbol in _13A_SYMBOLS.intersection(line):
        line = line.replace(symbol, f" {symbol} ")
    line = f" {line} "
    if _13A_DIGIT.search(line) is None:
        # Without digits every period and comma is split off (the regexes below agree;
        # the tests check it against sacrebleu on random strings).
        if "." in line:
            line = line.replace(".", " . ")
        if "," in line:
            line = line.replace(",", " , ")
    else:
        line = _13A_PERIOD_COMMA_AFTER_NON_DIGIT.sub(r"\1 \2 ", line)
        line = _13A_PERIOD_COMMA_BEFORE_NON_DIGIT.sub(r" \1 \2", line)
        line = _13A_DASH_AFTER_DIGIT.sub(r"\1 \2 ", line)
    return line.split()


def tokenize_intl(line):
    """Tokenizes like mteval-v14.pl's international tokenization."""
    line = _INTL_PUNCT_AFTER_NON_NUMBER.sub(r"\1 \2 ", line)
    line = _INTL_PUNCT_BEFORE_NON_NUMBER.sub(r" \1 \2", line)
    line = _INTL_SYMBOL.sub(r" \1 ", line)
    return line.split()


def tokenize_char(line):
    """Makes every non-whitespace character a token."""
    return list("".join(line.split()))


def tokenize_none(line):
    """Splits on whitespace only."""
    return line.split()


TOKENIZERS = {
    "13a": tokenize_13a,
    "intl": tokenize_intl,
    "char": tokenize_char,
    "none": tokenize_none,
}
