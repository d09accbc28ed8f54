"""Graph-only text helpers shared by the tokenizers: normalising, splitting, re-spacing.

Everything here is made of `tf.strings` ops (RE2 regular expressions with Unicode
classes), so it runs inside `tf.function`, `tf.data` and a SavedModel with nothing but
TensorFlow.

Word splitting (`split_words`), in this order:

1. Every run of whitespace or Unicode space separators (`\\s`, `\\p{Z}`: U+00A0, U+202F,
   U+2009, ...) becomes one ASCII space; the ends are stripped.
2. Punctuation between two letters/digits with no space around it becomes one marker
   token `@X@` (`est-ce` -> `est @-@ ce`, `3.5` -> `3 @.@ 5`, `U.S.` -> `U @.@ S .`,
   `meals--and` -> `meals @--@ and`), so `join_words` glues it back.
3. An apostrophe (`'`, `’`) or hyphen that is not between two letters/digits keeps its
   attachment in its token: `'@` opens (glued to the right: `'Hello`), `@'` closes or
   ends a word (glued to the left: `wives' tales`, `hab'`), `'` alone was spaced;
   likewise `-@` (`-5`), `@-` (`hinauf- und`) and `-`.
4. Between two letters, English clitics split before the apostrophe (`wasn't` ->
   `wasn 't`, `Tom's` -> `Tom 's`, `geht's` -> `geht 's`) and any other apostrophe
   splits after it (French elision: `l'homme` -> `l' homme`).
5. Every other punctuation mark or symbol is a token of its own, with what extends it
   into one user-perceived character (an approximation of Unicode's extended grapheme
   clusters, as RE2 has no `\\X`): combining marks, variation selectors, emoji skin
   tones, tags, and zero-width-joined symbols (`👍🏽`, `⭐️`, `👨‍👩‍👧`), and
   regional-indicator pairs (flags: `🇫🇷`). `#` and `@` opening a word stay on it
   (`#hashtag`, `@user`).

`join_words` undoes this with English spacing: markers, clitics, elisions and
attachment tokens are glued back; no space before `. , ! ? ; : % ) ] } …`, none after
`( [ { ¿ ¡`; none on either side of CJK punctuation (`。，！？「」`, fullwidth forms),
which carries its own spacing (`猫が好きです。`, `你好，世界！`); a currency sign
`$ £ € ¥` is glued to a number that follows it; straight double quotes `"`, English
`“ ”` and German `„ “` are paired left to right. So
`join_words(split_words(s)) == s` for text written that way with single spaces.
French spacing before `! ? : ;` and `%` is therefore lost (`Cours !` decodes to
`Cours!`); `« »` keep their spaces (`« Bonjour »`). Known misses: a symbol glued to
the end of a word (`C++` -> `C + +`, `°C` -> `° C`), a space before `...`, and a
leading decimal point (`.08`).
"""

import numpy as np
import tensorflow as tf

from keras_seq.checks import check_dtype, check_id_range

SPECIAL_TOKENS = ("[PAD]", "[START]", "[END]", "[UNK]")
PAD_ID, START_ID, END_ID, UNKNOWN_ID = 0, 1, 2, 3

_MARK = "\ue000"  # private-use character standing for "@" around inner punctuation
_GLUE = "\ue001"  # private-use character standing for "@" on a quote-like apostrophe
_ALNUM = r"\pL\pN"
_APOSTROPHES = "'’"
_CLOSING = ".,!?;:%)\\]}…"
_OPENING = "(\\[{¿¡"
_CURRENCY = "$£€¥"
# Letters, digits, marks, invisible formats, and emoji skin tones (which extend any
# character, as marks do).
_NOT_PUNCT = rf"{_ALNUM}\pM\p{{Cf}}\x{{1F3FB}}-\x{{1F3FF}}\s"
_HASH, _AT = "\ue002", "\ue003"  # private-use characters standing for a word's "#", "@"
# What extends a symbol into one user-perceived character: a zero-width joiner and the
# symbol it joins, marks (variation selectors, keycaps), formats (tags), skin tones.
_EXTEND = r"(?:\x{200D}[^\s\x{200D}]|[\pM\p{Cf}\x{1F3FB}-\x{1F3FF}])*"
_FLAG = r"[\x{1F1E6}-\x{1F1FF}]{2}"  # a regional-indicator pair
# CJK and fullwidth punctuation: ideographic comma and stop, brackets, fullwidth ! , : ...
_CJK_PUNCT = (
    r"\x{3001}-\x{3003}\x{3008}-\x{3011}\x{3014}-\x{301F}\x{30FB}"
    r"\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF20}\x{FF3B}-\x{FF40}\x{FF5B}-\x{FF65}"
)


