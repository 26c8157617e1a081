"""Spelling to pronunciation with attention against the same network without it, seed by seed.

For each seed both variants train with the family's FULL settings on the same
split of CMUdict (the split is drawn from the seed), stop early on the same
validation words and are scored on the same held-out words, decoded with the
same beam. Prints each run's beam PER and WER, greedy PER, epochs, training
seconds and weights, then the two targets of #19: attention's PER lower by a
clear margin on every seed (at least `MARGIN` lower, relative: the threshold
notebook 07's verdict uses), and a WER of at most 35 % within 30 minutes of
training.

Runs already made with `dlkit train g2p --seed S [--set attention=false]` can
stand in for seeds measured earlier (`--runs DIR ...`): their settings must be
the ones this benchmark would use, or they are refused.

    python -m benchmarks.seq2seq [--seeds 0 1] [--runs DIR ...] [--fast] [--json PATH]
"""

import argparse
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MARGIN = 0.10  # attention's PER at least 10 % below the other's (relative), as notebook 07's verdict
TARGET_WER = 0.35
TARGET_SECONDS = 1800.0  # 30 minutes of training on two CPU cores
VARIANTS = {"attention": True, "no attention": False}
COLUMNS = ("beam_per", "beam_wer", "greedy_per", "baseline_per", "epochs_run", "train_seconds", "parameters")


def read_run(directory, settings):
    """A `dlkit train g2p` run's metrics, refused unless it trained with `settings` (attention aside)."""
    path = Path(directory) / "g2p_metrics.json"
    if not path.is_file():
        raise SystemExit(f"--runs: expected a `dlkit train g2p` output directory holding g2p_metrics.json. "
                         f"Received: {directory}")
    metrics = json.loads(path.read_text())
    expected = {**settings.as_dict(), "attention": metrics["settings"].get("attention")}
    if metrics["settings"] != expected:
        differ = sorted(k for k in expected.keys() | metrics["settings"].keys()
                        if metrics["settings"].get(k) != expected.get(k))
        raise SystemExit(f"--runs: {directory} trained with other settings than this benchmark's "
                         f"(differing: {', '.join(differ)})")
    return metrics


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1], help="seeds to train now")
    parser.add_argument("--runs", nargs="*", default=[], help="output directories of earlier `dlkit train g2p` runs")
    parser.add_argument("--fast", action="store_true", help="the FAST settings (the numbers mean little)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)

    from dlkit import families

    family = families.FAMILIES["g2p"]
    settings = family.FAST if args.fast else family.FULL
    results = {}  # (seed, variant) -> metrics
    for directory in args.runs:
        m = read_run(directory, settings)
        variant = "attention" if m["attention"] else "no attention"
        results[(m["seed"], variant)] = {**m, "source": str(directory)}
    for seed in args.seeds:
        for variant, attention in VARIANTS.items():
            m = family.train(settings.replace(attention=attention), seed=seed, verbose=0).metrics
            results[(seed, variant)] = {**m, "source": "trained by this run"}
            print(f"seed {seed}, {variant}: " + ", ".join(f"{k} {m[k]:.4g}" for k in COLUMNS), flush=True)

    seeds = sorted({seed for seed, _ in results})
    missing = [f"seed {s} {v}" for s in seeds for v in VARIANTS if (s, v) not in results]
    if missing:
        raise SystemExit(f"Expected both variants for every seed. Missing: {', '.join(missing)}")
    from benchmarks._timing import machine as describe_machine

    named = describe_machine()
    machine = (f"{named['cpu']}, {named['cpus']} CPUs, TensorFlow {named['tensorflow']}, "
               f"Keras {named['keras']}")
    print(f"\n{'seed':>4}  {'variant':<13}{'beam PER':>9}{'beam WER':>9}{'greedy PER':>11}{'epochs':>7}"
          f"{'train s':>9}{'weights':>9}  source")
    for seed in seeds:
        for variant in VARIANTS:
            m = results[(seed, variant)]
            capped = "*" if m["epochs_run"] >= settings.epochs else " "
            print(f"{seed:>4}  {variant:<13}{m['beam_per']:>9.2%}{m['beam_wer']:>9.2%}{m['greedy_per']:>11.2%}"
                  f"{m['epochs_run']:>6}{capped}{m['train_seconds']:>9.0f}{m['parameters']:>9,}  {m['source']}")
    print(f"  (* ran every one of its {settings.epochs} epochs: early stopping had not yet stopped it)")
    lower = {seed: 1 - results[(seed, "attention")]["beam_per"] / results[(seed, "no attention")]["beam_per"]
             for seed in seeds}
    best_wer = statistics.median(results[(s, "attention")]["beam_wer"] for s in seeds)
    slowest = max(results[(s, "attention")]["train_seconds"] for s in seeds)
    report = {
        "machine": machine, "settings": settings.as_dict(),
        "runs": [{"seed": s, "variant": v, **{k: results[(s, v)][k] for k in (*COLUMNS, "source")}}
                 for s in seeds for v in VARIANTS],
        "per_lower_with_attention": lower,
        "margin_target_met": len(seeds) >= 2 and all(x >= MARGIN for x in lower.values()),
        "median_attention_wer": best_wer,
        "wer_target_met": best_wer <= TARGET_WER and slowest <= TARGET_SECONDS,
    }
    print(f"\non {machine}, {len(seeds)} seed(s):")
    for seed in seeds:
        print(f"  seed {seed}: attention's beam PER {lower[seed]:.1%} lower (relative) than without it "
              f"(margin asked: {MARGIN:.0%})")
    print(f"  margin target {'met' if report['margin_target_met'] else 'missed'} (at least 2 seeds, every one "
          f"clearing the margin)")
    print(f"  attention's WER, median {best_wer:.2%}; slowest training {slowest:.0f} s; target WER <= "
          f"{TARGET_WER:.0%} within {TARGET_SECONDS:.0f} s: {'met' if report['wer_target_met'] else 'missed'}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
