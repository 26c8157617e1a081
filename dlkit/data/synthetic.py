"""Synthetic sequence tasks with a known answer, for testing memory."""

import numpy as np


def make_adding_problem(num_sequences, length, seed=None):
    """The adding problem (Hochreiter & Schmidhuber, 1997): a long-range memory test.

    Each sequence has `length` steps of two features: a random value in
    [0, 1) and a marker that is 1 at exactly two steps, one in each half of
    the sequence. The target is the sum of the two marked values. To answer,
    a network must notice the first marked value and carry it across up to
    `length` steps of distracting values: exactly what vanishing gradients
    make hard for a plain RNN.

    Always predicting 1.0 (the mean target) gives a mean squared error of
    1/6 (about 0.167); that is the "chance" level of this task.

    Args:
        num_sequences: Positive integer.
        length: Steps per sequence, at least 2.
        seed: Seed; the same seed gives the same data. Defaults to `None`.

    Returns:
        `(x, y)`: float32 `(num_sequences, length, 2)` and `(num_sequences,)`.
    """
    if not isinstance(num_sequences, (int, np.integer)) or num_sequences < 1:
        raise ValueError(f"Expected a positive integer `num_sequences`. Received: num_sequences={num_sequences!r}")
    if not isinstance(length, (int, np.integer)) or length < 2:
        raise ValueError(f"Expected an integer `length` >= 2. Received: length={length!r}")
    rng = np.random.default_rng(seed)
    values = rng.random((num_sequences, length)).astype(np.float32)
    markers = np.zeros((num_sequences, length), dtype=np.float32)
    rows = np.arange(num_sequences)
    half = length // 2
    markers[rows, rng.integers(0, half, num_sequences)] = 1.0
    markers[rows, rng.integers(half, length, num_sequences)] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values * markers).sum(axis=1)
    return x, y


def within_tolerance(y_true, y_pred, tolerance=0.1):
    """Share of predictions within `tolerance` of the target: the adding problem's accuracy.

    The best constant guess (1.0) scores 1 - (1 - tolerance)^2, 19 % at the
    default tolerance, since the sum of two uniform values has a triangular
    distribution peaking at 1.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Expected equal lengths. Received: {y_true.shape} and {y_pred.shape}")
    return float(np.mean(np.abs(y_true - y_pred) < tolerance))
