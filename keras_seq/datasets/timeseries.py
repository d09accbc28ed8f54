"""Real time series bundled with statsmodels (Mauna Loa CO2, yearly sunspots), windowed."""

import numpy as np

from keras_seq.checks import check_choice, check_positive_int
from keras_seq.datasets import _splits

# name -> (description, default window)
SERIES = {
    "co2": ("monthly mean CO2 at Mauna Loa, ppm, 1958-03 to 2001-12 (526 months)", 24),
    "sunspots": ("yearly sunspot activity, 1700 to 2008 (309 years)", 22),
}


def load_series(name="co2"):
    """Returns one bundled series as `(dates, values)` NumPy arrays.

    `"co2"` is statsmodels' weekly Mauna Loa record averaged per month, with the 5
    months that have no measurement linearly interpolated; `"sunspots"` is the
    yearly Wolf number. Nothing is downloaded.

    Args:
        name: str. `"co2"` or `"sunspots"`. Defaults to `"co2"`.

    Returns:
        `(dates, values)`: `datetime64[D]` dates (month or year starts) and float32
        values, oldest first.

    Example:
    >>> from keras_seq.datasets import timeseries
    >>> dates, values = timeseries.load_series("sunspots")
    >>> len(values), str(dates[0])
    (309, '1700-01-01')
    """
    check_choice("name", name, sorted(SERIES))
    try:
        import statsmodels.datasets as sm_datasets
    except ImportError as error:
        raise ImportError(
            "keras_seq.datasets.timeseries needs statsmodels: `pip install statsmodels`."
        ) from error
    if name == "co2":
        weekly = sm_datasets.co2.load_pandas().data["co2"]
        monthly = weekly.resample("MS").mean().interpolate("linear")
        dates = monthly.index.to_numpy().astype("datetime64[D]")
        return dates, monthly.to_numpy(dtype=np.float32)
    frame = sm_datasets.sunspots.load_pandas().data
    years = frame["YEAR"].to_numpy().astype(int)
    dates = np.array([f"{year:04d}-01-01" for year in years], dtype="datetime64[D]")
    return dates, frame["SUNACTIVITY"].to_numpy(dtype=np.float32)


def load_data(name="co2", *, window=None, horizon=1, split=(0.7, 0.15, 0.15)):
    """Windows a bundled series for forecasting: the past `window` values -> the next `horizon`.

    The split is chronological (no shuffling, so no future leaks into training):
    a window belongs to the part that holds all of its `horizon` targets, and its
    inputs may reach back into the previous part (those values are the known
    past). Values are not rescaled; standardise with training statistics, e.g.
    `(x - train_x.mean()) / train_x.std()`.

    Args:
        name: str. `"co2"` (monthly) or `"sunspots"` (yearly). Defaults to `"co2"`.
        window: int or None. Input steps. Defaults to `None`: 24 for co2, 22 for
            sunspots (two seasons / two solar cycles).
        horizon: int. Steps to predict. Defaults to `1`.
        split: tuple of 3 floats. Train, validation and test fractions of the time
            steps. Defaults to `(0.7, 0.15, 0.15)`.

    Returns:
        `Splits(train, validation, test)`, each an `(x, y)` pair of float32 arrays
        of shapes `(num_windows, window, 1)` and `(num_windows, horizon)`.

    Example:
    >>> from keras_seq.datasets import timeseries
    >>> (x, y), _, _ = timeseries.load_data("co2", window=12, horizon=3)
    >>> x.shape[1:], y.shape[1:]
    ((12, 1), (3,))
    """
    _, values = load_series(name)
    window = SERIES[name][1] if window is None else window
    check_positive_int("window", window)
    check_positive_int("horizon", horizon)
    if window + horizon > len(values):
        raise ValueError(
            f"`window` + `horizon` ({window + horizon}) exceeds the {len(values)} steps of "
            f"{name!r}."
        )
    first, second = _splits.chronological_cuts(len(values), split)
    starts = np.arange(len(values) - window - horizon + 1)
    target_start = starts + window
    target_end = target_start + horizon  # exclusive
    parts = (
        starts[target_end <= first],
        starts[(target_start >= first) & (target_end <= second)],
        starts[target_start >= second],
    )
    return _splits.Splits(*(_windows(values, s, window, horizon) for s in parts))


def _windows(values, starts, window, horizon):
    x = np.stack([values[s : s + window] for s in starts]) if len(starts) else np.zeros([0, window])
    y = (
        np.stack([values[s + window : s + window + horizon] for s in starts])
        if len(starts)
        else np.zeros([0, horizon])
    )
    return x[..., np.newaxis].astype(np.float32), y.astype(np.float32)
