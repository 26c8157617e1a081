"""Every family on one worker process and on two (`MultiWorkerMirroredStrategy` on loopback): throughput.

Each run trains the family's FAST settings (one epoch unless `--epochs`) in
fresh processes: one process with the default strategy, then two worker
processes on free loopback ports, each with its own `TF_CONFIG`, training
the same global batches together (`dlkit.distribute`). The throughput is the
runner's own (`examples_per_second`: training examples of an epoch over the
epoch's seconds, startup and evaluation excluded); two workers process each
global batch together, so the cluster's throughput is one worker's figure
and the per-worker figure is half of it. Repetitions alternate the two
setups; the table gives medians and the ratio of the cluster's throughput
to one process's.

On this machine both workers share its cores, where one process alone
has them all: the ratio measures what the cluster costs (gradient
all-reduce over gRPC, two processes' overheads), not a speed-up. On
machines of their own, each worker brings its own cores.

    python -m benchmarks.multiworker [--families cnn g2p ...] [--repeats 3] [--epochs 1] [--json PATH]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 1800


def _launch(name, epochs, workers, scratch):
    """Trains `name` on `workers` processes (1: no cluster); returns the chief's metrics and the wall seconds."""
    from dlkit import distribute

    configs = distribute.loopback_cluster(workers) if workers > 1 else [None]
    processes, outputs = [], []
    start = time.perf_counter()
    for index, config in enumerate(configs):
        env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        env.pop("TF_CONFIG", None)
        if config is not None:
            env["TF_CONFIG"] = config
        output = Path(scratch) / f"{name}-{workers}-{index}.json"
        outputs.append(output)
        processes.append(subprocess.Popen([sys.executable, "-m", "benchmarks.multiworker", "--worker", name,
                                           str(epochs), str(output)], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    errors = []
    for process in processes:
        try:
            _, err = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            for p in processes:
                p.kill()
            raise SystemExit(f"{name} on {workers} worker(s) did not finish within {TIMEOUT_S} s") from None
        if process.returncode:
            errors.append(err.strip().splitlines()[-1] if err.strip() else f"exit {process.returncode}")
    if errors:
        raise SystemExit(f"{name} on {workers} worker(s) failed: {errors[0]}")
    return json.loads(outputs[0].read_text()), time.perf_counter() - start


def _worker(name, epochs, output):
    """One process of a run: the family's FAST settings under the strategy `TF_CONFIG` asks for."""
    import tensorflow as tf

    from dlkit.families import FAMILIES

    strategy = tf.distribute.MultiWorkerMirroredStrategy() if "TF_CONFIG" in os.environ \
        else tf.distribute.get_strategy()
    family = FAMILIES[name]
    with strategy.scope():
        metrics = family.train(family.FAST.replace(epochs=epochs), seed=0, verbose=0).metrics
    keep = ("examples_per_second", "train_seconds", "examples_per_epoch", "epochs_run")
    Path(output).write_text(json.dumps({k: metrics[k] for k in keep}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=None, help="default: every family in the registry")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--worker", nargs=3, default=None, help=argparse.SUPPRESS)  # internal: one process of a run
    args = parser.parse_args(argv)
    if args.worker:
        name, epochs, output = args.worker
        return _worker(name, int(epochs), output)

    from benchmarks._timing import machine
    from dlkit.families import FAMILIES

    names = args.families or list(FAMILIES)
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise SystemExit(f"--families: expected names from {sorted(FAMILIES)}. Received: {unknown}")
    about = machine()
    print(f"{about['cpu']}, {about['cpus']} CPUs; TensorFlow {about['tensorflow']}, Keras {about['keras']}; "
          f"FAST settings, {args.epochs} epoch(s), {args.repeats} repetition(s), alternating", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="dlkit-multiworker-") as scratch:
        for name in names:
            rates = {1: [], 2: []}
            for repeat in range(args.repeats):
                for workers in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                    metrics, wall = _launch(name, args.epochs, workers, scratch)
                    rates[workers].append(metrics["examples_per_second"])
                    print(f"  {name}, {workers} worker(s), repetition {repeat + 1}: "
                          f"{metrics['examples_per_second']:.0f} examples/s, wall {wall:.0f} s", flush=True)
            one, two = statistics.median(rates[1]), statistics.median(rates[2])
            rows.append({"family": name, "one_process": one, "two_workers": two, "per_worker": two / 2,
                         "ratio": two / one, "runs": rates})
    print(f"\n{'family':<16}{'1 process':>12}{'2 workers':>12}{'per worker':>12}{'ratio':>8}   (examples/s, medians)")
    for row in rows:
        print(f"{row['family']:<16}{row['one_process']:>12.0f}{row['two_workers']:>12.0f}{row['per_worker']:>12.0f}"
              f"{row['ratio']:>8.2f}")
    print("ratio: two workers' throughput over one process's. Here both workers share this machine's cores: "
          "the ratio is the cluster's overhead, not a speed-up.")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": about, "epochs": args.epochs, "rows": rows}, indent=2)
                                   + "\n")
    return rows


if __name__ == "__main__":
    main()
