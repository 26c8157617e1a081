"""What the walkthrough benchmarks share: the command line, result rows, the closing record."""

import argparse
import json
import os
import platform
import time


def parse_args(doc, parts, argv):
    """`--only PART,...` (checked against `parts`), `--seed`, `--fast`, `--json`; returns (args, parts)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--only", default=",".join(parts))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    chosen = args.only.split(",")
    unknown = [p for p in chosen if p not in parts]
    if unknown:
        parser.error(f"unknown parts {unknown}; expected names from {list(parts)}")
    return args, chosen


def print_row(name, metrics, keys, width=16):
    """One indented line: the name, then `key=value` for each of `keys`."""
    print(f"  {name:<{width}}" + "  ".join(f"{k}={metrics[k]:.4g}" if isinstance(metrics[k], float)
                                           else f"{k}={metrics[k]}" for k in keys), flush=True)


def new_results(seed, **extra):
    """The results record, started with the machine and the seed; returns (results, start time)."""
    return {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "seed": seed, **extra}, \
        time.perf_counter()


def finish(results, start, json_path):
    """Adds and prints the wall time, and writes the record to `json_path` when given."""
    results["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(f"wall time {results['wall_seconds']} s on {results['machine']}")
    if json_path:
        with open(json_path, "w") as f:
            json.dump(results, f, indent=2, default=float)
    return results
