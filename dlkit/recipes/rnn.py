"""Recurrent recipes: the memory test, Fashion-MNIST row by row, CO2 forecasting,
the CNN + RNN classifier and the character language model."""


import numpy as np

from dlkit.recipes.common import TrainingResult, fashion_mnist_subset, split_validation


def _compile_fit(model, loss, train, validation, epochs, batch_size, learning_rate, metrics=(),
                 seed=0, verbose=0, callbacks=(), cosine_decay=False):
    """compile() + fit() with Adam, timing every epoch; returns (history dict, epoch seconds).

    With `cosine_decay`, the learning rate falls from `learning_rate` to 0
    over the whole run instead of staying constant.
    """
    import keras

    from dlkit.callbacks import EpochTimer

    if isinstance(train, tuple):
        train_args, validation_data = {"x": train[0], "y": train[1], "batch_size": batch_size}, validation
        batches = int(np.ceil(len(train[0]) / batch_size))
    else:  # a tf.data.Dataset of batches
        train_args, validation_data = {"x": train, "shuffle": False}, validation
        batches = int(train.cardinality())
    if cosine_decay:
        steps = epochs * batches
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=list(metrics))
    timer = EpochTimer()
    history = model.fit(
        **train_args, validation_data=validation_data, epochs=epochs,
        callbacks=[timer, keras.callbacks.TerminateOnNaN(), *callbacks], verbose=verbose,
    )
    return history.history, timer.epoch_seconds


def _timing(epoch_seconds, train_size):
    # None, not NaN (invalid in JSON), when a resumed run had no epoch left.
    median = float(np.median(epoch_seconds)) if epoch_seconds else None
    return {
        "train_seconds": round(float(np.sum(epoch_seconds)), 2),
        "seconds_per_epoch": round(median, 2) if epoch_seconds else None,
        "examples_per_second": round(train_size / median, 1) if epoch_seconds else None,
    }


MEMORY_FULL = {"length": 100, "train_sequences": 16000, "validation_sequences": 2000, "epochs": 15,
               "units": 32, "batch_size": 64, "learning_rate": 3e-3}
MEMORY_FAST = dict(MEMORY_FULL, train_sequences=2000, validation_sequences=500, epochs=1)


def train_memory_task(cell, fast=False, seed=0, verbose=0, callbacks=(), **overrides):
    """Trains one recurrent regressor on the adding problem (`data.make_adding_problem`).

    Args:
        cell: `"lstm"`, `"gru"` or `"simple"`.
        fast: Smoke-test size (2,000 sequences, one epoch). Defaults to `False`.
        seed: Seed for data and weights. Defaults to `0`.
        verbose: Keras fit verbosity. Defaults to `0`.
        callbacks: Extra Keras callbacks for `fit`. Defaults to `()`.
        **overrides: Entries of `MEMORY_FULL` (`length`, `epochs`, `units`, ...).

    Returns:
        A `TrainingResult`: `history` has `loss`/`val_loss` (MSE) per epoch;
        `metrics` has `validation_mse`, `validation_accuracy` (share within
        0.1 of the target), `chance_mse` (1/6), `parameters` and timings.
    """
    import keras

    from dlkit.data.synthetic import make_adding_problem, within_tolerance
    from dlkit.models import rnn
    from dlkit.seed import set_seed

    settings = {**(MEMORY_FAST if fast else MEMORY_FULL), **overrides}
    set_seed(seed)
    x, y = make_adding_problem(settings["train_sequences"], settings["length"], seed=seed)
    xv, yv = make_adding_problem(settings["validation_sequences"], settings["length"], seed=seed + 1)
    inputs = keras.Input((settings["length"], 2), name="sequence")
    state = rnn.apply_recurrent_stack(inputs, cell, settings["units"])
    outputs = keras.layers.Dense(1, name="sum")(state)
    model = keras.Model(inputs, outputs, name=f"{cell}_adding")
    history, seconds = _compile_fit(model, "mse", (x, y), (xv, yv), settings["epochs"],
                                    settings["batch_size"], settings["learning_rate"], seed=seed,
                                    verbose=verbose, callbacks=callbacks)
    predictions = model.predict(xv, batch_size=1024, verbose=0)[:, 0]
    metrics = {
        "cell": cell,
        "validation_mse": float(np.mean((predictions - yv) ** 2)),
        "validation_accuracy": within_tolerance(yv, predictions, 0.1),
        "chance_mse": 1 / 6,
        "chance_accuracy": 0.19,
        "parameters": int(model.count_params()),
        **_timing(seconds, len(x)),
        "settings": settings,
    }
    return TrainingResult(model=model, history=history, metrics=metrics)


