import json
import subprocess
import sys

import numpy as np
import pytest

from dlkit import cli


def test_tour_data_stage_writes_report_and_metrics(tmp_path, fashion, spam_corpus):
    from dlkit.tour import run_tour

    metrics = run_tour(tmp_path, stages=["data"], seed=3)
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    assert saved["data"]["fashion_mnist"]["images_per_class_train"] == [6000] * 10
    assert saved["data"]["co2"]["start"].startswith("1958")
    assert saved["data"]["spam_assassin"] == {"messages": len(spam_corpus), "spam": int(spam_corpus.labels.sum()),
                                              "duplicates_dropped": spam_corpus.duplicates_dropped}
    assert "<th>SpamAssassin folder</th>" in html and "hard-ham-1" in html
    assert saved["environment"]["seed"] == 3
    assert saved["timings_seconds"]["data"] > 0


def test_unknown_stage_is_rejected(tmp_path):
    from dlkit.tour import run_tour

    with pytest.raises(ValueError, match="'gan9'"):
        run_tour(tmp_path, stages=["gan9"])


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["tour", "--seed", "-2"], "expected a non-negative integer, received '-2'"),
        (["tour", "--bogus"], "unrecognized arguments: --bogus"),
        (["fly"], "invalid choice: 'fly'"),
        (["train", "cnn", "--task", "words"], "--task: applies to lstm and gru only"),
        (["train", "dcgan", "--task", "co2"], "received family='dcgan' with --task co2"),
        (["tour", "--data-dir", "/no/such/dir"], "expected an existing directory, received '/no/such/dir'"),
        (["train", "cnn", "--data-dir", "/no/such/dir"], "expected an existing directory"),
    ],
)
def test_bad_command_lines_exit_with_one_line_error(argv, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_help_runs_as_a_console_command():
    result = subprocess.run(
        [sys.executable, "-m", "dlkit.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "tour" in result.stdout


def test_tour_fast_cnn_stage_writes_model_metrics_and_pictures(tmp_path, fashion):
    import keras

    from dlkit.tour import run_tour

    metrics = run_tour(tmp_path, fast=True, stages=["cnn"], seed=0)
    accuracy = metrics["cnn"]["test_accuracy"]
    assert 0.5 < accuracy <= 1.0  # one short epoch is still far above chance (0.1)
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["cnn"]["test_accuracy"] == accuracy
    model = keras.saving.load_model(tmp_path / "cnn.keras")
    assert model.output_shape == (None, 10)
    assert not (tmp_path / "cnn_backup").exists(), "a finished run leaves no backup behind"
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 3
    assert "Confusion matrix" in html


def test_train_cnn_command_saves_model_and_metrics(tmp_path, fashion, capsys):
    code = cli.main(["train", "cnn", "--fast", "--out", str(tmp_path), "--seed", "1"])
    assert code == 0
    metrics = json.loads((tmp_path / "cnn_metrics.json").read_text())
    assert metrics["epochs_run"] == 1 and metrics["test_accuracy"] > 0.5
    assert (tmp_path / "cnn.keras").is_file()
    assert "test accuracy" in capsys.readouterr().out

    # The same command again must not replace that run: refused in one line, nothing touched.
    saved = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert cli.main(["train", "cnn", "--fast", "--out", str(tmp_path), "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path} already holds a cnn run" in err
    assert "--resume" in err and "--overwrite" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == saved
    # --overwrite replaces it, on purpose.
    assert cli.main(["train", "cnn", "--fast", "--out", str(tmp_path), "--seed", "2", "--overwrite"]) == 0
    assert (tmp_path / "cnn.keras").read_bytes() != saved["cnn.keras"]
    assert json.loads((tmp_path / "cnn_run.json").read_text())["seed"] == 2


def test_commands_start_quietly_and_verbose_shows_tensorflow_logs(tmp_path):
    """A command prints its own line only; TensorFlow's start-up lines need --verbose."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    # --resume with nothing to resume: TensorFlow is imported, then the command stops at once.
    argv = [sys.executable, "-m", "dlkit.cli", "train", "cnn", "--resume", "--out", str(tmp_path)]
    quiet = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 2
    assert quiet.stderr.splitlines() == [quiet.stderr.strip()], quiet.stderr
    assert quiet.stderr.startswith("dlkit: error: nothing to resume")
    verbose = subprocess.run([*argv, "--verbose"], env=env, capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 2
    assert len(verbose.stderr.splitlines()) > 1, "TensorFlow printed nothing with --verbose"


def test_importing_dlkit_changes_no_logging_setting_or_environment_variable():
    """A notebook's `import dlkit` leaves the user's logging and environment as they were."""
    import subprocess
    import sys

    code = """
import logging, os, pkgutil, importlib
import tensorflow, keras  # their own import-time settings are not dlkit's
def snapshot():
    loggers = {name: logging.getLogger(name).level for name in ("", "tensorflow", "absl", "keras", "h5py")}
    return dict(os.environ), loggers, logging.getLogger().handlers[:]
before = snapshot()
import dlkit
for module in pkgutil.walk_packages(dlkit.__path__, "dlkit."):
    importlib.import_module(module.name)
assert snapshot() == before, "importing dlkit changed a logging setting or the environment"
print("unchanged")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "unchanged" in result.stdout, result.stderr[-2000:]


def test_train_cnn_resume_continues_a_finished_run_to_more_epochs(tmp_path, fashion, capsys):
    """`dlkit train cnn --epochs 1`, then `--epochs 2 --resume`: only epoch 2 is trained."""
    import keras

    out = ["--fast", "--out", str(tmp_path), "--seed", "0"]
    assert cli.main(["train", "cnn", "--epochs", "1", *out]) == 0
    first = keras.saving.load_model(tmp_path / "cnn.keras").get_weights()
    assert (tmp_path / "cnn_backup" / "latest.json").is_file(), "the command line keeps its backup"
    assert cli.main(["train", "cnn", "--epochs", "2", "--resume", *out]) == 0
    metrics = json.loads((tmp_path / "cnn_metrics.json").read_text())
    assert metrics["epochs_run"] == 1, "the resumed run trains epoch 2 only"
    assert json.loads((tmp_path / "cnn_backup" / "latest.json").read_text())["epoch"] == 2
    second = keras.saving.load_model(tmp_path / "cnn.keras").get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert "nothing left to train" not in capsys.readouterr().err
    # Asking again for 2 epochs finds nothing left to do and says so.
    assert cli.main(["train", "cnn", "--epochs", "2", "--resume", *out]) == 0
    assert "nothing left to train" in capsys.readouterr().err
    # Another seed is another run: refused in one line, the backup untouched.
    assert cli.main(["train", "cnn", "--epochs", "3", "--resume", "--fast", "--out", str(tmp_path),
                     "--seed", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it was made with seed=0; this run asks for seed=1" in err
    assert json.loads((tmp_path / "cnn_backup" / "latest.json").read_text())["epoch"] == 2


@pytest.mark.parametrize("argv", [["dcgan"], ["forecaster", "--set", "cell=gru"]])
def test_resume_with_no_epoch_left_is_a_clean_finish(argv, tmp_path, fashion, capsys):
    out = ["--fast", "--epochs", "1", "--out", str(tmp_path)]
    assert cli.main(["train", *argv, *out]) == 0
    assert cli.main(["train", *argv, *out, "--resume"]) == 0
    assert "nothing left to train" in capsys.readouterr().err
    text = (tmp_path / f"{argv[0]}_metrics.json").read_text()
    metrics = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert metrics["epochs_run"] == 0


def test_train_rejects_unknown_family_and_bad_epochs(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "transformer"])
    assert "invalid choice: 'transformer'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "cnn", "--epochs", "0"])
    assert "expected a positive integer, received '0'" in capsys.readouterr().err


def test_missing_data_is_one_line_naming_where_it_looked(tmp_path, isolated_lookup, monkeypatch, capsys):
    monkeypatch.setenv("DLKIT_OFFLINE", "1")
    empty = tmp_path / "empty"
    empty.mkdir()
    code = cli.main(["train", "cnn", "--fast", "--data-dir", str(empty), "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("dlkit: error: Fashion-MNIST was not found in ")
    assert str(empty) in err and "apt-get install dataset-fashion-mnist" in err


@pytest.mark.parametrize("argv, family, cell", [
    (["lstm"], "forecaster", "lstm"),  # --task defaulted to co2
    (["gru", "--task", "words"], "char-lm", "gru"),
    (["lstm", "--task", "memory"], "memory", "lstm"),
])
def test_the_old_lstm_gru_task_form_maps_to_a_family_with_a_deprecation_line(argv, family, cell, capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["train", *argv])
    cli._settings(args.train_parser, args)
    assert args.family == family and args.settings.cell == cell
    assert f"use `train {family} --set cell={cell}`" in capsys.readouterr().err


def test_train_gru_forecaster_fast_saves_a_loadable_forecaster(tmp_path):
    import keras

    argv = ["train", "forecaster", "--set", "cell=gru", "--fast", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    metrics = json.loads((tmp_path / "forecaster_metrics.json").read_text())
    assert 0 < metrics["test_mae"] < 10 and metrics["settings"]["cell"] == "gru"
    model = keras.saving.load_model(tmp_path / "forecaster.keras")
    assert model.output_shape == (None, 26, 1)
    assert any("gru" in layer.name for layer in model.layers)


def test_train_dcgan_fast_saves_model_gif_and_quality(tmp_path, fashion):
    import keras

    from dlkit.models import gan

    assert cli.main(["train", "dcgan", "--fast", "--out", str(tmp_path), "--seed", "2"]) == 0
    metrics = json.loads((tmp_path / "dcgan_metrics.json").read_text())
    assert metrics["fcd"] > 0 and 0 <= metrics["coverage_entropy"] <= 1
    assert sum(metrics["class_counts"]) == 1000
    loaded = keras.saving.load_model(tmp_path / "dcgan.keras")
    assert isinstance(loaded, gan.DCGAN)
    assert (tmp_path / "dcgan_progress.gif").is_file()
    assert (tmp_path / "dcgan_samples" / "epoch_001.png").is_file()
