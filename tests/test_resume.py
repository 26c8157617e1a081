"""A killed run resumes from its `ResumableBackup` and ends with the weights of an
uninterrupted run with the same seed: CNN, RNN, DCGAN and WGAN-GP (both optimizers).

Training runs in subprocesses (`tests/_reliability_worker.py`, with op
determinism on); the uninterrupted reference is the worker's `reproduce` run.
"""

import signal

import keras
import numpy as np
import pytest

import dlkit
from dlkit.callbacks import ResumableBackup
from dlkit.models import gan
from tests._reliability import FAMILIES, identical, worker_results

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

EPOCHS, CRASH_EPOCH = 3, 1  # as in the worker


@pytest.fixture(scope="module")
def reference():
    return worker_results()["reproduce"]


@pytest.fixture(scope="module")
def killed():
    """Every family trained until the middle of epoch 2, then the process got SIGKILL;
    a new process resumed every family from the backups."""
    return worker_results()["killed"]


@pytest.mark.parametrize("family", FAMILIES)
def test_crash_by_exception_resumes_to_the_uninterrupted_weights(reference, family):
    # Only the epochs after the backup ran again...
    assert reference[f"{family}/resumed_epochs"][0] == EPOCHS - CRASH_EPOCH
    # ...and weights and both optimizers' state are bit-identical to a run never interrupted.
    assert identical(reference[f"{family}/resumed"], reference[f"{family}/seed1"])


def test_sigkill_hit_every_family_mid_epoch_after_one_backup(killed):
    assert killed["returncode"] == -signal.SIGKILL
    assert {family: b["epoch"] for family, b in killed["backups"].items()} == dict.fromkeys(
        FAMILIES, CRASH_EPOCH)


@pytest.mark.parametrize("family", FAMILIES)
def test_sigkill_resumes_to_the_uninterrupted_weights(killed, reference, family):
    assert killed["runs"][f"{family}/resumed_epochs"][0] == EPOCHS - CRASH_EPOCH
    assert identical(killed["runs"][f"{family}/resumed"], reference[f"{family}/seed1"])


def _tiny_dcgan(seed):
    dlkit.set_seed(seed)
    generator = gan.build_dcgan_generator(4, image_shape=(8, 8, 1), filters=(4, 2))
    model = gan.DCGAN(generator, gan.build_dcgan_discriminator((8, 8, 1), filters=(2, 4)), 4)
    model.compile()
    for optimizer, network in ((model.d_optimizer, model.discriminator), (model.g_optimizer, model.generator)):
        if not optimizer.built:
            optimizer.build(network.trainable_variables)
    return model


def _optimizer_state(model):
    return [np.array(v) for opt in (model.d_optimizer, model.g_optimizer) for v in opt.variables]


def test_backup_restores_both_gan_optimizers_and_the_latent_sampler(tmp_path):
    model = _tiny_dcgan(1)
    rng = np.random.default_rng(0)
    for optimizer in (model.d_optimizer, model.g_optimizer):
        for variable in optimizer.variables:
            variable.assign(rng.normal(size=variable.shape).astype(variable.dtype))
    model.sample_latent(3)  # advances the loop's SeedGenerator
    backup = ResumableBackup(tmp_path / "backup")
    backup.set_model(model)
    backup.on_epoch_end(0, {"loss": 1.0})
    next_latent = np.array(model.sample_latent(3))

    fresh = _tiny_dcgan(2)
    restore = ResumableBackup(tmp_path / "backup")
    restore.set_model(fresh)
    restore.on_train_begin()
    assert fresh._initial_epoch == 1 and restore.last_good_epoch == 1
    assert identical([np.array(w) for w in fresh.weights], [np.array(w) for w in model.weights])
    assert identical(_optimizer_state(fresh), _optimizer_state(model))
    np.testing.assert_array_equal(np.array(fresh.sample_latent(3)), next_latent)


def test_backup_ignores_a_half_written_folder_and_cleans_up_after_a_normal_finish(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)  # as after a first training step
    backup = ResumableBackup(tmp_path / "backup")
    backup.set_model(model)
    backup.on_epoch_end(0, {"loss": 0.5})
    good = model.get_weights()
    # A kill while the next backup was being written leaves a folder without a pointer.
    (tmp_path / "backup" / "epoch_00002").mkdir()
    model.set_weights([w + 1 for w in good])
    backup.on_train_begin()
    assert identical(model.get_weights(), good) and backup.last_good_epoch == 1
    backup.on_train_end()
    assert not (tmp_path / "backup").exists()


def test_backup_rejects_an_empty_directory_name():
    with pytest.raises(ValueError, match="backup_dir=''"):
        ResumableBackup("")