def _sub(x, pattern, rewrite):
    return tf.strings.regex_replace(x, pattern, rewrite)


def normalize_spaces(texts):
    """Collapses whitespace and Unicode spaces (U+00A0, U+202F, ...) to single spaces."""
    return tf.strings.strip(_sub(texts, r"[\s\pZ]+", " "))


def lower(texts):
    """Unicode-aware lowercasing (`É` -> `é`)."""
    return tf.strings.lower(texts, encoding="utf-8")


def split_words(texts, lowercase=False):
    """Returns `texts` with word and punctuation tokens separated by single spaces."""
    x = normalize_spaces(texts)
    if lowercase:
        x = lower(x)
    a = _APOSTROPHES
    # A "#" or "@" opening a word (#hashtag, @user) is kept on it.
    x = _sub(x, rf"(^|\s)#([{_ALNUM}])", f"\\1{_HASH}\\2")
    x = _sub(x, rf"(^|\s)@([{_ALNUM}])", f"\\1{_AT}\\2")
    # Punctuation inside a word or number (no space around it): one marker token.
    inner = rf"([{_ALNUM}\pM\p{{Cf}}])([^{_NOT_PUNCT}{a}\x{{E000}}]+)([{_ALNUM}])"
    for _ in range(2):  # two passes: a match consumes the right neighbour (a-b-c)
        x = _sub(x, inner, f"\\1 {_MARK}\\2{_MARK} \\3")
    # Apostrophes and hyphens that are not between two letters/digits keep their
    # attachment: "'@" opens (glued to the right), "@'" closes (glued to the left),
    # "'" is spaced; likewise "-@" ("-5"), "@-" ("hinauf- und"), "-".
    g = f"{a}\\-"
    x = _sub(x, rf"(^|\s)([{g}])(\S)", f"\\1\\2{_GLUE} \\3")
    x = _sub(x, rf"(\S)([{g}])(\s|$)", f"\\1 {_GLUE}\\2\\3")
    x = _sub(x, rf"([{_ALNUM}\pM\p{{Cf}}])([{g}])([^{_NOT_PUNCT}])", f"\\1 {_GLUE}\\2 \\3")
    x = _sub(x, rf"([^{_NOT_PUNCT}])([{a}])([{_ALNUM}])", f"\\1 \\2{_GLUE} \\3")
    x = _sub(x, rf"([^{_NOT_PUNCT}])([{a}])([^{_NOT_PUNCT}])", f"\\1 {_GLUE}\\2 \\3")
    # Between letters: English clitics split before the apostrophe, elisions after.
    x = _sub(x, rf"([{_ALNUM}])([{a}](?i:s|t|re|ve|ll|d|m))([^{_ALNUM}]|$)", "\\1 \\2\\3")
    for _ in range(2):
        x = _sub(x, rf"([{_ALNUM}][{a}])([{_ALNUM}])", "\\1 \\2")
    # Every other punctuation mark or symbol is a token of its own, with its extensions.
    x = _sub(
        x,
        rf"(\x{{E000}}[^\x{{E000}}\s]+\x{{E000}})|(\x{{E001}}-|-\x{{E001}})"
        rf"|((?:{_FLAG}|[^{_NOT_PUNCT}{a}\x{{E000}}-\x{{E003}}]){_EXTEND})",
        " \\1\\2\\3 ",
    )
    x = _sub(x, f"[{_MARK}{_GLUE}{_AT}]", "@")
    x = _sub(x, _HASH, "#")
    return normalize_spaces(x)


