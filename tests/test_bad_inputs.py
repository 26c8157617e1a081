"""Bad input, clear errors: one row per mistake a user makes, across the public API.

Every row names the call, the exception type it must raise, and fragments
the message must contain: the argument's name and the value received (in the
package's "Expected ... Received: arg=value" form), so that the error says
what to fix without a look at the source.
"""

import gzip
from pathlib import Path

import numpy as np
import pytest

from dlkit import cli, data, evaluation, runs, saving
from dlkit.callbacks import ResumableBackup
from dlkit.data import CorruptDataError, DataNotFoundError, fashion_mnist
from dlkit.models import cnn, gan, rnn
from dlkit.saving import CorruptFileError


def _images(shape=(4, 28, 28, 1), low=-1.0, high=1.0, dtype="float32"):
    return np.random.default_rng(0).uniform(low, high, shape).astype(dtype)


def _generator(latent_dim=8):
    return gan.build_dcgan_generator(latent_dim, image_shape=(8, 8, 1), filters=(4, 2))


def _discriminator(image_shape=(8, 8, 1)):
    return gan.build_dcgan_discriminator(image_shape, filters=(2, 4))


def _critic():
    return gan.build_wgan_critic((8, 8, 1), filters=(2, 4))


def _truncated_fashion_mnist(tmp_path):
    """A directory with all four IDX files, the training images cut short."""
    for name in fashion_mnist._FILES:
        with gzip.open(tmp_path / f"{name}.gz", "wb") as f:
            f.write(b"\x00\x00\x08\x03" + b"\x00" * 64)
    return tmp_path


def _not_gzip_fashion_mnist(tmp_path):
    for name in fashion_mnist._FILES:
        (tmp_path / f"{name}.gz").write_bytes(b"this is not gzip data")
    return tmp_path


def _tiny_gan():
    return gan.DCGAN(_generator(), _discriminator(), 8)


def _fit_gan(images):
    model = _tiny_gan()
    model.compile()
    return model.fit(images, batch_size=2, epochs=1, shuffle=False, verbose=0)


def _a_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a directory")
    return path


def _unwritable_dir(tmp_path):
    """A directory nobody may write to (root ignores permission bits: /sys refuses even root)."""
    import os

    if os.geteuid() == 0:
        return Path("/sys/dlkit-test-out")
    path = tmp_path / "read-only"
    path.mkdir()
    path.chmod(0o500)
    return path


def _finished_cnn_run(tmp_path):
    for name in ("cnn.keras", "cnn_metrics.json"):
        (tmp_path / name).write_text("{}")
    return tmp_path


