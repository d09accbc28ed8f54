"""keras_seq.decoding: greedy search, beam search and sampling over a step function.

The pure functions (`greedy_search`, `beam_search`, `sample`) decode any step function;
the strategy objects (`GreedySearch`, `BeamSearch`, `Sampling`) carry their settings and
are what models, `DecodingLayer`, `TextGenerator` and the export take. Processors
(`NoRepeatNGram`, `RepetitionPenalty`, ...) adjust each step's log-probabilities and
compose as a strategy's `processors=[...]`. Nothing here
imports `keras_seq.layers` or `keras_seq.models`: a decoder is anything that follows
the step protocol of `keras_seq.decoding.step_contract`.
"""

from keras_seq.decoding.beam import beam_search
from keras_seq.decoding.decoding_layer import DecodingLayer
from keras_seq.decoding.ensemble import Ensemble
from keras_seq.decoding.greedy import greedy_search
from keras_seq.decoding.processors import (
    ForcedPrefix,
    NoRepeatNGram,
    Processor,
    RepetitionPenalty,
    SuppressSequences,
)
from keras_seq.decoding.rescoring import rescore
from keras_seq.decoding.sampling import sample
from keras_seq.decoding.strategies import (
    BeamSearch,
    DecodingResult,
    DecodingStrategy,
    GreedySearch,
    Sampling,
    deserialize,
    get,
    serialize,
)

__all__ = [
    "BeamSearch",
    "DecodingLayer",
    "DecodingResult",
    "DecodingStrategy",
    "Ensemble",
    "ForcedPrefix",
    "GreedySearch",
    "NoRepeatNGram",
    "Processor",
    "RepetitionPenalty",
    "Sampling",
    "SuppressSequences",
    "beam_search",
    "deserialize",
    "get",
    "greedy_search",
    "rescore",
    "sample",
    "serialize",
]
