"""Tiny training runs of every family, for the reproducibility, resume and NaN tests.

Run as a subprocess (`python -m tests._reliability_worker MODE ...`): the runs
call `dlkit.set_seed(..., deterministic=True)`, which switches TensorFlow's op
determinism on for the rest of the process, and the pytest process must not
inherit that. Weights come back in an `.npz` file, keyed `family/run/index`.

Modes:
    reproduce OUT          for each family: two runs with seed 1, one with seed 2,
                           and a run that a callback crashes at epoch CRASH_EPOCH
                           and that a fresh model then resumes from its backup.
    chain OUT DIR kill|resume
                           kill: train every family (one thread each) until the
                           middle of epoch CRASH_EPOCH, then wait to be killed;
                           resume: finish every family from its backup in DIR.
    diverge OUT DIR        train every family for two good epochs, then with an absurd
                           learning rate under TerminateOnNaN and the checkpoint
                           callbacks; a JSON report goes beside OUT.
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import dlkit  # noqa: E402
from dlkit.callbacks import FiniteModelCheckpoint, ResumableBackup  # noqa: E402
from dlkit.models import cnn, gan, rnn  # noqa: E402

FAMILIES = ("cnn", "rnn", "dcgan", "wgan-gp")
EPOCHS = 3
CRASH_EPOCH = 1  # 0-based: the crash comes in the second epoch
DIVERGE_EPOCH = 2  # 0-based: two good epochs, then an absurd learning rate
BATCH = 8


def data(family):
    rng = np.random.default_rng(0)
    if family == "cnn":
        return rng.uniform(0, 1, (16, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 16)
    if family == "rnn":
        return rng.normal(size=(16, 5, 3)).astype("float32"), rng.integers(0, 3, 16)
    return rng.uniform(-1, 1, (16, 8, 8, 1)).astype("float32"), None


def build(family, seed, learning_rate=None):
    """A seeded, compiled tiny model of the family; dropout everywhere it is allowed,
    so that the random-number state matters."""
    dlkit.set_seed(seed, deterministic=True)
    if family in ("cnn", "rnn"):
        if family == "cnn":
            model = cnn.build_cnn_classifier((8, 8, 1), 3, preset="tiny", dropout_rate=0.2)
        else:
            model = rnn.build_rnn_classifier((5, 3), 3, cell="lstm", units=4, dropout_rate=0.2)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate or 1e-2),
                      loss="sparse_categorical_crossentropy")
        return model
    generator = gan.build_dcgan_generator(8, image_shape=(8, 8, 1), filters=(8, 4))
    if family == "dcgan":
        model = gan.DCGAN(generator, gan.build_dcgan_discriminator((8, 8, 1), filters=(4, 8)), 8)
        lr = learning_rate or 2e-4
        model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                      g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    else:
        model = gan.WGAN(generator, gan.build_wgan_critic((8, 8, 1), filters=(4, 8)), 8, critic_steps=2)
        lr = learning_rate or 1e-4
        model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9),
                      g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9))
    return model


def train(model, family, callbacks=(), epochs=EPOCHS):
    x, y = data(family)
    # shuffle=False: exact resumption needs each epoch's data order to be
    # independent of how many epochs this process has run (see ResumableBackup).
    return model.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0,
                     callbacks=list(callbacks))


def state(model):
    """Weights and, for every optimizer, its variables (iterations, moments)."""
    arrays = [np.asarray(w) for w in model.weights]
    for name in ("optimizer", "d_optimizer", "g_optimizer"):
        optimizer = getattr(model, name, None)
        if optimizer is not None and optimizer.built:
            arrays += [np.asarray(v) for v in optimizer.variables]
    return arrays


class Crash(keras.callbacks.Callback):
    """Raises in the middle of `epoch`, as a crash would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch, self._current = epoch, None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch:
            raise RuntimeError(f"crash in epoch {self.epoch}")


class Hang(Crash):
    """Announces the middle of `epoch` in a file, then waits to be killed."""

    def __init__(self, epoch, flag):
        super().__init__(epoch)
        self.flag = Path(flag)

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch:
            self.flag.write_text(str(os.getpid()))
            while True:
                time.sleep(1)


def determinism_flags():
    """Whether op determinism is on: at start, after set_seed(deterministic=False),
    after set_seed(deterministic=True), and after set_seed(deterministic=False) again."""
    from tensorflow.python.framework import config

    flags = [config.is_op_determinism_enabled()]
    for deterministic in (False, True, False):
        dlkit.set_seed(0, deterministic=deterministic)
        flags.append(config.is_op_determinism_enabled())
    return flags


