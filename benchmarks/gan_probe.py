"""GAN sweep probe: one GAN setting trained for a few minutes, its FCD measured at checkpoints of training time.

The sweep behind the GAN families' learning rates and batches (issue #20)
ran this once per setting, one run at a time on two CPU cores: the family's
networks (`gans.build`) with the given game, rate, batch and critic steps,
trained on all 60,000 Fashion-MNIST images for `--seconds` of training time
(`callbacks.TimeBudget`: the first, tracing step and the measurements are not
counted), the FCD and class coverage of 2,000 samples (`gans.quality`) taken
each time the training time passes a checkpoint. `--decay` lets both rates
fall with the budget's clock instead of staying constant: `cos` along a
cosine over the whole run, `late` linearly to 0 over its second half.

    python -m benchmarks.gan_probe --kind dcgan --learning-rate 6e-4 --batch-size 32
    python -m benchmarks.gan_probe --kind wgan-gp --learning-rate 4e-4 --critic-steps 1 --checks 100 200 300
    python -m benchmarks.gan_probe --kind dcgan --learning-rate 6e-4 --averaging 0.999

`--averaging` keeps a moving average of the generator's weights
(`generator_averaging`) and scores both the average and the last weights at
each checkpoint: a paired comparison, free of the run-to-run noise below.

One seed, one run: a sweep's differences under about 10 % are within what
two runs of the same setting differed by (DCGAN at 6e-4: 139 and 152).
"""

import argparse
import math
import os

from benchmarks._timing import append_json_line

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DECAYS = ("none", "cos", "late")


def _time_decay(peak, progress, decay):
    """A learning-rate schedule that reads the share of the budget used from `progress` (a variable)."""
    import keras
    from keras import ops

    class TimeDecay(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            p = ops.convert_to_tensor(progress)
            if decay == "cos":
                return 0.5 * peak * (1.0 + ops.cos(math.pi * p))
            if decay == "late":
                return peak * ops.minimum(1.0, 2.0 * (1.0 - p))
            return peak * ops.ones_like(p)

        def get_config(self):
            return {"peak": peak, "decay": decay}

    return TimeDecay()


def _last_weights_fcd(model, real, samples, seed):
    """The FCD of the generator's last-step weights (`gans.quality` scores the average when there is one)."""
    import numpy as np

    from dlkit.evaluation import gan as gan_metrics

    latent = np.random.default_rng(seed).standard_normal((samples, model.latent_dim)).astype("float32")
    fake = np.asarray(model.generator.predict(latent, batch_size=256, verbose=0))
    return gan_metrics.frechet_classifier_distance(real[:samples], fake)


def probe(kind, learning_rate, batch_size, critic_steps=2, seconds=300.0, checks=(100.0, 200.0, 300.0),
          decay="none", seed=0, samples=2000, train_subset=None, averaging=0.0):
    """Trains one setting for `seconds` of training time; returns its FCD and coverage at each checkpoint.

    With `averaging` (the generator's weight-average momentum) each
    checkpoint scores both the average (`fcd`) and the last step's weights
    (`fcd_last`), from the same run.
    """
    import keras

    from dlkit import data
    from dlkit.callbacks import TimeBudget
    from dlkit.families import gans
    from dlkit.families.common import fashion_mnist_subset
    from dlkit.seed import set_seed

    if decay not in DECAYS:
        raise ValueError(f"Expected `decay` from {DECAYS}. Received: decay={decay!r}")
    family = gans.DCGAN if kind == "dcgan" else gans.WGAN_GP
    changes = {"batch_size": batch_size, "learning_rate": learning_rate, "generator_averaging": averaging}
    if kind == "wgan-gp":
        changes["critic_steps"] = critic_steps
    settings = family.FULL.replace(**changes)
    set_seed(seed)
    (x_train, _), (x_test, _) = fashion_mnist_subset(train_subset, None, seed)
    images = data.make_image_dataset(x_train, batch_size=batch_size, value_range="symmetric", seed=seed,
                                     drop_remainder=True)
    real = data.scale_images(x_test, "symmetric")
    model = gans.build(settings, seed=seed)
    progress = keras.Variable(0.0, trainable=False, name="budget_used")
    model.compile(learning_rate=_time_decay(learning_rate, progress, decay))
    budget = TimeBudget(seconds)
    rows = []
    pending = sorted(checks)

    class Checkpoints(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            progress.assign(min(1.0, budget.seconds_used / seconds))
            if not pending or budget.seconds_used < pending[0]:
                return
            while pending and budget.seconds_used >= pending[0]:  # one measurement for every checkpoint passed
                pending.pop(0)
            q = gans.quality(model, real, samples, seed)
            rows.append({"seconds": round(budget.seconds_used, 1), "generator_steps": budget.steps,
                         "fcd": q["fcd"], "coverage_entropy": q["coverage_entropy"]})
            if averaging:
                rows[-1]["fcd_last"] = _last_weights_fcd(model, real, samples, seed)
            print(f"  {rows[-1]['seconds']:>7.1f} s  {budget.steps:>6} steps  FCD {q['fcd']:7.1f}  "
                  f"coverage {q['coverage_entropy']:.3f}"
                  + (f"  (last weights: FCD {rows[-1]['fcd_last']:7.1f})" if averaging else ""), flush=True)
            budget.restart_clock()  # the measurement is not training time

    model.fit(images, epochs=100_000, verbose=0, shuffle=False, callbacks=[budget, Checkpoints()])
    return {"kind": kind, "learning_rate": learning_rate, "batch_size": batch_size, "critic_steps": critic_steps,
            "decay": decay, "averaging": averaging, "seed": seed, "seconds": seconds, "checkpoints": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("dcgan", "wgan-gp"), required=True)
    parser.add_argument("--learning-rate", type=float, required=True, help="both optimizers' Adam rate")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--critic-steps", type=int, default=2, help="WGAN-GP only")
    parser.add_argument("--seconds", type=float, default=300.0, help="training seconds")
    parser.add_argument("--checks", type=float, nargs="+", default=[100.0, 200.0, 300.0],
                        help="training seconds at which to measure")
    parser.add_argument("--decay", choices=DECAYS, default="none")
    parser.add_argument("--averaging", type=float, default=0.0,
                        help="momentum of the generator's weight average (0: none); scores average and last weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=2000, help="samples per FCD")
    parser.add_argument("--fast", action="store_true", help="2,048 training images (the code runs; numbers mean nothing)")
    parser.add_argument("--json", default=None, help="append the result as one JSON line to this file")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or any(c <= 0 or c > args.seconds for c in args.checks):
        parser.error(f"expected checkpoints within (0, --seconds]; received --seconds {args.seconds}, "
                     f"--checks {args.checks}")
    print(f"{args.kind}: Adam {args.learning_rate:g}, batch {args.batch_size}"
          + (f", {args.critic_steps} critic steps" if args.kind == "wgan-gp" else "")
          + f", decay {args.decay}" + (f", averaging {args.averaging:g}" if args.averaging else "")
          + f", seed {args.seed}, {args.seconds:g} s of training")
    result = probe(args.kind, args.learning_rate, args.batch_size, args.critic_steps, args.seconds, args.checks,
                   args.decay, args.seed, args.samples, 2048 if args.fast else None, args.averaging)
    if args.json:
        append_json_line(args.json, result)
    return result


if __name__ == "__main__":
    main()
