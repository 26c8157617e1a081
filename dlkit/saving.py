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
import re
from pathlib import Path

import numpy as np

# The first Keras release without the known safe_mode bypasses (the last was fixed in 3.11.3).
SAFE_KERAS = (3, 12)


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
        fsync_file(tmp)  # the bytes are on disk before the name points at them
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def fsync_file(path):
    """Flushes a written file's bytes to the disk (before a rename or a pointer makes it current)."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


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
        RuntimeError: Keras is older than 3.12, whose safe mode a crafted file
            can get around (dlkit installs beside such a Keras on hosted
            runtimes, but does not load model files with it).
    """
    import keras  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Expected a saved model at {path}. Received: no such file")
    release = tuple(int(part) for part in re.findall(r"\d+", keras.__version__)[:2])
    if release < SAFE_KERAS:
        raise RuntimeError(
            f"Expected Keras {'.'.join(map(str, SAFE_KERAS))} or newer to load a model file: "
            "older releases let a crafted file get around safe_mode (CVE-2025-1550, "
            "CVE-2025-8747, CVE-2025-9905, CVE-2025-9906). Received: keras "
            f"{keras.__version__}. Upgrade it (pip install -U 'keras>=3.12', then restart the "
            "runtime), or load a file you made yourself with keras.saving.load_model.")
    # dlkit's own classes a saved model can name (GAN loops, the smoothed loss, the
    # learning-rate schedule) register themselves when their modules are imported.
    import dlkit.losses
    import dlkit.models.gan_loops
    import dlkit.schedules  # noqa: F401

    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as e:
        if "safe_mode" in str(e):  # refused code, not a damaged file: Keras's message says why
            raise
        raise CorruptFileError(path, f"{type(e).__name__}: {e}") from e
    except TypeError as e:
        if "Could not locate" in str(e):  # a class from elsewhere, not a damaged file
            raise ValueError(f"Expected every class that {path} names to be registered before loading. "
                             f"Received: {e}. Import the module that defines it (with "
                             "keras.saving.register_keras_serializable) first.") from e
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


def _json_ready(value):
    """`(value as JSON-safe Python, note on the non-finite floats it held or None)`, in one pass.

    NumPy scalars and arrays become Python, other objects (paths) strings,
    and a non-finite float `None`; its note is its repr (`"nan"`), a list's
    note names each one's index. A dict writes its values' notes beside
    them as `<key>_not_finite`, so it returns no note itself.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item, note = _json_ready(item)
            if note:
                tail = "written as null" if isinstance(item, list) else "not a finite number, written as null"
                out[f"{key}_not_finite"] = f"{note}: {tail}"
            out[str(key)] = item
        return out, None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [_json_ready(v) for v in value]
        notes = [f"{note} at index {i}" for i, (item, note) in enumerate(items) if note and item is None]
        return [item for item, _ in items], "; ".join(notes) or None
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    if isinstance(value, np.integer):
        return int(value), None
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return (value, None) if math.isfinite(value) else (None, repr(value))
    if value is None or isinstance(value, (int, str)):
        return value, None
    return str(value), None


def to_strict_json(value, indent=2):
    """`value` as strict JSON text (RFC 8259: no NaN or Infinity), newline-terminated.

    A non-finite float becomes `null`, and the dict that holds it gains
    `<key>_not_finite` saying what it was (`"nan: not a finite number, ..."`),
    so a reader sees both that the value is missing and why.
    """
    return json.dumps(_json_ready(value)[0], indent=indent, allow_nan=False) + "\n"


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
