"""Time-series forecasting on statsmodels' Mauna Loa CO2 and yearly sunspots.

Two recurrent forecasters per series, on the chronological split of
`keras_seq.datasets.timeseries` (the last 15 % of the time steps is the test span):
a `ManyToOne` LSTM for the next value, and a `ManyToMany` LSTM that at every step
predicts the next `horizon` values (one season: 12 months of CO2, 11 years of
sunspots) and whose last step is the forecast. Each window is expressed relative to
its last value (so the CO2 trend, which leaves the training range, does not matter)
and scaled by the training spread. MAE and RMSE on the test span are compared with a
seasonal-naive forecast (the value one season earlier) measured in the same run; a
PNG draws the forecasts against the truth.

    python applications/forecasting.py --output forecasting-run
    python applications/forecasting.py --quick      # a CPU-minutes smoke run
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_seq as ks  # noqa: E402  (sets the TensorFlow backend before Keras loads)
from keras_seq.datasets import timeseries  # noqa: E402

# name -> (season length in steps, unit)
SERIES = {"co2": (12, "ppm"), "sunspots": (11, "sunspot number")}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--output", default="forecasting-run")
    parser.add_argument("--quick", action="store_true", help="25 epochs, 32 units")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.units = 25, 32
    return args


def relative(x, y):
    """Windows and targets minus each window's last value."""
    last = x[:, -1:, 0]
    return x - last[:, :, None], y - last, last


def per_step_targets(x, y, horizon):
    """For every step i of each window, the `horizon` values after it:
    `concat(x[i+1:], y)[:horizon]` (always available because y holds `horizon` values)."""
    series = np.concatenate([x[:, :, 0], y], axis=1)
    return np.stack([series[:, i + 1 : i + 1 + horizon] for i in range(x.shape[1])], axis=1).astype(
        np.float32
    )


def seasonal_naive(x, horizon, season):
    """The value one season before each target: x[t + h - season], h = 1..horizon."""
    window = x.shape[1]
    return np.stack([x[:, window + h - 1 - season, 0] for h in range(1, horizon + 1)], axis=1)


def errors(forecast, truth):
    difference = np.asarray(forecast) - np.asarray(truth)
    return float(np.mean(np.abs(difference))), float(np.sqrt(np.mean(difference**2)))


def fit(model, x, y, val, args):
    with _common.model_scope():
        model.compile(keras.optimizers.Adam(3e-3), loss="mse")
    model.fit(
        x,
        y,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=val,
        callbacks=_common.callbacks(
            keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(patience=8, factor=0.5),
        ),
        verbose=2 if args.epochs <= 40 else 0,
    )
    return model


def run_series(name, args):
    season, unit = SERIES[name]
    print(f"\n{name}: {timeseries.SERIES[name][0]}")
    # One step ahead.
    (x, y), (vx, vy), (tx, ty) = timeseries.load_data(name, horizon=1)
    rx, ry, _ = relative(x, y)
    scale = float(np.std(ry))
    keras.utils.set_random_seed(args.seed)
    with _common.model_scope():
        next_value = ks.models.ManyToOne(input_dim=1, units=args.units, head="linear")
    rvx, rvy, _ = relative(vx, vy)
    fit(next_value, rx / scale, ry / scale, (rvx / scale, rvy / scale), args)
    rtx, _, test_last = relative(tx, ty)
    one_step = next_value.predict(rtx / scale, verbose=0) * scale + test_last
    one_step_naive = seasonal_naive(tx, 1, season)

    # The next season, from every step.
    (x, y), (vx, vy), (tx_h, ty_h) = timeseries.load_data(name, horizon=season)
    rx, ry, _ = relative(x, y)
    rvx, rvy, _ = relative(vx, vy)
    keras.utils.set_random_seed(args.seed)
    with _common.model_scope():
        horizon_model = ks.models.ManyToMany(
            input_dim=1, units=args.units, num_outputs=season, head="linear"
        )
    fit(
        horizon_model,
        rx / scale,
        per_step_targets(rx, ry, season) / scale,
        (rvx / scale, per_step_targets(rvx, rvy, season) / scale),
        args,
    )
    rtx, _, last = relative(tx_h, ty_h)
    horizon_forecast = horizon_model.predict(rtx / scale, verbose=0)[:, -1] * scale + last
    horizon_naive = seasonal_naive(tx_h, season, season)

    rows = {
        "next value": {
            "model": errors(one_step, ty),
            "seasonal naive": errors(one_step_naive, ty),
            "windows": len(ty),
        },
        f"next {season} steps": {
            "model": errors(horizon_forecast, ty_h),
            "seasonal naive": errors(horizon_naive, ty_h),
            "windows": len(ty_h),
        },
    }
    curves = {
        "truth": ty[:, 0],
        "one_step": one_step[:, 0],
        "one_step_naive": one_step_naive[:, 0],
        "horizon_start": 0,  # both test spans start at the same first target
        "horizon": horizon_forecast,
        "horizon_naive": horizon_naive,
        "unit": unit,
        "season": season,
    }
    return rows, curves


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(curves), 1, figsize=(11, 4 * len(curves)))
    for axis, (name, c) in zip(np.atleast_1d(axes), curves.items()):
        steps = np.arange(len(c["truth"]))
        axis.plot(steps, c["truth"], color="black", linewidth=2, label="truth")
        axis.plot(steps, c["one_step"], color="tab:blue", label="ManyToOne, next value")
        axis.plot(
            steps, c["one_step_naive"], color="tab:gray", linestyle=":", label="seasonal naive"
        )
        # One season-long forecast from the start of the test span, and one from its middle.
        for k, index in enumerate((0, len(c["horizon"]) // 2)):
            start = c["horizon_start"] + index
            span = np.arange(start, start + c["season"])
            axis.plot(
                span,
                c["horizon"][index],
                color="tab:red",
                marker="o",
                markersize=3,
                label=f"ManyToMany, next {c['season']} steps" if k == 0 else None,
            )
        axis.set_title(f"{name}: test span, forecasts vs truth")
        axis.set_xlabel("test step (months)" if name == "co2" else "test step (years)")
        axis.set_ylabel(c["unit"])
        axis.legend(fontsize=8)
    figure.tight_layout()
    with _common.atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=90)
    plt.close(figure)
    return path


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    os.makedirs(args.output, exist_ok=True)
    results, curves = {}, {}
    for name in SERIES:
        results[name], curves[name] = run_series(name, args)
    table = []
    for name, rows in results.items():
        for task, row in rows.items():
            table.append(
                (
                    name,
                    task,
                    row["windows"],
                    f"{row['model'][0]:.3f} / {row['model'][1]:.3f}",
                    f"{row['seasonal naive'][0]:.3f} / {row['seasonal naive'][1]:.3f}",
                )
            )
    _common.print_table(
        ["series", "forecast", "test windows", "model MAE / RMSE", "seasonal naive MAE / RMSE"],
        table,
    )
    figure = plot(curves, os.path.join(args.output, "forecasts.png"))
    print(f"forecast plot: {figure}")
    co2 = results["co2"]["next value"]
    return _common.write_results(
        args.output,
        "forecasting, statsmodels CO2 (monthly) and sunspots (yearly), last 15% of each series",
        "MAE, CO2 next month (ppm)",
        co2["model"][0],
        co2["seasonal naive"][0],
        False,
        started,
        rows=results,
        plot=figure,
    )


if __name__ == "__main__":
    main()
