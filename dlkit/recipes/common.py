"""What every recipe shares: the result record and a seeded hold-out split."""

import dataclasses
from pathlib import Path

import numpy as np


@dataclasses.dataclass
class TrainingResult:
    """What a recipe returns: the model, its history and the measurements."""

    model: object
    history: dict
    metrics: dict
    test_images: np.ndarray = None
    test_labels: np.ndarray = None
    test_predictions: np.ndarray = None
    model_path: Path = None
    extras: dict = dataclasses.field(default_factory=dict)


def split_validation(x, y, validation_size, seed):
    """A seeded random hold-out of `validation_size` examples from `(x, y)`."""
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:validation_size], order[validation_size:]
    return (x[train], y[train]), (x[val], y[val])


def fashion_mnist_subset(settings, seed, data_dir=None):
    """Fashion-MNIST, cut to `settings["train_subset"]` / `["test_subset"]` images when set.

    The subsets are seeded draws without replacement (training set first),
    so every recipe's smoke run sees the same images for the same seed.
    """
    from dlkit import data

    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(data_dir=data_dir)
    if "train_subset" in settings:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(x_train), settings["train_subset"], replace=False)
        x_train, y_train = x_train[keep], y_train[keep]
        keep = rng.choice(len(x_test), settings["test_subset"], replace=False)
        x_test, y_test = x_test[keep], y_test[keep]
    return (x_train, y_train), (x_test, y_test)


def resumable_backup(directory, resume, keep=False):
    """A `callbacks.ResumableBackup` in `directory`, emptied first unless `resume`.

    With `keep`, the backup of a finished run stays, so that a later run with
    more epochs and `resume` continues it (what `dlkit train --resume` does).
    """
    import shutil

    from dlkit.callbacks import ResumableBackup

    directory = Path(directory)
    if not resume and directory.exists():
        shutil.rmtree(directory)
    return ResumableBackup(directory, delete_checkpoint=not keep)
