"""Keras callbacks shared by the families."""

import time

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in `epoch_seconds`.

    Example:

    >>> timer = EpochTimer()
    >>> model.fit(x, y, epochs=3, callbacks=[timer])
    >>> timer.epoch_seconds        # three floats
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is not None:
            self.epoch_seconds.append(time.perf_counter() - self._start)


class GANSampleGrid(keras.callbacks.Callback):
    """Draws the same latent batch through the generator at the end of every epoch.

    Because the latent vectors are fixed, consecutive grids show the *same*
    samples improving, which is what a progress animation needs. Each grid is
    kept in memory (`frames`, uint8 `(rows * H, cols * W)` or with colour
    channels) and, with `directory`, also written as `epoch_001.png`, ...

    Args:
        num_images: Images per grid. Defaults to `36`.
        columns: Images per row. Defaults to `6`.
        seed: Seed of the fixed latent batch. Defaults to `0`.
        directory: Where to write a PNG per epoch, or `None`. Defaults to `None`.
        every: Keep a grid every `every` epochs (and always after the last
            one `fit` runs). Defaults to `1`.

    Example:

    >>> grid = GANSampleGrid(directory="samples")
    >>> gan.fit(images, epochs=20, callbacks=[grid])
    >>> grid.save_gif("progress.gif")
    """

    def __init__(self, num_images=36, columns=6, seed=0, directory=None, every=1):
        super().__init__()
        for arg, value in (("num_images", num_images), ("columns", columns), ("every", every)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Expected a positive integer `{arg}`. Received: {arg}={value!r}")
        self.num_images = num_images
        self.columns = columns
        self.seed = seed
        self.directory = directory
        self.every = every
        self.frames = []
        self.epochs = []
        self._latent = None

    def _grid(self, images):
        images = np.asarray(images)
        images = ((images + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
        n, height, width, channels = images.shape
        rows = -(-n // self.columns)
        canvas = np.full((rows * height, self.columns * width, channels), 255, np.uint8)
        for i, image in enumerate(images):
            r, c = divmod(i, self.columns)
            canvas[r * height : (r + 1) * height, c * width : (c + 1) * width] = image
        return canvas[..., 0] if channels == 1 else canvas

    def render(self):
        """The current generator's grid for the fixed latent batch (uint8)."""
        if self._latent is None:
            rng = np.random.default_rng(self.seed)
            self._latent = rng.standard_normal((self.num_images, self.model.latent_dim)).astype("float32")
        images = self.model.generator(self._latent, training=False)
        return self._grid(images)

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch + 1
        if (epoch + 1) % self.every == 0:
            self._keep(epoch + 1)

    def on_train_end(self, logs=None):
        last = getattr(self, "_last_epoch", None)
        if last is not None and (not self.epochs or self.epochs[-1] != last):
            self._keep(last)

    def _keep(self, epoch):
        frame = self.render()
        self.frames.append(frame)
        self.epochs.append(epoch)
        if self.directory is not None:
            from pathlib import Path

            from PIL import Image

            path = Path(self.directory)
            path.mkdir(parents=True, exist_ok=True)
            Image.fromarray(frame).save(path / f"epoch_{epoch:03d}.png")

    def save_gif(self, path, seconds_per_frame=0.4, scale=2):
        """Writes the kept grids as an animated GIF (the last frame held longer)."""
        return save_progress_gif(self.frames, path, seconds_per_frame, scale)


def save_progress_gif(frames, path, seconds_per_frame=0.4, scale=2):
    """Writes uint8 frames as a looping animated GIF, each enlarged `scale` times.

    Returns:
        The path written.
    """
    from pathlib import Path

    from PIL import Image

    if not frames:
        raise ValueError("Expected at least one frame. Received: none")
    images = [Image.fromarray(np.asarray(f)).resize(
        (np.asarray(f).shape[1] * scale, np.asarray(f).shape[0] * scale), Image.NEAREST) for f in frames]
    durations = [int(seconds_per_frame * 1000)] * (len(images) - 1) + [int(seconds_per_frame * 4000)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path
