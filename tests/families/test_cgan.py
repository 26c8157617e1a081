"""The conditional GAN family end to end: `dlkit train cgan --fast`, its files and metrics, resume."""

import json

import pytest

from dlkit import cli, families, saving
from tests.families import CrashAfterFirstEpoch


def test_cli_fast_run_writes_a_loadable_model_and_per_class_quality(tmp_path, fashion, capsys):
    assert cli.main(["train", "cgan", "--fast", "--out", str(tmp_path)]) == 0
    assert "the class asked for" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "cgan_metrics.json").read_text())
    assert metrics["game"] == "dcgan" and len(metrics["per_class_accuracy"]) == 10
    assert 0 <= metrics["class_accuracy"] <= 1 and metrics["fcd"] > 0
    assert sorted(p.name for p in (tmp_path / "cgan_samples").iterdir()) == ["epoch_001.png"]
    assert (tmp_path / "cgan_progress.gif").stat().st_size > 0
    model = saving.load_model(tmp_path / "cgan.keras")
    assert model.generate(2, seed=0, labels=[5, 9]).shape == (2, 28, 28, 1)


def test_a_crashed_wgan_gp_run_resumes_from_its_backup(tmp_path, fashion):
    family = families.FAMILIES["cgan"]
    settings = family.FAST.replace(game="wgan-gp", epochs=2, train_subset=256, eval_images=100)
    with pytest.raises(RuntimeError, match="simulated crash"):
        family.train(settings, out=tmp_path, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    assert (tmp_path / "cgan_backup").exists()
    resumed = family.train(settings, out=tmp_path, verbose=0, resume=True)
    assert resumed.metrics["epochs_run"] == 1 and resumed.model.game == "wgan-gp"
