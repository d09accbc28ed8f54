"""keras_seq.datasets: one `load_data` per corpus (`anki`, `ud`, `sentiment`, `dates`,
`melodies`, `timeseries`, `shapes`), from `$KERAS_SEQ_DATA`, a checksummed download, or data
generated or bundled by a package; `tsv.load_data` splits your own pair file the same way."""

from keras_seq.datasets import anki, dates, melodies, sentiment, shapes, timeseries, tsv, ud
from keras_seq.datasets._files import ChecksumError, DataNotFoundError
from keras_seq.datasets._splits import Splits

__all__ = [
    "ChecksumError",
    "DataNotFoundError",
    "Splits",
    "anki",
    "dates",
    "melodies",
    "sentiment",
    "shapes",
    "timeseries",
    "tsv",
    "ud",
]
