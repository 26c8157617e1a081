"""Every family across two worker processes on loopback, and only the chief writes.

Two processes (`tests/_family_worker.py`), each a `MultiWorkerMirroredStrategy`
worker described by its own `TF_CONFIG` on free loopback ports, train every
family in the registry a few steps through `family.train(..., out=...)`, as
`dlkit train NAME --strategy multiworker` does. Each has its own output
directory and its own `TMPDIR`, as two machines would; the tests read what
they saved and what they left on disk.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlkit.families import FAMILIES
from tests._loopback import run_workers

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("_family_worker.py")
# Twelve families, a few steps each, on two processes sharing two cores: about
# 2-4 minutes here (with other tests running beside it); the bound catches a hang.
CLUSTER_TIMEOUT_S = 900


def _run_cluster(root, *args, tag="", shared_out=False):
    """Two workers running `tests/_family_worker.py OUT RESULTS *args`; returns what each saved.

    Each worker has its own OUT (two machines' disks) unless `shared_out`
    (one filesystem both see, which `--resume` across workers needs), and its own TMPDIR.
    """
    for index in range(2):
        (root / f"tmp{index}").mkdir(exist_ok=True)
    run_workers(lambda index: [str(WORKER), str(root / ("out0" if shared_out else f"out{index}")),
                               str(root / f"results{index}{tag}.npz"), *args],
                root, CLUSTER_TIMEOUT_S, env_of=lambda index: {"TMPDIR": str(root / f"tmp{index}")}, tag=tag)
    return [dict(np.load(root / f"results{index}{tag}.npz")) for index in range(2)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    return root, _run_cluster(root)


def test_worker_zero_is_the_chief_of_a_cluster_without_one(cluster):
    _, (first, second) = cluster
    assert int(first["replicas"]) == int(second["replicas"]) == 2
    assert (bool(first["chief"]), bool(second["chief"])) == (True, False)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_every_family_trains_on_two_workers_to_the_same_weights(cluster, name):
    _, (first, second) = cluster
    trained = sorted(k for k in first if k.startswith(f"{name}/weight/trainable/"))
    assert trained, f"{name}: no trained weights saved"
    assert sorted(first) == sorted(second)
    # The two workers apply the same all-reduced gradients to the same initial
    # weights: bit for bit the same, not merely close.
    for key in trained:
        assert np.all(np.isfinite(first[key])), key
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)
    # Batch normalization's moving statistics are each replica's own unless the
    # layer is synchronized (README, "Several GPUs, several machines"): finite, not compared.
    for key in (k for k in first if k.startswith(f"{name}/weight/frozen/")):
        assert np.all(np.isfinite(first[key])), key
    # The logs are read in cross-replica context: every worker logs the global numbers.
    logs = [k for k in first if k.startswith(f"{name}/log/")]
    assert f"{name}/log/loss" in logs
    for key in logs:
        assert np.all(np.isfinite(first[key])), key
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_only_the_chief_writes_and_the_other_worker_leaves_nothing(cluster):
    root, (first, second) = cluster
    for name in FAMILIES:
        written = {p.name for p in (root / "out0" / name).iterdir()}
        assert {f"{name}.keras", f"{name}_metrics.json", f"{name}_run.json"} <= written, name
        assert {Path(p).name for p in first[f"{name}/paths"]} >= {f"{name}.keras", f"{name}_metrics.json"}
        assert second[f"{name}/paths"].size == 0, name
    # The second worker wrote into a temporary directory of its own and removed it.
    assert not (root / "out1").exists()
    assert list((root / "tmp1").iterdir()) == []


def test_a_restarted_cluster_resumes_from_the_chief_backup(tmp_path):
    """One epoch, then a new cluster asked for two with --resume: it trains the second epoch only."""
    first_run = _run_cluster(tmp_path, "--epochs", "1", "cnn", tag="-first", shared_out=True)
    assert (tmp_path / "out0" / "cnn" / "cnn_backup").is_dir()
    chief, other = _run_cluster(tmp_path, "--epochs", "2", "--resume", "cnn", tag="-resumed", shared_out=True)
    for result in (chief, other):
        assert len(result["cnn/log/loss"]) == 1  # the second epoch alone
    assert float(chief["cnn/log/loss"][0]) < float(first_run[0]["cnn/log/loss"][0])
    trained = [k for k in chief if k.startswith("cnn/weight/trainable/")]
    assert trained
    for key in trained:
        # Both resumed from the chief's backup: had the other started afresh, their weights would differ.
        np.testing.assert_array_equal(chief[key], other[key], err_msg=key)
        assert not np.array_equal(chief[key], first_run[0][key]), key
    # The second worker's backups went into its own temporary directory, and are gone.
    assert list((tmp_path / "tmp1").iterdir()) == []


def test_tpu_strategy_without_a_tpu_is_one_clear_line(tmp_path):
    """Not mocked: TensorFlow looks for a TPU on this machine, finds none, and the command says so."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    run = subprocess.run([sys.executable, "-m", "dlkit.cli", "train", "cnn", "--fast", "--strategy", "tpu",
                          "--out", str(tmp_path / "run")], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [run.stderr.strip()], run.stderr[-2000:]
    assert run.stderr.startswith("dlkit: error: cannot create the 'tpu' strategy: no TPU found")
    assert not (tmp_path / "run").exists()
