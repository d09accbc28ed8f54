"""keras_seq.models."""
