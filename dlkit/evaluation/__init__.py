"""Measuring models: classification, translation robustness (and more per family)."""

from dlkit.evaluation.classification import (
    accuracy,
    accuracy_under_shift,
    classification_report,
    confusion_matrix,
    misclassified,
    precision_recall,
    predict_classes,
    shift_images,
)

__all__ = [
    "accuracy",
    "accuracy_under_shift",
    "classification_report",
    "confusion_matrix",
    "misclassified",
    "precision_recall",
    "predict_classes",
    "shift_images",
]