def join_words(joined):
    """Re-spaces space-separated word tokens as written text (see the module docstring)."""
    a = _APOSTROPHES
    x = _sub(joined, r" ?@(\S+)@ ?", "\\1")
    x = _sub(x, rf" ([{a}][{_ALNUM}])", "\\1")
    x = _sub(x, rf"([{_ALNUM}][{a}]) ", "\\1")
    x = _sub(x, rf" ?@([{a}\-])", "\\1")
    x = _sub(x, rf"([{a}\-])@ ?", "\\1")
    x = _sub(x, rf" ([{_CLOSING}])", "\\1")
    x = _sub(x, rf"([{_OPENING}]) ", "\\1")
    x = _sub(x, rf" ?([{_CJK_PUNCT}]) ?", "\\1")
    x = _sub(x, rf"([{_CURRENCY}]) ([\pN])", "\\1\\2")
    x = _sub(x, r'" ([^"]*?) "', '"\\1"')
    x = _sub(x, r"“ (.*?) ”", "“\\1”")
    x = _sub(x, r"„ (.*?) ([“‟])", "„\\1\\2")
    return tf.strings.strip(x)


def as_text_tensor(texts, argument="texts"):
    """Converts strings to a 1-D `tf.string` tensor; returns `(tensor, was_scalar)`.

    Accepts a str, bytes, a list/tuple/NumPy array of them, or a string tensor of
    rank 0, 1, or 2 with a last dimension of 1. Raises a TypeError for anything that
    is not text and a ValueError for an empty list or a wrong rank.
    """
    if isinstance(texts, (tf.Tensor, tf.Variable)) or tf.is_tensor(texts):
        if texts.dtype != tf.string:
            raise TypeError(
                f"`{argument}` must hold strings. Received: {argument} with dtype "
                f"{texts.dtype.name}"
            )
        tensor = texts
    elif isinstance(texts, (str, bytes)):
        tensor = tf.constant(texts)
    else:
        if isinstance(texts, np.ndarray):
            values = texts.ravel().tolist()
        elif isinstance(texts, (list, tuple)):
            values = list(texts)
        else:
            raise TypeError(
                f"`{argument}` must be a string, a list of strings or a string tensor. "
                f"Received: {argument}={texts!r:.100}"
            )
        bad = [v for v in values if not isinstance(v, (str, bytes))]
        if bad:
            raise TypeError(
                f"`{argument}` must contain only strings. Received an element "
                f"{bad[0]!r:.60} of type {type(bad[0]).__name__}"
            )
        if not values:
            raise ValueError(f"`{argument}` must not be empty. Received: {argument}={texts!r}")
        tensor = tf.constant([v.encode("utf-8") if isinstance(v, str) else v for v in values])
        if isinstance(texts, np.ndarray):
            tensor = tf.reshape(tensor, texts.shape)
    rank = tensor.shape.rank
    if rank is None:  # unknown inside a graph: taken as a batch
        return tf.reshape(tensor, [-1]), False
    if rank == 2 and tensor.shape[-1] == 1:
        tensor = tf.squeeze(tensor, -1)
        rank = 1
    if rank not in (0, 1):
        raise ValueError(
            f"`{argument}` must be a string or a 1-D batch of strings. Received: {argument} "
            f"with shape {tuple(tensor.shape)}"
        )
    if rank == 0:
        return tf.reshape(tensor, [1]), True
    return tensor, False


def as_id_tensor(ids, vocabulary_size, argument="ids"):
    """Converts token ids to a 2-D int32 tensor; returns `(tensor, was_1d)`.

    Eager inputs are range-checked (ValueError naming the first bad id); inside a
    graph values cannot be read, and out-of-range ids are decoded as the unknown token.
    """
    if isinstance(ids, tf.RaggedTensor):
        ids = ids.to_tensor(PAD_ID)
    if not tf.is_tensor(ids):
        ids = np.asarray(ids)
        if ids.size == 0:  # `[]` and `[[]]` arrive as float64
            ids = ids.astype(np.int32)
    check_dtype(argument, ids.dtype, ("int",), "integer token ids")
    rank = len(ids.shape)
    if rank not in (1, 2):
        raise ValueError(
            f"`{argument}` must have shape (timesteps,) or (batch_size, timesteps). "
            f"Received: {argument} with shape {tuple(ids.shape)}"
        )
    check_id_range(argument, ids, vocabulary_size)
    ids = tf.cast(ids, tf.int32)
    if rank == 1:
        return ids[tf.newaxis], True
    return ids, False
