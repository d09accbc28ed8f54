"""keras_seq.decoding: greedy search, beam search and sampling over a step function."""

from keras_seq.decoding.beam import beam_search
from keras_seq.decoding.beam_search_layer import BeamSearch
from keras_seq.decoding.greedy import greedy_search
from keras_seq.decoding.greedy_search_layer import GreedySearch
from keras_seq.decoding.sampler_layer import Sampler
from keras_seq.decoding.sampling import sample
from keras_seq.decoding.search_layer import SearchLayer

__all__ = [
    "BeamSearch",
    "GreedySearch",
    "Sampler",
    "SearchLayer",
    "beam_search",
    "greedy_search",
    "sample",
]
