"""Fashion-MNIST read row by row: each image is 28 steps of 28 pixels for a recurrent classifier."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dlkit import data, validation
from dlkit.families.base import Family, Fitted, Run, Settings
from dlkit.families.common import CELLS, fit_fashion_classifier


@dataclasses.dataclass(frozen=True)
class RowsSettings(Settings):
    """How the row-by-row classifier trains (`rnn.build_rnn_classifier`).

    Attributes:
        cell: `"lstm"`, `"gru"` or `"simple"`. Defaults to `"lstm"`.
        units: Defaults to `128`.
        learning_rate: Adam's. Defaults to `2e-3`.
        validation_size: Seeded hold-out. Defaults to `5000`.
        train_subset: Seeded draw of training images, or `None` for all. Defaults to `None`.
        test_subset: Seeded draw of test images, or `None` for all. Defaults to `None`.
        epochs: Defaults to `12`.
        batch_size: Defaults to `128`.
    """

    epochs: int = 12
    batch_size: int = 128
    cell: str = "lstm"
    units: int = 128
    learning_rate: float = 2e-3
    validation_size: int = 5000
    train_subset: int | None = None
    test_subset: int | None = None

    def validate(self) -> None:
        validation.check_choice("cell", self.cell, CELLS)
        validation.check_positive_int("units", self.units)
        validation.check_positive_float("learning_rate", self.learning_rate)
        validation.check_positive_int("validation_size", self.validation_size)
        validation.check_optional_positive_int("train_subset", self.train_subset)
        validation.check_optional_positive_int("test_subset", self.test_subset)


FULL = RowsSettings()
FAST = FULL.replace(epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def rows(images: Any) -> Any:
    """uint8 images `(N, 28, 28)` as `(N, 28, 28)` floats in [0, 1]: 28 steps of 28 features."""
    return data.scale_images(images)[..., 0]


def fit(settings: RowsSettings, run: Run) -> Fitted:
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    model = rnn.build_rnn_classifier((28, 28), 10, cell=settings.cell, units=settings.units)
    history, metrics, examples, extras = fit_fashion_classifier(model, rows, settings, run)
    return Fitted(model, history, metrics, examples_per_epoch=examples, extras=extras)


def headline(metrics: Mapping[str, Any]) -> str:
    return f"{metrics['cell']}: test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


FAMILY = Family(
    name="rows", title="RNN on image rows", task="Fashion-MNIST classification, row by row",
    Settings=RowsSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
