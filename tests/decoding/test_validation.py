"""Bad arguments raise before any work, naming the argument and echoing the value."""

import keras
import numpy as np
import pytest

from keras_seq.decoding import beam_search, greedy_search, sample
from tests.decoding.decoding_fakes import RNNModel

pytestmark = pytest.mark.backend_neutral

FUNCTIONS = {
    "greedy": lambda step_fn, state, **kw: greedy_search(step_fn, state, **kw),
    "beam": lambda step_fn, state, **kw: beam_search(step_fn, state, **{"beam_width": 3, **kw}),
    "sample": lambda step_fn, state, **kw: sample(step_fn, state, **{"seed": 0, **kw}),
}
BASE = dict(start_id=0, end_id=1, max_length=4)


class CountingModel(RNNModel):
    def __init__(self):
        super().__init__(0, batch_size=2, vocab_size=5)
        self.calls = 0

    def step_fn(self, token_ids, state, constants=None):
        self.calls += 1
        return super().step_fn(token_ids, state)


def decode(name, model=None, step_fn=None, state=None, **overrides):
    model = model or CountingModel()
    state = model.initial_state()[0] if state is None else state
    return FUNCTIONS[name](step_fn or model.step_fn, state, **{**BASE, **overrides})


ARGUMENT_ERRORS = [
    # (functions, overrides, exception, message fragment)
    ("greedy beam sample", {"max_length": 0}, ValueError, "max_length=0"),
    ("greedy beam sample", {"max_length": 2.0}, TypeError, "max_length=2.0"),
    ("greedy beam sample", {"min_length": -1}, ValueError, "min_length=-1"),
    ("greedy beam sample", {"min_length": 4}, ValueError, "min_length=4"),
    ("greedy beam sample", {"start_id": -1}, ValueError, "start_id=-1"),
    ("greedy beam sample", {"end_id": -2}, ValueError, "end_id=-2"),
    ("greedy beam sample", {"end_id": True}, TypeError, "end_id=True"),
    ("greedy beam", {"length_penalty": -0.5}, ValueError, "length_penalty=-0.5"),
    ("greedy beam", {"length_penalty": float("nan")}, ValueError, "length_penalty=nan"),
    ("greedy beam", {"length_penalty": "0.6"}, TypeError, "length_penalty='0.6'"),
    ("beam", {"beam_width": 0}, ValueError, "Received: beam_width=0"),
    ("beam", {"beam_width": None}, TypeError, "beam_width=None"),
    ("beam", {"num_return": 0}, ValueError, "num_return=0"),
    ("beam", {"num_return": 4}, ValueError, "num_return=4"),
    ("sample", {"temperature": 0.0}, ValueError, "temperature=0.0"),
    ("sample", {"temperature": -1}, ValueError, "temperature=-1"),
    ("sample", {"top_k": 0}, ValueError, "top_k=0"),
    ("sample", {"top_k": 2.5}, TypeError, "top_k=2.5"),
    ("sample", {"top_p": 0.0}, ValueError, "top_p=0.0"),
    ("sample", {"top_p": 1.5}, ValueError, "top_p=1.5"),
    ("sample", {"seed": "abc"}, TypeError, "seed='abc'"),
]


@pytest.mark.parametrize(
    "name, overrides, error, fragment",
    [
        pytest.param(name, overrides, error, fragment, id=f"{name}-{fragment}")
        for names, overrides, error, fragment in ARGUMENT_ERRORS
        for name in names.split()
    ],
)
def test_bad_arguments_raise_before_any_step(name, overrides, error, fragment):
    model = CountingModel()
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(".", r"\.")) as info:
        decode(name, model, **overrides)
    argument = fragment.split("=")[0].split()[-1]
    assert f"`{argument}`" in str(info.value)
    assert model.calls == 0


@pytest.mark.parametrize("name", ["greedy", "beam", "sample"])
def test_step_fn_must_be_callable(name):
    with pytest.raises(TypeError, match="step_fn"):
        FUNCTIONS[name]("not a function", {"h": np.zeros((2, 3))}, **BASE)


@pytest.mark.parametrize("name", ["greedy", "beam", "sample"])
@pytest.mark.parametrize("argument", ["start_id", "end_id"])
def test_ids_outside_the_vocabulary(name, argument):
    # The vocabulary size is known from the first step's logits; this step function
    # ignores the token ids, so the first call itself cannot fail on them.
    def step_fn(token_ids, state):
        return keras.ops.zeros((2, 5)) + keras.ops.sum(state["h"]), state

    with pytest.raises(ValueError, match=rf"\[0, 5\).*Received: {argument}=5"):
        decode(name, step_fn=step_fn, **{argument: 5})


@pytest.mark.parametrize("name", ["greedy", "beam", "sample"])
def test_empty_batch(name):
    with pytest.raises(ValueError, match="empty"):
        decode(name, state={"h": np.zeros((0, 6), "float32")})


@pytest.mark.parametrize("name", ["greedy", "beam", "sample"])
def test_state_without_tensors_or_with_mismatched_batches(name):
    with pytest.raises(ValueError, match="at least one tensor"):
        decode(name, step_fn=lambda t, s: (keras.ops.zeros((2, 5)), s), state={})
    state = {"h": np.zeros((2, 6), "float32"), "c": np.zeros((3, 6), "float32")}
    with pytest.raises(ValueError, match="same leading"):
        decode(name, state=state)
    with pytest.raises(ValueError, match="leading batch dimension"):
        decode(name, state={"h": np.float32(1.0)})


def bad_step(kind):
    model = RNNModel(0, batch_size=2, vocab_size=5)

    def step_fn(token_ids, state):
        logits, new_state = model.step_fn(token_ids, state)
        if kind == "rank":
            logits = logits[:, None, :]
        elif kind == "batch":
            logits = keras.ops.concatenate([logits, logits], axis=0)
        elif kind == "int_logits":
            logits = keras.ops.cast(logits, "int32")
        elif kind == "structure":
            new_state = {"h": new_state["h"], "extra": new_state["h"]}
        elif kind == "shape":
            new_state = {"h": keras.ops.concatenate([new_state["h"]] * 2, axis=1)}
        elif kind == "dtype":
            new_state = {"h": keras.ops.cast(new_state["h"], "float16")}
        elif kind == "arity":
            return logits, new_state, None
        return logits, new_state

    return step_fn


@pytest.mark.parametrize("name", ["greedy", "beam", "sample"])
@pytest.mark.parametrize(
    "kind, error, fragment",
    [
        ("rank", ValueError, r"logits\.shape=\(2, 1, 5\)"),
        ("batch", ValueError, r"called with 2 token ids.*logits\.shape=\(4, 5\)"),
        ("int_logits", TypeError, "floating-point"),
        ("structure", ValueError, "same structure"),
        ("shape", ValueError, r"shape=\(2, 6\).*to shape=\(2, 12\)"),
        ("dtype", ValueError, "float32.*float16"),
        ("arity", TypeError, "pair"),
    ],
)
def test_bad_step_function_outputs(name, kind, error, fragment):
    with pytest.raises(error, match=fragment):
        decode(name, step_fn=bad_step(kind))
