"""Tokenizers: round trips, reserved ids, unknown tokens, serialization, graphs, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_seq.data import CharTokenizer, SubwordTokenizer, Tokenizer, WordTokenizer
from tests.data._sentences import sentence

ENGLISH = [
    "It wasn't difficult.",
    "Tom's dog doesn't like cats, does it?",
    "I'd've thought so... (maybe) \"yes\" or no!",
    "The U.S. costs $5.50, i.e. 50% off.",
    "'Hello,' she said.",
    "Call me at 10:30 on 1,000 e-mails.",
]
FRENCH = [
    "Qui est-ce?",
    "C'est l'homme d'affaires qu'il a vu.",
    "Aujourd'hui, j'ai mangé une crème brûlée à Noël.",
    "Élève, ça va?",
    "« Bonjour » dit-il.",
]
GERMAN = [
    "Wie geht's?",
    "Der Straße entlang: Äpfel, Öl und Übermut!",
    "Er hat's eilig.",
    "Er sagte: „Ich hab' keine Lust.“ – „Warum?“",
    "Tom hat ein hieb- und stichfestes Alibi für 100.000 $ und -5 Grad.",
]
ALL = ENGLISH + FRENCH + GERMAN

TOKENIZERS = {
    "char": lambda: CharTokenizer(),
    "word": lambda: WordTokenizer(),
    "word_classes": lambda: WordTokenizer(unknown_classes=True),
    "subword": lambda: SubwordTokenizer(max_tokens=400),
}


def text(tensor):
    """The str of a string tensor returned in graph mode (eager `decode` returns str)."""
    assert isinstance(tensor, tf.Tensor) and tensor.dtype == tf.string
    return [t.decode("utf-8") for t in np.asarray(tensor).ravel()]


@pytest.fixture(scope="module", params=sorted(TOKENIZERS))
def adapted(request):
    tokenizer = TOKENIZERS[request.param]()
    tokenizer.adapt(ALL * 3)
    return tokenizer


def test_round_trip_on_english_french_german(adapted):
    assert adapted.decode(adapted.encode(ALL)) == ALL


def test_french_typographic_spaces_are_normalised_and_dropped_before_marks():
    tokenizer = WordTokenizer()
    tokenizer.adapt(["Cours\u202f!", "Qui est-ce\u00a0?"])
    ids = tokenizer.encode(["Cours\u202f!", "Cours !", "Cours!"])
    assert np.array_equal(ids[0], ids[1]) and np.array_equal(ids[1], ids[2])
    assert tokenizer.decode(ids) == ["Cours!"] * 3


def test_accents_and_case_are_kept_unless_lowercase():
    cased = WordTokenizer()
    cased.adapt(["Élève À Noël"])
    assert {"Élève", "À", "Noël"} <= set(cased.get_vocabulary())
    lowered = WordTokenizer(lowercase=True)
    lowered.adapt(["Élève À Noël"])
    assert {"élève", "à", "noël"} <= set(lowered.get_vocabulary())
    assert lowered.decode(lowered.encode(["ÉLÈVE à NOËL"])) == ["élève à noël"]


def test_punctuation_and_clitics_are_separate_tokens():
    tokenizer = WordTokenizer()
    tokenizer.adapt(["It wasn't difficult.", "l'homme est-ce"])
    tokens = [tokenizer.id_to_token(i) for i in tokenizer.encode("It wasn't difficult.").numpy()]
    assert tokens == ["It", "wasn", "'t", "difficult", ".", "[END]"]
    tokens = [tokenizer.id_to_token(i) for i in tokenizer.encode("l'homme est-ce").numpy()]
    assert tokens == ["l'", "homme", "est", "@-@", "ce", "[END]"]


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(sentences=st.lists(sentence, min_size=1, max_size=12))
def test_word_round_trip_on_generated_sentences(sentences):
    tokenizer = WordTokenizer()
    tokenizer.adapt(sentences)
    assert tokenizer.decode(tokenizer.encode(sentences)) == sentences


@settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(sentences=st.lists(sentence, min_size=1, max_size=12))
def test_subword_round_trip_on_generated_sentences(sentences):
    tokenizer = SubwordTokenizer(max_tokens=2000)
    tokenizer.adapt(sentences)
    assert tokenizer.decode(tokenizer.encode(sentences)) == sentences


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(raw=st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=6))
def test_char_round_trip_on_any_text_up_to_whitespace(raw):
    tokenizer = CharTokenizer()
    tokenizer.adapt(raw)
    normalised = [" ".join("".join(c if c.isprintable() else " " for c in s).split()) for s in raw]
    # Python's split and RE2's [\s\pZ] agree on printable text; control characters aside.
    tokenizer.adapt(normalised)
    assert tokenizer.decode(tokenizer.encode(normalised)) == normalised


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_reserved_ids_are_stable(name):
    tokenizer = TOKENIZERS[name]()
    tokenizer.adapt(["[END] [PAD] a b c", "a b"] * 3)
    assert (tokenizer.pad_id, tokenizer.start_id, tokenizer.end_id, tokenizer.unknown_id) == (
        0,
        1,
        2,
        3,
    )
    assert tokenizer.get_vocabulary()[:4] == ["[PAD]", "[START]", "[END]", "[UNK]"]
    ids = tokenizer.encode(["[END]", ""], add_start=True).numpy()
    assert ids[0, 0] == 1 and ids[1, :2].tolist() == [1, 2]
    assert 2 not in ids[0, 1:-1].tolist() and ids[0, -1] == 2  # the text "[END]" is no end id


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_every_row_ends_with_end_id_and_pads_with_zero(name):
    tokenizer = TOKENIZERS[name]()
    tokenizer.adapt(ALL)
    ids = tokenizer.encode(["Qui est-ce?", "", ALL[2]]).numpy()
    lengths = (ids != 0).sum(axis=1)
    assert ids.dtype == np.int32
    assert [row[n - 1] for row, n in zip(ids, lengths)] == [2, 2, 2]
    assert all((row[n:] == 0).all() for row, n in zip(ids, lengths))
    no_end = tokenizer.encode(["Qui est-ce?"], add_end=False).numpy()
    assert 2 not in no_end.tolist()[0]


def test_unknown_words_map_to_unknown_id():
    tokenizer = WordTokenizer()
    tokenizer.adapt(["the cat sat."])
    ids = tokenizer.encode("the dog sat.").numpy().tolist()
    assert ids == [tokenizer.token_to_id("the"), 3, tokenizer.token_to_id("sat"), 4, 2]
    assert tokenizer.decode(ids) == "the [UNK] sat."
    chars = CharTokenizer()
    chars.adapt(["abc"])
    assert chars.encode("abz").numpy().tolist() == [
        chars.token_to_id("a"),
        chars.token_to_id("b"),
        3,
        2,
    ]


def test_decode_drops_everything_after_the_first_end_and_pad_start():
    tokenizer = WordTokenizer(vocabulary=["hello", "world", "."])
    hello, world, dot = 4, 5, 6
    ids = [[1, hello, 0, world, 2, dot, dot], [hello, world, dot, 0, 0, 0, 0]]
    assert tokenizer.decode(ids) == ["hello world", "hello world."]
    assert tokenizer.decode([1, 2, hello]) == ""


def test_max_tokens_and_min_frequency_limit_the_vocabulary():
    texts = ["a a a b b c"]
    tokenizer = WordTokenizer(max_tokens=6)
    tokenizer.adapt(texts)
    assert tokenizer.get_vocabulary()[4:] == ["a", "b"]
    tokenizer = WordTokenizer(min_frequency=3)
    tokenizer.adapt(texts)
    assert tokenizer.get_vocabulary()[4:] == ["a"]


def test_pre_split_adapt_and_lookup_keep_words_whole():
    tokenizer = WordTokenizer()
    tokenizer.adapt([["do", "n't", "U.S."], ["go", "."]])
    assert {"n't", "U.S."} <= set(tokenizer.get_vocabulary())
    ids = tokenizer.lookup([["do", "n't"], ["U.S.", "zzz"]])
    assert ids.to_list() == [
        [tokenizer.token_to_id("do"), tokenizer.token_to_id("n't")],
        [tokenizer.token_to_id("U.S."), 3],
    ]


@pytest.mark.parametrize("name", sorted(TOKENIZERS))
def test_config_round_trip_keeps_the_vocabulary(name):
    tokenizer = TOKENIZERS[name]()
    tokenizer.adapt(ALL * 3)
    clone = type(tokenizer).from_config(tokenizer.get_config())
    assert clone.get_vocabulary() == tokenizer.get_vocabulary()
    assert np.array_equal(clone.encode(ALL), tokenizer.encode(ALL))
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(tokenizer))
    assert type(revived) is type(tokenizer)
    assert revived.get_vocabulary() == tokenizer.get_vocabulary()


def test_keras_file_and_export_of_a_model_holding_a_tokenizer(adapted, tmp_path):
    inputs = keras.Input(shape=(), dtype="string")
    ids = adapted(inputs)
    embedded = keras.layers.Embedding(adapted.vocabulary_size, 4, mask_zero=True)(ids)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(embedded))
    batch = tf.constant(ALL)
    expected = model(batch)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    tokenizer = next(layer for layer in loaded.layers if isinstance(layer, Tokenizer))
    assert type(tokenizer) is type(adapted)
    assert tokenizer.get_vocabulary() == adapted.get_vocabulary()
    np.testing.assert_allclose(loaded(batch), expected, atol=1e-6)
    model.export(str(tmp_path / "exported"), verbose=False)
    exported = tf.saved_model.load(str(tmp_path / "exported"))  # keep: it owns the tables
    np.testing.assert_allclose(exported.serve(batch), expected, atol=1e-6)


def test_encode_decode_inside_tf_function_and_saved_model(adapted, tmp_path):
    eager_ids = adapted.encode(ALL)
    eager_texts = adapted.decode(eager_ids)
    encode = tf.function(lambda texts: adapted.encode(texts))
    decode = tf.function(lambda ids: adapted.decode(ids))
    np.testing.assert_array_equal(encode(tf.constant(ALL)), eager_ids)
    assert eager_texts == ALL
    assert text(decode(eager_ids)) == eager_texts
    assert text(tf.function(lambda row: adapted.decode(row))(eager_ids[0])) == ALL[:1]

    class Module(tf.Module):
        def __init__(self, tokenizer):
            super().__init__()
            self.tokenizer = tokenizer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def encode(self, texts):
            return self.tokenizer.encode(texts)

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
        def decode(self, ids):
            return self.tokenizer.decode(ids)

    tf.saved_model.save(Module(adapted), str(tmp_path / "module"))
    reloaded = tf.saved_model.load(str(tmp_path / "module"))
    np.testing.assert_array_equal(reloaded.encode(tf.constant(ALL)), eager_ids)
    assert text(reloaded.decode(eager_ids)) == ALL


def test_encode_inside_tf_data_map(adapted):
    dataset = tf.data.Dataset.from_tensor_slices(ALL).batch(4).map(adapted.encode)
    rows = [row[row != 0].tolist() for batch in dataset for row in batch.numpy()]
    expected = [row[row != 0].tolist() for row in adapted.encode(ALL).numpy()]
    assert rows == expected


def test_scalar_and_column_inputs():
    tokenizer = WordTokenizer()
    tokenizer.adapt(["a b c"])
    single = tokenizer.encode("a b")
    assert single.shape == (3,)
    assert tokenizer.decode(single) == "a b"
    column = tokenizer.encode(np.array([["a"], ["b c"]]))
    assert column.shape == (2, 3)


def test_bad_input_is_reported():
    tokenizer = WordTokenizer()
    with pytest.raises(ValueError, match="adapt"):
        tokenizer.encode(["a"])
    with pytest.raises(ValueError, match="must not be empty"):
        tokenizer.adapt([])
    with pytest.raises(TypeError, match="only strings"):
        tokenizer.adapt(["a", 3])
    tokenizer.adapt(["a b"])
    with pytest.raises(TypeError, match="texts"):
        tokenizer.encode(42)
    with pytest.raises(TypeError, match="dtype int32"):
        tokenizer.encode(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="must not be empty"):
        tokenizer.encode([])
    with pytest.raises(ValueError, match=r"\[0, 6\).*Received: ids from 4 to 99"):
        tokenizer.decode([[4, 99]])
    with pytest.raises(TypeError, match="integer token ids.*dtype float64"):
        tokenizer.decode([[0.5]])
    with pytest.raises(TypeError, match="integer token ids.*dtype string"):
        tokenizer.decode(tf.constant([["a"]]))
    with pytest.raises(ValueError, match=r"\(batch_size, timesteps\).*shape \(1, 1, 1\)"):
        tokenizer.decode([[[4]]])
    with pytest.raises(ValueError, match="max_tokens=2"):
        WordTokenizer(max_tokens=2)
    with pytest.raises(TypeError, match="min_frequency=1.0"):
        WordTokenizer(min_frequency=1.0)
    with pytest.raises(TypeError, match="lowercase='yes'"):
        WordTokenizer(lowercase="yes")
    with pytest.raises(TypeError, match=r"vocabulary\[1\]=3"):
        WordTokenizer(vocabulary=["a", 3])
    with pytest.raises(TypeError, match="vocabulary='abc'"):
        WordTokenizer(vocabulary="abc")
    with pytest.raises(ValueError, match="reserved tokens"):
        WordTokenizer(vocabulary=["a", "[END]"])
    with pytest.raises(TypeError, match="list of strings"):
        CharTokenizer().adapt([["a", "b"]])


def test_eager_decode_returns_python_str_like_keras_hub_detokenize():
    tokenizer = WordTokenizer(vocabulary=["a", "b"])
    batch = tokenizer.decode(np.array([[4, 5, 2], [5, 0, 0]], "int64"))
    assert batch == ["a b", "b"] and all(type(t) is str for t in batch)
    assert tokenizer.decode(tf.constant([5, 4])) == "b a"
    assert tokenizer.decode(tf.ragged.constant([[4], [5, 4]])) == ["a", "b a"]
    assert tokenizer.decode(np.zeros((0, 3), "int32")) == []


def test_encode_returns_int32_ids_of_the_documented_shapes():
    tokenizer = WordTokenizer(vocabulary=["a", "b"])
    batch = tokenizer.encode(["a b", "b"])
    assert isinstance(batch, tf.Tensor) and batch.dtype == tf.int32
    assert batch.numpy().tolist() == [[4, 5, 2], [5, 2, 0]]
    single = tokenizer.encode("a", add_start=True)
    assert single.dtype == tf.int32 and single.numpy().tolist() == [1, 4, 2]
    ragged = tokenizer.encode(["a b", "b"], ragged=True)
    assert isinstance(ragged, tf.RaggedTensor) and ragged.dtype == tf.int32
    assert ragged.to_list() == [[4, 5, 2], [5, 2]]


def test_out_of_range_ids_in_a_graph_decode_as_unknown():
    tokenizer = WordTokenizer(vocabulary=["a"])
    decode = tf.function(lambda ids: tokenizer.decode(ids))
    assert text(decode(tf.constant([[4, 99, -1]]))) == ["a [UNK] [UNK]"]


def _spelling_classes(word):
    """The unknown-word classes of `word` as `WordTokenizer(unknown_classes=True)`
    documents them, written with Python's str methods (an independent reference)."""
    letters = [c for c in word if c.isalpha()]
    if (
        len(letters) >= 2
        and all(c.isupper() for c in letters if c.isupper() or c.islower())
        and any(c.isupper() for c in letters)
        and not any(c.islower() for c in letters)
    ):
        case = "A"
    elif letters and letters[0].isupper() and any(c.islower() for c in letters):
        case = "Aa"
    else:
        case = "a"
    shape = case + ("0" if any(c.isdigit() for c in word) else "") + ("-" if "-" in word else "")
    return f"[UNK:{shape}:{word.lower()[-3:]}]", f"[UNK:{shape}]"


