"""The CNN walkthrough's checks (notebook 01): each fails for an untrained network.

An untrained 10-class classifier is right about one time in ten, so a check
that asks for far more than chance separates a network that learned from one
that did not, even after the quick run's single epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dlkit.claims import require

# Chance on Fashion-MNIST's ten balanced classes is 0.10; one epoch on the
# quick run's subset already gives far more (the notebook prints it).
LEARNED_ACCURACY = 0.6


def check_classifier(metrics: Mapping[str, Any], name: str = "the CNN") -> None:
    """The classifier learned: test accuracy at least `LEARNED_ACCURACY`.

    Raises:
        CheckFailed: With the accuracy reached.
    """
    accuracy = float(metrics["test_accuracy"])
    require(accuracy >= LEARNED_ACCURACY,
            f"Expected {name} to reach a test accuracy of at least {LEARNED_ACCURACY} (chance is 0.10). "
            f"Received: {accuracy:.4f}")


def check_shift_curves(curves: Mapping[str, Mapping[int, float]]) -> None:
    """Every network of the shift test learned: unshifted accuracy at least `LEARNED_ACCURACY`.

    A shift test between untrained networks would compare noise with noise.

    Args:
        curves: `{name: {shift: accuracy}}` from `evaluation.accuracy_under_shift`.

    Raises:
        CheckFailed: Naming the network that did not learn.
    """
    for name, curve in curves.items():
        check_classifier({"test_accuracy": curve[0]}, name)
