"""A class-conditional GAN on Fashion-MNIST: ask for a class, get an image of it.

Text-to-image in its simplest form: the "text" is one of the ten class
names. The networks are the DCGAN ones with the label joined in
(`gan.build_conditional_generator`, `build_conditional_discriminator` or,
for WGAN-GP, `build_conditional_critic`); the loop is `gan.ConditionalGAN`,
trained with `fit()` on `(images, labels)` like the other loops. Besides the
unconditional GANs' FCD and class coverage, a run measures what only a
conditional generator can be asked: how often the shipped evaluator sees the
class that was requested.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dlkit import data, plots, validation
from dlkit.evaluation import gan as gan_metrics
from dlkit.families.base import Family, Fitted, Run, TrainingResult
from dlkit.families.common import fashion_mnist_subset
from dlkit.families.gans import GANSettings, reference_points


@dataclasses.dataclass(frozen=True)
class ConditionalGANSettings(GANSettings):
    """A conditional GAN run. Attributes as `GANSettings` (10 epochs of batches of 64), and:

    Attributes:
        game: `"dcgan"` or `"wgan-gp"`. Defaults to `"dcgan"`.
        critic_steps: Discriminator updates per generator update, or `None`
            for the game's own (1 for DCGAN; 2 for WGAN-GP, as `WGANSettings`).
            Defaults to `None`.
        gradient_penalty_weight: With `"wgan-gp"`. Defaults to `10.0`.
        label_dim: Size of the generator's class embedding. Defaults to `16`.
        dropout_rate: Dropout in the DCGAN discriminator. Defaults to `0.0`.
    """

    game: str = "dcgan"
    critic_steps: int | None = None
    gradient_penalty_weight: float = 10.0
    label_dim: int = 16
    dropout_rate: float = 0.0

    def validate(self) -> None:
        super().validate()
        validation.check_choice("game", self.game, ("dcgan", "wgan-gp"))
        validation.check_optional_positive_int("critic_steps", self.critic_steps)
        validation.check_positive_float("gradient_penalty_weight", self.gradient_penalty_weight)
        validation.check_positive_int("label_dim", self.label_dim)
        validation.check_rate("dropout_rate", self.dropout_rate)

    @property
    def steps_per_generator_step(self) -> int:
        return self.critic_steps or (1 if self.game == "dcgan" else 2)


FULL = ConditionalGANSettings()
FAST = FULL.replace(epochs=1, train_subset=2048, eval_images=1000)
NUM_CLASSES = 10


def build(settings: ConditionalGANSettings, seed: int | None = None) -> Any:
    """The conditional networks for `settings`, wrapped in `gan.ConditionalGAN` (uncompiled)."""
    from dlkit.models import gan  # here: `dlkit --help` must not import TensorFlow

    generator = gan.build_conditional_generator(settings.latent_dim, NUM_CLASSES, label_dim=settings.label_dim,
                                                synchronized_batch_norm=settings.synchronized_batch_norm)
    if settings.game == "dcgan":
        second = gan.build_conditional_discriminator(num_classes=NUM_CLASSES, dropout_rate=settings.dropout_rate)
    else:
        second = gan.build_conditional_critic(num_classes=NUM_CLASSES)
    return gan.ConditionalGAN(generator, second, settings.latent_dim, NUM_CLASSES, game=settings.game,
                              critic_steps=settings.steps_per_generator_step,
                              gradient_penalty_weight=settings.gradient_penalty_weight, seed=seed,
                              generator_averaging=settings.generator_averaging or None)


def conditional_quality(model: Any, real_images: np.ndarray, num_images: int, seed: int) -> dict[str, Any]:
    """FCD, class coverage and the evaluator's accuracy on the class asked for, from one set of samples.

    The samples ask for every class in turn (0, 1, ..., 9, 0, ...), so the
    classes are requested equally often.
    """
    requested = np.arange(num_images) % NUM_CLASSES
    fake = model.generate(num_images, seed=seed, labels=requested)
    coverage = gan_metrics.class_coverage(fake)
    asked = gan_metrics.class_accuracy(fake, requested, NUM_CLASSES)
    return {
        "fcd": gan_metrics.frechet_classifier_distance(real_images[:num_images], fake),
        "coverage_entropy": coverage["normalized_entropy"],
        "classes_covered": coverage["classes_covered"],
        "class_counts": coverage["counts"],
        "class_accuracy": asked["mean_class_accuracy"],
        "per_class_accuracy": asked["per_class"],
    }


def fit(settings: ConditionalGANSettings, run: Run) -> Fitted:
    """Trains on Fashion-MNIST images with their labels; a class-per-column grid each epoch; quality at the end."""
    from dlkit import distribute
    from dlkit.callbacks import GANSampleGrid  # imports Keras: not at the top (`dlkit --help`)

    (x_train, y_train), (x_test, _) = fashion_mnist_subset(settings.train_subset, None, run.seed, run.data_dir)
    images = data.make_image_dataset(x_train, y_train, batch_size=settings.batch_size, value_range="symmetric",
                                     seed=run.seed, drop_remainder=True)
    model = build(settings, seed=run.seed)
    initial = {name: net.get_weights() for name, net in model.networks.items()}
    model.compile(learning_rate=settings.learning_rate)
    # Ten columns: the grid's latent vectors ask for the classes in turn, so each column is one class.
    grid = GANSampleGrid(num_images=50, columns=NUM_CLASSES, seed=run.seed,
                         directory=None if run.out is None else run.out / "cgan_samples")
    history = distribute.fit(model, images, epochs=settings.epochs, verbose=run.verbose, shuffle=False,
                             callbacks=[*run.callbacks, grid])
    model.use_averaged_generator()  # with `generator_averaging`: the saved generator is the one scored
    real = data.scale_images(x_test, "symmetric")
    metrics = {"game": settings.game, **conditional_quality(model, real, settings.eval_images, run.seed)}

    def write_files(out: Path) -> dict[str, Path]:
        paths = {"samples": out / "cgan_samples"}
        if grid.frames:
            paths["progress_gif"] = grid.save_gif(out / "cgan_progress.gif")
        return paths

    steps = len(x_train) // settings.batch_size
    return Fitted(model, history.history, metrics, examples_per_epoch=steps * settings.batch_size,
                  extras={"grid": grid, "initial_weights": initial, "data_dir": run.data_dir},
                  write_files=write_files)


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['game']}: the class asked for {metrics['class_accuracy']:.1%} of the time "
            f"(mean over classes), FCD {metrics['fcd']:.2f}, coverage entropy {metrics['coverage_entropy']:.3f}")


def class_rows(model: Any, per_row: int = 10, seed: int = 0) -> np.ndarray:
    """`NUM_CLASSES * per_row` samples, one row per class (row `c` asks for class `c`)."""
    return model.generate(NUM_CLASSES * per_row, seed=seed, labels=np.repeat(np.arange(NUM_CLASSES), per_row))


def report(page: Any, result: TrainingResult) -> None:
    """A row of samples per class, the per-class accuracy, and the FCD between its floor and ceiling."""
    m = result.metrics
    settings = result.settings
    assert isinstance(settings, ConditionalGANSettings)
    data_dir = result.extras.get("data_dir")
    refs = reference_points(settings.eval_images, result.seed, settings.latent_dim,
                            None if data_dir is None else str(data_dir))
    names = data.FASHION_MNIST_CLASSES
    page.section(
        "GAN: conditional, one class at a time",
        f"The generator takes a class as well as {settings.latent_dim} random numbers ({settings.game} game, "
        f"{m['epochs_run']} epochs in {m['train_seconds']:.0f} s). Asked for each class in turn, its "
        f"{settings.eval_images:,} samples were seen as the class asked for {m['class_accuracy']:.1%} of the "
        f"time by dlkit's evaluator (mean over classes; chance 10%).",
    )
    samples = class_rows(result.model, seed=result.seed)
    titles = [names[i // 10] if i % 10 == 0 else "" for i in range(len(samples))]  # each row's class, once
    page.figure(plots.image_grid(samples, titles, ncols=10, cell_size=1.0, title="One row per class asked for"),
                "Samples by class")
    page.table(["class asked for", "seen as that class"],
               [[names[c], a] for c, a in enumerate(m["per_class_accuracy"])])
    page.table(["samples", "FCD", "coverage entropy"], [
        ["real test vs real train (floor)", refs["real_fcd"], refs["real_coverage_entropy"]],
        ["untrained unconditional generator (ceiling)", refs["untrained_fcd"], ""],
        ["conditional GAN", m["fcd"], m["coverage_entropy"]],
    ])


# The tour: 3 passes over 20,000 images, like the WGAN-GP's; a step costs about one DCGAN step.
FAMILY = Family(
    name="cgan", title="conditional GAN", task="Fashion-MNIST generation of a requested class",
    Settings=ConditionalGANSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
    tour=FULL.replace(epochs=3, train_subset=20000), report=report, tour_seconds=(110, 12),
    outputs=("cgan_samples", "cgan_progress.gif"),
)
