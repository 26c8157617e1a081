"""The `dlkit` command line."""

import argparse
import sys


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
    from pathlib import Path

    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"expected an existing directory, received {text!r}")
    return text


def _output_dir(text):
    """An argparse type: a directory path that is not an existing file (created later)."""
    from pathlib import Path

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
    train.add_argument("--out", default="runs", type=_output_dir, metavar="DIR",
                       help="output directory (default: runs)")
    train.add_argument("--data-dir", type=_existing_dir, default=None, metavar="DIR",
                       help="directory with the Fashion-MNIST IDX files, searched first")
    train.add_argument("--resume", action="store_true",
                       help="continue from the backup in --out: a killed run from its last finished "
                       "epoch, a finished run up to a larger --epochs (the learning-rate schedule "
                       "follows the new --epochs); the other settings must match")
    train.add_argument("--task", choices=RNN_TASKS, default=None,
                       help="for lstm/gru: co2 (forecaster, default), words (character model), "
                       "rows (Fashion-MNIST row by row) or memory (adding problem)")
    train.add_argument("--fast", action="store_true", help="a smoke-test-sized run")
    train.add_argument("--strategy", choices=STRATEGIES, default="default",
                       help="tf.distribute strategy: default (one device), mirrored (every local GPU), "
                       "multiworker (machines described by TF_CONFIG) or tpu (Colab/Kaggle TPU); "
                       "--batch-size is the global batch (default: default)")
    train.add_argument("--precision", choices=PRECISIONS, default="float32",
                       help="Keras dtype policy: float32, mixed_float16 (GPUs) or mixed_bfloat16 "
                       "(TPUs, recent CPUs and GPUs) (default: float32)")
    _add_common_options(train)
    return parser


TRAIN_FAMILIES = ("cnn", "lstm", "gru", "dcgan", "wgan", "wgan-gp")
RNN_TASKS = ("co2", "words", "rows", "memory")
STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
GAN_FAMILIES = ("dcgan", "wgan", "wgan-gp")


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
    import tensorflow as tf

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


def _workers(strategy):
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return 1
    cluster = strategy.cluster_resolver.cluster_spec().as_dict()
    return max(1, sum(len(cluster.get(job, [])) for job in ("chief", "worker")))


def _train_distributed(args):
    """`_train` inside the chosen strategy's scope and under the chosen dtype policy."""
    import keras

    from dlkit.precision import policy_blocker

    blocker = policy_blocker(args.precision)
    if blocker:
        raise StrategyError(f"--precision {args.precision}: {blocker}")
    strategy = make_strategy(args.strategy)
    if _workers(strategy) > 1 and args.family not in GAN_FAMILIES:
        # Keras 3 fit() of labelled (x, y) data fails across workers
        # (keras-team/keras#20585); the GAN loops handle it.
        raise StrategyError(
            f"--strategy multiworker across {_workers(strategy)} workers trains the GAN families "
            f"({', '.join(GAN_FAMILIES)}) only: Keras 3 fit() of labelled data fails across "
            f"workers (keras-team/keras#20585). Received: family={args.family!r}"
        )
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(args.precision)
    try:
        with strategy.scope():
            _train(args)
    finally:
        keras.mixed_precision.set_global_policy(previous)


# What must match for `--resume` to continue a backup (epochs may grow).
RESUME_SETTINGS = ("family", "task", "fast", "batch_size", "seed", "precision")


def _run_name(args):
    """The run's name in --out: the family, or `<cell>_<task>` for the recurrent ones."""
    return f"{args.family}_{args.task}" if args.task else args.family


def _check_resumable(args, out):
    """Refuses `--resume` onto a backup made with other settings; records this run's settings."""
    from dlkit import saving

    settings = {key: getattr(args, key, None) for key in RESUME_SETTINGS}
    path = out / f"{_run_name(args)}_run.json"
    if args.resume and path.is_file():
        before = saving.read_json(path)
        changed = {k: (before.get(k), v) for k, v in settings.items() if before.get(k) != v}
        if changed:
            raise ValueError(
                f"cannot resume the run in {out}: it was made with "
                + ", ".join(f"{k}={old!r}" for k, (old, _) in changed.items())
                + "; this command asks for " + ", ".join(f"{k}={new!r}" for k, (_, new) in changed.items())
                + ". Use the same settings, or another --out")
    saving.write_json(path, settings)


