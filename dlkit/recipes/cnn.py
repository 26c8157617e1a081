"""Deprecated: the CNN recipe, now `dlkit.families.FAMILIES["cnn"]` (kept for one release)."""

import dataclasses
import functools

from dlkit.families import cnn as _cnn
from dlkit.recipes.common import deprecated_train

CNN_FULL = _cnn.FULL.as_dict()
CNN_FAST = _cnn.FAST.as_dict()


def train_cnn_fashion_mnist(out=None, fast=False, seed=0, data_dir=None, epochs=None, batch_size=None,
                            learning_rate=None, preset="default", resume=False, overwrite=False,
                            keep_backup=False, verbose=2, **model_kwargs):
    """Trains the CNN family: `FAMILIES["cnn"].train(settings, ...)` under its old name."""
    overrides = {k: v for k, v in (("epochs", epochs), ("batch_size", batch_size),
                                   ("learning_rate", learning_rate)) if v is not None}
    family = _cnn.FAMILY
    if model_kwargs:  # arguments of build_cnn_classifier beside the preset
        family = dataclasses.replace(family, fit=functools.partial(_cnn.fit, **model_kwargs))
    return deprecated_train("train_cnn_fashion_mnist", family, fast, {**overrides, "preset": preset}, seed=seed,
                            out=out, data_dir=data_dir, resume=resume, overwrite=overwrite,
                            keep_backup=keep_backup, verbose=verbose)
