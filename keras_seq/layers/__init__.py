"""keras_seq.layers."""
