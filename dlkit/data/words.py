"""English words for character-level language models."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dlkit.data import kaggle
from dlkit.data.errors import DataNotFoundError

SYSTEM_WORDS = Path("/usr/share/dict/words")
# Names a one-word-per-line list has in Kaggle datasets that carry one (the
# system file's own name, and the English word list that ships as words_alpha.txt).
KAGGLE_WORD_FILES = ("words", "words.txt", "words_alpha.txt")
_LETTERS = re.compile(r"^[a-z]+$")


def load_words(path: str | os.PathLike[str] | None = None, min_length: int = 1,
               max_length: int | None = None) -> list[str]:
    """Loads a word list as unique lowercase words made of the letters a-z.

    Entries with other characters (possessives such as "dog's", accented
    letters) are dropped, and duplicates that differ only in case are merged.

    Args:
        path: A text file with one word per line. Defaults to
            `/usr/share/dict/words` (Debian/Ubuntu package `wamerican`;
            present on macOS); where that is missing, a file named `words`,
            `words.txt` or `words_alpha.txt` in a dataset mounted under
            `/kaggle/input` (a Kaggle notebook's "Add data").
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
    path = Path(path) if path is not None else _default_path()
    if not path.is_file():
        hint = ""
        if kaggle.on_kaggle():
            hint = (" On Kaggle: switch the notebook's Internet on and run "
                    "`!apt-get install -y wamerican`, or add a dataset holding a word list "
                    f"named one of {', '.join(KAGGLE_WORD_FILES)} (searched under "
                    f"{kaggle.KAGGLE_INPUT}).")
        raise DataNotFoundError(
            f"Word list not found at path={str(path)!r}. Install it with "
            "`sudo apt-get install wamerican` (Debian/Ubuntu), or pass "
            "path=... to a text file with one word per line." + hint
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


def _default_path():
    """The system word list, else one a Kaggle notebook mounts, else the system path."""
    if SYSTEM_WORDS.is_file():
        return SYSTEM_WORDS
    mounted = kaggle.find_files(KAGGLE_WORD_FILES)
    return mounted[0] if mounted else SYSTEM_WORDS
