"""Fashion-MNIST from local IDX files first, the network only as a last resort.

Lookup order (the first directory holding all four files wins):

1. the `data_dir` argument;
2. `$DLKIT_DATA_DIR/fashion-mnist`;
3. the Keras cache, `$KERAS_HOME/datasets/fashion-mnist` (`~/.keras` by default);
4. `/usr/share/datasets/fashion-mnist` (Debian/Ubuntu package `dataset-fashion-mnist`);
5. on Kaggle, the CSV copy a notebook mounts under `/kaggle/input` (any folder
   holding `fashion-mnist_train.csv` and `fashion-mnist_test.csv`: a `label`
   column, then 784 pixel columns).

Each IDX file may be gzip-compressed (`.gz`, as distributed) or already
decompressed. Its decompressed bytes are checked against the SHA-256 sums
below, so a truncated or altered copy is reported by name instead of being
used. The CSV copy holds the same images in another order, so it cannot be
checked by a sum; it is checked by its header, its row count, its value ranges
and its class balance (exactly a tenth of each split per class) instead.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from dlkit.data import kaggle
from dlkit.data._sources import download_allowed, keras_cache, local_dirs
from dlkit.data.errors import CorruptDataError, DataNotFoundError

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
# Images in each split (the IDX files are checked against these by their SHA-256 sums).
FASHION_MNIST_TRAIN_SIZE = 60_000
FASHION_MNIST_TEST_SIZE = 10_000

# SHA-256 of the *decompressed* IDX files, and their sizes in bytes.
_FILES = {
    "train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        47_040_016,
    ),
    "train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        60_008,
    ),
    "t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        7_840_016,
    ),
    "t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        10_008,
    ),
}

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
# The file names of the CSV copy Kaggle mounts (dataset zalando-research/fashionmnist).
KAGGLE_CSV = {"train": "fashion-mnist_train.csv", "test": "fashion-mnist_test.csv"}
_PIXELS = 28 * 28

HOW_TO_PROVIDE = """\
Ways to provide Fashion-MNIST:
  * Debian/Ubuntu:  sudo apt-get install dataset-fashion-mnist
  * any system:     put the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in a directory and pass
                    data_dir=... or set DLKIT_DATA_DIR to its parent (files in $DLKIT_DATA_DIR/fashion-mnist)
  * Kaggle:         add the dataset "zalando-research/fashionmnist" to the notebook (Add data);
                    it is found anywhere under /kaggle/input
  * online:         call load_fashion_mnist(download=True); Keras downloads into ~/.keras/datasets"""


def candidate_dirs(data_dir=None):
    """Returns the directories searched for the IDX files, in lookup order."""
    return [*local_dirs(data_dir, "fashion-mnist"), SYSTEM_DIR]


def _find_file(directory, name):
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    return None


def _complete_dir(directory):
    """Maps each file name to its path if `directory` holds all four, else None."""
    found = {name: _find_file(directory, name) for name in _FILES}
    if all(found.values()):
        return found
    return None


def _locate(dirs):
    for directory in dirs:
        files = _complete_dir(directory)
        if files:
            return files
    return None


def _locate_kaggle_csv():
    """The folder under /kaggle/input holding both CSV files, or None."""
    for train in kaggle.find_files([KAGGLE_CSV["train"]]):
        if (train.parent / KAGGLE_CSV["test"]).is_file():
            return train.parent
    return None


def locate_fashion_mnist(data_dir=None):
    """Returns the directory `load_fashion_mnist` would read, or `None`.

    Only looks; neither verifies nor downloads anything. On Kaggle this may be
    the folder of the mounted CSV copy.
    """
    files = _locate(candidate_dirs(data_dir))
    if files is not None:
        return next(iter(files.values())).parent
    return _locate_kaggle_csv()


def _read_kaggle_csv(path, rows):
    """Reads one split of the Kaggle CSV copy; every check names the file."""
    import pandas as pd  # lazily, as keras is: `import dlkit` stays light

    def corrupt(expected, received):
        return CorruptDataError(f"Fashion-MNIST file {path} is not a complete copy of the "
                                f"Kaggle CSV layout. Expected {expected}. Received: {received}. "
                                "Delete or replace it.")

    try:
        # int32: a stray text or decimal value fails here instead of being rounded
        table = pd.read_csv(path, dtype="int32")
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise corrupt("a header row, then rows of 785 integers", f"a file pandas could not "
                      f"read as integers ({str(e).splitlines()[0]})") from e
    columns = list(table.columns)
    if len(columns) != 1 + _PIXELS or columns[0] != "label":
        raise corrupt(f"{1 + _PIXELS} columns, the first named 'label'",
                      f"{len(columns)} columns, the first named {columns[0]!r}")
    if len(table) != rows:
        raise corrupt(f"{rows:,} rows", f"{len(table):,} rows")
    values = table.to_numpy()
    labels, pixels = values[:, 0], values[:, 1:]
    if labels.min() < 0 or labels.max() > 9:
        raise corrupt("labels in 0..9", f"labels from {labels.min()} to {labels.max()}")
    if pixels.min() < 0 or pixels.max() > 255:
        raise corrupt("pixels in 0..255", f"pixels from {pixels.min()} to {pixels.max()}")
    counts = np.bincount(labels, minlength=10)
    if (counts != rows // 10).any():
        raise corrupt(f"{rows // 10:,} images of each class", f"{counts.tolist()}")
    return pixels.astype(np.uint8).reshape(rows, 28, 28), labels.astype(np.uint8)


def _load_kaggle_csv(folder):
    test = _read_kaggle_csv(folder / KAGGLE_CSV["test"], FASHION_MNIST_TEST_SIZE)  # the quicker check first
    return _read_kaggle_csv(folder / KAGGLE_CSV["train"], FASHION_MNIST_TRAIN_SIZE), test


def _read_verified(path, name):
    expected_sha, expected_size = _FILES[name]
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (EOFError, OSError, zlib.error) as e:
        raise CorruptDataError(
            f"Fashion-MNIST file {path} could not be read ({e}). Expected a complete "
            f"gzip-compressed IDX file of {expected_size} decompressed bytes. "
            "Delete or replace it."
        ) from e
    sha = hashlib.sha256(raw).hexdigest()
    if sha != expected_sha:
        raise CorruptDataError(
            f"Fashion-MNIST file {path} is corrupt or truncated. Expected "
            f"{expected_size} decompressed bytes with SHA-256 {expected_sha}. "
            f"Received: {len(raw)} bytes with SHA-256 {sha}. Delete or replace it."
        )
    return raw


def _parse_idx(raw):
    # IDX header: two zero bytes, a type code (0x08 = uint8), the number of
    # dimensions, then one big-endian uint32 per dimension.
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def _download_with_keras():
    import keras  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    # Keras stores the files in ~/.keras/datasets/fashion-mnist, which is in
    # the lookup order above, so the next call finds them locally.
    keras.datasets.fashion_mnist.load_data()
    return _complete_dir(keras_cache("fashion-mnist"))


def load_fashion_mnist(data_dir: str | os.PathLike[str] | None = None, download: bool | None = None
                       ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Fashion-MNIST as uint8 NumPy arrays, verified by SHA-256.

    Args:
        data_dir: Directory holding the four IDX files (gzip-compressed or
            not). Searched first. Defaults to `None`, which searches only the
            standard places (see the module docstring).
        download: Whether to download with Keras when no local copy is found.
            Defaults to `None`: download unless the environment variable
            `DLKIT_OFFLINE=1` is set.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images uint8 of shape
        `(60000, 28, 28)` and `(10000, 28, 28)`, labels uint8 in `0..9`
        (names in `FASHION_MNIST_CLASSES`).

    Raises:
        DataNotFoundError: No directory holds all four files (the message
            lists every place searched and how to provide the data).
        CorruptDataError: A file found is truncated or altered (the message
            names it). On Kaggle, a CSV copy with a wrong header, row count,
            value range or class balance.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    >>> x_train.shape, FASHION_MNIST_CLASSES[y_train[0]]
    ((60000, 28, 28), 'Ankle boot')
    """
    searched = candidate_dirs(data_dir)
    files = _locate(searched)
    if files is None:
        kaggle_dir = _locate_kaggle_csv()
        if kaggle_dir is not None:
            return _load_kaggle_csv(kaggle_dir)
    if files is None and download_allowed(download):
        try:
            files = _download_with_keras()
        except Exception as e:  # noqa: BLE001 - any network failure means "not found"
            raise DataNotFoundError(_not_found_message(searched, e, data_dir),
                                    _not_found_summary(searched, e)) from e
    if files is None:
        raise DataNotFoundError(_not_found_message(searched, None, data_dir),
                                _not_found_summary(searched, None))

    arrays = {name: _parse_idx(_read_verified(path, name)) for name, path in files.items()}
    return (
        (arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]),
        (arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]),
    )


def _not_found_summary(searched, download_error):
    tried = "the download failed" if download_error is not None else "no download (offline)"
    return (f"Fashion-MNIST was not found in {', '.join(str(d) for d in searched)} or under "
            f"{kaggle.KAGGLE_INPUT} ({tried}); "
            "install it with `sudo apt-get install dataset-fashion-mnist` or pass the directory "
            "holding its four IDX files")


def _not_found_message(searched, download_error, data_dir=None):
    places = "\n".join(
        f"  - {d}" + (f"  (data_dir={str(data_dir)!r})" if data_dir is not None and i == 0 else "")
        for i, d in enumerate(searched)
    )
    places += (f"\n  - {kaggle.KAGGLE_INPUT} and its folders, for {KAGGLE_CSV['train']} and "
               f"{KAGGLE_CSV['test']} (Kaggle)")
    msg = f"Fashion-MNIST was not found. Searched, in order:\n{places}\n"
    if download_error is not None:
        msg += f"The download failed too: {download_error}\n"
    else:
        msg += "No download was attempted (download=False or DLKIT_OFFLINE=1).\n"
    return msg + HOW_TO_PROVIDE
