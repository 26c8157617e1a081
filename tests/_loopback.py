"""Two (or more) worker processes of one `MultiWorkerMirroredStrategy` cluster on loopback, for the tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlkit import distribute

ROOT = Path(__file__).resolve().parents[1]


def run_workers(argv_of, logs_dir, timeout, env_of=lambda index: {}, workers=2, tag=""):
    """Runs `argv_of(index)` once per worker, each with its `TF_CONFIG`; fails the test on a hang or an error.

    Args:
        argv_of: The arguments after the Python interpreter, for worker `index`.
        logs_dir: Where `worker{index}{tag}.log` (stdout and stderr) goes.
        timeout: Seconds the cluster may take; a worker still running then fails the test.
        env_of: Extra environment variables for worker `index`.
    """
    workers_, logs = [], []
    for index, config in enumerate(distribute.loopback_cluster(workers)):
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="",
                   TF_CONFIG=config, **env_of(index))
        log = open(Path(logs_dir) / f"worker{index}{tag}.log", "w")  # noqa: SIM115 (closed below)
        logs.append(log)
        workers_.append(subprocess.Popen([sys.executable, *argv_of(index)], env=env, cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT))
    try:
        for worker in workers_:
            worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the {workers} workers did not finish within {timeout} s")
    finally:
        for worker, log in zip(workers_, logs, strict=True):
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            log.close()
    for index, worker in enumerate(workers_):
        tail = "\n".join((Path(logs_dir) / f"worker{index}{tag}.log").read_text().splitlines()[-30:])
        assert worker.returncode == 0, tail
