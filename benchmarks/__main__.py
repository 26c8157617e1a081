"""Runs the benchmarks: `python -m benchmarks [NAME ...]`, all of them by default.

    python -m benchmarks --list
    python -m benchmarks cnn_fashion_mnist rnn_walkthrough
"""

import importlib
import sys

BENCHMARKS = ("cnn_fashion_mnist", "rnn_walkthrough", "gan_walkthrough")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--list" in argv:
        for name in BENCHMARKS:
            doc = importlib.import_module(f"benchmarks.{name}").__doc__.strip().splitlines()[0]
            print(f"{name:<20} {doc}")
        return 0
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"benchmarks: unknown {unknown}; expected names from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in argv or BENCHMARKS:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
