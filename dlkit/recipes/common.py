"""Deprecated: what the recipes shared, now in `dlkit.families` (kept for one release)."""

import warnings

from dlkit import families
from dlkit.families.base import TrainingResult
from dlkit.families.common import fashion_mnist_subset as _subset
from dlkit.families.common import split_validation

__all__ = ["TrainingResult", "deprecated_train", "fashion_mnist_subset", "split_validation"]


def fashion_mnist_subset(settings, seed, data_dir=None):
    """Fashion-MNIST cut to `settings["train_subset"]` / `["test_subset"]` (a recipe's dict)."""
    return _subset(settings.get("train_subset"), settings.get("test_subset"), seed, data_dir)


def deprecated_train(old, family, fast, overrides, **train_kwargs):
    """Trains `family` (a name or a `Family`) as the old recipe `old` did: `FAST` or `FULL`, with `overrides`."""
    if isinstance(family, str):
        family = families.FAMILIES[family]
    warnings.warn(f"dlkit.recipes.{old} is deprecated and goes in the next release: use "
                  f"dlkit.families.FAMILIES[{family.name!r}].train(settings, ...)", DeprecationWarning,
                  stacklevel=3)
    settings = (family.FAST if fast else family.FULL).replace(**overrides)
    result = family.train(settings, **train_kwargs)
    # The recipes' name for the throughput, before one definition covered every family.
    result.metrics.setdefault("images_per_second", result.metrics["examples_per_second"])
    return result
