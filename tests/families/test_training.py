"""Training through the families: what the recipes' tests pinned, now on the one runner."""

import warnings

import numpy as np
import pytest

from dlkit import families, runs
from dlkit.families import char_lm, forecaster, gans
from tests.families import CrashAfterFirstEpoch

TINY_GAN = {"train_subset": 256, "eval_images": 200, "batch_size": 64, "epochs": 2}


def test_co2_windows_relative_form_is_exactly_invertible():
    w = forecaster.prepare_windows(forecaster.FAST)
    last = w["x_test"][:, -1:, :]
    np.testing.assert_allclose(w["ry_test"] * w["scale"] + last, w["y_test"], atol=1e-4)
    assert (w["rx_train"][:, -1, 0] == 0).all()
    # The recorded origins point at each test window's first target week.
    series = w["series"].to_numpy()
    np.testing.assert_allclose(series[w["test_origins"]], w["y_test"][:, 0, 0], atol=1e-4)


def test_split_words_is_seeded_and_disjoint():
    words = [f"w{i}" for i in range(100)]
    train, val = char_lm.split_words(words, 0.2, seed=3)
    assert len(val) == 20 and not set(train) & set(val) and set(train) | set(val) == set(words)
    assert char_lm.split_words(words, 0.2, seed=3) == (train, val)


@pytest.mark.numerics
def test_memory_family_smoke_and_the_deprecated_recipe_trains_the_same():
    from dlkit.recipes import rnn as recipes

    memory = families.FAMILIES["memory"]
    result = memory.train(memory.FAST.replace(cell="gru", length=20), seed=0, verbose=0)
    m = result.metrics
    assert np.isfinite(m["validation_mse"]) and 0 <= m["validation_accuracy"] <= 1
    assert len(result.history["val_loss"]) == 1 and result.settings.cell == "gru"
    with pytest.warns(DeprecationWarning, match=r"FAMILIES\['memory'\]\.train"):
        old = recipes.train_memory_task("gru", fast=True, length=20)
    # The same computation in the same process, seeded the same: equal up to float32 round-off
    # of a reduction whose thread split oneDNN may pick differently (8 ulps).
    np.testing.assert_allclose(old.metrics["validation_mse"], m["validation_mse"], rtol=8 * 2.0**-23)


def test_gan_family_tracks_quality_per_epoch_and_compares_seeds(fashion):
    dcgan = families.FAMILIES["dcgan"]
    first = dcgan.train(dcgan.FAST.replace(track_quality=True, **TINY_GAN), seed=0, verbose=0)
    quality = first.extras["quality"]
    assert [q["epoch"] for q in quality] == [1, 2]
    assert all(np.isfinite(q["fcd"]) and 0 <= q["coverage_entropy"] <= 1 and "d_loss" in q for q in quality)
    before = first.extras["initial_weights"]["generator"]
    assert any(not np.array_equal(a, b) for a, b in zip(before, first.model.generator.get_weights(), strict=True))

    comparison = gans.compare_across_seeds(("dcgan",), seeds=(0, 1), fast=True,
                                           runs={("dcgan", 0): first.metrics}, **TINY_GAN)
    assert comparison["runs"][("dcgan", 0)] is first.metrics  # reused, not retrained
    fcd = comparison["summary"]["dcgan"]["fcd"]
    values = [first.metrics["fcd"], comparison["runs"][("dcgan", 1)]["fcd"]]
    assert fcd["values"] == values and fcd["min"] <= fcd["mean"] <= fcd["max"]
    assert np.isclose(fcd["mean"], np.mean(values))
    with pytest.raises(ValueError, match="Expected GAN families. Received: 'cnn'"):
        gans.compare_across_seeds(("cnn",), seeds=(0,))


