"""Measuring models: classification and translation robustness, forecasts,
language models, and GAN sample quality."""

from dlkit.evaluation.classification import (
    accuracy,
    accuracy_under_shift,
    classification_report,
    confusion_matrix,
    linear_probe_accuracy,
    misclassified,
    precision_recall,
    predict_classes,
    shift_images,
)
from dlkit.evaluation.forecasting import (
    LinearForecaster,
    fit_linear_forecaster,
    holt_winters_forecasts,
    mae,
    naive_forecast,
    seasonal_naive_forecast,
)
from dlkit.evaluation.g2p import (
    NearestSpellingBaseline,
    edit_distance,
    g2p_scores,
    phoneme_error_rate,
    word_error_rate,
)
from dlkit.evaluation.gan import (
    class_coverage,
    classifier_score,
    frechet_classifier_distance,
)
from dlkit.evaluation.gradients import input_gradient_norms
from dlkit.evaluation.language import CharNGramModel, model_bits_per_char
from dlkit.evaluation.text import TfidfLogisticRegression, binary_report, f1_score

__all__ = [
    "CharNGramModel",
    "LinearForecaster",
    "NearestSpellingBaseline",
    "TfidfLogisticRegression",
    "accuracy",
    "accuracy_under_shift",
    "binary_report",
    "class_coverage",
    "classification_report",
    "classifier_score",
    "confusion_matrix",
    "edit_distance",
    "f1_score",
    "fit_linear_forecaster",
    "frechet_classifier_distance",
    "g2p_scores",
    "holt_winters_forecasts",
    "input_gradient_norms",
    "linear_probe_accuracy",
    "mae",
    "misclassified",
    "model_bits_per_char",
    "naive_forecast",
    "phoneme_error_rate",
    "precision_recall",
    "predict_classes",
    "seasonal_naive_forecast",
    "shift_images",
    "word_error_rate",
]
