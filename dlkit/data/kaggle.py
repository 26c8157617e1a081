"""Datasets that a Kaggle notebook mounts under `/kaggle/input`.

A Kaggle notebook runs without the internet unless its owner switches it on,
and the datasets added to it ("Add data") appear read-only under
`/kaggle/input/<dataset>/` (some layouts nest one or two folders deeper). The
loaders look there after their own local sources and before any download.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

KAGGLE_INPUT = Path("/kaggle/input")
# Datasets are mounted at /kaggle/input/<slug>/, some with the owner and a
# version folder between (datasets/<owner>/<slug>/versions/<n>/: five levels);
# walking further would crawl image datasets for a file that is never that deep.
MAX_DEPTH = 5


def on_kaggle() -> bool:
    """Whether this process runs in a Kaggle notebook (Kaggle sets this variable)."""
    return "KAGGLE_KERNEL_RUN_TYPE" in os.environ


def find_files(names: Iterable[str], root: Path | None = None) -> list[Path]:
    """Returns the files under the Kaggle input folder named one of `names`.

    Searched breadth-first to `MAX_DEPTH` folders below the root, each level in
    sorted order, so the same mounts always give the same answer.

    Args:
        names: File names to look for (exact, case-sensitive).
        root: Where to look. Defaults to `KAGGLE_INPUT` (`/kaggle/input`).

    Returns:
        The matching paths, shallowest first; empty when the root is missing.
    """
    root = KAGGLE_INPUT if root is None else root
    wanted = set(names)
    found: list[Path] = []
    level = [root] if root.is_dir() else []
    for _ in range(MAX_DEPTH + 1):
        below: list[Path] = []
        for folder in level:
            try:
                entries = sorted(folder.iterdir())
            except OSError:  # a mount we may not read is skipped, not fatal
                continue
            for entry in entries:
                if entry.is_dir():
                    below.append(entry)
                elif entry.name in wanted and entry.is_file():
                    found.append(entry)
        level = below
    return found
