"""Runs `tests/_reliability_worker.py` in subprocesses and reads back what they wrote.

Every mode runs once per pytest session (`worker_results`), and the
independent ones run side by side: the work is mostly single-threaded
Python (tracing tiny models), so two cores finish it in about half the time.
"""

import atexit
import collections
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("cnn", "rnn", "dcgan", "wgan-gp")
TIMEOUT = 600


def worker_command(*args):
    return [sys.executable, "-m", "tests._reliability_worker", *map(str, args)]


def _start(log, *args):
    """Starts a worker whose output goes to the file `log` (a pipe nobody reads
    while the workers run could fill up and stall them)."""
    # One thread per op: the models are tiny, and workers running side by side on two
    # cores would otherwise wait on each other's oversubscribed thread pools.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_NUM_INTRAOP_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with open(log, "w") as output:
        process = subprocess.Popen(worker_command(*args), cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
    process.log = Path(log)
    return process


def _tail(process):
    return process.log.read_text(errors="replace")[-4000:]


def _finish(process, name):
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"worker {name} ran past {TIMEOUT} s:\n{_tail(process)}") from None
    if process.returncode != 0:
        raise AssertionError(f"worker {name} failed ({process.returncode}):\n{_tail(process)}")


def load_runs(path):
    """`{"family/run": [arrays...]}` from a worker's `.npz` file."""
    runs = collections.defaultdict(list)
    with np.load(path) as saved:
        for key in saved.files:
            name, index = key.rsplit("/", 1)
            runs[name].append((int(index), saved[key]))
    return {name: [a for _, a in sorted(items, key=lambda item: item[0])] for name, items in runs.items()}


def _kill_when_hanging(process, directory):
    """Waits until every family hangs in the middle of epoch 2, then sends SIGKILL."""
    deadline = time.monotonic() + TIMEOUT
    try:
        while not all((directory / f"{family}.hanging").exists() for family in FAMILIES):
            if process.poll() is not None:
                raise AssertionError(f"the worker ended before it was killed:\n{_tail(process)}")
            if time.monotonic() > deadline:
                raise AssertionError("the worker did not reach the middle of epoch 2 in time")
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@functools.lru_cache(maxsize=1)
def worker_results():
    """Every worker mode, run once per session.

    Returns a dict: `reproduce` (runs), `diverge` (`(report, runs)`) and
    `killed` (`returncode` of the killed process, the `backups` it left, and
    the `runs` of the process that resumed them).
    """
    directory = Path(tempfile.mkdtemp(prefix="dlkit_reliability_"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    # Each mode keeps its backups in its own folder: they run at the same time.
    killed_dir, reproduce_dir, diverge_dir = (directory / name for name in ("killed", "reproduce", "diverge"))
    for folder in (killed_dir, reproduce_dir, diverge_dir):
        folder.mkdir()
    kill = _start(killed_dir / "kill.log", "chain", killed_dir / "runs.npz", killed_dir, "kill")
    reproduce = _start(reproduce_dir / "worker.log", "reproduce", reproduce_dir / "runs.npz")
    diverge = _start(diverge_dir / "worker.log", "diverge", diverge_dir / "runs.npz", diverge_dir)
    try:
        returncode = _kill_when_hanging(kill, killed_dir)
        backups = {family: json.loads((killed_dir / f"{family}_backup" / "latest.json").read_text())
                   for family in FAMILIES}
        resume = _start(killed_dir / "resume.log", "chain", killed_dir / "runs.npz", killed_dir, "resume")
        for process, name in ((reproduce, "reproduce"), (diverge, "diverge"), (resume, "resume")):
            _finish(process, name)
    finally:
        for process in (reproduce, diverge):
            if process.poll() is None:
                process.kill()
                process.wait()
    return {
        "reproduce": load_runs(reproduce_dir / "runs.npz"),
        "diverge": (json.loads((diverge_dir / "runs.json").read_text()), load_runs(diverge_dir / "runs.npz")),
        "killed": {"returncode": returncode, "backups": backups, "runs": load_runs(killed_dir / "runs.npz")},
    }


def identical(a, b):
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))
