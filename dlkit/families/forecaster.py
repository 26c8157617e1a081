"""Forecasting weekly Mauna Loa CO2 with a recurrent network, beside classical baselines."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlkit import data, plots, validation
from dlkit.evaluation import forecasting
from dlkit.families.base import Family, Fitted, Run, TrainingResult, settings
from dlkit.families.common import RecurrentSettings, compile_and_fit


@settings(epochs=60, batch_size=32, learning_rate=2e-3)
class ForecasterSettings(RecurrentSettings):
    """How the CO2 forecaster trains (`rnn.build_rnn_forecaster`): the fields of
    `RecurrentSettings` (60 epochs of batches of 32, 64 units, Adam at 2e-3), and:

    Attributes:
        input_width: Weeks read. Defaults to `104`.
        horizon: Weeks forecast. Defaults to `26`.
        season: Weeks per season, for the seasonal baselines. Defaults to `52`.
        conv_filters: Filters of a `Conv1D` front end, or `0` for none. Defaults to `0`.
        train_fraction: Oldest share of the series trained on. Defaults to `0.7`.
        validation_fraction: The next share, for early stopping. Defaults to `0.15`.
        patience: Early-stopping patience (best weights restored). Defaults to `10`.
    """

    input_width: int = 104
    horizon: int = 26
    season: int = 52
    conv_filters: int = 0
    train_fraction: float = 0.7
    validation_fraction: float = 0.15
    patience: int = 10

    def validate(self) -> None:
        super().validate()
        for name in ("input_width", "horizon", "season", "patience"):
            validation.check_positive_int(name, getattr(self, name))
        validation.check_positive_int("conv_filters", self.conv_filters, minimum=0)
        validation.check_fraction("train_fraction", self.train_fraction)
        validation.check_fraction("validation_fraction", self.validation_fraction)
        if self.train_fraction + self.validation_fraction >= 1:
            raise ValueError("Expected train_fraction + validation_fraction below 1 (the rest is the test "
                             f"period). Received: {self.train_fraction} + {self.validation_fraction}")


FULL = ForecasterSettings()
FAST = FULL.replace(epochs=3)


def prepare_windows(settings: ForecasterSettings) -> dict[str, Any]:
    """CO2 windows, split in time, expressed relative to each window's last value.

    A network trained on 1958-1988 levels has never seen the ppm values of
    the test years, so it would have to extrapolate. Subtracting each
    window's last observed value from its inputs and targets turns the task
    into "how will CO2 change from now", which looks the same in every
    decade; dividing by the training inputs' spread puts it on a unit scale.

    Returns:
        A dict with the raw `series`, the raw windows per split
        (`x_train`, `y_train`, ...), their relative versions (`rx_train`,
        `ry_train`, ...), the `scale`, `train_end` (index of the first
        week after the training span) and `test_origins` (index in `series`
        of each test window's first forecast step).
    """
    series = data.load_co2()
    values = series.to_numpy()
    splits = data.make_window_splits(values, settings.input_width, settings.horizon,
                                     settings.train_fraction, settings.validation_fraction)
    out: dict[str, Any] = {"series": series}
    for name, (x, y) in splits.items():
        out[f"x_{name}"], out[f"y_{name}"] = x, y
    scale = float(np.std(out["x_train"] - out["x_train"][:, -1:, :]))
    out["scale"] = scale
    for name in splits:
        last = out[f"x_{name}"][:, -1:, :]
        out[f"rx_{name}"] = (out[f"x_{name}"] - last) / scale
        out[f"ry_{name}"] = (out[f"y_{name}"] - last) / scale
    n = len(values)
    test_start = int(round(n * settings.train_fraction)) + int(round(n * settings.validation_fraction))
    out["test_origins"] = test_start + settings.input_width + np.arange(len(out["x_test"]))
    out["train_end"] = int(round(n * settings.train_fraction))
    return out


def baselines(windows: Mapping[str, Any], settings: ForecasterSettings) -> dict[str, np.ndarray]:
    """The classical forecasts of the test windows, in ppm, keyed by display name.

    `naive` repeats the last week, `seasonal naive` takes the week a season
    earlier, `Holt-Winters` is fitted on the training span only and re-run
    from each origin (see `evaluation.forecasting.holt_winters_forecasts`),
    and `linear` is ridge regression on the same relative windows the
    network reads, its penalty chosen on the validation windows
    (`evaluation.forecasting.fit_linear_forecaster`).
    """
    horizon, season = settings.horizon, settings.season
    linear = forecasting.fit_linear_forecaster(windows["rx_train"], windows["ry_train"],
                                               windows["rx_validation"], windows["ry_validation"])
    return {
        "linear": linear.predict(windows["rx_test"]) * windows["scale"] + windows["x_test"][:, -1:, :],
        "naive": forecasting.naive_forecast(windows["x_test"], horizon),
        "seasonal naive": forecasting.seasonal_naive_forecast(windows["x_test"], horizon, season),
        "Holt-Winters": forecasting.holt_winters_forecasts(
            windows["series"].to_numpy(), windows["train_end"], windows["test_origins"], horizon, season),
    }


def build_model(settings: ForecasterSettings) -> Any:
    """The network `fit` trains: `rnn.build_rnn_forecaster` for one feature with the settings' sizes.

    Returns:
        An uncompiled `keras.Model` from `(B, input_width, 1)` relative
        windows to `(B, horizon, 1)` relative forecasts.
    """
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    return rnn.build_rnn_forecaster(settings.input_width, 1, settings.horizon, cell=settings.cell,
                                    units=settings.units, conv_filters=settings.conv_filters)


# Holt-Winters re-run from every test origin takes seconds; several seeds of the same windows
# (the walkthrough trains three) share one computation. Keyed by the settings that shape the windows.
_BASELINES: dict[tuple[Any, ...], dict[str, np.ndarray]] = {}


def _baselines_once(windows: Mapping[str, Any], settings: ForecasterSettings) -> dict[str, np.ndarray]:
    """`baselines(windows, settings)` for windows that `prepare_windows(settings)` made, computed once."""
    key = (settings.input_width, settings.horizon, settings.season, settings.train_fraction,
           settings.validation_fraction)
    if key not in _BASELINES:
        _BASELINES[key] = baselines(windows, settings)
    return {name: f.copy() for name, f in _BASELINES[key].items()}


def forecast(model: Any, windows: Mapping[str, Any], split: str = "test") -> np.ndarray:
    """A network's forecasts of one split's windows, back in ppm.

    The network reads relative windows (`rx_<split>`) and predicts relative
    changes; this undoes the scaling and adds each window's last observed
    value. `fit` scores the trained model with it; `tests/claims/` scores an
    untrained one the same way.

    Returns:
        `(N, horizon, 1)` forecasts in ppm, comparable with `y_<split>`.
    """
    relative = model.predict(windows[f"rx_{split}"], verbose=0)
    return relative * windows["scale"] + windows[f"x_{split}"][:, -1:, :]


def fit(settings: ForecasterSettings, run: Run, windows: Mapping[str, Any] | None = None) -> Fitted:
    """Fits on relative windows with early stopping; scores in ppm beside the baselines.

    `windows` (what `prepare_windows(settings)` returns) saves computing them again.
    """
    # Keras here, not at the top: `dlkit --help` must not import TensorFlow.
    import keras

    w = prepare_windows(settings) if windows is None else windows
    model = build_model(settings)
    stop = keras.callbacks.EarlyStopping(patience=settings.patience, restore_best_weights=True)
    history = compile_and_fit(model, "mse", (w["rx_train"], w["ry_train"]),
                              (w["rx_validation"], w["ry_validation"]), settings, run,
                              settings.learning_rate, callbacks=(stop,))
    forecasts = forecast(model, w)
    # Windows a caller passed in may have been changed; only fit's own are known to match the key.
    classical = baselines(w, settings) if windows is not None else _baselines_once(w, settings)
    metrics = {
        "cell": settings.cell,
        "test_mae": forecasting.mae(w["y_test"], forecasts),
        **{f"{name.replace(' ', '_').replace('-', '_').lower()}_mae": forecasting.mae(w["y_test"], f)
           for name, f in classical.items()},
    }
    return Fitted(model, history, metrics, examples_per_epoch=len(w["rx_train"]),
                  extras={"forecasts": forecasts, "windows": w, "baselines": classical})


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['cell']}: test MAE {metrics['test_mae']:.3f} ppm "
            f"(seasonal naive {metrics['seasonal_naive_mae']:.3f})")


def report(page: Any, result: TrainingResult) -> None:
    """The last test window's forecasts against the truth, and every method's error."""
    m, settings = result.metrics, typing.cast(ForecasterSettings, result.settings)
    w, classical = result.extras["windows"], result.extras["baselines"]
    cell = m["cell"].upper()
    page.section(
        f"RNN: forecasting CO2 ({cell})",
        f"The {cell} reads {settings.input_width} weeks and predicts the next {settings.horizon}; every "
        "window is expressed relative to its last observed week. Test period: the last "
        f"{1 - settings.train_fraction - settings.validation_fraction:.0%} of the series. Its error is "
        f"{1 - m['test_mae'] / m['seasonal_naive_mae']:.0%} below the seasonal-naive one.",
    )
    last = len(w["x_test"]) - 1
    shown = {name: f[last] for name, f in classical.items() if name != "naive"}
    shown[cell] = result.extras["forecasts"][last]
    page.figure(plots.forecast_plot(w["series"], int(w["test_origins"][last]), settings.horizon, shown,
                                    title="The last test window"), "Forecasts against the truth")
    maes = {cell: m["test_mae"], "naive": m["naive_mae"], "seasonal naive": m["seasonal_naive_mae"],
            "Holt-Winters": m["holt_winters_mae"]}
    if "linear_mae" in m:  # runs recorded before the linear baseline existed lack it
        maes["linear"] = m["linear_mae"]
    page.table(["forecast", "test MAE (ppm)"], [[k, float(v)] for k, v in sorted(maes.items(), key=lambda kv: kv[1])])


FAMILY = Family(
    name="forecaster", title="RNN forecaster", task="CO2 forecast, 26 weeks ahead",
    Settings=ForecasterSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
    # The tour trains the GRU: in the tour that trained both cells it forecast better (0.525
    # against 0.553 ppm).
    tour=FULL.replace(cell="gru"), tour_seconds=(60, 10),
    report=report,
)
