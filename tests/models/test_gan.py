import keras
import numpy as np
import pytest

import dlkit
from dlkit.models import gan

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile

LATENT = 8
IMAGES = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)


def _small(kind="dcgan", **kwargs):
    g = gan.build_dcgan_generator(LATENT, filters=(16, 8))
    if kind == "dcgan":
        return gan.DCGAN(g, gan.build_dcgan_discriminator(filters=(8, 16)), LATENT)
    return gan.WGAN(g, gan.build_wgan_critic(filters=(8, 16)), LATENT, **kwargs)


def _copy(weights):
    return [np.array(w) for w in weights]


def _changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("image_shape", [(28, 28, 1), (32, 32, 3)])
def test_builders_shape_contract(image_shape):
    g = gan.build_dcgan_generator(LATENT, image_shape=image_shape)
    d = gan.build_dcgan_discriminator(image_shape)
    c = gan.build_wgan_critic(image_shape)
    images = g(np.zeros((2, LATENT), np.float32))
    assert tuple(images.shape) == (2, *image_shape)
    assert float(np.max(np.abs(images))) <= 1.0
    assert tuple(d(images).shape) == (2, 1) and tuple(c(images).shape) == (2, 1)


def test_critic_has_no_batch_norm_and_a_linear_output():
    critic = gan.build_wgan_critic()
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in critic.layers)
    assert any(isinstance(layer, keras.layers.LayerNormalization) for layer in critic.layers)
    assert critic.get_layer("score").activation is keras.activations.linear
    plain = gan.build_wgan_critic(normalization=None)
    assert not any(isinstance(layer, keras.layers.LayerNormalization) for layer in plain.layers)


def test_generator_rejects_sizes_it_cannot_reach():
    with pytest.raises(ValueError, match=r"divisible by 2 \*\* len\(filters\) = 4.*image_shape=\(30, 30, 1\)"):
        gan.build_dcgan_generator(LATENT, image_shape=(30, 30, 1))


@pytest.mark.parametrize("kind, kwargs", [("dcgan", {}), ("wgan", {}),
                                          ("wgan", {"gradient_penalty_weight": 0, "clip_value": 0.01})])
@pytest.mark.parametrize("run_eagerly", [True, False])
def test_one_train_step_changes_both_networks_and_logs_finite_values(kind, kwargs, run_eagerly):
    dlkit.set_seed(0)
    model = _small(kind, critic_steps=2, **kwargs) if kind == "wgan" else _small(kind)
    model.compile(run_eagerly=run_eagerly)
    second = model.discriminator if kind == "dcgan" else model.critic
    g_before, d_before = _copy(model.generator.get_weights()), _copy(second.get_weights())
    history = model.fit(IMAGES, batch_size=8, epochs=1, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    expected = {"d_loss", "g_loss", "loss"}
    if kind == "wgan":
        expected |= {"wasserstein_distance", "gradient_penalty"}
    assert expected <= set(logs)
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert _changed(g_before, model.generator.get_weights())
    assert _changed(d_before, second.get_weights())


def test_clipping_keeps_every_critic_weight_in_bounds():
    model = _small("wgan", gradient_penalty_weight=0, clip_value=0.01, critic_steps=3)
    model.compile(d_optimizer=keras.optimizers.RMSprop(0.1))  # large steps, to test the clip
    model.fit(IMAGES, batch_size=4, epochs=1, verbose=0)
    for weight in model.critic.trainable_weights:
        assert np.abs(np.asarray(weight)).max() <= 0.01 + 1e-7


def test_critic_steps_critic_updates_per_generator_update():
    model = _small("wgan", critic_steps=3)
    model.compile()
    model.fit(IMAGES, batch_size=4, epochs=1, verbose=0)  # two train steps
    assert int(model.g_optimizer.iterations) == 2
    assert int(model.d_optimizer.iterations) == 6


def test_default_optimizers_follow_the_papers():
    dcgan = _small("dcgan")
    dcgan.compile()
    assert isinstance(dcgan.d_optimizer, keras.optimizers.Adam)
    assert float(dcgan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(dcgan.g_optimizer.beta_1) == pytest.approx(0.5)
    gp = _small("wgan")
    gp.compile()
    assert float(gp.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gp.d_optimizer.beta_2) == pytest.approx(0.9)
    clipped = _small("wgan", gradient_penalty_weight=0, clip_value=0.01)
    clipped.compile()
    assert isinstance(clipped.d_optimizer, keras.optimizers.RMSprop)
    assert float(clipped.g_optimizer.learning_rate) == pytest.approx(5e-5)


def test_learning_rate_replaces_the_default_optimizers_rate_and_keeps_their_kind(tmp_path):
    dcgan = _small("dcgan")
    dcgan.compile(learning_rate=6e-4)
    assert float(dcgan.d_optimizer.learning_rate) == pytest.approx(6e-4)
    assert float(dcgan.g_optimizer.learning_rate) == pytest.approx(6e-4)
    assert float(dcgan.g_optimizer.beta_1) == pytest.approx(0.5)
    gp = _small("wgan")
    gp.compile(learning_rate=(3e-4, 1e-4))  # (critic, generator)
    assert float(gp.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(gp.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(gp.d_optimizer.beta_2) == pytest.approx(0.9)
    clipped = _small("wgan", gradient_penalty_weight=0, clip_value=0.01)
    clipped.compile(learning_rate=1e-4)
    assert isinstance(clipped.d_optimizer, keras.optimizers.RMSprop)
    assert float(clipped.d_optimizer.learning_rate) == pytest.approx(1e-4)
    conditional = gan.ConditionalGAN(gan.build_conditional_generator(LATENT, 3, filters=(16, 8)),
                                     gan.build_conditional_critic(num_classes=3, filters=(8, 16)), LATENT, 3,
                                     game="wgan-gp")
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)
    conditional.compile(learning_rate=(decay, 2e-4))
    assert conditional.d_optimizer._learning_rate is decay
    assert float(conditional.g_optimizer.learning_rate) == pytest.approx(2e-4)
    # The rates are saved with the optimizers and come back with the model, each with its network.
    gp.save(tmp_path / "gp.keras")
    loaded = keras.saving.load_model(tmp_path / "gp.keras")
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(loaded.g_optimizer.learning_rate) == pytest.approx(1e-4)
    # One optimizer of the caller's: the other is the loop's default.
    mixed = _small("dcgan")
    mixed.compile(d_optimizer=keras.optimizers.SGD(0.01))
    assert isinstance(mixed.d_optimizer, keras.optimizers.SGD)
    assert isinstance(mixed.g_optimizer, keras.optimizers.Adam)
    assert float(mixed.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(mixed.g_optimizer.beta_1) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"Received: learning_rate=\(0.0001, 0.0001, 0.0001\)"):
        _small("dcgan").compile(learning_rate=(1e-4, 1e-4, 1e-4))
    with pytest.raises(ValueError, match="Expected positive learning rates"):
        _small("dcgan").compile(learning_rate=(1e-4, None))
    with pytest.raises(ValueError, match="Expected `learning_rate` or optimizers, not both"):
        _small("dcgan").compile(d_optimizer=keras.optimizers.SGD(), learning_rate=1e-4)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"gradient_penalty_weight": 10.0, "clip_value": 0.01}, "exactly one Lipschitz constraint"),
    ({"gradient_penalty_weight": 0.0}, "exactly one Lipschitz constraint"),
    ({"critic_steps": 0}, "critic_steps=0"),
    ({"clip_value": -1.0, "gradient_penalty_weight": 0}, "clip_value=-1.0"),
    ({"gradient_penalty_weight": -1.0}, "gradient_penalty_weight=-1.0"),
])
def test_wgan_rejects_contradictory_or_bad_options(kwargs, fragment):
    with pytest.raises(ValueError, match=None) as info:
        _small("wgan", **kwargs)
    assert fragment in str(info.value)


