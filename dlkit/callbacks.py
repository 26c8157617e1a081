"""Keras callbacks shared by the families.

Progress: `EpochTimer`, `TimeBudget` (stops `fit` after so many seconds of
training: equal wall-clock comparisons), `GANSampleGrid` (+ `save_progress_gif`),
`QualityTracker` (a GAN's FCD and coverage per epoch), `GANTensorBoard`
(its sample grid and FCD as TensorBoard events).
Reliability: `ResumableBackup` (exact resume after a crash, GAN loops
included, and never a non-finite backup) and `FiniteModelCheckpoint`
(`ModelCheckpoint` that never writes non-finite weights).
"""

import contextlib
import json
import shutil
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from dlkit.evaluation import gan as gan_metrics
from dlkit.models.gan_loops import DCGAN, WGAN
from dlkit.saving import CorruptFileError, fsync_file, read_json, write_text


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in `epoch_seconds`, and of the whole `fit` in `train_seconds`.

    `train_seconds` runs from `on_train_begin` to `on_train_end`: tracing,
    validation and other callbacks' epoch-end work included.

    Example:

    >>> timer = EpochTimer()
    >>> model.fit(x, y, epochs=3, callbacks=[timer])
    >>> timer.epoch_seconds        # three floats
    """

    def __init__(self):
        super().__init__()
        self.epoch_seconds = []
        self.train_seconds = 0.0
        self._start = None
        self._train_start = None

    def on_train_begin(self, logs=None):
        self._train_start = time.perf_counter()

    def on_train_end(self, logs=None):
        if self._train_start is not None:
            self.train_seconds += time.perf_counter() - self._train_start

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is not None:
            self.epoch_seconds.append(time.perf_counter() - self._start)


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit()` once its training steps have used `seconds` of wall time.

    Comparing two models "at equal wall-clock" means giving each the same
    seconds of training, whatever a step of each costs. The clock runs from
    the end of the first batch (which traces the train step: a one-off cost
    that differs between models and says nothing about their speed) and only
    inside epochs, from `on_epoch_begin` to the last batch's end: data loading
    counts, per-epoch callbacks (sample grids, quality measurements) do not.
    `fit` stops after the batch that reaches the budget, so a run overshoots
    it by at most one step; give `fit` more epochs than the budget can use.

    Attributes:
        seconds_used: Training seconds counted so far.
        steps: Batches trained (the first, untimed one included).
        stopped: Whether the budget ended the run (rather than its epochs).

    Args:
        seconds: The budget, positive.

    Raises:
        ValueError: A budget that is not a positive finite number.

    Example:

    >>> budget = TimeBudget(120)
    >>> gan.fit(images, epochs=1000, callbacks=[budget])
    >>> budget.steps, budget.seconds_used
    """

    def __init__(self, seconds):
        super().__init__()
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
            raise ValueError(f"Expected a positive number of seconds. Received: seconds={seconds!r}")
        self.seconds = float(seconds)
        self.seconds_used = 0.0
        self.steps = 0
        self.stopped = False
        self._mark = None

    def on_train_begin(self, logs=None):
        self.seconds_used, self.steps, self.stopped, self._mark = 0.0, 0, False, None

    def on_epoch_begin(self, epoch, logs=None):
        self._mark = time.perf_counter()

    def restart_clock(self):
        """Leaves the time since the last step out of the budget.

        For work done inside a batch callback that is not training (a
        quality measurement every so many seconds): call it when that work
        ends. The measuring callback must come after the budget in
        `callbacks=[...]`, so that the budget has counted the step before it.
        """
        if self._mark is not None:
            self._mark = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.steps and self._mark is not None:  # the first batch traces: not counted
            self.seconds_used += now - self._mark
        self._mark = now
        self.steps += 1
        if self.seconds_used >= self.seconds:
            self.stopped = True
            self.model.stop_training = True


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
        inputs = getattr(self.model, "generator_inputs", lambda latent: latent)(self._latent)
        with getattr(self.model, "averaged_generator", contextlib.nullcontext)() as generator:
            images = (generator or self.model.generator)(inputs, training=False)
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
    if not frames:
        raise ValueError("Expected at least one frame. Received: none")
    images = [Image.fromarray(np.asarray(f)).resize(
        (np.asarray(f).shape[1] * scale, np.asarray(f).shape[0] * scale), Image.Resampling.NEAREST) for f in frames]
    durations = [int(seconds_per_frame * 1000)] * (len(images) - 1) + [int(seconds_per_frame * 4000)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=durations, loop=0)
    return path


