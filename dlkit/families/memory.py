"""The adding problem: can a recurrent cell remember two marked numbers over `length` steps?"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlkit import validation
from dlkit.data.synthetic import make_adding_problem, within_tolerance
from dlkit.families.base import Family, Fitted, Run, Settings
from dlkit.families.common import CELLS, compile_and_fit


@dataclasses.dataclass(frozen=True)
class MemorySettings(Settings):
    """How the memory task trains (`data.make_adding_problem`).

    Attributes:
        cell: `"lstm"`, `"gru"` or `"simple"`. Defaults to `"lstm"`.
        length: Steps per sequence; the two marked numbers can be this far
            apart. Defaults to `100`.
        units: Recurrent units. Defaults to `32`.
        train_sequences: Defaults to `16000`.
        validation_sequences: Defaults to `2000`.
        learning_rate: Adam's. Defaults to `3e-3`.
        epochs: Defaults to `15`.
        batch_size: Defaults to `64`.
    """

    epochs: int = 15
    batch_size: int = 64
    cell: str = "lstm"
    length: int = 100
    units: int = 32
    train_sequences: int = 16000
    validation_sequences: int = 2000
    learning_rate: float = 3e-3

    def validate(self) -> None:
        validation.check_choice("cell", self.cell, CELLS)
        validation.check_positive_int("length", self.length, minimum=2)
        validation.check_positive_int("units", self.units)
        validation.check_positive_int("train_sequences", self.train_sequences)
        validation.check_positive_int("validation_sequences", self.validation_sequences)
        validation.check_positive_float("learning_rate", self.learning_rate)


FULL = MemorySettings()
FAST = FULL.replace(train_sequences=2000, validation_sequences=500, epochs=1)


def fit(settings: MemorySettings, run: Run) -> Fitted:
    """A recurrent regressor of the sum of the two marked numbers, scored against chance."""
    # Keras and dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    import keras

    from dlkit.models import blocks

    x, y = make_adding_problem(settings.train_sequences, settings.length, seed=run.seed)
    xv, yv = make_adding_problem(settings.validation_sequences, settings.length, seed=run.seed + 1)
    inputs = keras.Input((settings.length, 2), name="sequence")
    state = blocks.apply_recurrent_stack(inputs, settings.cell, settings.units)
    outputs = keras.layers.Dense(1, name="sum")(state)
    model = keras.Model(inputs, outputs, name=f"{settings.cell}_adding")
    history = compile_and_fit(model, "mse", (x, y), (xv, yv), settings, run, settings.learning_rate)
    predictions = model.predict(xv, batch_size=1024, verbose=0)[:, 0]
    metrics = {
        "cell": settings.cell,
        "validation_mse": float(np.mean((predictions - yv) ** 2)),
        # Share of sums within 0.1 of the target.
        "validation_accuracy": within_tolerance(yv, predictions, 0.1),
        # Predicting the mean sum (1) always: its MSE is the sum's variance, 1/6.
        "chance_mse": 1 / 6,
        "chance_accuracy": 0.19,
    }
    return Fitted(model, history, metrics, examples_per_epoch=len(x))


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['cell']}: validation accuracy {metrics['validation_accuracy']:.3f} "
            f"(chance {metrics['chance_accuracy']:.2f})")


FAMILY = Family(
    name="memory", title="RNN memory", task="the adding problem (long-range memory)",
    Settings=MemorySettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
)
