"""`DCGAN` and `WGAN`: GAN training loops as `keras.Model` subclasses.

They override `compile` and `train_step` only, so `fit()` brings every
standard callback, progress bars and `steps_per_execution`. Every sub-model
call passes `training=True` during training (Keras otherwise runs dropout and
batch norm in inference mode inside a custom step).

Both loops train under `tf.distribute` strategies (build and compile them
inside `strategy.scope()`): every loss is scaled to the replica's share of the
global-batch mean before its gradients are summed over replicas, and random
draws (latent vectors, penalty weights) are split across replicas so that a
global batch gives the same step on any number of replicas. Under a
`mixed_float16` policy both optimizers are wrapped in a
`keras.optimizers.LossScaleOptimizer`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from dlkit import distribute, losses
from dlkit.validation import check_positive_int, check_symmetric_images


def _real_images(data):
    # fit(x) gives x; fit(dataset of (x, y)) gives a tuple: the labels are unused.
    real = data[0] if isinstance(data, (tuple, list)) else data
    _check_image_dtype(real.dtype)
    return real


_SCALE_HINT = "scale uint8 images with dlkit.data.scale_images(x, 'symmetric')"


def _check_image_dtype(dtype):
    dtype = keras.backend.standardize_dtype(dtype)
    if "float" not in dtype:
        raise ValueError(f"Expected float images in [-1, 1], the generator's tanh range. "
                         f"Received: dtype={dtype}; {_SCALE_HINT}")


def check_real_images(x):
    """Refuses NumPy real images a GAN would train on silently but wrongly.

    Integer images (e.g. uint8 in [0, 255]), NaN or infinite values and values
    outside [-1, 1] are errors. A dataset's dtype is checked when `train_step`
    is traced (`_real_images`), before the first update; its values are only
    seen during training.

    Raises:
        ValueError: What was expected and what `x` holds.
    """
    if isinstance(x, np.ndarray):
        _check_image_dtype(x.dtype)
        check_symmetric_images("x", x, tolerance=1e-6)  # float32 rounding of a scaled 0 or 255


def _replica_share(draw, batch_size):
    """`draw(batch_size)` for this replica, distinct across replicas.

    Every replica runs `train_step` with the same seed-generator state, so a
    per-replica draw would hand every replica the same latent vectors. Each
    replica draws the global batch instead and keeps its own slice: distinct
    values, and exactly those that one device draws for the same global batch
    (the batch is split in replica order, as distributed datasets split it).
    """
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context is not None else 1
    if replicas == 1:
        return draw(batch_size)
    start = context.replica_id_in_sync_group * batch_size
    return draw(batch_size * replicas)[start:start + batch_size]


def _uses_float16(*networks):
    return any(layer.compute_dtype == "float16" for net in networks for layer in net.layers)


def _check_averaging(momentum):
    if momentum is None:
        return None
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 < momentum < 1:
        raise ValueError(f"Expected `generator_averaging` in (0, 1), or None. Received: "
                         f"generator_averaging={momentum!r}")
    return float(momentum)


def _rates(learning_rate, default, d_optimizer=None, g_optimizer=None):
    """The `(discriminator, generator)` rates of a loop's default optimizers.

    `learning_rate` is `None` (the loop's published `default` for both), one
    positive rate or `LearningRateSchedule` for both, or a `(discriminator,
    generator)` pair of them (a schedule counts its own optimizer's steps:
    a WGAN critic steps `critic_steps` times per generator step). It sets
    the rate of the optimizers `compile` makes, so it cannot come with an
    optimizer of the caller's.
    """
    if learning_rate is None:
        return default, default
    if d_optimizer is not None or g_optimizer is not None:
        raise ValueError("Expected `learning_rate` or optimizers, not both: the rate is set on the optimizers "
                         f"compile() makes. Received: learning_rate={learning_rate!r} with "
                         f"d_optimizer={d_optimizer!r}, g_optimizer={g_optimizer!r}")
    pair = tuple(learning_rate) if isinstance(learning_rate, (tuple, list)) else (learning_rate, learning_rate)
    if len(pair) != 2:
        raise ValueError("Expected `learning_rate` as one rate or a (discriminator, generator) pair. "
                         f"Received: learning_rate={learning_rate!r}")
    for rate in pair:
        schedule = isinstance(rate, keras.optimizers.schedules.LearningRateSchedule)
        if not schedule and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf):
            raise ValueError("Expected positive learning rates or LearningRateSchedules. "
                             f"Received: learning_rate={learning_rate!r}")
    return pair


class _GAN(keras.Model):
    """What both loops share: latent sampling, `generate`, trackers, (de)serialisation."""

    _second_name: str  # "discriminator" or "critic", set by each loop

    def __init__(self, generator, second, latent_dim, seed=None, generator_averaging=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(second, keras.Model):
            raise ValueError(
                f"Expected Keras models for `generator` and `{self._second_name}`. Received: "
                f"generator={type(generator).__name__}, {self._second_name}={type(second).__name__}"
            )
        check_positive_int("latent_dim", latent_dim)
        self._check_networks(generator, second, latent_dim)
        self.generator = generator
        self.latent_dim = int(latent_dim)
        self.seed = None if seed is None else check_positive_int("seed", seed, minimum=0)
        # Latent vectors and penalty weights come from here. With seed=None its
        # seed is drawn from Python's `random`, which dlkit.set_seed seeds: the
        # run's seed drives the noise the generator trains on.
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        # The moving average of the generator's weights (see `averaged_generator`):
        # model weights, so saving, loading and ResumableBackup keep it. Every
        # replica holds the same generator, so the first replica's update stands.
        self.generator_averaging = _check_averaging(generator_averaging)
        self.generator_average = []
        if self.generator_averaging is not None:
            self.average_updates = keras.Variable(0.0, trainable=False, aggregation="only_first_replica",
                                                  name="average_updates")
            self.generator_average = [
                keras.Variable(ops.convert_to_numpy(w), trainable=False, aggregation="only_first_replica",
                               name=f"average_{i}")
                for i, w in enumerate(generator.trainable_variables)]
        # The sub-models arrive built (functional), so this model is too.
        self.built = True

    def _check_networks(self, generator, second, latent_dim):
        if generator.input_shape[-1] != latent_dim:
            raise ValueError(
                f"Expected the generator's input size to equal latent_dim={latent_dim}. "
                f"Received: generator input shape {generator.input_shape}"
            )
        if tuple(generator.output_shape[1:]) != tuple(second.input_shape[1:]):
            raise ValueError(
                f"Expected the generator's output shape to match the {self._second_name}'s input. "
                f"Received: {generator.output_shape} and {second.input_shape}"
            )

    def generator_inputs(self, latent):
        """What the generator takes for `latent` vectors (a conditional loop adds class labels)."""
        return latent

    def fit(self, x=None, *args, **kwargs):
        # The one override beyond compile/train_step: bad real images are
        # refused before the first step instead of training on the wrong scale.
        self.check_fit_inputs(x, kwargs.get("y", args[0] if args else None))
        return super().fit(x, *args, **kwargs)

    def check_fit_inputs(self, x, y=None):
        """Refuses what `fit` must not train on (real images off the [-1, 1] scale), before any step.

        `fit` calls it; so does `dlkit.distribute.fit`, whose own loop (under
        the mirrored strategies) does not go through `fit`.
        """
        check_real_images(x)

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def build(self, input_shape=None):
        self.built = True

    def sample_latent(self, batch_size):
        """`(batch_size, latent_dim)` standard normal vectors, distinct on every replica."""
        return _replica_share(
            lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator), batch_size)

    def generate(self, n, seed=None):
        """Generates `n` images in [-1, 1] as a NumPy array `(n, H, W, C)`.

        Args:
            n: Number of images, positive.
            seed: Integer seed of the latent vectors; the same seed gives the
                same images from the same weights. Defaults to `None`.
        """
        check_positive_int("n", n)
        latent = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        with self.averaged_generator() as generator:
            return np.asarray(generator.predict(latent, batch_size=256, verbose=0))

    def _update_generator_average(self):
        """One step of the moving average, after a generator update (inside `train_step`).

        The momentum starts low and rises to `generator_averaging`,
        `min(m, (1 + t) / (10 + t))` after `t` updates (as TensorFlow's
        `ExponentialMovingAverage` with `num_updates`), so that a short run's
        average is not dominated by the untrained starting weights.
        """
        if self.generator_averaging is None:
            return
        self.average_updates.assign_add(1.0)
        count = ops.convert_to_tensor(self.average_updates)
        rising = ops.minimum(self.generator_averaging, (1.0 + count) / (10.0 + count))
        for average, weight in zip(self.generator_average, self.generator.trainable_variables, strict=True):
            momentum = ops.cast(rising, average.dtype)
            average.assign(momentum * average + (1.0 - momentum) * ops.cast(weight, average.dtype))

    @contextlib.contextmanager
    def averaged_generator(self) -> Iterator[keras.Model]:
        """The generator with the moving average of its weights in place, for as long as the block runs.

        With `generator_averaging` the loop keeps an exponential moving
        average of the generator's weights. Once training has settled,
        samples drawn from it can beat those of the last step's weights,
        which wander around a good solution (Yazici et al., 2019); while the
        generator still improves quickly the average trails it. `generate`
        and dlkit's sample callbacks draw
        inside this block; training goes on from the last step's weights,
        restored on exit. Only the weights are averaged: batch
        normalization's moving statistics stay those gathered with the last
        weights. Without averaging the generator is yielded as it is.
        `use_averaged_generator` writes the average in for good (training on
        from there starts at the average, with the optimizer's moments of
        the last weights).

        Example:

        >>> with gan.averaged_generator() as generator:
        ...     images = generator(latent, training=False)
        """
        if self.generator_averaging is None:
            yield self.generator
            return
        weights = self.generator.trainable_variables
        trained = [ops.convert_to_numpy(w) for w in weights]
        for weight, average in zip(weights, self.generator_average, strict=True):
            weight.assign(ops.convert_to_tensor(average))
        try:
            yield self.generator
        finally:
            for weight, value in zip(weights, trained, strict=True):
                weight.assign(value)

    def use_averaged_generator(self) -> bool:
        """Writes the moving average of the generator's weights into the generator (once training ends).

        The families call it after `fit`, so that the generator they score
        and save is the averaged one. Returns whether there was an average.
        """
        if self.generator_averaging is None:
            return False
        for weight, average in zip(self.generator.trainable_variables, self.generator_average, strict=True):
            weight.assign(ops.convert_to_tensor(average))
        return True

    @property
    def networks(self):
        """The two networks by role: `{"generator": ..., "discriminator" or "critic": ...}`.

        The second key is the loop's own name for it (`DCGAN`: discriminator,
        `WGAN`: critic), the same as the attribute and the constructor argument.
        """
        return {"generator": self.generator, self._second_name: getattr(self, self._second_name)}

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.loss_tracker, *self._extra_trackers()]

    def _extra_trackers(self):
        return []

    def _record(self, batch, d_loss, g_loss, **extra):
        # Weighted by the replica's batch, so the trackers, summed over
        # replicas, hold the global-batch mean even for an uneven split.
        weight = ops.cast(batch, "float32")
        self.d_loss_tracker.update_state(d_loss, sample_weight=weight)
        self.g_loss_tracker.update_state(g_loss, sample_weight=weight)
        # `loss` is what TerminateOnNaN and EarlyStopping look at by default.
        self.loss_tracker.update_state(d_loss + g_loss, sample_weight=weight)
        for name, value in extra.items():
            getattr(self, name).update_state(value, sample_weight=weight)
        logs = {m.name: m.result() for m in self.metrics}
        if distribute.across_workers(self.distribute_strategy):
            # Keras 3 averages a step's logs over workers along axis 0, which
            # fails on scalars (tensorflow/tensorflow#72388): hand it vectors of one.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _step(self, network, optimizer, loss_fn):
        with tf.GradientTape() as tape:
            loss, extras = loss_fn()
            # The replica's share of the global mean (gradients are summed over
            # replicas), times the loss scale under float16 (else unchanged).
            scaled = optimizer.scale_loss(losses.scale_loss_for_replicas(loss))
        grads = tape.gradient(scaled, network.trainable_weights)
        # A LossScaleOptimizer divides the scale out and skips non-finite steps.
        optimizer.apply(grads, network.trainable_weights)
        return loss, extras

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            self._second_name: keras.saving.serialize_keras_object(getattr(self, self._second_name)),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "generator_averaging": self.generator_averaging,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config[cls._second_name] = keras.saving.deserialize_keras_object(config[cls._second_name])
        return cls(**config)

    def get_compile_config(self):
        if not getattr(self, "_dlkit_compiled", False):
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
        }

    def compile_from_config(self, config):
        # `compile` builds the optimizers, so saved state can be loaded into them.
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
        )

    def _compile(self, d_optimizer, g_optimizer, learning_rate, default_rate, make_default, **kwargs):
        """Compiles with the caller's optimizers, or `make_default(rate)` at the rates `_rates` gives."""
        d_rate, g_rate = _rates(learning_rate, default_rate, d_optimizer, g_optimizer)
        d_optimizer = d_optimizer or make_default(d_rate)
        g_optimizer = g_optimizer or make_default(g_rate)
        super().compile(**kwargs)
        second = getattr(self, self._second_name)
        if _uses_float16(self.generator, second):
            # float16 gradients underflow without loss scaling; Keras wraps the
            # optimizer of a plain compile() the same way.
            d_optimizer, g_optimizer = (
                opt if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt)
                for opt in (d_optimizer, g_optimizer)
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Build both now, in the caller's strategy scope and before fit()
        # traces train_step: their state then exists to be mirrored, saved and
        # restored, and a loss scale is read from its variable in the trace.
        for optimizer, network in ((d_optimizer, second), (g_optimizer, self.generator)):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)
        self._dlkit_compiled = True

    def _loss_scale(self, optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer.dynamic_scale
        return None


@keras.saving.register_keras_serializable(package="dlkit")
class DCGAN(_GAN):
    """The DCGAN game (Radford et al., 2015) with the non-saturating generator loss.

    Each `train_step` updates the discriminator on a batch of real images and
    an equal batch of generated ones, then the generator on a fresh latent
    batch (the keras-io order: discriminator first).

    Args:
        generator: Model from latent vectors `(B, latent_dim)` to images.
        discriminator: Model from images to one logit `(B, 1)`.
        latent_dim: Size of the latent vectors.
        seed: Seed of the latent draws during training, or `None` to take
            one from Python's `random` (seeded by `dlkit.set_seed`).
            Defaults to `None`.
        generator_averaging: Keep an exponential moving average of the
            generator's weights with this momentum (in (0, 1), reached
            after a warm-up: `averaged_generator`), which `generate` draws
            from; or `None`. Defaults to `None`.

    Logs `d_loss`, `g_loss` and `loss` (their sum).

    Example:

    >>> gan = DCGAN(build_dcgan_generator(64), build_dcgan_discriminator(), 64)
    >>> gan.compile()                      # Adam(2e-4, beta_1=0.5) for both
    >>> gan.fit(dataset_of_images, epochs=5)
    """

    _second_name = "discriminator"

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.discriminator = discriminator

    def compile(self, d_optimizer=None, g_optimizer=None, learning_rate=None, **kwargs):
        """Sets the two optimizers. Defaults: Adam(2e-4, beta_1=0.5) each (Radford et al.).

        `learning_rate` replaces the defaults' rate: see `gan_loops._rates`.
        """
        self._compile(d_optimizer, g_optimizer, learning_rate, 2e-4,
                      lambda rate: keras.optimizers.Adam(rate, beta_1=0.5), **kwargs)

    def train_step(self, data):
        real = _real_images(data)
        batch = ops.shape(real)[0]

        def d_loss_fn():
            fake = self.generator(self.sample_latent(batch), training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            return losses.dcgan_discriminator_loss(real_logits, fake_logits), {}

        def g_loss_fn():
            fake = self.generator(self.sample_latent(batch), training=True)
            return losses.dcgan_generator_loss(self.discriminator(fake, training=True)), {}

        d_loss, _ = self._step(self.discriminator, self.d_optimizer, d_loss_fn)
        g_loss, _ = self._step(self.generator, self.g_optimizer, g_loss_fn)
        self._update_generator_average()
        return self._record(batch, d_loss, g_loss)


@keras.saving.register_keras_serializable(package="dlkit")
class WGAN(_GAN):
    """Wasserstein GAN: with a gradient penalty (WGAN-GP) or with weight clipping.

    The critic is updated `critic_steps` times per generator update, each time
    on the step's real batch and a fresh generated one. The critic is kept
    (approximately) 1-Lipschitz either by the gradient penalty of Gulrajani et
    al. (2017), `gradient_penalty_weight > 0` (the default, 10), or by
    clipping every critic weight to `[-clip_value, clip_value]` after each
    update as in the original WGAN (Arjovsky et al., 2017), which needs
    `gradient_penalty_weight=0`.

    Args:
        generator: Model from latent vectors to images.
        critic: Model from images to unbounded scores `(B, 1)`, without batch norm.
        latent_dim: Size of the latent vectors.
        critic_steps: Critic updates per generator update. Defaults to `5`.
        gradient_penalty_weight: Weight of the penalty, `>= 0`. Defaults to `10.0`.
        clip_value: Weight-clipping bound, or `None`. Defaults to `None`.
        seed: Seed of the latent and penalty-weight draws during training,
            or `None` to take one from Python's `random` (seeded by
            `dlkit.set_seed`). Defaults to `None`.
        generator_averaging: As `DCGAN`'s. Defaults to `None`.

    Logs `d_loss` (critic loss with the penalty), `g_loss`, `loss`,
    `wasserstein_distance` (mean real score - mean fake score, the critic's
    estimate) and `gradient_penalty`.

    Raises:
        ValueError: Both constraints or neither, or values out of range.
    """

    _second_name = "critic"

    def __init__(self, generator: keras.Model, critic: keras.Model, latent_dim: int, critic_steps: int = 5,
                 gradient_penalty_weight: float = 10.0, clip_value: float | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(generator, critic, latent_dim, seed=seed, **kwargs)
        check_positive_int("critic_steps", critic_steps)
        if gradient_penalty_weight is None or gradient_penalty_weight < 0:
            raise ValueError(
                "Expected `gradient_penalty_weight` >= 0. "
                f"Received: gradient_penalty_weight={gradient_penalty_weight!r}"
            )
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"Expected a positive `clip_value` or None. Received: clip_value={clip_value!r}")
        if (clip_value is not None) == (gradient_penalty_weight > 0):
            raise ValueError(
                "Expected exactly one Lipschitz constraint: a gradient penalty "
                "(gradient_penalty_weight > 0, clip_value=None) or weight clipping "
                "(clip_value > 0, gradient_penalty_weight=0). Received: "
                f"gradient_penalty_weight={gradient_penalty_weight}, clip_value={clip_value}"
            )
        self.critic = critic
        self.critic_steps = int(critic_steps)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.clip_value = None if clip_value is None else float(clip_value)
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein_distance")
        self.penalty_tracker = keras.metrics.Mean(name="gradient_penalty")

    def _extra_trackers(self):
        return [self.wasserstein_tracker, self.penalty_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None, learning_rate=None, **kwargs):
        """Sets the two optimizers.

        Defaults: Adam(1e-4, beta_1=0.5, beta_2=0.9) each with the gradient
        penalty (Gulrajani et al.); RMSprop(5e-5) each with clipping
        (Arjovsky et al., who found momentum unstable for the clipped critic).
        `learning_rate` replaces the defaults' rate: see `gan_loops._rates`.
        """
        if self.clip_value is None:
            self._compile(d_optimizer, g_optimizer, learning_rate, 1e-4,
                          lambda rate: keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.9), **kwargs)
        else:
            self._compile(d_optimizer, g_optimizer, learning_rate, 5e-5, keras.optimizers.RMSprop, **kwargs)

    def train_step(self, data):
        real = _real_images(data)
        batch = ops.shape(real)[0]

        def critic_loss_fn():
            fake = self.generator(self.sample_latent(batch), training=True)
            real_scores = self.critic(real, training=True)
            fake_scores = self.critic(fake, training=True)
            loss = losses.wasserstein_discriminator_loss(real_scores, fake_scores)
            penalty = ops.zeros(())
            if self.gradient_penalty_weight:
                alpha = _replica_share(
                    lambda n: keras.random.uniform((n,), 0.0, 1.0, seed=self.seed_generator), batch)
                penalty = losses.gradient_penalty(self.critic, real, fake, alpha=alpha,
                                                  loss_scale=self._loss_scale(self.d_optimizer))
                loss = loss + self.gradient_penalty_weight * penalty
            distance = -losses.wasserstein_discriminator_loss(real_scores, fake_scores)
            return loss, {"distance": distance, "penalty": penalty}

        for _ in range(self.critic_steps):
            d_loss, extras = self._step(self.critic, self.d_optimizer, critic_loss_fn)
            if self.clip_value is not None:
                for weight in self.critic.trainable_weights:
                    weight.assign(ops.clip(weight, -self.clip_value, self.clip_value))

        def g_loss_fn():
            fake = self.generator(self.sample_latent(batch), training=True)
            return losses.wasserstein_generator_loss(self.critic(fake, training=True)), {}

        g_loss, _ = self._step(self.generator, self.g_optimizer, g_loss_fn)
        self._update_generator_average()
        return self._record(batch, d_loss, g_loss, wasserstein_tracker=extras["distance"],
                            penalty_tracker=extras["penalty"])

    def get_config(self):
        config = super().get_config()
        config.update({
            "critic_steps": self.critic_steps,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "clip_value": self.clip_value,
        })
        return config


@keras.saving.register_keras_serializable(package="dlkit")
class ConditionalGAN(_GAN):
    """A class-conditional GAN: the DCGAN game or WGAN-GP, with a class label beside every image.

    The generator takes `[latent, label]` and the discriminator (or critic)
    `[images, label]` (`build_conditional_generator`,
    `build_conditional_discriminator` / `build_conditional_critic`). Train it
    on `(images, labels)` batches: fakes are drawn for the labels of the
    step's real batch, so the discriminator learns to call an image real
    only if it is a real image of the class it comes with, and the
    generator has to draw the class it is asked for.

    Args:
        generator: Model from `[latent (B, latent_dim), label (B,)]` to images.
        discriminator: Model from `[images, label]` to `(B, 1)` logits
            (`game="dcgan"`) or scores (`game="wgan-gp"`, a critic without
            batch norm).
        latent_dim: Size of the latent vectors.
        num_classes: Labels are `0 .. num_classes - 1`.
        game: `"dcgan"` (non-saturating loss, one discriminator step) or
            `"wgan-gp"` (Wasserstein loss with the gradient penalty).
            Defaults to `"dcgan"`.
        critic_steps: Discriminator updates per generator update. Defaults to `1`.
        gradient_penalty_weight: The penalty's weight with `"wgan-gp"`.
            Defaults to `10.0`.
        seed, generator_averaging: As `DCGAN`'s. Defaults to `None`.

    Logs `d_loss`, `g_loss` and `loss` (their sum).

    Example:

    >>> g = build_conditional_generator(64, 10)
    >>> model = ConditionalGAN(g, build_conditional_discriminator(num_classes=10), 64, 10)
    >>> model.compile()
    >>> model.fit(dataset_of_images_and_labels, epochs=5)
    >>> model.generate(10, labels=[7] * 10)   # ten sneakers
    """

    _second_name = "discriminator"
    GAMES = ("dcgan", "wgan-gp")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, num_classes: int,
                 game: str = "dcgan", critic_steps: int = 1, gradient_penalty_weight: float = 10.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        self.num_classes = check_positive_int("num_classes", num_classes, minimum=2)
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        if game not in self.GAMES:
            raise ValueError(f"Expected `game` from {list(self.GAMES)}. Received: game={game!r}")
        check_positive_int("critic_steps", critic_steps)
        if game == "wgan-gp" and not gradient_penalty_weight > 0:
            raise ValueError("Expected `gradient_penalty_weight` > 0 for game='wgan-gp'. "
                             f"Received: gradient_penalty_weight={gradient_penalty_weight!r}")
        self.discriminator = discriminator
        self.game = game
        self.critic_steps = int(critic_steps)
        self.gradient_penalty_weight = float(gradient_penalty_weight)

    def _check_networks(self, generator, second, latent_dim):
        for role, model, first in (("generator", generator, "latent vectors"), ("discriminator", second, "images")):
            if not isinstance(model.input_shape, list) or len(model.input_shape) != 2:
                raise ValueError(f"Expected a {role} with two inputs, [{first}, label]. Received: input shape "
                                 f"{model.input_shape}; build it with gan.build_conditional_{role}")
        if generator.input_shape[0][-1] != latent_dim:
            raise ValueError(f"Expected the generator's latent input size to equal latent_dim={latent_dim}. "
                             f"Received: generator input shapes {generator.input_shape}")
        if tuple(generator.output_shape[1:]) != tuple(second.input_shape[0][1:]):
            raise ValueError("Expected the generator's output shape to match the discriminator's image input. "
                             f"Received: {generator.output_shape} and {second.input_shape[0]}")

    def check_labels(self, labels: Any, n: int | None = None) -> np.ndarray:
        """`labels` as an int32 array of class ids; an id outside `0 .. num_classes - 1` is an error."""
        array = np.asarray(labels)
        if array.ndim == 0 and n is not None:
            array = np.full(n, array)
        if not np.issubdtype(array.dtype, np.integer) or array.ndim != 1 or (n is not None and len(array) != n):
            raise ValueError(f"Expected {'' if n is None else f'{n} '}integer class labels in a 1-D array. "
                             f"Received: dtype={array.dtype}, shape={array.shape}")
        bad = array[(array < 0) | (array >= self.num_classes)]
        if bad.size:
            raise ValueError(f"Expected class labels in 0..{self.num_classes - 1}. Received: {bad[0]} "
                             f"({bad.size} out of range)")
        return array.astype(np.int32)

    def generator_inputs(self, latent):
        """`[latent, labels]` with the labels cycling through the classes (0, 1, ..., 9, 0, ...)."""
        n = int(latent.shape[0])
        return [latent, np.arange(n, dtype=np.int32) % self.num_classes]

    def check_fit_inputs(self, x, y=None):
        if isinstance(x, np.ndarray):
            if y is None:
                raise ValueError("Expected class labels beside the images: fit(images, labels) or a dataset of "
                                 "(images, labels) batches. Received: images only")
            self.check_labels(y, len(x))
        super().check_fit_inputs(x, y)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def generate(self, n, seed=None, labels=None):
        """`n` images in [-1, 1] of the classes `labels` (one id, or `n` ids; default: 0, 1, ... cycling).

        Raises:
            ValueError: A label outside `0 .. num_classes - 1`, or not `n` of them.
        """
        check_positive_int("n", n)
        labels = np.arange(n) % self.num_classes if labels is None else labels
        labels = self.check_labels(labels, n)
        latent = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        with self.averaged_generator() as generator:
            return np.asarray(generator.predict([latent, labels], batch_size=256, verbose=0))

    def compile(self, d_optimizer=None, g_optimizer=None, learning_rate=None, **kwargs):
        """Sets the two optimizers: DCGAN's defaults for `"dcgan"`, WGAN-GP's for `"wgan-gp"`.

        `learning_rate` replaces the defaults' rate: see `gan_loops._rates`.
        """
        if self.game == "dcgan":
            self._compile(d_optimizer, g_optimizer, learning_rate, 2e-4,
                          lambda rate: keras.optimizers.Adam(rate, beta_1=0.5), **kwargs)
        else:
            self._compile(d_optimizer, g_optimizer, learning_rate, 1e-4,
                          lambda rate: keras.optimizers.Adam(rate, beta_1=0.5, beta_2=0.9), **kwargs)

    def train_step(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("Expected (images, labels) batches for a ConditionalGAN. Received: images only")
        real = _real_images(data)
        labels = ops.cast(ops.reshape(data[1], (-1,)), "int32")
        batch = ops.shape(real)[0]

        def judge(images):
            return self.discriminator([images, labels], training=True)

        def fake():
            return self.generator([self.sample_latent(batch), labels], training=True)

        def d_loss_fn():
            generated = fake()
            real_out, fake_out = judge(real), judge(generated)
            if self.game == "dcgan":
                return losses.dcgan_discriminator_loss(real_out, fake_out), {}
            alpha = _replica_share(lambda n: keras.random.uniform((n,), 0.0, 1.0, seed=self.seed_generator), batch)
            penalty = losses.gradient_penalty(lambda images, training: self.discriminator([images, labels],
                                                                                          training=training),
                                              real, generated, alpha=alpha,
                                              loss_scale=self._loss_scale(self.d_optimizer))
            loss = losses.wasserstein_discriminator_loss(real_out, fake_out)
            return loss + self.gradient_penalty_weight * penalty, {}

        def g_loss_fn():
            out = judge(fake())
            if self.game == "dcgan":
                return losses.dcgan_generator_loss(out), {}
            return losses.wasserstein_generator_loss(out), {}

        for _ in range(self.critic_steps):
            d_loss, _ = self._step(self.discriminator, self.d_optimizer, d_loss_fn)
        g_loss, _ = self._step(self.generator, self.g_optimizer, g_loss_fn)
        self._update_generator_average()
        return self._record(batch, d_loss, g_loss)

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "game": self.game, "critic_steps": self.critic_steps,
                       "gradient_penalty_weight": self.gradient_penalty_weight})
        return config
