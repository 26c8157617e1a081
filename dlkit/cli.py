"""The `dlkit` command line."""

import argparse
import sys


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, received {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, received {text!r}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="dlkit",
        description="Convolutional, recurrent and adversarial networks with Keras 3, "
        "trained on real data that works offline.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    tour = sub.add_parser(
        "tour",
        help="train every family on the bundled data and write an HTML report",
        description="Train every family with its default settings and write DIR/report.html, "
        "DIR/metrics.json and the trained models.",
    )
    tour.add_argument("--out", default="tour", metavar="DIR", help="output directory (default: tour)")
    tour.add_argument("--fast", action="store_true", help="shrink every run to a smoke test")
    tour.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    tour.add_argument("--data-dir", default=None, metavar="DIR",
                      help="directory with the Fashion-MNIST IDX files, searched first")
    return parser


def main(argv=None):
    import os

    # TensorFlow's C++ start-up chatter buries the progress lines.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    from dlkit.data.errors import CorruptDataError, DataNotFoundError

    try:
        if args.command == "tour":
            from dlkit.tour import run_tour

            run_tour(args.out, fast=args.fast, seed=args.seed, data_dir=args.data_dir)
    except (DataNotFoundError, CorruptDataError, ValueError) as e:
        print(f"dlkit: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dlkit: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
