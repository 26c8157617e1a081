"""Settings: validated when made, an unknown name is an error that names it, from Python and the CLI."""

import dataclasses

import pytest

from dlkit import cli, families
from dlkit.families import SettingsError

ALL = list(families.FAMILIES.values())


@pytest.mark.parametrize("family", ALL, ids=lambda f: f.name)
def test_every_family_has_frozen_valid_full_and_fast_settings(family):
    assert type(family.FULL) is family.Settings and type(family.FAST) is family.Settings
    assert dataclasses.is_dataclass(family.FULL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        family.FULL.epochs = 3
    # The smoke run is smaller than the full run somewhere that costs time.
    assert family.FAST != family.FULL
    assert family.FULL.replace() == family.FULL


@pytest.mark.parametrize("family", ALL, ids=lambda f: f.name)
def test_a_misspelt_name_is_an_error_naming_it_and_the_right_one(family):
    with pytest.raises(SettingsError, match=r"has no setting 'epoch'\. Did you mean 'epochs'\?") as info:
        family.FULL.replace(epoch=3)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    with pytest.raises(TypeError, match="batchsize"):  # dataclasses.replace: by construction
        dataclasses.replace(family.FULL, batchsize=32)


# (family, field, bad value): every kind of check the settings make.
OUT_OF_RANGE = [
    ("cnn", "epochs", 0), ("cnn", "batch_size", -32), ("cnn", "learning_rate", 0.0),
    ("cnn", "preset", "huge"), ("cnn", "train_subset", 0), ("cnn", "validation_size", 0), ("cnn", "patience", 0),
    ("cnn", "label_smoothing", 1.0), ("cnn", "warmup_epochs", -1), ("cnn", "augmentation", "flip,rotate"),
    ("cnn", "test_time_flip", "yes"),
    ("memory", "cell", "transformer"), ("memory", "length", 1), ("memory", "units", 2.5),
    ("rows", "cell", "LSTM"), ("rows", "test_subset", -1),
    ("forecaster", "train_fraction", 1.0), ("forecaster", "validation_fraction", 0.5),
    ("forecaster", "conv_filters", -1), ("forecaster", "horizon", 0),
    ("char-lm", "validation_fraction", 0.0), ("char-lm", "num_layers", 0), ("char-lm", "word_subset", 0),
    ("conv-rnn", "conv_filters", ()), ("conv-rnn", "conv_filters", (32, 0)),
    ("dcgan", "dropout_rate", 1.0), ("dcgan", "latent_dim", 0), ("dcgan", "track_quality", "yes"),
    ("dcgan", "train_subset", 10),
    ("dcgan", "generator_averaging", 1.0), ("cgan", "generator_averaging", -0.1),
    ("dcgan", "learning_rate", 0.0), ("wgan-gp", "learning_rate", -1e-4), ("cgan", "learning_rate", "fast"),
    ("wgan-gp", "critic_steps", 0), ("wgan-gp", "gradient_penalty_weight", -1.0),
    ("wgan-gp", "clip_value", 0.01),  # both constraints at once
    ("wgan", "clip_value", None),  # neither constraint
    ("wgan", "clip_value", -0.01),
    ("wgan-gp", "gradient_penalty_weight", True), ("wgan-gp", "gradient_penalty_weight", float("inf")),
    ("dcgan", "eval_images", 10001), ("dcgan", "train_subset", 60001),
    ("cnn", "validation_size", 60000), ("rows", "test_subset", 10001), ("conv-rnn", "train_subset", 60001),
    ("text-classifier", "corpus", "enron"), ("text-classifier", "max_tokens", 2),
    ("text-classifier", "test_fraction", 0.9), ("text-classifier", "bidirectional", "yes"),
    ("text-classifier", "message_subset", 0),
    ("cgan", "game", "wgan"), ("cgan", "critic_steps", 0), ("cgan", "gradient_penalty_weight", 0.0),
    ("cgan", "label_dim", 0),
    ("g2p", "beam_width", 0), ("g2p", "attention", "yes"), ("g2p", "word_subset", 50), ("g2p", "test_fraction", 0.95),
]


@pytest.mark.parametrize("name, field, value", OUT_OF_RANGE)
def test_an_out_of_range_value_is_an_error_naming_the_field_and_the_value(name, field, value):
    with pytest.raises(SettingsError) as info:
        families.FAMILIES[name].FULL.replace(**{field: value})
    message = str(info.value)
    assert field in message and "Received" in message, message
    assert families.FAMILIES[name].Settings.__name__ in message


def test_fields_are_checked_together_too():
    cnn = families.FAMILIES["cnn"]
    with pytest.raises(SettingsError, match="validation_size` below the 12,000 training images of train_subset. "
                                            "Received: validation_size=20000"):
        cnn.FAST.replace(validation_size=20000)
    assert cnn.FULL.replace(validation_size=20000).validation_size == 20000  # of all 60,000 images


def test_text_values_are_parsed_by_the_field_type():
    wgan = families.FAMILIES["wgan"].FULL
    parsed = wgan.with_text({"clip_value": "0.02", "epochs": "3", "track_quality": "true",
                             "train_subset": "none"})
    assert (parsed.clip_value, parsed.epochs, parsed.track_quality, parsed.train_subset) == (0.02, 3, True, None)
    assert families.FAMILIES["conv-rnn"].FULL.with_text({"conv_filters": "16,32"}).conv_filters == (16, 32)
    with pytest.raises(SettingsError, match=r"Expected `epochs` as int text\. Received: epochs='three'"):
        wgan.with_text({"epochs": "three"})


@pytest.mark.parametrize("argv, fragment", [
    (["--set", "epoch=3"], "has no setting 'epoch'. Did you mean 'epochs'?"),
    (["--set", "learning_rate=-1"], "Expected `learning_rate` to be a positive number. Received: learning_rate=-1.0"),
    (["--set", "preset=huge"], "Received: preset='huge'"),
    (["--set", "epochs"], "argument --set: expected NAME=VALUE, received 'epochs'"),
    (["--batch-size", "7", "--set", "validation_size=abc"], "Expected `validation_size` as int text"),
])
def test_the_command_line_refuses_bad_settings_in_one_line(argv, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "cnn", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_runner_refuses_another_familys_settings_and_a_bad_seed():
    cnn, dcgan = families.FAMILIES["cnn"], families.FAMILIES["dcgan"]
    with pytest.raises(SettingsError, match="Expected settings of type CNNSettings.*Received: DCGANSettings"):
        cnn.train(dcgan.FAST)
    with pytest.raises(SettingsError, match="Received: seed=-1"):
        cnn.train(cnn.FAST, seed=-1)


def test_a_bad_setting_on_the_command_line_costs_no_tensorflow_import():
    import subprocess
    import sys

    code = ("import sys\nfrom dlkit import cli\ntry:\n    cli.main(['train', 'cnn', '--set', 'epoch=3'])\n"
            "except SystemExit as e:\n    print(e.code, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["2", "False", "False"], result.stderr[-1000:]
    assert "Did you mean 'epochs'?" in result.stderr


def test_the_settings_decorator_sets_inherited_defaults_and_refuses_unknown_ones():
    from dlkit.families.base import settings
    from dlkit.families.common import RecurrentSettings

    @settings(epochs=7, units=9)
    class Demo(RecurrentSettings):
        length: int = 3

    demo = Demo()
    assert (demo.epochs, demo.units, demo.cell, demo.length) == (7, 9, "lstm", 3)
    assert Demo.field_names()[:2] == ("epochs", "batch_size")  # inherited fields keep their place
    with pytest.raises(SettingsError, match="Expected `units` to be an integer >= 1. Received: units=0"):
        Demo(units=0)
    with pytest.raises(TypeError, match=r"Demo2: expected defaults for inherited fields .*Received: lenght"):
        @settings(lenght=3)
        class Demo2(Demo):  # noqa: F841 (the decorator raises)
            pass


def test_numpy_scalars_and_lists_become_the_plain_values_the_defaults_are():
    import json

    import numpy as np

    conv = families.FAMILIES["conv-rnn"].FULL
    changed = conv.replace(conv_filters=[32, np.int64(64)], epochs=np.int64(10), learning_rate=np.float32(0.002))
    assert changed.conv_filters == (32, 64) and type(changed.epochs) is int
    assert changed.replace(learning_rate=conv.learning_rate) == conv and hash(changed)
    json.dumps(changed.as_dict())  # a user's metrics file takes them as they are
    assert families.FAMILIES["cnn"].FULL.replace(learning_rate=1).learning_rate == 1.0


def test_the_settings_decorator_sees_the_fields_of_every_base():
    from dlkit.families.base import settings
    from dlkit.families.common import FashionSettings, RecurrentSettings

    @settings(validation_size=1000, units=5)
    class Both(RecurrentSettings, FashionSettings):
        pass

    assert (Both().validation_size, Both().units, Both().test_subset) == (1000, 5, None)


def test_a_run_record_from_before_the_families_is_compared_on_what_both_hold(tmp_path):
    import json

    from dlkit import runner

    cnn = families.FAMILIES["cnn"]
    old = {"family": "cnn", "task": None, "fast": True, "batch_size": 128, "seed": 0, "precision": "float32"}
    (tmp_path / "cnn_run.json").write_text(json.dumps(old))
    runner._check_resumable(tmp_path, cnn, cnn.FAST, 0, resume=True)  # same batch, seed, precision
    assert json.loads((tmp_path / "cnn_run.json").read_text())["settings"]["batch_size"] == 128
    (tmp_path / "cnn_run.json").write_text(json.dumps(old))
    with pytest.raises(SettingsError, match="made with batch_size=128, seed=0; this run asks for "
                                            "batch_size=64, seed=1"):
        runner._check_resumable(tmp_path, cnn, cnn.FAST.replace(batch_size=64), 1, resume=True)