# --- Checkpoints that survive crashes and refuse non-finite state ----------------------------


def _finite_logs(logs):
    """Whether every numeric value in `logs` is finite (non-numeric values are ignored)."""
    for value in (logs or {}).values():
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if not np.all(np.isfinite(array)):
            return False
    return True


def _finite_weights(model):
    return all(np.all(np.isfinite(np.asarray(w, dtype=np.float64))) for w in model.get_weights())


def _rng_state_variables(model):
    """The states of every `SeedGenerator` in the model (dropout masks, GAN latent draws).

    `save_weights` leaves them out, so a model restored from weights alone
    would replay the random draws of epoch 0 after a resume. `model.variables`
    includes them (in a fixed order) and `model.weights` does not.
    """
    weight_ids = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weight_ids]


def _build_optimizers(model):
    """Creates optimizer slots so that saved optimizer state can be loaded into them.

    The GAN loops (`gan.DCGAN`, `gan.WGAN`) train with two optimizers,
    `d_optimizer` for the discriminator (or critic) and `g_optimizer` for the
    generator; Keras's `BackupAndRestore` builds only `model.optimizer`, so on
    its own it saves the two optimizers' state but silently skips loading it.
    """
    if isinstance(model, (DCGAN, WGAN)) and getattr(model, "d_optimizer", None) is not None:
        generator, second = model.networks.values()
        for optimizer, network in ((model.d_optimizer, second), (model.g_optimizer, generator)):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)
    elif getattr(model, "optimizer", None) is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


