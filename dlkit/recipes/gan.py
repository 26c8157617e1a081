"""GAN recipes: DCGAN, WGAN-GP and clipped WGAN on Fashion-MNIST, with measured quality."""

import time

import keras
import numpy as np

from dlkit.recipes.common import TrainingResult, resumable_backup, save_final_model

KINDS = ("dcgan", "wgan-gp", "wgan")

# Sized for a 2-core CPU by a sweep of batch size, critic steps, dropout and network width
# (FCD of 2,000 samples after 500 to 8,000 generator steps, seed 0; the same builders and
# updates run by Keras on JAX on a lent GPU, for speed; see the notes of issue #5):
# - batch 64 reached a given FCD in fewer CPU-seconds than 128 or 32;
# - 2 critic steps per generator step matched 5 (146 against 145 after 6,000 steps) at
#   less than half the cost, so WGAN-GP uses 2 here (the `WGAN` class keeps the paper's 5);
# - the DCGAN discriminator trained without dropout reached 146 after 8,000 steps, 169 with 0.3.
GAN_FULL = {"epochs": 10, "batch_size": 64, "latent_dim": 64, "eval_images": 5000,
            "critic_steps": 2, "dropout_rate": 0.0}
GAN_FAST = dict(GAN_FULL, epochs=1, train_subset=2048, eval_images=1000)

# Epochs of each walkthrough experiment's full run (notebooks 04 and 05, and
# benchmarks.gan_walkthrough): the quality runs and the clipped WGAN shown beside
# the first epoch of WGAN-GP.
WALKTHROUGH_EPOCHS = {"dcgan": 10, "wgan-gp": 7, "wgan": 1}
# Each run of notebook 05's three-seed comparison: one pass over 10,000 of the
# training images (156 generator steps; the subset is drawn by the run's seed),
# so that six runs fit the notebook's 30-minute budget on two CPU cores.
WALKTHROUGH_SEED_RUN = {"epochs": 1, "train_subset": 10000}


def build_gan(kind, latent_dim=64, critic_steps=5, dropout_rate=0.3, seed=None):
    """The dlkit default networks for `kind` in `KINDS`, wrapped in their loop (uncompiled).

    `dropout_rate` is the DCGAN discriminator's (the critics have none);
    `seed` seeds the loop's latent draws (see `gan.DCGAN`).
    """
    from dlkit.models import gan

    if kind not in KINDS:
        raise ValueError(f"Expected `kind` to be one of {list(KINDS)}. Received: kind={kind!r}")
    generator = gan.build_dcgan_generator(latent_dim)
    if kind == "dcgan":
        return gan.DCGAN(generator, gan.build_dcgan_discriminator(dropout_rate=dropout_rate), latent_dim,
                         seed=seed)
    if kind == "wgan-gp":
        return gan.WGAN(generator, gan.build_wgan_critic(), latent_dim, critic_steps=critic_steps, seed=seed)
    return gan.WGAN(generator, gan.build_wgan_critic(normalization=None), latent_dim, seed=seed,
                    critic_steps=critic_steps, gradient_penalty_weight=0.0, clip_value=0.01)


def quality(model, real_images, num_images, seed):
    """FCD against real images, class coverage and classifier score of `num_images` samples."""
    from dlkit.evaluation import gan as metrics

    fake = model.generate(num_images, seed=seed)
    coverage = metrics.class_coverage(fake)
    return {
        "fcd": metrics.frechet_classifier_distance(real_images[:num_images], fake),
        "coverage_entropy": coverage["normalized_entropy"],
        "classes_covered": coverage["classes_covered"],
        "class_counts": coverage["counts"],
        "classifier_score": metrics.classifier_score(fake),
    }