def reproduce(out):
    results = {"determinism_flags": [np.asarray(determinism_flags())]}
    for family in FAMILIES:
        results[f"{family}/seed1"] = state(_trained(family, 1))
        results[f"{family}/seed1_again"] = state(_trained(family, 1))
        results[f"{family}/seed2"] = state(_trained(family, 2))
        backup = Path(out).parent / f"{family}_backup"
        try:
            train(build(family, 1), family, [ResumableBackup(backup), Crash(CRASH_EPOCH)])
        except RuntimeError:
            pass
        resumed = build(family, 1)
        history = train(resumed, family, [ResumableBackup(backup)])
        results[f"{family}/resumed"] = state(resumed)
        results[f"{family}/resumed_epochs"] = [np.asarray(len(history.history["loss"]))]
    _write(out, results)


def _trained(family, seed):
    model = build(family, seed)
    train(model, family)
    return model


def chain(out, directory, phase):
    """Phase "kill": every family trains in its own thread until the middle of epoch
    CRASH_EPOCH, then waits there for the parent to SIGKILL the process. Phase
    "resume": every family finishes from its backup."""
    directory = Path(directory)
    if phase == "kill":
        models = {family: build(family, 1) for family in FAMILIES}
        threads = [
            threading.Thread(target=train, daemon=True, args=(model, family, [
                ResumableBackup(directory / f"{family}_backup"),
                Hang(CRASH_EPOCH, directory / f"{family}.hanging")]))
            for family, model in models.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return
    results = {}
    for family in FAMILIES:
        model = build(family, 1)
        history = train(model, family, [ResumableBackup(directory / f"{family}_backup")])
        results[f"{family}/resumed"] = state(model)
        results[f"{family}/resumed_epochs"] = [np.asarray(len(history.history["loss"]))]
    _write(out, results)


class Diverge(keras.callbacks.Callback):
    """Sets every optimizer's learning rate to an absurd value from epoch `epoch` on,
    and keeps a copy of the weights after each epoch that ended finite."""

    def __init__(self, epoch, learning_rate=1e38):
        super().__init__()
        self.epoch, self.learning_rate = epoch, learning_rate
        self.good_weights = None

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            for name in ("optimizer", "d_optimizer", "g_optimizer"):
                optimizer = getattr(self.model, name, None)
                if optimizer is not None:
                    optimizer.learning_rate.assign(self.learning_rate)

    def on_epoch_end(self, epoch, logs=None):
        if epoch < self.epoch:
            self.good_weights = [np.array(w) for w in self.model.get_weights()]


def diverge(out, directory):
    """Every family trains normally for DIVERGE_EPOCH epochs, then with an absurd
    learning rate, under TerminateOnNaN and dlkit's two checkpoint callbacks (and, for
    comparison, Keras's own ModelCheckpoint and BackupAndRestore)."""
    directory = Path(directory)
    report, results = {}, {}
    for family in FAMILIES:
        model = build(family, 1)
        losses = []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs, losses=losses: losses.append(float(logs["loss"])))
        backup = ResumableBackup(directory / f"{family}_backup")
        finite_file = directory / f"{family}_finite.weights.h5"
        plain_file = directory / f"{family}_plain.weights.h5"
        finite = FiniteModelCheckpoint(finite_file, save_weights_only=True)
        plain = keras.callbacks.ModelCheckpoint(plain_file, save_weights_only=True)
        keras_backup = keras.callbacks.BackupAndRestore(directory / f"{family}_keras_backup")
        diverging = Diverge(DIVERGE_EPOCH)
        history = train(model, family, [record, diverging, keras.callbacks.TerminateOnNaN(), backup,
                                        finite, plain, keras_backup], epochs=EPOCHS + 2)
        results[f"{family}/good"] = diverging.good_weights
        results[f"{family}/final"] = model.get_weights()
        reloaded = build(family, 1)
        reloaded.load_weights(finite_file)
        results[f"{family}/finite_checkpoint"] = reloaded.get_weights()
        reloaded.load_weights(plain_file)
        results[f"{family}/plain_checkpoint"] = reloaded.get_weights()
        report[family] = {
            "batch_losses": losses,
            "epochs_run": len(history.history["loss"]),
            "last_good_epoch": backup.last_good_epoch,
            "skipped_epochs": backup.skipped_epochs,
            "finite_checkpoint_skipped": finite.skipped_epochs,
            "backup_kept": (directory / f"{family}_backup" / ResumableBackup.LATEST).is_file(),
            "keras_backup_kept": (directory / f"{family}_keras_backup").exists(),
        }
    _write(out, results)
    Path(out).with_suffix(".json").write_text(json.dumps(report))


def _write(out, results):
    flat = {f"{key}/{i}": a for key, arrays in results.items() for i, a in enumerate(arrays)}
    np.savez(out, **flat)


def main(argv):
    mode, out = argv[0], argv[1]
    if mode == "reproduce":
        reproduce(out)
    elif mode == "chain":
        chain(out, argv[2], argv[3])
    elif mode == "diverge":
        diverge(out, argv[2])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
