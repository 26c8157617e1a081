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


def test_linear_forecaster_recovers_a_linear_rule_exactly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6, 1))
    weights = rng.normal(size=(6, 3))
    y = (x[:, :, 0] @ weights + 2.0)[..., None]  # each horizon step a fixed combination, plus 2
    model = forecasting.LinearForecaster(alpha=0).fit(x, y)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-9)
    np.testing.assert_allclose(model.weights, weights, atol=1e-9)
    np.testing.assert_allclose(model.intercept, 2.0, atol=1e-9)


def test_linear_forecaster_penalty_shrinks_weights_but_not_the_intercept():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4, 1))
    y = (x[:, :, 0] @ np.ones((4, 2)) + 5.0)[..., None]
    heavy = forecasting.LinearForecaster(alpha=1e6).fit(x, y)
    assert np.abs(heavy.weights).max() < 1e-3
    # With the weights all but zero the intercept is the mean target, not pulled towards 0.
    np.testing.assert_allclose(heavy.predict(x), np.broadcast_to(y.mean(axis=0), y.shape), atol=0.05)


def test_linear_forecaster_on_a_trend_plus_season_beats_seasonal_naive():
    t = np.arange(400, dtype=float)
    series = 0.05 * t + np.sin(2 * np.pi * t / 20)
    x, y = make_windows(series, input_width=40, horizon=10)
    model = forecasting.fit_linear_forecaster(x[:250], y[:250], x[250:300], y[250:300])
    linear = forecasting.mae(y[300:], model.predict(x[300:]))
    seasonal = forecasting.mae(y[300:], forecasting.seasonal_naive_forecast(x[300:], 10, 20))
    assert linear < 0.1 * seasonal  # the seasonal copy misses a season's worth of trend


def test_fit_linear_forecaster_picks_the_penalty_with_the_lowest_validation_error():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 5, 1))
    y = (x[:, :, 0] @ rng.normal(size=(5, 2)))[..., None]
    assert forecasting.fit_linear_forecaster(x[:20], y[:20], x[20:], y[20:], alphas=(1e4, 0.0)).alpha == 0.0


def test_linear_forecaster_bad_arguments():
    with pytest.raises(ValueError, match="alpha=-1"):
        forecasting.LinearForecaster(alpha=-1)
    with pytest.raises(ValueError, match="fit"):
        forecasting.LinearForecaster().predict(np.zeros((1, 3, 1)))
    model = forecasting.LinearForecaster().fit(np.zeros((4, 3, 1)), np.zeros((4, 2, 1)))
    with pytest.raises(ValueError, match=r"\(N, 3, 1\)"):
        model.predict(np.zeros((1, 5, 1)))
    with pytest.raises(ValueError, match="y.shape"):
        forecasting.LinearForecaster().fit(np.zeros((4, 3, 1)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="alphas"):
        forecasting.fit_linear_forecaster(np.zeros((4, 3, 1)), np.zeros((4, 2, 1)), np.zeros((1, 3, 1)),
                                          np.zeros((1, 2, 1)), alphas=())
