"""The datasets a Kaggle notebook mounts: the Fashion-MNIST CSV layout and a word list."""

import numpy as np
import pytest

from dlkit.data import CorruptDataError, DataNotFoundError, kaggle, load_fashion_mnist, load_words
from dlkit.data import fashion_mnist as fm
from dlkit.data import words as words_module

# Kaggle's own header: `label`, then pixel1 .. pixel784.
HEADER = "label," + ",".join(f"pixel{i}" for i in range(1, 785))
_DIGITS = np.array([str(v).encode() for v in range(256)], dtype=object)


def write_kaggle_csv(path, images, labels, rows=None):
    """Writes one split in Kaggle's CSV layout (integers without padding, as Kaggle has them)."""
    table = np.column_stack([labels, images.reshape(len(images), -1)])[:rows]
    lines = [b",".join(row) for row in _DIGITS[table]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(HEADER.encode() + b"\n" + b"\n".join(lines) + b"\n")
    return path


@pytest.fixture(scope="module")
def kaggle_copy(fashion, tmp_path_factory):
    """Kaggle's layout, built from the real IDX files: /kaggle/input/<dataset>/<two CSV files>."""
    (x_train, y_train), (x_test, y_test) = fashion
    root = tmp_path_factory.mktemp("kaggle") / "input"
    folder = root / "fashionmnist"
    write_kaggle_csv(folder / "fashion-mnist_train.csv", x_train, y_train)
    write_kaggle_csv(folder / "fashion-mnist_test.csv", x_test, y_test)
    (root / "some-other-dataset" / "images").mkdir(parents=True)  # other mounts are walked past
    return root


@pytest.fixture
def on_kaggle(isolated_lookup, kaggle_copy, monkeypatch):
    """No IDX copy anywhere, the Kaggle mount present; returns the dataset's folder."""
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", kaggle_copy)
    return kaggle_copy / "fashionmnist"


def test_the_kaggle_csv_copy_loads_as_the_same_arrays(on_kaggle, fashion):
    assert fm.locate_fashion_mnist() == on_kaggle
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(download=False)
    (rx_train, ry_train), (rx_test, ry_test) = fashion
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, rx_train)
    np.testing.assert_array_equal(y_train, ry_train)
    np.testing.assert_array_equal(x_test, rx_test)
    np.testing.assert_array_equal(y_test, ry_test)


def test_a_local_idx_copy_is_preferred_to_the_kaggle_mount(kaggle_copy, monkeypatch, fashion):
    # The real IDX files (Debian's package) are still in the lookup: they win.
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", kaggle_copy)
    assert fm.locate_fashion_mnist() != kaggle_copy / "fashionmnist"


def test_a_deeper_mount_is_found_and_a_half_copy_is_not(isolated_lookup, kaggle_copy, monkeypatch):
    root = isolated_lookup / "kaggle" / "input"
    deep = root / "datasets" / "zalando-research" / "fashionmnist" / "versions" / "4"
    deep.mkdir(parents=True)
    for name in fm.KAGGLE_CSV.values():
        (deep / name).symlink_to(kaggle_copy / "fashionmnist" / name)
    half = root / "a-half-copy"
    half.mkdir()
    (half / fm.KAGGLE_CSV["train"]).symlink_to(kaggle_copy / "fashionmnist" / fm.KAGGLE_CSV["train"])
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", root)
    assert fm.locate_fashion_mnist() == deep
    # Past the depth limit nothing is found, and the error says where it looked.
    monkeypatch.setattr(kaggle, "MAX_DEPTH", 4)
    assert fm.locate_fashion_mnist() is None
    with pytest.raises(DataNotFoundError, match="fashion-mnist_train.csv"):
        load_fashion_mnist(download=False)


def _damaged(root, kaggle_copy, edit):
    """A Kaggle mount whose test split is edited by `edit(lines) -> lines`."""
    folder = root / "kaggle" / "input" / "fashionmnist"
    folder.mkdir(parents=True)
    (folder / fm.KAGGLE_CSV["train"]).symlink_to(kaggle_copy / "fashionmnist" / fm.KAGGLE_CSV["train"])
    lines = (kaggle_copy / "fashionmnist" / fm.KAGGLE_CSV["test"]).read_bytes().splitlines()
    (folder / fm.KAGGLE_CSV["test"]).write_bytes(b"\n".join(edit(lines)) + b"\n")
    return folder.parent


def _label(line, value):
    return value + line[line.index(b","):]


@pytest.mark.parametrize("edit, expected", [
    (lambda lines: lines[:-1], "Expected 10,000 rows. Received: 9,999 rows"),
    (lambda lines: [lines[0]] + [_label(lines[1], b"10")] + lines[2:], "labels in 0..9"),
    (lambda lines: [lines[0]] + [lines[1].rsplit(b",", 1)[0] + b",256"] + lines[2:],
     "pixels in 0..255"),
    (lambda lines: [lines[0]] + [_label(lines[1], b"3" if lines[1][:1] != b"3" else b"4")]
     + lines[2:], "1,000 images of each class"),
    (lambda lines: [lines[0]] + [lines[1].replace(b",", b",x", 1)] + lines[2:], "as integers"),
    (lambda lines: [lines[0].replace(b"label", b"class")] + lines[1:], "first named 'label'"),
], ids=["a row missing", "a label of 10", "a pixel of 256", "classes unbalanced", "text",
        "another header"])
def test_a_damaged_csv_is_named_not_used(isolated_lookup, kaggle_copy, monkeypatch, edit, expected):
    root = _damaged(isolated_lookup, kaggle_copy, edit)
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", root)
    with pytest.raises(CorruptDataError, match=expected) as info:
        load_fashion_mnist(download=False)
    assert str(root / "fashionmnist" / fm.KAGGLE_CSV["test"]) in str(info.value)


def test_a_word_list_in_a_kaggle_dataset_is_found_when_the_system_has_none(tmp_path, monkeypatch):
    monkeypatch.setattr(words_module, "SYSTEM_WORDS", tmp_path / "no-dict" / "words")
    monkeypatch.setattr(kaggle, "KAGGLE_INPUT", tmp_path / "input")
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    with pytest.raises(DataNotFoundError, match="Internet on") as info:
        load_words()
    assert "words_alpha.txt" in str(info.value)
    mounted = tmp_path / "input" / "english-words" / "words_alpha.txt"
    mounted.parent.mkdir(parents=True)
    mounted.write_text("Apple\nbanana\n")
    assert load_words() == ["apple", "banana"]


def test_off_kaggle_the_missing_word_list_message_does_not_mention_kaggle(tmp_path, monkeypatch):
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    with pytest.raises(DataNotFoundError) as info:
        load_words(tmp_path / "missing")
    assert "Kaggle" not in str(info.value)
