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


class LinearForecaster:
    """Ridge regression from a whole input window to the whole horizon at once.

    The standard baseline a network forecaster has to beat: every forecast
    step is a weighted sum of the window's values plus an intercept, fitted
    by least squares with an L2 penalty `alpha` on the weights (not on the
    intercept). With windows expressed relative to their last value (as the
    CO2 forecaster's are), it can learn a trend and a yearly cycle, but only
    as fixed linear combinations of the past.

    Args:
        alpha: Non-negative penalty. `0` is ordinary least squares (solved
            with the pseudo-inverse when the windows are collinear).
            Defaults to `1.0`.

    Example:

    >>> model = LinearForecaster(alpha=1.0).fit(x_train, y_train)
    >>> model.predict(x_test).shape   # (N, horizon, num_targets), as y_train
    """

    def __init__(self, alpha=1.0):
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) or alpha < 0:
            raise ValueError(f"Expected a non-negative number `alpha`. Received: alpha={alpha!r}")
        self.alpha = float(alpha)
        self.weights = None
        self.intercept = None
        self._target_shape: tuple[int, ...] = ()

    def fit(self, x, y):
        """Fits on input windows `x` `(N, W, F)` and targets `y` `(N, horizon, T)`; returns `self`."""
        x = _check_windows(x, 1)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 3 or len(y) != len(x):
            raise ValueError(f"Expected targets (N, horizon, num_targets) with N={len(x)}. Received: "
                             f"y.shape={y.shape}")
        flat_x, flat_y = x.reshape(len(x), -1), y.reshape(len(y), -1)
        # Centring leaves the intercept out of the penalty.
        mean_x, mean_y = flat_x.mean(axis=0), flat_y.mean(axis=0)
        cx, cy = flat_x - mean_x, flat_y - mean_y
        if self.alpha > 0:
            gram = cx.T @ cx + self.alpha * np.eye(cx.shape[1])
            self.weights = np.linalg.solve(gram, cx.T @ cy)
        else:
            self.weights = np.linalg.lstsq(cx, cy, rcond=None)[0]
        self.intercept = mean_y - mean_x @ self.weights
        self._window_shape, self._target_shape = x.shape[1:], y.shape[1:]
        return self

    def predict(self, x):
        """Forecasts `(N, horizon, num_targets)` for windows shaped like the training ones."""
        if self.weights is None:
            raise ValueError("Expected a fitted forecaster. Received: call `fit(x, y)` before `predict`")
        x = _check_windows(x, 1)
        if x.shape[1:] != self._window_shape:
            raise ValueError(f"Expected windows of shape (N, {', '.join(map(str, self._window_shape))}) as in "
                             f"training. Received: {x.shape}")
        return (x.reshape(len(x), -1) @ self.weights + self.intercept).reshape(len(x), *self._target_shape)


def fit_linear_forecaster(x_train, y_train, x_validation, y_validation, alphas=(0.0, 0.01, 0.1, 1.0, 10.0, 100.0)):
    """A `LinearForecaster` whose penalty is chosen on validation windows.

    Each `alpha` is fitted on the training windows and scored by MAE on the
    validation windows (the same data a network uses for early stopping);
    the best one is returned, fitted on the training windows only.

    Args:
        x_train, y_train: Training windows and targets.
        x_validation, y_validation: Validation windows and targets.
        alphas: Penalties to try, non-negative. Defaults to
            `(0.0, 0.01, 0.1, 1.0, 10.0, 100.0)`.

    Returns:
        The fitted `LinearForecaster` with the lowest validation MAE (the
        first one on ties).
    """
    alphas = tuple(alphas)
    if not alphas:
        raise ValueError("Expected at least one penalty in `alphas`. Received: ()")
    best, best_error = None, np.inf
    for alpha in alphas:
        model = LinearForecaster(alpha).fit(x_train, y_train)
        error = mae(y_validation, model.predict(x_validation))
        if error < best_error:
            best, best_error = model, error
    return best
