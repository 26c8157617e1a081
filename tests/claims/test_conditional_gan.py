"""Notebook 08's checks fail on an untrained conditional generator's numbers, measured as the notebook measures them."""

import numpy as np
import pytest

import dlkit
from dlkit import claims, data
from dlkit.claims import conditional_gan as checks
from dlkit.claims import gan as gan_claims
from dlkit.evaluation import gan as gan_metrics
from dlkit.families import FAMILIES, conditional_gan, gans

SAMPLES = 300  # 30 per class: few, but an untrained generator is far from every bound


@pytest.fixture(scope="module")
def real(fashion):
    (x_train, _), (x_test, y_test) = fashion
    return x_train, x_test, data.scale_images(x_test[:SAMPLES], "symmetric"), y_test[:SAMPLES]


def _untrained_quality(real_images, seed):
    dlkit.set_seed(seed)
    model = conditional_gan.build(FAMILIES["cgan"].FAST, seed=seed)
    return conditional_gan.conditional_quality(model, real_images, SAMPLES, seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_untrained_conditional_generator_fails_every_check(real, seed):
    x_train, x_test, real_images, _ = real
    q = _untrained_quality(real_images, seed)
    assert q["class_accuracy"] == pytest.approx(0.1, abs=0.05)  # it ignores its label: chance
    with pytest.raises(claims.CheckFailed, match="mean class accuracy of at least"):
        checks.check_follows_labels(q["per_class_accuracy"])
    with pytest.raises(claims.CheckFailed, match="samples of at least 8 classes|entropy of at least"):
        checks.check_not_collapsed(q["coverage_entropy"], q["classes_covered"])
    untrained_fcd = gans.reference_points_of(x_train, x_test, SAMPLES, 0)["untrained_fcd"]
    with pytest.raises(claims.CheckFailed, match="FCD of at most"):
        gan_claims.check_quality_improved(q["fcd"], untrained_fcd)
    assert not checks.class_decision(q["per_class_accuracy"], [0.9] * 10, data.FASHION_MNIST_CLASSES)[0]


def test_good_images_that_ignore_the_label_fail_the_label_check(real):
    # Real test images, each "asked for" a class that has nothing to do with it: perfect quality, no obedience.
    _, _, real_images, labels = real
    ignored = gan_metrics.class_accuracy(real_images, np.arange(SAMPLES) % 10)
    with pytest.raises(claims.CheckFailed, match="mean class accuracy"):
        checks.check_follows_labels(ignored["per_class"])
    followed = gan_metrics.class_accuracy(real_images, labels)  # the same images with their own labels
    checks.check_follows_labels(followed["per_class"])
    assert checks.class_decision(followed["per_class"], followed["per_class"], data.FASHION_MNIST_CLASSES)[0]


def test_the_label_check_needs_many_classes_followed_not_a_high_mean_alone():
    # Two classes drawn perfectly and two more fairly, the rest hardly ever: a mean of 0.29, four classes followed.
    with pytest.raises(claims.CheckFailed, match="at least 5 classes seen as asked"):
        checks.check_follows_labels([1.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.3])
    assert checks.classes_followed([0.2] * 5 + [0.19] * 5) == 5  # twice chance itself counts
    checks.check_follows_labels([0.5, 0.3, 0.2, 0.6, 0.4, 0.1, 0.2, 0.7, 0.6, 0.5])
    with pytest.raises(claims.CheckFailed, match="at least one requested class"):
        checks.check_follows_labels([None] * 10)


def test_the_collapse_check_needs_every_class_and_an_even_spread():
    with pytest.raises(claims.CheckFailed, match="at least 8 classes. Received: 7"):
        checks.check_not_collapsed(0.9, 7)
    with pytest.raises(claims.CheckFailed, match="entropy of at least 0.5"):
        checks.check_not_collapsed(0.3, 10)
    checks.check_not_collapsed(0.85, 10)


def test_the_verdict_goes_either_way_at_the_target():
    names = data.FASHION_MNIST_CLASSES
    real = [0.9] * 10
    holds, evidence = checks.class_decision([0.85] * 9 + [0.6], real, names)
    assert holds and "worst class Ankle boot 60.0%" in evidence and "needs >= 80%" in evidence
    holds, evidence = checks.class_decision([0.75] * 10, real, names)
    assert not holds and "75.0%" in evidence
    assert checks.class_decision([0.8] * 10, real, names)[0]  # the bar itself counts