def test_gan_rejects_mismatched_networks():
    g = gan.build_dcgan_generator(LATENT)
    with pytest.raises(ValueError, match="latent_dim=9"):
        gan.DCGAN(g, gan.build_dcgan_discriminator(), 9)
    with pytest.raises(ValueError, match="output shape"):
        gan.DCGAN(g, gan.build_dcgan_discriminator((32, 32, 3)), LATENT)


def test_generate_is_seeded():
    model = _small("dcgan")
    a, b, c = model.generate(4, seed=1), model.generate(4, seed=1), model.generate(4, seed=2)
    assert a.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("kind", ["dcgan", "wgan"])
def test_keras_round_trip_keeps_samples_and_resumes_training(kind, tmp_path):
    dlkit.set_seed(0)
    model = _small(kind, critic_steps=2) if kind == "wgan" else _small(kind)
    model.compile()
    model.fit(IMAGES, batch_size=4, epochs=1, verbose=0)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.generate(3, seed=5), model.generate(3, seed=5), atol=1e-6)
    if kind == "wgan":
        assert loaded.critic_steps == 2 and loaded.gradient_penalty_weight == 10.0
    # Optimizer state comes back too, so training continues where it stopped.
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    before = _copy(loaded.generator.get_weights())
    history = loaded.fit(IMAGES, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert _changed(before, loaded.generator.get_weights())
    assert int(loaded.g_optimizer.iterations) == 4


def _loop(kind, networks, seed=None):
    """A fresh loop around copies of `networks` (so every loop starts from the same weights)."""
    g, second = (keras.models.clone_model(n) for n in networks)
    g.set_weights(networks[0].get_weights())
    second.set_weights(networks[1].get_weights())
    if kind == "dcgan":
        return gan.DCGAN(g, second, LATENT, seed=seed)
    return gan.WGAN(g, second, LATENT, critic_steps=2, seed=seed)


@pytest.mark.parametrize("kind", ["dcgan", "wgan"])
def test_the_run_seed_drives_the_latent_draws(kind):
    dlkit.set_seed(0)
    networks = (gan.build_dcgan_generator(LATENT, filters=(16, 8)),
                gan.build_wgan_critic(filters=(8, 16)) if kind == "wgan"
                else gan.build_dcgan_discriminator(filters=(8, 16), dropout_rate=0.0))

    def draws(seed):
        dlkit.set_seed(seed)  # what `dlkit train --seed` and the recipes do before building
        return np.asarray(_loop(kind, networks).sample_latent(6))

    np.testing.assert_array_equal(draws(1), draws(1))
    assert not np.allclose(draws(1), draws(2))
    explicit = [np.asarray(_loop(kind, networks, seed=s).sample_latent(6)) for s in (5, 5, 6)]
    np.testing.assert_array_equal(explicit[0], explicit[1])
    assert not np.allclose(explicit[0], explicit[2])

    # From the same initial weights, two seeds train two different generators.
    trained = []
    for seed in (1, 2):
        dlkit.set_seed(seed)
        model = _loop(kind, networks)
        model.compile()
        model.fit(IMAGES, batch_size=4, epochs=1, shuffle=False, verbose=0)
        trained.append(model.generator.get_weights())
    assert _changed(*trained)


def test_the_loop_seed_survives_a_round_trip():
    model = gan.DCGAN(gan.build_dcgan_generator(LATENT, filters=(16, 8)),
                      gan.build_dcgan_discriminator(filters=(8, 16)), LATENT, seed=7)
    assert gan.DCGAN.from_config(model.get_config()).seed == 7


def test_networks_names_both_networks_by_role():
    dcgan, wgan = _small("dcgan"), _small("wgan")
    assert dcgan.networks == {"generator": dcgan.generator, "discriminator": dcgan.discriminator}
    assert list(wgan.networks) == ["generator", "critic"] and wgan.networks["critic"] is wgan.critic


def _averaging(kind, momentum):
    g = gan.build_dcgan_generator(LATENT, filters=(16, 8))
    if kind == "dcgan":
        return gan.DCGAN(g, gan.build_dcgan_discriminator(filters=(8, 16)), LATENT, generator_averaging=momentum)
    return gan.WGAN(g, gan.build_wgan_critic(filters=(8, 16)), LATENT, critic_steps=2, generator_averaging=momentum)


@pytest.mark.parametrize("kind", ["dcgan", "wgan"])
def test_generator_averaging_follows_its_formula_and_generate_draws_from_it(kind, tmp_path):
    dlkit.set_seed(0)
    model = _averaging(kind, 0.5)
    model.compile()
    weights = model.generator.trainable_variables
    # The average by hand: a_t = m_t a_(t-1) + (1 - m_t) w_t, m_t = min(0.5, (1 + t) / (10 + t)), a_0 = w_0.
    expected = _copy(weights)
    steps = []

    def follow(batch, logs):
        t = len(steps) + 1
        m = min(0.5, (1 + t) / (10 + t))
        for i, w in enumerate(weights):
            expected[i] = m * expected[i] + (1 - m) * np.array(w)
        steps.append(t)

    model.fit(IMAGES, batch_size=2, epochs=2, verbose=0,
              callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=follow)])
    assert len(steps) == 8 and float(model.average_updates) == 8.0
    for average, value in zip(model.generator_average, expected, strict=True):
        np.testing.assert_allclose(np.array(average), value, rtol=1e-5, atol=1e-7)
    trained = _copy(weights)
    assert _changed(trained, expected)  # the average trails the last step
    latent = np.random.default_rng(3).standard_normal((3, LATENT)).astype(np.float32)
    last = np.asarray(model.generator(latent, training=False))
    with model.averaged_generator() as generator:
        for w, a in zip(weights, model.generator_average, strict=True):
            np.testing.assert_array_equal(np.array(w), np.array(a))
        averaged = np.asarray(generator(latent, training=False))
    for w, t in zip(weights, trained, strict=True):  # the last step's weights are back
        np.testing.assert_array_equal(np.array(w), t)
    assert not np.allclose(averaged, last, atol=1e-4)
    np.testing.assert_allclose(model.generate(3, seed=3), averaged, atol=1e-5)
    # Saved and loaded, the average comes back with the model: the same samples.
    model.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert loaded.generator_averaging == 0.5
    np.testing.assert_allclose(loaded.generate(3, seed=3), averaged, atol=1e-5)
    assert model.use_averaged_generator()
    np.testing.assert_allclose(np.asarray(model.generator(latent, training=False)), averaged, atol=1e-6)


def test_without_generator_averaging_generate_uses_the_last_weights():
    model = _small("dcgan")
    model.compile()
    model.fit(IMAGES, batch_size=4, epochs=1, verbose=0)
    latent = np.random.default_rng(3).standard_normal((3, LATENT)).astype(np.float32)
    np.testing.assert_allclose(model.generate(3, seed=3), np.asarray(model.generator(latent, training=False)),
                               atol=1e-6)
    before = _copy(model.generator.get_weights())
    assert not model.use_averaged_generator()
    assert not _changed(before, model.generator.get_weights())


@pytest.mark.parametrize("momentum", [1.0, 0.0, True, "0.9"])
def test_generator_averaging_refuses_a_momentum_outside_zero_to_one(momentum):
    with pytest.raises(ValueError, match=r"generator_averaging` in \(0, 1\)"):
        _averaging("dcgan", momentum)
