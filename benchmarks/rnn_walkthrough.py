"""The RNN walkthroughs' full runs, printing every number notebooks 02 and 03 state.

    python -m benchmarks.rnn_walkthrough [--only memory,rows,co2,conv,char] [--seed S] [--fast]
"""

import os

from benchmarks._walkthrough import finish, new_results, parse_args, print_row

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("memory", "rows", "co2", "conv", "char")


def main(argv=None):
    args, parts = parse_args(__doc__, PARTS, argv)

    from dlkit.families import FAMILIES

    def run(name, **changes):
        family = FAMILIES[name]
        settings = (family.FAST if args.fast else family.FULL).replace(**changes)
        return family.train(settings, seed=args.seed, verbose=0)

    results, start = new_results(args.seed)
    if "memory" in parts:
        print("adding problem, 100 steps:")
        for cell in ("simple", "lstm", "gru"):
            m = run("memory", cell=cell).metrics
            print_row(cell, m, ["validation_mse", "validation_accuracy", "parameters", "seconds_per_epoch"])
            results[f"memory_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
    if "rows" in parts:
        print("Fashion-MNIST row by row:")
        for cell in ("lstm", "gru"):
            m = run("rows", cell=cell).metrics
            print_row(cell, m, ["test_accuracy", "parameters", "seconds_per_epoch", "examples_per_second"])
            results[f"rows_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
    if "co2" in parts:
        print("CO2, 26 weeks ahead, test MAE in ppm:")
        maes = {}
        for cell in ("lstm", "gru"):
            m = run("forecaster", cell=cell).metrics
            # The family scores the classical forecasts of the same test windows beside the network.
            for baseline in ("naive", "seasonal_naive", "holt_winters"):
                maes.setdefault(baseline, m[f"{baseline}_mae"])
            maes[cell] = m["test_mae"]
            results[f"co2_{cell}"] = {k: v for k, v in m.items() if k != "settings"}
        for name, value in maes.items():
            print(f"  {name:<16}{value:.4f}")
        results["co2_test_mae"] = maes
    if "conv" in parts:
        print("CNN + LSTM against the plain CNN, same epochs:")
        conv = run("conv-rnn", cell="lstm").metrics
        epochs = conv["settings"]["epochs"]
        plain = run("cnn", epochs=epochs).metrics
        for name, m in (("cnn+lstm", conv), ("plain cnn", plain)):
            print_row(name, m, ["test_accuracy", "parameters", "seconds_per_epoch"])
        results["conv_lstm"] = {k: v for k, v in conv.items() if k != "settings"}
        results["plain_cnn_same_epochs"] = {k: v for k, v in plain.items() if k != "settings"}
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
