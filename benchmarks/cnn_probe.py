"""CNN sweep probe: one CNN setting planned into a training budget, scored on the validation hold-out only.

The `cnn` recipe's choices (issue #20) are made on the 5,000 validation
images; the test set is left to the final runs of
`benchmarks.quality_budget`. This trains the family's FULL settings with the
changes given (`--set`, as `dlkit train cnn --set`) and the network's
(`--model`, keyword arguments of `cnn.build_cnn_classifier`), planned into
`--seconds` of training (`time_budget`: the cosine decay ends with the last
epoch the budget holds), and prints the validation accuracy with and without
the mirror at test time, the epochs and the training seconds. Run one probe
at a time: the budget buys fewer epochs on a busy machine.

    python -m benchmarks.cnn_probe --seconds 600
    python -m benchmarks.cnn_probe --seconds 600 --set batch_size=256 --set learning_rate=4e-3
    python -m benchmarks.cnn_probe --seconds 600 --model filters=48,96,192
"""

import argparse
import os
import time

from benchmarks._timing import append_json_line

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _model_value(text):
    """A `--model` value: an int, a float, a comma-separated tuple of those, true/false/none, or the text."""
    if "," in text:
        return tuple(_model_value(part) for part in text.split(",") if part.strip())
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def _pairs(texts, option):
    pairs = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"{option}: expected NAME=VALUE. Received: {text!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def probe(seconds, changes=None, model_kwargs=None, seed=0, fast=False, max_epochs=40):
    """Trains the `cnn` recipe with `changes` within `seconds`; returns its validation accuracy and run."""
    from dlkit import evaluation
    from dlkit.families import SettingsError, cnn
    from dlkit.families.base import Run
    from dlkit.seed import set_seed

    base = cnn.FAST if fast else cnn.FULL
    try:
        settings = base.with_text({"time_budget": str(seconds), "epochs": str(max_epochs), **(changes or {})})
    except SettingsError as error:
        raise SystemExit(f"--set: {error}") from None
    set_seed(seed)
    start = time.perf_counter()
    trained = cnn.train_on_holdout(settings, Run(seed=seed, callbacks=[], verbose=0), **(model_kwargs or {}))
    seconds_taken = time.perf_counter() - start
    x_val, y_val = trained.validation
    flipped = evaluation.accuracy(y_val, evaluation.predict_classes(trained.model, x_val, flip=True))
    plain = evaluation.accuracy(y_val, evaluation.predict_classes(trained.model, x_val))
    history = trained.history
    return {"changes": dict(changes or {}), "model": dict(model_kwargs or {}),
            "seed": seed, "seconds": seconds, "parameters": int(trained.model.count_params()),
            "epochs_run": len(history["loss"]), "fit_seconds": round(seconds_taken, 1),
            "val_accuracy_flipped": flipped, "val_accuracy": plain,
            "val_accuracy_by_epoch": [round(float(a), 4) for a in history["val_accuracy"]]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="training seconds to plan the run into")
    parser.add_argument("--set", dest="changes", action="append", default=[], metavar="NAME=VALUE",
                        help="a cnn setting, as `dlkit train cnn --set`")
    parser.add_argument("--model", dest="model", action="append", default=[], metavar="NAME=VALUE",
                        help="a keyword of cnn.build_cnn_classifier (filters=48,96,192)")
    parser.add_argument("--max-epochs", type=int, default=40, help="the plan's cap on epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="FAST's 12,000 images (the code runs; numbers mean nothing)")
    parser.add_argument("--json", default=None, help="append the result as one JSON line to this file")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error(f"--seconds: expected a positive number. Received: {args.seconds}")
    changes = _pairs(args.changes, "--set")
    model_kwargs = {name: _model_value(value) for name, value in _pairs(args.model, "--model").items()}
    print(f"cnn: {changes or 'the recipe'}, network {model_kwargs or 'default'}, seed {args.seed}, "
          f"{args.seconds:g} s of training", flush=True)
    result = probe(args.seconds, changes, model_kwargs, args.seed, args.fast, args.max_epochs)
    print(f"  {result['epochs_run']} epochs in {result['fit_seconds']:.0f} s, {result['parameters']:,} parameters; "
          f"validation accuracy {result['val_accuracy_flipped']:.2%} with the mirror, {result['val_accuracy']:.2%} "
          "without")
    if args.json:
        append_json_line(args.json, result)
    return result


if __name__ == "__main__":
    main()
