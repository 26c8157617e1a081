"""Forecast errors and the baselines an RNN forecaster has to beat."""

import numpy as np


def mae(y_true, y_pred):
    """Mean absolute error, in the units of the series."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Expected `y_true` and `y_pred` of the same shape. Received: {y_true.shape} and {y_pred.shape}"
        )
    return float(np.mean(np.abs(y_true - y_pred)))


def _check_windows(x, horizon):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"Expected input windows (N, input_width, F). Received: shape={x.shape}")
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"Expected a positive integer `horizon`. Received: horizon={horizon!r}")
    return x


def naive_forecast(x, horizon, num_targets=1):
    """Repeats each window's last value for every future step.

    Args:
        x: Input windows `(N, input_width, F)` (as from `data.make_windows`).
        horizon: Steps to forecast.
        num_targets: Leading features forecast. Defaults to `1`.

    Returns:
        `(N, horizon, num_targets)`.
    """
    x = _check_windows(x, horizon)
    return np.repeat(x[:, -1:, :num_targets], horizon, axis=1)


def seasonal_naive_forecast(x, horizon, season, num_targets=1):
    """Each future step takes the value one season earlier (e.g. 52 weeks).

    For a horizon longer than the season, the last observed season repeats.

    Args:
        x: Input windows `(N, input_width, F)`; `input_width >= season`.
        horizon: Steps to forecast.
        season: Period in steps, positive.
        num_targets: Leading features forecast. Defaults to `1`.

    Returns:
        `(N, horizon, num_targets)`.
    """
    x = _check_windows(x, horizon)
    width = x.shape[1]
    if not isinstance(season, (int, np.integer)) or not 1 <= season <= width:
        raise ValueError(
            f"Expected `season` between 1 and the window width {width}. Received: season={season!r}"
        )
    # Step h (0-based) is time width + h; one season back as often as needed
    # to land inside the window.
    steps = np.arange(horizon)
    index = width + steps - season * ((steps // season) + 1)
    return x[:, index, :num_targets]


def holt_winters_forecasts(series, train_end, origins, horizon, season):
    """Additive Holt-Winters fitted once on the training span, forecasting from each origin.

    The smoothing parameters are estimated on `series[:train_end]` only. For
    each forecast origin `o` the model is re-run with those fixed parameters
    over `series[:o]` (the history a forecaster would have at that time) and
    forecasts `horizon` steps ahead, so it sees exactly what a window-based
    model sees and nothing later.

    Args:
        series: 1-D array of the whole series.
        train_end: Number of leading steps used to estimate the parameters.
        origins: Indices of the first forecast step of each window.
        horizon: Steps per forecast.
        season: Seasonal period in steps (52 for weekly data).

    Returns:
        `(len(origins), horizon, 1)` forecasts.
    """
    from statsmodels.tsa.holtwinters import (
        ExponentialSmoothing,  # lazily: statsmodels is slow to import
    )

    series = np.asarray(series, dtype=np.float64)
    if train_end < 2 * season:
        raise ValueError(
            f"Expected at least two seasons ({2 * season} steps) to fit on. Received: train_end={train_end}"
        )
    fitted = ExponentialSmoothing(
        series[:train_end], trend="add", seasonal="add", seasonal_periods=season
    ).fit()
    params = {k: fitted.params[k] for k in ("smoothing_level", "smoothing_trend", "smoothing_seasonal")}
    out = np.empty((len(origins), horizon, 1))
    for row, origin in enumerate(origins):
        model = ExponentialSmoothing(
            series[:origin], trend="add", seasonal="add", seasonal_periods=season,
            initialization_method="known",
            initial_level=fitted.params["initial_level"],
            initial_trend=fitted.params["initial_trend"],
            initial_seasonal=fitted.params["initial_seasons"],
        )
        result = model.fit(**params, optimized=False)
        out[row, :, 0] = result.forecast(horizon)
    return out
