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


def resumable_backup(directory):
    """A `callbacks.ResumableBackup` in `directory` that outlives the end of `fit`.

    The recipes remove it themselves, and only after the final model is
    saved (`runs.remove_backup`): a crash during that save must still leave
    something to resume. Whether an old backup may be used or replaced is
    decided before, by `runs.prepare_output`.
    """
    from dlkit.callbacks import ResumableBackup

    return ResumableBackup(Path(directory), delete_checkpoint=False)


def save_final_model(model, out, name, backup, keep_backup):
    """Saves `out/<name>.keras` atomically, then removes the run's backup unless it must stay.

    The backup goes only after the save succeeded (a crash during it still
    leaves something to resume), and stays with `keep_backup` or after a
    divergence (its last finite state, to inspect or resume).

    Returns:
        The path of the saved model.
    """
    from dlkit import runs, saving

    path = saving.save_model(model, Path(out) / f"{name}.keras")
    if not keep_backup and not backup.skipped_epochs:
        runs.remove_backup(out, name)
    return path