ROWS_FULL = {"epochs": 12, "units": 128, "batch_size": 128, "learning_rate": 2e-3, "validation_size": 5000}
ROWS_FAST = dict(ROWS_FULL, epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def train_rows_classifier(cell, fast=False, seed=0, data_dir=None, verbose=0, callbacks=(), **overrides):
    """Reads each Fashion-MNIST image as 28 steps of 28 pixels (one row per step).

    Args:
        cell: `"lstm"`, `"gru"` or `"simple"`.
        fast: Smoke-test size. Defaults to `False`.
        seed: Defaults to `0`.
        data_dir: Fashion-MNIST directory searched first. Defaults to `None`.
        verbose: Keras fit verbosity. Defaults to `0`.
        callbacks: Extra Keras callbacks for `fit`. Defaults to `()`.
        **overrides: Entries of `ROWS_FULL`.

    Returns:
        A `TrainingResult` with `test_accuracy`, `parameters` and timings.
    """
    from dlkit import data
    from dlkit.models import rnn

    settings = {**(ROWS_FAST if fast else ROWS_FULL), **overrides}

    def build():
        return rnn.build_rnn_classifier((28, 28), 10, cell=cell, units=settings["units"])

    def rows(images):
        return data.scale_images(images)[..., 0]  # (N, 28, 28): 28 steps of 28 features

    return _train_fashion_classifier(build, rows, cell, settings, seed, data_dir, verbose, callbacks)


def _train_fashion_classifier(build, to_inputs, cell, settings, seed, data_dir, verbose, callbacks=()):
    """Seeded data split, build, compile + fit, test accuracy: shared by the image recipes."""
    from dlkit import evaluation
    from dlkit.seed import set_seed

    set_seed(seed)
    (x_train, y_train), (x_test, y_test) = fashion_mnist_subset(settings, seed, data_dir)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, settings["validation_size"], seed)
    model = build()
    history, seconds = _compile_fit(
        model, "sparse_categorical_crossentropy", (to_inputs(x_fit), y_fit), (to_inputs(x_val), y_val),
        settings["epochs"], settings["batch_size"], settings["learning_rate"], metrics=["accuracy"],
        verbose=verbose, callbacks=callbacks,
    )
    predictions = evaluation.predict_classes(model, to_inputs(x_test))
    metrics = {
        "cell": cell,
        "test_accuracy": evaluation.accuracy(y_test, predictions),
        "parameters": int(model.count_params()),
        **_timing(seconds, len(x_fit)),
        "settings": settings,
    }
    return TrainingResult(model=model, history=history, metrics=metrics, test_labels=y_test,
                          test_predictions=predictions)


CO2_FULL = {"input_width": 104, "horizon": 26, "season": 52, "units": 64, "epochs": 60,
            "batch_size": 32, "learning_rate": 2e-3, "train_fraction": 0.7, "validation_fraction": 0.15}
CO2_FAST = dict(CO2_FULL, epochs=3)


def prepare_co2_windows(settings):
    """CO2 windows, split in time, expressed relative to each window's last value.

    A network trained on 1958-1988 levels has never seen the ppm values of
    the test years, so it would have to extrapolate. Subtracting each
    window's last observed value from its inputs and targets turns the task
    into "how will CO2 change from now", which looks the same in every
    decade; dividing by the training inputs' spread puts it on a unit scale.

    Returns:
        A dict with the raw `series`, the raw windows per split
        (`x_train`, `y_train`, ...), their relative versions (`rx_train`,
        `ry_train`, ...), the `scale`, and `test_origins` (index in `series`
        of each test window's first forecast step).
    """
    from dlkit import data

    series = data.load_co2()
    values = series.to_numpy()
    splits = data.make_window_splits(
        values, settings["input_width"], settings["horizon"], settings["train_fraction"],
        settings["validation_fraction"],
    )
    out = {"series": series}
    for name, (x, y) in splits.items():
        out[f"x_{name}"], out[f"y_{name}"] = x, y
    last = out["x_train"][:, -1:, :]
    scale = float(np.std(out["x_train"] - last))
    out["scale"] = scale
    for name in splits:
        last = out[f"x_{name}"][:, -1:, :]
        out[f"rx_{name}"] = (out[f"x_{name}"] - last) / scale
        out[f"ry_{name}"] = (out[f"y_{name}"] - last) / scale
    n = len(values)
    test_start = int(round(n * settings["train_fraction"])) + int(round(n * settings["validation_fraction"]))
    out["test_origins"] = test_start + settings["input_width"] + np.arange(len(out["x_test"]))
    out["train_end"] = int(round(n * settings["train_fraction"]))
    return out


