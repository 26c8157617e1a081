"""GAN networks (DCGAN generator and discriminator, WGAN critic) and the
training loops `DCGAN` and `WGAN`, which train with `fit()`.

Images live in [-1, 1] (the generator ends in `tanh`); feed real images
scaled with `data.make_image_dataset(..., value_range="symmetric")`.

Example:

>>> from dlkit.models import gan
>>> g = gan.build_dcgan_generator(64)
>>> d = gan.build_dcgan_discriminator()
>>> model = gan.DCGAN(g, d, latent_dim=64)
>>> model.compile()
>>> model.fit(images, epochs=10)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from dlkit.models._dtypes import output_dtype
from dlkit.models.gan_loops import DCGAN, WGAN
from dlkit.validation import (
    check_choice,
    check_input_shape,
    check_positive_int,
    check_positive_int_sequence,
    check_rate,
)

__all__ = [
    "DCGAN",
    "WGAN",
    "build_dcgan_discriminator",
    "build_dcgan_generator",
    "build_wgan_critic",
]


def build_dcgan_generator(latent_dim: int = 64, image_shape: Sequence[int] = (28, 28, 1),
                          filters: Sequence[int] = (128, 64), kernel_size: int = 4,
                          name: str = "generator") -> keras.Model:
    """Builds a DCGAN generator: dense projection, reshape, transposed-convolution upsampling.

    A dense layer projects the latent vector to a `(H / 2^k, W / 2^k,
    filters[0])` map, where `k = len(filters)`; each following block doubles
    the resolution with a stride-2 `Conv2DTranspose`, batch normalisation and
    ReLU, and the last one outputs the image channels through `tanh`. With
    the defaults: 64 -> 7x7x128 -> 14x14x64 -> 28x28x1.

    Args:
        latent_dim: Size of the noise vector, positive. Defaults to `64`.
        image_shape: `(H, W, C)`; `H` and `W` must be divisible by
            `2 ** len(filters)`. Defaults to `(28, 28, 1)`.
        filters: Channels of the projected map and of each upsampling block
            but the last. Defaults to `(128, 64)`.
        kernel_size: Kernel of the transposed convolutions. Defaults to `4`
            (divisible by the stride 2, which avoids checkerboard artefacts).
        name: Model name. Defaults to `"generator"`.

    Returns:
        A `keras.Model` from `(B, latent_dim)` to `(B, H, W, C)` in [-1, 1].

    Raises:
        ValueError: Bad sizes, including an image size the upsampling cannot reach.
    """
    check_positive_int("latent_dim", latent_dim)
    image_shape = check_input_shape("image_shape", image_shape, rank=3)
    filters = check_positive_int_sequence("filters", filters)
    check_positive_int("kernel_size", kernel_size)
    factor = 2 ** len(filters)
    height, width, channels = image_shape
    if height % factor or width % factor:
        raise ValueError(
            f"Expected an image height and width divisible by 2 ** len(filters) = {factor}. "
            f"Received: image_shape={image_shape}, filters={filters}. Use fewer entries in "
            "`filters`, or pad the images."
        )
    inputs = keras.Input((latent_dim,), name="latent")
    x = keras.layers.Dense(height // factor * width // factor * filters[0], use_bias=False,
                           name="project")(inputs)
    x = keras.layers.BatchNormalization(name="project_bn")(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    x = keras.layers.Reshape((height // factor, width // factor, filters[0]), name="reshape")(x)
    for i, f in enumerate(filters[1:], 1):
        x = keras.layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same", use_bias=False,
                                         name=f"up{i}")(x)
        x = keras.layers.BatchNormalization(name=f"up{i}_bn")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
    # float32 images even under mixed precision (the last layer is small).
    outputs = keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                           activation="tanh", dtype=output_dtype(), name="image")(x)
    return keras.Model(inputs, outputs, name=name)


def _downsampling_stack(image_shape, filters, kernel_size, normalization, dropout_rate, name):
    image_shape = check_input_shape("image_shape", image_shape, rank=3)
    filters = check_positive_int_sequence("filters", filters)
    check_positive_int("kernel_size", kernel_size)
    check_rate("dropout_rate", dropout_rate)
    if min(image_shape[:2]) < 2 ** len(filters):
        raise ValueError(
            f"Expected an image of at least {2 ** len(filters)} pixels a side for "
            f"{len(filters)} stride-2 blocks. Received: image_shape={image_shape}"
        )
    inputs = keras.Input(image_shape, name="images")
    x = inputs
    for i, f in enumerate(filters, 1):
        x = keras.layers.Conv2D(f, kernel_size, strides=2, padding="same", name=f"down{i}")(x)
        if normalization == "layer" and i > 1:
            x = keras.layers.LayerNormalization(axis=[1, 2, 3], name=f"down{i}_ln")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{i}_lrelu")(x)
        if dropout_rate:
            x = keras.layers.Dropout(dropout_rate, name=f"down{i}_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(1, dtype=output_dtype(), name="score")(x)  # float32 under mixed precision
    return keras.Model(inputs, outputs, name=name)


def build_dcgan_discriminator(image_shape: Sequence[int] = (28, 28, 1), filters: Sequence[int] = (64, 128),
                              kernel_size: int = 4, dropout_rate: float = 0.3,
                              name: str = "discriminator") -> keras.Model:
    """Builds a DCGAN discriminator: stride-2 convolutions, LeakyReLU, dropout, one logit.

    Args:
        image_shape: `(H, W, C)`. Defaults to `(28, 28, 1)`.
        filters: Filters of each stride-2 block. Defaults to `(64, 128)`.
        kernel_size: Defaults to `4`.
        dropout_rate: Dropout after each block. Defaults to `0.3`.
        name: Model name. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` from `(B, H, W, C)` images in [-1, 1] to `(B, 1)`
        logits (positive: "real").
    """
    return _downsampling_stack(image_shape, filters, kernel_size, None, dropout_rate, name)


def build_wgan_critic(image_shape: Sequence[int] = (28, 28, 1), filters: Sequence[int] = (64, 128),
                      kernel_size: int = 4, normalization: str | None = "layer",
                      name: str = "critic") -> keras.Model:
    """Builds a WGAN critic: like the discriminator, with no batch norm and a linear score.

    Batch normalisation would make each score depend on the rest of the
    batch, which breaks the per-sample gradient penalty; layer normalisation
    (or none) does not (Gulrajani et al., 2017).

    Args:
        image_shape: `(H, W, C)`. Defaults to `(28, 28, 1)`.
        filters: Filters of each stride-2 block. Defaults to `(64, 128)`.
        kernel_size: Defaults to `4`.
        normalization: `"layer"` or `None`. Defaults to `"layer"`.
        name: Model name. Defaults to `"critic"`.

    Returns:
        A `keras.Model` from `(B, H, W, C)` to `(B, 1)` unbounded scores.
    """
    check_choice("normalization", normalization, ("layer", None))
    return _downsampling_stack(image_shape, filters, kernel_size, normalization, 0.0, name)