class ResumableBackup(keras.callbacks.Callback):
    """Backs up the whole training state every epoch so a killed `fit` resumes exactly.

    A drop-in for `keras.callbacks.BackupAndRestore` that also covers what it
    misses, so that an interrupted run restarted with the same seed ends with
    the *same* weights as an uninterrupted one:

    * the GAN loops' two optimizers (`d_optimizer`, `g_optimizer`) are
      restored, not only saved;
    * the random-number state of every `SeedGenerator` (dropout masks, the
      GANs' latent vectors and gradient-penalty interpolations) is saved and
      restored, so the draws after a resume are the ones the uninterrupted
      run would have made;
    * each backup is written to a fresh folder and only then made current by
      an atomic rename of `latest.json`, so a kill while writing (even
      `SIGKILL`) leaves the previous backup intact;
    * an epoch whose logs (e.g. `loss`) or weights are not finite is **not**
      backed up: the last good state is kept, and with `restore_on_nan` the
      model is rolled back to it when training ends.

    Restarting `fit` with the same callback directory continues after the
    last backed-up epoch. On a normal finish the directory is deleted
    (`delete_checkpoint`); after a run stopped by non-finite values it is
    kept, so the run can be inspected or resumed with a smaller learning rate.

    Exact resumption also needs the data order of an epoch not to depend on
    how many epochs the process has already run: pass `shuffle=False` with
    arrays, or a dataset whose order is fixed. A `tf.data` shuffle with
    `reshuffle_each_iteration=True` restarts its sequence of orders in a new
    process, so the resumed run is as good but not bit-identical.

    Args:
        backup_dir: Directory used only by this callback.
        delete_checkpoint: Delete the directory after a normal finish.
            Defaults to `True`.
        restore_on_nan: After a run that ends with non-finite weights, load
            the last good backup into the model. Defaults to `True`.
        restore_dir: Where to resume from, if not `backup_dir`: a worker of a
            multi-worker cluster that is not the chief writes its backups to
            a directory of its own and resumes from the chief's, so that all
            start from the same state (`dlkit.distribute`). Defaults to `None`.

    Attributes:
        last_good_epoch: Number of epochs completed in the newest backup
            (`None` before the first one).
        skipped_epochs: Epochs (0-based) that were not backed up because
            their logs or weights were not finite.

    Example:

    >>> backup = ResumableBackup("runs/gan_backup")
    >>> gan.fit(images, epochs=50, callbacks=[backup, keras.callbacks.TerminateOnNaN()])
    >>> # killed? run the same two lines again: training continues where it stopped.
    """

    LATEST = "latest.json"

    def __init__(self, backup_dir, delete_checkpoint=True, restore_on_nan=True, restore_dir=None):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"Expected a directory for `backup_dir`. Received: backup_dir={backup_dir!r}")
        self.backup_dir = Path(backup_dir)
        self.restore_dir = self.backup_dir if restore_dir is None else Path(restore_dir)
        self.delete_checkpoint = bool(delete_checkpoint)
        self.restore_on_nan = bool(restore_on_nan)
        self.last_good_epoch = None
        self.skipped_epochs = []

    # The state on disk: `latest.json` names the folder of the newest complete backup.
    def _latest(self, directory=None):
        directory = self.backup_dir if directory is None else directory
        path = directory / self.LATEST
        if not path.is_file():
            return None
        state = read_json(path)
        if not isinstance(state, dict) or not isinstance(state.get("epoch"), int) \
                or not isinstance(state.get("folder"), str):
            raise CorruptFileError(path, f"expected {{'epoch': int, 'folder': str}}, found {state!r}")
        return {**state, "directory": directory}

    def _load(self, state):
        folder = state["directory"] / state["folder"]
        _build_optimizers(self.model)
        weights, rng = folder / "state.weights.h5", folder / "rng_state.npz"
        for path in (weights, rng):
            if not path.is_file():
                raise CorruptFileError(path, "missing from the backup")
        try:
            self.model.load_weights(weights)
        except Exception as e:  # h5py's OSError for a truncated file, ValueError for another model
            raise CorruptFileError(weights, f"{type(e).__name__}: {e}") from e
        try:
            with np.load(rng) as saved:
                states = [saved[f"state_{i}"] for i in range(len(saved.files))]
        except Exception as e:  # zipfile.BadZipFile, EOFError, ValueError: a damaged archive
            raise CorruptFileError(rng, f"{type(e).__name__}: {e}") from e
        variables = _rng_state_variables(self.model)
        if len(states) != len(variables):
            raise ValueError(
                f"Expected a backup of the same model with {len(variables)} random-number states. "
                f"Received: {len(states)} in {folder}"
            )
        for variable, value in zip(variables, states, strict=True):
            variable.assign(value)

    def on_train_begin(self, logs=None):
        self.skipped_epochs = []
        state = self._latest(self.restore_dir)
        if state is None:
            return
        self._load(state)
        self.last_good_epoch = int(state["epoch"])
        # What keras.callbacks.BackupAndRestore sets too: fit() starts from this epoch.
        self.model._initial_epoch = self.last_good_epoch

    def on_epoch_end(self, epoch, logs=None):
        # After TerminateOnNaN stops training, Keras still calls on_epoch_end with the
        # diverged weights; writing them would replace the last good backup.
        if not _finite_logs(logs) or not _finite_weights(self.model):
            self.skipped_epochs.append(epoch)
            print(f"ResumableBackup: epoch {epoch + 1} has non-finite logs or weights; "
                  f"kept the backup of epoch {self.last_good_epoch}.")
            return
        self._save(epoch + 1)

    def _save(self, epochs_done):
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        folder = f"epoch_{epochs_done:05d}"
        target = self.backup_dir / folder
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        self.model.save_weights(target / "state.weights.h5")
        states = {f"state_{i}": np.asarray(v) for i, v in enumerate(_rng_state_variables(self.model))}
        np.savez(target / "rng_state.npz", **states)  # type: ignore[arg-type]  # numpy's stub reads **kwds as allow_pickle
        for path in target.iterdir():  # on disk before latest.json points at them
            fsync_file(path)
        write_text(self.backup_dir / self.LATEST, json.dumps({"epoch": epochs_done, "folder": folder}))
        for old in self.backup_dir.glob("epoch_*"):
            if old.name != folder:
                shutil.rmtree(old, ignore_errors=True)
        self.last_good_epoch = epochs_done

    def on_train_end(self, logs=None):
        diverged = bool(self.skipped_epochs) or not _finite_weights(self.model)
        if diverged:
            state = self._latest() or self._latest(self.restore_dir)
            if self.restore_on_nan and state is not None:
                self._load(state)
            return
        if self.delete_checkpoint and self.backup_dir.exists():
            shutil.rmtree(self.backup_dir)


class FiniteModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`keras.callbacks.ModelCheckpoint` that never writes non-finite weights.

    When `TerminateOnNaN` stops a diverging run, Keras still ends the epoch
    and calls `on_epoch_end`, so a plain `ModelCheckpoint` (without
    `save_best_only`) overwrites the last good file with NaN weights. This one
    skips any save whose logs or weights are not finite; the skipped epochs
    are listed in `skipped_epochs`. Arguments are those of `ModelCheckpoint`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skipped_epochs = []

    def on_train_batch_end(self, batch, logs=None):
        # Per-batch saves only happen with an integer save_freq; skip the weight scan otherwise.
        if self.save_freq == "epoch" or (_finite_logs(logs) and _finite_weights(self.model)):
            super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if _finite_logs(logs) and _finite_weights(self.model):
            super().on_epoch_end(epoch, logs)
        else:
            self.skipped_epochs.append(epoch)


class _FCDAgainst:
    """The FCD of samples against one fixed set of real images, whose evaluator features are computed once.

    What `gan_metrics.frechet_classifier_distance` computes, for callbacks that
    score new samples every epoch against the same real images.
    """

    def __init__(self, real_images):
        self.real_images = real_images
        self._features = None

    def __call__(self, fake_images):
        if self._features is None:
            self._features = gan_metrics.evaluator_features(self.real_images, arg="real_images")
        fake = gan_metrics.evaluator_features(fake_images, arg="fake_images")
        return gan_metrics.frechet_distance(self._features, fake)


class QualityTracker(keras.callbacks.Callback):
    """Measures a GAN's sample quality after every epoch of its `fit`.

    After `fit`, `history` holds one dict per epoch: `epoch`, `fcd` (against
    `real_images`), `coverage_entropy`, `classes_covered`, and the epoch's
    training logs (`d_loss`, `g_loss`, `wasserstein_distance`, ...).

    Args:
        real_images: Real images in [-1, 1] to compare with.
        num_images: Samples per measurement. Defaults to `2000`.
        seed: Seed of the latent samples (the same each epoch). Defaults to `0`.
    """

    def __init__(self, real_images, num_images=2000, seed=0):
        super().__init__()
        self.real_images = real_images[:num_images]
        self.num_images = num_images
        self.seed = seed
        self.history = []
        self._fcd = _FCDAgainst(self.real_images)

    def on_epoch_end(self, epoch, logs=None):
        fake = self.model.generate(self.num_images, seed=self.seed)
        coverage = gan_metrics.class_coverage(fake)
        self.history.append({
            "epoch": epoch + 1,
            "fcd": self._fcd(fake),
            "coverage_entropy": coverage["normalized_entropy"],
            "classes_covered": coverage["classes_covered"],
            **{k: float(v) for k, v in (logs or {}).items()},
        })


class GANTensorBoard(keras.callbacks.Callback):
    """Writes a GAN's sample grid (an image) and its FCD (a scalar) to TensorBoard every epoch.

    Keras's `TensorBoard` callback logs the losses; this adds what a GAN's
    losses do not show: what the samples look like, and how far they are
    from real images. Steps are epochs counted from 0, as Keras logs them.

    Args:
        log_dir: Directory of the event files (e.g. `<logs>/dcgan/samples`).
        grid: The run's `GANSampleGrid`, placed before this callback.
        real_images: Real images in [-1, 1] for the FCD.
        num_images: Samples per FCD. Defaults to `1000`.
        seed: Seed of those samples (the same each epoch). Defaults to `0`.
    """

    def __init__(self, log_dir, grid, real_images, num_images=1000, seed=0):
        super().__init__()
        self.log_dir = str(log_dir)
        self.grid = grid
        self.real_images = real_images[:num_images]
        self.num_images = num_images
        self.seed = seed
        self._writer = None
        self._fcd = _FCDAgainst(self.real_images)

    def on_epoch_end(self, epoch, logs=None):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        fake = self.model.generate(self.num_images, seed=self.seed)
        fcd = self._fcd(fake)
        frame = self.grid.frames[-1] if self.grid.frames else self.grid.render()
        image = frame[np.newaxis, ..., np.newaxis] if frame.ndim == 2 else frame[np.newaxis]
        with self._writer.as_default(step=epoch):
            tf.summary.image("samples", image)
            tf.summary.scalar("fcd", fcd)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
