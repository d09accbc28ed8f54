"""Classes of out-of-vocabulary words, from their spelling (graph ops only).

A word outside a vocabulary need not become one `[UNK]`: its spelling says much of
what it is. `Bouchard`, `re-elected`, `1990s` and `tweeting` are unknown in different
ways. As the Berkeley and Stanford parsers do for their unknown words, a word is
classed by its shape and its last letters:

- the shape: `Aa` (first letter upper case, not all), `A` (all letters upper case,
  two or more letters), `a` (otherwise), then `0` if it has a digit and `-` if it has
  a hyphen;
- the fine class: `[UNK:<shape>:<its last three characters, lower-cased>]`;
- the coarse class: `[UNK:<shape>]`.

`Bouchard` -> `[UNK:Aa:ard]` / `[UNK:Aa]`, `re-elected` -> `[UNK:a-:ted]` / `[UNK:a-]`,
`1990s` -> `[UNK:a0:90s]` / `[UNK:a0]`. The class tokens have no spaces (the exported
tagger joins tokens with spaces) and cannot come out of `split_words` (which splits
`[` and `]` off), so a text never spells one.
"""

import collections

import tensorflow as tf

# A fine class enters the vocabulary when this many distinct training words share it:
# fewer is a class learned from one or two words, which is a word embedding by another
# name.
MIN_WORDS_PER_CLASS = 5
SUFFIX_LENGTH = 3


def class_tokens(words):
    """1-D string tensor of words -> `(fine, coarse)` 1-D string tensors of classes."""
    words = tf.convert_to_tensor(words, tf.string)
    has_upper = tf.strings.regex_full_match(words, r".*\p{Lu}.*")
    has_lower = tf.strings.regex_full_match(words, r".*\p{Ll}.*")
    upper_first = tf.strings.regex_full_match(words, r"[^\pL]*\p{Lu}.*")
    two_letters = tf.strings.regex_full_match(words, r".*\pL.*\pL.*")
    case = tf.where(
        has_upper & ~has_lower & two_letters,
        "A",
        tf.where(upper_first & has_lower, "Aa", "a"),
    )
    digit = tf.where(tf.strings.regex_full_match(words, r".*\pN.*"), "0", "")
    hyphen = tf.where(tf.strings.regex_full_match(words, r".*-.*"), "-", "")
    shape = tf.strings.join([case, digit, hyphen])
    suffix = tf.strings.regex_replace(
        tf.strings.lower(words, encoding="utf-8"), rf"^.*?(.{{0,{SUFFIX_LENGTH}}})$", r"\1"
    )
    fine = tf.strings.join(["[UNK:", shape, ":", suffix, "]"])
    coarse = tf.strings.join(["[UNK:", shape, "]"])
    return fine, coarse


def is_class_token(tokens):
    """Whether each of the string tokens is a class token, `[UNK:...]`."""
    return tf.strings.regex_full_match(tokens, r"\[UNK:[^ ]*\]")


def learned_classes(words):
    """The class tokens to add to a vocabulary of `words` (distinct str): every coarse
    class, and each fine class that at least `MIN_WORDS_PER_CLASS` of the words share;
    coarse first, each group by how many words share the class."""
    if not words:
        return []
    fine, coarse = class_tokens(list(words))
    coarse = collections.Counter(coarse.numpy().tolist())
    fine = collections.Counter(fine.numpy().tolist())
    ranked = sorted(coarse.items(), key=lambda item: (-item[1], item[0]))
    ranked += sorted(
        ((t, n) for t, n in fine.items() if n >= MIN_WORDS_PER_CLASS),
        key=lambda item: (-item[1], item[0]),
    )
    return [token.decode("utf-8") for token, _ in ranked]


def unknown_class_ids(tokens, table, unknown_id):
    """Flat string tokens -> the ids of their classes in `table` (a lookup table that
    returns `unknown_id` for what it lacks): the fine class, else the coarse one, else
    `unknown_id`."""
    fine, coarse = class_tokens(tokens)
    fine_ids, coarse_ids = table.lookup(fine), table.lookup(coarse)
    return tf.where(fine_ids != unknown_id, fine_ids, coarse_ids)
