"""Quality per CPU-minute: dlkit's recipes against what a user would pick instead, at equal training time.

Three parts, each with a budget of training seconds (`BUDGETS`):

- `cnn`: `dlkit train cnn`'s recipe (the family's FULL settings, planned
  into the budget: `--set time_budget=600 --set epochs=40`) against the
  convnet of the Keras `mnist_convnet` example (written here from its
  published layers and optimizer), both on the same seeded 55,000/5,000
  split of Fashion-MNIST, scored on the 10,000 test images: test accuracy.
- `dcgan`, `wgan-gp`: the settings of `dlkit train dcgan` / `wgan-gp` (the
  families' FULL runs), trained until the cap stops them, against the DCGAN of the
  keras-io example "GAN overriding Model.train_step" (its 28x28 version,
  written here from its published layers, optimizer and label noise), all
  scored alike: FCD of `eval_images` samples against as many test images
  and class-coverage entropy, by dlkit's evaluator. The reference GAN trains
  once per seed and stands beside both GAN parts.

Every run is capped by the part's budget (`callbacks.TimeBudget`: training
steps only, from the end of the first traced step; validation and per-epoch
measurements are outside it). dlkit's recipe trains for its own epochs and
is flagged if the cap cut it short (the GAN recipes, at a constant learning
rate, train until the cap stops them); a reference trains for as many epochs
as the cap allows. The CNN recipe plans its epochs against `fit`'s whole wall
time (tracing and validation included), which the cap does not count: it
trains a little less than the reference does. For each seed the two sides alternate which trains first, so
a change in the machine's load falls on both. The summary gives each side's
median over seeds, the ratio, and the issue's targets (CNN test accuracy
>= 93.5 % within 10 minutes; DCGAN FCD <= 60 and WGAN-GP FCD <= 80 within 15
minutes, coverage entropy >= 0.95), with the machine named.

The parts take long (10 or 15 minutes a run): `--only` picks parts, `--seeds`
the seeds to train now, and `--records` merges the JSON records of earlier
invocations (made with the same settings and budgets, or refused).

    python -m benchmarks.quality_budget [--only cnn,dcgan,wgan-gp] [--seeds 0 1 2]
                                        [--records JSON ...] [--fast] [--json PATH]
"""

import argparse
import functools
import json
import math
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("cnn", "dcgan", "wgan-gp")
BUDGETS = {"cnn": 600.0, "dcgan": 900.0, "wgan-gp": 900.0}  # seconds of training on two CPU cores
FAST_BUDGET = 2.0  # --fast: a few steps each (the code runs; the numbers mean nothing)
# (metric, better, target), and for the GANs the coverage-entropy floor.
TARGETS = {"cnn": ("test_accuracy", "higher", 0.935), "dcgan": ("fcd", "lower", 60.0),
           "wgan-gp": ("fcd", "lower", 80.0)}