def co2_baselines(windows, settings):
    """The classical forecasts of the test windows, in ppm, keyed by display name.

    `naive` repeats the last week, `seasonal naive` takes the week a season
    earlier, `Holt-Winters` is fitted on the training span only and re-run
    from each origin (see `evaluation.holt_winters_forecasts`).
    """
    from dlkit.evaluation import forecasting

    horizon, season = settings["horizon"], settings["season"]
    return {
        "naive": forecasting.naive_forecast(windows["x_test"], horizon),
        "seasonal naive": forecasting.seasonal_naive_forecast(windows["x_test"], horizon, season),
        "Holt-Winters": forecasting.holt_winters_forecasts(
            windows["series"].to_numpy(), windows["train_end"], windows["test_origins"], horizon,
            season),
    }


def train_co2_forecaster(cell, fast=False, seed=0, verbose=0, windows=None, callbacks=(), **overrides):
    """Trains an RNN to forecast the next `horizon` weeks of CO2 from `input_width` weeks.

    `EarlyStopping` on the validation loss restores the best weights.

    Args:
        cell: `"lstm"`, `"gru"` or `"simple"`.
        fast: Three epochs only. Defaults to `False`.
        seed: Defaults to `0`.
        verbose: Defaults to `0`.
        windows: The output of `prepare_co2_windows` (computed if `None`).
        callbacks: Extra Keras callbacks for `fit`. Defaults to `()`.
        **overrides: Entries of `CO2_FULL` (`conv_filters` too).

    Returns:
        A `TrainingResult`: `metrics["test_mae"]` in ppm; `extras` holds the
        test forecasts in ppm, `(N, horizon, 1)`.
    """
    import keras

    from dlkit.evaluation.forecasting import mae
    from dlkit.models import rnn
    from dlkit.seed import set_seed

    conv_filters = overrides.pop("conv_filters", 0)
    settings = {**(CO2_FAST if fast else CO2_FULL), **overrides}
    w = windows if windows is not None else prepare_co2_windows(settings)
    set_seed(seed)
    model = rnn.build_rnn_forecaster(settings["input_width"], 1, settings["horizon"], cell=cell,
                                     units=settings["units"], conv_filters=conv_filters)
    stop = keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    history, seconds = _compile_fit(
        model, "mse", (w["rx_train"], w["ry_train"]), (w["rx_validation"], w["ry_validation"]),
        settings["epochs"], settings["batch_size"], settings["learning_rate"], verbose=verbose,
        callbacks=[stop, *callbacks],
    )
    relative = model.predict(w["rx_test"], verbose=0)
    forecasts = relative * w["scale"] + w["x_test"][:, -1:, :]
    metrics = {
        "cell": cell,
        "test_mae": mae(w["y_test"], forecasts),
        "parameters": int(model.count_params()),
        "epochs_run": len(history.get("loss", [])),
        **_timing(seconds, len(w["rx_train"])),
        "settings": settings,
    }
    return TrainingResult(model=model, history=history, metrics=metrics, extras={"forecasts": forecasts})


CONV_RNN_FULL = {"epochs": 10, "units": 64, "conv_filters": (32, 64), "batch_size": 128,
                 "learning_rate": 2e-3, "validation_size": 5000}
CONV_RNN_FAST = dict(CONV_RNN_FULL, epochs=1, train_subset=6000, test_subset=2000, validation_size=1000)


def train_conv_rnn_classifier(cell="lstm", fast=False, seed=0, data_dir=None, verbose=0, **overrides):
    """Trains `rnn.build_conv_rnn_classifier` on Fashion-MNIST (images in [0, 1]).

    Returns:
        A `TrainingResult` with `test_accuracy`, `parameters` and timings.
    """
    from dlkit import data
    from dlkit.models import rnn

    settings = {**(CONV_RNN_FAST if fast else CONV_RNN_FULL), **overrides}

    def build():
        return rnn.build_conv_rnn_classifier((28, 28, 1), 10, conv_filters=settings["conv_filters"],
                                             cell=cell, units=settings["units"])

    return _train_fashion_classifier(build, data.scale_images, cell, settings, seed, data_dir, verbose)


