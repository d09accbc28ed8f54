import keras
import numpy as np
import pytest

from keras_seq.cudnn import cudnn_report
from keras_seq.layers import RNNDecoder, RNNEncoder
from tests.keras_checks import assert_all_close

pytestmark = pytest.mark.backend_neutral

SOURCE = np.array([[4, 5, 6, 2], [7, 8, 2, 0], [9, 2, 0, 0]], "int32")
TARGET = np.array([[1, 9, 10, 11, 12], [1, 11, 12, 13, 14], [1, 3, 4, 5, 6]], "int32")
VARIANTS = [
    {"attention": None},
    {"attention": "luong"},
    {"attention": "luong", "attention_score": "dot"},
    {"attention": "luong", "input_feeding": True},
    {"attention": "bahdanau"},
]


def encoded(cell, num_layers, units=6):
    encoder = RNNEncoder(12, 5, units, cell=cell, num_layers=num_layers)
    return encoder(SOURCE)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", VARIANTS)
def test_step_equals_teacher_forced_call(cell, num_layers, variant):
    memory, states = encoded(cell, num_layers)
    decoder = RNNDecoder(16, 5, 6, cell=cell, num_layers=num_layers, residual=True, **variant)
    logits = keras.ops.convert_to_numpy(
        decoder(TARGET, initial_state=states, memory=memory, memory_mask=SOURCE != 0)
    )
    state = decoder.get_initial_state(3, states)
    constants = decoder.prepare_memory(memory, SOURCE != 0)
    for t in range(TARGET.shape[1]):
        step_logits, state = decoder.step(TARGET[:, t], state, constants)
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)


@pytest.mark.parametrize("variant", VARIANTS)
def test_source_padding_never_changes_outputs(variant):
    encoder = RNNEncoder(12, 5, 6, bidirectional=True)
    decoder = RNNDecoder(16, 5, 12, **variant)
    memory, states = encoder(SOURCE)
    logits = decoder(TARGET, initial_state=states, memory=memory, memory_mask=SOURCE != 0)
    longer = np.pad(SOURCE, [(0, 0), (0, 3)])
    memory, states = encoder(longer)
    padded = decoder(TARGET, initial_state=states, memory=memory, memory_mask=longer != 0)
    assert_all_close(padded, logits, atol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
def test_keras_round_trip_and_attention_weights(variant, tmp_path):
    source = keras.Input((None,), dtype="int32")
    target = keras.Input((None,), dtype="int32")
    memory, states = RNNEncoder(12, 5, 6, num_layers=2)(source)
    decoder = RNNDecoder(16, 5, 6, num_layers=2, **variant)
    logits = decoder(
        target, initial_state=states, memory=memory, memory_mask=keras.ops.not_equal(source, 0)
    )
    model = keras.Model([source, target], logits)
    expected = model([SOURCE, TARGET])
    assert tuple(expected.shape) == (3, 5, 16) == decoder.compute_output_shape(TARGET.shape)
    model.save(tmp_path / "decoder.keras")
    assert_all_close(
        keras.models.load_model(tmp_path / "decoder.keras")([SOURCE, TARGET]), expected
    )
    clone = RNNDecoder.from_config(decoder.get_config())
    assert clone.get_config() == decoder.get_config()
    if variant["attention"] is not None:
        memory, states = RNNEncoder(12, 5, 6)(SOURCE)
        _, weights = RNNDecoder(16, 5, 6, **variant)(
            TARGET,
            initial_state=states,
            memory=memory,
            memory_mask=SOURCE != 0,
            return_attention=True,
        )
        weights = keras.ops.convert_to_numpy(weights)
        assert weights.shape == (3, 5, 4)
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.all(weights[2, :, 2:] == 0)


def test_parallel_variants_stay_on_the_cudnn_path():
    for variant in VARIANTS[:3]:
        decoder = RNNDecoder(16, 5, 6, num_layers=2, **variant)
        assert not decoder.loops_over_steps
        assert cudnn_report(decoder) == []
    assert RNNDecoder(16, 5, 6, attention="bahdanau").loops_over_steps


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"attention": "additive"}, ValueError, "attention='additive'"),
        ({"input_feeding": True}, ValueError, "needs attention='luong'"),
        ({"cell": "lstn"}, ValueError, "cell='lstn'"),
        ({"num_layers": 0}, ValueError, "num_layers=0"),
        ({"attention": "luong", "attention_score": "concat"}, ValueError, "score='concat'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        RNNDecoder(16, 5, 6, **kwargs)


def test_attention_without_memory_is_an_error():
    with pytest.raises(ValueError, match="needs `memory`"):
        RNNDecoder(16, 5, 6, attention="luong")(TARGET)


def test_bad_target_ids():
    with pytest.raises(ValueError, match="vocabulary size"):
        RNNDecoder(16, 5, 6)(TARGET + 10)
    with pytest.raises(TypeError, match="dtype float32"):
        RNNDecoder(16, 5, 6)(TARGET.astype("float32"))
