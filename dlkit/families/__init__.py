"""The registry of families: the one place that lists what dlkit trains.

`FAMILIES` maps a name to a `Family` (its settings dataclass, `FULL` and
`FAST` runs, and `train`). The command line (`dlkit train NAME`), the tour,
the tests and the README's table of families all read it; adding a family
means its module, one line below, its notebook and its tests.

Example:

>>> import dataclasses
>>> from dlkit import families
>>> fam = families.FAMILIES["dcgan"]
>>> result = fam.train(dataclasses.replace(fam.FULL, epochs=3), seed=0, out="runs/dcgan")
>>> result.model, result.history, result.metrics, result.timing

Importing this package does not import TensorFlow (`dlkit --help` lists the
families); training does.
"""

from __future__ import annotations

from dlkit.families import (
    char_lm,
    cnn,
    conditional_gan,
    conv_rnn,
    forecaster,
    gans,
    memory,
    rows,
    seq2seq,
    text,
)
from dlkit.families.base import (
    Family,
    Fitted,
    Run,
    Settings,
    SettingsError,
    Timing,
    TrainingResult,
)

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        cnn.FAMILY,
        memory.FAMILY,
        rows.FAMILY,
        forecaster.FAMILY,
        char_lm.FAMILY,
        conv_rnn.FAMILY,
        text.FAMILY,
        seq2seq.FAMILY,
        gans.DCGAN,
        gans.WGAN_GP,
        gans.WGAN,
        conditional_gan.FAMILY,
    )
}

# `dlkit train lstm|gru --task TASK`, the command line before this registry,
# maps to these families with `cell` set: kept for one release.
LEGACY_TASKS = {"co2": "forecaster", "words": "char-lm", "rows": "rows", "memory": "memory"}


def get(name: str) -> Family:
    """The family called `name`; a `ValueError` lists the known ones otherwise."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"Expected a family from {list(FAMILIES)}. Received: {name!r}") from None


def register(family: Family) -> Family:
    """Adds `family` to `FAMILIES` (a name already there is a `ValueError`). Returns it.

    The families dlkit ships are listed above; this is for a family defined
    elsewhere (a user's, a test's) that should appear in `dlkit train`,
    the tour and their reports like the shipped ones.
    """
    if not isinstance(family, Family):
        raise ValueError(f"Expected a dlkit.families.Family. Received: {type(family).__name__}")
    if family.name in FAMILIES:
        raise ValueError(f"Expected a new family name. Received: {family.name!r}, already registered")
    FAMILIES[family.name] = family
    return family


def unregister(name: str) -> None:
    """Removes a family added with `register`."""
    FAMILIES.pop(get(name).name)


def markdown_table() -> str:
    """The README's table of families, generated from the registry (a test keeps them equal)."""
    rows = ["| `dlkit train` name | model | task | tour |", "|---|---|---|---|"]
    for family in FAMILIES.values():
        rows.append(f"| `{family.name}` | {family.title} | {family.task} | "
                    f"{'yes' if family.tour is not None else 'no'} |")
    return "\n".join(rows) + "\n"


__all__ = [
    "FAMILIES",
    "LEGACY_TASKS",
    "Family",
    "Fitted",
    "Run",
    "Settings",
    "SettingsError",
    "Timing",
    "TrainingResult",
    "get",
    "markdown_table",
    "register",
    "unregister",
]
