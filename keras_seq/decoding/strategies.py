"""Decoding strategies: objects that carry their settings and decode a step function."""

import typing

import keras

from keras_seq import checks
from keras_seq._settings import Settings
from keras_seq.decoding import processors as processors_lib
from keras_seq.decoding.beam import beam_search
from keras_seq.decoding.greedy import greedy_search
from keras_seq.decoding.sampling import sample


class DecodingResult(typing.NamedTuple):
    """What every strategy returns, whatever its settings.

    Attributes:
        ids: int32 `(batch_size, num_return, max_length)`: the emitted tokens, start
            token excluded, end token included when one was produced, 0 after it.
        scores: float32 `(batch_size, num_return)`: summed log-probabilities of the
            emitted tokens, length-penalised where the strategy says so; best first.
        lengths: int32 `(batch_size, num_return)`: emitted tokens, end included.
    """

    ids: typing.Any
    scores: typing.Any
    lengths: typing.Any


class DecodingStrategy(Settings):
    """Base of `GreedySearch`, `BeamSearch` and `Sampling`.

    A strategy validates its settings when it is made, serializes them with
    `get_config`, and decodes any step function (see `keras_seq.decoding.step_contract`)
    when called. Subclasses name the decoding function they call in `_function` and
    list their settings in `_setting_names`: attributes named like the constructor's
    arguments and like the function's keyword arguments, which receive them. Every
    strategy also takes `processors`, a list of `keras_seq.decoding` processors run on
    each step's log-probabilities; the scores it returns are the sums of the
    log-probabilities the processors leave (see `keras_seq.decoding.processors`).
    """

    #: Hypotheses returned per input.
    num_return = 1
    _setting_names = ()

    def __call__(
        self,
        step_fn,
        state,
        *,
        start_id,
        end_id,
        max_length,
        constants=None,
        forbidden_ids=(),
        prefix=None,
    ):
        """Decodes from `state` with `step_fn`.

        Args:
            step_fn: callable. `step_fn(token_ids, state[, constants]) -> (logits,
                new_state)`.
            state: nest of tensors, shapes `(batch_size, ...)`.
            start_id: int. The token fed at the first step; not part of the output.
            end_id: int. The token that ends a sequence; kept in the output.
            max_length: int. Output columns and the most tokens emitted, end included.
            constants: nest of tensors or None. Passed to `step_fn` unchanged.
            forbidden_ids: list of ints. Tokens never emitted; the others keep their
                log-probabilities (no renormalisation).
            prefix: the start of every output, per batch element (autocompletion):
                an int tensor `(batch_size, prefix_length)` padded with -1, a
                `tf.RaggedTensor`, a list of lists, or a `ForcedPrefix` (which may
                carry a soft `bias` instead). Applied after the strategy's processors.
                Defaults to `None`.

        Returns:
            A `DecodingResult(ids, scores, lengths)`.
        """
        ids, scores, lengths = self._function(
            step_fn,
            state,
            **{name: getattr(self, name) for name in self._setting_names},
            processors=self.processors + _prefix_processors(prefix, state),
            start_id=start_id,
            end_id=end_id,
            max_length=max_length,
            constants=constants,
            forbidden_ids=forbidden_ids,
            return_lengths=True,
        )
        if len(ids.shape) == 2:  # the single-path functions return one row per input
            ids, scores, lengths = ids[:, None, :], scores[:, None], lengths[:, None]
        return DecodingResult(ids, scores, lengths)

    def get_config(self):
        config = {name: getattr(self, name) for name in self._setting_names}
        if self.processors:  # omitted when empty: configs without them stay as they were
            config["processors"] = [processors_lib.serialize(p) for p in self.processors]
        return config

    def __repr__(self):
        settings = {name: getattr(self, name) for name in self._setting_names}
        if self.processors:
            settings["processors"] = list(self.processors)
        settings = ", ".join(f"{key}={value!r}" for key, value in settings.items())
        return f"{type(self).__name__}({settings})"


def _prefix_processors(prefix, state):
    """`(ForcedPrefix,)` for a call's `prefix` (checked against the batch), or `()`."""
    if prefix is None:
        return ()
    if not isinstance(prefix, processors_lib.ForcedPrefix):
        prefix = processors_lib.ForcedPrefix(prefix)
    leaves = keras.tree.flatten(state)
    batch = getattr(leaves[0], "shape", (None,))[0] if leaves else None
    rows = prefix.table.shape[0]
    if not prefix.shared and None not in (rows, batch) and rows != batch:
        raise ValueError(
            f"Argument `prefix` must hold one prefix per batch element ({batch}). "
            f"Received: {rows} prefixes"
        )
    return (prefix,)


