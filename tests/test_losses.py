import math

import keras
import numpy as np
import pytest

from dlkit import losses

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile


def test_dcgan_losses_golden_values():
    real = np.array([[2.0], [0.0]], np.float32)
    fake = np.array([[-1.0], [3.0]], np.float32)

    def softplus(v):
        return math.log1p(math.exp(v))

    expected_d = (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(3)) / 2
    assert float(losses.dcgan_discriminator_loss(real, fake)) == pytest.approx(expected_d, rel=1e-6)
    expected_g = (softplus(1) + softplus(-3)) / 2
    assert float(losses.dcgan_generator_loss(fake)) == pytest.approx(expected_g, rel=1e-6)


def test_dcgan_losses_stay_finite_for_extreme_logits():
    big = np.array([[1e4], [-1e4]], np.float32)
    assert np.isfinite(float(losses.dcgan_discriminator_loss(big, -big)))
    assert np.isfinite(float(losses.dcgan_generator_loss(big)))


def test_wasserstein_losses_golden_values():
    real = np.array([[3.0], [1.0]], np.float32)
    fake = np.array([[0.5], [-0.5]], np.float32)
    assert float(losses.wasserstein_discriminator_loss(real, fake)) == pytest.approx(0.0 - 2.0)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.0)


def _linear_critic(weights):
    inputs = keras.Input((2, 2, 1))
    flat = keras.layers.Flatten()(inputs)
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inputs, dense(flat))
    dense.set_weights([np.asarray(weights, np.float32).reshape(4, 1)])
    return model


def test_gradient_penalty_on_a_linear_critic_is_known_exactly():
    # The gradient of w . x is w everywhere, so the penalty is (||w|| - 1)^2
    # whatever the interpolation weights.
    w = np.array([3.0, 0.0, 4.0, 0.0])  # norm 5
    critic = _linear_critic(w)
    real = np.random.default_rng(0).normal(size=(4, 2, 2, 1)).astype(np.float32)
    fake = np.random.default_rng(1).normal(size=(4, 2, 2, 1)).astype(np.float32)
    assert float(losses.gradient_penalty(critic, real, fake)) == pytest.approx(16.0, rel=1e-5)
    unit = _linear_critic(w / 5)
    assert float(losses.gradient_penalty(unit, real, fake)) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_uses_one_alpha_per_sample_in_unit_interval():
    # A critic whose gradient at x is 2x: the penalty depends on alpha.
    inputs = keras.Input((1, 1, 1))
    critic = keras.Model(inputs, keras.ops.sum(keras.ops.square(inputs), axis=(1, 2, 3))[:, None])
    real = np.ones((2, 1, 1, 1), np.float32)
    fake = np.zeros((2, 1, 1, 1), np.float32)
    # x_hat = alpha: gradient 2 * alpha, norm 2 * alpha.
    alpha = np.array([0.5, 1.0], np.float32)
    expected = np.mean((2 * alpha - 1) ** 2)
    assert float(losses.gradient_penalty(critic, real, fake, alpha=alpha)) == pytest.approx(expected)
    # Drawn alphas are per sample in [0, 1]: the penalty then lies in [0, 1].
    values = [float(losses.gradient_penalty(critic, real, fake, seed=s)) for s in range(20)]
    assert all(0.0 <= v <= 1.0 for v in values) and len(set(values)) > 1


def test_gradient_penalty_is_nan_free_where_the_gradient_is_zero():
    import tensorflow as tf

    critic = _linear_critic(np.zeros(4))
    real = np.ones((3, 2, 2, 1), np.float32)
    fake = np.zeros((3, 2, 2, 1), np.float32)
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, real, fake)
    grads = tape.gradient(penalty, critic.trainable_weights)
    assert float(penalty) == pytest.approx(1.0, rel=1e-4)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)


def test_smoothed_sparse_cross_entropy_against_the_formula():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], np.float32)
    labels = np.array([0, 2])
    # Without smoothing it is Keras's sparse cross-entropy.
    plain = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert float(losses.SmoothedSparseCategoricalCrossentropy(0.0)(labels, probabilities)) == pytest.approx(
        float(plain), rel=1e-6)
    # With s = 0.3 over 3 classes the target puts 0.8 on the true class and 0.1 on each other one.
    targets = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    expected = -(targets * np.log(probabilities)).sum(axis=1).mean()
    smoothed = losses.SmoothedSparseCategoricalCrossentropy(0.3)
    assert float(smoothed(labels, probabilities)) == pytest.approx(expected, rel=1e-5)
    assert float(smoothed(labels[:, None], probabilities)) == pytest.approx(expected, rel=1e-5)  # (B, 1) labels
    restored = losses.SmoothedSparseCategoricalCrossentropy.from_config(smoothed.get_config())
    assert restored.label_smoothing == 0.3


@pytest.mark.parametrize("bad", [1.0, -0.1, True, "0.1"])
def test_smoothed_sparse_cross_entropy_refuses_a_smoothing_outside_zero_to_one(bad):
    with pytest.raises(ValueError, match=r"label_smoothing` in \[0, 1\)"):
        losses.SmoothedSparseCategoricalCrossentropy(bad)
