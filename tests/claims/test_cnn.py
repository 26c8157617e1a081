"""Notebook 01's checks fail for an untrained CNN (and pass for a trained one's numbers)."""

import pytest

import dlkit
from dlkit import claims, data, evaluation
from dlkit.claims import cnn as checks
from dlkit.models import cnn


@pytest.fixture(scope="module")
def untrained(fashion):
    (_, _), (x_test, y_test) = fashion
    dlkit.set_seed(0)
    model = cnn.build_cnn_classifier((28, 28, 1), 10, preset="default")  # the notebook's network, untrained
    images, labels = data.scale_images(x_test[:1000]), y_test[:1000]
    return model, images, labels


def test_an_untrained_cnn_fails_the_learned_check(untrained):
    model, images, labels = untrained
    accuracy = evaluation.accuracy(labels, evaluation.predict_classes(model, images))
    with pytest.raises(claims.CheckFailed, match="at least 0.6"):
        checks.check_classifier({"test_accuracy": accuracy})
    checks.check_classifier({"test_accuracy": 0.78})  # what the quick run reaches passes


def test_a_shift_test_with_an_untrained_network_fails(untrained):
    model, images, labels = untrained
    curves = {"CNN": evaluation.accuracy_under_shift(model, images, labels, max_shift=3)}
    with pytest.raises(claims.CheckFailed, match="CNN"):
        checks.check_shift_curves(curves)
    checks.check_shift_curves({"CNN": {0: 0.77, 3: 0.65}, "dense": {0: 0.78, 3: 0.46}})
