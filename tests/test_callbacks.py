import numpy as np
import pytest
from PIL import Image

from dlkit import callbacks
from dlkit.callbacks import EpochTimer, GANSampleGrid, TimeBudget, save_progress_gif
from dlkit.models import gan


class _FakeGAN:
    """Just what the grid callback reads: latent_dim and a generator."""

    latent_dim = 4

    def __init__(self):
        self.generator = gan.build_dcgan_generator(4, filters=(8, 4))


def test_epoch_timer_records_each_epoch():
    timer = EpochTimer()
    for epoch in range(3):
        timer.on_epoch_begin(epoch)
        timer.on_epoch_end(epoch)
    assert len(timer.epoch_seconds) == 3 and all(s >= 0 for s in timer.epoch_seconds)


def test_sample_grid_keeps_fixed_latent_frames_and_writes_pngs(tmp_path):
    grid = GANSampleGrid(num_images=6, columns=3, seed=1, directory=tmp_path / "samples", every=2)
    grid.set_model(_FakeGAN())
    for epoch in range(5):
        grid.on_epoch_end(epoch)
    grid.on_train_end()
    assert grid.epochs == [2, 4, 5]  # every second epoch, and the last one
    assert grid.frames[0].shape == (2 * 28, 3 * 28) and grid.frames[0].dtype == np.uint8
    # Same weights and the same fixed latent batch: identical frames.
    np.testing.assert_array_equal(grid.frames[0], grid.frames[1])
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == [
        "epoch_002.png", "epoch_004.png", "epoch_005.png"]


def test_progress_gif_has_every_frame(tmp_path):
    frames = [np.full((4, 6), v, np.uint8) for v in (0, 128, 255)]
    path = save_progress_gif(frames, tmp_path / "p.gif", scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (12, 8)
    with pytest.raises(ValueError, match="at least one frame"):
        save_progress_gif([], tmp_path / "none.gif")


def test_sample_grid_rejects_bad_sizes():
    with pytest.raises(ValueError, match="columns=0"):
        GANSampleGrid(columns=0)


class _Clock:
    """A `time.perf_counter` that advances one second per call."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 1.0
        return self.now


class _Stoppable:
    stop_training = False


def test_time_budget_counts_training_seconds_after_the_first_batch(monkeypatch):
    monkeypatch.setattr(callbacks.time, "perf_counter", _Clock())
    budget = TimeBudget(3)
    budget.set_model(_Stoppable())
    budget.on_train_begin()
    budget.on_epoch_begin(0)
    budget.on_train_batch_end(0)  # traces the step: not counted
    assert budget.seconds_used == 0 and budget.steps == 1
    budget.on_train_batch_end(1)
    budget.on_train_batch_end(2)
    assert budget.seconds_used == 2 and not budget.model.stop_training
    # A new epoch: the time between epochs (per-epoch callbacks) is not counted.
    budget.on_epoch_begin(1)
    budget.on_train_batch_end(0)
    assert budget.seconds_used == 3 and budget.steps == 4
    assert budget.stopped and budget.model.stop_training


def test_time_budget_leaves_out_what_a_callback_restarts_its_clock_after(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(callbacks.time, "perf_counter", clock)
    budget = TimeBudget(100)
    budget.set_model(_Stoppable())
    budget.on_train_begin()
    budget.on_epoch_begin(0)
    budget.on_train_batch_end(0)
    budget.on_train_batch_end(1)  # 1 s
    clock.now += 30.0  # a measurement inside a batch callback
    budget.restart_clock()
    budget.on_train_batch_end(2)  # 1 s: the 30 s are not training
    assert budget.seconds_used == 2


def test_time_budget_stops_fit_within_an_epoch(monkeypatch):
    import keras

    monkeypatch.setattr(callbacks.time, "perf_counter", _Clock())
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    budget = TimeBudget(4)
    x, y = np.zeros((40, 2), "float32"), np.zeros((40, 1), "float32")
    history = model.fit(x, y, batch_size=4, epochs=50, verbose=0, callbacks=[budget])
    # 10 batches an epoch; the budget ends the first epoch after 5 batches (4 counted seconds).
    assert budget.steps == 5 and budget.stopped and len(history.history["loss"]) == 1


@pytest.mark.parametrize("seconds", [0, -1.0, float("inf"), float("nan"), True, "60"])
def test_time_budget_rejects_bad_budgets(seconds):
    with pytest.raises(ValueError, match="Expected a positive number of seconds"):
        TimeBudget(seconds)


def test_gan_runs_at_equal_time_record_their_steps(fashion):
    from dlkit.families import gans

    tiny = {"train_subset": 256, "eval_images": 200, "batch_size": 64}
    comparison = gans.compare_across_seeds(("dcgan", "wgan-gp"), seeds=(0,), fast=True, seconds=1.0, **tiny)
    for name in ("dcgan", "wgan-gp"):
        run = comparison["runs"][(name, 0)]
        # One untimed tracing step, then at least one timed one; the budget overshoots by at most a step.
        assert run["generator_steps"] >= 2 and run["budget_seconds"] >= 1.0
        assert comparison["summary"][name]["generator_steps"]["values"] == [run["generator_steps"]]
        assert (name, 0) in comparison["models"]
    with pytest.raises(ValueError, match="seconds=0"):
        gans.compare_across_seeds(("dcgan",), seeds=(0,), seconds=0)
