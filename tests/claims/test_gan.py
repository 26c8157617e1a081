"""The GAN walkthroughs' checks fail on an untrained model's numbers, computed as the notebooks compute them."""

import numpy as np
import pytest

import dlkit
from dlkit import claims, data
from dlkit.claims import gan as gan_claims
from dlkit.evaluation import gan as gan_metrics
from dlkit.families import FAMILIES, gans

SAMPLES = 200  # small: the FCD is biased upwards on few samples, equally for both sides


def _holds(decision):
    holds, evidence = decision
    assert isinstance(holds, bool) and evidence
    return holds


def _untrained(name, seed):
    dlkit.set_seed(seed)
    return gans.build(FAMILIES[name].FAST, seed=seed)


@pytest.fixture(scope="module")
def real(fashion):
    (x_train, _), (x_test, _) = fashion
    return x_train, x_test, data.scale_images(x_test[:SAMPLES], "symmetric")


def test_untrained_networks_fail_the_trained_check():
    model = _untrained("dcgan", 0)
    before = {name: net.get_weights() for name, net in model.networks.items()}
    with pytest.raises(claims.CheckFailed, match="generator's weights to change"):
        gan_claims.check_both_networks_trained(before, model.networks)
    # One moved network is not enough: the discriminator must have moved too.
    kernel = model.generator.trainable_weights[0]
    kernel.assign(kernel + 1.0)
    with pytest.raises(claims.CheckFailed, match="discriminator's weights"):
        gan_claims.check_both_networks_trained(before, model.networks)
    for network in model.networks.values():
        weight = network.trainable_weights[-1]
        weight.assign(weight + 1.0)
    gan_claims.check_both_networks_trained(before, model.networks)


def test_losses_check_needs_logged_finite_losses():
    with pytest.raises(claims.CheckFailed, match="at least one epoch"):
        gan_claims.check_losses_finite({})  # an untrained model has logged nothing
    with pytest.raises(claims.CheckFailed, match="finite `g_loss`"):
        gan_claims.check_losses_finite({"d_loss": [0.5], "g_loss": [np.nan]})
    gan_claims.check_losses_finite({"d_loss": [1.3, 1.2], "g_loss": [0.7, 0.9]})


@pytest.mark.parametrize("seed", [1, 2])
def test_an_untrained_generator_fails_the_quality_check(real, seed):
    x_train, x_test, real_images = real
    untrained_fcd = gans.reference_points_of(x_train, x_test, SAMPLES, 0)["untrained_fcd"]
    # Another untrained generator, scored as the notebook scores its trained one.
    fcd = gans.quality(_untrained("dcgan", seed), real_images, SAMPLES, seed)["fcd"]
    with pytest.raises(claims.CheckFailed, match="FCD of at most 0.8"):
        gan_claims.check_quality_improved(fcd, untrained_fcd)
    gan_claims.check_quality_improved(0.5 * untrained_fcd, untrained_fcd)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_untrained_critic_fails_the_separation_check(real, seed):
    _, _, real_images = real
    model = _untrained("wgan-gp", seed)
    estimate = gan_claims.wasserstein_estimate(model.critic, real_images, model.generate(SAMPLES, seed=seed))
    with pytest.raises(claims.CheckFailed, match="Wasserstein estimate"):
        gan_claims.check_critic_separates(estimate)
    gan_claims.check_critic_separates(2 * gan_claims.QUICK_CRITIC_GAP)


def test_an_unclipped_critic_fails_the_clipping_check():
    model = _untrained("wgan", 0)
    with pytest.raises(claims.CheckFailed, match="within \\+-0.01"):
        gan_claims.check_critic_clipped(model.critic, model.clip_value)
    for weight in model.critic.trainable_weights:
        weight.assign(np.clip(weight.numpy(), -model.clip_value, model.clip_value))
    gan_claims.check_critic_clipped(model.critic, model.clip_value)
    assert gan_claims.critic_weight_bound(model.critic) <= model.clip_value


def test_competition_verdict_goes_either_way():
    assert _holds(gan_claims.competition_decision(130.0, 780.0, 1.0, [400.0, 200.0, 150.0]))
    assert not _holds(gan_claims.competition_decision(700.0, 780.0, 1.0, [740.0, 720.0]))  # barely moved
    assert not _holds(gan_claims.competition_decision(300.0, 780.0, 1.0, [250.0, 320.0]))  # fell apart after epoch 1
    assert not _holds(gan_claims.competition_decision(300.0, 780.0, 1.0, [300.0]))  # one epoch shows no trend


def _summary(fcds, entropies, classes):
    def stats(values):
        values = np.asarray(values, dtype=float)
        return {"mean": values.mean(), "min": values.min(), "max": values.max(), "values": values.tolist()}
    return {"fcd": stats(fcds), "coverage_entropy": stats(entropies), "classes_covered": stats(classes)}


def test_stability_verdict_needs_a_smaller_spread_and_no_collapsed_seed():
    dcgan = _summary([200, 300, 260], [0.95, 0.9, 0.97], [10, 10, 10])
    steady = _summary([250, 260, 255], [0.95, 0.96, 0.94], [10, 10, 10])
    collapsed = _summary([250, 260, 255], [0.95, 0.5, 0.94], [10, 6, 10])
    unsteady = _summary([150, 400, 255], [0.95, 0.96, 0.94], [10, 10, 10])
    assert _holds(gan_claims.stability_decision({"dcgan": dcgan, "wgan-gp": steady}))
    holds, evidence = gan_claims.stability_decision({"dcgan": dcgan, "wgan-gp": collapsed})
    assert not holds and "a collapse" in evidence
    holds, evidence = gan_claims.stability_decision({"dcgan": dcgan, "wgan-gp": unsteady})
    assert not holds and "not more stable" in evidence


def test_memorisation_verdict_tells_copies_from_new_images(real):
    x_train, x_test, _ = real
    train = data.scale_images(x_train[:2000], "symmetric")
    noise = np.random.default_rng(0).normal(0, 0.01, (100, 28, 28, 1)).astype("float32")
    copies = np.clip(train[:100] + noise, -1, 1)
    new = data.scale_images(x_test[-100:], "symmetric")
    test = data.scale_images(x_test[:100], "symmetric")
    assert not _holds(gan_claims.memorisation_decision(gan_metrics.memorisation(copies, train, test)))
    assert _holds(gan_claims.memorisation_decision(gan_metrics.memorisation(new, train, test)))
