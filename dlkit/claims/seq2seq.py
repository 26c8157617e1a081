"""The sequence-to-sequence walkthrough's checks and verdict (notebook 07): spelling to pronunciation.

What the scores mean (`dlkit.evaluation.g2p`): the phoneme error rate (PER)
is the edit distance between the predicted and the reference phonemes over
the number of reference phonemes; the word error rate (WER) is the share of
words not pronounced exactly right. An untrained encoder-decoder writes
phonemes that have nothing to do with the word, mostly until the length
limit of 32: several errors per reference phoneme (a PER far above 1) and
no word right (WER 1). The nearest-spelling baseline (the pronunciation of
the training word spelt most like the word) gets a fair share of the
phonemes right and almost no word.

Checks (raise `CheckFailed`), each one an untrained model fails
(`tests/claims/test_seq2seq.py` shows it on an untrained model's numbers):

- `check_learned`: a PER of at most `QUICK_PER_CEILING` and a WER of at
  most `QUICK_WER_CEILING`;
- `check_beats_nearest_spelling`: a PER at most `BASELINE_FRACTION` of the
  nearest-spelling baseline's on the same words.

Decision, `(holds, evidence)` for `claims.verdict(claim, holds, evidence)`:
`attention_decision` ("attention helps an encoder-decoder pronounce unseen
words": the attention model's PER at least `ATTENTION_MARGIN` lower,
relatively, than the model's without attention).

Calibration, on the quick run (`families.FAMILIES["g2p"].FAST`: 3 epochs on
the 3,400 training words of a seeded draw of 4,000, scored on its 400 test
words with a beam of 2), seeds 0, 1 and 2 (the seed draws the words too).
Untrained networks (with attention, and without it at 75 units, the
notebook's matched size), seeds 0 to 2 on seed 0's words: PER 2.80 to
5.12, WER 1.000, greedy or beam. The nearest-spelling baseline: PER 0.592
to 0.608, WER 0.993 to 0.995. Trained with attention: PER 0.267 to 0.288
(0.45 to 0.49 of the baseline's), WER 0.785 to 0.815. Trained without
attention (75 units, as many weights): PER 0.574 to 0.592, WER 0.975 to
0.985, hardly better than the baseline after three short epochs, which is
why the notebook applies these checks to the attention model, and the
network without attention is only its opponent. The bounds sit between the
trained and the untrained networks (and the baseline), with room on each
side for another seed or platform.
"""

from __future__ import annotations

from dlkit.claims import require

# Untrained: a PER of 2.8 or more; the baseline about 0.6; the quick runs 0.27 to 0.29 (module docstring).
QUICK_PER_CEILING = 0.45
# Untrained: no word right (WER 1.0); the baseline 0.99; the quick runs 0.79 to 0.82.
QUICK_WER_CEILING = 0.9
# The PER must be at most this share of the nearest-spelling baseline's; the quick runs had 0.45 to 0.49.
BASELINE_FRACTION = 0.7
# Attention "helps" when it lowers the PER by at least this share of the no-attention model's PER.
ATTENTION_MARGIN = 0.10


def check_learned(per: float, wer: float) -> None:
    """The PER is at most `QUICK_PER_CEILING` and the WER at most `QUICK_WER_CEILING`.

    Args:
        per: Phoneme error rate on held-out words (a fraction, not a percentage).
        wer: Word error rate on the same words.

    Raises:
        CheckFailed: With the rates reached and the bounds.
    """
    require(float(per) <= QUICK_PER_CEILING and float(wer) <= QUICK_WER_CEILING,
            f"Expected a phoneme error rate of at most {QUICK_PER_CEILING:.0%} and a word error rate of at most "
            f"{QUICK_WER_CEILING:.0%} (an untrained model's PER is far above 100 %, its WER 100 %). Received: PER "
            f"{float(per):.1%}, WER {float(wer):.1%}")


def check_beats_nearest_spelling(per: float, baseline_per: float) -> None:
    """The PER is at most `BASELINE_FRACTION` of the nearest-spelling baseline's.

    Args:
        per: The model's phoneme error rate.
        baseline_per: The nearest-spelling baseline's, on the same words.

    Raises:
        CheckFailed: With both rates and the bar.
    """
    bar = BASELINE_FRACTION * float(baseline_per)
    require(float(per) <= bar,
            f"Expected a phoneme error rate of at most {bar:.1%}, {BASELINE_FRACTION} x the nearest-spelling "
            f"baseline's {float(baseline_per):.1%}. Received: {float(per):.1%}")


def attention_decision(attention_per: float, plain_per: float, attention_wer: float,
                       plain_wer: float) -> tuple[bool, str]:
    """Whether attention lowered the PER by at least `ATTENTION_MARGIN` of the plain model's, with the numbers.

    Args:
        attention_per, attention_wer: The model with attention, on held-out words.
        plain_per, plain_wer: The model without attention, on the same words.

    Returns:
        `(holds, evidence)`, the arguments of `claims.verdict` after the claim.

    Raises:
        ValueError: A rate is negative.
    """
    rates = {"attention_per": attention_per, "plain_per": plain_per, "attention_wer": attention_wer,
             "plain_wer": plain_wer}
    bad = {k: v for k, v in rates.items() if not float(v) >= 0}
    if bad:
        raise ValueError(f"Expected error rates of at least 0. Received: {bad}")
    attention_per, plain_per = float(attention_per), float(plain_per)
    reduction = (plain_per - attention_per) / plain_per if plain_per > 0 else 0.0
    holds = plain_per > 0 and reduction >= ATTENTION_MARGIN
    direction = "lower" if reduction >= 0 else "higher"
    evidence = (f"phoneme error rate {attention_per:.2%} with attention against {plain_per:.2%} without, "
                f"{abs(reduction):.0%} {direction} (it must be at least {ATTENTION_MARGIN:.0%} lower); "
                f"word error rate {float(attention_wer):.2%} against {float(plain_wer):.2%}")
    return holds, evidence
