"""Runs `tests/_reliability_worker.py` in subprocesses and reads back what it wrote."""

import collections
import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("cnn", "rnn", "dcgan", "wgan-gp")


def worker_command(*args):
    return [sys.executable, "-m", "tests._reliability_worker", *map(str, args)]


def worker_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_worker(*args, timeout=300):
    result = subprocess.run(worker_command(*args), cwd=ROOT, env=worker_env(), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"worker {args} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def load_runs(path):
    """`{(family, run): [arrays...]}` from a worker's `.npz` file."""
    runs = collections.defaultdict(list)
    with np.load(path) as saved:
        for key in saved.files:
            name, index = key.rsplit("/", 1)
            runs[name].append((int(index), saved[key]))
    return {name: [a for _, a in sorted(items, key=lambda item: item[0])] for name, items in runs.items()}


@functools.lru_cache(maxsize=1)
def reproduce_runs():
    """The worker's `reproduce` mode, run once per pytest session (about 20 tiny fits)."""
    directory = Path(tempfile.mkdtemp(prefix="dlkit_reproduce_"))
    run_worker("reproduce", directory / "runs.npz")
    return load_runs(directory / "runs.npz")


def identical(a, b):
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))