def _truncated(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _saved_tiny_model(tmp_path):
    import keras

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    return saving.save_model(model, tmp_path / "tiny.keras")


def _backup_of_a_tiny_fit(tmp_path):
    """A `ResumableBackup` directory after one epoch of a tiny model, and that model's maker."""
    import keras

    def make():
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
        model.compile(optimizer="adam", loss="mse")
        return model

    directory = tmp_path / "backup"
    x, y = np.ones((4, 3), np.float32), np.ones((4, 1), np.float32)
    make().fit(x, y, epochs=1, verbose=0, callbacks=[ResumableBackup(directory, delete_checkpoint=False)])
    return directory, make, (x, y)


def _resume_from_damaged_backup(tmp_path, damage):
    directory, make, (x, y) = _backup_of_a_tiny_fit(tmp_path)
    damage(directory)
    make().fit(x, y, epochs=2, verbose=0, callbacks=[ResumableBackup(directory)])


def _newest(directory, name):
    return next(directory.glob(f"epoch_*/{name}"))


def _tampered_evaluator(tmp_path):
    from unittest import mock

    from dlkit.evaluation import gan as gan_metrics

    copy = tmp_path / "fashion_mnist_evaluator.weights.h5"
    data = bytearray(gan_metrics.EVALUATOR_WEIGHTS.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size: only a checksum sees it
    copy.write_bytes(bytes(data))
    gan_metrics.load_evaluator.cache_clear()
    try:
        with mock.patch.object(gan_metrics, "EVALUATOR_WEIGHTS", copy):
            gan_metrics.load_evaluator()
    finally:
        gan_metrics.load_evaluator.cache_clear()


def _empty_word_list(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("123\nn't\n\n")
    return path


# (id, call(tmp_path), exception type, fragments every message must contain)
CASES = [
    # --- loaders and pipelines -------------------------------------------------------------
    ("fashion_missing_dir", lambda t: data.load_fashion_mnist(data_dir=t / "nowhere", download=False),
     DataNotFoundError, ["data_dir=", "nowhere"]),
    ("fashion_truncated_file", lambda t: data.load_fashion_mnist(data_dir=_truncated_fashion_mnist(t),
                                                                 download=False),
     CorruptDataError, ["train-images-idx3-ubyte.gz", "Received: 68 bytes"]),
    ("fashion_not_gzip", lambda t: data.load_fashion_mnist(data_dir=_not_gzip_fashion_mnist(t),
                                                           download=False),
     CorruptDataError, ["idx", ".gz", "could not be read"]),
    ("words_missing_file", lambda t: data.load_words(path=t / "no_words.txt"),
     DataNotFoundError, ["path=", "no_words.txt"]),
    ("words_no_usable_word", lambda t: data.load_words(path=_empty_word_list(t)),
     ValueError, ["path=", "words.txt"]),
    ("words_min_length_zero", lambda t: data.load_words(min_length=0), ValueError, ["min_length=0"]),
    ("words_contradictory_lengths", lambda t: data.load_words(min_length=5, max_length=3),
     ValueError, ["min_length=5", "max_length=3"]),
    ("scale_float_images", lambda t: data.scale_images(_images()), ValueError,
     ["images", "dtype=float32"]),
    ("scale_rank_2_images", lambda t: data.scale_images(np.zeros((28, 28), np.uint8)), ValueError,
     ["images", "shape=(28, 28)"]),
    ("scale_unknown_range", lambda t: data.scale_images(np.zeros((2, 4, 4), np.uint8), "tanh"),
     ValueError, ["value_range='tanh'"]),
    ("dataset_batch_size_zero",
     lambda t: data.make_image_dataset(np.zeros((2, 4, 4), np.uint8), batch_size=0),
     ValueError, ["batch_size=0"]),
    ("dataset_labels_wrong_length",
     lambda t: data.make_image_dataset(np.zeros((3, 4, 4), np.uint8), np.zeros(2, int)),
     ValueError, ["labels", "shape=(2,)"]),
    ("windows_non_positive_width", lambda t: data.make_windows(np.arange(10.0), 0, 2),
     ValueError, ["input_width=0"]),
    ("windows_series_too_short", lambda t: data.make_windows(np.arange(5.0), 4, 3),
     ValueError, ["series", "5 steps"]),
    ("windows_nan_in_series",
     lambda t: data.make_windows(np.where(np.arange(20) == 7, np.nan, np.arange(20.0)), 4, 2),
     ValueError, ["series", "NaN", "first at step 7"]),
    ("windows_infinite_series", lambda t: data.make_windows(np.full(10, np.inf), 4, 2),
     ValueError, ["series", "10 steps with NaN or infinite"]),
    ("split_contradictory_fractions", lambda t: data.chronological_split(np.arange(10), 0.7, 0.4),
     ValueError, ["train_fraction=0.7", "validation_fraction=0.4"]),
    ("vocabulary_unknown_character", lambda t: data.CharVocabulary("ab").encode("abc"),
     ValueError, ["word='abc'", "'c'"]),
    # --- builders -----------------------------------------------------------------------------
    ("cnn_rank_2_input", lambda t: cnn.build_cnn_classifier((28, 28), 10), ValueError,
     ["input_shape=(28, 28)"]),
    ("cnn_one_class", lambda t: cnn.build_cnn_classifier((28, 28, 1), 1), ValueError,
     ["num_classes=1"]),
    ("cnn_unknown_preset", lambda t: cnn.build_cnn_classifier(preset="huge"), ValueError,
     ["preset='huge'"]),
    ("cnn_unknown_pooling", lambda t: cnn.build_cnn_classifier(pooling="median"), ValueError,
     ["pooling='median'"]),
    ("cnn_dropout_out_of_range", lambda t: cnn.build_cnn_classifier(dropout_rate=1.5), ValueError,
     ["dropout_rate=1.5"]),
    ("cnn_zero_filters", lambda t: cnn.build_cnn_classifier(filters=(32, 0)), ValueError,
     ["filters=(32, 0)"]),
    ("cnn_input_too_small", lambda t: cnn.build_cnn_classifier((4, 4, 1), 10, filters=(8, 16, 32)),
     ValueError, ["input_shape=(4, 4, 1)"]),
    ("cnn_unknown_keyword", lambda t: cnn.build_cnn_classifier(num_filters=3), ValueError,
     ["num_filters"]),
    ("rnn_unknown_cell", lambda t: rnn.build_rnn_classifier((10, 3), 2, cell="transformer"),
     ValueError, ["cell='transformer'"]),
    ("rnn_zero_units", lambda t: rnn.build_rnn_classifier((10, 3), 2, units=0), ValueError,
     ["units=0"]),
    ("rnn_bidirectional_not_bool", lambda t: rnn.build_rnn_classifier((10, 3), 2, bidirectional="yes"),
     ValueError, ["bidirectional='yes'"]),
    ("rnn_rank_3_input", lambda t: rnn.build_rnn_classifier((28, 28, 1), 10), ValueError,
     ["input_shape=(28, 28, 1)"]),
    ("forecaster_more_targets_than_features",
     lambda t: rnn.build_rnn_forecaster(10, 2, 3, num_targets=3), ValueError,
     ["num_targets=3", "num_features=2"]),
    ("char_lm_vocab_too_small", lambda t: rnn.build_char_language_model(2), ValueError,
     ["vocab_size=2"]),
    ("generator_size_not_divisible", lambda t: gan.build_dcgan_generator(8, image_shape=(30, 30, 1)),
     ValueError, ["image_shape=(30, 30, 1)"]),
    ("generator_negative_latent", lambda t: gan.build_dcgan_generator(-1), ValueError,
     ["latent_dim=-1"]),
    ("critic_unknown_normalization", lambda t: gan.build_wgan_critic(normalization="batch"),
     ValueError, ["normalization='batch'"]),
    ("discriminator_image_too_small", lambda t: gan.build_dcgan_discriminator((2, 2, 1)), ValueError,
     ["image_shape=(2, 2, 1)"]),
    ("discriminator_float_filters", lambda t: gan.build_dcgan_discriminator(filters=(64.0, 128)),
     ValueError, ["filters=(64.0, 128)"]),
    # --- the GAN classes ----------------------------------------------------------------------
    ("dcgan_zero_latent", lambda t: gan.DCGAN(_generator(), _discriminator(), 0), ValueError,
     ["latent_dim=0"]),
    ("dcgan_latent_mismatch", lambda t: gan.DCGAN(_generator(8), _discriminator(), 16), ValueError,
     ["latent_dim=16", "8"]),
    ("dcgan_not_a_model", lambda t: gan.DCGAN("generator.keras", _discriminator(), 8), ValueError,
     ["generator=str"]),
    ("wgan_zero_critic_steps", lambda t: gan.WGAN(_generator(), _critic(), 8, critic_steps=0),
     ValueError, ["critic_steps=0"]),
    ("wgan_penalty_and_clipping",
     lambda t: gan.WGAN(_generator(), _critic(), 8, gradient_penalty_weight=10.0, clip_value=0.01),
     ValueError, ["gradient_penalty_weight=10.0", "clip_value=0.01"]),
    ("wgan_negative_clip", lambda t: gan.WGAN(_generator(), _critic(), 8, gradient_penalty_weight=0,
                                              clip_value=-1.0),
     ValueError, ["clip_value=-1.0"]),
    ("wgan_negative_penalty",
     lambda t: gan.WGAN(_generator(), _critic(), 8, gradient_penalty_weight=-1.0), ValueError,
     ["gradient_penalty_weight=-1.0"]),
    ("dcgan_negative_seed", lambda t: gan.DCGAN(_generator(), _discriminator(), 8, seed=-1), ValueError,
     ["seed=-1"]),
    ("dcgan_fit_uint8_images", lambda t: _fit_gan(np.zeros((4, 8, 8, 1), np.uint8)), ValueError,
     ["dtype=uint8", "[-1, 1]", "scale_images"]),
    ("dcgan_fit_images_in_0_255", lambda t: _fit_gan(_images((4, 8, 8, 1), 0.0, 255.0)), ValueError,
     ["[-1, 1]", "Received: values in [0"]),
    ("dcgan_fit_nan_images", lambda t: _fit_gan(np.full((4, 8, 8, 1), np.nan, np.float32)), ValueError,
     ["finite", "256 NaN or infinite values"]),
    ("dcgan_fit_uint8_dataset",
     lambda t: _fit_gan(__import__("tensorflow").data.Dataset.from_tensor_slices(
         np.zeros((4, 8, 8, 1), np.uint8)).batch(2)),
     ValueError, ["dtype=uint8", "scale_images"]),
    ("generate_zero_images", lambda t: gan.DCGAN(_generator(), _discriminator(), 8).generate(0),
     ValueError, ["n=0"]),
    # --- evaluation ---------------------------------------------------------------------------
    ("fcd_wrong_image_size",
     lambda t: evaluation.frechet_classifier_distance(_images((4, 32, 32, 1)), _images()),
     ValueError, ["real_images", "shape=(4, 32, 32, 1)"]),
    ("fcd_fake_out_of_range",
     lambda t: evaluation.frechet_classifier_distance(_images(), _images(low=0.0, high=2.0)),
     ValueError, ["fake_images", "[-1, 1]", "Received: values in"]),
    ("coverage_integer_images",
     lambda t: evaluation.class_coverage(np.zeros((4, 28, 28, 1), np.int64)), ValueError,
     ["fake_images", "dtype=int64"]),
    ("coverage_one_image", lambda t: evaluation.class_coverage(_images((1, 28, 28, 1))), ValueError,
     ["fake_images", "Received: 1"]),
    ("coverage_nan_images",
     lambda t: evaluation.class_coverage(np.full((4, 28, 28, 1), np.nan, np.float32)), ValueError,
     ["fake_images", "NaN"]),
    ("coverage_one_class", lambda t: evaluation.class_coverage(_images(), num_classes=1), ValueError,
     ["num_classes=1"]),
    ("accuracy_float_labels", lambda t: evaluation.accuracy(np.array([0.0, 1.0]), np.array([0, 1])),
     ValueError, ["y_true", "dtype=float64"]),
    ("accuracy_length_mismatch", lambda t: evaluation.accuracy(np.array([0, 1, 2]), np.array([0, 1])),
     ValueError, ["y_true", "y_pred", "3 and 2"]),
    ("mae_shape_mismatch", lambda t: evaluation.mae(np.zeros(3), np.zeros(4)), ValueError,
     ["y_true", "y_pred", "(3,) and (4,)"]),
    ("naive_forecast_zero_horizon", lambda t: evaluation.naive_forecast(np.zeros((2, 5, 1)), 0),
     ValueError, ["horizon=0"]),
    ("seasonal_naive_season_too_long",
     lambda t: evaluation.seasonal_naive_forecast(np.zeros((2, 5, 1)), 3, 52), ValueError,
     ["season=52"]),
    ("ngram_zero_order", lambda t: evaluation.CharNGramModel(order=0), ValueError, ["order=0"]),
    ("evaluator_weights_tampered", _tampered_evaluator, CorruptFileError,
     ["fashion_mnist_evaluator.weights.h5", "SHA-256", "corrupt"]),
    # --- output directories, saved files and backups ----------------------------------------------
    ("output_is_a_file", lambda t: runs.prepare_output(_a_file(t), "cnn"), runs.OutputError,
     ["notes.txt", "which is a file"]),
    ("output_not_writable", lambda t: runs.prepare_output(_unwritable_dir(t), "cnn"), runs.OutputError,
     ["Expected a writable output directory", "Received:"]),
    ("output_holds_the_run", lambda t: runs.prepare_output(_finished_cnn_run(t), "cnn"),
     runs.RunExistsError, ["already holds a cnn run", "cnn.keras", "--resume", "--overwrite", "--out"]),
    ("output_resume_without_backup", lambda t: runs.prepare_output(t, "cnn", resume=True),
     runs.NothingToResumeError, ["nothing to resume", "cnn_backup is missing"]),
    ("output_resume_and_overwrite", lambda t: runs.prepare_output(t, "cnn", resume=True, overwrite=True),
     runs.OutputError, ["resume and overwrite"]),
    ("load_truncated_keras_file", lambda t: saving.load_model(_truncated(_saved_tiny_model(t))),
     CorruptFileError, ["tiny.keras", "corrupt or truncated"]),
    ("load_missing_keras_file", lambda t: saving.load_model(t / "none.keras"), FileNotFoundError,
     ["none.keras"]),
    ("backup_truncated_weights",
     lambda t: _resume_from_damaged_backup(t, lambda d: _truncated(_newest(d, "state.weights.h5"))),
     CorruptFileError, ["state.weights.h5", "corrupt or truncated"]),
    ("backup_truncated_random_state",
     lambda t: _resume_from_damaged_backup(t, lambda d: _truncated(_newest(d, "rng_state.npz"))),
     CorruptFileError, ["rng_state.npz", "corrupt or truncated"]),
    ("backup_corrupt_pointer",
     lambda t: _resume_from_damaged_backup(t, lambda d: (d / "latest.json").write_text('{"epoch": 1,')),
     CorruptFileError, ["latest.json", "not valid JSON"]),
]


@pytest.mark.parametrize("call, error, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(isolated_lookup, call, error, fragments):
    # isolated_lookup: no standard Fashion-MNIST location holds data, so only data_dir counts.
    with pytest.raises(error) as info:
        call(isolated_lookup)
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"{missing} not in the message: {message}"
    assert any(word in message for word in ("Expected", "not found", "corrupt", "could not",
                                             "already holds", "nothing to resume")), message
    assert "\n" not in message.strip() or error is DataNotFoundError  # one line (that one has a summary)


# The command line: argparse turns each into exit code 2 and one "dlkit ...: error:" line.
CLI_CASES = [
    ("zero_epochs", ["train", "cnn", "--epochs", "0"], ["--epochs", "'0'"]),
    ("text_batch_size", ["train", "cnn", "--batch-size", "big"], ["--batch-size", "'big'"]),
    ("negative_seed", ["tour", "--seed", "-2"], ["--seed", "'-2'"]),
    ("unknown_family", ["train", "transformer"], ["FAMILY", "'transformer'"]),
    ("unknown_task", ["train", "lstm", "--task", "poetry"], ["--task", "'poetry'"]),
    ("unknown_command", ["fly"], ["'fly'"]),
    ("unknown_option", ["tour", "--bogus"], ["--bogus"]),
]


@pytest.mark.parametrize("argv, fragments", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_bad_command_line_exits_2_with_one_line(argv, fragments, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if "error:" in line]
    assert len(error_lines) == 1, err
    assert all(f in error_lines[0] for f in fragments), error_lines[0]


# Mistakes found while running: exit 1, or 2 where the command line must change; one line, no traceback.
def _cli_out_holding_a_cnn_run(t):
    return ["train", "cnn", "--fast", "--out", str(_finished_cnn_run(t))]


def _cli_corrupt_run_settings(t):
    (t / "cnn_backup").mkdir()
    (t / "cnn_backup" / "latest.json").write_text('{"epoch": 1, "folder": "epoch_00001"}')
    (t / "cnn_run.json").write_text("{not json")
    return ["train", "cnn", "--fast", "--resume", "--out", str(t)]


def _cli_corrupt_backup_pointer(t):
    (t / "cnn_backup").mkdir()
    (t / "cnn_backup" / "latest.json").write_text("[1, 2")
    return ["train", "cnn", "--fast", "--resume", "--out", str(t)]


CLI_RUNTIME_CASES = [
    ("out_is_a_file", lambda t: ["train", "cnn", "--out", str(_a_file(t))], 2, ["--out", "which is a file"]),
    ("out_not_writable", lambda t: ["tour", "--fast", "--out", str(_unwritable_dir(t))], 2,
     ["writable output directory"]),
    ("out_holds_the_run", _cli_out_holding_a_cnn_run, 2, ["already holds a cnn run", "--overwrite"]),
    ("tour_out_holds_a_tour",
     lambda t: (t / "report.html").write_text("<html>") and ["tour", "--fast", "--out", str(t)], 2,
     ["already holds a tour run", "report.html", "--overwrite"]),
    ("resume_with_nothing", lambda t: ["train", "dcgan", "--fast", "--resume", "--out", str(t)], 2,
     ["nothing to resume", "dcgan_backup"]),
    ("resume_corrupt_run_settings", _cli_corrupt_run_settings, 1, ["cnn_run.json", "not valid JSON"]),
    ("resume_corrupt_backup_pointer", _cli_corrupt_backup_pointer, 1, ["latest.json", "not valid JSON"]),
]


@pytest.mark.parametrize("make_argv, code, fragments", [c[1:] for c in CLI_RUNTIME_CASES],
                         ids=[c[0] for c in CLI_RUNTIME_CASES])
def test_command_line_failures_are_one_line_with_the_right_status(tmp_path, make_argv, code, fragments,
                                                                 capsys, fashion):
    argv = make_argv(tmp_path)
    try:
        status = cli.main(argv)
    except SystemExit as e:  # argparse's own errors
        status = e.code
    err = capsys.readouterr().err
    assert status == code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0], err
    assert all(f in lines[0] for f in fragments), lines[0]


def test_the_table_covers_every_area():
    areas = {"fashion", "words", "scale", "cnn", "rnn", "generator", "dcgan", "wgan", "fcd", "coverage",
             "accuracy", "windows", "output", "load", "backup", "evaluator"}
    ids = [c[0] for c in CASES]
    assert all(any(i.startswith(area) for i in ids) for area in areas)
    assert len(CASES) + len(CLI_CASES) >= 30
