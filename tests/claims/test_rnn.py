"""Notebook 02's short-run checks fail on untrained models and pass on trained-looking numbers;
the rules behind its verdicts go either way with the numbers."""

import keras
import numpy as np
import pytest

from dlkit import claims, data, evaluation
from dlkit.claims import rnn as rnn_claims
from dlkit.evaluation import forecasting, gradients
from dlkit.families import conv_rnn, forecaster, memory, rows


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_an_untrained_memory_model_fails_the_memory_check(cell):
    settings = memory.FAST.replace(cell=cell)
    keras.utils.set_random_seed(0)
    x, y = data.make_adding_problem(settings.validation_sequences, settings.length, seed=1)
    metrics = memory.score(memory.build_model(settings), x, y)  # what the family computes after training
    with pytest.raises(claims.CheckFailed, match="validation MSE"):
        rnn_claims.check_memory_run(metrics)


def test_the_memory_check_passes_a_model_that_learned_the_mean():
    # Answering the mean sum always: the constant guess's MSE, 1/6.
    rnn_claims.check_memory_run({"validation_mse": 1 / 6, "chance_mse": 1 / 6})
    with pytest.raises(claims.CheckFailed):
        rnn_claims.check_memory_run({"validation_mse": float("nan"), "chance_mse": 1 / 6})


def _untrained_accuracy(model, to_inputs, fashion, n=1000):
    (_, _), (x_test, y_test) = fashion
    predictions = evaluation.predict_classes(model, to_inputs(x_test[:n]))
    return {"test_accuracy": evaluation.accuracy(y_test[:n], predictions)}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_an_untrained_row_reader_fails_the_classifier_check(cell, fashion):
    keras.utils.set_random_seed(0)
    metrics = _untrained_accuracy(rows.build_model(rows.FAST.replace(cell=cell)), rows.rows, fashion)
    with pytest.raises(claims.CheckFailed, match="test accuracy"):
        rnn_claims.check_classifier_run(metrics, "row reader")


@pytest.mark.parametrize("reader", ["rnn", "dense"])
def test_an_untrained_cnn_with_either_reader_fails_the_classifier_check(reader, fashion):
    keras.utils.set_random_seed(0)
    model = conv_rnn.build_model(conv_rnn.FAST.replace(reader=reader))
    metrics = _untrained_accuracy(model, data.scale_images, fashion)
    with pytest.raises(claims.CheckFailed, match="test accuracy"):
        rnn_claims.check_classifier_run(metrics)


def test_the_classifier_check_passes_a_trained_looking_accuracy():
    rnn_claims.check_classifier_run({"test_accuracy": 0.8})


@pytest.fixture(scope="module")
def co2_windows():
    return forecaster.prepare_windows(forecaster.FAST)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_untrained_forecaster_fails_the_forecaster_check(cell, seed, co2_windows):
    keras.utils.set_random_seed(seed)
    model = forecaster.build_model(forecaster.FAST.replace(cell=cell))
    w = co2_windows
    test_mae = forecasting.mae(w["y_test"], forecaster.forecast(model, w))
    naive_mae = forecasting.mae(w["y_test"], forecasting.naive_forecast(w["x_test"], forecaster.FAST.horizon))
    with pytest.raises(claims.CheckFailed, match="naive"):
        rnn_claims.check_forecaster(test_mae, naive_mae)


def test_the_forecaster_check_passes_a_forecast_that_knows_the_cycle(co2_windows):
    w = co2_windows
    naive_mae = forecasting.mae(w["y_test"], forecasting.naive_forecast(w["x_test"], forecaster.FAST.horizon))
    seasonal = forecasting.seasonal_naive_forecast(w["x_test"], forecaster.FAST.horizon, forecaster.FAST.season)
    rnn_claims.check_forecaster(forecasting.mae(w["y_test"], seasonal), naive_mae)


def test_untrained_gradient_norms_meet_the_invariants_and_bad_ones_do_not():
    keras.utils.set_random_seed(0)
    settings = memory.FAST.replace(cell="lstm", length=30)
    x, y = data.make_adding_problem(16, settings.length, seed=1)
    norms = gradients.input_gradient_norms(memory.build_model(settings), x, y,
                                                      keras.losses.MeanSquaredError())
    rnn_claims.require_valid_norms(norms, 30)
    with pytest.raises(claims.CheckFailed):
        rnn_claims.require_valid_norms(np.zeros(30), 30)
    with pytest.raises(claims.CheckFailed):
        rnn_claims.require_valid_norms(norms[:10], 30)


