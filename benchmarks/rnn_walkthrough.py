"""The RNN walkthroughs' full runs, printing every number and verdict notebooks 02 and 03 state.

The same experiments as the notebooks (notebook 02: the memory task with the gradient measurement,
LSTM against GRU timed per epoch, three seeds of each CO2 forecaster against the classical and linear
baselines, the CNN + LSTM against the plain CNN of matched parameters); `--fast` uses the smoke
settings with the notebook's quick-run changes.

    python -m benchmarks.rnn_walkthrough [--only memory,rows,co2,conv,char] [--seed S] [--fast]
"""

import os

from benchmarks._walkthrough import finish, new_results, parse_args, print_row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("memory", "rows", "co2", "conv", "char")


def main(argv=None):
    args, parts = parse_args(__doc__, PARTS, argv)

    from dlkit.families import FAMILIES

    def run(name, seed=args.seed, **changes):
        family = FAMILIES[name]
        settings = (family.FAST if args.fast else family.FULL).replace(**changes)
        return family.train(settings, seed=seed, verbose=0)

    from dlkit import claims
    from dlkit.claims import rnn as rnn_claims

    results, start = new_results(args.seed)
    if "memory" in parts:
        import keras

        from dlkit import data
        from dlkit.evaluation.gradients import input_gradient_norms

        print("adding problem, 100 steps:")
        metrics, norms = {}, {}
        x, y = data.make_adding_problem(256, 100, seed=args.seed + 1)
        for cell in ("simple", "lstm", "gru"):
            result = run("memory", cell=cell)
            m = metrics[cell] = result.metrics
            norms[cell] = input_gradient_norms(result.model, x, y, keras.losses.MeanSquaredError())
            m = {**m, "gradient_retention": rnn_claims.gradient_retention(norms[cell])}
            print_row(cell, m, ["validation_mse", "validation_accuracy", "gradient_retention", "parameters",
                                "seconds_per_epoch"])
            results[f"memory_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
        print("  " + str(claims.verdict("the plain RNN stays at chance while LSTM and GRU solve it",
                                        *rnn_claims.memory_outcome(metrics))))
        print("  " + str(claims.verdict("trained LSTM and GRU carry the gradient back to distant steps",
                                        *rnn_claims.gradient_outcome(norms))))
    if "rows" in parts:
        print("Fashion-MNIST row by row (epochs after the first timed):")
        seconds = {}
        for cell in ("lstm", "gru"):
            result = run("rows", cell=cell, **({"epochs": 4} if args.fast else {}))
            m, seconds[cell] = result.metrics, result.timing.epoch_seconds[1:]
            print_row(cell, m, ["test_accuracy", "parameters", "seconds_per_epoch"])
            print(f"  {'':<16}epoch seconds {rnn_claims.spread(seconds[cell])}")
            results[f"rows_{cell}"] = {**{k: v for k, v in m.items() if k != "settings"},
                                       "timed_epoch_seconds": seconds[cell]}
        print("  " + str(claims.verdict("GRU trains faster per epoch than LSTM",
                                        *rnn_claims.speed_outcome(seconds["lstm"], seconds["gru"]))))
    if "co2" in parts:
        print("CO2, 26 weeks ahead, test MAE in ppm (seeds 0, 1, 2 from --seed):")
        maes, baselines = {}, {}
        for cell in ("lstm", "gru"):
            maes[cell] = []
            for seed in range(args.seed, args.seed + 3):
                m = run("forecaster", seed=seed, cell=cell, **({"epochs": 6} if args.fast else {})).metrics
                # The family scores the classical forecasts of the same test windows beside the network.
                for baseline in ("naive", "seasonal_naive", "holt_winters", "linear"):
                    baselines.setdefault(baseline, m[f"{baseline}_mae"])
                maes[cell].append(m["test_mae"])
        for name, value in baselines.items():
            print(f"  {name:<16}{value:.4f}")
        for cell, values in maes.items():
            print(f"  {cell:<16}" + "  ".join(f"{v:.4f}" for v in values))
            compared = {"seasonal naive": baselines["seasonal_naive"], "Holt-Winters": baselines["holt_winters"],
                        "linear": baselines["linear"]}
            for baseline, value in compared.items():
                print("    " + str(claims.verdict(f"{cell} beats {baseline}",
                                                  *rnn_claims.forecast_outcome(values, value))))
        results["co2_test_mae"] = {**baselines, **maes}
    if "conv" in parts:
        print("CNN + LSTM against the plain CNN of matched parameters, same data and epochs:")
        pairs = []
        for seed in range(args.seed, args.seed + (1 if args.fast else 2)):
            runs = {reader: run("conv-rnn", seed=seed, reader=reader, **({"epochs": 2} if args.fast else {}))
                    for reader in ("rnn", "dense")}
            for name, reader in (("cnn+lstm", "rnn"), ("plain cnn", "dense")):
                print_row(f"{name}, seed {seed}", runs[reader].metrics,
                          ["test_accuracy", "parameters", "seconds_per_epoch"], width=20)
                results[f"conv_{reader}_seed{seed}"] = {k: v for k, v in runs[reader].metrics.items()
                                                        if k != "settings"}
            pairs.append((runs["rnn"].extras["test_labels"], runs["rnn"].extras["test_predictions"],
                          runs["dense"].extras["test_predictions"]))
        print("  " + str(claims.verdict("CNN + LSTM beats the plain CNN of matched size",
                                        *rnn_claims.hybrid_outcome(pairs))))
    if "char" in parts:
        from dlkit.evaluation import CharNGramModel
        from dlkit.models import rnn

        print("character LSTM on English words, validation bits per character:")
        result = run("char-lm", cell="lstm")
        m = result.metrics
        print_row("lstm", m, ["bits_per_char", "parameters", "seconds_per_epoch"])
        train_words, validation_words = result.extras["train_words"], result.extras["validation_words"]
        ngram = {order: CharNGramModel(order).fit(train_words).bits_per_char(validation_words)
                 for order in range(3, 8)}
        for order, bits in ngram.items():
            print(f"  {order}-gram{'':<10}{bits:.4f}")
        train_set, validation_set = set(train_words), set(validation_words)
        shares = {}
        for temperature in (0.5, 1.0, 1.5):
            sampled = rnn.sample_words(result.model, result.extras["vocab"], 300,
                                       temperature=temperature, seed=args.seed)
            new = [w for w in sampled if w not in train_set]
            shares[temperature] = {"new": len(new) / 300,
                                   "real_unseen": sum(w in validation_set for w in new) / 300}
            print(f"  T={temperature}: {shares[temperature]['new']:.0%} new, "
                  f"{shares[temperature]['real_unseen']:.1%} real held-out words")
        results["char"] = {**{k: v for k, v in m.items() if k != "settings"},
                           "ngram_bits_per_char": ngram, "samples": shares}
    return finish(results, start, args.json)


if __name__ == "__main__":
    main()
