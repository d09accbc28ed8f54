"""keras_seq.data."""
