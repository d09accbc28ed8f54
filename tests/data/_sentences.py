"""Hypothesis strategies for normalised sentences, written the usual English way."""

from hypothesis import strategies as st

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêàâçôûüöäßñÉÀÇ"

word = st.text(alphabet=LETTERS, min_size=1, max_size=7)
number = st.one_of(
    st.integers(0, 9999).map(str),
    st.tuples(st.integers(0, 99), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]}"),
    st.tuples(st.integers(1, 9), st.integers(0, 999)).map(lambda t: f"{t[0]},{t[1]:03d}"),
)
clitic = st.sampled_from(["'s", "'t", "'re", "'ll", "'d", "'m", "'ve", "’s"])
elision = st.sampled_from(["l'", "d'", "j'", "qu'", "c'", "n'", "L'", "l’"])

token = st.one_of(
    word,
    word,
    number,
    st.tuples(word, clitic).map("".join),
    st.tuples(elision, word).map("".join),
    st.tuples(word, st.sampled_from(["-", "/", ".", "--", "...", "—"]), word).map("".join),
    st.tuples(word, st.sampled_from([",", ";", ":"])).map("".join),
    word.map(lambda w: f"({w})"),
    word.map(lambda w: f'"{w}"'),
    word.map(lambda w: f"“{w}”"),
    word.map(lambda w: f"'{w}'"),
    word.map(lambda w: f"{w}s'"),  # plural possessive
    word.map(lambda w: f"{w}-"),  # German suspended hyphen: "hinauf- und"
    number.map(lambda n: f"-{n}"),
    number.map(lambda n: f"${n}"),
    number.map(lambda n: f"{n}%"),
)
ending = st.sampled_from(["", ".", "!", "?", "...", "?!", "…"])

sentence = st.tuples(st.lists(token, min_size=1, max_size=8), ending).map(
    lambda parts: " ".join(parts[0]) + parts[1]
)
