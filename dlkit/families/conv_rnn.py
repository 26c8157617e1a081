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
        reader: What reads the convolution blocks' feature map: `"rnn"` (its
            rows as time steps for the recurrent cell, the CNN + RNN) or
            `"dense"` (flattened into one hidden dense layer: the plain CNN
            it is compared with, its width chosen by `matched_dense_units`
            so that both have about the same parameters). Defaults to `"rnn"`.
        synchronized_batch_norm: Batch normalization over the global batch
            of every replica when training under `tf.distribute` (only then do
            two replicas train like one device; `--set
            synchronized_batch_norm=true`). Defaults to `False`.
    """

    conv_filters: tuple[int, ...] = (32, 64)
    reader: str = "rnn"
    synchronized_batch_norm: bool = False

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int_sequence("conv_filters", self.conv_filters)
        validation.check_choice("reader", self.reader, READERS)
        validation.check_bool("synchronized_batch_norm", self.synchronized_batch_norm)


READERS = ("rnn", "dense")


FULL = ConvRNNSettings()
FAST = FULL.replace(epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def _plain_cnn(settings: ConvRNNSettings, dense_units: int) -> Any:
    from dlkit.models import cnn

    # The CNN + RNN's blocks exactly (one convolution, batch norm, ReLU, pooling; no dropout), then
    # a flatten head: only the reader of the feature map differs.
    return cnn.build_cnn_classifier((28, 28, 1), 10, filters=settings.conv_filters, convs_per_block=1,
                                    dropout_rate=0.0, head="flatten", dense_units=dense_units,
                                    head_dropout_rate=0.0, name="plain_cnn_classifier",
                                    synchronized_batch_norm=settings.synchronized_batch_norm)


def matched_dense_units(settings: ConvRNNSettings) -> int:
    """Width of the plain CNN's hidden dense layer that gives it the CNN + RNN's parameter count.

    The two share their convolution blocks; the plain CNN's parameters grow
    linearly with the dense width (`a + b * units`), so the width is solved
    for from two sizes and rounded.
    """
    target = build_model(settings.replace(reader="rnn")).count_params()
    one, two = (_plain_cnn(settings, units).count_params() for units in (1, 2))
    return max(1, round((target - one) / (two - one)) + 1)


def build_model(settings: ConvRNNSettings) -> Any:
    """The network `fit` trains for `settings.reader`.

    `"rnn"`: `rnn.build_conv_rnn_classifier((28, 28, 1), 10, ...)` with the
    settings' filters, cell and units. `"dense"`: the same convolution blocks
    read by a flatten and a dense layer of `matched_dense_units(settings)`
    ReLU units (`cnn.build_cnn_classifier`).
    """
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import rnn

    if settings.reader == "dense":
        return _plain_cnn(settings, matched_dense_units(settings))
    return rnn.build_conv_rnn_classifier((28, 28, 1), 10, conv_filters=settings.conv_filters,
                                         cell=settings.cell, units=settings.units,
                                         synchronized_batch_norm=settings.synchronized_batch_norm)


def fit(settings: ConvRNNSettings, run: Run) -> Fitted:
    fitted = fit_fashion_classifier(build_model(settings), data.scale_images, settings, run)
    fitted.metrics["reader"] = settings.reader
    return fitted


def headline(metrics: Mapping[str, Any]) -> str:
    front = "plain CNN" if metrics.get("reader") == "dense" else f"conv + {metrics['cell']}"
    return f"{front}: test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


FAMILY = Family(
    name="conv-rnn", title="CNN + RNN", task="Fashion-MNIST classification, conv features as a sequence",
    Settings=ConvRNNSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