class QualityTracker(keras.callbacks.Callback):
    """Measures sample quality after every epoch of a GAN's `fit`.

    After `fit`, `history` holds one dict per epoch: `epoch`, `fcd` (against
    `real_images`), `coverage_entropy`, `classes_covered`, and the epoch's
    training logs (`d_loss`, `g_loss`, `wasserstein_distance`, ...).

    Args:
        real_images: Real images in [-1, 1] to compare with.
        num_images: Samples per measurement. Defaults to `2000`.
        seed: Seed of the latent samples (the same each epoch). Defaults to `0`.
    """

    def __init__(self, real_images, num_images=2000, seed=0):
        super().__init__()
        self.real_images = real_images[:num_images]
        self.num_images = num_images
        self.seed = seed
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        from dlkit.evaluation import gan as metrics

        fake = self.model.generate(self.num_images, seed=self.seed)
        coverage = metrics.class_coverage(fake)
        self.history.append({
            "epoch": epoch + 1,
            "fcd": metrics.frechet_classifier_distance(self.real_images, fake),
            "coverage_entropy": coverage["normalized_entropy"],
            "classes_covered": coverage["classes_covered"],
            **{k: float(v) for k, v in (logs or {}).items()},
        })


def reference_points(x_train, x_test, num_images, seed, latent_dim=64):
    """The floor (real test vs real train) and ceiling (untrained generator) of the FCD."""
    from dlkit.data import scale_images
    from dlkit.evaluation import gan as metrics
    from dlkit.seed import set_seed

    rng = np.random.default_rng(seed)
    train = scale_images(x_train[rng.choice(len(x_train), num_images, replace=False)], "symmetric")
    test = scale_images(x_test[:num_images], "symmetric")
    set_seed(seed)
    untrained = build_gan("dcgan", latent_dim)
    return {
        "real_fcd": metrics.frechet_classifier_distance(test, train),
        "real_coverage_entropy": metrics.class_coverage(train)["normalized_entropy"],
        "untrained_fcd": metrics.frechet_classifier_distance(test, untrained.generate(num_images, seed=seed)),
    }


def output_extras(kind):
    """What a GAN run writes into its output directory besides model, metrics and backup."""
    return (f"{kind}_samples", f"{kind}_progress.gif")


