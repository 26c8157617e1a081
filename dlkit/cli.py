"""The `dlkit` command line.

TensorFlow and Keras are imported inside the functions that train, never at
the top: `dlkit --help` and a command line refused for a bad argument or
setting answer without paying for that import (a few seconds).
"""

import argparse
import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path

from dlkit import families
from dlkit.data.errors import CorruptDataError, DataNotFoundError
from dlkit.precision import policy_blocker
from dlkit.runs import OutputError


def _int_at_least(minimum, description):
    """An argparse type: an integer >= minimum, or a one-line error naming the value."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a {description} integer, received {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1, "positive")
_non_negative_int = _int_at_least(0, "non-negative")


def _existing_dir(text):
    """An argparse type: a directory that exists (a typo must not fall back silently)."""
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"expected an existing directory, received {text!r}")
    return text


def _output_dir(text):
    """An argparse type: a directory path that is not an existing file (created later)."""
    if Path(text).exists() and not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"expected a directory, received {text!r}, which is a file")
    return text


def _add_common_options(parser):
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a run of the same name already in --out (without it, such a "
                        "run is refused, never silently replaced)")
    parser.add_argument("--verbose", action="store_true",
                        help="also show TensorFlow's own start-up log lines")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, show the Python traceback after the one-line message")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def build_parser():
    parser = _Parser(
        prog="dlkit",
        description="Convolutional, recurrent and adversarial networks with Keras 3, "
        "trained on real data that works offline.",
        epilog="Exit status: 0 done; 1 an error while running (data missing or corrupt, a file "
        "that cannot be read or written); 2 a bad command line (including an --out that already "
        "holds the run, or a --resume with nothing to resume); 130 interrupted. Errors are one "
        "line on stderr.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    tour = sub.add_parser(
        "tour",
        help="train every family on the bundled data and write an HTML report",
        description="Train every family with its default settings and write DIR/report.html, "
        "DIR/metrics.json and the trained models.",
    )
    tour.add_argument("--out", default="tour", type=_output_dir, metavar="DIR",
                      help="output directory (default: tour)")
    tour.add_argument("--fast", action="store_true", help="shrink every run to a smoke test")
    tour.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    tour.add_argument("--data-dir", type=_existing_dir, default=None, metavar="DIR",
                      help="directory with the Fashion-MNIST IDX files, searched first")
    _add_common_options(tour)

    names = list(families.FAMILIES)
    listing = "\n".join(f"  {name:<12} {fam.title}: {fam.task}" for name, fam in families.FAMILIES.items())
    train = sub.add_parser(
        "train",
        help="train one family's model and save it as a .keras file",
        description="Train one family on the bundled data and save it (OUT/<family>.keras) with its "
        "metrics (OUT/<family>_metrics.json).",
        epilog=f"families:\n{listing}\n\nEvery field of a family's settings can be changed with "
        "--set NAME=VALUE (for example --set cell=gru --set units=32); a name the family does not "
        "have is an error that names it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("family", choices=[*names, *LEGACY_CELLS], metavar="FAMILY",
                       help=f"what to train: {', '.join(names)} (listed below)")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="epochs (default: the family's full run)")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="batch size")
    train.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="changes",
                       help="change one of the family's settings (repeatable)")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    train.add_argument("--out", default="runs", type=_output_dir, metavar="DIR",
                       help="output directory (default: runs)")
    train.add_argument("--data-dir", type=_existing_dir, default=None, metavar="DIR",
                       help="directory with the Fashion-MNIST IDX files, searched first")
    train.add_argument("--tensorboard", type=_output_dir, default=None, metavar="DIR",
                       help="write TensorBoard logs under DIR/<family> (losses and metrics; a GAN's "
                       "sample grid and FCD too): tensorboard --logdir DIR")
    train.add_argument("--resume", action="store_true",
                       help="continue from the backup in --out: a killed run from its last finished "
                       "epoch, a finished run up to a larger --epochs (the learning-rate schedule "
                       "follows the new --epochs); the other settings must match")
    train.add_argument("--task", choices=tuple(families.LEGACY_TASKS), default=None,
                       help="deprecated, with lstm/gru only: co2, words, rows or memory (now the "
                       "families forecaster, char-lm, rows and memory with --set cell=...)")
    train.add_argument("--fast", action="store_true", help="a smoke-test-sized run")
    train.add_argument("--strategy", choices=STRATEGIES, default="default",
                       help="tf.distribute strategy: default (one device), mirrored (every local GPU), "
                       "multiworker (machines described by TF_CONFIG) or tpu (Colab/Kaggle TPU); "
                       "--batch-size is the global batch (default: default)")
    train.add_argument("--precision", choices=PRECISIONS, default="float32",
                       help="Keras dtype policy: float32, mixed_float16 (GPUs) or mixed_bfloat16 "
                       "(TPUs, recent CPUs and GPUs) (default: float32)")
    _add_common_options(train)
    train.set_defaults(train_parser=train)
    return parser


# `dlkit train lstm|gru --task ...`, the command line before the registry: kept for one release.
LEGACY_CELLS = ("lstm", "gru")
STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


class StrategyError(RuntimeError):
    """A `tf.distribute` strategy that cannot be created here."""


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def make_strategy(name):
    """The `tf.distribute` strategy called `name` in `STRATEGIES`.

    Raises:
        StrategyError: It cannot be created (no TPU, a bad `TF_CONFIG`, ...).
    """
    import tensorflow as tf  # see the module docstring

    try:
        if name == "default":
            return tf.distribute.get_strategy()
        if name == "mirrored":
            return tf.distribute.MirroredStrategy()
        if name == "multiworker":
            return tf.distribute.MultiWorkerMirroredStrategy()
        if name == "tpu":
            return _tpu_strategy(tf)
    except StrategyError:
        raise
    except Exception as e:  # TensorFlow raises many types here; all mean "not on this machine".
        raise StrategyError(f"cannot create the {name!r} strategy: {_first_line(e)}") from e
    raise StrategyError(f"Expected a strategy from {list(STRATEGIES)}. Received: strategy={name!r}")


def _tpu_strategy(tf):
    errors = []
    # The TPU address comes from the environment (TPU_NAME, Colab); on a TPU
    # VM (Kaggle, Colab's current TPU runtime) it is "local".
    for tpu in (None, "local"):
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            return tf.distribute.TPUStrategy(resolver)
        except Exception as e:  # noqa: PERF203 (two tries at most)
            errors.append(_first_line(e))
    raise StrategyError(f"cannot create the 'tpu' strategy: no TPU found ({'; '.join(errors)})")


def _train_distributed(args):
    """`_train` inside the chosen strategy's scope and under the chosen dtype policy."""
    import keras  # see the module docstring

    blocker = policy_blocker(args.precision)
    if blocker:
        raise StrategyError(f"--precision {args.precision}: {blocker}")
    strategy = make_strategy(args.strategy)
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(args.precision)
    try:
        with strategy.scope():
            _train(args)
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _train(args):
    family, settings = args.family_entry, args.settings
    # The CLI keeps the backup after a finished run, so that --resume can extend it.
    result = family.train(settings, seed=args.seed, out=args.out, data_dir=args.data_dir, resume=args.resume,
                          overwrite=args.overwrite, keep_backup=True, tensorboard=args.tensorboard)
    if args.resume and not result.history.get("loss"):
        print(f"dlkit: nothing left to train: the backup in {args.out} already has every epoch asked for; "
              "pass a larger --epochs to continue", file=sys.stderr)
    if result.model_path is None and args.out is not None:  # a worker other than the chief (dlkit.distribute)
        print(f"{family.headline(result.metrics)}; the chief worker writes {args.out}")
    else:
        print(f"{family.headline(result.metrics)}; saved {result.model_path}")


