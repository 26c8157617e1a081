"""Where the downloadable datasets are looked for, and whether a loader may download."""

from __future__ import annotations

import os
from pathlib import Path


def keras_cache(name: str) -> Path:
    """`$KERAS_HOME/datasets/<name>` (`~/.keras` by default): where Keras and dlkit downloads go."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / name


def local_dirs(data_dir: str | os.PathLike[str] | None, name: str) -> list[Path]:
    """`data_dir`, then `$DLKIT_DATA_DIR/<name>`, then `keras_cache(name)`: the lookup every loader starts with."""
    dirs = [] if data_dir is None else [Path(data_dir)]
    env = os.environ.get("DLKIT_DATA_DIR")
    if env:
        dirs.append(Path(env) / name)
    dirs.append(keras_cache(name))
    return dirs


def download_allowed(download: bool | None) -> bool:
    """`download` when given; otherwise yes unless `DLKIT_OFFLINE` is set to 1, true or yes."""
    if download is not None:
        return bool(download)
    return os.environ.get("DLKIT_OFFLINE", "0") not in ("1", "true", "yes")
