"""`dlkit tour`: every family on the bundled data, one HTML report.

The tour is a list of stages. Each stage adds sections to the report and
entries to `metrics.json`, and is timed. Stages are added as the families land.
"""

import platform
import sys
import time
from pathlib import Path

import numpy as np

from dlkit import plots, runs, saving
from dlkit.report import Report


def _log(message):
    print(f"[dlkit tour] {message}", flush=True)


def environment_info(seed, fast):
    """Hardware, library versions and the run settings, for metrics.json."""
    import os

    import keras
    import tensorflow as tf

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


def data_stage(report, seed, fast, data_dir=None, out=None):
    """The datasets every family trains on: a look at each, with statistics."""
    from dlkit import data

    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(data_dir=data_dir)
    per_class = 10
    picks = np.concatenate(
        [rng.choice(np.flatnonzero(y_train == c), per_class, replace=False) for c in range(10)]
    )
    report.section(
        "Data",
        "Everything below comes from local files: Fashion-MNIST from the Debian package "
        "dataset-fashion-mnist (SHA-256 verified), English words from wamerican, and the "
        "Mauna Loa CO2 series that ships inside statsmodels.",
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
    return {
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


# The tour's CNN trains 8 of the recipe's 15 epochs (its cosine schedule spans
# the 8), leaving time for the GANs to draw recognisable clothes; the
# walkthrough and `dlkit train cnn` run all 15.
TOUR_CNN = {"epochs": 8}


def cnn_stage(report, seed, fast, data_dir=None, out=None):
    """The default CNN on Fashion-MNIST: curves, confusion matrix, mistakes."""
    from dlkit import data, evaluation
    from dlkit.recipes import train_cnn_fashion_mnist

    result = train_cnn_fashion_mnist(out=out, fast=fast, seed=seed, data_dir=data_dir, overwrite=True,
                                     **({} if fast else TOUR_CNN))
    m = result.metrics
    report.section(
        "CNN: Fashion-MNIST classifier",
        f"The default CNN ({m['parameters']:,} parameters) trained for {m['epochs_run']} epochs on "
        f"{m['train_images']:,} images in {m['train_seconds']:.0f} s "
        f"({m['seconds_per_epoch']} s per epoch). Test accuracy on {m['test_images']:,} "
        f"images: {m['test_accuracy']:.2%}.",
    )
    report.figure(plots.learning_curves(result.history, metrics=["loss", "accuracy"]),
                  "Learning curves")
    cm = evaluation.confusion_matrix(result.test_labels, result.test_predictions, 10)
    report.figure(plots.confusion_matrix_plot(cm, list(data.FASHION_MNIST_CLASSES)),
                  "Confusion matrix (rows: true class, shares)")
    wrong = evaluation.misclassified(result.test_labels, result.test_predictions)[:20]
    names = data.FASHION_MNIST_CLASSES
    titles = [f"{names[result.test_labels[i]][:7]}>{names[result.test_predictions[i]][:7]}"
              for i in wrong]
    report.figure(plots.image_grid(result.test_images[wrong], titles, ncols=10, cell_size=1.2),
                  "Misclassified test images (true > predicted)")
    report.table(
        ["class", "precision", "recall", "test images"],
        evaluation.classification_report(result.test_labels, result.test_predictions, names),
    )
    report.table(
        ["metric", "dlkit CNN", "reference"],
        [["test accuracy", m["test_accuracy"], "chance 0.10; Hands-On ML 3 notebook reports 0.912"]],
    )
    metrics = {k: v for k, v in m.items() if k != "settings"}
    metrics["model_path"] = str(result.model_path) if result.model_path else None
    return metrics


# One GRU layer for 6 epochs keeps the tour short; the walkthrough's two-layer
# LSTM (recipes.CHAR_FULL) is the one that beats the n-gram baseline.
TOUR_CHAR = {"epochs": 6, "num_layers": 1}


def rnn_stage(report, seed, fast, data_dir=None, out=None):
    """LSTM and GRU: CO2 forecasts against baselines, and a character model's new words."""
    from dlkit.evaluation import forecasting
    from dlkit.models import rnn
    from dlkit.recipes import rnn as recipes

    settings = recipes.CO2_FAST if fast else recipes.CO2_FULL
    w = recipes.prepare_co2_windows(settings)
    horizon = settings["horizon"]
    baselines = recipes.co2_baselines(w, settings)
    maes = {name: forecasting.mae(w["y_test"], f) for name, f in baselines.items()}
    forecasters = {}
    for cell in ("lstm", "gru"):
        _log(f"  {cell.upper()} CO2 forecaster ...")
        forecasters[cell] = recipes.train_co2_forecaster(cell, fast=fast, seed=seed, windows=w)
        maes[cell.upper()] = forecasters[cell].metrics["test_mae"]
        if out is not None:
            saving.save_model(forecasters[cell].model, Path(out) / f"{cell}_co2_forecaster.keras")
    best = min(("lstm", "gru"), key=lambda c: maes[c.upper()])
    report.section(
        "RNN: forecasting CO2",
        f"LSTM and GRU forecasters read {settings['input_width']} weeks and predict the next "
        f"{horizon}; every window is expressed relative to its last observed week. Test period: "
        f"the last 15 % of the series. The {best.upper()} is {1 - maes[best.upper()] / maes['seasonal naive']:.0%} "
        "below the seasonal-naive error.",
    )
    last = len(w["x_test"]) - 1
    shown = {name: f[last] for name, f in baselines.items() if name != "naive"}
    shown.update({c.upper(): r.extras["forecasts"][last] for c, r in forecasters.items()})
    report.figure(plots.forecast_plot(w["series"], int(w["test_origins"][last]), horizon, shown,
                                      title="The last test window"), "Forecasts against the truth")
    report.table(["forecast", "test MAE (ppm)"], [[k, float(v)] for k, v in sorted(maes.items(), key=lambda kv: kv[1])])

    _log("  GRU character model ...")
    char_settings = {} if fast else TOUR_CHAR
    char = recipes.train_char_language_model("gru", fast=fast, seed=seed, **char_settings)
    cm = char.metrics
    vocab = char.extras["vocab"]
    train_set = set(char.extras["train_words"])
    sampled = rnn.sample_words(char.model, vocab, 200, temperature=0.8, seed=seed)
    new_share = sum(word not in train_set for word in sampled) / len(sampled)
    if out is not None:
        saving.save_model(char.model, Path(out) / "gru_char_model.keras")
    report.section(
        "RNN: a character model that invents words",
        f"A GRU trained on {cm['train_words']:,} English words predicts held-out words at "
        f"{cm['bits_per_char']:.3f} bits per character (a {cm['ngram_order']}-gram model: "
        f"{cm['ngram_bits_per_char']:.3f}). Of 200 words sampled at temperature 0.8, "
        f"{new_share:.0%} are not in the training list. Some of them: " + ", ".join(sampled[:30]) + ".",
    )
    return {
        "co2_test_mae": maes[best.upper()],
        "co2_best_cell": best,
        "co2_lstm_test_mae": maes["LSTM"],
        "co2_gru_test_mae": maes["GRU"],
        "co2_naive_mae": maes["naive"],
        "co2_seasonal_naive_mae": maes["seasonal naive"],
        "co2_holt_winters_mae": maes["Holt-Winters"],
        "co2_horizon": horizon,
        "co2_parameters": forecasters[best].metrics["parameters"],
        "co2_train_seconds": forecasters[best].metrics["train_seconds"],
        "char_bits_per_char": cm["bits_per_char"],
        "char_cell": cm["cell"],
        "char_parameters": cm["parameters"],
        "char_train_seconds": cm["train_seconds"],
        "char_ngram_bits_per_char": cm["ngram_bits_per_char"],
        "char_new_word_share": new_share,
        "char_samples": sampled[:30],
    }


# The tour's GANs are a short demonstration sized to keep the whole tour under
# 20 minutes on two CPU cores: the DCGAN sees 3 epochs of the full data, the
# WGAN-GP, whose step costs about 2.5 DCGAN steps (2 critic updates, each with
# a second backward pass for the penalty), 3 passes over 20,000 images. The
# full runs live in the GAN walkthroughs and benchmarks.
TOUR_GAN = {"dcgan": {"epochs": 3}, "wgan-gp": {"epochs": 3, "train_subset": 20000}}


def gan_stage(report, seed, fast, data_dir=None, out=None):
    """DCGAN and WGAN-GP: sample grids, progress GIFs and measured quality."""
    from dlkit import data
    from dlkit.recipes import gan as recipes

    (x_train, _), (x_test, _) = data.load_fashion_mnist(data_dir=data_dir)
    eval_images = (recipes.GAN_FAST if fast else recipes.GAN_FULL)["eval_images"]
    refs = recipes.reference_points(x_train, x_test, eval_images, seed)
    results = {}
    for kind in ("dcgan", "wgan-gp"):
        _log(f"  {kind.upper()} ...")
        results[kind] = recipes.train_gan(kind, fast=fast, seed=seed, out=out, data_dir=data_dir, overwrite=True,
                                          **({} if fast else TOUR_GAN[kind]))
    report.section(
        "GAN: DCGAN and WGAN-GP",
        "Both generators map 64 random numbers to a 28x28 image. Quality is measured with the "
        "evaluator classifier shipped in dlkit: the Frechet classifier distance (FCD) to the test "
        "images (lower is better) and the evenness of the classes the samples look like "
        "(coverage entropy, 1.0 = perfectly even).",
    )
    for kind, result in results.items():
        grid = result.extras["grid"]
        images = result.metrics["settings"].get("train_subset", 60000)
        report.figure(plots.image_grid(grid.frames[-1][np.newaxis], title=f"{kind.upper()} samples",
                                       cell_size=4),
                      f"{kind.upper()} after {grid.epochs[-1]} epochs of {images:,} images")
        if out is not None:
            gif = Path(out) / f"{kind}_progress.gif"
            report.image(gif.read_bytes(), f"{kind.upper()}: the same latent vectors after every epoch",
                         mime="image/gif")
    rows = [["real test vs real train (floor)", refs["real_fcd"], refs["real_coverage_entropy"], ""],
            ["untrained generator (ceiling)", refs["untrained_fcd"], "", ""]]
    for kind, result in results.items():
        m = result.metrics
        rows.append([kind.upper(), m["fcd"], m["coverage_entropy"], m["images_per_second"]])
    # Images per second, not seconds per epoch: the two GANs' epochs differ in size.
    report.table(["samples", "FCD", "coverage entropy", "training images/s"], rows)
    return {
        "dcgan_fcd": results["dcgan"].metrics["fcd"],
        "wgan_gp_fcd": results["wgan-gp"].metrics["fcd"],
        "dcgan_coverage_entropy": results["dcgan"].metrics["coverage_entropy"],
        "wgan_gp_coverage_entropy": results["wgan-gp"].metrics["coverage_entropy"],
        "real_fcd": refs["real_fcd"],
        "untrained_fcd": refs["untrained_fcd"],
        "dcgan_seconds_per_epoch": results["dcgan"].metrics["seconds_per_epoch"],
        "wgan_gp_seconds_per_epoch": results["wgan-gp"].metrics["seconds_per_epoch"],
        "dcgan_parameters": results["dcgan"].metrics["parameters"],
        "wgan_gp_parameters": results["wgan-gp"].metrics["parameters"],
        "dcgan_train_seconds": results["dcgan"].metrics["train_seconds"],
        "wgan_gp_train_seconds": results["wgan-gp"].metrics["train_seconds"],
    }


def summary_rows(metrics):
    """One row per trained model of a tour's `metrics.json`: task, family, size, time, metric.

    Stages that did not run are left out, so a partial tour still summarises.
    """
    rows = []
    cnn, rnn, gan = metrics.get("cnn"), metrics.get("rnn"), metrics.get("gan")
    if cnn:
        rows.append({"task": "Fashion-MNIST classification", "family": "CNN",
                     "parameters": cnn["parameters"], "seconds": cnn["train_seconds"],
                     "metric": f"test accuracy {cnn['test_accuracy']:.2%} (chance 10%)"})
    if rnn:
        rows.append({"task": f"CO2 forecast, {rnn['co2_horizon']} weeks ahead",
                     "family": rnn["co2_best_cell"].upper(), "parameters": rnn["co2_parameters"],
                     "seconds": rnn["co2_train_seconds"],
                     "metric": f"test MAE {rnn['co2_test_mae']:.3f} ppm "
                               f"(seasonal naive {rnn['co2_seasonal_naive_mae']:.3f})"})
        rows.append({"task": "next character of English words", "family": rnn["char_cell"].upper(),
                     "parameters": rnn["char_parameters"], "seconds": rnn["char_train_seconds"],
                     "metric": f"{rnn['char_bits_per_char']:.3f} bits/char "
                               f"(n-gram {rnn['char_ngram_bits_per_char']:.3f})"})
    if gan:
        for kind, key in (("DCGAN", "dcgan"), ("WGAN-GP", "wgan_gp")):
            rows.append({"task": "Fashion-MNIST generation", "family": kind,
                         "parameters": gan[f"{key}_parameters"], "seconds": gan[f"{key}_train_seconds"],
                         "metric": f"FCD {gan[f'{key}_fcd']:.1f} (untrained {gan['untrained_fcd']:.0f}, "
                                   f"real {gan['real_fcd']:.1f})"})
    return rows


STAGES = {"data": data_stage, "cnn": cnn_stage, "rnn": rnn_stage, "gan": gan_stage}

# Rough shares of a tour's time per stage (full and --fast), for the estimate of
# what is left; the estimate is rescaled by how fast the finished stages ran here.
TYPICAL_SECONDS = {
    False: {"data": 5, "cnn": 290, "rnn": 220, "gan": 490},
    True: {"data": 10, "cnn": 15, "rnn": 25, "gan": 25},
}


def remaining_estimate(done, todo, fast):
    """Seconds the stages in `todo` should take, given `done` = {stage: measured seconds}."""
    typical = TYPICAL_SECONDS[bool(fast)]
    # Loading data is disk-bound and over in seconds: timing it says nothing
    # about how fast this machine trains, so only training stages set the pace.
    trained = {name: seconds for name, seconds in done.items() if name != "data"}
    expected_done = sum(typical.get(name, 60) for name in trained)
    speed = sum(trained.values()) / expected_done if trained and expected_done else 1.0
    return speed * sum(typical.get(name, 60) for name in todo)


def tour_entries():
    """Every name a tour writes into its output directory (what `overwrite` guards)."""
    from dlkit.recipes.gan import output_extras

    gans = [entry for kind in ("dcgan", "wgan-gp") for entry in runs.run_entries(kind, output_extras(kind))]
    return ("report.html", "metrics.json", *runs.run_entries("cnn"), *gans,
            "lstm_co2_forecaster.keras", "gru_co2_forecaster.keras", "gru_char_model.keras")


def run_tour(out, fast=False, seed=0, data_dir=None, stages=None, overwrite=False):
    """Runs the tour and writes `report.html` and `metrics.json` into `out`.

    Args:
        out: Output directory (created).
        fast: Shrink every stage to a smoke test. Defaults to `False`.
        seed: Seed for every stage. Defaults to `0`.
        data_dir: Fashion-MNIST directory, searched first. Defaults to `None`.
        stages: Names of the stages to run, in order. Defaults to all of them.
        overwrite: Replace a tour already in `out`. Defaults to `False`.

    Returns:
        The metrics dict that was written.

    Raises:
        runs.RunExistsError: `out` holds a tour's files and `overwrite` is off.
    """
    from dlkit.seed import set_seed

    names = list(stages or STAGES)
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise ValueError(f"Expected stages from {list(STAGES)}. Received: {unknown}")
    out = runs.prepare_output(out, "tour", overwrite=overwrite, entries=tour_entries())

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
        metrics[name] = STAGES[name](report, seed=seed, fast=fast, data_dir=data_dir, out=out)
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
