"""Classification metrics and the translation test of the CNN walkthrough."""

import numpy as np


def _labels(arg, y):
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"Expected `{arg}` to be a 1-D array of integer class ids. "
            f"Received: shape={y.shape}, dtype={y.dtype}"
        )
    return y


def _pair(y_true, y_pred):
    y_true, y_pred = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Expected `y_true` and `y_pred` of the same length. "
            f"Received: {len(y_true)} and {len(y_pred)}"
        )
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the labels."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts `(num_classes, num_classes)`: row = true class, column = predicted."""
    y_true, y_pred = _pair(y_true, y_pred)
    if num_classes is None:
        num_classes = int(max(y_true.max(), y_pred.max())) + 1
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(
        num_classes, num_classes
    )


def precision_recall(y_true, y_pred, num_classes=None):
    """Per-class precision and recall (NaN-free: an empty class scores 0).

    Returns:
        `(precision, recall)`, float arrays `(num_classes,)`.
    """
    cm = confusion_matrix(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    return precision, recall


def classification_report(y_true, y_pred, class_names):
    """Rows `[name, precision, recall, support]` per class, for a table."""
    precision, recall = precision_recall(y_true, y_pred, len(class_names))
    support = np.bincount(_labels("y_true", y_true), minlength=len(class_names))
    return [
        [name, float(p), float(r), int(s)]
        for name, p, r, s in zip(class_names, precision, recall, support, strict=True)
    ]


def misclassified(y_true, y_pred):
    """Indices of the wrong predictions, in order."""
    y_true, y_pred = _pair(y_true, y_pred)
    return np.flatnonzero(y_true != y_pred)


def predict_classes(model, images, batch_size=512, flip=False):
    """Class ids predicted by a Keras classifier (argmax of its outputs).

    Args:
        model: A classifier from images to class scores.
        images: `(N, H, W, C)`, as the model takes them.
        batch_size: Defaults to `512`.
        flip: Also show the model each image mirrored left to right and
            take the class of the summed outputs (test-time augmentation;
            suits a model trained with random horizontal flips). Defaults to `False`.
    """
    scores = model.predict(images, batch_size=batch_size, verbose=0)
    if flip:
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"Expected images (N, H, W, C) to flip. Received: shape={images.shape}")
        scores = scores + model.predict(images[:, :, ::-1], batch_size=batch_size, verbose=0)
    return np.argmax(scores, axis=-1)


