"""Deprecated: the GAN recipes, now the families `dcgan`, `wgan-gp` and `wgan` of
`dlkit.families.FAMILIES` (kept for one release)."""

from dlkit.callbacks import QualityTracker
from dlkit.families import gans
from dlkit.families.gans import (
    WALKTHROUGH_EPOCHS,
    WALKTHROUGH_SEED_RUN,
    quality,
)
from dlkit.recipes.common import deprecated_train

KINDS = ("dcgan", "wgan-gp", "wgan")
# The old single recipe's fields, with the DCGAN family's values (each kind now trains with its own
# family's FULL settings: the WGAN-GP's rate and epochs differ, see `gans`).
GAN_FULL = {**gans.DCGAN.FULL.as_dict(), "critic_steps": gans.WGANSettings().critic_steps}
GAN_FAST = {**gans.DCGAN.FAST.as_dict(), "critic_steps": gans.WGANSettings().critic_steps}

__all__ = ["GAN_FAST", "GAN_FULL", "KINDS", "WALKTHROUGH_EPOCHS", "WALKTHROUGH_SEED_RUN", "QualityTracker",
           "build_gan", "compare_across_seeds", "quality", "reference_points", "train_gan"]


def _family(kind):
    if kind not in KINDS:
        raise ValueError(f"Expected `kind` to be one of {list(KINDS)}. Received: kind={kind!r}")
    return {"dcgan": gans.DCGAN, "wgan-gp": gans.WGAN_GP, "wgan": gans.WGAN}[kind]


def _changes(kind, overrides):
    """A recipe's overrides as the family's settings fields (each kind has only its own)."""
    own = set(_family(kind).Settings.field_names())
    return {k: v for k, v in overrides.items() if k in own or k not in GAN_FULL}


def build_gan(kind, latent_dim=64, critic_steps=5, dropout_rate=0.3, seed=None):
    """`gans.build` with the old defaults (the `WGAN` class's 5 critic steps, dropout 0.3)."""
    settings = _family(kind).FULL.replace(**_changes(kind, {"latent_dim": latent_dim, "critic_steps": critic_steps,
                                                             "dropout_rate": dropout_rate}))
    return gans.build(settings, seed=seed)


def reference_points(x_train, x_test, num_images, seed, latent_dim=64):
    """`gans.reference_points_of` under its old name."""
    return gans.reference_points_of(x_train, x_test, num_images, seed, latent_dim)


def compare_across_seeds(kinds=("dcgan", "wgan-gp"), seeds=(0, 1, 2), fast=False, verbose=0, runs=None,
                         **overrides):
    """`gans.compare_across_seeds`, training each run as `train_gan` did (overrides a kind lacks are dropped)."""
    for kind in kinds:
        _family(kind)
    done = dict(runs or {})
    for kind in kinds:
        for seed in seeds:
            if (kind, seed) not in done:
                done[(kind, seed)] = train_gan(kind, fast=fast, seed=seed, verbose=verbose, **overrides).metrics
    return gans.compare_across_seeds(tuple(kinds), tuple(seeds), runs=done)  # summarises, trains nothing


def train_gan(kind="dcgan", fast=False, seed=0, out=None, data_dir=None, verbose=2, callbacks=(),
              track_quality=False, resume=False, overwrite=False, keep_backup=False, **overrides):
    changes = _changes(kind, {**overrides, "track_quality": track_quality})
    return deprecated_train("train_gan", _family(kind), fast, changes, seed=seed, out=out, data_dir=data_dir,
                            verbose=verbose, callbacks=callbacks, resume=resume, overwrite=overwrite,
                            keep_backup=keep_backup)

