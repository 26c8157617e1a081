"""Runs the benchmarks: `python -m benchmarks [NAME ...] [--json PATH]`.

With no names it runs the performance suite (`make bench`, 13–14 minutes
on two CPU cores): every comparison's table as it is measured, then every
ratio in one summary, and the whole record as JSON (`bench-results.json`
unless `--json` says otherwise). The walkthrough benchmarks (full training
runs, tens of minutes each) run only when named.

    python -m benchmarks --list
    python -m benchmarks gan_steps cnn_fit
    python -m benchmarks gan_walkthrough
"""

import argparse
import importlib
import json
import sys
import time

PERFORMANCE = ("cnn_fit", "machine_limit", "gan_steps", "rnn_cells", "scaling")
WALKTHROUGHS = ("cnn_fashion_mnist", "rnn_walkthrough", "gan_walkthrough", "text_classification",
                "conditional_gan", "seq2seq", "multiworker", "quality_budget", "epoch_start")
BENCHMARKS = PERFORMANCE + WALKTHROUGHS


def _summary(records):
    print("\nEvery ratio (median rate against the group's baseline; paired: median and IQR of repetition i "
          "against the baseline's repetition i)")
    from benchmarks._timing import format_ratio

    for record in records:
        for row in record["rows"]:
            if row.get("ratio") is not None and row.get("variant"):
                print(f"  {row['group'] + ': ' + row['variant']:<60}  {format_ratio(row)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: {', '.join(PERFORMANCE)})")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--json", default="bench-results.json", metavar="PATH",
                        help="where the performance record goes (default: bench-results.json)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for name in BENCHMARKS:
            doc = importlib.import_module(f"benchmarks.{name}").__doc__.strip().splitlines()[0]
            print(f"{name:<20} {doc}")
        return 0
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        print(f"benchmarks: unknown {unknown}; expected names from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    from benchmarks._timing import jit_compile, machine, set_policy_from_env

    policy = set_policy_from_env()
    start = time.perf_counter()
    records = []
    env = dict(machine(), policy=policy, jit_compile=jit_compile())

    def save():
        # After every benchmark, so that a run cut short keeps what it measured.
        with open(args.json, "w") as f:
            json.dump({"machine": env, "wall_seconds": round(time.perf_counter() - start, 1),
                       "benchmarks": records}, f, indent=2)

    for name in args.names or PERFORMANCE:
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        if name in PERFORMANCE:
            records.append({"benchmark": name, **module.main([]),
                            "seconds": round(time.perf_counter() - began, 1)})
            save()
        else:
            module.main([])
        print(f"   ({name}: {time.perf_counter() - began:.0f} s)", flush=True)
    if records:
        _summary(records)
        seconds = time.perf_counter() - start
        print(f"\n{seconds / 60:.1f} min on {env['cpu']} ({env['cpus']} CPUs, GPUs: {env['gpus'] or 'none'}); "
              f"TensorFlow {env['tensorflow']}, Keras {env['keras']}, policy {policy}, "
              f"XLA {'on' if env['jit_compile'] else 'off'}; record in {args.json}")
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
