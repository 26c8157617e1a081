"""The adding problem: can a recurrent cell remember two marked numbers over `length` steps?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlkit import validation
from dlkit.data.synthetic import make_adding_problem, within_tolerance
from dlkit.families.base import Family, Fitted, Run, settings
from dlkit.families.common import RecurrentSettings, compile_and_fit


@settings(epochs=15, batch_size=64, units=32, learning_rate=3e-3)
class MemorySettings(RecurrentSettings):
    """How the memory task trains (`data.make_adding_problem`): the fields of
    `RecurrentSettings` (15 epochs of batches of 64, 32 units, Adam at 3e-3), and:

    Attributes:
        length: Steps per sequence; the two marked numbers can be this far
            apart. Defaults to `100`.
        train_sequences: Defaults to `16000`.
        validation_sequences: Defaults to `2000`.
    """

    length: int = 100
    train_sequences: int = 16000
    validation_sequences: int = 2000

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int("length", self.length, minimum=2)
        validation.check_positive_int("train_sequences", self.train_sequences)
        validation.check_positive_int("validation_sequences", self.validation_sequences)


FULL = MemorySettings()
FAST = FULL.replace(train_sequences=2000, validation_sequences=500, epochs=1)


def build_model(settings: MemorySettings) -> Any:
    """The network `fit` trains: one recurrent layer, then a linear unit for the sum.

    Returns:
        An uncompiled `keras.Model` from `(B, length, 2)` sequences (value,
        marker) to `(B, 1)` predicted sums.
    """
    # Keras and dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    import keras

    from dlkit.models import blocks

    inputs = keras.Input((settings.length, 2), name="sequence")
    state = blocks.apply_recurrent_stack(inputs, settings.cell, settings.units)
    outputs = keras.layers.Dense(1, name="sum")(state)
    return keras.Model(inputs, outputs, name=f"{settings.cell}_adding")


def fit(settings: MemorySettings, run: Run) -> Fitted:
    """A recurrent regressor of the sum of the two marked numbers, scored against chance."""
    x, y = make_adding_problem(settings.train_sequences, settings.length, seed=run.seed)
    xv, yv = make_adding_problem(settings.validation_sequences, settings.length, seed=run.seed + 1)
    model = build_model(settings)
    history = compile_and_fit(model, "mse", (x, y), (xv, yv), settings, run, settings.learning_rate)
    metrics = {"cell": settings.cell, **score(model, xv, yv)}
    return Fitted(model, history, metrics, examples_per_epoch=len(x))


def score(model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """A model's validation numbers on adding-problem sequences `x` with sums `y`, beside chance.

    `fit` scores the trained model with it; `tests/claims/` scores an
    untrained one the same way.

    Returns:
        `validation_mse`, `validation_accuracy` (the share of sums within 0.1
        of the target), and what always answering 1.0 scores: `chance_mse`
        and `chance_accuracy`.
    """
    predictions = model.predict(x, batch_size=1024, verbose=0)[:, 0]
    return {
        "validation_mse": float(np.mean((predictions - y) ** 2)),
        "validation_accuracy": within_tolerance(y, predictions, 0.1),
        # Predicting the mean sum (1) always: its MSE is the sum's variance, 1/6.
        "chance_mse": 1 / 6,
        "chance_accuracy": 0.19,
    }


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['cell']}: validation accuracy {metrics['validation_accuracy']:.3f} "
            f"(chance {metrics['chance_accuracy']:.2f})")


FAMILY = Family(
    name="memory", title="RNN memory", task="the adding problem (long-range memory)",
    Settings=MemorySettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
