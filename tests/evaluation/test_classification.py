import keras
import numpy as np
import pytest

from dlkit import evaluation


def test_accuracy_confusion_precision_recall_by_hand():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 0, 2])
    assert evaluation.accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    cm = evaluation.confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    precision, recall = evaluation.precision_recall(y_true, y_pred, 3)
    np.testing.assert_allclose(precision, [1 / 2, 2 / 3, 1.0])
    np.testing.assert_allclose(recall, [1 / 2, 1.0, 1 / 2])
    np.testing.assert_array_equal(evaluation.misclassified(y_true, y_pred), [1, 4])
    rows = evaluation.classification_report(y_true, y_pred, ["a", "b", "c"])
    assert rows[1] == ["b", pytest.approx(2 / 3), 1.0, 2]


def test_empty_class_scores_zero_not_nan():
    precision, recall = evaluation.precision_recall(np.array([0, 0]), np.array([0, 0]), 3)
    assert np.isfinite(precision).all() and np.isfinite(recall).all()


def test_label_validation():
    with pytest.raises(ValueError, match="same length"):
        evaluation.accuracy(np.array([0, 1]), np.array([0]))
    with pytest.raises(ValueError, match="dtype=float64"):
        evaluation.accuracy(np.array([0.0, 1.0]), np.array([0, 1]))


def test_shift_images_moves_content_and_fills_zeros():
    images = np.arange(1, 10).reshape(1, 3, 3)
    right = evaluation.shift_images(images, dx=1)[0]
    np.testing.assert_array_equal(right, [[0, 1, 2], [0, 4, 5], [0, 7, 8]])
    up = evaluation.shift_images(images, dy=-1)[0]
    np.testing.assert_array_equal(up, [[4, 5, 6], [7, 8, 9], [0, 0, 0]])
    assert not evaluation.shift_images(images, dx=3).any()
    channels = evaluation.shift_images(images[..., None], dx=-1, dy=1)
    assert channels.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(channels[0, :, :, 0], [[0, 0, 0], [2, 3, 0], [5, 6, 0]])


def test_accuracy_under_shift_on_a_position_reading_model():
    # A "classifier" that reads the top-left pixel: right while the image
    # stays put, wrong for most shifts; the curve must show that.
    images = np.zeros((4, 5, 5, 1), np.float32)
    labels = np.array([0, 1, 0, 1])
    images[labels == 1, 0, 0, 0] = 1.0
    inputs = keras.Input((5, 5, 1))
    pixel = keras.layers.Lambda(lambda x: x[:, 0, 0, :])(inputs)
    outputs = keras.layers.Concatenate()([1.0 - pixel, pixel])
    model = keras.Model(inputs, outputs)
    curve = evaluation.accuracy_under_shift(model, images, labels, max_shift=2)
    assert list(curve) == [0, 1, 2]
    assert curve[0] == 1.0
    # Right or down moves the pixel away (class 1 lost: 0.5); left or up pushes
    # it out of the image (also 0.5); so 0.5 for every k >= 1.
    assert curve[1] == pytest.approx(0.5) and curve[2] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="max_shift=-1"):
        evaluation.accuracy_under_shift(model, images, labels, max_shift=-1)


def test_predict_classes_with_flip_sums_the_outputs_on_each_image_and_its_mirror():
    # A "classifier" whose three scores are the left column, the middle and
    # the right column of a 1x3 image: a mirror swaps the first and the last.
    inputs = keras.Input((1, 3, 1))
    outputs = keras.layers.Reshape((3,))(inputs)
    model = keras.Model(inputs, outputs)
    images = np.array([[0.5, 0.4, 0.0], [0.0, 0.3, 0.35], [0.9, 0.0, 0.2]], np.float32).reshape(3, 1, 3, 1)
    assert evaluation.predict_classes(model, images).tolist() == [0, 2, 0]
    # Summed with the mirror: [0.5, 0.8, 0.5], [0.35, 0.6, 0.35], [1.1, 0.0, 1.1] (ties go to the first).
    assert evaluation.predict_classes(model, images, flip=True).tolist() == [1, 1, 0]
    with pytest.raises(ValueError, match=r"\(N, H, W, C\) to flip"):
        evaluation.predict_classes(keras.Sequential([keras.Input((3,)), keras.layers.Identity()]),
                                   images.reshape(3, 3), flip=True)


def test_linear_probe_reads_linearly_separable_features_and_not_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 600)
    centres = np.array([[4.0, 0.0], [0.0, 4.0], [-4.0, -4.0]])
    features = centres[labels] + rng.normal(size=(600, 2))
    extra = rng.normal(size=(600, 20))  # irrelevant features must not hurt much
    x = np.concatenate([features, extra], axis=1)
    assert evaluation.linear_probe_accuracy(x[:400], labels[:400], x[400:], labels[400:]) >= 0.95
    noise = rng.normal(size=(600, 22))
    chance = evaluation.linear_probe_accuracy(noise[:400], labels[:400], noise[400:], labels[400:])
    assert chance < 0.5


def test_linear_probe_rejects_mismatched_inputs():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="matching lengths"):
        evaluation.linear_probe_accuracy(x, np.array([0, 1, 0]), x, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="positive `l2` or None"):
        evaluation.linear_probe_accuracy(x, np.array([0, 1, 0, 1]), x, np.array([0, 1, 0, 1]), l2=0)


def test_the_probes_leave_one_out_errors_equal_refitting_without_each_example():
    from dlkit.evaluation.classification import _leave_one_out_errors

    rng = np.random.default_rng(1)
    x, targets = rng.normal(size=(40, 60)), rng.normal(size=(40, 3))
    values, vectors = np.linalg.eigh(x @ x.T)
    for penalty, error in zip((0.5, 20.0), _leave_one_out_errors(values, vectors, targets, (0.5, 20.0)), strict=True):
        by_refitting = []
        for i in range(40):
            rest = np.arange(40) != i
            coefficients = np.linalg.solve(x[rest] @ x[rest].T + penalty * np.eye(39), targets[rest])
            by_refitting.append((x[i] @ (x[rest].T @ coefficients) - targets[i]) ** 2)
        assert error == pytest.approx(np.mean(by_refitting), rel=1e-8)
