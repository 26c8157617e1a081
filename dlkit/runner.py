"""The one runner every family trains through: what all runs share, written once.

`train(family, settings, ...)`:

1. checks the settings and the output directory before any work
   (`runs.prepare_output`: never replace a run silently; on `resume`, the
   settings must match the run being continued);
2. seeds Python, NumPy, TensorFlow and Keras (`dlkit.set_seed`);
3. hands the family its callbacks: `EpochTimer` (the timing), Keras's
   `TerminateOnNaN` (the NaN stop), `ResumableBackup` with `out` (an exact
   resume after a crash, never a non-finite state), Keras's `TensorBoard`
   with `tensorboard`, then the caller's;
4. calls the family's `fit`, which loads its data, builds, fits and measures;
5. with `out`: writes the family's own files, saves `<name>.keras` and
   `<name>_metrics.json` atomically, and only then removes the backup
   (kept with `keep_backup`, or after a divergence, to inspect or resume).

Across several workers (`tf.distribute.MultiWorkerMirroredStrategy`) every
worker runs all of this, so that their collective operations match, but
only the chief (`distribute.is_chief`) writes into `out` and `tensorboard`:
the others write into a temporary directory of their own, removed when
they finish, and resume from the chief's backup (a shared filesystem, as
TensorFlow's own multi-worker checkpoints assume).

Example:

>>> from dlkit import families
>>> cnn = families.FAMILIES["cnn"]
>>> result = cnn.train(cnn.FAST.replace(epochs=2), seed=0, out="runs")
>>> result.metrics["test_accuracy"], result.timing.examples_per_second
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras

from dlkit import distribute, runs, saving, validation
from dlkit.callbacks import EpochTimer, ResumableBackup
from dlkit.families.base import Family, Run, Settings, SettingsError, Timing, TrainingResult
from dlkit.seed import set_seed


def _run_record(family: Family, settings: Settings, seed: int) -> dict[str, Any]:
    """What must match for `resume` to continue a backup (more epochs may follow)."""
    kept = {k: v for k, v in settings.as_dict().items() if k not in settings.RESUMABLE_CHANGES}
    return {"family": family.name, "settings": kept, "seed": seed,
            "precision": keras.mixed_precision.global_policy().name}


def _check_resumable(out: Path, family: Family, settings: Settings, seed: int, resume: bool,
                     write: bool = True) -> None:
    """Refuses to resume a backup made with other settings; records this run's (with `write`)."""
    record = saving.to_strict_json(_run_record(family, settings, seed))
    path = out / f"{family.name}_run.json"
    if resume and path.is_file():
        before = saving.read_json(path)
        now = json.loads(record)
        flat_before = {**before.get("settings", {}), **{k: v for k, v in before.items() if k != "settings"}}
        flat_now = {**now["settings"], **{k: v for k, v in now.items() if k != "settings"}}
        # A record written before the families (flat, no "settings") is compared on what both hold.
        changed = {k: (flat_before[k], v) for k, v in flat_now.items()
                   if (k in flat_before or "settings" in before) and flat_before.get(k) != v}
        if changed:
            raise SettingsError(
                f"cannot resume the {family.name} run in {out}: it was made with "
                + ", ".join(f"{k}={old!r}" for k, (old, _) in changed.items())
                + "; this run asks for " + ", ".join(f"{k}={new!r}" for k, (_, new) in changed.items())
                + ". Use the same settings, or another --out")
    if write:
        saving.write_text(path, record)


