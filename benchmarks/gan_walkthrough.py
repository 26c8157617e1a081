"""The GAN walkthroughs' full runs, printing every number notebooks 04 and 05 state.

    python -m benchmarks.gan_walkthrough [--only refs,dcgan,wgan-gp,wgan,seeds] [--seed S] [--fast]

Epochs per experiment: `families.gans.WALKTHROUGH_EPOCHS`. `seeds` is notebook
05's comparison: DCGAN, the clipped WGAN and WGAN-GP on seeds S, S+1 and S+2,
each run given the same seconds of training (`families.gans.WALKTHROUGH_SEED_RUN`),
and prints the mean and range of each quality measure, the steps each budget
bought, and the stability verdicts of `dlkit.claims.gan`.
"""

import os

from benchmarks._walkthrough import finish, new_results, parse_args, print_row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("refs", "dcgan", "wgan-gp", "wgan", "seeds")
SHOWN = ("fcd", "coverage_entropy", "classes_covered", "classifier_score", "seconds_per_epoch",
         "train_seconds", "epochs_run", "parameters")


def main(argv=None):
    args, parts = parse_args(__doc__, PARTS, argv)

    from dlkit.families import FAMILIES, gans

    def settings_for(name):
        family = FAMILIES[name]
        chosen = family.FAST if args.fast else family.FULL.replace(epochs=gans.WALKTHROUGH_EPOCHS[name])
        return chosen.replace(track_quality=True)

    settings = settings_for("dcgan")
    results, start = new_results(args.seed, settings=settings.as_dict())
    if "refs" in parts:
        refs = gans.reference_points(settings.eval_images, args.seed, settings.latent_dim)
        print("reference points:", {k: round(v, 3) for k, v in refs.items()}, flush=True)
        results["refs"] = refs
    for kind in ("dcgan", "wgan-gp", "wgan"):
        if kind not in parts:
            continue
        print(f"{kind}, seed {args.seed}:", flush=True)
        result = FAMILIES[kind].train(settings_for(kind), seed=args.seed, verbose=0)
        print_row(kind, result.metrics, SHOWN, width=8)
        quality = result.extras["quality"]
        for q in quality:
            extra = (f"  wasserstein {q['wasserstein_distance']:.3f}" if "wasserstein_distance" in q else "")
            print(f"    epoch {q['epoch']:>2}: FCD(2k) {q['fcd']:.1f}  entropy {q['coverage_entropy']:.3f}"
                  f"  d_loss {q['d_loss']:.3f}  g_loss {q['g_loss']:.3f}{extra}", flush=True)
        results[kind] = {"metrics": {k: v for k, v in result.metrics.items() if k != "settings"},
                         "per_epoch": quality}
    if "seeds" in parts:
        seeds = (args.seed, args.seed + 1, args.seed + 2)
        from dlkit import claims
        from dlkit.claims import gan as gan_claims

        print(f"{', '.join(gans.WALKTHROUGH_KINDS)} at equal wall-clock over seeds {seeds}:", flush=True)
        run = gans.WALKTHROUGH_QUICK_SEED_RUN if args.fast else gans.WALKTHROUGH_SEED_RUN
        comparison = gans.compare_across_seeds(gans.WALKTHROUGH_KINDS, seeds, fast=args.fast, **run)
        for kind, summary in comparison["summary"].items():
            print(f"  {kind:<8}" + "  ".join(
                f"{key} mean {s['mean']:.4g} [{s['min']:.4g}, {s['max']:.4g}]" for key, s in summary.items()),
                flush=True)
        for kind in ("wgan-gp", "wgan"):
            print(" ", claims.verdict(f"{kind} is more stable than DCGAN and avoids mode collapse",
                                      *gan_claims.stability_decision(comparison["summary"], kind, "dcgan")),
                  flush=True)
        results["seeds"] = comparison["summary"]
    return finish(results, start, args.json)


if __name__ == "__main__":
    main()
