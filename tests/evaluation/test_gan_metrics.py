import json

import numpy as np
import pytest

from dlkit.evaluation import gan as metrics

pytestmark = pytest.mark.numerics  # compares floating-point results; see the Makefile


@pytest.fixture(scope="module")
def test_images(fashion):
    (_, _), (x_test, y_test) = fashion
    return x_test, y_test


def test_evaluator_loads_offline_and_meets_its_card(test_images):
    from dlkit.data import scale_images
    from dlkit.evaluation import accuracy

    x_test, y_test = test_images
    card = metrics.evaluator_card()
    assert card["test_accuracy"] >= 0.93
    model, features = metrics.load_evaluator()
    predictions = np.argmax(model.predict(scale_images(x_test), batch_size=1000, verbose=0), axis=1)
    assert accuracy(y_test, predictions) == pytest.approx(card["test_accuracy"], abs=2e-4)
    assert features.output_shape == (None, 128)
    import hashlib

    assert hashlib.sha256(metrics.EVALUATOR_WEIGHTS.read_bytes()).hexdigest() == card["weights_sha256"]
    assert json.loads(metrics.EVALUATOR_CARD.read_text())["feature_layer"] == metrics.FEATURE_LAYER


def test_identical_sets_have_zero_distance_and_uint8_equals_float(test_images):
    x_test, _ = test_images
    images = x_test[:1000]
    assert metrics.frechet_classifier_distance(images, images) == pytest.approx(0.0, abs=1e-3)
    as_float = images.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(metrics.evaluator_features(images), metrics.evaluator_features(as_float),
                               atol=1e-4)


def test_distance_orders_real_close_and_noise_far(test_images, fashion):
    (x_train, _), _ = fashion
    x_test, _ = test_images
    real = metrics.frechet_classifier_distance(x_test[:2000], x_train[:2000])
    noise = np.random.default_rng(0).uniform(-1, 1, (2000, 28, 28, 1)).astype(np.float32)
    far = metrics.frechet_classifier_distance(x_test[:2000], noise)
    assert 0 < real < far / 20


def test_single_class_has_zero_coverage_entropy_and_balanced_is_near_one(test_images):
    x_test, y_test = test_images
    # A collapsed "generator": the same bag 300 times.
    collapsed = np.repeat(x_test[y_test == 8][:1], 300, axis=0)
    coverage = metrics.class_coverage(collapsed)
    assert coverage["classes_covered"] == 1 and coverage["normalized_entropy"] == 0.0
    assert coverage["counts"][8] == 300
    # Real bags: nearly all one class, so the entropy stays low.
    assert metrics.class_coverage(x_test[y_test == 8][:300])["normalized_entropy"] < 0.2
    balanced = metrics.class_coverage(x_test[:3000])
    assert balanced["classes_covered"] == 10 and balanced["normalized_entropy"] > 0.99
    assert sum(balanced["counts"]) == 3000


def test_classifier_score_bounds(test_images):
    x_test, y_test = test_images
    assert metrics.classifier_score(x_test[:2000]) > 8.5
    assert metrics.classifier_score(x_test[y_test == 1][:300]) < 1.3


@pytest.mark.parametrize("images, fragment", [
    (np.zeros((5, 28, 28, 3), np.float32), "shape=(5, 28, 28, 3)"),
    (np.full((5, 28, 28, 1), 3.0, np.float32), "values in [3, 3]"),
    (np.zeros((5, 28, 28, 1), np.int32), "dtype=int32"),
    (np.zeros((1, 28, 28, 1), np.float32), "at least 2 images"),
])
def test_bad_images_are_rejected_with_what_was_received(images, fragment):
    with pytest.raises(ValueError) as info:
        metrics.class_coverage(images)
    assert fragment in str(info.value)
