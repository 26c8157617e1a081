"""Files written whole or not at all, strict JSON, and loads that name the file they failed on.

Every file dlkit writes for a user (models, metrics, reports) goes through
`atomic_path`: the content is written to a temporary file in the same
directory, flushed to disk, and only then renamed over the destination. A
crash, a kill or a full disk mid-write leaves either the old complete file
or the new complete one, never a truncated file under the real name.
"""

import contextlib
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np


class CorruptFileError(ValueError):
    """A file dlkit was asked to load is unreadable, truncated or not what it should be.

    `str(error)` names the file and what is wrong, in one line.
    """

    def __init__(self, path, reason):
        self.path = Path(path)
        self.reason = " ".join(str(reason).split()) or "unreadable"
        super().__init__(f"{self.path} is corrupt or truncated ({self.reason}); "
                         "delete it or provide a complete copy")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; on success, renames it over `path`.

    The temporary name ends with `path`'s whole name, so every suffix stays
    (Keras chooses its format by `.keras` or `.weights.h5`). On an exception
    the temporary file is removed and `path` is untouched.

    Example:

    >>> with atomic_path("runs/cnn.keras") as tmp:
    ...     model.save(tmp)
    """
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        yield tmp
        with open(tmp, "rb+") as f:  # the bytes are on disk before the name points at them
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path, text):
    """Writes `text` to `path` atomically (see `atomic_path`). Returns the path."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def save_model(model, path):
    """`model.save(path)`, atomically: a kill mid-save leaves the previous file whole.

    Returns:
        The path written.
    """
    with atomic_path(path) as tmp:
        model.save(tmp)
    return Path(path)


def load_model(path, compile=True):
    """`keras.saving.load_model` with `safe_mode=True`; a bad file is one clear error.

    Model files can carry code (a `Lambda` layer's function); safe mode
    refuses to run it. Only load model files you made or trust.

    Raises:
        FileNotFoundError: `path` does not exist.
        CorruptFileError: It exists but cannot be read as a Keras model.
    """
    import keras

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a saved model at {path}. Received: no such file")
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as e:
        if "safe_mode" in str(e):  # refused code, not a damaged file: Keras's message says why
            raise
        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from e
    except Exception as e:  # BadZipFile, EOFError, h5py's OSError, KeyError: not a readable model
        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from e


def sha256_of(path):
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def strict_json_value(value):
    """`value` made JSON-safe: NumPy scalars and arrays become Python, paths strings.

    Non-finite floats are *not* handled here; `to_strict_json` replaces them.
    """
    if isinstance(value, dict):
        return {str(k): strict_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return strict_json_value(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None, repr(value)  # 'nan', 'inf', '-inf'
    return value, None


def _replace_non_finite(value):
    """Non-finite floats become `None`; a sibling `<key>_not_finite` says what they were."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, float):
                item, reason = _finite_or_none(item)
                if reason:
                    out[f"{key}_not_finite"] = f"{reason}: not a finite number, written as null"
            elif isinstance(item, list):
                item, reasons = _replace_in_list(item)
                if reasons:
                    out[f"{key}_not_finite"] = "; ".join(reasons) + ": written as null"
            else:
                item = _replace_non_finite(item)
            out[key] = item
        return out
    if isinstance(value, list):
        return _replace_in_list(value)[0]
    return _finite_or_none(value)[0]


def _replace_in_list(values):
    out, reasons = [], []
    for i, item in enumerate(values):
        if isinstance(item, float):
            item, reason = _finite_or_none(item)
            if reason:
                reasons.append(f"{reason} at index {i}")
        else:
            item = _replace_non_finite(item)
        out.append(item)
    return out, reasons


def to_strict_json(value, indent=2):
    """`value` as strict JSON text (RFC 8259: no NaN or Infinity), newline-terminated.

    A non-finite float becomes `null`, and the dict that holds it gains
    `<key>_not_finite` saying what it was (`"nan: not a finite number, ..."`),
    so a reader sees both that the value is missing and why.
    """
    return json.dumps(_replace_non_finite(strict_json_value(value)), indent=indent, allow_nan=False) + "\n"


def write_json(path, value):
    """Writes `to_strict_json(value)` to `path` atomically. Returns the path."""
    return write_text(path, to_strict_json(value))


def read_json(path):
    """Reads a JSON file; an unreadable one is a `CorruptFileError` that names it."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorruptFileError(path, f"not valid JSON: {e}") from e
