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


def class_accuracy(fake_images: np.ndarray, requested: Any, num_classes: int = 10) -> dict[str, Any]:
    """How often the evaluator sees the class a conditional generator was asked for.

    Args:
        fake_images: Generated images, `(N, 28, 28, 1)` in [-1, 1] (or uint8).
        requested: The class id each image was generated for, `(N,)`.
        num_classes: Defaults to `10`.

    Returns:
        A dict: `per_class` (accuracy for each requested class, `None` for a
        class never requested), `mean_class_accuracy` (their mean over the
        requested classes: every class counts alike however many samples it
        had) and `confusion` (`num_classes x num_classes` counts, row: class
        asked for, column: class seen).

    Raises:
        ValueError: Not one label per image, or a label outside `0 .. num_classes - 1`.
    """
    requested = np.asarray(requested)
    if requested.ndim != 1 or len(requested) != len(fake_images) or not np.issubdtype(requested.dtype, np.integer):
        raise ValueError(f"Expected one integer class label per image ({len(fake_images)}). "
                         f"Received: dtype={requested.dtype}, shape={requested.shape}")
    if requested.size and (requested.min() < 0 or requested.max() >= num_classes):
        raise ValueError(f"Expected labels in 0..{num_classes - 1}. Received: {requested.min()} to {requested.max()}")
    seen = np.argmax(evaluator_probabilities(fake_images, arg="fake_images"), axis=1)
    confusion = np.bincount(requested * num_classes + seen, minlength=num_classes ** 2).reshape(num_classes,
                                                                                                num_classes)
    asked = confusion.sum(axis=1)
    per_class = [float(confusion[c, c] / asked[c]) if asked[c] else None for c in range(num_classes)]
    scored = [a for a in per_class if a is not None]
    return {"per_class": per_class, "mean_class_accuracy": float(np.mean(scored)) if scored else float("nan"),
            "confusion": confusion.tolist()}


