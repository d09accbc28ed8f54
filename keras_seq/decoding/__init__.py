"""keras_seq.decoding."""
