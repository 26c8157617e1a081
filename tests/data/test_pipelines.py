import re

import numpy as np
import pytest

from dlkit.data import (
    CharVocabulary,
    chronological_split,
    encode_words,
    make_image_dataset,
    make_next_id_dataset,
    make_window_splits,
    make_windows,
    scale_images,
)

IMAGES = np.arange(10 * 4 * 4).reshape(10, 4, 4).astype(np.uint8)
IMAGES[0, 0, 0] = 0
IMAGES[-1, -1, -1] = 255
LABELS = np.arange(10) % 3


@pytest.mark.parametrize("value_range, low, high", [("unit", 0.0, 1.0), ("symmetric", -1.0, 1.0)])
def test_scale_images_ranges(value_range, low, high):
    scaled = scale_images(IMAGES, value_range)
    assert scaled.dtype == np.float32 and scaled.shape == (10, 4, 4, 1)
    assert scaled.min() == low and scaled.max() == high


def test_scale_images_rejects_floats_and_bad_range():
    with pytest.raises(ValueError, match="dtype=float32"):
        scale_images(IMAGES.astype(np.float32))
    with pytest.raises(ValueError, match="value_range='tanh'"):
        scale_images(IMAGES, "tanh")
    with pytest.raises(ValueError, match=r"shape=\(4, 4\)"):
        scale_images(IMAGES[0])


@pytest.mark.parametrize("value_range, low, high", [("unit", 0.0, 1.0), ("symmetric", -1.0, 1.0)])
def test_image_dataset_batches_and_range(value_range, low, high):
    ds = make_image_dataset(IMAGES, LABELS, batch_size=4, value_range=value_range, seed=1)
    batches = list(ds.as_numpy_iterator())
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    x = np.concatenate([b[0] for b in batches])
    assert x.shape == (10, 4, 4, 1) and x.dtype == np.float32
    assert x.min() == pytest.approx(low) and x.max() == pytest.approx(high)
    # Labels stay paired with their images through the shuffle.
    for xb, yb in batches:
        index = np.rint((xb[:, 0, 1, 0] - low) / (high - low) * 255).astype(int) // 16
        np.testing.assert_array_equal(LABELS[index], yb)


def test_image_dataset_same_seed_same_order_and_reshuffles():
    def order(seed):
        ds = make_image_dataset(IMAGES, batch_size=10, seed=seed)
        epochs = [next(iter(ds)).numpy()[:, 0, 1, 0] for _ in range(2)]
        return epochs

    a, b, c = order(3), order(3), order(4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1]), "each epoch should be reshuffled"
    assert not np.array_equal(a[0], c[0])


def test_image_dataset_runs_without_autotuning_and_yields_what_an_autotuned_copy_yields():
    # Autotuning off (see make_image_dataset) changes when the pipeline's threads run, never what it yields:
    # two epochs of the same seed, batch by batch, against the same dataset with autotuning on again.
    import tensorflow as tf

    ds = make_image_dataset(IMAGES, LABELS, batch_size=4, seed=5)
    assert ds.options().autotune.enabled is False
    options = tf.data.Options()
    options.autotune.enabled = True
    tuned = make_image_dataset(IMAGES, LABELS, batch_size=4, seed=5).with_options(options)  # its own shuffle state
    assert tuned.options().autotune.enabled is True
    # dlkit.distribute adds its sharding option to the dataset it is given; autotuning stays off.
    from dlkit import distribute

    distributed, _ = distribute._global_batches(ds, None, None, True, 0, 1)
    assert distributed.options().autotune.enabled is False
    for _ in range(2):
        ours, theirs = list(ds.as_numpy_iterator()), list(tuned.as_numpy_iterator())
        assert len(ours) == len(theirs) == 3
        for (x, y), (x_tuned, y_tuned) in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(x, x_tuned)
            np.testing.assert_array_equal(y, y_tuned)


def test_image_dataset_without_labels_and_drop_remainder():
    ds = make_image_dataset(IMAGES, batch_size=4, shuffle=False, drop_remainder=True)
    shapes = [tuple(x.shape) for x in ds]
    assert shapes == [(4, 4, 4, 1), (4, 4, 4, 1)]


def test_image_dataset_rejects_mismatched_labels_and_batch():
    with pytest.raises(ValueError, match=r"shape=\(9,\)"):
        make_image_dataset(IMAGES, LABELS[:9])
    with pytest.raises(ValueError, match="batch_size=0"):
        make_image_dataset(IMAGES, batch_size=0)


def test_windows_on_a_hand_made_series():
    x, y = make_windows(np.arange(6), input_width=3, horizon=2)
    assert x.shape == (2, 3, 1) and y.shape == (2, 2, 1)
    np.testing.assert_array_equal(x[:, :, 0], [[0, 1, 2], [1, 2, 3]])
    np.testing.assert_array_equal(y[:, :, 0], [[3, 4], [4, 5]])
    x, y = make_windows(np.arange(10), input_width=2, horizon=1, stride=3)
    np.testing.assert_array_equal(x[:, :, 0], [[0, 1], [3, 4], [6, 7]])
    np.testing.assert_array_equal(y[:, 0, 0], [2, 5, 8])


