"""Notebook 02's checks and verdicts: memory, vanishing gradients, GRU speed, forecasting, CNN + RNN.

Two kinds of function, as `dlkit.claims` describes:

- `check_*` raise `claims.CheckFailed` when a run did not train at all. Each
  one is calibrated so that an *untrained* model of the same builder fails it
  (`tests/claims/test_rnn.py` shows that), while the notebook's short run
  (`DLKIT_QUICK=1`) passes it. They say nothing about the claims.
  (`require_valid_norms` is an invariant of a measurement instead, which
  any model meets.)
- `*_outcome` decide a claim from the numbers of a fair experiment: they
  return `(holds, evidence)`, which may go either way, for
  `claims.verdict(claim, holds, evidence)`. The notebook states each claim
  in its own words beside the call; the rule that decides it lives here,
  tested (`tests/claims/test_rnn.py`).

The thresholds inside the outcomes are definitions stated in the notebook
(what "solved" or "kept its gradient" means), not numbers tuned to one run.

Example:

>>> from dlkit import claims
>>> from dlkit.claims import rnn as rnn_claims
>>> rnn_claims.check_memory_run(result.metrics)          # raises CheckFailed if it did not train
>>> claims.verdict("GRU trains faster than LSTM", *rnn_claims.speed_outcome(lstm_seconds, gru_seconds))
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

from dlkit.claims import require

# --- Short-run checks: an untrained model fails each ---------------------------------------------

# An untrained regressor answers about 0, so its MSE on the adding problem is near E[sum^2] = 7/6,
# seven times the constant guess's 1/6. One short epoch is enough to learn the mean sum (the quick
# run's single epoch measured 0.16 to 0.20 for every cell over two seeds); twice the constant guess's
# MSE separates "learned something" from "never trained" with room on both sides.
MEMORY_MSE_FACTOR = 2.0

# Ten classes: an untrained classifier is near 0.10, four times below this. The notebook's short runs
# (a few epochs on five thousand images) reach it with every reader; one epoch of the plain CNN alone
# measured 0.46, its batch-norm statistics still settling, so the quick run trains the CNNs for two.
MIN_TRAINED_ACCURACY = 0.4

# An untrained forecaster predicts changes near zero from the last week, so it scores the naive
# forecast's error (measured: 0.999 to 1.004 times it over five seeds of each cell). The yearly cycle
# alone makes the naive error large; the notebook's short run (six epochs) brought every one of three
# seeds of each cell to at most 0.28 times it, while three epochs left one GRU seed at 0.73.
FORECAST_NAIVE_FACTOR = 0.8


def check_memory_run(metrics: Mapping[str, float]) -> None:
    """The memory model learned at least the mean sum: validation MSE within `MEMORY_MSE_FACTOR` x chance.

    Args:
        metrics: `validation_mse` and `chance_mse`, as the `memory` family's
            `score` returns them.

    Raises:
        CheckFailed: The MSE is not finite or is above the bound.
    """
    mse, chance = float(metrics["validation_mse"]), float(metrics["chance_mse"])
    bound = MEMORY_MSE_FACTOR * chance
    require(np.isfinite(mse) and mse <= bound,
            f"Expected a validation MSE at most {bound:.3f} ({MEMORY_MSE_FACTOR:g} x the constant guess's "
            f"{chance:.3f}): a model that trained at all learns the mean sum. Received: {mse:.4f}")


def check_classifier_run(metrics: Mapping[str, float], name: str = "classifier") -> None:
    """A Fashion-MNIST classifier learned something: test accuracy at least `MIN_TRAINED_ACCURACY`.

    Raises:
        CheckFailed: The accuracy is below the bound (chance is 0.10).
    """
    accuracy = float(metrics["test_accuracy"])
    require(accuracy >= MIN_TRAINED_ACCURACY,
            f"Expected the {name} to reach a test accuracy of at least {MIN_TRAINED_ACCURACY} (chance is "
            f"0.10). Received: {accuracy:.4f}")


def check_forecaster(test_mae: float, naive_mae: float) -> None:
    """A forecaster learned something: test MAE below `FORECAST_NAIVE_FACTOR` x the naive forecast's.

    Args:
        test_mae: The network's test MAE in ppm.
        naive_mae: The naive forecast's (last week repeated) on the same windows.

    Raises:
        CheckFailed: The MAE is not finite or is above the bound.
    """
    bound = FORECAST_NAIVE_FACTOR * float(naive_mae)
    require(np.isfinite(test_mae) and test_mae <= bound,
            f"Expected a test MAE at most {bound:.3f} ppm ({FORECAST_NAIVE_FACTOR:g} x the naive forecast's "
            f"{naive_mae:.3f}). Received: {test_mae:.4f}")


def require_valid_norms(norms: Sequence[float], length: int) -> None:
    """Invariants of a per-step gradient measurement: `length` finite, non-negative values, not all zero.

    Not a training check: untrained networks meet it too.
    """
    values = np.asarray(norms, dtype=np.float64)
    require(values.shape == (length,), f"Expected {length} per-step norms. Received: shape {values.shape}")
    require(bool(np.all(np.isfinite(values)) and np.all(values >= 0) and values.max() > 0),
            f"Expected finite, non-negative norms, not all zero. Received: min {values.min():.3g}, "
            f"max {values.max():.3g}")


# --- Verdicts: the claims, decided ---------------------------------------------------------------

# "Solved": an MSE below a tenth of the constant guess's (the marked values found and added).
# "Stayed at chance": an MSE above half of it (no better than a crude guess).
SOLVED_FRACTION_OF_CHANCE = 0.1
CHANCE_FRACTION = 0.5


def memory_outcome(metrics: Mapping[str, Mapping[str, float]]) -> tuple[bool, str]:
    """Decides 'the plain RNN stays at chance on the adding problem while LSTM and GRU solve it'.

    Holds when the LSTM and the GRU both solve it (validation MSE below
    `SOLVED_FRACTION_OF_CHANCE` x chance) and the plain RNN stays near chance
    (above `CHANCE_FRACTION` x chance).

    Args:
        metrics: `{"simple": ..., "lstm": ..., "gru": ...}`, each with
            `validation_mse` and `chance_mse`.

    Returns:
        `(holds, evidence)`.
    """
    chance = float(metrics["lstm"]["chance_mse"])
    mse = {cell: float(metrics[cell]["validation_mse"]) for cell in ("simple", "lstm", "gru")}
    gated = all(mse[c] < SOLVED_FRACTION_OF_CHANCE * chance for c in ("lstm", "gru"))
    plain = mse["simple"] > CHANCE_FRACTION * chance
    return (
        gated and plain,
        f"validation MSE: plain RNN {mse['simple']:.4f}, LSTM {mse['lstm']:.4f}, GRU {mse['gru']:.4f}; "
        f"constant guess {chance:.4f}; solved means below {SOLVED_FRACTION_OF_CHANCE * chance:.4f}, "
        f"at chance means above {CHANCE_FRACTION * chance:.4f}")


# Distances from the output: "near" is the last ten steps, "far" is the first half of the sequence
# (where the adding problem puts its first marked value).
NEAR_STEPS = 10
# A gated cell "keeps its gradient" when its far/near ratio is at least this many times the plain RNN's.
GRADIENT_ADVANTAGE = 10.0


def gradient_retention(norms: Sequence[float]) -> float:
    """Mean gradient norm over the first half of the sequence over the mean over the last `NEAR_STEPS` steps.

    `norms[t]` is step t's norm (`evaluation.gradients.input_gradient_norms`);
    the ratio says what share of the gradient that reaches the output's
    neighbourhood still reaches the far half. It is 1 for no decay at all and
    near 0 when the gradient vanishes.
    """
    values = np.asarray(norms, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2 * NEAR_STEPS:
        raise ValueError(f"Expected per-step norms of at least {2 * NEAR_STEPS} steps. Received: "
                         f"shape {values.shape}")
    near = values[-NEAR_STEPS:].mean()
    far = values[: len(values) // 2].mean()
    return float(far / near) if near > 0 else 0.0


def gradient_outcome(norms: Mapping[str, Sequence[float]]) -> tuple[bool, str]:
    """Decides 'LSTM's and GRU's gates carry the gradient back to distant steps; the plain RNN's vanishes'.

    Holds when both gated cells' `gradient_retention` is at least
    `GRADIENT_ADVANTAGE` times the plain RNN's.

    Args:
        norms: `{"simple": ..., "lstm": ..., "gru": ...}` per-step gradient norms
            of the trained models.

    Returns:
        `(holds, evidence)`.
    """
    kept = {cell: gradient_retention(norms[cell]) for cell in ("simple", "lstm", "gru")}
    floor = max(kept["simple"], 1e-300)
    holds = all(kept[c] >= GRADIENT_ADVANTAGE * floor for c in ("lstm", "gru"))
    return (
        holds,
        "far-half over last-ten-steps gradient: " + ", ".join(
            f"{name} {kept[c]:.2e}" for c, name in (("simple", "plain RNN"), ("lstm", "LSTM"), ("gru", "GRU")))
        + f" (the claim needs each gated cell at least {GRADIENT_ADVANTAGE:g}x the plain RNN's)")


def spread(seconds: Sequence[float]) -> str:
    """`median (min-max)` of timed measurements, in seconds."""
    seconds = list(seconds)
    return f"{statistics.median(seconds):.2f} s ({min(seconds):.2f}-{max(seconds):.2f})"


def speed_outcome(lstm_seconds: Sequence[float], gru_seconds: Sequence[float]) -> tuple[bool, str]:
    """Decides 'GRU trains faster per epoch than LSTM' from several timed epochs of each.

    Holds only when GRU's median epoch is shorter *and* the middle halves of
    the two sets of times do not overlap (GRU's upper quartile below LSTM's
    lower quartile): a difference smaller than the epoch-to-epoch spread is
    not a measured difference. Quartiles rather than the extremes, because on
    a shared machine a few epochs are slowed by other work (in a full run on
    two shared cores, 2 of 11 epochs of each cell took nearly twice the
    median), and one such epoch must not decide the comparison either way.

    Args:
        lstm_seconds, gru_seconds: At least three timed epochs each (the
            first, which traces the graph, left out).

    Returns:
        `(holds, evidence)`.

    Raises:
        ValueError: Fewer than three measurements of either.
    """
    if min(len(lstm_seconds), len(gru_seconds)) < 3:
        raise ValueError(f"Expected at least three timed epochs of each cell. Received: "
                         f"{len(lstm_seconds)} (LSTM) and {len(gru_seconds)} (GRU)")
    lstm_low, lstm_median, lstm_high = np.percentile(lstm_seconds, [25, 50, 75])
    gru_low, gru_median, gru_high = np.percentile(gru_seconds, [25, 50, 75])
    separated = gru_high < lstm_low or lstm_high < gru_low
    reading = ("the middle halves do not overlap" if separated
               else "the middle halves overlap: no difference beyond the spread")
    return (
        bool(gru_median < lstm_median and gru_high < lstm_low),
        f"seconds per epoch, median (range): LSTM {spread(lstm_seconds)}, GRU {spread(gru_seconds)}; "
        f"middle halves LSTM {lstm_low:.2f}-{lstm_high:.2f}, GRU {gru_low:.2f}-{gru_high:.2f}, {reading}; "
        f"LSTM/GRU median ratio {lstm_median / gru_median:.2f}")


def forecast_outcome(network_maes: Sequence[float], baseline_mae: float) -> tuple[bool, str]:
    """Decides 'the network forecasts CO2 better than a baseline' on the same test windows.

    Holds when *every* seed's test MAE is below the baseline's (the
    baselines are deterministic): beating it with a lucky seed does not count.

    Args:
        network_maes: The network's test MAE for each seed, at least one.
        baseline_mae: The baseline's test MAE.

    Returns:
        `(holds, evidence)`.
    """
    maes = [float(v) for v in network_maes]
    if not maes:
        raise ValueError("Expected at least one network MAE. Received: none")
    worst, best = max(maes), min(maes)
    return (worst < float(baseline_mae),
            f"test MAE over {len(maes)} seeds {statistics.median(maes):.3f} ppm "
            f"(range {best:.3f}-{worst:.3f}) against {float(baseline_mae):.3f} ppm")


def paired_accuracy_difference(labels: Sequence[int], first: Sequence[int],
                               second: Sequence[int]) -> tuple[float, float]:
    """Accuracy of `first` minus accuracy of `second` on the same examples, and its standard error.

    Paired: only the examples where exactly one of the two is right carry
    information (McNemar's view), so the standard error is
    `sqrt(b + c - (b - c)^2 / n) / n` with `b`, `c` the counts of examples
    only `first`, only `second` got right.
    """
    truth, ours, theirs = (np.asarray(a) for a in (labels, first, second))
    if not truth.shape == ours.shape == theirs.shape or truth.ndim != 1 or not len(truth):
        raise ValueError(f"Expected three 1-D arrays of the same non-zero length. Received: shapes "
                         f"{truth.shape}, {ours.shape}, {theirs.shape}")
    n = len(truth)
    right_a, right_b = ours == truth, theirs == truth
    b, c = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    difference = (b - c) / n
    error = float(np.sqrt(max(b + c - (b - c) ** 2 / n, 0.0))) / n
    return float(difference), error


def hybrid_outcome(pairs: Sequence[tuple[Sequence[int], Sequence[int], Sequence[int]]]) -> tuple[bool, str]:
    """Decides 'a CNN front end read by an RNN beats a plain CNN of the same size' on the same test images.

    Holds when, for every training seed, the CNN + RNN's accuracy exceeds
    the plain CNN's by more than two standard errors of the paired
    difference (so that neither a gap the test set's sampling alone could
    produce nor one lucky seed counts).

    Args:
        pairs: One `(labels, hybrid_predictions, plain_predictions)` per
            seed, the two networks of a seed scored on the same test images.

    Returns:
        `(holds, evidence)`.
    """
    if not pairs:
        raise ValueError("Expected at least one seed's predictions. Received: none")
    wins, lines = [], []
    for labels, hybrid_predictions, plain_predictions in pairs:
        difference, error = paired_accuracy_difference(labels, hybrid_predictions, plain_predictions)
        truth = np.asarray(labels)
        hybrid = float(np.mean(np.asarray(hybrid_predictions) == truth))
        plain = float(np.mean(np.asarray(plain_predictions) == truth))
        wins.append(difference > 2 * error)
        lines.append(f"{hybrid:.4f} against {plain:.4f} (difference {difference:+.4f}, two standard errors "
                     f"{2 * error:.4f})")
    return (all(wins), f"test accuracy on the same {len(pairs[0][0]):,} images, per seed: " + "; ".join(lines))
