"""A CNN front end read as a sequence by a recurrent layer, on Fashion-MNIST."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dlkit import data, validation
from dlkit.families.base import Family, Fitted, Run, settings
from dlkit.families.common import FashionSettings, RecurrentSettings, fit_fashion_classifier


@settings(epochs=10, batch_size=128, learning_rate=2e-3)
class ConvRNNSettings(RecurrentSettings, FashionSettings):
    """How the conv + RNN classifier trains (`rnn.build_conv_rnn_classifier`): the fields of
    `RecurrentSettings` and `FashionSettings` (10 epochs of batches of 128, 64 units, Adam at
    2e-3), and:

    Attributes:
        conv_filters: Filters of each convolution block. Defaults to `(32, 64)`.
    """

    conv_filters: tuple[int, ...] = (32, 64)

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int_sequence("conv_filters", self.conv_filters)


FULL = ConvRNNSettings()
FAST = FULL.replace(epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def fit(settings: ConvRNNSettings, run: Run) -> Fitted:
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    model = rnn.build_conv_rnn_classifier((28, 28, 1), 10, conv_filters=settings.conv_filters,
                                          cell=settings.cell, units=settings.units)
    return fit_fashion_classifier(model, data.scale_images, settings, run)


def headline(metrics: Mapping[str, Any]) -> str:
    return f"conv + {metrics['cell']}: test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


FAMILY = Family(
    name="conv-rnn", title="CNN + RNN", task="Fashion-MNIST classification, conv features as a sequence",
    Settings=ConvRNNSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
