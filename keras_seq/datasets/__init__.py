"""keras_seq.datasets."""
