"""The walkthroughs' claims, decided by numbers: verdicts and short-run checks.

Two kinds of statement end a walkthrough's experiment:

- a `Verdict`: the textbook claim, whether it *held here* or *did not hold
  here*, and the numbers that decided it. It is computed, never typed: the
  experiment could have gone either way. A notebook displays it as the cell's
  output (it renders as Markdown in Jupyter).
- a check (`require`): an invariant the run must meet, raising `CheckFailed`
  otherwise. Each module here (`cnn`, `rnn`, `language`, `gan`, `text`,
  `conditional_gan`, `seq2seq`) holds its
  notebook's checks as functions, so that `tests/claims/` can call the same
  function on an *untrained* model's numbers and see it fail: a short-run
  check that an untrained model passes would prove nothing.

Example:

>>> from dlkit import claims
>>> claims.verdict("LSTM remembers what the plain RNN forgets", lstm_mse < 0.1 * rnn_mse,
...                f"validation MSE {lstm_mse:.3f} against {rnn_mse:.3f}")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class CheckFailed(AssertionError):
    """A walkthrough's run did not meet one of its checks."""


@dataclass(frozen=True)
class Verdict:
    """A claim, whether it held in this run, and the numbers that decided it."""

    claim: str
    holds: bool
    evidence: str

    @property
    def label(self) -> str:
        return "holds here" if self.holds else "does not hold here"

    def __str__(self) -> str:
        return f"{self.claim}: {self.label.upper()} ({self.evidence})"

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.holds else "❌"
        return f"{mark} **{self.claim}: {self.label}.** {self.evidence}"


def verdict(claim: str, holds: bool, evidence: str) -> Verdict:
    """Makes a `Verdict`; `holds` is the computed outcome of the comparison.

    Args:
        claim: The claim in a few words, as the notebook states it.
        holds: Whether the numbers support it (a NumPy bool is accepted).
        evidence: The numbers, formatted, that decided it.
    """
    return Verdict(str(claim), bool(holds), str(evidence))


def require(condition: bool, message: str) -> None:
    """Raises `CheckFailed(message)` unless `condition` holds.

    A walkthrough's checks use this rather than `assert`, which `python -O`
    removes.
    """
    if not bool(condition):
        raise CheckFailed(message)


_RUNS = Path(__file__).resolve().parent.parent / "assets" / "walkthrough_runs.json"


def run_length(notebook: str, path: str | Path | None = None) -> str:
    """How long a walkthrough's full and quick runs took when `make docs` last measured them.

    Read from `dlkit/assets/walkthrough_runs.json`, which `scripts/build_docs.py`
    (`make docs`) writes with the machine and the date of each measurement;
    the notebooks print this line instead of typing a run time into prose.

    Args:
        notebook: The notebook's file name without `.ipynb`
            (e.g. `"01_cnn_image_classification"`).
        path: Another record to read. Defaults to the one dlkit ships.

    Returns:
        One line per mode that was measured, or a line saying how to measure it.
    """
    record_path = Path(path) if path is not None else _RUNS
    try:
        record = json.loads(record_path.read_text()).get(notebook, {})
    except FileNotFoundError:
        record = {}
    lines = []
    for mode, meaning in (("full", "full run"), ("quick", "quick run (DLKIT_QUICK=1)")):
        run = record.get(mode)
        if run:
            minutes = run["seconds"] / 60
            took = f"{minutes:.0f} min" if minutes >= 2 else f"{run['seconds']:.0f} s"
            lines.append(f"{meaning}: {took} on {run['machine']}, measured {run['date']} by `make docs`")
    return "\n".join(lines) if lines else f"{notebook}: run time not measured yet (`make docs` measures it)"
