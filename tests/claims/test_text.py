"""Notebook 06's checks fail for an untrained text classifier (and pass for a trained baseline)."""

import numpy as np
import pytest

import dlkit
from dlkit import claims
from dlkit.claims import text as checks
from dlkit.evaluation import TfidfLogisticRegression, binary_report
from dlkit.families import text
from dlkit.models import rnn


@pytest.fixture(scope="module")
def quick_split(spam_corpus):  # the corpus fixture skips the module when `make data` has not run
    return text.load_split(text.FAST, seed=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_untrained_text_classifier_fails_both_checks(quick_split, seed):
    train, _, test = quick_split
    dlkit.set_seed(seed)
    model = text.build_model(text.FAST, rnn.adapt_vocabulary(train.texts, text.FAST.max_tokens))  # untrained
    probabilities = model.predict(np.array(test.texts, dtype=object), verbose=0).reshape(-1)
    scores = binary_report(test.labels, probabilities)
    with pytest.raises(claims.CheckFailed, match="well above always answering"):
        checks.check_beats_majority(scores["accuracy"], test.labels)
    with pytest.raises(claims.CheckFailed, match="spam F1 of at least"):
        checks.check_spam_f1(scores["f1"])


def test_answering_one_class_for_everything_fails_too(quick_split):
    _, _, test = quick_split
    for answer in (0, 1):
        scores = binary_report(test.labels, np.full(len(test), float(answer)))
        with pytest.raises(claims.CheckFailed):
            checks.check_beats_majority(scores["accuracy"], test.labels)
        with pytest.raises(claims.CheckFailed):
            checks.check_spam_f1(scores["f1"])


def test_a_trained_classifier_passes_both_checks(quick_split):
    train, val, test = quick_split
    baseline = TfidfLogisticRegression(max_tokens=text.FAST.max_tokens, penalties=(1e-5,))
    baseline.fit(train.texts, train.labels, val.texts, val.labels, seed=0)
    scores = binary_report(test.labels, baseline.predict_proba(test.texts))
    checks.check_beats_majority(scores["accuracy"], test.labels)
    checks.check_spam_f1(scores["f1"])


def test_majority_accuracy_is_the_commoner_class_share():
    assert checks.majority_accuracy([0, 0, 0, 1]) == 0.75
    assert checks.majority_accuracy(np.array([1, 1, 0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="at least one label"):
        checks.majority_accuracy([])
