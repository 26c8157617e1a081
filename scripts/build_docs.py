"""`make docs`: runs every walkthrough in full and writes a rendered copy with its outputs.

For each `notebooks/NN_topic.ipynb` this executes the notebook (full mode:
`DLKIT_QUICK` unset) in a scratch folder, puts a first cell on the executed
copy saying on which machine, when and in how long it ran, and writes
`docs/notebooks/NN_topic.ipynb` (GitHub shows its outputs) and
`docs/notebooks/NN_topic.html`. The stored notebooks stay without outputs.

Each run's wall time goes into `dlkit/assets/walkthrough_runs.json` with the
machine and the date; the notebooks print it (`dlkit.claims.run_length`)
instead of typing a run time into their prose. `--quick` runs the quick mode
(`DLKIT_QUICK=1`) and records its time only, rendering nothing.

Usage:
    python scripts/build_docs.py [--quick] [--only 01,03] [--timeout SECONDS]

A notebook that fails is reported by name and its time is not recorded; the
others still run, and the command exits non-zero at the end.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks._timing names the machine the same way the benchmarks do

from benchmarks._timing import machine  # noqa: E402
from dlkit import saving  # noqa: E402
from dlkit.claims import _RUNS  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "docs" / "notebooks"


def machine_line():
    m = machine()
    gpus = f", GPU {', '.join(m['gpus'])}" if m["gpus"] else ", no GPU"
    return f"{m['cpu']} ({m['cpus']} CPUs{gpus}), TensorFlow {m['tensorflow']}, Keras {m['keras']}"


def execute(path, quick, timeout):
    """Runs `path` in a scratch folder; returns (executed notebook, seconds)."""
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("DLKIT_QUICK")
    if quick:
        os.environ["DLKIT_QUICK"] = "1"
    else:
        os.environ.pop("DLKIT_QUICK", None)
    try:
        with tempfile.TemporaryDirectory(prefix=f"dlkit-docs-{path.stem[:2]}-") as scratch:
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": scratch}})
            start = time.perf_counter()
            client.execute()
            seconds = time.perf_counter() - start
            # Files a notebook writes beside itself (the GAN progress GIF) are shown inline already.
    finally:
        if env_before is None:
            os.environ.pop("DLKIT_QUICK", None)
        else:
            os.environ["DLKIT_QUICK"] = env_before
    return nb, seconds


def render(nb, path, seconds, where, when):
    """Writes the executed copy and its HTML under docs/notebooks/, headed by how it ran."""
    header = nbformat.v4.new_markdown_cell(
        f"*Executed in full by `make docs` on {where}, {when}; the run took {seconds / 60:.1f} min. "
        f"The notebook itself, without outputs: [`notebooks/{path.name}`](../../notebooks/{path.name}).*")
    header["id"] = "docs-header"
    nb.cells.insert(0, header)
    OUT.mkdir(parents=True, exist_ok=True)
    saving.write_text(OUT / path.name, nbformat.writes(nb))
    html, _ = HTMLExporter().from_notebook_node(nb)
    saving.write_text(OUT / f"{path.stem}.html", html)


def record(runs, stem, mode, seconds, where, when):
    runs.setdefault(stem, {})[mode] = {"seconds": round(seconds, 1), "machine": where, "date": when}
    saving.write_text(_RUNS, json.dumps(runs, indent=2, sort_keys=True) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run with DLKIT_QUICK=1 and record its time only")
    parser.add_argument("--only", default=None, help="comma-separated notebook numbers, e.g. 01,03")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    args = parser.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {p.name[:2] for p in paths}
        if unknown:
            parser.error(f"unknown notebooks {sorted(unknown)}; expected numbers from {[p.name[:2] for p in paths]}")
        paths = [p for p in paths if p.name[:2] in wanted]
    runs = json.loads(_RUNS.read_text()) if _RUNS.exists() else {}
    where, mode = machine_line(), "quick" if args.quick else "full"
    failed = []
    for path in paths:
        when = datetime.date.today().isoformat()
        print(f"{path.name}: running ({mode}) ...", flush=True)
        try:
            nb, seconds = execute(path, args.quick, args.timeout)
        except Exception as error:  # a failing notebook is named; the others still run
            print(f"{path.name}: FAILED: {type(error).__name__}: {str(error)[-2000:]}", flush=True)
            failed.append(path.name)
            continue
        print(f"{path.name}: {seconds:.0f} s", flush=True)
        record(runs, path.stem, mode, seconds, where, when)
        if not args.quick:
            render(nb, path, seconds, where, when)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    print(f"times recorded in {_RUNS.relative_to(ROOT)}" + ("" if args.quick else f"; rendered copies in "
                                                          f"{OUT.relative_to(ROOT)}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
