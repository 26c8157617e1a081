import keras
import numpy as np
import pytest

from dlkit import families, schedules
from dlkit.families import common

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile


@pytest.mark.parametrize("warmup", [0, 5])
def test_warmup_cosine_is_keras_cosine_decay_with_its_warmup(warmup):
    total, peak = 40, 2e-3
    ours = schedules.WarmupCosine(peak, total, warmup)
    if warmup:
        theirs = keras.optimizers.schedules.CosineDecay(0.0, total - warmup, warmup_target=peak, warmup_steps=warmup)
    else:
        theirs = keras.optimizers.schedules.CosineDecay(peak, total)
    steps = [0, 1, 4, 5, 6, 17, 39, 40, 45]
    # float32 both: the two formulas round differently in the last place (measured <= 1 ulp).
    np.testing.assert_allclose([float(ours(s)) for s in steps], [float(theirs(s)) for s in steps],
                               rtol=4 * np.finfo(np.float32).eps, atol=1e-12)
    assert float(ours(total)) == 0.0 and float(ours(warmup)) == pytest.approx(peak)


def test_warmup_cosine_moves_its_end_and_keeps_it_in_its_config():
    schedule = schedules.WarmupCosine(1.0, 10)
    assert float(schedule(5)) == pytest.approx(0.5)
    schedule.total_steps.assign(20.0)
    assert float(schedule(5)) == pytest.approx(0.5 * (1 + np.cos(np.pi * 5 / 20)))
    restored = schedules.WarmupCosine.from_config(schedule.get_config())
    assert restored.get_config() == {"peak": 1.0, "total_steps": 20, "warmup_steps": 0}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"peak": 0.0, "total_steps": 10}, "positive `peak`"),
    ({"peak": 1e-3, "total_steps": 10.5}, "whole number of `total_steps`"),
    ({"peak": 1e-3, "total_steps": 10, "warmup_steps": -1}, "whole number of `warmup_steps`"),
])
def test_warmup_cosine_refuses_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        schedules.WarmupCosine(**kwargs)


def _tiny_fit(seconds_per_epoch, budget, epochs, monkeypatch):
    """Fits a tiny model while a fake clock advances `seconds_per_epoch[i]` in epoch i; returns (history, planner)."""
    clock = {"now": 0.0, "epoch": 0}
    monkeypatch.setattr(schedules, "_clock", lambda: clock["now"])

    def advance(epoch, logs):
        clock["now"] += seconds_per_epoch[min(epoch, len(seconds_per_epoch) - 1)]

    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    schedule = schedules.WarmupCosine(0.1, epochs * 4, 4)
    planner = schedules.PlanToBudget(schedule, budget, steps_per_epoch=4)
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=epochs, verbose=0,
                        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=advance), planner])
    return history, planner, schedule, model


def test_plan_to_budget_fits_the_epochs_and_the_decay_into_the_seconds(monkeypatch):
    # 10 s an epoch, 35 s of budget: after one epoch two more fit, after two one more: three epochs.
    history, planner, schedule, model = _tiny_fit([10.0], 35.0, 10, monkeypatch)
    assert len(history.history["loss"]) == 3 and planner.planned_epochs == 3
    assert float(schedule.total_steps) == 12.0
    assert float(schedule(model.optimizer.iterations)) == 0.0  # the decay ended with the run
    # A machine that slows down: 10 s, then 30 s an epoch; 60 s hold 1 + 1 + 1 epochs (10 + 30 + 30 > 60 stops).
    history, planner, _, _ = _tiny_fit([10.0, 30.0], 60.0, 10, monkeypatch)
    assert len(history.history["loss"]) == 3
    # Never past fit's epochs, however much budget is left.
    history, planner, schedule, _ = _tiny_fit([1.0], 1000.0, 4, monkeypatch)
    assert len(history.history["loss"]) == 4 and float(schedule.total_steps) == 16.0


def test_plan_to_budget_refuses_what_it_cannot_plan():
    with pytest.raises(ValueError, match="WarmupCosine"):
        schedules.PlanToBudget(keras.optimizers.schedules.CosineDecay(1e-3, 10), 60, 4)
    with pytest.raises(ValueError, match="positive number of seconds"):
        schedules.PlanToBudget(schedules.WarmupCosine(1e-3, 10), 0, 4)


def test_the_cnn_family_plans_its_epochs_into_its_time_budget(fashion):
    cnn = families.FAMILIES["cnn"]
    # A budget shorter than one epoch: the plan after the first is to stop there.
    result = cnn.train(cnn.FAST.replace(epochs=3, time_budget=0.5, preset="tiny"), seed=0, verbose=0)
    assert result.metrics["epochs_run"] == 1
    with pytest.raises(ValueError, match="only with `cosine_decay`"):
        common.compile_and_fit(None, "mse", (np.zeros((2, 1)), np.zeros(2)), None, cnn.FAST, None, 1e-3,
                               time_budget=60.0)