SPELLINGS = [
    "Bouchard",
    "re-elected",
    "1990s",
    "tweeting",
    "NASA",
    "I",
    "x",
    "3D",
    "U2",
    "Éric",
    "ÉCOLE",
    "straße",
    "über-cool",
    "McDonald",
    "iPhone",
    "A-1",
    "ok",
]


def test_unknown_words_map_to_the_classes_of_their_spelling():
    fine = [_spelling_classes(w)[0] for w in SPELLINGS]
    coarse = [_spelling_classes(w)[1] for w in SPELLINGS]
    # Every coarse class, and the fine classes of all but the first two words.
    vocabulary = ["known"] + sorted(set(coarse)) + sorted(set(fine[2:]) - set(coarse))
    tokenizer = WordTokenizer(vocabulary=vocabulary, unknown_classes=True)
    ids = tokenizer.lookup([SPELLINGS + ["known"]]).to_list()[0]
    expected = [coarse[0], coarse[1]] + fine[2:] + ["known"]
    assert [tokenizer.id_to_token(i) for i in ids] == expected
    # Without its coarse class either, a word is `[UNK]`; without the option, all are.
    bare = WordTokenizer(vocabulary=["known", *fine[1:]], unknown_classes=True)
    assert bare.lookup([SPELLINGS[:1]]).to_list() == [[bare.unknown_id]]
    plain = WordTokenizer(vocabulary=vocabulary)
    assert set(plain.lookup([SPELLINGS]).to_list()[0]) == {plain.unknown_id}


