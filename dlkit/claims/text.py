"""The text-classifier walkthrough's checks (notebook 06): each fails for an untrained model.

An untrained classifier gives every message a probability within a hair of
0.5, so the side of 0.5 a message falls on is noise: its accuracy scatters
around one half, below the share of the commoner class (ham) that answering
"ham" to everything scores, and its spam F1 stays low (answering "spam" to
everything gives 2s / (1 + s) for a spam share s, below one half here).
A model that learned beats both by a wide margin even after the quick run.

Calibration, on the quick run's split (`families.text.FAST`, seed 0: 225
test messages, ham share 0.707): the untrained network, over seeds 0 to 5,
scores accuracy 0.32 to 0.63 and spam F1 0.32 to 0.41; the quick run's
trained network 0.969 and 0.948.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlkit.claims import require

# How much of the way from the majority answer's accuracy to a perfect score the model must go.
LEARNED_SHARE = 0.5
# Spam F1 a classifier that learned reaches; answering "spam" to everything gives about 0.48 here.
SPAM_F1_FLOOR = 0.8


def majority_accuracy(labels: Any) -> float:
    """The accuracy of always answering the commonest class of `labels`."""
    labels = np.asarray(labels).reshape(-1)
    if labels.size == 0:
        raise ValueError("Expected at least one label. Received: none")
    return float(np.max(np.bincount(labels.astype(np.int64))) / labels.size)


def check_beats_majority(accuracy: float, labels: Any) -> None:
    """The accuracy goes at least `LEARNED_SHARE` of the way from the majority answer's to 1.

    Args:
        accuracy: The model's accuracy on the messages labelled `labels`.
        labels: Their true classes (0 = ham, 1 = spam).

    Raises:
        CheckFailed: With both accuracies and the bar.
    """
    majority = majority_accuracy(labels)
    bar = majority + LEARNED_SHARE * (1 - majority)
    require(float(accuracy) >= bar,
            f"Expected an accuracy of at least {bar:.3f}, well above always answering the commoner class "
            f"({majority:.3f}). Received: {float(accuracy):.3f}")


def check_spam_f1(f1: float) -> None:
    """The spam F1 is at least `SPAM_F1_FLOOR`.

    Raises:
        CheckFailed: With the F1 reached.
    """
    require(float(f1) >= SPAM_F1_FLOOR,
            f"Expected a spam F1 of at least {SPAM_F1_FLOOR}. Received: {float(f1):.3f}")
