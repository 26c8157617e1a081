"""GAN recipes: DCGAN, WGAN-GP and clipped WGAN on Fashion-MNIST, with measured quality."""

import time
from pathlib import Path

import numpy as np

from dlkit.recipes.common import TrainingResult

KINDS = ("dcgan", "wgan-gp", "wgan")

GAN_FULL = {"epochs": 20, "batch_size": 128, "latent_dim": 64, "eval_images": 5000,
            "critic_steps": 5}
GAN_FAST = dict(GAN_FULL, epochs=1, train_subset=2048, eval_images=1000, critic_steps=2)


def build_gan(kind, latent_dim=64, critic_steps=5):
    """The dlkit default networks for `kind` in `KINDS`, wrapped in their loop (uncompiled)."""
    from dlkit.models import gan

    if kind not in KINDS:
        raise ValueError(f"Expected `kind` to be one of {list(KINDS)}. Received: kind={kind!r}")
    generator = gan.build_dcgan_generator(latent_dim)
    if kind == "dcgan":
        return gan.DCGAN(generator, gan.build_dcgan_discriminator(), latent_dim)
    if kind == "wgan-gp":
        return gan.WGAN(generator, gan.build_wgan_critic(), latent_dim, critic_steps=critic_steps)
    return gan.WGAN(generator, gan.build_wgan_critic(normalization=None), latent_dim,
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


def train_gan(kind="dcgan", fast=False, seed=0, out=None, data_dir=None, verbose=2, callbacks=(),
              **overrides):
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
        **overrides: Entries of `GAN_FULL`.

    Returns:
        A `TrainingResult`: `metrics` has `fcd` (against the test images),
        `coverage_entropy`, `classes_covered`, `classifier_score`, timings
        and `parameters`; `extras["grid"]` is the `GANSampleGrid` callback
        (its `frames` show the same latent batch after every epoch).
    """
    import keras

    from dlkit import data
    from dlkit.callbacks import EpochTimer, GANSampleGrid
    from dlkit.seed import set_seed

    settings = {**(GAN_FAST if fast else GAN_FULL), **overrides}
    set_seed(seed)
    (x_train, _), (x_test, _) = data.load_fashion_mnist(data_dir=data_dir)
    if "train_subset" in settings:
        x_train = x_train[np.random.default_rng(seed).choice(len(x_train), settings["train_subset"],
                                                             replace=False)]
    images = data.make_image_dataset(x_train, batch_size=settings["batch_size"], value_range="symmetric",
                                     seed=seed, drop_remainder=True)
    model = build_gan(kind, settings["latent_dim"], settings["critic_steps"])
    model.compile()
    out = Path(out) if out is not None else None
    grid = GANSampleGrid(seed=seed, directory=None if out is None else out / f"{kind}_samples")
    timer = EpochTimer()
    start = time.perf_counter()
    history = model.fit(images, epochs=settings["epochs"], verbose=verbose, shuffle=False,
                        callbacks=[timer, grid, keras.callbacks.TerminateOnNaN(), *callbacks])
    train_seconds = time.perf_counter() - start
    real = data.scale_images(x_test, "symmetric")
    metrics = quality(model, real, settings["eval_images"], seed)
    median = float(np.median(timer.epoch_seconds))
    metrics.update({
        "kind": kind,
        "epochs_run": len(history.history["loss"]),
        "train_seconds": round(train_seconds, 1),
        "seconds_per_epoch": round(median, 2),
        "images_per_second": round(len(x_train) // settings["batch_size"] * settings["batch_size"] / median, 1),
        "parameters": int(model.generator.count_params()
                          + (model.discriminator if kind == "dcgan" else model.critic).count_params()),
        "settings": settings,
    })
    model_path = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        model_path = out / f"{kind}.keras"
        model.save(model_path)
        grid.save_gif(out / f"{kind}_progress.gif")
    return TrainingResult(model=model, history=history.history, metrics=metrics, model_path=model_path,
                          extras={"grid": grid})