def test_unknown_classes_are_learned_by_adapt_within_max_tokens():
    words = "walking talking singing ringing bringing wanted hunted painted Paris"
    tokenizer = WordTokenizer(unknown_classes=True)
    tokenizer.adapt([words])
    learned = tokenizer.get_vocabulary()[4:]
    assert learned[:9] == sorted(words.split())
    # Coarse classes first, by words sharing them; a fine class needs five words.
    assert learned[9:] == ["[UNK:a]", "[UNK:Aa]", "[UNK:a:ing]"]
    assert tokenizer.decode(tokenizer.encode("Oslo jumping sorted")) == (
        "[UNK:Aa] [UNK:a:ing] [UNK:a]"
    )
    small = WordTokenizer(unknown_classes=True, max_tokens=4 + 5)
    small.adapt([words])
    assert small.vocabulary_size == 9
    assert small.get_vocabulary()[-3:] == ["[UNK:a]", "[UNK:Aa]", "[UNK:a:ing]"]


def test_text_encoding_and_lookup_agree_with_unknown_classes(tmp_path):
    tokenizer = WordTokenizer(unknown_classes=True)
    tokenizer.adapt(ENGLISH * 2)
    texts = ["Walking in Oslo, NASA's re-elected 1990s boss was tweeting."]
    words = tokenizer._split(tf.constant(texts)).to_list()
    expected = tokenizer.lookup([[w.decode() for w in words[0]]]).to_list()[0] + [2]
    assert tokenizer.encode(texts).numpy()[0].tolist() == expected
    classes = {tokenizer.id_to_token(i) for i in expected if i >= tokenizer.token_to_id("[UNK:a]")}
    assert classes == {"[UNK:a]", "[UNK:Aa]", "[UNK:a0]"}
    # No all-capitals word was learned, so `NASA` has no class and stays `[UNK]`.
    assert expected.count(tokenizer.unknown_id) == 1
    graph = tf.function(lambda t: tokenizer.encode(t))
    assert graph(tf.constant(texts)).numpy()[0].tolist() == expected
    clone = WordTokenizer.from_config(tokenizer.get_config())
    assert clone.unknown_classes and clone.encode(texts).numpy()[0].tolist() == expected


