import numpy as np
import pytest

from dlkit.data import make_windows
from dlkit.evaluation import forecasting


def test_mae_by_hand_and_shape_check():
    assert forecasting.mae([1.0, 2.0, 4.0], [2.0, 2.0, 1.0]) == pytest.approx(4 / 3)
    with pytest.raises(ValueError, match="same shape"):
        forecasting.mae(np.zeros(3), np.zeros(2))


def test_naive_repeats_the_last_value():
    x, _ = make_windows(np.arange(10.0), input_width=4, horizon=3)
    pred = forecasting.naive_forecast(x, 3)
    assert pred.shape == (len(x), 3, 1)
    np.testing.assert_array_equal(pred[0, :, 0], [3, 3, 3])
    np.testing.assert_array_equal(pred[2, :, 0], [5, 5, 5])


def test_seasonal_naive_is_exact_on_a_pure_seasonal_series():
    season = 4
    series = np.tile([1.0, 5.0, 2.0, 7.0], 10)
    x, y = make_windows(series, input_width=8, horizon=6)
    pred = forecasting.seasonal_naive_forecast(x, 6, season)
    np.testing.assert_array_equal(pred, y)
    # The naive forecast is not: the test would notice a mix-up.
    assert forecasting.mae(y, forecasting.naive_forecast(x, 6)) > 1


def test_seasonal_naive_index_by_hand():
    x = np.arange(6.0).reshape(1, 6, 1)  # times 0..5; forecast times 6..10
    pred = forecasting.seasonal_naive_forecast(x, 5, season=3)[0, :, 0]
    np.testing.assert_array_equal(pred, [3, 4, 5, 3, 4])


def test_seasonal_naive_rejects_a_season_longer_than_the_window():
    with pytest.raises(ValueError, match="season=9"):
        forecasting.seasonal_naive_forecast(np.zeros((1, 8, 1)), 2, season=9)
    with pytest.raises(ValueError, match="horizon=0"):
        forecasting.naive_forecast(np.zeros((1, 8, 1)), 0)


def test_holt_winters_follows_trend_plus_season():
    season = 12
    t = np.arange(240, dtype=float)
    series = 0.5 * t + 3 * np.sin(2 * np.pi * t / season) + 100
    origins = np.array([200, 212, 224])
    pred = forecasting.holt_winters_forecasts(series, train_end=180, origins=origins, horizon=6,
                                              season=season)
    truth = np.stack([series[o : o + 6] for o in origins])[..., None]
    assert pred.shape == (3, 6, 1)
    assert forecasting.mae(truth, pred) < 0.2
    with pytest.raises(ValueError, match="two seasons"):
        forecasting.holt_winters_forecasts(series, train_end=20, origins=origins, horizon=6,
                                           season=season)