def train(
    family: Family,
    settings: Settings,
    *,
    seed: int = 0,
    out: str | Path | None = None,
    data_dir: str | Path | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    resume: bool = False,
    overwrite: bool = False,
    keep_backup: bool = False,
    tensorboard: str | Path | None = None,
    verbose: int | str = 2,
) -> TrainingResult:
    """Trains `family` with `settings` (see the module docstring for what the runner does).

    Args:
        family: A registry entry (`dlkit.families.FAMILIES[name]`).
        settings: An instance of `family.Settings`, e.g. `family.FAST.replace(epochs=3)`.
        seed: Seed of weights, data order and every random draw. Defaults to `0`.
        out: Output directory, or `None` to write nothing. Defaults to `None`.
        data_dir: Directory searched first for the family's data. Defaults to `None`.
        callbacks: Extra Keras callbacks, after the runner's. Defaults to `()`.
        resume: Continue the run in `out` from its backup (same settings;
            `epochs` may grow). Defaults to `False`.
        overwrite: Replace a run of this family already in `out`. Defaults to `False`.
        keep_backup: Keep `out/<name>_backup` after a finished run, so a later
            call with more epochs and `resume=True` continues it. Defaults to `False`.
        tensorboard: Directory for TensorBoard logs (`<dir>/<name>/train`, and
            `validation` where the family validates; the GAN families add their
            sample grid and FCD under `<dir>/<name>/samples`). Defaults to `None`.
        verbose: Keras `fit` verbosity. Defaults to `2` (a line per epoch).

    Returns:
        A `TrainingResult`.

    Raises:
        SettingsError: `settings` is not the family's, or `seed` is not a
            non-negative integer, or `resume` changes a setting other than `epochs`.
        runs.OutputError: `out` cannot be used (see `runs.prepare_output`).
    """
    if not isinstance(settings, family.Settings):
        raise SettingsError(f"Expected settings of type {family.Settings.__qualname__} for the "
                            f"{family.name} family. Received: {type(settings).__qualname__}")
    try:
        validation.check_positive_int("seed", seed, minimum=0)
    except ValueError as e:
        raise SettingsError(str(e)) from None
    if resume and out is None:
        raise runs.OutputError("Expected an output directory to resume from. Received: resume=True, out=None")
    name = family.name
    out_dir = restore_dir = None
    scratch = None  # a worker other than the chief writes here, not into `out`
    chief = distribute.is_chief()
    if out is not None and chief:  # before any work: a refused directory costs nothing
        out_dir = runs.prepare_output(out, name, resume=resume, overwrite=overwrite, extras=family.outputs)
        _check_resumable(out_dir, family, settings, seed, resume)
    elif not chief and (out is not None or tensorboard is not None):
        if out is not None and resume:  # the chief's check, read-only: a refusal must stop every worker
            restore_dir = runs.backup_dir(Path(out), name)
            if not (restore_dir / ResumableBackup.LATEST).is_file():
                raise runs.OutputError(
                    f"cannot resume on this worker: the chief's backup {restore_dir} is not here. "
                    "Across workers, --resume needs --out on a filesystem every worker shares")
            _check_resumable(Path(out), family, settings, seed, resume, write=False)
        scratch = Path(tempfile.mkdtemp(prefix=f"dlkit-{name}-worker-"))
        out_dir = None if out is None else scratch
        tensorboard = None if tensorboard is None else scratch / "tensorboard"
    try:
        return _train(family, settings, seed, out_dir, data_dir, callbacks, keep_backup, tensorboard, verbose,
                      restore_dir=restore_dir, keep_files=chief)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _train(family: Family, settings: Settings, seed: int, out_dir: Path | None, data_dir: str | Path | None,
           callbacks: Sequence[keras.callbacks.Callback], keep_backup: bool, tensorboard: str | Path | None,
           verbose: int | str, restore_dir: Path | None, keep_files: bool) -> TrainingResult:
    """`train` once the output directory is settled (see the module docstring)."""
    name = family.name
    set_seed(seed)

    timer = EpochTimer()
    handed: list[keras.callbacks.Callback] = [timer, keras.callbacks.TerminateOnNaN()]
    backup = None
    if out_dir is not None:
        backup = ResumableBackup(runs.backup_dir(out_dir, name), delete_checkpoint=False, restore_dir=restore_dir)
        handed.append(backup)
    log_dir = None
    if tensorboard is not None:
        log_dir = runs.check_writable_dir(Path(tensorboard) / name)
        handed.append(keras.callbacks.TensorBoard(str(log_dir), write_graph=False))
    handed.extend(callbacks)
    run = Run(seed=seed, callbacks=handed, verbose=verbose, data_dir=data_dir, out=out_dir,
              tensorboard=log_dir)

    try:
        fitted = family.fit(settings, run)
    finally:
        # Keras skips on_train_end (which closes TensorBoard's event files) when fit raises.
        for callback in handed:
            if isinstance(callback, keras.callbacks.TensorBoard):
                callback._close_writers()

    timing = Timing(timer.train_seconds, list(timer.epoch_seconds), fitted.examples_per_epoch)
    metrics: dict[str, Any] = {
        **fitted.metrics,
        "parameters": _parameters(fitted.model),
        "epochs_run": len(fitted.history.get("loss", [])),
        **timing.as_dict(),
        "seed": seed,
        "settings": settings.as_dict(),
    }
    paths: dict[str, Path] = {}
    if out_dir is not None:
        if fitted.write_files is not None:
            paths.update(fitted.write_files(out_dir))
        # The backup goes only after the model is saved: a crash during the save still resumes.
        paths["model"] = saving.save_model(fitted.model, out_dir / f"{name}.keras")
        paths["metrics"] = out_dir / f"{name}_metrics.json"
        saving.write_json(paths["metrics"], {**metrics, "model_path": str(paths["model"])})
        if not keep_backup and backup is not None and not backup.skipped_epochs:
            runs.remove_backup(out_dir, name)
    return TrainingResult(family=name, settings=settings, seed=seed, model=fitted.model,
                          history=fitted.history, metrics=metrics, timing=timing,
                          paths=paths if keep_files else {},
                          extras=fitted.extras)


def _parameters(model: Any) -> int:
    """Trainable and frozen weights of a model, or of both networks of a GAN loop."""
    networks = getattr(model, "networks", None)
    if networks:
        return int(sum(net.count_params() for net in networks.values()))
    return int(model.count_params())
