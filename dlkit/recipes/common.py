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
