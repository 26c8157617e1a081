"""The RNN walkthrough's full runs, printing every number the notebook states.

    python -m benchmarks.rnn_walkthrough [--only memory,rows,co2,conv] [--seed S] [--fast]
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("memory", "rows", "co2", "conv")


def _row(name, metrics, keys):
    print(f"  {name:<16}" + "  ".join(f"{k}={metrics[k]:.4g}" if isinstance(metrics[k], float)
                                      else f"{k}={metrics[k]}" for k in keys), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from dlkit.evaluation import forecasting
    from dlkit.recipes import rnn as recipes
    from dlkit.recipes import train_cnn_fashion_mnist

    results = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "seed": args.seed}
    parts = args.only.split(",")
    start = time.perf_counter()
    if "memory" in parts:
        print("adding problem, 100 steps:")
        for cell in ("simple", "lstm", "gru"):
            m = recipes.train_memory_task(cell, fast=args.fast, seed=args.seed).metrics
            _row(cell, m, ["validation_mse", "validation_accuracy", "parameters", "seconds_per_epoch"])
            results[f"memory_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
    if "rows" in parts:
        print("Fashion-MNIST row by row:")
        for cell in ("lstm", "gru"):
            m = recipes.train_rows_classifier(cell, fast=args.fast, seed=args.seed).metrics
            _row(cell, m, ["test_accuracy", "parameters", "seconds_per_epoch", "examples_per_second"])
            results[f"rows_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
    if "co2" in parts:
        print("CO2, 26 weeks ahead, test MAE in ppm:")
        settings = recipes.CO2_FAST if args.fast else recipes.CO2_FULL
        w = recipes.prepare_co2_windows(settings)
        h, s = settings["horizon"], settings["season"]
        maes = {
            "naive": forecasting.mae(w["y_test"], forecasting.naive_forecast(w["x_test"], h)),
            "seasonal_naive": forecasting.mae(
                w["y_test"], forecasting.seasonal_naive_forecast(w["x_test"], h, s)),
            "holt_winters": forecasting.mae(w["y_test"], forecasting.holt_winters_forecasts(
                w["series"].to_numpy(), w["train_end"], w["test_origins"], h, s)),
        }
        for cell in ("lstm", "gru"):
            m = recipes.train_co2_forecaster(cell, fast=args.fast, seed=args.seed, windows=w).metrics
            maes[cell] = m["test_mae"]
            results[f"co2_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
        for name, value in maes.items():
            print(f"  {name:<16}{value:.4f}")
        results["co2_test_mae"] = maes
    if "conv" in parts:
        print("CNN + LSTM against the plain CNN, same epochs:")
        conv = recipes.train_conv_rnn_classifier("lstm", fast=args.fast, seed=args.seed).metrics
        epochs = conv["settings"]["epochs"]
        plain = train_cnn_fashion_mnist(fast=args.fast, seed=args.seed, epochs=epochs, verbose=0).metrics
        for name, m in (("cnn+lstm", conv), ("plain cnn", plain)):
            _row(name, m, ["test_accuracy", "parameters", "seconds_per_epoch"])
        results["conv_lstm"] = {k: v for k, v in conv.items() if k != "settings"}
        results["plain_cnn_same_epochs"] = {k: v for k, v in plain.items() if k != "settings"}
    results["wall_seconds"] = round(time.perf_counter() - start, 1)
    print(f"wall time {results['wall_seconds']} s on {results['machine']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    return results


if __name__ == "__main__":
    main()