def test_gan_family_resumes_a_crashed_run_from_its_backup(tmp_path, fashion):
    wgan_gp = families.FAMILIES["wgan-gp"]
    settings = wgan_gp.FAST.replace(**TINY_GAN)
    with pytest.raises(RuntimeError, match="simulated crash"):
        wgan_gp.train(settings, out=tmp_path, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    assert (tmp_path / "wgan-gp_backup").exists()
    resumed = wgan_gp.train(settings, out=tmp_path, verbose=0, resume=True)
    assert resumed.metrics["epochs_run"] == 1  # only the epoch the crash cost
    # A finished run is not replaced by accident...
    with pytest.raises(runs.RunExistsError, match="already holds a wgan-gp run"):
        wgan_gp.train(settings, out=tmp_path, verbose=0)
    fresh = wgan_gp.train(settings, out=tmp_path, verbose=0, overwrite=True)
    assert fresh.metrics["epochs_run"] == 2  # ...and with overwrite, the old backup is not used


def test_generator_averaging_survives_a_resume_and_is_the_generator_scored(tmp_path, fashion):
    wgan_gp = families.FAMILIES["wgan-gp"]
    settings = wgan_gp.FAST.replace(generator_averaging=0.9, **TINY_GAN)
    with pytest.raises(RuntimeError, match="simulated crash"):
        wgan_gp.train(settings, out=tmp_path, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    resumed = wgan_gp.train(settings, out=tmp_path, verbose=0, resume=True)
    model = resumed.model
    assert model.generator_averaging == 0.9
    # The average's count came back with the backup: 4 generator steps an epoch, 2 epochs.
    assert float(model.average_updates) == 2 * (TINY_GAN["train_subset"] // TINY_GAN["batch_size"])
    for weight, average in zip(model.generator.trainable_variables, model.generator_average, strict=True):
        np.testing.assert_array_equal(np.array(weight), np.array(average))  # the scored generator is the average


def test_resume_with_other_settings_is_refused_naming_each_change(tmp_path, fashion):
    dcgan = families.FAMILIES["dcgan"]
    settings = dcgan.FAST.replace(**TINY_GAN)
    dcgan.train(settings, out=tmp_path, verbose=0, keep_backup=True)
    with pytest.raises(families.SettingsError, match=r"made with latent_dim=64, seed=0; this run asks for "
                                                     r"latent_dim=32, seed=3"):
        dcgan.train(settings.replace(latent_dim=32, epochs=3), seed=3, out=tmp_path, verbose=0, resume=True)
    more = dcgan.train(settings.replace(epochs=3), out=tmp_path, verbose=0, resume=True)  # epochs may grow
    assert more.metrics["epochs_run"] == 1


def test_a_failed_final_save_keeps_the_backup_to_resume_from(tmp_path, fashion, monkeypatch):
    from dlkit import saving

    def disk_full(model, path):
        raise OSError(28, "No space left on device", str(path))

    dcgan = families.FAMILIES["dcgan"]
    settings = dcgan.FAST.replace(**{**TINY_GAN, "train_subset": 128, "eval_images": 100, "epochs": 1})
    monkeypatch.setattr(saving, "save_model", disk_full)
    with pytest.raises(OSError, match="No space left"):
        dcgan.train(settings, out=tmp_path, verbose=0)
    assert (tmp_path / "dcgan_backup" / "latest.json").is_file()
    assert not (tmp_path / "dcgan.keras").exists()
    monkeypatch.undo()
    resumed = dcgan.train(settings, out=tmp_path, verbose=0, resume=True)
    assert resumed.metrics["epochs_run"] == 0 and (tmp_path / "dcgan.keras").is_file()
    assert not (tmp_path / "dcgan_backup").exists()  # removed once the model is saved


def test_dcgan_tensorboard_holds_losses_fcd_and_a_sample_image(tmp_path, fashion):
    """`dlkit train dcgan --fast --tensorboard DIR`, read back with TensorBoard's own event reader."""
    import io

    import tensorflow as tf
    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from dlkit import cli

    logs = tmp_path / "logs"
    argv = ["train", "dcgan", "--fast", "--out", str(tmp_path / "runs"), "--tensorboard", str(logs),
            "--epochs", "2", "--set", "train_subset=256", "--set", "eval_images=200"]
    assert cli.main(argv) == 0

    def read(split):
        events = EventAccumulator(str(logs / "dcgan" / split), size_guidance={"tensors": 0})
        events.Reload()
        return events

    train = read("train")
    for tag in ("epoch_d_loss", "epoch_g_loss", "epoch_loss"):
        values = [float(tf.make_ndarray(e.tensor_proto)) for e in train.Tensors(tag)]
        assert len(values) == 2 and np.all(np.isfinite(values)), (tag, values)
    samples = read("samples")
    fcd = [(e.step, float(tf.make_ndarray(e.tensor_proto))) for e in samples.Tensors("fcd")]
    assert [step for step, _ in fcd] == [0, 1] and all(0 < value < 1e4 for _, value in fcd)
    images = samples.Tensors("samples")
    assert [e.step for e in images] == [0, 1]
    width, height, png = tf.make_ndarray(images[-1].tensor_proto)
    grid = np.asarray(Image.open(io.BytesIO(png)))
    assert grid.shape[:2] == (int(height), int(width)) == (6 * 28, 6 * 28)
    # The image is the run's sample grid after epoch 2, the one also written as a PNG.
    written = np.asarray(Image.open(tmp_path / "runs" / "dcgan_samples" / "epoch_002.png"))
    np.testing.assert_array_equal(grid[..., 0] if grid.ndim == 3 else grid, written)


def test_deprecated_recipes_warn_and_keep_their_call_forms(fashion):
    from dlkit.recipes import gan as old

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = old.build_gan("wgan", latent_dim=8, critic_steps=3)
    assert loop.critic_steps == 3 and loop.clip_value == 0.01 and loop.latent_dim == 8
    assert not caught, "building is not deprecated, only the training recipes are"
    with pytest.raises(ValueError, match="kind='gan'"):
        old.build_gan("gan")
    # The old seed comparison keeps `kinds=` and summarises runs already made without training.
    made = {("dcgan", s): {"fcd": 100.0 + s, "coverage_entropy": 0.9, "classes_covered": 10,
                           "seconds_per_epoch": 1.0} for s in (0, 1)}
    summary = old.compare_across_seeds(kinds=("dcgan",), seeds=(0, 1), runs=made)["summary"]
    assert summary["dcgan"]["fcd"]["values"] == [100.0, 101.0]
    with pytest.raises(ValueError, match="kind='gan'"):
        old.compare_across_seeds(kinds=("gan",), seeds=(0,))


def test_gan_families_train_with_their_learning_rate(fashion):
    # #20's recipes: DCGAN and WGAN-GP at their own rates and batches; the clipped WGAN and the
    # conditional GAN keep the loops' published rates (None) and batch 64.
    chosen = {name: (families.FAMILIES[name].FULL.learning_rate, families.FAMILIES[name].FULL.batch_size)
              for name in ("dcgan", "wgan-gp", "wgan", "cgan")}
    assert chosen == {"dcgan": (6e-4, 32), "wgan-gp": (4e-4, 32), "wgan": (None, 64), "cgan": (None, 64)}
    dcgan = families.FAMILIES["dcgan"]
    result = dcgan.train(dcgan.FAST.replace(**TINY_GAN, learning_rate=6e-4), seed=0, verbose=0)
    for optimizer in (result.model.d_optimizer, result.model.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(6e-4)
    # `None` leaves the loop's published default (Radford et al.'s 2e-4 for the DCGAN game).
    cgan = families.FAMILIES["cgan"]
    result = cgan.train(cgan.FAST.replace(**{**TINY_GAN, "epochs": 1}, learning_rate=None), seed=0, verbose=0)
    assert float(result.model.g_optimizer.learning_rate) == pytest.approx(2e-4)