@keras.saving.register_keras_serializable(package="keras_seq")
class GreedySearch(DecodingStrategy):
    """The most likely token at every step (`keras_seq.decoding.greedy_search`).

    Args:
        min_length: int. The end token is forbidden before this many tokens.
            Defaults to `0`.
        processors: list of `keras_seq.decoding` processors (or their serialized
            dicts), run in order on each step's log-probabilities. Defaults to `()`.

    Example:
    >>> import keras, keras_seq
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0, 0, 0], [0, -9, 1, 2], [0, -9, 0, 0], [0, -9, 3, 0]])
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> result = keras_seq.decoding.GreedySearch()(
    ...     step_fn, {"h": keras.ops.zeros((2, 1))}, start_id=1, end_id=2, max_length=4)
    >>> keras.ops.convert_to_numpy(result.ids).tolist()
    [[[3, 2, 0, 0]], [[3, 2, 0, 0]]]
    >>> keras.ops.convert_to_numpy(result.lengths).tolist()
    [[2], [2]]
    """

    _function = staticmethod(greedy_search)
    _setting_names = ("min_length",)

    def __init__(self, min_length=0, processors=()):
        self.min_length = checks.check_int("min_length", min_length, minimum=0)
        self.processors = processors_lib.get_list(processors)


@keras.saving.register_keras_serializable(package="keras_seq")
class BeamSearch(DecodingStrategy):
    """Beam search with alive and finished hypotheses (`keras_seq.decoding.beam_search`).

    Args:
        beam_width: int. Hypotheses kept per input, >= 1 (1 is greedy search).
            Defaults to `4`.
        length_penalty: float. GNMT length penalty alpha, >= 0. Defaults to `0.0`.
        num_return: int. Hypotheses returned per input, best first; in
            `[1, beam_width]`. Defaults to `1`.
        min_length: int. The end token is forbidden before this many tokens.
            Defaults to `0`.
        processors: list of `keras_seq.decoding` processors (or their serialized
            dicts), run in order on each step's log-probabilities. Defaults to `()`.
        coverage_penalty: float. GNMT coverage penalty beta, >= 0, for decoders with
            attention: the step must return its attention weights (see
            `keras_seq.decoding.beam_search`). Defaults to `0.0`.
        num_groups: int. Diverse beam search: groups of `beam_width // num_groups`
            beams; must divide `beam_width`. Defaults to `1`.
        diversity_strength: float >= 0. How much a group avoids the tokens the
            earlier groups kept at the same step (Hamming diversity); it ranks
            candidates, it does not change the scores. Defaults to `0.0`.

    Example:
    >>> import keras, keras_seq
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0, 0, 0], [0, -9, 1, 2], [0, -9, 0, 0], [0, -9, 3, 0]])
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> beam = keras_seq.decoding.BeamSearch(beam_width=3, num_return=2)
    >>> result = beam(step_fn, {"h": keras.ops.zeros((1, 1))}, start_id=1, end_id=2,
    ...               max_length=4)
    >>> keras.ops.convert_to_numpy(result.ids).tolist()
    [[[3, 2, 0, 0], [2, 0, 0, 0]]]
    >>> keras_seq.decoding.get(beam.get_config() | {"class_name": "BeamSearch"}) == beam
    True
    """

    _function = staticmethod(beam_search)
    _setting_names = (
        "beam_width",
        "length_penalty",
        "num_return",
        "min_length",
        "coverage_penalty",
        "num_groups",
        "diversity_strength",
    )

    def __init__(
        self,
        beam_width=4,
        length_penalty=0.0,
        num_return=1,
        min_length=0,
        processors=(),
        coverage_penalty=0.0,
        num_groups=1,
        diversity_strength=0.0,
    ):
        self.beam_width, self.length_penalty, self.num_return = checks.check_beam_settings(
            beam_width, length_penalty, num_return
        )
        self.min_length = checks.check_int("min_length", min_length, minimum=0)
        self.processors = processors_lib.get_list(processors)
        self.coverage_penalty = checks.check_float(
            "coverage_penalty", coverage_penalty, low=0.0, expected="a finite number >= 0"
        )
        self.num_groups, self.diversity_strength = checks.check_diversity(
            num_groups, diversity_strength, self.beam_width
        )