# The n-gram order is the best of 3..7 on this split's validation words
# (bits per character 3.19, 2.85, 2.57, 2.47, 2.51): the strongest baseline.
CHAR_FULL = {"epochs": 12, "units": 256, "num_layers": 2, "embedding_dim": 32, "batch_size": 128,
             "learning_rate": 3e-3, "validation_fraction": 0.1, "max_word_length": 20, "ngram_order": 6}
CHAR_FAST = dict(CHAR_FULL, epochs=1, units=64, num_layers=1, word_subset=8000)


def split_words(words, validation_fraction, seed):
    """A seeded split of a word list by word (no word in both parts)."""
    order = np.random.default_rng(seed).permutation(len(words))
    n_val = int(round(len(words) * validation_fraction))
    validation = sorted(words[i] for i in order[:n_val])
    train = sorted(words[i] for i in order[n_val:])
    return train, validation


def train_char_language_model(cell="lstm", fast=False, seed=0, words=None, verbose=0, callbacks=(),
                              **overrides):
    """Trains a character language model on English words, beside an n-gram baseline.

    Words longer than `max_word_length` are left out (a few long compounds
    would otherwise set the padded length of every batch). The full settings
    (two LSTM layers of 256, 12 epochs) were chosen by a sweep of cells,
    sizes, depths and epochs: one GRU layer of 256 stays above the 6-gram
    baseline however long it trains, and larger models overfit the word list
    after about 12 epochs.

    Args:
        cell: Defaults to `"lstm"`.
        fast: Smoke-test size (8,000 words, one epoch). Defaults to `False`.
        seed: Defaults to `0`.
        words: The word list; defaults to `data.load_words()`.
        verbose: Defaults to `0`.
        callbacks: Extra Keras callbacks for `fit`. Defaults to `()`.
        **overrides: Entries of `CHAR_FULL`.

    Returns:
        A `TrainingResult`: `metrics` has `bits_per_char` (validation),
        `ngram_bits_per_char` (the Witten-Bell n-gram on the same split),
        `parameters` and timings; `extras` has `vocab`, `train_words` and
        `validation_words`.
    """
    import keras

    from dlkit import data
    from dlkit.evaluation.language import CharNGramModel, model_bits_per_char
    from dlkit.models import rnn
    from dlkit.seed import set_seed

    settings = {**(CHAR_FAST if fast else CHAR_FULL), **overrides}
    set_seed(seed)
    if words is None:
        words = data.load_words(max_length=settings["max_word_length"])
    else:
        words = [w for w in words if len(w) <= settings["max_word_length"]]
    if "word_subset" in settings and len(words) > settings["word_subset"]:
        keep = np.random.default_rng(seed).choice(len(words), settings["word_subset"], replace=False)
        words = [words[i] for i in sorted(keep)]
    train_words, validation_words = split_words(words, settings["validation_fraction"], seed)
    vocab = data.CharVocabulary.from_words(words)
    length = settings["max_word_length"] + 2
    train_ids = data.encode_words(train_words, vocab, length)
    validation_ids = data.encode_words(validation_words, vocab, length)

    model = rnn.build_char_language_model(vocab.size, cell=cell, embedding_dim=settings["embedding_dim"],
                                          units=settings["units"], num_layers=settings["num_layers"])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    history, seconds = _compile_fit(
        model, loss, data.make_next_id_dataset(train_ids, settings["batch_size"], seed=seed),
        data.make_next_id_dataset(validation_ids, 512, shuffle=False), settings["epochs"],
        settings["batch_size"],
        settings["learning_rate"], verbose=verbose, cosine_decay=True, callbacks=callbacks,
    )
    ngram = CharNGramModel(order=settings["ngram_order"]).fit(train_words)
    metrics = {
        "cell": cell,
        "bits_per_char": model_bits_per_char(model, validation_ids),
        "ngram_bits_per_char": ngram.bits_per_char(validation_words),
        "ngram_order": settings["ngram_order"],
        "parameters": int(model.count_params()),
        "train_words": len(train_words),
        "validation_words": len(validation_words),
        **_timing(seconds, len(train_words)),
        "settings": settings,
    }
    return TrainingResult(model=model, history=history, metrics=metrics,
                          extras={"vocab": vocab, "train_words": train_words,
                                  "validation_words": validation_words})
