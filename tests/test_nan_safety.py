"""A diverging run stops at its first non-finite loss and keeps its last good checkpoint.

Every family trains two good epochs, then its learning rate jumps to 1e38
(`tests/_reliability_worker.py`, in a subprocess), under
`keras.callbacks.TerminateOnNaN`, `dlkit.callbacks.ResumableBackup` and
`dlkit.callbacks.FiniteModelCheckpoint`. Keras still calls `on_epoch_end`
after `TerminateOnNaN` stops training, so these callbacks must refuse the
diverged state themselves.
"""

import json
import math

import keras
import numpy as np
import pytest

from dlkit.callbacks import FiniteModelCheckpoint, ResumableBackup
from tests._reliability import FAMILIES, identical, worker_results

GOOD_EPOCHS = 2  # DIVERGE_EPOCH in the worker


@pytest.fixture(scope="module")
def diverged():
    return worker_results()["diverge"]


@pytest.mark.parametrize("family", FAMILIES)
def test_training_stops_at_the_first_non_finite_loss(diverged, family):
    report = diverged[0][family]
    losses = report["batch_losses"]
    # TerminateOnNaN reads `loss`, which the GAN loops log as d_loss + g_loss.
    assert not math.isfinite(losses[-1])
    assert all(math.isfinite(v) for v in losses[:-1])
    assert len(losses) > 2 * GOOD_EPOCHS  # the good epochs ran in full
    assert report["epochs_run"] <= GOOD_EPOCHS + 2  # it stopped well before its 5 epochs


@pytest.mark.parametrize("family", FAMILIES)
def test_the_last_good_backup_is_kept_and_restored(diverged, family):
    report, runs = diverged
    assert report[family]["backup_kept"]
    assert report[family]["last_good_epoch"] == GOOD_EPOCHS
    assert report[family]["skipped_epochs"] and min(report[family]["skipped_epochs"]) == GOOD_EPOCHS
    # restore_on_nan rolled the model back to the weights after the last good epoch.
    assert identical(runs[f"{family}/final"], runs[f"{family}/good"])


@pytest.mark.parametrize("family", FAMILIES)
def test_finite_model_checkpoint_keeps_the_last_good_weights(diverged, family):
    report, runs = diverged
    assert report[family]["finite_checkpoint_skipped"]
    assert identical(runs[f"{family}/finite_checkpoint"], runs[f"{family}/good"])
    assert all(np.isfinite(w).all() for w in runs[f"{family}/finite_checkpoint"])


def _dense():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("logs", [{"loss": float("nan")}, {"loss": 1.0, "val_loss": float("inf")}])
def test_backup_driven_by_hand_refuses_non_finite_logs(tmp_path, logs):
    backup = ResumableBackup(tmp_path / "backup")
    backup.set_model(_dense())
    backup.on_epoch_end(0, {"loss": 1.0})
    backup.on_epoch_end(1, logs)
    assert backup.last_good_epoch == 1 and backup.skipped_epochs == [1]
    assert json.loads((tmp_path / "backup" / ResumableBackup.LATEST).read_text())["epoch"] == 1


def test_backup_refuses_non_finite_weights_even_with_a_finite_loss(tmp_path):
    model = _dense()
    backup = ResumableBackup(tmp_path / "backup")
    backup.set_model(model)
    backup.on_epoch_end(0, {"loss": 1.0})
    good = model.get_weights()
    model.set_weights([np.full_like(w, np.nan) for w in good])
    backup.on_epoch_end(1, {"loss": 1.0})
    backup.on_train_end()
    assert backup.skipped_epochs == [1]
    assert (tmp_path / "backup").exists(), "a diverged run keeps its backup"
    assert identical(model.get_weights(), good), "restore_on_nan loads the last good state"


def test_finite_model_checkpoint_driven_by_hand(tmp_path):
    model = _dense()
    path = tmp_path / "best.weights.h5"
    checkpoint = FiniteModelCheckpoint(path, save_weights_only=True)
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(0, {"loss": float("nan")})
    assert not path.exists() and checkpoint.skipped_epochs == [0]
    checkpoint.on_epoch_end(1, {"loss": 0.5})
    assert path.exists()


def test_finite_model_checkpoint_skips_non_finite_batch_saves(tmp_path):
    model = _dense()
    path = tmp_path / "batch.weights.h5"
    checkpoint = FiniteModelCheckpoint(path, save_weights_only=True, save_freq=1)
    checkpoint.set_model(model)
    checkpoint.on_epoch_begin(0)
    checkpoint.on_train_batch_end(0, {"loss": float("inf")})
    assert not path.exists()
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    checkpoint.on_train_batch_end(1, {"loss": 0.5})
    assert not path.exists(), "finite loss, but NaN weights"
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    checkpoint.on_train_batch_end(2, {"loss": 0.5})
    assert path.exists()