def _settings(parser, args):
    """The family and its settings from the command line; a bad one is a one-line usage error.

    Decided before TensorFlow is imported: a misspelt setting costs nothing.
    """
    changes = {}
    if args.family in LEGACY_CELLS:
        task = args.task or "co2"
        name = families.LEGACY_TASKS[task]
        print(f"dlkit: `train {args.family} --task {task}` is deprecated: use `train {name} --set "
              f"cell={args.family}` (its files are now {name}.keras, {name}_metrics.json, ...)",
              file=sys.stderr)
        args.family, changes["cell"] = name, args.family
    elif args.task is not None:
        parser.error(f"argument --task: applies to lstm and gru only, "
                     f"received family={args.family!r} with --task {args.task}")
    family = families.FAMILIES[args.family]
    for text in args.changes:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            parser.error(f"argument --set: expected NAME=VALUE, received {text!r}")
        changes[name.strip()] = value.strip()
    for name, value in (("epochs", args.epochs), ("batch_size", args.batch_size)):
        if value is not None:
            changes[name] = str(value)
    try:
        settings = (family.FAST if args.fast else family.FULL).with_text(changes)
    except families.SettingsError as e:
        parser.error(f"{args.family} settings: {e}")
    args.family_entry, args.settings = family, settings


def _one_line(error):
    """An exception as the single line a command line prints."""
    summary = getattr(error, "summary", None)
    return summary or " ".join(str(error).split()) or type(error).__name__


def _import_tensorflow_quietly(verbose):
    """Imports TensorFlow with its C++ start-up lines (CUDA probes, oneDNN notices) held back.

    Those lines go through absl before its logging is configured, so
    `TF_CPP_MIN_LOG_LEVEL` does not silence them all; they are written to the
    process's stderr file descriptor, which is pointed at a temporary file
    for the import and the device scan, then restored. If the import fails,
    what was held back is printed. Nothing is held back when the user asks
    for it: `--verbose`, or `TF_CPP_MIN_LOG_LEVEL=0` in the environment.
    """
    if "tensorflow" in sys.modules:  # imported by the caller already: its lines are out
        return
    if verbose or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        import tensorflow  # noqa: F401
        return
    # 3: also TensorFlow's C++ "errors" that are not failures (Grappler's
    # "remapper failed" during a GAN step); a real failure raises in Python.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe ("failed call to cuInit") runs here
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _report(error, code, debug):
    print(f"dlkit: error: {_one_line(error)}", file=sys.stderr)
    if debug:
        traceback.print_exception(error)
    return code


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        _settings(args.train_parser, args)
    _import_tensorflow_quietly(args.verbose)
    if not args.verbose:
        # tf.function retracing notices fire when many small models predict in
        # one process (the tour); they are not actionable on a command line.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)

    try:
        if args.command == "tour":
            from dlkit.tour import run_tour  # imports Keras: see the module docstring

            run_tour(args.out, fast=args.fast, seed=args.seed, data_dir=args.data_dir,
                     overwrite=args.overwrite)
        elif args.command == "train":
            _train_distributed(args)
    except (StrategyError, OutputError) as e:  # fixed by changing the command line
        return _report(e, 2, args.debug)
    except (DataNotFoundError, CorruptDataError, ValueError, OSError) as e:
        return _report(e, 1, args.debug)
    except KeyboardInterrupt:
        print("dlkit: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug or an unforeseen failure: still one line, the rest on --debug
        error = RuntimeError(f"{type(e).__name__}: {_one_line(e)} (--debug shows the traceback)")
        return _report(error if not args.debug else e, 1, args.debug)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