def test_unknown_ids_give_a_known_words_class():
    tokenizer = WordTokenizer(unknown_classes=True)
    words = "walking talking singing ringing bringing Paris Oslo"
    tokenizer.adapt([words])
    ids = tokenizer.lookup([words.split()]).to_tensor()
    as_unknown = [tokenizer.id_to_token(int(i)) for i in tokenizer.unknown_ids(ids)[0]]
    assert as_unknown == ["[UNK:a:ing]"] * 5 + ["[UNK:Aa]"] * 2
    reserved = tokenizer.unknown_ids(tf.constant([0, 1, 2, 3])).numpy().tolist()
    assert reserved == [0, 1, 2, 3]
    classes = [tokenizer.token_to_id(t) for t in ("[UNK:a]", "[UNK:Aa]", "[UNK:a:ing]")]
    assert tokenizer.unknown_ids(classes).numpy().tolist() == classes
    plain = WordTokenizer()
    plain.adapt([words])
    assert set(plain.unknown_ids(plain.lookup([words.split()])).to_list()[0]) == {3}
    with pytest.raises(TypeError, match="unknown_classes"):
        WordTokenizer(unknown_classes="yes")
    with pytest.raises(ValueError, match=r"`ids` must hold ids in \[0, 14\).*from 0 to 14"):
        tokenizer.unknown_ids([0, 14])
    with pytest.raises(TypeError, match="ids"):
        tokenizer.unknown_ids([0.5])
    graph = tf.function(tokenizer.unknown_ids)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must hold ids in"):
        graph(tf.constant([3, 99]))