@keras.saving.register_keras_serializable(package="keras_seq")
class Sampling(DecodingStrategy):
    """Random sampling with temperature, top-k and top-p (`keras_seq.decoding.sample`).

    Args:
        temperature: float. Divides the logits, > 0. Defaults to `1.0`.
        top_k: int or None. Sample among the `top_k` most likely tokens. Defaults to
            `None`.
        top_p: float or None. Nucleus threshold in `(0, 1]`. Defaults to `None`.
        seed: int or None. An int gives the same samples for the same inputs (pick
            another seed for other samples); `None` draws fresh samples from Keras's
            global seed generator at every call. Defaults to `None`.
        min_length: int. The end token is forbidden before this many tokens.
            Defaults to `0`.
        processors: list of `keras_seq.decoding` processors (or their serialized
            dicts), run in order on each step's log-probabilities. Defaults to `()`.

    Example:
    >>> import keras, keras_seq
    >>> table = keras.ops.convert_to_tensor(
    ...     [[0.0, 0, 0, 0], [0, -9, 1, 2], [0, -9, 0, 0], [0, -9, 3, 0]])
    >>> def step_fn(token_ids, state):
    ...     return keras.ops.take(table, token_ids, axis=0), state
    >>> sampling = keras_seq.decoding.Sampling(temperature=0.8, top_k=2, seed=7)
    >>> result = sampling(step_fn, {"h": keras.ops.zeros((3, 1))}, start_id=1, end_id=2,
    ...                   max_length=5)
    >>> tuple(result.ids.shape), tuple(result.scores.shape)
    ((3, 1, 5), (3, 1))
    """

    _function = staticmethod(sample)
    _setting_names = ("temperature", "top_k", "top_p", "seed", "min_length")

    def __init__(
        self, temperature=1.0, top_k=None, top_p=None, seed=None, min_length=0, processors=()
    ):
        self.temperature, self.top_k, self.top_p = checks.check_sampling_settings(
            temperature, top_k, top_p
        )
        self.seed = checks.check_int("seed", seed, allow_none=True)
        self.min_length = checks.check_int("min_length", min_length, minimum=0)
        self.processors = processors_lib.get_list(processors)


ALIASES = {"greedy": GreedySearch, "beam": BeamSearch, "sample": Sampling}


def serialize(strategy):
    """Returns `{"class_name": ..., "config": ...}` for a strategy."""
    return {"class_name": type(strategy).__name__, "config": strategy.get_config()}


def deserialize(config):
    """Builds a strategy from `serialize`'s output."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A decoding strategy config must be a dict with a 'class_name' (and a "
            f"'config'). Received: {config!r}"
        )
    classes = {cls.__name__: cls for cls in ALIASES.values()}
    cls = classes.get(config["class_name"]) or ALIASES.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown decoding strategy {config['class_name']!r}; expected one of "
            f"{sorted(classes)}."
        )
    settings = config.get("config")
    if settings is None:  # the flat form: {"class_name": ..., **settings}
        settings = {key: value for key, value in config.items() if key != "class_name"}
    return cls.from_config(settings)


def get(identifier):
    """Returns a decoding strategy for a name, a config dict or an instance.

    Args:
        identifier: `"greedy"`, `"beam"` or `"sample"` (default settings), a dict from
            `serialize` (or `{"class_name": ..., **settings}`), or a `DecodingStrategy`.

    Returns:
        A `DecodingStrategy`.

    Example:
    >>> import keras_seq
    >>> keras_seq.decoding.get("beam") == keras_seq.decoding.BeamSearch(beam_width=4)
    True
    >>> keras_seq.decoding.get({"class_name": "Sampling", "config": {"top_k": 5}}).top_k
    5
    """
    if isinstance(identifier, DecodingStrategy):
        return identifier
    if isinstance(identifier, str):
        if identifier not in ALIASES:
            raise ValueError(
                f"Argument `decoding` must be one of {sorted(ALIASES)}, a config dict or "
                f"a keras_seq.decoding strategy. Received: decoding={identifier!r}"
            )
        return ALIASES[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(
        f"Argument `decoding` must be one of {sorted(ALIASES)}, a config dict or a "
        f"keras_seq.decoding strategy. Received: decoding={identifier!r} (of type "
        f"{type(identifier).__name__})"
    )
