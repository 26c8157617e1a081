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

    train = sub.add_parser(
        "train",
        help="train one model and save it as a .keras file",
        description="Train one family's default model on the bundled data and save it "
        "(OUT/<family>.keras) with its metrics (OUT/<family>_metrics.json).",
    )
    train.add_argument("family", choices=TRAIN_FAMILIES, help="what to train")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="epochs (default: the family's full run)")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="batch size")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    train.add_argument("--out", default="runs", metavar="DIR", help="output directory (default: runs)")
    train.add_argument("--data-dir", default=None, metavar="DIR",
                       help="directory with the Fashion-MNIST IDX files, searched first")
    train.add_argument("--resume", action="store_true",
                       help="continue from the last checkpoint in --out")
    train.add_argument("--fast", action="store_true", help="a smoke-test-sized run")
    return parser


TRAIN_FAMILIES = ("cnn",)


def _train(args):
    import json
    from pathlib import Path

    from dlkit.recipes import train_cnn_fashion_mnist

    out = Path(args.out)
    result = train_cnn_fashion_mnist(
        out=out, fast=args.fast, seed=args.seed, data_dir=args.data_dir, epochs=args.epochs,
        batch_size=args.batch_size, resume=args.resume,
    )
    metrics = dict(result.metrics, model_path=str(result.model_path))
    (out / f"{args.family}_metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"test accuracy {metrics['test_accuracy']:.4f}; saved {result.model_path}")


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
        elif args.command == "train":
            _train(args)
    except (DataNotFoundError, CorruptDataError, ValueError) as e:
        print(f"dlkit: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dlkit: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
