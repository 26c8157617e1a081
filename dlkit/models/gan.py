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
from dlkit.models.blocks import batch_normalization
from dlkit.models.gan_loops import DCGAN, WGAN, ConditionalGAN
from dlkit.validation import (
    check_bool,
    check_choice,
    check_input_shape,
    check_positive_int,
    check_positive_int_sequence,
    check_rate,
)

__all__ = [
    "DCGAN",
    "WGAN",
    "ConditionalGAN",
    "build_conditional_critic",
    "build_conditional_discriminator",
    "build_conditional_generator",
    "build_dcgan_discriminator",
    "build_dcgan_generator",
    "build_wgan_critic",
]


def build_dcgan_generator(latent_dim: int = 64, image_shape: Sequence[int] = (28, 28, 1),
                          filters: Sequence[int] = (128, 64), kernel_size: int = 4,
                          name: str = "generator", synchronized_batch_norm: bool = False) -> keras.Model:
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
        synchronized_batch_norm: Batch statistics over every replica's batch
            under `tf.distribute` (`blocks.batch_normalization`): only then do
            two replicas train like one device. Defaults to `False`.

    Returns:
        A `keras.Model` from `(B, latent_dim)` to `(B, H, W, C)` in [-1, 1].

    Raises:
        ValueError: Bad sizes, including an image size the upsampling cannot reach.
    """
    image_shape, filters = _check_generator(latent_dim, image_shape, filters, kernel_size)
    inputs = keras.Input((latent_dim,), name="latent")
    return keras.Model(inputs, _upsampling_body(inputs, image_shape, filters, kernel_size, synchronized_batch_norm),
                       name=name)


def _check_generator(latent_dim, image_shape, filters, kernel_size):
    check_positive_int("latent_dim", latent_dim)
    image_shape = check_input_shape("image_shape", image_shape, rank=3)
    filters = check_positive_int_sequence("filters", filters)
    check_positive_int("kernel_size", kernel_size)
    factor = 2 ** len(filters)
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"Expected an image height and width divisible by 2 ** len(filters) = {factor}. "
            f"Received: image_shape={image_shape}, filters={filters}. Use fewer entries in "
            "`filters`, or pad the images."
        )
    return image_shape, filters


def _upsampling_body(x, image_shape, filters, kernel_size, synchronized_batch_norm=False):
    """Dense projection, reshape and transposed-convolution blocks up to `image_shape` in [-1, 1]."""
    height, width, channels = image_shape
    factor = 2 ** len(filters)
    x = keras.layers.Dense(height // factor * width // factor * filters[0], use_bias=False,
                           name="project")(x)
    synchronized = check_bool("synchronized_batch_norm", synchronized_batch_norm)
    x = batch_normalization(synchronized, name="project_bn")(x)
    x = keras.layers.ReLU(name="project_relu")(x)
    x = keras.layers.Reshape((height // factor, width // factor, filters[0]), name="reshape")(x)
    for i, f in enumerate(filters[1:], 1):
        x = keras.layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same", use_bias=False,
                                         name=f"up{i}")(x)
        x = batch_normalization(synchronized, name=f"up{i}_bn")(x)
        x = keras.layers.ReLU(name=f"up{i}_relu")(x)
    # float32 images even under mixed precision (the last layer is small).
    return keras.layers.Conv2DTranspose(channels, kernel_size, strides=2, padding="same",
                                        activation="tanh", dtype=output_dtype(), name="image")(x)


def _downsampling_stack(image_shape, filters, kernel_size, normalization, dropout_rate, name, num_classes=None):
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
    if num_classes is not None:
        # The class as one more image channel: a learned plane per class, joined to the pixels.
        labels = keras.Input((), dtype="int32", name="label")
        plane = keras.layers.Embedding(num_classes, image_shape[0] * image_shape[1], name="label_embedding")(labels)
        plane = keras.layers.Reshape((*image_shape[:2], 1), name="label_plane")(plane)
        x = keras.layers.Concatenate(name="join")([x, plane])
        inputs = [inputs, labels]
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


def build_conditional_generator(latent_dim: int = 64, num_classes: int = 10, image_shape: Sequence[int] = (28, 28, 1),
                                filters: Sequence[int] = (128, 64), kernel_size: int = 4, label_dim: int = 16,
                                name: str = "generator", synchronized_batch_norm: bool = False) -> keras.Model:
    """Builds a class-conditional DCGAN generator: the label's embedding joined to the latent vector.

    The class id is looked up in an `Embedding` of `label_dim` numbers and
    concatenated to the latent vector; the rest is `build_dcgan_generator`'s
    network, so the label steers every layer from the projection on.

    Args:
        latent_dim, image_shape, filters, kernel_size, name, synchronized_batch_norm: As
            `build_dcgan_generator`.
        num_classes: Class ids the generator accepts, `0 .. num_classes - 1`.
            Defaults to `10`.
        label_dim: Size of each class's embedding. Defaults to `16`.

    Returns:
        A `keras.Model` from `[latent (B, latent_dim), label (B,) int]` to
        images `(B, H, W, C)` in [-1, 1].
    """
    image_shape, filters = _check_generator(latent_dim, image_shape, filters, kernel_size)
    check_positive_int("num_classes", num_classes, minimum=2)
    check_positive_int("label_dim", label_dim)
    latent = keras.Input((latent_dim,), name="latent")
    labels = keras.Input((), dtype="int32", name="label")
    embedded = keras.layers.Embedding(num_classes, label_dim, name="label_embedding")(labels)
    x = keras.layers.Concatenate(name="join")([latent, embedded])
    return keras.Model([latent, labels], _upsampling_body(x, image_shape, filters, kernel_size,
                                                          synchronized_batch_norm), name=name)


def build_conditional_discriminator(image_shape: Sequence[int] = (28, 28, 1), num_classes: int = 10,
                                    filters: Sequence[int] = (64, 128), kernel_size: int = 4,
                                    dropout_rate: float = 0.0, name: str = "discriminator") -> keras.Model:
    """Builds a class-conditional DCGAN discriminator: the label as an extra image channel.

    Each class owns a learned `H x W` plane (an `Embedding` of `H * W`
    numbers) that is stacked onto the image as one more channel, so the
    first convolution already sees the pixels and the class asked for side
    by side: an image is "real" only if it is a real image *of that class*.

    Returns:
        A `keras.Model` from `[images (B, H, W, C), label (B,) int]` to `(B, 1)` logits.
    """
    check_positive_int("num_classes", num_classes, minimum=2)
    return _downsampling_stack(image_shape, filters, kernel_size, None, dropout_rate, name, num_classes)


def build_conditional_critic(image_shape: Sequence[int] = (28, 28, 1), num_classes: int = 10,
                             filters: Sequence[int] = (64, 128), kernel_size: int = 4,
                             normalization: str | None = "layer", name: str = "critic") -> keras.Model:
    """Builds a class-conditional WGAN critic: `build_conditional_discriminator`'s label channel,
    `build_wgan_critic`'s per-sample normalisation and linear score.

    Returns:
        A `keras.Model` from `[images (B, H, W, C), label (B,) int]` to `(B, 1)` scores.
    """
    check_positive_int("num_classes", num_classes, minimum=2)
    check_choice("normalization", normalization, ("layer", None))
    return _downsampling_stack(image_shape, filters, kernel_size, normalization, 0.0, name, num_classes)
