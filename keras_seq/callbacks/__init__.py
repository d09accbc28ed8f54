"""keras_seq.callbacks."""
