"""keras_seq.decoding: greedy search, beam search and sampling over a step function."""

from keras_seq.decoding.beam import beam_search
from keras_seq.decoding.greedy import greedy_search
from keras_seq.decoding.sampling import sample

__all__ = ["beam_search", "greedy_search", "sample"]
