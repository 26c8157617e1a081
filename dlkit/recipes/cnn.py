"""The default CNN on Fashion-MNIST, trained the same way everywhere."""

import time

import numpy as np

from dlkit.recipes.common import (
    TrainingResult,
    fashion_mnist_subset,
    resumable_backup,
    save_final_model,
    split_validation,
)

CNN_FULL = {"epochs": 15, "batch_size": 128, "learning_rate": 2e-3, "validation_size": 5000}
CNN_FAST = {"epochs": 1, "batch_size": 128, "learning_rate": 2e-3, "validation_size": 1000,
            "train_subset": 12000, "test_subset": 2000}


def train_cnn_fashion_mnist(
    out=None,
    fast=False,
    seed=0,
    data_dir=None,
    epochs=None,
    batch_size=None,
    learning_rate=None,
    preset="default",
    resume=False,
    overwrite=False,
    keep_backup=False,
    verbose=2,
    **model_kwargs,
):
    """Trains the CNN classifier on Fashion-MNIST and evaluates it on the test set.

    Adam with a cosine-decayed learning rate over the whole run, a seeded
    5,000-image validation hold-out, and `EarlyStopping` that restores the best
    validation weights. With `out`, the run also keeps a
    `dlkit.callbacks.ResumableBackup` directory, `out/cnn_backup` (so
    `resume=True` continues a killed run from its last finished epoch, with
    the optimizer and random-number state; a diverged run keeps its last
    finite backup there), and saves `out/cnn.keras`.

    Args:
        out: Output directory, or `None` to save nothing. Defaults to `None`.
        fast: Smoke-test size (11,000 training images, one epoch). Defaults to `False`.
        seed: Seed for weights, split and shuffling. Defaults to `0`.
        data_dir: Fashion-MNIST directory searched first. Defaults to `None`.
        epochs: Defaults to 15 (1 when `fast`).
        batch_size: Defaults to 128.
        learning_rate: Peak Adam learning rate. Defaults to `2e-3`.
        preset: `cnn.PRESETS` name. Defaults to `"default"`.
        resume: Continue from the backup in `out`; there must be one. Defaults to `False`.
        overwrite: Replace a CNN run already in `out` (without it, and
            without `resume`, such a run is a `runs.RunExistsError`).
            Defaults to `False`.
        keep_backup: Keep `out/cnn_backup` after a finished run, so that a
            later call with more `epochs` and `resume=True` continues it.
            Defaults to `False`.
        verbose: Keras `fit` verbosity. Defaults to `2` (a line per epoch).
        **model_kwargs: Passed to `cnn.build_cnn_classifier`.

    Returns:
        A `TrainingResult`; `metrics` holds `test_accuracy`, `parameters`,
        `epochs_run`, `seconds_per_epoch`, `train_seconds` and `images_per_second`.
    """
    import keras

    from dlkit import data, evaluation, runs
    from dlkit.callbacks import EpochTimer
    from dlkit.models import cnn
    from dlkit.seed import set_seed

    settings = dict(CNN_FAST if fast else CNN_FULL)
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("learning_rate", learning_rate)):
        if value is not None:
            settings[key] = value

    if out is not None:  # before any work: a refused directory costs nothing
        out = runs.prepare_output(out, "cnn", resume=resume, overwrite=overwrite)
    set_seed(seed)
    (x_train, y_train), (x_test, y_test) = fashion_mnist_subset(settings, seed, data_dir)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, settings["validation_size"], seed)

    train_ds = data.make_image_dataset(x_fit, y_fit, settings["batch_size"], seed=seed)
    val_ds = data.make_image_dataset(x_val, y_val, 512, shuffle=False)

    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset=preset, **model_kwargs)
    steps = settings["epochs"] * int(np.ceil(len(x_fit) / settings["batch_size"]))
    schedule = keras.optimizers.schedules.CosineDecay(settings["learning_rate"], decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    timer = EpochTimer()
    callbacks = [
        timer,
        keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=4, restore_best_weights=True, mode="max"
        ),
        keras.callbacks.TerminateOnNaN(),
    ]
    backup = None
    if out is not None:
        backup = resumable_backup(runs.backup_dir(out, "cnn"))
        callbacks.append(backup)

    start = time.perf_counter()
    history = model.fit(
        train_ds, validation_data=val_ds, epochs=settings["epochs"], callbacks=callbacks,
        verbose=verbose, shuffle=False,  # the dataset shuffles itself, seeded
    )
    train_seconds = time.perf_counter() - start

    x_test_scaled = data.scale_images(x_test)
    predictions = evaluation.predict_classes(model, x_test_scaled)
    epoch_seconds = timer.epoch_seconds
    metrics = {
        "test_accuracy": evaluation.accuracy(y_test, predictions),
        "parameters": int(model.count_params()),
        "epochs_run": len(history.history.get("loss", [])),
        "train_images": int(len(x_fit)),
        "test_images": int(len(x_test)),
        "train_seconds": round(train_seconds, 2),
        # The first epoch includes tracing; the median is the steady-state cost.
        "seconds_per_epoch": round(float(np.median(epoch_seconds)), 2) if epoch_seconds else None,
        "images_per_second": round(len(x_fit) / float(np.median(epoch_seconds)), 1) if epoch_seconds else None,
        "settings": settings,
    }
    model_path = None
    if out is not None:
        model_path = save_final_model(model, out, "cnn", backup, keep_backup)
    return TrainingResult(
        model=model,
        history=history.history,
        metrics=metrics,
        test_images=x_test_scaled,
        test_labels=y_test,
        test_predictions=predictions,
        model_path=model_path,
    )
