"""English words for character-level language models."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dlkit.data.errors import DataNotFoundError

SYSTEM_WORDS = Path("/usr/share/dict/words")
_LETTERS = re.compile(r"^[a-z]+$")


def load_words(path: str | os.PathLike[str] | None = None, min_length: int = 1,
               max_length: int | None = None) -> list[str]:
    """Loads a word list as unique lowercase words made of the letters a-z.

    Entries with other characters (possessives such as "dog's", accented
    letters) are dropped, and duplicates that differ only in case are merged.

    Args:
        path: A text file with one word per line. Defaults to
            `/usr/share/dict/words` (Debian/Ubuntu package `wamerican`;
            present on macOS).
        min_length: Shortest word kept. Defaults to `1`.
        max_length: Longest word kept, or `None` for no limit. Defaults to
            `None`.

    Returns:
        A sorted list of unique lowercase words.

    Raises:
        DataNotFoundError: The file does not exist.
        ValueError: Bad lengths, or the file holds no usable word.

    Example:

    >>> words = load_words()
    >>> len(words) > 50_000
    True
    """
    if min_length < 1:
        raise ValueError(f"Expected `min_length` >= 1. Received: min_length={min_length}")
    if max_length is not None and max_length < min_length:
        raise ValueError(
            "Expected `max_length` >= `min_length` or None. "
            f"Received: min_length={min_length}, max_length={max_length}"
        )
    path = Path(path) if path is not None else SYSTEM_WORDS
    if not path.is_file():
        raise DataNotFoundError(
            f"Word list not found at path={str(path)!r}. Install it with "
            "`sudo apt-get install wamerican` (Debian/Ubuntu), or pass "
            "path=... to a text file with one word per line."
        )
    words = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            word = line.strip().lower()
            if not _LETTERS.match(word) or len(word) < min_length:
                continue
            if max_length is not None and len(word) > max_length:
                continue
            words.add(word)
    if not words:
        raise ValueError(
            f"Expected a file with words made of the letters a-z. Received: path={str(path)!r}, "
            "which holds none"
        )
    return sorted(words)
