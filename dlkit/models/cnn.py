"""Convolutional image classifiers, and the dense baseline they are compared with.

Example:

>>> from dlkit.models import cnn
>>> model = cnn.build_cnn_classifier((28, 28, 1), 10)           # the default preset
>>> tiny = cnn.build_cnn_classifier((28, 28, 1), 10, preset="tiny")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from dlkit.models._dtypes import output_dtype
from dlkit.models.blocks import apply_conv_block  # also re-exported: its old home
from dlkit.validation import (
    check_bool,
    check_choice,
    check_input_shape,
    check_positive_int,
    check_positive_int_sequence,
    check_rate,
)

# Named settings for `build_cnn_classifier(..., preset=NAME)`. Keyword
# arguments given alongside a preset override its entries.
PRESETS = {
    # A few thousand parameters: shape and save/load tests in milliseconds.
    "tiny": {
        "filters": (4, 8),
        "convs_per_block": 1,
        "batch_norm": False,
        "dropout_rate": 0.0,
        "dense_units": 16,
        "head_dropout_rate": 0.0,
    },
    # What the notebook, the tour and `dlkit train cnn` use on Fashion-MNIST:
    # 92.75 % test accuracy in 15 epochs of plain training; the cnn family's
    # recipe (flips, label smoothing, warm-up, the mirror at test time) adds to
    # it (benchmarks/quality_budget.py).
    # One convolution per block keeps an epoch near half a minute on two CPU
    # cores; two per block cost about twice as much per epoch.
    "default": {
        "filters": (32, 64, 128),
        "convs_per_block": 1,
        "kernel_size": 3,
        "batch_norm": True,
        "dropout_rate": 0.1,
        "pooling": "max",
        "head": "flatten",
        "dense_units": 128,
        "head_dropout_rate": 0.3,
    },
}

_DEFAULTS = {
    "filters": (32, 64),
    "convs_per_block": 2,
    "kernel_size": 3,
    "strides": 1,
    "padding": "same",
    "batch_norm": True,
    "batch_norm_momentum": 0.9,
    "synchronized_batch_norm": False,
    "dropout_rate": 0.25,
    "pooling": "max",
    "head": "flatten",
    "dense_units": 128,
    "head_dropout_rate": 0.5,
    "augmentation": None,
    "output_activation": "softmax",
}

AUGMENTATIONS = ("shift", "flip", "zoom")


def _augmentation_layers(augmentation):
    names = (augmentation,) if isinstance(augmentation, str) else tuple(augmentation)
    layers = []
    for aug in names:
        check_choice("augmentation", aug, AUGMENTATIONS)
        if aug == "shift":
            layers.append(keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", name="aug_shift"))
        elif aug == "flip":
            layers.append(keras.layers.RandomFlip("horizontal", name="aug_flip"))
        else:
            layers.append(keras.layers.RandomZoom(0.1, fill_mode="constant", name="aug_zoom"))
    return layers


def build_cnn_classifier(input_shape: Sequence[int] = (28, 28, 1), num_classes: int = 10, preset: str | None = None,
                         name: str = "cnn_classifier", **kwargs: Any) -> keras.Model:
    """Builds a convolutional image classifier (uncompiled).

    Blocks of `convs_per_block` convolutions, each block ending in 2x2
    pooling, double the abstraction level while halving the resolution; a
    flatten (or global average pooling) head and one hidden dense layer map
    the last feature maps to class probabilities.

    Args:
        input_shape: `(H, W, C)` of the images. Defaults to `(28, 28, 1)`.
        num_classes: Number of classes, at least 2. Defaults to `10`.
        preset: Name in `PRESETS` (`"tiny"`, `"default"`), or `None` for the
            keyword defaults below. Defaults to `None`.
        name: Model name. Defaults to `"cnn_classifier"`.
        **kwargs: Override the preset:
            `filters` (tuple, one entry per block, default `(32, 64)`),
            `convs_per_block` (default `2`), `kernel_size` (default `3`),
            `strides` of each block's first convolution (default `1`),
            `padding` `"same"`/`"valid"` (default `"same"`),
            `batch_norm` (default `True`), `batch_norm_momentum` (default
            `0.9`), `synchronized_batch_norm` (statistics over every
            replica's batch under `tf.distribute`; default `False`),
            `dropout_rate` after each block
            (default `0.25`), `pooling` `"max"`/`"average"`/`None` (default
            `"max"`), `head` `"flatten"`/`"global"` (default `"flatten"`),
            `dense_units` (default `128`; `0` for none), `head_dropout_rate`
            (default `0.5`), `augmentation`: `None` or names from
            `"shift"`, `"flip"`, `"zoom"` (random layers, active only in
            training; default `None`), `output_activation` `"softmax"` or
            `None` for logits (default `"softmax"`).

    Returns:
        A `keras.Model` from `(B, H, W, C)` float images in [0, 1] to
        `(B, num_classes)` probabilities (or logits).

    Raises:
        ValueError: An unknown preset or option, or a value out of range
            (including blocks that would shrink the image below 1x1).

    Example:

    >>> model = build_cnn_classifier((28, 28, 1), 10, pooling="average", head="global")
    >>> model.output_shape
    (None, 10)
    """
    if preset is not None:
        check_choice("preset", preset, tuple(PRESETS))
    unknown = sorted(set(kwargs) - set(_DEFAULTS))
    if unknown:
        raise ValueError(
            f"Expected keyword arguments from {sorted(_DEFAULTS)}. Received unknown: {unknown}"
        )
    cfg = {**_DEFAULTS, **(PRESETS[preset] if preset else {}), **kwargs}

    input_shape = check_input_shape("input_shape", input_shape, rank=3)
    check_positive_int("num_classes", num_classes, minimum=2)
    filters = check_positive_int_sequence("filters", cfg["filters"])
    check_positive_int("convs_per_block", cfg["convs_per_block"])
    check_positive_int("kernel_size", cfg["kernel_size"])
    check_positive_int("strides", cfg["strides"])
    check_choice("padding", cfg["padding"], ("same", "valid"))
    check_choice("pooling", cfg["pooling"], ("max", "average", None))
    check_choice("head", cfg["head"], ("flatten", "global"))
    check_choice("output_activation", cfg["output_activation"], ("softmax", None))
    check_rate("dropout_rate", cfg["dropout_rate"])
    check_rate("batch_norm_momentum", cfg["batch_norm_momentum"])
    check_rate("head_dropout_rate", cfg["head_dropout_rate"])
    check_positive_int("dense_units", cfg["dense_units"], minimum=0)
    _check_resolution(input_shape, filters, cfg)

    inputs = keras.Input(input_shape, name="images")
    x = inputs
    if cfg["augmentation"]:
        for layer in _augmentation_layers(cfg["augmentation"]):
            x = layer(x)
    for i, f in enumerate(filters, 1):
        x = apply_conv_block(
            x,
            f,
            convs=cfg["convs_per_block"],
            kernel_size=cfg["kernel_size"],
            strides=cfg["strides"],
            padding=cfg["padding"],
            batch_norm=cfg["batch_norm"],
            batch_norm_momentum=cfg["batch_norm_momentum"],
            synchronized_batch_norm=check_bool("synchronized_batch_norm", cfg["synchronized_batch_norm"]),
            pooling=cfg["pooling"],
            dropout_rate=cfg["dropout_rate"],
            name=f"block{i}",
        )
    if cfg["head"] == "flatten":
        x = keras.layers.Flatten(name="flatten")(x)
    else:
        x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    if cfg["dense_units"]:
        x = keras.layers.Dense(cfg["dense_units"], activation="relu", name="dense")(x)
        if cfg["head_dropout_rate"]:
            x = keras.layers.Dropout(cfg["head_dropout_rate"], name="head_dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation=cfg["output_activation"], dtype=output_dtype(),
                                 name="predictions")(x)  # float32 even under mixed precision
    return keras.Model(inputs, outputs, name=name)


def _check_resolution(input_shape, filters, cfg):
    """Rejects settings whose blocks would shrink the feature map below 1x1."""
    size = list(input_shape[:2])
    k, s = cfg["kernel_size"], cfg["strides"]
    for block in range(1, len(filters) + 1):
        for conv in range(cfg["convs_per_block"]):
            stride = s if conv == 0 else 1
            for axis in range(2):
                if cfg["padding"] == "valid":
                    size[axis] = (size[axis] - k) // stride + 1
                else:
                    size[axis] = -(-size[axis] // stride)
        if cfg["pooling"]:
            size = [v // 2 for v in size]
        if min(size) < 1:
            raise ValueError(
                f"Expected an input large enough for {len(filters)} blocks. Received: "
                f"input_shape={tuple(input_shape)}, which shrinks below 1x1 in block {block} "
                f"(kernel_size={k}, strides={s}, padding={cfg['padding']!r}, "
                f"pooling={cfg['pooling']!r}). Use fewer blocks or a larger input."
            )


def build_dense_classifier(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    hidden_units: Sequence[int] = (256, 128),
    dropout_rate: float = 0.2,
    output_activation: str = "softmax",
    name: str = "dense_classifier",
) -> keras.Model:
    """Builds the fully connected baseline: flatten, then hidden dense layers.

    It sees every pixel as a separate input, so it has no built-in notion of
    "the same pattern elsewhere"; the CNN walkthrough measures what that costs.

    Args:
        input_shape: `(H, W, C)` of the images. Defaults to `(28, 28, 1)`.
        num_classes: Number of classes, at least 2. Defaults to `10`.
        hidden_units: Units of each hidden layer. Defaults to `(256, 128)`.
        dropout_rate: Dropout after each hidden layer. Defaults to `0.2`.
        output_activation: `"softmax"` or `None` for logits. Defaults to `"softmax"`.
        name: Model name. Defaults to `"dense_classifier"`.

    Returns:
        A `keras.Model` from `(B, H, W, C)` to `(B, num_classes)`.

    Example:

    >>> build_dense_classifier(hidden_units=(64,)).count_params()
    50890
    """
    input_shape = check_input_shape("input_shape", input_shape, rank=3)
    check_positive_int("num_classes", num_classes, minimum=2)
    hidden_units = check_positive_int_sequence("hidden_units", hidden_units, allow_empty=True)
    check_rate("dropout_rate", dropout_rate)
    check_choice("output_activation", output_activation, ("softmax", None))

    inputs = keras.Input(input_shape, name="images")
    x = keras.layers.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden_units, 1):
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
        if dropout_rate:
            x = keras.layers.Dropout(dropout_rate, name=f"dropout{i}")(x)
    outputs = keras.layers.Dense(num_classes, activation=output_activation, dtype=output_dtype(),
                                 name="predictions")(x)  # float32 even under mixed precision
    return keras.Model(inputs, outputs, name=name)
