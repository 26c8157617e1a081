"""The conditional GAN: label-aware networks, both games through fit(), generation by class, save/load."""

import keras
import numpy as np
import pytest

import dlkit
from dlkit import saving
from dlkit.evaluation import gan as gan_metrics
from dlkit.models import gan

LATENT = 8


def tiny(game="dcgan", seed=0):
    dlkit.set_seed(seed)
    generator = gan.build_conditional_generator(LATENT, 10, filters=(8, 4), label_dim=4)
    second = (gan.build_conditional_discriminator(num_classes=10, filters=(4, 8)) if game == "dcgan"
              else gan.build_conditional_critic(num_classes=10, filters=(4, 8)))
    model = gan.ConditionalGAN(generator, second, LATENT, 10, game=game, critic_steps=1 if game == "dcgan" else 2,
                               seed=seed)
    model.compile()
    return model


def batch(n=32):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32"), rng.integers(0, 10, n).astype("int32")


def test_the_networks_take_a_label_beside_their_usual_input():
    generator = gan.build_conditional_generator(LATENT, 10, filters=(8, 4))
    assert [tuple(s) for s in generator.input_shape] == [(None, LATENT), (None,)]
    assert generator.output_shape == (None, 28, 28, 1)
    discriminator = gan.build_conditional_discriminator(num_classes=10, filters=(4, 8))
    assert [tuple(s) for s in discriminator.input_shape] == [(None, 28, 28, 1), (None,)]
    assert discriminator.get_layer("join").output.shape[-1] == 2  # the pixels and the class's plane
    critic = gan.build_conditional_critic(num_classes=10, filters=(4, 8))
    assert any(isinstance(layer, keras.layers.LayerNormalization) for layer in critic.layers)


def test_the_label_changes_the_image_for_the_same_latent_vector():
    model = tiny()
    latent = np.random.default_rng(1).standard_normal((2, LATENT)).astype("float32")
    same = np.repeat(latent[:1], 2, axis=0)
    images = model.generator([same, np.array([0, 7], dtype="int32")]).numpy()
    assert np.abs(images[0] - images[1]).max() > 1e-3
    again = model.generator([same, np.array([7, 7], dtype="int32")]).numpy()
    np.testing.assert_array_equal(again[0], again[1])


@pytest.mark.parametrize("game", ["dcgan", "wgan-gp"])
def test_both_games_train_both_networks_with_fit(game):
    model = tiny(game)
    before = {name: [w.copy() for w in net.get_weights()] for name, net in model.networks.items()}
    history = model.fit(*batch(), batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(history.history[k][-1]) for k in ("d_loss", "g_loss"))
    for name, net in model.networks.items():
        assert any(not np.array_equal(a, b) for a, b in zip(before[name], net.get_weights(), strict=True)), name


def test_generation_by_class_and_labels_it_cannot_draw():
    model = tiny()
    assert model.generate(3, seed=0, labels=4).shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(model.generate(3, seed=0, labels=[4, 4, 4]), model.generate(3, seed=0, labels=4))
    with pytest.raises(ValueError, match=r"class labels in 0\.\.9\. Received: 10"):
        model.generate(2, labels=[3, 10])
    with pytest.raises(ValueError, match=r"class labels in 0\.\.9\. Received: -1"):
        model.generate(1, labels=-1)
    with pytest.raises(ValueError, match="Expected 2 integer class labels"):
        model.generate(2, labels=[1, 2, 3])
    with pytest.raises(ValueError, match="integer class labels"):
        model.generate(2, labels=["shirt", "bag"])


def test_fit_refuses_images_without_labels_or_labels_out_of_range():
    model = tiny()
    images, labels = batch()
    with pytest.raises(ValueError, match="Expected class labels beside the images"):
        model.fit(images, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"class labels in 0\.\.9\. Received: 12"):
        model.fit(images, np.full(len(images), 12), epochs=1, verbose=0)
    import tensorflow as tf

    with pytest.raises(ValueError, match=r"\(images, labels\) batches"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), epochs=1, verbose=0)


def test_networks_that_take_no_label_are_refused_by_name():
    with pytest.raises(ValueError, match=r"generator with two inputs.*build_conditional_generator"):
        gan.ConditionalGAN(gan.build_dcgan_generator(LATENT), gan.build_conditional_discriminator(), LATENT, 10)
    with pytest.raises(ValueError, match="game"):
        tiny_generator = gan.build_conditional_generator(LATENT, 10, filters=(8, 4))
        gan.ConditionalGAN(tiny_generator, gan.build_conditional_discriminator(), LATENT, 10, game="began")


@pytest.mark.parametrize("game", ["dcgan", "wgan-gp"])
def test_a_saved_model_loads_with_its_game_and_draws_the_same_images(game, tmp_path):
    model = tiny(game)
    model.fit(*batch(), batch_size=16, epochs=1, verbose=0)
    loaded = saving.load_model(saving.save_model(model, tmp_path / "cgan.keras"))
    assert (loaded.game, loaded.num_classes, loaded.critic_steps) == (game, 10, model.critic_steps)
    np.testing.assert_array_equal(loaded.generate(4, seed=2, labels=[0, 3, 6, 9]),
                                  model.generate(4, seed=2, labels=[0, 3, 6, 9]))
    loaded.fit(*batch(), batch_size=16, epochs=1, verbose=0)  # the optimizers came back too: it trains on


def test_class_accuracy_sees_real_images_as_their_class_and_shuffled_labels_at_chance(fashion):
    from dlkit import data

    _, (x_test, y_test) = fashion
    images = data.scale_images(x_test[:2000], "symmetric")
    right = gan_metrics.class_accuracy(images, y_test[:2000].astype(int))
    assert right["mean_class_accuracy"] > 0.85  # the evaluator: 93.86 % test accuracy
    assert np.sum(right["confusion"]) == 2000 and all(a is not None for a in right["per_class"])
    shuffled = gan_metrics.class_accuracy(images, np.random.default_rng(0).permutation(y_test[:2000]).astype(int))
    assert shuffled["mean_class_accuracy"] < 0.2
    only_bags = gan_metrics.class_accuracy(images[:10], np.full(10, 8))
    assert only_bags["per_class"][0] is None and only_bags["per_class"][8] is not None
    with pytest.raises(ValueError, match=r"labels in 0\.\.9"):
        gan_metrics.class_accuracy(images[:2], np.array([0, 10]))


def test_distribute_fit_refuses_what_fit_refuses_under_a_mirrored_strategy():
    """dlkit.distribute.fit runs its own loop there, not fit(): the same inputs are refused before any step."""
    import tensorflow as tf

    from dlkit import distribute

    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        dcgan = gan.DCGAN(gan.build_dcgan_generator(8, filters=(8, 4)), gan.build_dcgan_discriminator(filters=(4, 8)), 8)
        dcgan.compile()
        conditional = gan.ConditionalGAN(gan.build_conditional_generator(8, filters=(8, 4)),
                                         gan.build_conditional_discriminator(filters=(4, 8)), 8, 10)
        conditional.compile()
    images = np.zeros((16, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match="Expected float images in"):
        distribute.fit(dcgan, images.astype(np.uint8), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Expected class labels beside the images"):
        distribute.fit(conditional, images, batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Expected class labels in 0..9"):
        distribute.fit(conditional, images, np.full(16, 10), batch_size=8, epochs=1, verbose=0)
