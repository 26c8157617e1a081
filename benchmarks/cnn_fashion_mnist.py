"""The CNN walkthrough's full run: the default CNN on all of Fashion-MNIST.

Prints test accuracy, wall time, seconds per epoch and images per second.

    python -m benchmarks.cnn_fashion_mnist [--epochs N] [--seed S] [--fast]
    python -m benchmarks.cnn_fashion_mnist --set convs_per_block=2 --set augmentation=flip
"""

import argparse
import ast
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _override(text):
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--set", action="append", type=_override, default=[],
                        help="override a build_cnn_classifier argument, e.g. convs_per_block=2")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)

    import dataclasses
    import functools

    from dlkit.families import cnn

    changes = {k: v for k, v in (("epochs", args.epochs), ("learning_rate", args.learning_rate)) if v}
    settings = (cnn.FAST if args.fast else cnn.FULL).replace(**changes)
    # A one-off family whose network takes the --set arguments beside the preset.
    family = dataclasses.replace(cnn.FAMILY, fit=functools.partial(cnn.fit, **dict(args.set)))
    start = time.perf_counter()
    result = family.train(settings, seed=args.seed)
    wall = time.perf_counter() - start
    m = result.metrics
    report = {
        "test_accuracy": round(m["test_accuracy"], 4),
        "parameters": m["parameters"],
        "epochs_run": m["epochs_run"],
        "train_seconds": m["train_seconds"],
        "wall_seconds_including_data_and_eval": round(wall, 1),
        "median_seconds_per_epoch": m["seconds_per_epoch"],
        "train_images_per_second": m["examples_per_second"],
        "overrides": dict(args.set),
        "settings": m["settings"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    for key, value in report.items():
        print(f"{key:>38}: {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