def nearest_neighbours(queries, references, batch_size=500):
    """Each query image's nearest reference image in pixel space (Euclidean, pixels in [0, 1]).

    Pixel space is the plain test of copying: a memorised training image is
    near 0 away from its copy whatever a feature extractor would make of it.

    Args:
        queries: Images to look up (GAN images: see the module docstring).
        references: The images to search, e.g. the training set.
        batch_size: Queries per distance matrix (`batch_size * len(references)`
            floats at a time). Defaults to `500`.

    Returns:
        `(distances, indices)`: float64 `(N,)` distances and int `(N,)`
        indices into `references`.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"Expected a positive integer `batch_size`. Received: batch_size={batch_size!r}")
    q = to_unit_range(queries, "queries").reshape(len(queries), -1)
    r = to_unit_range(references, "references").reshape(len(references), -1)
    r_norms = np.einsum("ij,ij->i", r, r)
    distances, indices = np.empty(len(q)), np.empty(len(q), dtype=np.int64)
    for start in range(0, len(q), batch_size):
        chunk = q[start:start + batch_size]
        # |q - r|^2 = |q|^2 + |r|^2 - 2 q.r: one matrix product per chunk instead of N x M differences.
        squared = np.einsum("ij,ij->i", chunk, chunk)[:, None] + r_norms[None, :] - 2.0 * chunk @ r.T
        nearest = np.argmin(squared, axis=1)
        indices[start:start + len(chunk)] = nearest
        # Recomputed exactly for the chosen pair: the expansion loses digits for near-identical images.
        distances[start:start + len(chunk)] = np.linalg.norm(
            chunk.astype(np.float64) - r[nearest].astype(np.float64), axis=1)
    return distances, indices


def memorisation(generated, train_images, test_images, quantile=0.05, batch_size=500):
    """Are generated samples closer to their nearest training image than unseen real images are?

    A generator that copies its training images puts samples (almost) on top
    of them; one that draws new images leaves them as far from the training
    set as real images it never saw (the test images), or farther when its
    samples are still imperfect. We count the generated samples nearer to
    their nearest training image than the `quantile` of the test images'
    nearest distances: for new images from the data distribution that share
    is about `quantile`; a memorising generator pushes it towards 1.

    Args:
        generated: Generated images.
        train_images: The images the generator trained on.
        test_images: Real images it never saw (as many as `generated`, for a
            like-for-like comparison).
        quantile: Which low quantile of the test distances marks "close".
            Defaults to `0.05`.
        batch_size: As in `nearest_neighbours`. Defaults to `500`.

    Returns:
        A dict: `generated_distances`, `generated_nearest` (indices into
        `train_images`), `test_distances`, `test_nearest`, their medians
        `generated_median` and `test_median`, `threshold` (the test quantile),
        `close_share` (share of generated samples below it), and
        `allowed_share`: `quantile` plus three binomial standard errors for
        this many samples, the most a generator of new images exceeds about
        once in a thousand runs. `copies` is whether `close_share` exceeds it.
    """
    if not 0 < quantile < 1:
        raise ValueError(f"Expected a quantile strictly between 0 and 1. Received: quantile={quantile!r}")
    g_dist, g_idx = nearest_neighbours(generated, train_images, batch_size)
    t_dist, t_idx = nearest_neighbours(test_images, train_images, batch_size)
    threshold = float(np.quantile(t_dist, quantile))
    close_share = float(np.mean(g_dist < threshold))
    allowed = quantile + 3.0 * float(np.sqrt(quantile * (1 - quantile) / len(g_dist)))
    return {
        "generated_distances": g_dist, "generated_nearest": g_idx,
        "test_distances": t_dist, "test_nearest": t_idx,
        "generated_median": float(np.median(g_dist)), "test_median": float(np.median(t_dist)),
        "quantile": quantile, "threshold": threshold, "close_share": close_share, "allowed_share": allowed,
        "copies": close_share > allowed,
    }


def interpolate_latents(start, end, steps, method="spherical"):
    """Latent vectors on the way from `start` to `end`, both ends included.

    `"spherical"` (slerp) follows the great circle between the two
    directions and interpolates the length linearly. For standard normal
    latents in many dimensions nearly all the mass lies near the sphere of
    radius sqrt(latent_dim), and two draws are nearly orthogonal: the
    straight line's midpoint is about 1/sqrt(2) as long, a region the
    generator never saw in training, so linear paths dim and blur in the
    middle (White, 2016, "Sampling generative networks"). `"linear"` is the
    straight line, kept for comparison.

    Args:
        start, end: Latent vectors `(latent_dim,)`, or batches `(N, latent_dim)`.
        steps: Points on each path, at least 2.
        method: `"spherical"` or `"linear"`. Defaults to `"spherical"`.

    Returns:
        float32 `(steps, latent_dim)`, or `(N, steps, latent_dim)` for batches.

    Example:

    >>> z = np.random.default_rng(0).standard_normal((2, 64))
    >>> path = interpolate_latents(z[0], z[1], steps=8)   # (8, 64)
    >>> images = generator.predict(path)
    """
    if method not in ("spherical", "linear"):
        raise ValueError(f"Expected method 'spherical' or 'linear'. Received: method={method!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"Expected an integer `steps` of at least 2. Received: steps={steps!r}")
    a, b = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    if a.shape != b.shape or a.ndim not in (1, 2) or not a.size:
        raise ValueError(f"Expected `start` and `end` of the same shape (latent_dim,) or (N, latent_dim). "
                         f"Received: shapes {a.shape} and {b.shape}")
    single = a.ndim == 1
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    if method == "linear":
        path = (1 - t) * a[:, None] + t * b[:, None]
    else:
        norm_a = np.linalg.norm(a, axis=1, keepdims=True)
        norm_b = np.linalg.norm(b, axis=1, keepdims=True)
        if not (norm_a > 0).all() or not (norm_b > 0).all():
            raise ValueError("Expected non-zero latent vectors for a spherical path (a zero vector has no "
                             "direction). Received: a vector of length 0")
        unit_a, unit_b = a / norm_a, b / norm_b
        omega = np.arccos(np.clip(np.sum(unit_a * unit_b, axis=1), -1.0, 1.0))[:, None, None]
        sin = np.sin(omega)
        # Nearly parallel directions: the great circle is the straight line (and sin -> 0).
        parallel = sin < 1e-6
        safe = np.where(parallel, 1.0, sin)
        w_a = np.where(parallel, 1 - t, np.sin((1 - t) * omega) / safe)
        w_b = np.where(parallel, t, np.sin(t * omega) / safe)
        direction = w_a * unit_a[:, None] + w_b * unit_b[:, None]
        direction /= np.linalg.norm(direction, axis=2, keepdims=True)
        length = (1 - t) * norm_a[:, None] + t * norm_b[:, None]
        path = direction * length
    path = path.astype(np.float32)
    return path[0] if single else path
