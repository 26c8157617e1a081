"""The text classifier's full run against TF-IDF logistic regression, seed by seed.

Each seed is its own split of the SpamAssassin corpus; the recurrent model and
the baseline train on the same messages and are scored on the same test
messages (hard ham included). Prints, per seed and as medians: accuracy and
spam F1 of both, the hard ham each keeps, the model's training seconds and the
whole run's wall time (data, vocabulary, model, baseline and scoring), then
the two targets: accuracy and F1 within 1 point of the baseline or above, and
the full run within 10 minutes.

    python -m benchmarks.text_classification [--seeds 0 1 2] [--fast] [--json PATH]
"""

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TARGET_POINTS = 1.0  # the model may trail the baseline by at most this many percentage points
TARGET_SECONDS = 600.0  # a full run on two CPU cores

COLUMNS = ("seed", "test_accuracy", "baseline_accuracy", "test_f1", "baseline_f1", "hard_ham_accuracy",
           "baseline_hard_ham_accuracy", "epochs_run", "train_seconds", "wall_seconds")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fast", action="store_true", help="the FAST settings (the numbers mean little)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)

    from dlkit import families

    family = families.FAMILIES["text-classifier"]
    settings = family.FAST if args.fast else family.FULL
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        m = family.train(settings, seed=seed, verbose=0).metrics
        rows.append({**{k: m[k] for k in COLUMNS if k in m}, "seed": seed,
                     "wall_seconds": round(time.perf_counter() - start, 1)})
        print("  ".join(f"{k}={rows[-1][k]:.4f}" if isinstance(rows[-1][k], float) else f"{k}={rows[-1][k]}"
                        for k in COLUMNS), flush=True)
    median = {k: statistics.median(r[k] for r in rows) for k in COLUMNS[1:]}
    gaps = {name: 100 * (median[f"baseline_{name}"] - median[f"test_{name}"]) for name in ("accuracy", "f1")}
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "settings": settings.as_dict(),
        "runs": rows,
        "median": median,
        "points_behind_baseline": gaps,
        "quality_target_met": all(gap <= TARGET_POINTS for gap in gaps.values()),
        "time_target_met": max(r["wall_seconds"] for r in rows) <= TARGET_SECONDS,
    }
    print(f"\nmedian of {len(rows)} seeds on {report['machine']}:")
    for name in ("accuracy", "f1"):
        print(f"  {name:>9}: recurrent {median[f'test_{name}']:.4f}, TF-IDF {median[f'baseline_{name}']:.4f} "
              f"(recurrent minus TF-IDF {-gaps[name]:+.2f} points; target >= {-TARGET_POINTS:+.1f})")
    print(f"  hard ham kept: recurrent {median['hard_ham_accuracy']:.3f}, "
          f"TF-IDF {median['baseline_hard_ham_accuracy']:.3f}")
    print(f"  training {median['train_seconds']:.0f} s, whole run {median['wall_seconds']:.0f} s "
          f"(slowest {max(r['wall_seconds'] for r in rows):.0f} s; target <= {TARGET_SECONDS:.0f} s)")
    print(f"  quality target {'met' if report['quality_target_met'] else 'missed'}, "
          f"time target {'met' if report['time_target_met'] else 'missed'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
