"""GAN losses and the gradient penalty, as pure functions of tensors; a smoothed classification loss.

Naming follows the roles: `<family>_generator_loss` and
`<family>_discriminator_loss` (for a WGAN the "discriminator" is the critic).
All reduce with a mean over the batch and compute in float32, whatever the
networks' compute dtype under mixed precision (float64 networks keep float64). Under `tf.distribute` the
training loops pass each replica's mean through `scale_loss_for_replicas`,
so that the gradients summed over replicas are those of the global-batch mean.
"""

from typing import Any

import keras
import tensorflow as tf
from keras import ops

from dlkit.validation import check_rate


def _float32(x):
    # A bfloat16 softplus or mean loses most of its digits: losses are at least
    # float32. A float64 model keeps float64 (no rounding to float32 at the head).
    if keras.backend.standardize_dtype(x.dtype) == "float64":
        return x
    return ops.cast(x, "float32")


def scale_loss_for_replicas(loss):
    """A replica's mean loss divided by the number of replicas in sync.

    `tf.distribute` sums the gradients of all replicas. Each replica's loss is
    the mean over its share of the global batch, so dividing it by the number
    of replicas makes the summed gradient the gradient of the mean over the
    global batch (what `tf.nn.compute_average_loss` does for per-sample
    losses, and what Keras does in its own `train_step`): the gradients do
    not grow with the number of replicas. Exact when the global batch splits
    evenly; the identity on one device.

    Args:
        loss: Scalar mean loss of this replica's batch.

    Returns:
        `loss / num_replicas_in_sync`.
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas == 1:
        return loss
    return loss * ops.cast(1.0 / replicas, loss.dtype)


def dcgan_discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy of a discriminator that should say 1 to real and 0 to fake.

    With logits l, -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) =
    softplus(l): computed that way it never takes the log of 0.

    Args:
        real_logits: Discriminator logits on real images, `(B, 1)`.
        fake_logits: Discriminator logits on generated images, `(B, 1)`.

    Returns:
        A scalar: mean softplus(-real) + mean softplus(fake).
    """
    real_logits, fake_logits = _float32(real_logits), _float32(fake_logits)
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def dcgan_generator_loss(fake_logits):
    """The non-saturating generator loss: -log D(G(z)), i.e. mean softplus(-fake).

    Goodfellow et al. (2014) note that minimising log(1 - D(G(z))) gives
    vanishing gradients early on, when the discriminator easily rejects
    samples; maximising log D(G(z)) has the same fixed point and strong
    gradients there.
    """
    return ops.mean(ops.softplus(-_float32(fake_logits)))


def wasserstein_discriminator_loss(real_scores, fake_scores):
    """The critic's loss: mean(fake) - mean(real).

    Minimising it maximises mean(real) - mean(fake), the critic's estimate of
    the Wasserstein-1 distance (valid while the critic is 1-Lipschitz).
    """
    return ops.mean(_float32(fake_scores)) - ops.mean(_float32(real_scores))


def wasserstein_generator_loss(fake_scores):
    """The generator's loss: -mean(fake scores)."""
    return -ops.mean(_float32(fake_scores))


def gradient_penalty(critic, real_images, fake_images, alpha=None, seed=None, epsilon=1e-10,
                     loss_scale=None):
    """The WGAN-GP penalty of Gulrajani et al. (2017): E[(||grad critic(x_hat)|| - 1)^2].

    `x_hat = alpha * real + (1 - alpha) * fake` with one `alpha ~ Uniform[0, 1]`
    per sample. The norm runs over every axis but the batch axis, with
    `epsilon` inside the square root so that the gradient of the penalty is
    finite even where the critic's gradient is exactly zero.

    Args:
        critic: Callable from images to scores `(B, 1)`; called with `training=True`.
        real_images: `(B, ...)`.
        fake_images: Same shape.
        alpha: Optional interpolation weights `(B,)` (tests pass fixed ones).
            Defaults to `None`: drawn from Uniform[0, 1].
        seed: Seed or `keras.random.SeedGenerator` for `alpha`. Defaults to `None`.
        epsilon: Added under the square root. Defaults to `1e-10`.
        loss_scale: Factor applied to the scores before their gradient is
            taken and divided out of it afterwards, so that float16 gradients
            inside the critic do not underflow (the `dynamic_scale` of a
            `keras.optimizers.LossScaleOptimizer`). Defaults to `None`: no scaling.

    Returns:
        The scalar penalty (not yet multiplied by its weight).
    """
    batch = ops.shape(real_images)[0]
    rank = len(real_images.shape)
    if alpha is None:
        alpha = keras.random.uniform((batch,), 0.0, 1.0, seed=seed)
    # Real images arrive in the data's dtype, fakes in the generator's: mix in the latter.
    real_images = ops.cast(real_images, fake_images.dtype)
    alpha = ops.reshape(ops.cast(alpha, fake_images.dtype), (-1,) + (1,) * (rank - 1))
    interpolated = alpha * real_images + (1.0 - alpha) * fake_images
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = _float32(critic(interpolated, training=True))
        if loss_scale is not None:
            scores = scores * ops.cast(loss_scale, "float32")
    grads = _float32(tape.gradient(scores, interpolated))
    if loss_scale is not None:
        grads = grads / ops.cast(loss_scale, "float32")
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=list(range(1, rank))) + epsilon)
    return ops.mean(ops.square(norms - 1.0))


@keras.saving.register_keras_serializable(package="dlkit")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer class labels against predicted probabilities, with label smoothing.

    Keras's `SparseCategoricalCrossentropy` takes no `label_smoothing`: this
    loss one-hot encodes the labels and asks for `1 - s + s / K` on the true
    class and `s / K` on each of the `K` classes otherwise (Szegedy et al.,
    2016), which keeps a classifier from pushing its logits ever further
    apart on examples it already gets right. With `s = 0` it is the plain
    sparse cross-entropy (tests/test_losses.py).

    Args:
        label_smoothing: `s` in [0, 1). Defaults to `0.1`.
        name: Defaults to `"smoothed_sparse_categorical_crossentropy"`.

    Example:

    >>> model.compile("adam", SmoothedSparseCategoricalCrossentropy(0.1), metrics=["accuracy"])
    """

    def __init__(self, label_smoothing: float = 0.1, name: str = "smoothed_sparse_categorical_crossentropy",
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.label_smoothing = check_rate("label_smoothing", label_smoothing)

    def call(self, y_true, y_pred):
        labels = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), ops.shape(y_pred)[-1],
                             dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(labels, y_pred, label_smoothing=self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
