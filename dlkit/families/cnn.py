"""The CNN classifier on Fashion-MNIST: `cnn.build_cnn_classifier`, Adam with warm-up and cosine decay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from dlkit import data, evaluation, plots, validation
from dlkit.families.base import Family, Fitted, Run, TrainingResult, settings
from dlkit.families.common import (
    FashionSettings,
    compile_and_fit,
    fashion_mnist_subset,
    split_validation,
)


@settings(epochs=18, batch_size=128)
class CNNSettings(FashionSettings):
    """How the CNN trains. The hold-out and subsets as `FashionSettings`, and:

    The defaults are the recipe of issue #20, chosen on the validation
    hold-out for accuracy within 10 minutes of training on two CPU cores
    (`python -m benchmarks.quality_budget`): random left-right flips, label
    smoothing, one warm-up epoch, a cosine decay over 18 epochs, and flipped
    copies of the test images averaged in at test time.

    Attributes:
        epochs: Defaults to `18`.
        batch_size: Defaults to `128`.
        learning_rate: Peak Adam learning rate, reached after the warm-up; a
            cosine decay takes it to 0 by the last epoch. Defaults to `2e-3`.
        warmup_epochs: Epochs of linear warm-up from 0 to `learning_rate`.
            Defaults to `1`.
        label_smoothing: `s` of `losses.SmoothedSparseCategoricalCrossentropy`
            (0 for the plain cross-entropy). Defaults to `0.1`.
        augmentation: Random training-time changes, names from
            `cnn.AUGMENTATIONS` joined by commas (`"flip"`, `"flip,shift"`),
            or `None`. Defaults to `"flip"` (clothes look alike mirrored;
            `"shift"` cost accuracy within the budget).
        test_time_flip: Classify each test image from the model's outputs on
            it and on its mirror image, summed (`evaluation.predict_classes(...,
            flip=True)`); `test_accuracy_unflipped` records the other.
            Defaults to `True`.
        time_budget: Seconds of training to plan the run into
            (`schedules.PlanToBudget`): after each epoch, as many more epochs
            as the rest of the budget holds, at most `epochs`, with the
            cosine decay ending at the last (`--set time_budget=600 --set
            epochs=40`: ten minutes on any machine). `None` trains `epochs`
            exactly, the same run every time. Defaults to `None`.
        patience: Epochs without a better validation accuracy before
            stopping (the best weights are restored). Defaults to `4`.
        preset: `cnn.PRESETS` name. Defaults to `"default"`.
        synchronized_batch_norm: Batch normalization over the global batch
            of every replica when training under `tf.distribute` (only then do
            two replicas train like one device; `--set
            synchronized_batch_norm=true`). Defaults to `False`.
    """

    learning_rate: float = 2e-3
    warmup_epochs: int = 1
    label_smoothing: float = 0.1
    augmentation: str | None = "flip"
    test_time_flip: bool = True
    time_budget: float | None = None
    patience: int = 4
    preset: str = "default"
    synchronized_batch_norm: bool = False

    @property
    def augmentations(self) -> tuple[str, ...]:
        """`augmentation` as a tuple of names (empty for none)."""
        return tuple(part.strip() for part in (self.augmentation or "").split(",") if part.strip())

    def validate(self) -> None:
        super().validate()
        validation.check_positive_float("learning_rate", self.learning_rate)
        validation.check_positive_int("warmup_epochs", self.warmup_epochs, minimum=0)
        validation.check_rate("label_smoothing", self.label_smoothing)
        for name in self.augmentations:  # cnn.AUGMENTATIONS, which imports Keras (not here: `dlkit --help`)
            validation.check_choice("augmentation", name, ("flip", "shift", "zoom"))
        validation.check_bool("test_time_flip", self.test_time_flip)
        if self.time_budget is not None:
            validation.check_positive_float("time_budget", self.time_budget)
        validation.check_positive_int("patience", self.patience)
        validation.check_choice("preset", self.preset, ("default", "tiny"))
        validation.check_bool("synchronized_batch_norm", self.synchronized_batch_norm)


FULL = CNNSettings()
FAST = CNNSettings(epochs=1, validation_size=1000, train_subset=12000, test_subset=2000)


class Holdout(NamedTuple):
    """What `train_on_holdout` returns: the trained model and the data it left untouched."""

    model: Any
    history: dict[str, list[float]]
    train_images: int
    validation: tuple[np.ndarray, np.ndarray]  # (x scaled to [0, 1], y)
    test: tuple[np.ndarray, np.ndarray]  # (x as uint8, y), not yet looked at


def train_on_holdout(settings: CNNSettings, run: Run, **model_kwargs: Any) -> Holdout:
    """The training half of `fit`: seeded hold-out split, build, compile + fit with early stopping.

    The test images come back unscored: a sweep chooses on `validation`
    (`benchmarks.cnn_probe`) and leaves the test set to the final runs.
    `model_kwargs` go to `cnn.build_cnn_classifier` beside the preset.
    """
    # Keras and dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    import keras

    from dlkit import losses
    from dlkit.models import cnn

    (x_train, y_train), test = fashion_mnist_subset(
        settings.train_subset, settings.test_subset, run.seed, run.data_dir)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, settings.validation_size, run.seed)
    train_ds = data.make_image_dataset(x_fit, y_fit, settings.batch_size, seed=run.seed)
    val_ds = data.make_image_dataset(x_val, y_val, 512, shuffle=False)
    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset=settings.preset,
                                     **{"synchronized_batch_norm": settings.synchronized_batch_norm,
                                        "augmentation": settings.augmentations or None, **model_kwargs})
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=settings.patience,
                                         restore_best_weights=True, mode="max")
    loss = losses.SmoothedSparseCategoricalCrossentropy(settings.label_smoothing)
    history = compile_and_fit(model, loss, train_ds, val_ds, settings, run, settings.learning_rate,
                              metrics=("accuracy",), cosine_decay=True, callbacks=(stop,),
                              warmup_epochs=settings.warmup_epochs, time_budget=settings.time_budget)
    return Holdout(model, history, int(len(x_fit)), (data.scale_images(x_val), y_val), test)


def fit(settings: CNNSettings, run: Run, **model_kwargs: Any) -> Fitted:
    """`train_on_holdout`, then the test accuracy (each test image with its mirror, `test_time_flip`).

    `model_kwargs` go to `cnn.build_cnn_classifier` beside the preset (a
    sweep's one-off family: `dataclasses.replace(FAMILY, fit=functools.partial(fit, ...))`).
    """
    trained = train_on_holdout(settings, run, **model_kwargs)
    model, (x_test, y_test) = trained.model, trained.test
    x_test_scaled = data.scale_images(x_test)
    predictions = evaluation.predict_classes(model, x_test_scaled, flip=settings.test_time_flip)
    unflipped = (evaluation.predict_classes(model, x_test_scaled) if settings.test_time_flip else predictions)
    metrics = {
        "test_accuracy": evaluation.accuracy(y_test, predictions),
        "test_accuracy_unflipped": evaluation.accuracy(y_test, unflipped),
        "train_images": trained.train_images,
        "test_images": int(len(x_test)),
    }
    return Fitted(model, trained.history, metrics, examples_per_epoch=trained.train_images,
                  extras={"test_images": x_test_scaled, "test_labels": y_test,
                          "test_predictions": predictions})


def headline(metrics: Mapping[str, Any]) -> str:
    return f"test accuracy {metrics['test_accuracy']:.4f} (chance 0.10)"


def report(page: Any, result: TrainingResult) -> None:
    """Learning curves, the confusion matrix and the mistakes."""
    m = result.metrics
    page.section(
        "CNN: Fashion-MNIST classifier",
        f"The default CNN ({m['parameters']:,} parameters) trained for {m['epochs_run']} epochs on "
        f"{m['train_images']:,} images in {m['train_seconds']:.0f} s "
        f"({m['seconds_per_epoch']} s per epoch). Test accuracy on {m['test_images']:,} "
        f"images: {m['test_accuracy']:.2%}.",
    )
    page.figure(plots.learning_curves(result.history, metrics=["loss", "accuracy"]), "Learning curves")
    labels, predictions = result.test_labels, result.test_predictions
    names = data.FASHION_MNIST_CLASSES
    cm = evaluation.confusion_matrix(labels, predictions, 10)
    page.figure(plots.confusion_matrix_plot(cm, list(names)), "Confusion matrix (rows: true class, shares)")
    wrong = evaluation.misclassified(labels, predictions)[:20]
    titles = [f"{names[labels[i]][:7]}>{names[predictions[i]][:7]}" for i in wrong]
    page.figure(plots.image_grid(result.test_images[wrong], titles, ncols=10, cell_size=1.2),
                "Misclassified test images (true > predicted)")
    page.table(["class", "precision", "recall", "test images"],
               evaluation.classification_report(labels, predictions, names))
    page.table(["metric", "dlkit CNN", "reference"],
               [["test accuracy", m["test_accuracy"], "chance 0.10; Hands-On ML 3 notebook reports 0.912"]])


# The tour trains 8 of the 18 epochs (its warm-up and cosine schedule span the 8), leaving
# time for the GANs to draw recognisable clothes.
FAMILY = Family(
    name="cnn", title="CNN", task="Fashion-MNIST classification", Settings=CNNSettings,
    FULL=FULL, FAST=FAST, fit=fit, headline=headline, tour=FULL.replace(epochs=8), report=report,
    tour_seconds=(290, 15),
)