def shift_images(images, dx=0, dy=0):
    """Translates images by whole pixels, filling the uncovered border with zeros.

    Args:
        images: Array `(N, H, W)` or `(N, H, W, C)`.
        dx: Pixels to the right (negative: left). Defaults to `0`.
        dy: Pixels down (negative: up). Defaults to `0`.

    Returns:
        An array of the same shape and dtype; content pushed past the edge is
        lost rather than wrapped around (unlike `np.roll`).
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"Expected images (N, H, W) or (N, H, W, C). Received: shape={images.shape}")
    height, width = images.shape[1:3]
    out = np.zeros_like(images)
    if abs(dx) >= width or abs(dy) >= height:
        return out
    src_y = slice(max(0, -dy), height - max(0, dy))
    dst_y = slice(max(0, dy), height - max(0, -dy))
    src_x = slice(max(0, -dx), width - max(0, dx))
    dst_x = slice(max(0, dx), width - max(0, -dx))
    out[:, dst_y, dst_x] = images[:, src_y, src_x]
    return out


def accuracy_under_shift(model, images, labels, max_shift=4, batch_size=512):
    """Accuracy when every test image is moved by k pixels, k = 0..max_shift.

    For each k the images are shifted right, left, down and up by k pixels
    (zero fill) and the four accuracies are averaged, so no single direction
    decides the result.

    Args:
        model: A Keras classifier taking `images`.
        images: Images as the model expects them, `(N, H, W, C)`.
        labels: Integer labels `(N,)`.
        max_shift: Largest shift in pixels, >= 0. Defaults to `4`.
        batch_size: Prediction batch size. Defaults to `512`.

    Returns:
        A dict `{k: accuracy}` for k = 0..max_shift.
    """
    if not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
        raise ValueError(f"Expected a non-negative integer `max_shift`. Received: max_shift={max_shift!r}")
    labels = _labels("labels", labels)
    results = {0: accuracy(labels, predict_classes(model, images, batch_size))}
    for k in range(1, max_shift + 1):
        scores = [
            accuracy(labels, predict_classes(model, shift_images(images, dx, dy), batch_size))
            for dx, dy in ((k, 0), (-k, 0), (0, k), (0, -k))
        ]
        results[k] = float(np.mean(scores))
    return results


def linear_probe_accuracy(train_features, train_labels, test_features, test_labels, l2=None):
    """Test accuracy of a linear classifier fitted on fixed features (a *linear probe*).

    How much class information a layer's output holds in a form a straight
    line can read: the CNN walkthrough probes each block's feature maps. The
    classifier is ridge regression on one-hot targets, solved in closed form
    on standardised features (no training loop, no randomness), in its dual
    form so that its cost depends on the number of examples rather than on the
    number of features. Layers of different widths need different penalties
    to be compared fairly, so by default the penalty is chosen for each probe
    by its leave-one-out squared error on the training examples (exact for
    ridge, from one eigendecomposition).

    Args:
        train_features: `(N, ...)` features of the probe's training examples
            (flattened to `(N, D)`).
        train_labels: Integer labels `(N,)`.
        test_features: `(M, ...)`, the same feature shape.
        test_labels: Integer labels `(M,)`.
        l2: Ridge penalty, relative to the mean squared norm of a
            standardised example (that is, to `D`); positive. Defaults to
            `None`: the best of 1e-3 ... 1e2 by leave-one-out error.

    Returns:
        The probe's accuracy on the test examples, a float in [0, 1].

    Raises:
        ValueError: Mismatched shapes, or a penalty that is not positive.
    """
    y_train, y_test = _labels("train_labels", train_labels), _labels("test_labels", test_labels)
    x_train = np.asarray(train_features, dtype=np.float64).reshape(len(train_features), -1)
    x_test = np.asarray(test_features, dtype=np.float64).reshape(len(test_features), -1)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test) or x_train.shape[1] != x_test.shape[1]:
        raise ValueError(
            "Expected features and labels of matching lengths and train/test features of the same size. "
            f"Received: train {x_train.shape} with {len(y_train)} labels, test {x_test.shape} with "
            f"{len(y_test)} labels")
    if l2 is not None and not l2 > 0:
        raise ValueError(f"Expected a positive `l2` or None. Received: l2={l2!r}")
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0  # a constant feature (a dead unit) carries nothing; leave it at 0
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    classes = np.unique(y_train)
    targets = (y_train[:, None] == classes[None, :]).astype(np.float64)
    offset = targets.mean(axis=0)
    centred = targets - offset
    # Dual ridge: weights = X^T (K + penalty I)^-1 (Y - mean) with K = X X^T, so
    # only N x N matrices appear; K's eigenvectors serve every penalty at once.
    values, vectors = np.linalg.eigh(x_train @ x_train.T)
    values = np.clip(values, 0.0, None)
    scale = x_train.shape[1]  # a standardised example's mean squared norm

    if l2 is None:
        penalties = [relative * scale for relative in (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)]
        errors = _leave_one_out_errors(values, vectors, centred, penalties)
        # The smallest error; on a tie, the stronger penalty (the simpler probe).
        penalty = max(p for p, e in zip(penalties, errors, strict=True) if e == min(errors))
    else:
        penalty = l2 * scale
    coefficients = vectors @ ((vectors.T @ centred) / (values + penalty)[:, None])
    scores = x_test @ (x_train.T @ coefficients) + offset
    return accuracy(y_test, classes[np.argmax(scores, axis=1)])


def _leave_one_out_errors(values, vectors, targets, penalties):
    """Leave-one-out mean squared error of kernel ridge for each penalty, exactly.

    With `K = vectors diag(values) vectors^T`, ridge is a linear smoother with
    hat matrix `H = K (K + penalty I)^-1`, and its prediction for example i
    fitted without i is `(fit_i - H_ii y_i) / (1 - H_ii)`: no refitting.
    Squared error rather than accuracy, so the choice is not decided by ties.
    """
    projected = vectors.T @ targets
    errors = []
    for penalty in penalties:
        shrink = values / (values + penalty)
        fitted = vectors @ (shrink[:, None] * projected)
        leverage = np.einsum("ij,j,ij->i", vectors, shrink, vectors)
        left_out = (fitted - leverage[:, None] * targets) / (1.0 - leverage)[:, None]
        errors.append(float(np.mean((left_out - targets) ** 2)))
    return errors
