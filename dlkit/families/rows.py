"""Fashion-MNIST read row by row: each image is 28 steps of 28 pixels for a recurrent classifier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dlkit import data
from dlkit.families.base import Family, Fitted, Run, settings
from dlkit.families.common import FashionSettings, RecurrentSettings, fit_fashion_classifier


@settings(epochs=12, batch_size=128, units=128, learning_rate=2e-3)
class RowsSettings(RecurrentSettings, FashionSettings):
    """How the row-by-row classifier trains (`rnn.build_rnn_classifier`): the fields of
    `RecurrentSettings` and `FashionSettings`, 12 epochs of batches of 128, 128 units, Adam at 2e-3."""


FULL = RowsSettings()
FAST = FULL.replace(epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def rows(images: Any) -> Any:
    """uint8 images `(N, 28, 28)` as `(N, 28, 28)` floats in [0, 1]: 28 steps of 28 features."""
    return data.scale_images(images)[..., 0]


def build_model(settings: RowsSettings) -> Any:
    """The network `fit` trains: `rnn.build_rnn_classifier((28, 28), 10, ...)` with the settings' cell and units."""
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    return rnn.build_rnn_classifier((28, 28), 10, cell=settings.cell, units=settings.units)


def fit(settings: RowsSettings, run: Run) -> Fitted:
    return fit_fashion_classifier(build_model(settings), rows, settings, run)


def headline(metrics: Mapping[str, Any]) -> str:
    return f"{metrics['cell']}: test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


FAMILY = Family(
    name="rows", title="RNN on image rows", task="Fashion-MNIST classification, row by row",
    Settings=RowsSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
