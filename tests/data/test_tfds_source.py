import pytest

from dlkit.data import load_tfds


def test_tfds_path_under_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=7):
        ds = load_tfds("mnist", split="train")
        examples = list(ds)
    assert len(examples) == 7
    image, label = examples[0]
    assert tuple(image.shape) == (28, 28, 1)
    assert 0 <= int(label) < 10


def test_tfds_rejects_empty_name():
    with pytest.raises(ValueError, match="name=''"):
        load_tfds("")