def _memory(simple, lstm, gru):
    return {c: {"validation_mse": v, "chance_mse": 1 / 6} for c, v in (("simple", simple), ("lstm", lstm),
                                                                      ("gru", gru))}


def test_the_memory_outcome_goes_either_way():
    holds, evidence = rnn_claims.memory_outcome(_memory(0.16, 0.002, 0.004))
    assert holds and "plain RNN 0.1600" in evidence
    assert not rnn_claims.memory_outcome(_memory(0.16, 0.002, 0.15))[0]  # GRU did not solve it
    assert not rnn_claims.memory_outcome(_memory(0.001, 0.002, 0.004))[0]  # the plain RNN did


def test_gradient_retention_and_its_verdict():
    flat, decaying = np.ones(100), 0.8 ** np.arange(100)[::-1]  # decaying: 1 at the last step
    assert rnn_claims.gradient_retention(flat) == pytest.approx(1.0)
    assert rnn_claims.gradient_retention(decaying) < 1e-4
    assert rnn_claims.gradient_outcome({"simple": decaying, "lstm": flat, "gru": flat})[0]
    assert not rnn_claims.gradient_outcome({"simple": decaying, "lstm": flat, "gru": decaying})[0]
    with pytest.raises(ValueError, match="at least 20 steps"):
        rnn_claims.gradient_retention(np.ones(5))


def test_the_speed_outcome_needs_separate_middle_halves():
    assert rnn_claims.speed_outcome([10.0, 10.2, 10.4], [9.0, 9.1, 9.3])[0]
    holds, evidence = rnn_claims.speed_outcome([10.0, 10.2, 10.4], [9.8, 10.1, 10.3])
    assert not holds and "overlap" in evidence
    assert not rnn_claims.speed_outcome([9.0, 9.1, 9.3], [10.0, 10.2, 10.4])[0]  # GRU slower
    # An epoch slowed by other work on the machine decides nothing either way.
    assert rnn_claims.speed_outcome([10.0, 10.1, 10.2, 10.3, 19.0], [8.0, 8.1, 8.2, 8.3, 22.0])[0]
    with pytest.raises(ValueError, match="three"):
        rnn_claims.speed_outcome([1.0, 1.0], [1.0, 1.0, 1.0])


def test_the_forecast_outcome_needs_every_seed_to_win():
    assert rnn_claims.forecast_outcome([0.5, 0.55, 0.6], 1.7)[0]
    holds, evidence = rnn_claims.forecast_outcome([0.5, 0.55, 0.6], 0.58)  # one seed loses
    assert not holds and "0.500-0.600" in evidence and "0.580" in evidence
    with pytest.raises(ValueError, match="at least one"):
        rnn_claims.forecast_outcome([], 1.0)


def test_paired_accuracy_difference_by_hand():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7])
    first = np.array([0, 1, 2, 3, 4, 5, 0, 0])   # 6 right
    second = np.array([0, 1, 2, 3, 0, 0, 6, 0])  # 5 right; only-first 2, only-second 1
    difference, error = rnn_claims.paired_accuracy_difference(labels, first, second)
    assert difference == pytest.approx(1 / 8)
    assert error == pytest.approx(np.sqrt(3 - 1 / 8) / 8)


def test_the_hybrid_outcome_needs_more_than_two_standard_errors():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    better = np.where(rng.random(2000) < 0.9, labels, (labels + 1) % 10)
    worse = np.where(rng.random(2000) < 0.8, labels, (labels + 1) % 10)
    assert rnn_claims.hybrid_outcome([(labels, better, worse)])[0]
    assert not rnn_claims.hybrid_outcome([(labels, worse, better)])[0]
    assert not rnn_claims.hybrid_outcome([(labels, better, better)])[0]
    holds, evidence = rnn_claims.hybrid_outcome([(labels, better, worse), (labels, better, better)])
    assert not holds and evidence.count("against") == 2  # every seed has to win
    with pytest.raises(ValueError, match="at least one seed"):
        rnn_claims.hybrid_outcome([])


def test_the_matched_plain_cnn_is_within_ten_percent_of_the_cnn_rnn():
    for settings in (conv_rnn.FULL, conv_rnn.FAST.replace(units=32, conv_filters=(16, 32))):
        hybrid = conv_rnn.build_model(settings).count_params()
        plain = conv_rnn.build_model(settings.replace(reader="dense")).count_params()
        assert abs(plain - hybrid) <= 0.1 * hybrid, (plain, hybrid)
