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


def test_nearest_neighbours_finds_copies_at_distance_zero(test_images):
    x_test, _ = test_images
    references = x_test[:300]
    distances, indices = metrics.nearest_neighbours(references[[5, 17, 250]], references, batch_size=2)
    np.testing.assert_array_equal(indices, [5, 17, 250])
    np.testing.assert_allclose(distances, 0.0, atol=1e-6)
    # A blank image's nearest neighbour: distance is the norm of the nearest image's pixels in [0, 1].
    blank = np.zeros((2, 28, 28), np.uint8)
    d, i = metrics.nearest_neighbours(blank, references)
    norms = np.linalg.norm(references.reshape(300, -1) / 255.0, axis=1)
    assert i[0] == np.argmin(norms) and np.isclose(d[0], norms.min())
    with pytest.raises(ValueError, match="batch_size=0"):
        metrics.nearest_neighbours(blank, references, batch_size=0)


def test_memorisation_flags_copies_and_spares_new_images(test_images):
    x_test, _ = test_images
    train, test, new = x_test[:2000], x_test[2000:2200], x_test[2200:2400]
    copied = metrics.memorisation(train[:200], train, test)
    fresh = metrics.memorisation(new, train, test)
    assert copied["copies"] and copied["close_share"] == 1.0 and copied["generated_median"] == 0.0
    assert not fresh["copies"] and fresh["close_share"] <= fresh["allowed_share"]
    # quantile + three binomial standard errors for 200 samples
    assert np.isclose(fresh["allowed_share"], 0.05 + 3 * np.sqrt(0.05 * 0.95 / 200))
    with pytest.raises(ValueError, match="quantile=1.5"):
        metrics.memorisation(new, train, test, quantile=1.5)


def test_linear_interpolation_is_the_straight_line():
    start, end = np.array([0.0, 2.0]), np.array([4.0, 6.0])
    path = metrics.interpolate_latents(start, end, steps=3, method="linear")
    np.testing.assert_allclose(path, [[0, 2], [2, 4], [4, 6]])
    assert path.dtype == np.float32


def test_spherical_interpolation_follows_the_great_circle():
    e1, e2 = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    path = metrics.interpolate_latents(e1, e2, steps=3)
    # Halfway between two orthogonal vectors of length 3: the diagonal, still of length 3.
    np.testing.assert_allclose(path[1], [3 / np.sqrt(2), 3 / np.sqrt(2), 0.0], rtol=1e-6)
    np.testing.assert_allclose(path[[0, 2]], [e1, e2], atol=1e-6)
    # Random 64-d normal vectors: the straight midpoint shrinks by about 1/sqrt(2), slerp keeps the length.
    z = np.random.default_rng(0).standard_normal((2, 50, 64))
    lengths = np.linalg.norm(z, axis=2).mean(axis=0)
    slerp = metrics.interpolate_latents(z[0], z[1], steps=5)
    line = metrics.interpolate_latents(z[0], z[1], steps=5, method="linear")
    assert slerp.shape == (50, 5, 64)
    np.testing.assert_allclose(np.linalg.norm(slerp[:, 2], axis=1), lengths, rtol=1e-5)
    assert np.linalg.norm(line[:, 2], axis=1).mean() < 0.8 * lengths.mean()
    # Parallel vectors: no great circle to follow, the straight line.
    np.testing.assert_allclose(metrics.interpolate_latents(e1, 2 * e1, steps=3)[1], 1.5 * e1, rtol=1e-6)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"method": "cubic"}, "method='cubic'"),
    ({"steps": 1}, "steps=1"),
    ({"end": np.ones(3)}, "shapes \\(2,\\) and \\(3,\\)"),
    ({"start": np.zeros(2)}, "length 0"),
])
def test_interpolation_rejects_bad_arguments(kwargs, fragment):
    arguments = {"start": np.ones(2), "end": np.array([1.0, -1.0]), "steps": 4, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        metrics.interpolate_latents(**arguments)
