"""Atomic files, strict JSON and a real SIGKILL in the middle of a model save."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dlkit import saving

ROOT = Path(__file__).resolve().parents[1]


def _strict_loads(text):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_values_become_null_with_the_reason_beside_them():
    value = {"fcd": float("nan"), "loss": [0.5, float("inf"), np.float32(-np.inf)],
             "nested": {"mae": np.float64("nan"), "ok": np.float32(1.5)}, "epochs": np.int64(3),
             "path": Path("runs/cnn.keras")}
    parsed = _strict_loads(saving.to_strict_json(value))
    assert parsed["fcd"] is None and parsed["fcd_not_finite"].startswith("nan")
    assert parsed["loss"] == [0.5, None, None]
    assert parsed["loss_not_finite"] == "inf at index 1; -inf at index 2: written as null"
    assert parsed["nested"] == {"mae": None, "mae_not_finite": "nan: not a finite number, written as null",
                                "ok": 1.5}
    assert parsed["epochs"] == 3 and parsed["path"] == "runs/cnn.keras"


def test_finite_values_are_written_unchanged():
    value = {"a": 1, "b": [1.25, 2.0], "c": {"d": None, "e": "text", "f": True}}
    assert _strict_loads(saving.to_strict_json(value)) == value


def test_write_json_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "metrics.json"
    saving.write_json(path, {"run": 1})
    saving.write_json(path, {"run": 2, "loss": float("nan")})
    assert _strict_loads(path.read_text())["run"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"old and complete")
    with pytest.raises(OSError, match="disk full"), saving.atomic_path(path) as tmp:
        Path(tmp).write_bytes(b"half of the new")
        raise OSError("disk full")
    assert path.read_bytes() == b"old and complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_read_json_names_a_corrupt_file(tmp_path):
    path = tmp_path / "latest.json"
    path.write_text('{"epoch": ')
    with pytest.raises(saving.CorruptFileError, match="latest.json is corrupt or truncated"):
        saving.read_json(path)


def test_load_model_round_trips_in_safe_mode(tmp_path):
    import keras

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    path = saving.save_model(model, tmp_path / "m.keras")
    loaded = saving.load_model(path)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_model_compiled_with_dlkits_own_classes_loads_in_a_fresh_process(tmp_path):
    import keras

    from dlkit import losses, schedules

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(keras.optimizers.Adam(schedules.WarmupCosine(1e-3, 40, 4)),
                  losses.SmoothedSparseCategoricalCrossentropy(0.1))
    path = saving.save_model(model, tmp_path / "m.keras")
    # A new interpreter has imported neither dlkit.schedules nor dlkit.losses: load_model registers them.
    code = ("import sys\nfrom dlkit import saving\nm = saving.load_model(sys.argv[1])\n"
            "print(type(m.loss).__name__, m.loss.label_smoothing, type(m.optimizer._learning_rate).__name__)")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-3:] == ["SmoothedSparseCategoricalCrossentropy", "0.1", "WarmupCosine"]


def test_a_class_nobody_registered_is_named_not_called_corrupt(tmp_path):
    import keras

    @keras.saving.register_keras_serializable(package="elsewhere")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    inputs = keras.Input((3,))
    path = saving.save_model(keras.Model(inputs, Twice()(inputs)), tmp_path / "m.keras")
    del keras.saving.get_custom_objects()["elsewhere>Twice"]
    with pytest.raises(ValueError, match="Expected every class that .* names to be registered"):
        saving.load_model(path)


@pytest.mark.parametrize("version", ["3.10.0", "3.11.3", "3.8.0.dev2025"])
def test_load_model_refuses_a_keras_with_known_safe_mode_bypasses(tmp_path, monkeypatch, version):
    import keras

    inputs = keras.Input((3,))
    path = saving.save_model(keras.Model(inputs, keras.layers.Dense(2)(inputs)), tmp_path / "m.keras")
    monkeypatch.setattr(keras, "__version__", version)
    with pytest.raises(RuntimeError, match=f"Expected Keras 3.12 or newer.*Received: keras {version}"):
        saving.load_model(path)
    with pytest.raises(FileNotFoundError):  # a missing file is still named as missing first
        saving.load_model(tmp_path / "missing.keras")
    monkeypatch.setattr(keras, "__version__", "3.12.0")
    assert saving.load_model(path).output_shape == (None, 2)


# A child process saves a large model over a complete older one; the test
# SIGKILLs it while the save is under way, at several moments.
_SAVER = """
import sys
from pathlib import Path

import keras

from dlkit import saving

target, done = Path(sys.argv[1]), Path(sys.argv[2])
inputs = keras.Input((2048,))
x = inputs
for i in range(6):  # about 25 million weights: a save that takes a good fraction of a second
    x = keras.layers.Dense(2048, name=f"dense_{i}")(x)
model = keras.Model(inputs, x)
print("saving", flush=True)
saving.save_model(model, target)
done.write_text("saved")
"""


def _entries(directory):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


def _kill_during_save(tmp_path, delay_s):
    """Starts the saver and kills it `delay_s` after it first touches the directory.

    Returns whether the kill came before the save had finished.
    """
    target, done = tmp_path / "model.keras", tmp_path / "done.txt"
    before = _entries(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    child = subprocess.Popen([sys.executable, "-c", _SAVER, str(target), str(done)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _entries(tmp_path) == before:  # the first byte written, by either kind of save
            if child.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the saver ended (status {child.returncode}) without writing")
            time.sleep(0.001)
        time.sleep(delay_s)
        mid_save = not done.exists()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return mid_save


@pytest.mark.parametrize("delay_s", [0.0, 0.05, 0.2])
def test_sigkill_during_a_save_leaves_the_old_or_the_new_model_never_a_truncated_one(tmp_path, delay_s):
    import keras

    inputs = keras.Input((2048,))
    old = keras.Model(inputs, keras.layers.Dense(3, name="old")(inputs))
    saving.save_model(old, tmp_path / "model.keras")
    old_weights = old.get_weights()

    mid_save = _kill_during_save(tmp_path, delay_s)
    loaded = saving.load_model(tmp_path / "model.keras")  # a CorruptFileError would fail here
    weights = loaded.get_weights()
    is_old = len(weights) == len(old_weights) and all(
        np.array_equal(a, b) for a, b in zip(weights, old_weights, strict=True))
    is_new = [layer.name for layer in loaded.layers[1:]] == [f"dense_{i}" for i in range(6)]
    assert is_old or is_new
    if delay_s == 0.0:  # killed within a millisecond of the first byte: the save cannot be done
        assert mid_save and is_old
    leftovers = {p.name for p in tmp_path.iterdir()} - {"model.keras", "done.txt"}
    # A killed process cannot clean up its temporary file; it is hidden and never read.
    assert all(name.startswith(".tmp-") and name.endswith("-model.keras") for name in leftovers), leftovers
    assert math.isfinite(float(np.sum(weights[0])))