COVERAGE_TARGET = 0.95
REFERENCE_NAMES = {"cnn": "Keras mnist_convnet", "gan": "keras-io DCGAN"}
# The references' published settings, which their code below reads; each
# reference run records them, and `--records` refuses a run made with others.
REFERENCE_SETTINGS = {
    "cnn": {"network": "mnist_convnet", "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 128},
    "gan": {"network": "keras-io dcgan 28x28", "optimizer": "adam", "learning_rate": 3e-4, "batch_size": 64,
            "latent_dim": 128, "label_noise": 0.05},
}


# --- the references, written from the examples' published settings ----------------------------------------------

def build_mnist_convnet():
    """The Keras `mnist_convnet` example's network: two 3x3 convolutions with max pooling, dropout, softmax."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="mnist_convnet")


def build_keras_io_gan(latent_dim=128, learning_rate=3e-4, label_noise=0.05):
    """The keras-io DCGAN (28x28 version): a `keras.Model` whose `train_step` is the example's.

    Discriminator: 3x3 stride-2 convolutions of 64 and 128 filters with
    LeakyReLU(0.2), global max pooling, one logit. Generator: a dense layer
    to 7x7x128, two 4x4 stride-2 transposed convolutions of 128 filters with
    LeakyReLU(0.2), a 7x7 convolution to one sigmoid channel: images in
    [0, 1]. One step: the discriminator on generated and real images
    together, labels 1 for generated and 0 for real plus uniform noise of
    0.05; then the generator, asking for the label "real". Adam(3e-4) for
    each, binary cross-entropy on logits, latent size 128, batches of 64.
    `generate` returns [-1, 1] images, the scale dlkit's evaluator reads.
    """
    import keras
    import numpy as np
    import tensorflow as tf
    from keras import layers

    discriminator = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(64, 3, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(128, 3, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(7 * 7 * 128), layers.LeakyReLU(0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(128, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
    ], name="generator")

    class KerasIoGAN(keras.Model):
        def __init__(self):
            super().__init__()
            self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
            self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
            self.d_optimizer = keras.optimizers.Adam(learning_rate)
            self.g_optimizer = keras.optimizers.Adam(learning_rate)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.built = True  # its two networks arrive built

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def train_step(self, real):
            n = tf.shape(real)[0]
            fake = self.generator(tf.random.normal((n, self.latent_dim)))
            both = tf.concat([fake, real], axis=0)
            labels = tf.concat([tf.ones((n, 1)), tf.zeros((n, 1))], axis=0)
            labels += label_noise * tf.random.uniform(tf.shape(labels))
            with tf.GradientTape() as tape:
                d_loss = self.bce(labels, self.discriminator(both))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights, strict=True))
            with tf.GradientTape() as tape:
                g_loss = self.bce(tf.zeros((n, 1)),
                                  self.discriminator(self.generator(tf.random.normal((n, self.latent_dim)))))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

        def generate(self, count, seed=None):
            latent = np.random.default_rng(seed).standard_normal((count, self.latent_dim)).astype("float32")
            return 2.0 * np.asarray(self.generator.predict(latent, batch_size=256, verbose=0)) - 1.0

    model = KerasIoGAN()
    model.compile()
    return model


# --- one run of each side ----------------------------------------------------------------------------------------

def _budget(part, fast):
    from dlkit.callbacks import TimeBudget

    return TimeBudget(FAST_BUDGET if fast else BUDGETS[part])


# How each recipe meets its budget: the CNN plans its epochs into it (`time_budget`, with up to 40
# epochs where the machine is fast enough), its warm-up and cosine decay ending with the last. The
# GANs train at a constant learning rate (a decay over the run cost FCD in 300-s probes, see the
# notes of #20), so they simply train until the cap stops them: for them the cap is the intended end.
PLANNED = {"cnn": lambda budget: {"epochs": 40, "time_budget": budget}}
UNTIL_BUDGET = ("dcgan", "wgan-gp")


def recipe(part, fast):
    """The settings dlkit trains `part` with here: FULL (FAST with `fast`), planned into the budget where it can be."""
    from dlkit import families

    family = families.FAMILIES[part]
    settings = family.FAST if fast else family.FULL
    if part in PLANNED:
        changes = PLANNED[part](FAST_BUDGET if fast else BUDGETS[part])
        settings = settings.replace(**({"time_budget": changes["time_budget"]} if fast else changes))
    elif part in UNTIL_BUDGET and not fast:  # FAST keeps its few epochs within its short budget
        settings = settings.replace(epochs=100_000)
    return settings


def train_dlkit(part, seed, fast):
    """dlkit's recipe for `part` (`recipe`) under the part's cap; its metrics."""
    from dlkit import families

    family = families.FAMILIES[part]
    settings = recipe(part, fast)
    budget = _budget(part, fast)
    result = family.train(settings, seed=seed, verbose=0, callbacks=[budget])
    m = result.metrics
    out = {"train_seconds": m["train_seconds"], "budget_seconds": round(budget.seconds_used, 1),
           "steps": budget.steps, "epochs_run": m["epochs_run"],
           "cut_by_budget": budget.stopped and part not in UNTIL_BUDGET,
           "settings": settings.as_dict()}
    keys = ("test_accuracy",) if part == "cnn" else ("fcd", "coverage_entropy", "classes_covered")
    return {**{k: m[k] for k in keys}, **out}


def train_cnn_reference(seed, fast):
    """The `mnist_convnet` network on dlkit's split (`REFERENCE_SETTINGS`: Adam 1e-3, batches of 128) until the cap."""
    import keras

    from dlkit import data, evaluation
    from dlkit.families import cnn
    from dlkit.families.common import fashion_mnist_subset, split_validation
    from dlkit.seed import set_seed

    settings = cnn.FAST if fast else cnn.FULL
    (x_train, y_train), (x_test, y_test) = fashion_mnist_subset(settings.train_subset, settings.test_subset, seed)
    (x_fit, y_fit), (x_val, y_val) = split_validation(x_train, y_train, settings.validation_size, seed)
    reference = REFERENCE_SETTINGS["cnn"]
    set_seed(seed)
    model = build_mnist_convnet()
    model.compile(keras.optimizers.Adam(reference["learning_rate"]), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    budget = _budget("cnn", fast)
    start = time.perf_counter()
    history = model.fit(data.make_image_dataset(x_fit, y_fit, reference["batch_size"], seed=seed),
                        epochs=100_000, verbose=0,
                        validation_data=data.make_image_dataset(x_val, y_val, 512, shuffle=False),
                        callbacks=[budget])
    seconds = time.perf_counter() - start
    predictions = evaluation.predict_classes(model, data.scale_images(x_test))
    return {"test_accuracy": evaluation.accuracy(y_test, predictions), "train_seconds": round(seconds, 2),
            "budget_seconds": round(budget.seconds_used, 1), "steps": budget.steps,
            "epochs_run": len(history.history["loss"]), "cut_by_budget": budget.stopped, "settings": reference}


def train_gan_reference(seed, fast, eval_images):
    """The keras-io DCGAN on Fashion-MNIST's training images under the GAN cap; scored as dlkit's GANs."""
    from dlkit import data
    from dlkit.families import gans
    from dlkit.families.common import fashion_mnist_subset
    from dlkit.seed import set_seed

    subset = gans.DCGAN.FAST.train_subset if fast else None
    (x_train, _), (x_test, _) = fashion_mnist_subset(subset, None, seed)
    reference = REFERENCE_SETTINGS["gan"]
    set_seed(seed)
    model = build_keras_io_gan(reference["latent_dim"], reference["learning_rate"], reference["label_noise"])
    budget = _budget("dcgan", fast)
    start = time.perf_counter()
    history = model.fit(data.make_image_dataset(x_train, batch_size=reference["batch_size"], seed=seed,
                                                drop_remainder=True),
                        epochs=100_000, verbose=0, callbacks=[budget])
    seconds = time.perf_counter() - start
    q = gans.quality(model, data.scale_images(x_test, "symmetric"), eval_images, seed)
    return {"fcd": q["fcd"], "coverage_entropy": q["coverage_entropy"], "classes_covered": q["classes_covered"],
            "train_seconds": round(seconds, 2), "budget_seconds": round(budget.seconds_used, 1),
            "steps": budget.steps, "epochs_run": len(history.history["d_loss"]), "cut_by_budget": budget.stopped,
            "settings": reference}


# --- records and the summary -------------------------------------------------------------------------------------

def _key(part, side, seed):
    return f"{part}/{side}/{seed}"


_ABSENT = "(absent)"


def _setting_changes(run, part, side, fast):
    """`{setting: (recorded, now)}` where a recorded run's settings differ from today's (`_ABSENT`: no such key).

    Today's: `recipe(part, fast)` for dlkit's side, `REFERENCE_SETTINGS` for a reference.
    """
    now = recipe(part, fast).as_dict() if side == "dlkit" else REFERENCE_SETTINGS[part]
    now = json.loads(json.dumps(now))  # tuples as lists, as the record holds them
    recorded = run.get("settings")
    if not isinstance(recorded, dict):
        return {"settings": ("not recorded", "recorded")}
    return {key: (recorded.get(key, _ABSENT), now.get(key, _ABSENT)) for key in sorted(set(now) | set(recorded))
            if recorded.get(key, _ABSENT) != now.get(key, _ABSENT)}


def _check_run_key(path, key):
    """`(part, side)` of a record's run key `part/side/seed`; anything else is refused by name."""
    parts = key.split("/")
    known = {"dlkit": PARTS, "reference": tuple(REFERENCE_NAMES)}
    if len(parts) != 3 or parts[1] not in known or parts[0] not in known[parts[1]] or not parts[2].isdigit():
        raise SystemExit(f"--records: expected run keys part/side/seed (dlkit parts {list(PARTS)}, reference "
                         f"parts {list(REFERENCE_NAMES)}). Received: {key!r} in {path}")
    return parts[0], parts[1]


def read_records(paths, fast):
    """The runs of earlier invocations' `--json` records.

    Refused if measured with other budgets or mode, or if a run was trained
    with settings other than today's (dlkit's recipe, or the reference's
    `REFERENCE_SETTINGS`): a median must not mix two recipes.
    """
    runs = {}
    for path in paths:
        try:
            with open(path) as f:
                record = json.load(f)
        except (OSError, ValueError) as error:
            raise SystemExit(f"--records: expected a JSON record written by this benchmark's --json. "
                             f"Received: {path} ({error})") from None
        if not isinstance(record, dict) or not isinstance(record.get("runs"), dict):
            raise SystemExit(f"--records: expected a JSON object with a \"runs\" object, as this benchmark's --json "
                             f"writes. Received: {path} ({type(record).__name__}"
                             f"{', keys ' + str(sorted(record)) if isinstance(record, dict) else ''})")
        if record.get("budgets") != BUDGETS or record.get("fast") != fast:
            raise SystemExit(f"--records: {path} was measured with budgets {record.get('budgets')} and "
                             f"fast={record.get('fast')}; this run uses {BUDGETS} and fast={fast}")
        for key, run in record["runs"].items():
            part, side = _check_run_key(path, key)
            changes = _setting_changes(run, part, side, fast)
            if changes:
                described = ", ".join(f"{name}: {then!r} then, {now!r} now" for name, (then, now) in changes.items())
                raise SystemExit(f"--records: {path}'s run {key} was trained with settings other than today's "
                                 f"{'recipe' if side == 'dlkit' else 'reference'} ({described}); measure it again "
                                 "or leave the record out")
        runs.update(record["runs"])
    return runs


def _median(values):
    return statistics.median(values) if values else None


def _measured(run, metric, better):
    """`run[metric]`, or the worst value where the run's measurement was not finite (a diverged run).

    The JSON record holds such a value as `null` (`saving.write_json`); in
    a median it counts as the worst run, not as a missing one.
    """
    value = run[metric]
    if value is None or not math.isfinite(value):
        return math.inf if better == "lower" else -math.inf
    return value


def summarise(runs, parts):
    """Per part: the seeds measured, each side's median metric, the ratio and the targets."""
    summary = {}
    for part in parts:
        metric, better, target = TARGETS[part]
        ref_part = "cnn" if part == "cnn" else "gan"
        seeds = sorted({int(k.split("/")[2]) for k in runs if k.startswith(f"{part}/dlkit/")})
        ours = [runs[_key(part, "dlkit", s)] for s in seeds]
        ref_seeds = sorted({int(k.split("/")[2]) for k in runs if k.startswith(f"{ref_part}/reference/")})
        theirs = [runs[_key(ref_part, "reference", s)] for s in ref_seeds]
        mine = _median([_measured(r, metric, better) for r in ours])
        reference = _median([_measured(r, metric, better) for r in theirs])
        entry = {"metric": metric, "seeds": seeds, "dlkit_median": mine, "reference_median": reference,
                 "reference": REFERENCE_NAMES[ref_part], "reference_seeds": ref_seeds,
                 "ratio": mine / reference if mine and reference and math.isfinite(mine / reference) else None,
                 "any_cut_by_budget": any(r["cut_by_budget"] for r in ours)}
        met = mine is not None and len(seeds) >= 3 and (mine >= target if better == "higher" else mine <= target)
        if part != "cnn":
            entry["coverage_median"] = _median([_measured(r, "coverage_entropy", "higher") for r in ours])
            met = met and entry["coverage_median"] >= COVERAGE_TARGET
        entry["target_met"] = bool(met) and not entry["any_cut_by_budget"]
        summary[part] = entry
    return summary


def _format(metric, value):
    if value is None:
        return "-"
    return f"{value:.2%}" if metric == "test_accuracy" else f"{value:.1f}"


def print_summary(runs, summary, machine, fast):
    for part, entry in summary.items():
        metric, better, target = TARGETS[part]
        budget = FAST_BUDGET if fast else BUDGETS[part]
        print(f"\n{part}: {metric} after {budget:.0f} s of training ({'higher' if better == 'higher' else 'lower'} "
              f"is better); reference: {entry['reference']}")
        print(f"  {'seed':>4}  {'side':<22}{metric:>14}{'coverage':>10}{'epochs':>8}{'steps':>8}{'train s':>9}")
        ref_part = "cnn" if part == "cnn" else "gan"
        rows = [(s, "dlkit", _key(part, "dlkit", s)) for s in entry["seeds"]]
        rows += [(s, entry["reference"], _key(ref_part, "reference", s)) for s in entry["reference_seeds"]]
        for seed, side, key in rows:
            r = runs[key]
            cut = "*" if r["cut_by_budget"] and side == "dlkit" else ""
            coverage = f"{r['coverage_entropy']:.3f}" if "coverage_entropy" in r else ""
            print(f"  {seed:>4}  {side:<22}{_format(metric, r[metric]):>14}{coverage:>10}"
                  f"{r['epochs_run']:>7}{cut:1}{r['steps']:>8}{r['train_seconds']:>9.0f}")
        ratio = "-" if entry["ratio"] is None else f"{entry['ratio']:.3f}"
        print(f"  median: dlkit {_format(metric, entry['dlkit_median'])}, {entry['reference']} "
              f"{_format(metric, entry['reference_median'])}, ratio dlkit/reference {ratio}")
        if entry["any_cut_by_budget"]:
            print("  (* the budget stopped the recipe before its last epoch: it does not fit in "
                  f"{budget:.0f} s on this machine)")
        goal = f"{metric} {'>=' if better == 'higher' else '<='} {_format(metric, target)}"
        if part != "cnn":
            coverage = entry["coverage_median"]
            goal += f", coverage entropy >= {COVERAGE_TARGET} (median {'-' if coverage is None else f'{coverage:.3f}'})"
        verdict = "met" if entry["target_met"] else (
            "not decided (fewer than 3 seeds)" if len(entry["seeds"]) < 3 else "missed")
        print(f"  target ({goal}, median of 3 seeds, within the budget): {verdict}")
    print(f"\nmachine: {machine}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts to train now, from {','.join(PARTS)}")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2], help="seeds to train now")
    parser.add_argument("--records", nargs="*", default=[], help="--json records of earlier runs to merge")
    parser.add_argument("--fast", action="store_true", help=f"FAST settings, {FAST_BUDGET:.0f} s budgets")
    parser.add_argument("--json", default=None, help="also write the record to this file")
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown parts {unknown}; expected names from {list(PARTS)}")

    from benchmarks._timing import machine_summary
    from dlkit import saving
    from dlkit.families import gans

    machine = machine_summary()
    if args.json and os.path.exists(args.json) and os.path.abspath(args.json) not in {
            os.path.abspath(p) for p in args.records}:
        parser.error(f"--json {args.json} exists: name a new file, or pass it to --records too to extend it")
    runs = read_records(args.records, args.fast)
    eval_images = (gans.DCGAN.FAST if args.fast else gans.DCGAN.FULL).eval_images
    for i, seed in enumerate(args.seeds):
        for part in parts:
            jobs = [("dlkit", functools.partial(train_dlkit, part, seed, args.fast))]
            if part == "cnn":
                jobs.append(("reference", functools.partial(train_cnn_reference, seed, args.fast)))
            elif _key("gan", "reference", seed) not in runs:
                jobs.append(("reference", functools.partial(train_gan_reference, seed, args.fast, eval_images)))
            for side, job in (jobs if i % 2 == 0 else jobs[::-1]):
                key = _key(part if side == "dlkit" or part == "cnn" else "gan", side, seed)
                runs[key] = {**job(), "machine": machine}
                r = runs[key]
                shown = {k: r[k] for k in ("test_accuracy", "fcd", "coverage_entropy", "train_seconds",
                                           "epochs_run", "cut_by_budget") if k in r}
                print(f"{key}: {shown}", flush=True)
                if args.json:  # after every run: a crash later loses nothing measured
                    saving.write_json(args.json, {"machine": machine, "budgets": BUDGETS, "fast": args.fast,
                                              "runs": runs})
    shown_parts = [p for p in PARTS if p in parts or any(k.startswith(f"{p}/dlkit/") for k in runs)]
    summary = summarise(runs, shown_parts)
    print_summary(runs, summary, machine, args.fast)
    record = {"machine": machine, "budgets": BUDGETS, "fast": args.fast, "runs": runs, "summary": summary}
    if args.json:
        saving.write_json(args.json, record)  # atomically
    return record


if __name__ == "__main__":
    main()
