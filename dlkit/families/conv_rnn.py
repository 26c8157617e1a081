"""A CNN front end read as a sequence by a recurrent layer, on Fashion-MNIST."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dlkit import data, validation
from dlkit.families.base import Family, Fitted, Run, Settings
from dlkit.families.common import CELLS, fit_fashion_classifier


@dataclasses.dataclass(frozen=True)
class ConvRNNSettings(Settings):
    """How the conv + RNN classifier trains (`rnn.build_conv_rnn_classifier`).

    Attributes:
        cell: Defaults to `"lstm"`.
        units: Recurrent units. Defaults to `64`.
        conv_filters: Filters of each convolution block. Defaults to `(32, 64)`.
        learning_rate: Adam's. Defaults to `2e-3`.
        validation_size: Defaults to `5000`.
        train_subset: Defaults to `None` (all images).
        test_subset: Defaults to `None` (all images).
        epochs: Defaults to `10`.
        batch_size: Defaults to `128`.
    """

    epochs: int = 10
    batch_size: int = 128
    cell: str = "lstm"
    units: int = 64
    conv_filters: tuple[int, ...] = (32, 64)
    learning_rate: float = 2e-3
    validation_size: int = 5000
    train_subset: int | None = None
    test_subset: int | None = None

    def validate(self) -> None:
        validation.check_choice("cell", self.cell, CELLS)
        validation.check_positive_int("units", self.units)
        validation.check_positive_int_sequence("conv_filters", self.conv_filters)
        validation.check_positive_float("learning_rate", self.learning_rate)
        validation.check_positive_int("validation_size", self.validation_size)
        validation.check_optional_positive_int("train_subset", self.train_subset)
        validation.check_optional_positive_int("test_subset", self.test_subset)


FULL = ConvRNNSettings()
FAST = FULL.replace(epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def fit(settings: ConvRNNSettings, run: Run) -> Fitted:
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    model = rnn.build_conv_rnn_classifier((28, 28, 1), 10, conv_filters=settings.conv_filters,
                                          cell=settings.cell, units=settings.units)
    history, metrics, examples, extras = fit_fashion_classifier(model, data.scale_images, settings, run)
    return Fitted(model, history, metrics, examples_per_epoch=examples, extras=extras)


def headline(metrics: Mapping[str, Any]) -> str:
    return f"conv + {metrics['cell']}: test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


FAMILY = Family(
    name="conv-rnn", title="CNN + RNN", task="Fashion-MNIST classification, conv features as a sequence",
    Settings=ConvRNNSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