def _train(args):
    from dlkit import runs, saving
    from dlkit.recipes import gan as gan_recipes
    from dlkit.recipes import train_cnn_fashion_mnist

    name = _run_name(args)
    extras = gan_recipes.output_extras(args.family) if args.family in GAN_FAMILIES else ()
    out = runs.prepare_output(args.out, name, resume=args.resume, overwrite=args.overwrite, extras=extras)
    _check_resumable(args, out)
    # The policy is settled above; the recipes are told to go ahead.
    decided = {"resume": args.resume, "overwrite": not args.resume, "keep_backup": True}
    if args.family == "cnn":
        result = train_cnn_fashion_mnist(
            out=out, fast=args.fast, seed=args.seed, data_dir=args.data_dir, epochs=args.epochs,
            batch_size=args.batch_size, **decided,
        )
        headline = f"test accuracy {result.metrics['test_accuracy']:.4f}"
    elif args.family in GAN_FAMILIES:
        overrides = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size)) if v}
        result = gan_recipes.train_gan(args.family, fast=args.fast, seed=args.seed, out=out,
                                       data_dir=args.data_dir, **decided, **overrides)
        m = result.metrics
        headline = (f"Frechet classifier distance {m['fcd']:.2f}, {m['classes_covered']} classes, "
                    f"coverage entropy {m['coverage_entropy']:.3f}")
    else:
        result, headline = _train_rnn(args, out, name)
    metrics = dict(result.metrics, model_path=str(result.model_path))
    saving.write_json(out / f"{name}_metrics.json", metrics)
    if args.resume and not result.history.get("loss"):
        print(f"dlkit: nothing left to train: the backup in {out} already has every epoch asked for; "
              "pass a larger --epochs to continue", file=sys.stderr)
    print(f"{headline}; saved {result.model_path}")


def _train_rnn(args, out, name):
    from dlkit import runs, saving
    from dlkit.recipes import rnn as recipes
    from dlkit.recipes.common import resumable_backup

    overrides = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size)) if v}
    cell = args.family
    # Kept after the run (like the other families' here), so --resume can extend it.
    overrides["callbacks"] = [resumable_backup(runs.backup_dir(out, name))]
    if args.task == "co2":
        result = recipes.train_co2_forecaster(cell, fast=args.fast, seed=args.seed, verbose=2, **overrides)
        headline = f"CO2 test MAE {result.metrics['test_mae']:.3f} ppm"
    elif args.task == "words":
        result = recipes.train_char_language_model(cell, fast=args.fast, seed=args.seed, verbose=2,
                                                   **overrides)
        headline = (f"validation bits per character {result.metrics['bits_per_char']:.3f} "
                    f"(n-gram {result.metrics['ngram_bits_per_char']:.3f})")
    elif args.task == "rows":
        result = recipes.train_rows_classifier(cell, fast=args.fast, seed=args.seed,
                                               data_dir=args.data_dir, verbose=2, **overrides)
        headline = f"test accuracy {result.metrics['test_accuracy']:.4f}"
    else:
        result = recipes.train_memory_task(cell, fast=args.fast, seed=args.seed, verbose=2, **overrides)
        headline = f"validation accuracy {result.metrics['validation_accuracy']:.3f}"
    result.model_path = saving.save_model(result.model, out / f"{name}.keras")
    return result, headline


def _check_task(parser, args):
    """`--task` belongs to the recurrent families; elsewhere it is a mistake, not a no-op."""
    if args.family in ("lstm", "gru"):
        args.task = args.task or "co2"
    elif args.task is not None:
        parser.error(f"argument --task: applies to lstm and gru only, "
                     f"received family={args.family!r} with --task {args.task}")


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
    import os
    import tempfile

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
        import traceback

        traceback.print_exception(error)
    return code


def main(argv=None):
    import logging

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        _check_task(parser, args)
    _import_tensorflow_quietly(args.verbose)
    if not args.verbose:
        # tf.function retracing notices fire when many small models predict in
        # one process (the tour); they are not actionable on a command line.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from dlkit.data.errors import CorruptDataError, DataNotFoundError
    from dlkit.runs import OutputError

    try:
        if args.command == "tour":
            from dlkit.tour import run_tour

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
