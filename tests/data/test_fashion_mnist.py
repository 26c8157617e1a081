import gzip
import shutil

import numpy as np
import pytest

from dlkit.data import (
    FASHION_MNIST_CLASSES,
    CorruptDataError,
    DataNotFoundError,
    fashion_mnist,
    load_fashion_mnist,
    locate_fashion_mnist,
)
from tests.conftest import missing_data

NAMES = list(fashion_mnist._FILES)
# Found before any test points the lookup elsewhere.
REAL_DIR = locate_fashion_mnist()


def _copy_real_files(dest):
    if REAL_DIR is None:
        missing_data("Fashion-MNIST not installed: sudo apt-get install dataset-fashion-mnist")
    src = REAL_DIR
    dest.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        path = fashion_mnist._find_file(src, name)
        shutil.copy(path, dest / path.name)
    return dest


def test_real_files_shapes_dtypes_and_class_balance(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.min() == 0 and y_train.max() == 9
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # The first training image is an ankle boot in every copy of the dataset.
    assert FASHION_MNIST_CLASSES[y_train[0]] == "Ankle boot"
    assert len(FASHION_MNIST_CLASSES) == 10


def test_data_dir_env_wins_over_system_copy(tmp_path, monkeypatch):
    _copy_real_files(tmp_path / "fashion-mnist")
    monkeypatch.setenv("DLKIT_DATA_DIR", str(tmp_path))
    assert locate_fashion_mnist() == tmp_path / "fashion-mnist"
    # An explicit data_dir wins over the environment.
    other = _copy_real_files(tmp_path / "explicit")
    assert locate_fashion_mnist(data_dir=other) == other


def test_decompressed_files_are_accepted(isolated_lookup):
    copy = _copy_real_files(isolated_lookup / "plain")
    for name in NAMES:
        gz = copy / f"{name}.gz"
        (copy / name).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    (_, y_train), _ = load_fashion_mnist(data_dir=copy, download=False)
    assert len(y_train) == 60000


def test_truncated_file_names_the_file(isolated_lookup):
    copy = _copy_real_files(isolated_lookup / "truncated")
    target = copy / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(CorruptDataError, match="train-labels-idx1-ubyte.gz"):
        load_fashion_mnist(data_dir=copy, download=False)


def test_altered_content_names_the_file_and_expected_sum(isolated_lookup):
    copy = _copy_real_files(isolated_lookup / "altered")
    target = copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # a valid-looking label, silently wrong
    target.write_bytes(gzip.compress(bytes(raw)))
    expected = fashion_mnist._FILES["t10k-labels-idx1-ubyte"][0]
    with pytest.raises(CorruptDataError, match="t10k-labels-idx1-ubyte.gz") as info:
        load_fashion_mnist(data_dir=copy, download=False)
    assert expected in str(info.value)


def test_flipped_byte_in_compressed_stream_is_reported(isolated_lookup):
    copy = _copy_real_files(isolated_lookup / "flipped")
    target = copy / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(CorruptDataError, match="t10k-images-idx3-ubyte.gz"):
        load_fashion_mnist(data_dir=copy, download=False)


def test_nothing_found_lists_every_place_and_how_to_provide(isolated_lookup):
    missing = isolated_lookup / "nowhere"
    with pytest.raises(DataNotFoundError) as info:
        load_fashion_mnist(data_dir=missing, download=False)
    message = str(info.value)
    for place in fashion_mnist.candidate_dirs(missing):
        assert str(place) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "DLKIT_DATA_DIR" in message


def test_incomplete_directory_is_skipped(isolated_lookup):
    partial = _copy_real_files(isolated_lookup / "partial")
    (partial / "train-images-idx3-ubyte.gz").unlink()
    assert locate_fashion_mnist(data_dir=partial) is None
