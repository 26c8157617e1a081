"""A hosted runtime in miniature: a notebook's first cell installs dlkit into a Kaggle-like environment.

    python scripts/simulate_hosted.py [--notebook notebooks/00_overview.ipynb] [--keep DIR]

What it does, the way a Colab or Kaggle user meets dlkit:
1. builds dlkit's wheel from this checkout;
2. makes a fresh virtual environment outside the repository and preinstalls the
   oldest TensorFlow and Keras that pyproject.toml accepts (its `>=` floors),
   with Jupyter's kernel and nbmake, as a hosted image has them preinstalled;
3. copies one notebook into an empty folder and runs it there with nbmake in
   quick mode, with Kaggle's variable set (`KAGGLE_KERNEL_RUN_TYPE`, so the
   first cell's hosted branch runs) and `DLKIT_SOURCE` pointing at the wheel;
4. checks that the cell installed dlkit from the wheel, that TensorFlow, Keras
   and NumPy are the versions preinstalled, and that the notebook passed
   (its data found, `DLKIT_OFFLINE=1`: nothing downloaded).

It needs the package index (it installs TensorFlow), so it is not part of
`make test`; `.ci/run` runs it as `make hosted` after the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling, run as a script or loaded by a test
from hosted_links import project_table  # noqa: E402

KEPT = ("tensorflow", "keras", "numpy")


def floors(root: Path = ROOT) -> dict[str, str]:
    """The `>=` floors pyproject.toml sets for TensorFlow and Keras: the oldest versions supported."""
    found = {}
    for requirement in project_table(root)["dependencies"]:
        match = re.fullmatch(r"(tensorflow|keras)\s*>=\s*([\w.]+)", requirement.strip())
        if match:
            found[match[1]] = match[2]
    if set(found) != {"tensorflow", "keras"}:
        raise ValueError("Expected pyproject.toml to require tensorflow>=X and keras>=Y. "
                         f"Received floors for: {sorted(found)}")
    return found


def _run(command, **kwargs):
    print("$", " ".join(str(c) for c in command), flush=True)
    return subprocess.run([str(c) for c in command], check=True, **kwargs)


def _versions(python: Path) -> dict[str, str]:
    code = ("import json; from importlib import metadata as m; "
            f"print(json.dumps({{n: m.version(n) for n in {KEPT!r}}}))")
    return json.loads(subprocess.run([str(python), "-c", code], check=True, capture_output=True,
                                     text=True).stdout)


def simulate(notebook: Path, work: Path) -> None:
    start = time.perf_counter()
    wheels = work / "wheel"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, ROOT])
    (wheel,) = wheels.glob("dlkit-*.whl")

    venv = work / "hosted-venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    oldest = floors()
    _run([python, "-m", "pip", "install", "--quiet", f"tensorflow=={oldest['tensorflow']}",
          f"keras=={oldest['keras']}", "ipykernel", "nbmake", "pytest"])
    before = _versions(python)
    print("preinstalled:", before, flush=True)

    folder = work / "notebook"
    folder.mkdir()
    copy = folder / notebook.name
    shutil.copy(notebook, copy)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV")}  # nothing may come from this checkout
    env.update(KAGGLE_KERNEL_RUN_TYPE="Interactive", DLKIT_SOURCE=str(wheel), DLKIT_QUICK="1",
               DLKIT_OFFLINE="1", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbmake",
          "--nbmake-timeout=600", copy.name], cwd=folder, env=env)

    after = _versions(python)
    if after != before:
        raise SystemExit(f"FAILED: the install cell changed the runtime: {before} -> {after}")
    where = subprocess.run([str(python), "-c", "import dlkit; print(dlkit.__file__)"],
                           check=True, capture_output=True, text=True, cwd=folder).stdout.strip()
    if not where.startswith(str(venv)):
        raise SystemExit(f"FAILED: dlkit was imported from {where}, not from the wheel installed "
                         f"into {venv}")
    print(f"hosted run passed in {time.perf_counter() - start:.0f} s: {notebook.name} installed "
          f"{wheel.name} beside {after}, unchanged", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "00_overview.ipynb")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True)  # refuses an existing folder: nothing is overwritten
        simulate(args.notebook.resolve(), args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="dlkit-hosted-") as work:
            simulate(args.notebook.resolve(), Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
