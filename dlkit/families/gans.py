"""The GAN families on Fashion-MNIST: DCGAN, WGAN-GP and the weight-clipped WGAN.

One module for the three: they share the generator, the data (images in
[-1, 1]), the sample grid and the quality measurements (Fréchet classifier
distance, class coverage); they differ in the second network and its loss.

Settings sized for a 2-core CPU. A first sweep of batch size, critic steps,
dropout and network width at the papers' learning rates (FCD of 2,000
samples after 500 to 8,000 generator steps, seed 0; the same builders and
updates run by Keras on JAX on a lent GPU, for speed; see the notes of
issue #5) found:

- 2 critic steps per generator step matched 5 (146 against 145 after 6,000
  steps) at less than half the cost, so the WGANs use 2 here (the `WGAN`
  class keeps the paper's 5);
- the DCGAN discriminator trained without dropout reached 146 after 8,000
  steps, 169 with 0.3;
- at those rates, batch 64 reached a given FCD in fewer CPU-seconds than
  128 or 32.

A second sweep chose the rates and the batch for FCD per CPU-minute (issue
#20): 300 s of training each on two CPU cores, one run at a time, FCD of
2,000 samples, seed 0, batch 64 unless said. The DCGAN's Adam at 2e-4 (the
paper's) reached about 210, at 4e-4 161, at 6e-4 139 and 152 (two runs), at
1e-3 166; at 6e-4 with batch 32 139 (7,501 steps against 3,911), with batch
16 153 (14,128 steps). WGAN-GP at 1e-4 (the paper's) reached 308, at 4e-4
164 (173 with one critic step instead of two), at 8e-4 187; at 4e-4 with
batch 32 150. At batch 32, the DCGAN at 1e-3 reached 141 and WGAN-GP with
one critic step 179. So: DCGAN 6e-4 and WGAN-GP 4e-4 with 2 critic steps,
batches of 32. A cosine decay of the rate to 0 over the run cost FCD (DCGAN
at 6e-4: 210 against 152) and a linear decay to 0 over the second half did
not help (1e-3: 170 against 166): the rates stay constant.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dlkit import data, plots, validation
from dlkit.evaluation import gan as gan_metrics
from dlkit.families.base import Family, Fitted, Run, Settings, TrainingResult, settings
from dlkit.families.common import fashion_mnist_subset
from dlkit.seed import set_seed


@settings(epochs=10, batch_size=64)
class GANSettings(Settings):
    """What every GAN family's run shares.

    Attributes:
        epochs: Defaults to `10`.
        batch_size: Real images per step (the remainder of an epoch is
            dropped). Defaults to `64`.
        latent_dim: Size of the generator's input noise. Defaults to `64`.
        eval_images: Samples scored at the end (FCD against as many test
            images). Defaults to `5000`.
        train_subset: Train on a seeded draw of this many images, or `None`
            for all 60,000. Defaults to `None`.
        track_quality: Also measure FCD and coverage on up to 2,000 samples
            after every epoch (`extras["quality"]`). Defaults to `False`.
        synchronized_batch_norm: The generator's batch normalization over the global batch
            of every replica when training under `tf.distribute` (only then do
            two replicas train like one device; `--set
            synchronized_batch_norm=true`). Defaults to `False`.
        generator_averaging: Momentum of an exponential moving average of
            the generator's weights, kept by the loop; samples, scores
            and the saved generator come from the average
            (`DCGAN.averaged_generator`; its momentum rises to this value
            over the first steps), or from the last step's weights with `0`
            (`--set generator_averaging=0.999`). Off by default: in 300-s
            probes on two CPU cores at the papers' rates the average trailed
            the last weights (WGAN-GP FCD 321 against 308), the generator
            still improving faster than an average can follow; at #20's
            rates and batches, one run each scoring both at 100 / 200 / 300 s
            (`benchmarks.gan_probe --averaging 0.999`, seed 0), the average
            led at four checkpoints of six but not at both ends (DCGAN
            227 / 158 / 129 against 233 / 156 / 139, WGAN-GP 237 / 176 / 160
            against 256 / 193 / 155): no clear gain. Defaults to `0.0`.
        learning_rate: Both optimizers' learning rate, or `None` for the
            loop's published default (`gan.DCGAN.compile`, `gan.WGAN.compile`,
            `gan.ConditionalGAN.compile`). Defaults to `None` (the DCGAN and
            WGAN-GP families set their own).
    """

    latent_dim: int = 64
    eval_images: int = 5000
    train_subset: int | None = None
    track_quality: bool = False
    synchronized_batch_norm: bool = False
    generator_averaging: float = 0.0
    learning_rate: float | None = None

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int("latent_dim", self.latent_dim)
        if self.learning_rate is not None:
            validation.check_positive_float("learning_rate", self.learning_rate)
        validation.check_rate("generator_averaging", self.generator_averaging)
        validation.check_positive_int("eval_images", self.eval_images, minimum=2)
        validation.check_optional_positive_int("train_subset", self.train_subset)
        validation.check_at_most("train_subset", self.train_subset, data.FASHION_MNIST_TRAIN_SIZE,
                                 "the Fashion-MNIST training images")
        # The FCD compares as many samples with as many real test images.
        validation.check_at_most("eval_images", self.eval_images, data.FASHION_MNIST_TEST_SIZE,
                                 "the Fashion-MNIST test images")
        validation.check_bool("track_quality", self.track_quality)
        validation.check_bool("synchronized_batch_norm", self.synchronized_batch_norm)
        if self.train_subset is not None and self.train_subset < self.batch_size:
            raise ValueError(f"Expected `train_subset` of at least one batch ({self.batch_size}). "
                             f"Received: train_subset={self.train_subset}")


@settings(epochs=12, batch_size=32, learning_rate=6e-4)
class DCGANSettings(GANSettings):
    """A DCGAN run. Attributes as `GANSettings`, and:

    Attributes:
        epochs: Defaults to `12` (about 15 minutes of training on two CPU
            cores: 1,875 steps an epoch at the 25 steps/s of #20's probes).
        batch_size: Defaults to `32` (see the module docstring).
        learning_rate: Defaults to `6e-4`, three times the paper's (see the
            module docstring).
        dropout_rate: Dropout in the discriminator. Defaults to `0.0` (see
            the module docstring).
    """

    dropout_rate: float = 0.0

    def validate(self) -> None:
        super().validate()
        validation.check_rate("dropout_rate", self.dropout_rate)


@settings(epochs=5, batch_size=32, learning_rate=4e-4)
class WGANSettings(GANSettings):
    """A WGAN run. Attributes as `GANSettings`, and:

    Attributes:
        epochs: Defaults to `5` (WGAN-GP: about 15 minutes of training on two
            CPU cores, 1,875 steps an epoch at the 10 steps/s of #20's probes).
        batch_size: Defaults to `32` (see the module docstring); the
            clipped WGAN family sets `64`.
        learning_rate: Defaults to `4e-4`, four times the paper's (see the
            module docstring); the clipped WGAN family sets `None` (RMSprop
            at the paper's 5e-5).
        critic_steps: Critic updates per generator update. Defaults to `2`.
        gradient_penalty_weight: The penalty's weight (WGAN-GP), or `0` with
            clipping. Defaults to `10.0`.
        clip_value: Clip every critic weight to this magnitude (the original
            WGAN), or `None` with the penalty. Defaults to `None`.
    """

    critic_steps: int = 2
    gradient_penalty_weight: float = 10.0
    clip_value: float | None = None

    def validate(self) -> None:
        super().validate()
        validation.check_positive_int("critic_steps", self.critic_steps)
        validation.check_non_negative_float("gradient_penalty_weight", self.gradient_penalty_weight)
        if self.clip_value is not None:
            validation.check_positive_float("clip_value", self.clip_value)
        if (self.clip_value is not None) == (self.gradient_penalty_weight > 0):
            raise ValueError(
                "Expected exactly one Lipschitz constraint: gradient_penalty_weight > 0 with "
                "clip_value=None, or clip_value > 0 with gradient_penalty_weight=0. Received: "
                f"gradient_penalty_weight={self.gradient_penalty_weight}, clip_value={self.clip_value}")


def build(settings: GANSettings, seed: int | None = None) -> Any:
    """The dlkit networks for `settings` (DCGAN or WGAN), wrapped in their loop (uncompiled).

    `seed` seeds the loop's latent draws (see `gan.DCGAN`); the networks'
    weights come from the global seed (`dlkit.set_seed`).
    """
    # dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    from dlkit.models import gan

    generator = gan.build_dcgan_generator(settings.latent_dim,
                                          synchronized_batch_norm=settings.synchronized_batch_norm)
    if isinstance(settings, DCGANSettings):
        discriminator = gan.build_dcgan_discriminator(dropout_rate=settings.dropout_rate)
        return gan.DCGAN(generator, discriminator, settings.latent_dim, seed=seed,
                         generator_averaging=settings.generator_averaging or None)
    if not isinstance(settings, WGANSettings):
        raise ValueError(f"Expected DCGANSettings or WGANSettings. Received: {type(settings).__name__}")
    # Layer normalisation suits the penalty (it is per sample); a clipped critic trains without any.
    critic = gan.build_wgan_critic(normalization=None) if settings.clip_value else gan.build_wgan_critic()
    return gan.WGAN(generator, critic, settings.latent_dim, critic_steps=settings.critic_steps,
                    gradient_penalty_weight=settings.gradient_penalty_weight, clip_value=settings.clip_value,
                    seed=seed, generator_averaging=settings.generator_averaging or None)


def quality(model: Any, real_images: np.ndarray, num_images: int, seed: int) -> dict[str, Any]:
    """FCD against real images, class coverage and classifier score of `num_images` samples."""
    fake = model.generate(num_images, seed=seed)
    coverage = gan_metrics.class_coverage(fake)
    return {
        "fcd": gan_metrics.frechet_classifier_distance(real_images[:num_images], fake),
        "coverage_entropy": coverage["normalized_entropy"],
        "classes_covered": coverage["classes_covered"],
        "class_counts": coverage["counts"],
        "classifier_score": gan_metrics.classifier_score(fake),
    }


@functools.lru_cache(maxsize=4)
def reference_points(num_images: int, seed: int, latent_dim: int = 64, data_dir: str | None = None
                     ) -> dict[str, float]:
    """The floor (real test vs real train) and ceiling (untrained generator) of the FCD.

    Cached: the tour's two GAN sections show the same references.
    """
    (x_train, _), (x_test, _) = data.load_fashion_mnist(data_dir=data_dir)
    return reference_points_of(x_train, x_test, num_images, seed, latent_dim)


def reference_points_of(x_train: np.ndarray, x_test: np.ndarray, num_images: int, seed: int,
                        latent_dim: int = 64) -> dict[str, float]:
    """`reference_points` for given uint8 training and test images."""
    rng = np.random.default_rng(seed)
    train = data.scale_images(x_train[rng.choice(len(x_train), num_images, replace=False)], "symmetric")
    test = data.scale_images(x_test[:num_images], "symmetric")
    set_seed(seed)
    untrained = build(DCGANSettings(latent_dim=latent_dim, dropout_rate=0.3))
    return {
        "real_fcd": gan_metrics.frechet_classifier_distance(test, train),
        "real_coverage_entropy": gan_metrics.class_coverage(train)["normalized_entropy"],
        "untrained_fcd": gan_metrics.frechet_classifier_distance(test, untrained.generate(num_images, seed=seed)),
    }


def _fit(kind: str, settings: GANSettings, run: Run) -> Fitted:
    """Trains the GAN on Fashion-MNIST in [-1, 1]; a sample grid per epoch; quality at the end."""
    # dlkit.callbacks imports Keras: here, not at the top, so `dlkit --help` does not import TensorFlow.
    from dlkit import distribute
    from dlkit.callbacks import GANSampleGrid, GANTensorBoard, QualityTracker

    (x_train, _), (x_test, _) = fashion_mnist_subset(settings.train_subset, None, run.seed, run.data_dir)
    images = data.make_image_dataset(x_train, batch_size=settings.batch_size, value_range="symmetric",
                                     seed=run.seed, drop_remainder=True)
    model = build(settings, seed=run.seed)
    initial = {name: net.get_weights() for name, net in model.networks.items()}
    model.compile(learning_rate=settings.learning_rate)
    real = data.scale_images(x_test, "symmetric")
    grid = GANSampleGrid(seed=run.seed, directory=None if run.out is None else run.out / f"{kind}_samples")
    own: list[Any] = [grid]
    board = None
    tracker = QualityTracker(real, min(2000, settings.eval_images), run.seed) if settings.track_quality else None
    if tracker is not None:
        own.append(tracker)
    if run.tensorboard is not None:
        board = GANTensorBoard(run.tensorboard / "samples", grid, real, min(1000, settings.eval_images), run.seed)
        own.append(board)
    try:
        history = distribute.fit(model, images, epochs=settings.epochs, verbose=run.verbose, shuffle=False,
                                 callbacks=[*run.callbacks, *own])
    finally:  # Keras skips on_train_end when fit raises: the event file is closed either way
        if board is not None:
            board.on_train_end()
    model.use_averaged_generator()  # the saved generator is the one scored
    metrics = {"kind": kind, **quality(model, real, settings.eval_images, run.seed)}

    def write_files(out: Path) -> dict[str, Path]:
        paths = {"samples": out / f"{kind}_samples"}
        if grid.frames:  # a resumed run with no epoch left keeps its earlier GIF
            paths["progress_gif"] = grid.save_gif(out / f"{kind}_progress.gif")
        return paths

    steps = len(x_train) // settings.batch_size
    return Fitted(model, history.history, metrics, examples_per_epoch=steps * settings.batch_size,
                  extras={"grid": grid, "quality": tracker.history if tracker else None,
                          "initial_weights": initial, "data_dir": run.data_dir},
                  write_files=write_files)


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"Frechet classifier distance {metrics['fcd']:.2f}, {metrics['classes_covered']} classes, "
            f"coverage entropy {metrics['coverage_entropy']:.3f}")


def report(page: Any, result: TrainingResult) -> None:
    """The last sample grid, the progress GIF and the FCD between its floor and ceiling."""
    m, settings, title = result.metrics, typing.cast(GANSettings, result.settings), result.family.upper()
    data_dir = result.extras.get("data_dir")
    refs = reference_points(settings.eval_images, result.seed, settings.latent_dim,
                            None if data_dir is None else str(data_dir))
    page.section(
        f"GAN: {title}",
        f"The generator maps {settings.latent_dim} random numbers to a 28x28 image. Quality is measured with the "
        "evaluator classifier shipped in dlkit: the Frechet classifier distance (FCD) to the test "
        "images (lower is better) and the evenness of the classes the samples look like "
        "(coverage entropy, 1.0 = perfectly even).",
    )
    grid = result.extras["grid"]
    if grid.frames:
        images = settings.train_subset or data.FASHION_MNIST_TRAIN_SIZE
        page.figure(plots.image_grid(grid.frames[-1][np.newaxis], title=f"{title} samples", cell_size=4),
                    f"{title} after {grid.epochs[-1]} epochs of {images:,} images")
    gif = result.paths.get("progress_gif")
    if gif is not None:
        page.image(Path(gif).read_bytes(), f"{title}: the same latent vectors after every epoch", mime="image/gif")
    page.table(["samples", "FCD", "coverage entropy", "training images/s"], [
        ["real test vs real train (floor)", refs["real_fcd"], refs["real_coverage_entropy"], ""],
        ["untrained generator (ceiling)", refs["untrained_fcd"], "", ""],
        [title, m["fcd"], m["coverage_entropy"], m["examples_per_second"]],
    ])


def _family(name: str, title: str, settings_type: type[GANSettings], full: GANSettings,
            tour: GANSettings | None, tour_seconds: tuple[float, float] = (60.0, 10.0)) -> Family:
    return Family(
        name=name, title=title, task="Fashion-MNIST generation", Settings=settings_type, FULL=full,
        FAST=full.replace(epochs=1, train_subset=2048, eval_images=1000),
        fit=functools.partial(_fit, name), headline=headline, tour=tour, report=report, tour_seconds=tour_seconds,
        outputs=(f"{name}_samples", f"{name}_progress.gif"),
    )


# The tour's GANs are a short demonstration sized to keep the whole tour under
# 20 minutes on two CPU cores: the DCGAN sees 3 epochs of the full data, the
# WGAN-GP, whose step costs about 2.5 DCGAN steps (2 critic updates, each with
# a second backward pass for the penalty), 3 passes over 20,000 images. The
# stages took 237 and 258 s at batch 64 (README); at #20's batches of 32 a
# WGAN-GP epoch costs about 1.4 times as much (the probes' steps per second),
# a DCGAN epoch about the same, hence the estimates below (not yet measured).
DCGAN = _family("dcgan", "DCGAN", DCGANSettings, DCGANSettings(), DCGANSettings(epochs=3), (240, 12))
WGAN_GP = _family("wgan-gp", "WGAN-GP", WGANSettings, WGANSettings(),
                  WGANSettings(epochs=3, train_subset=20000), (350, 13))
WGAN = _family("wgan", "WGAN (clipped)", WGANSettings,
               WGANSettings(epochs=10, batch_size=64, learning_rate=None, gradient_penalty_weight=0.0, clip_value=0.01),
               None)

# Epochs of each walkthrough experiment's full run (notebooks 04 and 05, and
# benchmarks.gan_walkthrough): DCGAN's quality run in 04, WGAN-GP's in 05 (the
# clipped WGAN's single epoch is the benchmark's only). On two shared CPU
# cores a DCGAN step took 0.09 s and a WGAN-GP step 0.22 s (11 and 4.6 steps/s
# over 15 s, seed 0), so with 937 steps an epoch and a few seconds of quality
# measurement per epoch, 10 DCGAN epochs take about 15 minutes, 3 WGAN-GP
# epochs 11 to 13 (the tour's measurement, 939 steps in 250 s, gives the upper end).
# Those were batches of 64; #20's batches of 32 make twice the steps an epoch
# (in its 300-s probes: 25 DCGAN and 10 WGAN-GP steps/s against 13 and 7), so
# a DCGAN epoch takes about as long as before, a WGAN-GP epoch about 1.4 times.
WALKTHROUGH_EPOCHS = {"dcgan": 10, "wgan-gp": 3, "wgan": 1}
# The quick (CI) runs: passes over FAST's 2,048 images, enough for the quick
# checks of `dlkit.claims.gan` (calibrated there) to separate a trained
# generator from an untrained one.
WALKTHROUGH_QUICK_EPOCHS = {"dcgan": 6, "wgan-gp": 2, "wgan": 1}
# Notebook 05's comparison of DCGAN, the clipped WGAN and WGAN-GP: three seeds,
# each run stopped after `seconds` of training (equal wall-clock, see
# `compare_across_seeds`) on all 60,000 images, scored on `eval_images`
# samples. Nine runs of 130 s of training and about 10 s of building, tracing
# and scoring each (21 minutes; the budget does not grow with the machine's
# load) and WGAN-GP's quality run keep notebook 05 within 40 minutes on two
# CPU cores. 130 s bought about 1,400 DCGAN or 600 WGAN-GP steps of batch 64
# there (about twice as many of #20's batches of 32). The
# quick run gives each a few seconds on the FAST subset.
WALKTHROUGH_SEED_RUN = {"seconds": 130.0, "eval_images": 2000, "train_subset": None}
WALKTHROUGH_QUICK_SEED_RUN = {"seconds": 3.0}
WALKTHROUGH_KINDS = ("dcgan", "wgan", "wgan-gp")


def compare_across_seeds(names: tuple[str, ...] = ("dcgan", "wgan-gp"), seeds: tuple[int, ...] = (0, 1, 2),
                         fast: bool = False, verbose: int = 0,
                         runs: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
                         seconds: float | None = None, **changes: Any) -> dict[str, Any]:
    """Trains each GAN family once per seed and summarises its quality as mean and spread.

    With `seconds`, every run trains for the same wall-clock time (a
    `callbacks.TimeBudget`, which leaves out the first step's tracing) and
    as many epochs as that allows: a WGAN-GP step costs several DCGAN steps,
    so equal steps would favour WGAN-GP. The runs go seed by seed, each
    seed's families one after another, so that a change in the machine's
    load during the comparison falls on every family alike; each run's
    `generator_steps` says what its budget bought.

    Args:
        names: GAN family names. Defaults to `("dcgan", "wgan-gp")`.
        seeds: One run per seed and family. Defaults to `(0, 1, 2)`.
        fast: Each family's `FAST` run instead of `FULL`. Defaults to `False`.
        verbose: Keras fit verbosity. Defaults to `0`.
        runs: Metrics of runs already made, `{(name, seed): metrics}`, reused
            instead of training again (with `seconds`, they must hold
            `generator_steps` too). Defaults to `None`.
        seconds: Training seconds per run, or `None` to train each run for
            its settings' epochs. Defaults to `None`.
        **changes: Settings changed the same way for every run (`epochs=1`).

    Returns:
        `{"runs": {(name, seed): metrics}, "models": {(name, seed): model},
        "summary": {name: {...}}}` (`models` holds the runs trained by this
        call). A summary holds, for `fcd`, `coverage_entropy`,
        `classes_covered` and `seconds_per_epoch` (with `seconds`:
        `generator_steps` instead), the mean, the minimum, the maximum and
        the values in the order of `seeds`.

    Raises:
        ValueError: A family that is not a GAN, no seeds, or a budget that
            is not a positive number.
    """
    from dlkit import families  # the registry imports this module: resolved at call time
    from dlkit.callbacks import TimeBudget  # imports Keras: not at the top (`dlkit --help`)

    chosen = [families.get(name) for name in names]
    for family in chosen:
        if not issubclass(family.Settings, GANSettings):
            raise ValueError(f"Expected GAN families. Received: {family.name!r}")
    if not seeds:
        raise ValueError(f"Expected at least one seed. Received: seeds={seeds!r}")
    if seconds is not None:
        TimeBudget(seconds)  # validates the budget before anything trains
        # The budget ends each run; the epochs only have to outlast it.
        changes = {"epochs": 10_000, **changes}
    done = dict(runs or {})
    models: dict[tuple[str, int], Any] = {}
    for seed in seeds:
        for family in chosen:
            if (family.name, seed) in done:
                continue
            settings = (family.FAST if fast else family.FULL).replace(**changes)
            budget = [] if seconds is None else [TimeBudget(seconds)]
            result = family.train(settings, seed=seed, verbose=verbose, callbacks=budget)
            metrics = dict(result.metrics)
            if budget:
                metrics.update(generator_steps=budget[0].steps, budget_seconds=budget[0].seconds_used)
            done[(family.name, seed)] = metrics
            models[(family.name, seed)] = result.model
    keys = ("fcd", "coverage_entropy", "classes_covered",
            "seconds_per_epoch" if seconds is None else "generator_steps")
    summary: dict[str, Any] = {}
    for family in chosen:
        summary[family.name] = {}
        for key in keys:
            values = np.array([done[(family.name, seed)][key] for seed in seeds], dtype=float)
            summary[family.name][key] = {"mean": float(values.mean()), "min": float(values.min()),
                                         "max": float(values.max()), "values": values.tolist()}
    return {"runs": done, "models": models, "summary": summary}
