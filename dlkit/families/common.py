"""Pieces several families share: Fashion-MNIST subsets, a seeded hold-out, compile-and-fit.

Keras and dlkit.models are imported inside the functions that use them: the
registry imports every family module, and `dlkit --help` must not import
TensorFlow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from dlkit import data, evaluation, validation
from dlkit.families.base import Fitted, Run, Settings

CELLS = validation.RECURRENT_CELLS


@dataclasses.dataclass(frozen=True)
class RecurrentSettings(Settings):
    """The fields every recurrent family has (a family sets its own defaults).

    Attributes:
        cell: `"lstm"`, `"gru"` or `"simple"`. Defaults to `"lstm"`.
        units: Recurrent units per layer. Defaults to `64`.
        learning_rate: Adam's (peak) learning rate. Defaults to `1e-3`.
    """

    cell: str = "lstm"
    units: int = 64
    learning_rate: float = 1e-3

    def validate(self) -> None:
        super().validate()
        validation.check_choice("cell", self.cell, CELLS)
        validation.check_positive_int("units", self.units)
        validation.check_positive_float("learning_rate", self.learning_rate)


@dataclasses.dataclass(frozen=True)
class FashionSettings(Settings):
    """The fields every Fashion-MNIST classifier has: a seeded hold-out and optional subsets.

    Attributes:
        validation_size: Training images held out (seeded) for validation.
            Defaults to `5000`.
        train_subset: Train on a seeded draw of this many images, or `None`
            for all 60,000. Defaults to `None`.
        test_subset: Evaluate on a seeded draw of this many test images, or
            `None` for all 10,000. Defaults to `None`.
    """

    validation_size: int = 5000
    train_subset: int | None = None
    test_subset: int | None = None

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int("validation_size", self.validation_size)
        validation.check_optional_positive_int("train_subset", self.train_subset)
        validation.check_optional_positive_int("test_subset", self.test_subset)
        validation.check_at_most("train_subset", self.train_subset, data.FASHION_MNIST_TRAIN_SIZE,
                                 "the Fashion-MNIST training images")
        validation.check_at_most("test_subset", self.test_subset, data.FASHION_MNIST_TEST_SIZE,
                                 "the Fashion-MNIST test images")
        train_images = self.train_subset or data.FASHION_MNIST_TRAIN_SIZE
        if self.validation_size >= train_images:
            raise ValueError(f"Expected `validation_size` below the {train_images:,} training images"
                             f"{' of train_subset' if self.train_subset else ''}. "
                             f"Received: validation_size={self.validation_size}")

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def split_validation(x: np.ndarray, y: np.ndarray, validation_size: int, seed: int) -> Split:
    """A seeded random hold-out of `validation_size` examples from `(x, y)`."""
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:validation_size], order[validation_size:]
    return (x[train], y[train]), (x[val], y[val])


def fashion_mnist_subset(train_subset: int | None, test_subset: int | None, seed: int,
                         data_dir: str | Path | None = None) -> Split:
    """Fashion-MNIST, cut to `train_subset` / `test_subset` images when they are set.

    The subsets are seeded draws without replacement (training set first),
    so every family's smoke run sees the same images for the same seed.
    """
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(data_dir=data_dir)
    if train_subset is not None or test_subset is not None:
        rng = np.random.default_rng(seed)
        if train_subset is not None:
            keep = rng.choice(len(x_train), train_subset, replace=False)
            x_train, y_train = x_train[keep], y_train[keep]
        if test_subset is not None:
            keep = rng.choice(len(x_test), test_subset, replace=False)
            x_test, y_test = x_test[keep], y_test[keep]
    return (x_train, y_train), (x_test, y_test)


def compile_and_fit(model: Any, loss: Any, train: Any, validation: Any, settings: Settings, run: Run,
                    learning_rate: float, metrics: tuple[str, ...] = (), cosine_decay: bool = False,
                    callbacks: tuple[Any, ...] = (), warmup_epochs: int = 0,
                    time_budget: float | None = None) -> dict[str, list[float]]:
    """`compile()` with Adam, then `fit()` for `settings.epochs` with the run's callbacks.

    Args:
        train: `(x, y)` arrays (batched by `settings.batch_size`) or a
            `tf.data.Dataset` of batches (already shuffled, seeded).
        validation: `(x, y)` or a dataset.
        learning_rate: Adam's (peak) learning rate.
        cosine_decay: Let the learning rate fall from `learning_rate` to 0
            over the whole run instead of staying constant.
        warmup_epochs: With `cosine_decay`, first raise the rate linearly
            from 0 to `learning_rate` over this many epochs (Adam's early
            steps, with its moment estimates still unsettled, are then
            small); the decay spans the epochs left. Defaults to `0`.
        time_budget: With `cosine_decay`, plan the run to end within this
            many seconds of training (`schedules.PlanToBudget`: after each
            epoch, as many epochs as the rest of the budget holds, at most
            `settings.epochs`; the decay ends with the last one), or `None`
            to train `settings.epochs`. Defaults to `None`.
        callbacks: The family's own callbacks, after the run's.

    Returns:
        `History.history`.
    """
    import keras  # here, not at the top: see the module docstring

    from dlkit import distribute, schedules

    if isinstance(train, tuple):
        fit_args = {"x": train[0], "y": train[1], "batch_size": settings.batch_size}
        batches = int(np.ceil(len(train[0]) / settings.batch_size))
    else:
        fit_args = {"x": train, "shuffle": False}  # the dataset shuffles itself, seeded
        batches = int(train.cardinality())
    rate: Any = learning_rate
    planner: tuple[Any, ...] = ()
    if cosine_decay:
        warmup = min(warmup_epochs, settings.epochs - 1) * batches
        rate = schedules.WarmupCosine(learning_rate, settings.epochs * batches, warmup)
        if time_budget is not None:
            planner = (schedules.PlanToBudget(rate, time_budget, batches),)
    elif time_budget is not None:
        raise ValueError(f"Expected `time_budget` only with `cosine_decay`: the budget plans the decay's length. "
                         f"Received: time_budget={time_budget}, cosine_decay=False")
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss, metrics=list(metrics))
    # model.fit, which also trains across workers (MultiWorkerMirroredStrategy): see dlkit.distribute.
    history = distribute.fit(model, **fit_args, validation_data=validation, epochs=settings.epochs,
                             callbacks=[*run.callbacks, *callbacks, *planner], verbose=run.verbose)
    return history.history


def fit_fashion_classifier(model: Any, to_inputs: Any, settings: Any, run: Run) -> Fitted:
    """Seeded hold-out, compile + fit, test accuracy: the recurrent image classifiers' shared body.

    `settings` are `RecurrentSettings` and `FashionSettings`; `to_inputs`
    turns uint8 images into the model's input.
    """
    (x_train, y_train), (x_test, y_test) = fashion_mnist_subset(
        settings.train_subset, settings.test_subset, run.seed, run.data_dir)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, settings.validation_size, run.seed)
    history = compile_and_fit(model, "sparse_categorical_crossentropy", (to_inputs(x_fit), y_fit),
                              (to_inputs(x_val), y_val), settings, run, settings.learning_rate,
                              metrics=("accuracy",))
    predictions = evaluation.predict_classes(model, to_inputs(x_test))
    metrics = {"cell": settings.cell, "test_accuracy": evaluation.accuracy(y_test, predictions)}
    return Fitted(model, history, metrics, examples_per_epoch=len(x_fit),
                  extras={"test_labels": y_test, "test_predictions": predictions})

