import numpy as np
import pytest

from dlkit import runs
from dlkit.recipes import rnn as recipes


def test_co2_windows_relative_form_is_exactly_invertible():
    w = recipes.prepare_co2_windows(recipes.CO2_FAST)
    last = w["x_test"][:, -1:, :]
    np.testing.assert_allclose(w["ry_test"] * w["scale"] + last, w["y_test"], atol=1e-4)
    assert (w["rx_train"][:, -1, 0] == 0).all()
    # The recorded origins point at each test window's first target week.
    series = w["series"].to_numpy()
    np.testing.assert_allclose(series[w["test_origins"]], w["y_test"][:, 0, 0], atol=1e-4)


def test_split_words_is_seeded_and_disjoint():
    words = [f"w{i}" for i in range(100)]
    train, val = recipes.split_words(words, 0.2, seed=3)
    assert len(val) == 20 and not set(train) & set(val) and set(train) | set(val) == set(words)
    assert recipes.split_words(words, 0.2, seed=3) == (train, val)


def test_memory_recipe_smoke():
    result = recipes.train_memory_task("gru", fast=True, length=20)
    m = result.metrics
    assert np.isfinite(m["validation_mse"]) and 0 <= m["validation_accuracy"] <= 1
    assert len(result.history["val_loss"]) == 1


def test_gan_recipe_tracks_quality_per_epoch_and_compares_seeds(fashion):
    from dlkit.recipes import gan

    tiny = {"train_subset": 256, "eval_images": 200, "batch_size": 64, "epochs": 2}
    first = gan.train_gan("dcgan", fast=True, seed=0, verbose=0, track_quality=True, **tiny)
    quality = first.extras["quality"]
    assert [q["epoch"] for q in quality] == [1, 2]
    assert all(np.isfinite(q["fcd"]) and 0 <= q["coverage_entropy"] <= 1 and "d_loss" in q for q in quality)
    before = first.extras["initial_weights"]["generator"]
    assert any(not np.array_equal(a, b) for a, b in zip(before, first.model.generator.get_weights(), strict=True))

    comparison = gan.compare_across_seeds(("dcgan",), seeds=(0, 1), fast=True,
                                          runs={("dcgan", 0): first.metrics}, **tiny)
    assert comparison["runs"][("dcgan", 0)] is first.metrics  # reused, not retrained
    fcd = comparison["summary"]["dcgan"]["fcd"]
    values = [first.metrics["fcd"], comparison["runs"][("dcgan", 1)]["fcd"]]
    assert fcd["values"] == values and fcd["min"] <= fcd["mean"] <= fcd["max"]
    assert np.isclose(fcd["mean"], np.mean(values))
    with pytest.raises(ValueError, match="kind='gan'"):
        gan.compare_across_seeds(("gan",), seeds=(0,))


def test_gan_recipe_resumes_a_crashed_run_from_its_backup(tmp_path, fashion):
    import keras

    from dlkit.recipes import gan

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise RuntimeError("simulated crash after epoch 1")

    tiny = {"train_subset": 256, "eval_images": 200, "batch_size": 64, "epochs": 2}
    with pytest.raises(RuntimeError, match="simulated crash"):
        gan.train_gan("wgan-gp", fast=True, out=tmp_path, verbose=0, callbacks=[Crash()], **tiny)
    assert (tmp_path / "wgan-gp_backup").exists()
    resumed = gan.train_gan("wgan-gp", fast=True, out=tmp_path, verbose=0, resume=True, **tiny)
    assert resumed.metrics["epochs_run"] == 1  # only the epoch the crash cost
    # A finished run is not replaced by accident...
    with pytest.raises(runs.RunExistsError, match="already holds a wgan-gp run"):
        gan.train_gan("wgan-gp", fast=True, out=tmp_path, verbose=0, **tiny)
    fresh = gan.train_gan("wgan-gp", fast=True, out=tmp_path, verbose=0, overwrite=True, **tiny)
    assert fresh.metrics["epochs_run"] == 2  # ...and with overwrite, the old backup is not used


def test_a_failed_final_save_keeps_the_backup_to_resume_from(tmp_path, fashion, monkeypatch):
    from dlkit import saving
    from dlkit.recipes import gan

    def disk_full(model, path):
        raise OSError(28, "No space left on device", str(path))

    tiny = {"train_subset": 128, "eval_images": 100, "batch_size": 64, "epochs": 1}
    monkeypatch.setattr(saving, "save_model", disk_full)
    with pytest.raises(OSError, match="No space left"):
        gan.train_gan("dcgan", fast=True, out=tmp_path, verbose=0, **tiny)
    assert (tmp_path / "dcgan_backup" / "latest.json").is_file()
    assert not (tmp_path / "dcgan.keras").exists()
    monkeypatch.undo()
    resumed = gan.train_gan("dcgan", fast=True, out=tmp_path, verbose=0, resume=True, **tiny)
    assert resumed.metrics["epochs_run"] == 0 and (tmp_path / "dcgan.keras").is_file()
    assert not (tmp_path / "dcgan_backup").exists()  # removed once the model is saved