def train_gan(kind="dcgan", fast=False, seed=0, out=None, data_dir=None, verbose=2, callbacks=(),
              track_quality=False, resume=False, overwrite=False, keep_backup=False, **overrides):
    """Trains one GAN on Fashion-MNIST (images in [-1, 1]) and measures its samples.

    Args:
        kind: `"dcgan"`, `"wgan-gp"` or `"wgan"` (weight clipping). Defaults to `"dcgan"`.
        fast: Smoke-test size (2,048 images, one epoch). Defaults to `False`.
        seed: Seed of weights, shuffling and latent samples. Defaults to `0`.
        out: Directory for `<kind>.keras`, the sample PNGs and the progress
            GIF, or `None`. Defaults to `None`.
        data_dir: Fashion-MNIST directory searched first. Defaults to `None`.
        verbose: Keras fit verbosity. Defaults to `2`.
        callbacks: Extra Keras callbacks. Defaults to `()`.
        resume: With `out`, continue from the backup in `out/<kind>_backup`
            (both networks, both optimizers and the random state, saved after
            every epoch by `callbacks.ResumableBackup`); there must be one.
            Defaults to `False`.
        overwrite: Replace a run of this kind already in `out` (without it,
            and without `resume`, such a run is a `runs.RunExistsError`).
            Defaults to `False`.
        keep_backup: Keep that backup after a finished run, so that a later
            call with more `epochs` and `resume=True` continues it. Defaults
            to `False`.
        track_quality: Measure FCD and coverage on 2,000 samples after every
            epoch (`extras["quality"]`, a list of per-epoch dicts from
            `QualityTracker`). Defaults to `False`.
        **overrides: Entries of `GAN_FULL`.

    Returns:
        A `TrainingResult`: `metrics` has `fcd` (against the test images),
        `coverage_entropy`, `classes_covered`, `classifier_score`, timings
        and `parameters`; `extras["grid"]` is the `GANSampleGrid` callback
        (its `frames` show the same latent batch after every epoch);
        `extras["initial_weights"]` maps each network's name to its weights
        before training.
    """
    from dlkit import data, runs
    from dlkit.callbacks import EpochTimer, GANSampleGrid
    from dlkit.seed import set_seed

    settings = {**(GAN_FAST if fast else GAN_FULL), **overrides}
    if out is not None:  # before any work: a refused directory costs nothing
        out = runs.prepare_output(out, kind, resume=resume, overwrite=overwrite, extras=output_extras(kind))
    set_seed(seed)
    (x_train, _), (x_test, _) = data.load_fashion_mnist(data_dir=data_dir)
    if "train_subset" in settings:
        x_train = x_train[np.random.default_rng(seed).choice(len(x_train), settings["train_subset"],
                                                             replace=False)]
    images = data.make_image_dataset(x_train, batch_size=settings["batch_size"], value_range="symmetric",
                                     seed=seed, drop_remainder=True)
    model = build_gan(kind, settings["latent_dim"], settings["critic_steps"], settings["dropout_rate"],
                      seed=seed)
    generator, second = model.networks.values()
    initial = {"generator": generator.get_weights(), second.name: second.get_weights()}
    model.compile()
    grid = GANSampleGrid(seed=seed, directory=None if out is None else out / f"{kind}_samples")
    backup = []
    if out is not None:
        backup = [resumable_backup(runs.backup_dir(out, kind))]
    timer = EpochTimer()
    real = data.scale_images(x_test, "symmetric")
    tracker = QualityTracker(real, min(2000, settings["eval_images"]), seed) if track_quality else None
    start = time.perf_counter()
    history = model.fit(images, epochs=settings["epochs"], verbose=verbose, shuffle=False,
                        callbacks=[timer, grid, keras.callbacks.TerminateOnNaN(), *backup, *callbacks,
                                   *([tracker] if tracker else [])])
    # Wall time, quality measurements included; EpochTimer runs first, so seconds_per_epoch excludes them.
    train_seconds = time.perf_counter() - start
    metrics = quality(model, real, settings["eval_images"], seed)
    # None when a resumed run had no epoch left to train.
    median = float(np.median(timer.epoch_seconds)) if timer.epoch_seconds else None
    metrics.update({
        "kind": kind,
        "epochs_run": len(history.history.get("loss", [])),
        "train_seconds": round(train_seconds, 1),
        "seconds_per_epoch": round(median, 2) if median else None,
        "images_per_second": (round(len(x_train) // settings["batch_size"] * settings["batch_size"] / median, 1)
                              if median else None),
        "parameters": int(model.generator.count_params() + second.count_params()),
        "settings": settings,
    })
    model_path = None
    if out is not None:
        if grid.frames:  # a resumed run with no epoch left keeps its earlier GIF
            grid.save_gif(out / f"{kind}_progress.gif")
        model_path = save_final_model(model, out, kind, backup[0], keep_backup)
    return TrainingResult(model=model, history=history.history, metrics=metrics, model_path=model_path,
                          extras={"grid": grid, "quality": tracker.history if tracker else None,
                                  "initial_weights": initial})


def compare_across_seeds(kinds=("dcgan", "wgan-gp"), seeds=(0, 1, 2), fast=False, verbose=0, runs=None,
                         **overrides):
    """Trains each GAN kind once per seed and summarises its quality as mean and spread.

    Args:
        kinds: Entries of `KINDS`. Defaults to `("dcgan", "wgan-gp")`.
        seeds: One run per seed and kind. Defaults to `(0, 1, 2)`.
        fast: Smoke-test size. Defaults to `False`.
        verbose: Keras fit verbosity. Defaults to `0`.
        runs: Metrics of runs already made, `{(kind, seed): metrics}`, reused
            instead of training again. Defaults to `None`.
        **overrides: Entries of `GAN_FULL`, the same for every run.

    Returns:
        `{"runs": {(kind, seed): metrics}, "summary": {kind: {...}}}`, where a
        summary holds, for `fcd`, `coverage_entropy` and `classes_covered`,
        the mean, the minimum and the maximum over seeds.
    """
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"Expected every kind to be one of {list(KINDS)}. Received: kind={kind!r}")
    if not seeds:
        raise ValueError(f"Expected at least one seed. Received: seeds={seeds!r}")
    done = dict(runs or {})
    for kind in kinds:
        for seed in seeds:
            if (kind, seed) not in done:
                done[(kind, seed)] = train_gan(kind, fast=fast, seed=seed, verbose=verbose, **overrides).metrics
    summary = {}
    for kind in kinds:
        summary[kind] = {}
        for key in ("fcd", "coverage_entropy", "classes_covered", "seconds_per_epoch"):
            values = np.array([done[(kind, seed)][key] for seed in seeds], dtype=float)
            summary[kind][key] = {"mean": float(values.mean()), "min": float(values.min()),
                                  "max": float(values.max()), "values": values.tolist()}
    return {"runs": done, "summary": summary}
