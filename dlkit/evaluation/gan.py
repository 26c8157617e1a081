"""Sample-quality metrics for Fashion-MNIST GANs, computed offline.

They all look at images through the *evaluator*: a CNN classifier trained on
Fashion-MNIST whose weights ship inside the package
(`dlkit/assets/fashion_mnist_evaluator.weights.h5`, retrained reproducibly by
`scripts/train_evaluator.py`). Its 128-unit penultimate layer plays the role
Inception-v3's pool layer plays in FID, and its class probabilities the role
of Inception's in the Inception Score; being trained on this dataset, it
sees the differences that matter here.

Image arguments: float arrays in [-1, 1] (the generators' `tanh` range) or
uint8 arrays in [0, 255], shaped `(N, 28, 28, 1)` or `(N, 28, 28)`.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dlkit.saving import CorruptFileError, read_json, sha256_of
from dlkit.validation import check_symmetric_images

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EVALUATOR_WEIGHTS = ASSETS / "fashion_mnist_evaluator.weights.h5"
EVALUATOR_CARD = ASSETS / "fashion_mnist_evaluator.json"

# The evaluator's architecture; the weights file must match it.
EVALUATOR_CONFIG: dict[str, Any] = {"filters": (32, 64, 128), "convs_per_block": 2, "dropout_rate": 0.1,
                    "head_dropout_rate": 0.3, "dense_units": 128}
FEATURE_LAYER = "dense"


def build_evaluator():
    """The evaluator network, untrained (`load_evaluator` adds the shipped weights)."""
    from dlkit.models import (
        cnn,  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)
    )

    return cnn.build_cnn_classifier((28, 28, 1), 10, name="fashion_mnist_evaluator", **EVALUATOR_CONFIG)


@functools.lru_cache(maxsize=1)
def load_evaluator():
    """Loads the shipped evaluator (once per process).

    Returns:
        `(classifier, feature_model)`: the classifier takes images in [0, 1];
        the feature model returns its 128-d penultimate activations.

    Raises:
        FileNotFoundError: The weights file is missing from the installation.
        saving.CorruptFileError: Its SHA-256 differs from the one recorded in
            the evaluator card (a damaged or replaced file), checked before
            anything is loaded from it.
    """
    import keras  # lazily: importing dlkit must not import TensorFlow (`dlkit --help`)

    if not EVALUATOR_WEIGHTS.is_file():
        raise FileNotFoundError(
            f"The evaluator weights are missing: {EVALUATOR_WEIGHTS}. Reinstall dlkit, or "
            "recreate them with `python scripts/train_evaluator.py`."
        )
    expected = evaluator_card().get("weights_sha256")
    actual = sha256_of(EVALUATOR_WEIGHTS)
    if actual != expected:
        raise CorruptFileError(EVALUATOR_WEIGHTS, f"SHA-256 {actual}, expected {expected} from "
                               f"{EVALUATOR_CARD.name}; reinstall dlkit")
    model = build_evaluator()
    model.load_weights(EVALUATOR_WEIGHTS)
    features = keras.Model(model.input, model.get_layer(FEATURE_LAYER).output)
    return model, features


def evaluator_card():
    """What `scripts/train_evaluator.py` recorded: test accuracy, seed, epochs, versions."""
    return read_json(EVALUATOR_CARD)


def to_unit_range(images, arg="images"):
    """Validates GAN images and returns float32 `(N, 28, 28, 1)` in [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(
            f"Expected `{arg}` of shape (N, 28, 28, 1) or (N, 28, 28). Received: shape={images.shape}"
        )
    if len(images) < 2:
        raise ValueError(f"Expected at least 2 images in `{arg}`. Received: {len(images)}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            f"Expected `{arg}` as floats in [-1, 1] or uint8 in [0, 255]. Received: dtype={images.dtype}"
        )
    check_symmetric_images(arg, images, tolerance=1e-3, note=" (did the generator diverge?)")
    return ((images.astype(np.float32) + 1.0) / 2.0).clip(0.0, 1.0)


def evaluator_features(images, batch_size=500, arg="images"):
    """The evaluator's penultimate features, `(N, 128)` float64.

    `arg` is the argument name that error messages about `images` use.
    """
    images = to_unit_range(images, arg)  # checked before the evaluator is loaded
    _, features = load_evaluator()
    return np.asarray(features.predict(images, batch_size=batch_size, verbose=0), dtype=np.float64)


def evaluator_probabilities(images, batch_size=500, arg="images"):
    """The evaluator's class probabilities, `(N, 10)`.

    `arg` is the argument name that error messages about `images` use.
    """
    images = to_unit_range(images, arg)
    model, _ = load_evaluator()
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype=np.float64)


def frechet_distance(features_a, features_b):
    """The Fréchet distance between Gaussians fitted to two feature sets.

    `||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))`, the FID formula.
    """
    from scipy import linalg  # lazily, like TensorFlow: scipy costs `dlkit --help` half a second

    mu_a, mu_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        covmean = linalg.sqrtm(cov_a @ cov_b)
    if caught or not np.isfinite(covmean).all():
        # A singular product (e.g. a collapsed generator whose features span
        # few directions): regularise both covariances slightly, as FID
        # implementations do, rather than return an inaccurate root.
        offset = np.eye(len(cov_a)) * 1e-6
        covmean = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    covmean = covmean.real
    distance = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean)
    return float(max(distance, 0.0))


def frechet_classifier_distance(real_images: np.ndarray, fake_images: np.ndarray) -> float:
    """FID's formula on the evaluator's features: lower is better, 0 for identical sets.

    Use a few thousand images per side: the estimate is biased upwards for
    small sets.

    Returns:
        A float.
    """
    # Both sets are checked before either goes through the evaluator.
    to_unit_range(real_images, "real_images")
    to_unit_range(fake_images, "fake_images")
    return frechet_distance(evaluator_features(real_images, arg="real_images"),
                            evaluator_features(fake_images, arg="fake_images"))


def classifier_score(fake_images):
    """The Inception Score's formula on the evaluator: exp(E_x KL(p(y|x) || p(y))).

    Between 1 (every image gets the same class distribution) and 10 (each
    image confidently one class, all classes equally often).
    """
    p = evaluator_probabilities(fake_images, batch_size=500, arg="fake_images")
    p = np.clip(p, 1e-12, 1.0)
    marginal = p.mean(axis=0)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
    return float(np.exp(kl.mean()))


def class_coverage(fake_images: np.ndarray, num_classes: int = 10) -> dict[str, Any]:
    """Which classes the samples look like, and how evenly.

    Returns:
        A dict: `counts` (list of `num_classes` ints, the evaluator's argmax
        per sample), `classes_covered` (classes with at least one sample) and
        `normalized_entropy` of the histogram (1.0 = perfectly even, 0.0 =
        every sample one class: a collapsed generator).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"Expected `num_classes` to be an integer >= 2. Received: num_classes={num_classes!r}")
    labels = np.argmax(evaluator_probabilities(fake_images, arg="fake_images"), axis=1)
    counts = np.bincount(labels, minlength=num_classes)
    shares = counts / counts.sum()
    nonzero = shares[shares > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum() / np.log(num_classes))
    return {
        "counts": counts.tolist(),
        "classes_covered": int((counts > 0).sum()),
        "normalized_entropy": max(entropy, 0.0) + 0.0,  # + 0.0 turns -0.0 into 0.0
    }
