"""The output-directory policy: a run never silently replaces another one.

A run named `name` (a family, or `gru_co2`, or the tour) owns these entries
of its output directory: `<name>.keras`, `<name>_metrics.json`,
`<name>_run.json` and `<name>_backup/` (plus any extra names the caller
lists). Before training, `prepare_output` checks them:

- none present: a new run; go ahead;
- present, without `resume` or `overwrite`: `RunExistsError`, one line that
  names the directory and the three ways on (`--resume`, `--overwrite`,
  another `--out`);
- `resume` without a backup to resume: `NothingToResumeError`;
- `overwrite`: the old backup is removed (the new run must not resume it);
  the old model and metrics stay until the new ones replace them, each in
  one atomic rename (`dlkit.saving`).

Other runs in the same directory (another family's files) are left alone.
"""

import shutil
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """The output directory cannot be used (a file, not writable, or already holds the run)."""


class RunExistsError(OutputError):
    """The output directory already holds a run of the same name."""


class NothingToResumeError(OutputError):
    """`resume` was asked for, but the output directory holds no backup of the run."""


def run_entries(name, extras=()):
    """The names a run called `name` writes into its output directory."""
    return (f"{name}.keras", f"{name}_metrics.json", f"{name}_run.json", f"{name}_backup", *extras)


def backup_dir(out, name):
    """Where the run called `name` keeps its `callbacks.ResumableBackup`."""
    return Path(out) / f"{name}_backup"


def check_writable_dir(out):
    """Creates `out` if needed and proves it writable; `OutputError` names it otherwise.

    The check writes and removes a temporary file (permission bits alone do
    not tell: root ignores them, and a read-only mount refuses everyone).

    Returns:
        `Path(out)`.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"Expected an output directory. Received: {str(out)!r}, which is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".dlkit-write-check-"):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise OutputError(f"Expected a writable output directory. Received: {str(out)!r} ({reason})") from e
    return out


def prepare_output(out, name, resume=False, overwrite=False, extras=(), entries=None):
    """Checks `out` before the run called `name` writes into it (see the module docstring).

    Args:
        out: Output directory (created if missing).
        name: The run's name, e.g. `"cnn"` or `"gru_co2"`.
        resume: Continue the run from its backup. Defaults to `False`.
        overwrite: Replace an existing run of that name. Defaults to `False`.
        extras: Further entry names the run writes (sample folders, GIFs).
            Defaults to `()`.
        entries: Every entry name the run writes, for a run without a
            backup (the tour); replaces `run_entries(name, extras)` and
            rules out `resume`. Defaults to `None`.

    Returns:
        `Path(out)`.

    Raises:
        OutputError: `out` is a file or not writable; `resume` and
            `overwrite` together.
        RunExistsError: `out` holds a run called `name` and neither
            `resume` nor `overwrite` was given.
        NothingToResumeError: `resume` with no backup of the run in `out`.
    """
    if resume and overwrite:
        raise OutputError("Expected at most one of resume and overwrite. Received: both")
    out = check_writable_dir(out)
    backup = backup_dir(out, name)
    if resume:
        if entries is not None:
            raise OutputError(f"Expected a run that can resume. Received: resume=True for {name}")
        if not (backup / "latest.json").is_file():
            raise NothingToResumeError(
                f"nothing to resume in {out}: no backup of a {name} run ({backup.name} is "
                f"{'empty' if backup.exists() else 'missing'}); drop --resume to start a new run")
        return out
    resumable = entries is None
    present = sorted(e for e in (run_entries(name, extras) if resumable else entries) if (out / e).exists())
    if present and not overwrite:
        raise RunExistsError(
            f"{out} already holds a {name} run ({', '.join(present)}): "
            + ("continue it with --resume, " if resumable else "")
            + "replace it with --overwrite, or choose another --out")
    remove_backup(out, name)
    return out


def remove_backup(out, name):
    """Deletes the run's backup; call it only after its final model is saved."""
    backup = backup_dir(out, name)
    if backup.exists():
        shutil.rmtree(backup)