def test_windows_multivariate_and_errors():
    series = np.stack([np.arange(5), 10 * np.arange(5)], axis=1)
    x, y = make_windows(series, 2, 1)
    assert x.shape == (3, 2, 2) and y[0, 0].tolist() == [2, 20]
    with pytest.raises(ValueError, match="horizon=0"):
        make_windows(np.arange(5), 2, 0)
    with pytest.raises(ValueError, match="at least input_width \\+ horizon = 7"):
        make_windows(np.arange(5), 4, 3)


def test_chronological_split_keeps_order():
    train, val, test = chronological_split(np.arange(20), 0.6, 0.2)
    assert train.tolist() == list(range(12))
    assert val.tolist() == list(range(12, 16))
    assert test.tolist() == list(range(16, 20))
    with pytest.raises(ValueError, match="test segment"):
        chronological_split(np.arange(20), 0.8, 0.2)


def test_window_splits_never_share_a_time_step():
    series = np.arange(100)
    splits = make_window_splits(series, input_width=5, horizon=3)
    seen = {}
    for name, (x, y) in splits.items():
        steps = set(np.concatenate([x.ravel(), y.ravel()]).astype(int))
        seen[name] = steps
    assert not seen["train"] & seen["validation"]
    assert not seen["validation"] & seen["test"]
    assert not seen["train"] & seen["test"]
    assert max(seen["train"]) < min(seen["validation"]) < min(seen["test"])


def test_char_vocabulary_round_trip_and_encoding():
    vocab = CharVocabulary.from_words(["cab", "bad"])
    assert vocab.chars == ("a", "b", "c", "d") and vocab.size == 6
    ids = vocab.encode("cab")
    assert ids[0] == ids[-1] == CharVocabulary.BOUNDARY
    assert vocab.decode(ids) == "cab"
    matrix = encode_words(["ab", "dcba"], vocab)
    assert matrix.shape == (2, 6) and matrix.dtype == np.int32
    assert matrix[0].tolist() == [1, 2, 3, 1, 0, 0]
    with pytest.raises(ValueError, match="'z'"):
        vocab.encode("zap")
    with pytest.raises(ValueError, match="at most max_length - 2 = 2"):
        encode_words(["dcba"], vocab, max_length=4)


WORDS = ["a", "be", "cab", "bead", "decade", "faced", "ace", "dab", "beef", "fade", "cafe"]


def _rows_of_epoch(dataset):
    rows = []
    for inputs, targets in dataset:
        inputs, targets = inputs.numpy(), targets.numpy()
        np.testing.assert_array_equal(inputs[:, 1:], targets[:, :-1])  # targets are inputs shifted by one
        full = np.concatenate([inputs, targets[:, -1:]], axis=1)
        assert (full[:, -1] != 0).any(), "a batch kept a column of padding only"
        rows += [tuple(int(i) for i in row if i != 0) for row in full]
    return rows


@pytest.mark.parametrize("bucket_width", [None, 2])
def test_next_id_dataset_cuts_padding_and_keeps_every_word_once(bucket_width):
    vocab = CharVocabulary.from_words(WORDS)
    encoded = encode_words(WORDS, vocab, max_length=12)
    dataset = make_next_id_dataset(encoded, batch_size=4, seed=0, bucket_width=bucket_width)
    rows = _rows_of_epoch(dataset)
    assert sorted(rows) == sorted(tuple(vocab.encode(w)) for w in WORDS)
    assert int(dataset.cardinality()) == sum(1 for _ in dataset)
    if bucket_width is not None:  # each batch holds words whose lengths share a bucket
        for inputs, _ in dataset:
            lengths = (inputs.numpy() != 0).sum(axis=1) + 1
            assert lengths.max() - lengths.min() < bucket_width


def test_next_id_dataset_reshuffles_each_epoch_but_not_without_shuffle():
    encoded = encode_words(WORDS, CharVocabulary.from_words(WORDS))
    shuffled = make_next_id_dataset(encoded, batch_size=11, seed=1)
    first, second = (next(iter(shuffled))[0].numpy() for _ in range(2))
    assert not np.array_equal(first, second)
    ordered = make_next_id_dataset(encoded, batch_size=11, shuffle=False)
    np.testing.assert_array_equal(next(iter(ordered))[0].numpy(), encoded[:, :-1][:, : first.shape[1]])


@pytest.mark.parametrize(
    "encoded, kwargs, fragment",
    [
        (np.zeros((3,), np.int32), {}, "shape=(3,)"),
        (np.zeros((3, 4), np.float32), {}, "dtype=float32"),
        (np.zeros((3, 4), np.int32), {"batch_size": 0}, "batch_size=0"),
        (np.zeros((3, 4), np.int32), {"bucket_width": -1}, "bucket_width=-1"),
    ],
)
def test_next_id_dataset_rejects_bad_input(encoded, kwargs, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make_next_id_dataset(encoded, **{"batch_size": 2, **kwargs})
