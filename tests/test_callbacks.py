import numpy as np
import pytest
from PIL import Image

from dlkit.callbacks import EpochTimer, GANSampleGrid, save_progress_gif
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
