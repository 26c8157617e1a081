"""What a family is made of: typed run settings, one result record, one registry entry.

A family trains one kind of model on one dataset (the CNN on Fashion-MNIST,
a GRU forecasting CO2, a DCGAN drawing clothes). It supplies:

- a frozen `Settings` dataclass, validated when made, with two named
  instances: `FULL` (the tuned run) and `FAST` (a smoke test);
- `fit(settings, run) -> Fitted`: load the data, build, `fit()` with the
  callbacks the runner hands over, and measure;
- how to present a run: a one-line `headline`, a report section for the tour.

Everything runs share (seeding, the output directory, backup and resume,
saving, NaN stopping, timing, TensorBoard) is `dlkit.runner`'s, not the
family's.

This module imports neither Keras nor TensorFlow: `dlkit --help` lists the
families without paying for that import.
"""

from __future__ import annotations

import dataclasses
import difflib
import statistics
import sys
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, TypeVar

import numpy as np

from dlkit import validation

if TYPE_CHECKING:
    from typing_extensions import Unpack, dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # only type checkers read it
    def dataclass_transform(**kwargs: Any) -> Callable[[Any], Any]:
        return lambda function: function

S = TypeVar("S", bound="Settings")
T = TypeVar("T")


class SettingsError(ValueError, TypeError):
    """A setting that does not exist, or a value it cannot take.

    Both a `ValueError` (a bad value) and a `TypeError` (what
    `dataclasses.replace` raises for a name the dataclass does not have), so
    code that catches either sees it.
    """


@dataclasses.dataclass(frozen=True)
class Settings:
    """The base of every family's run settings.

    Subclasses add their fields (each with a default) and check them in
    `validate`, which `__post_init__` calls. A frozen dataclass: change a
    copy with `settings.replace(epochs=3)` (which names a misspelt field and
    suggests the right one) or `dataclasses.replace` (a `TypeError` for an
    unknown name).

    Attributes:
        epochs: Passes over the training data. Defaults to `1`.
        batch_size: Examples per training step (the global batch under a
            `tf.distribute` strategy). Defaults to `32`.
    """

    epochs: int = 1
    batch_size: int = 32

    # Fields that may differ between a run and its `resume` (more epochs continue it).
    RESUMABLE_CHANGES: ClassVar[tuple[str, ...]] = ("epochs",)

    def __post_init__(self) -> None:
        # Plain Python values (NumPy integers, lists of filters) so that settings hash, compare and
        # serialise like their defaults; then the checks.
        for name, hint in _hints(type(self)).items():
            object.__setattr__(self, name, _plain(getattr(self, name), hint))
        try:
            validation.check_positive_int("epochs", self.epochs)
            validation.check_positive_int("batch_size", self.batch_size)
            self.validate()
        except SettingsError:
            raise
        except ValueError as e:
            raise SettingsError(f"{type(self).__qualname__}: {e}") from None

    def validate(self) -> None:
        """Checks the subclass's fields; raises `ValueError` naming the field and the value."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def check_names(cls, names: Sequence[str]) -> None:
        """`SettingsError` for the first name that is not a field, with the closest match."""
        fields = cls.field_names()
        for name in names:
            if name not in fields:
                close = difflib.get_close_matches(name, fields, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise SettingsError(
                    f"{cls.__qualname__} has no setting {name!r}.{hint} Expected one of: "
                    f"{', '.join(fields)}. Received: {name}"
                )

    def replace(self: S, **changes: Any) -> S:
        """A copy with `changes` applied and validated.

        Raises:
            SettingsError: A name is not a field, or a value is out of range.
        """
        self.check_names(list(changes))
        return dataclasses.replace(self, **changes)

    def with_text(self: S, changes: Mapping[str, str]) -> S:
        """A copy with values given as text (`--set units=64` on the command line), parsed by type."""
        self.check_names(list(changes))
        hints = _hints(type(self))
        return dataclasses.replace(self, **{name: _parse(name, text, hints[name]) for name, text in changes.items()})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass_transform(frozen_default=True)
def settings(**defaults: Any) -> Callable[[type[T]], type[T]]:
    """Makes a family's frozen settings dataclass; `defaults` set the inherited fields' defaults.

    A family's settings class declares its own fields as usual; the fields it
    inherits (`epochs`, `batch_size`, a recurrent family's `cell`, ...) take
    the family's values from the decorator, so that the class's defaults are
    its full run and each inherited field stays declared (and documented) once.

    Example:

    >>> @settings(epochs=15, batch_size=64)
    ... class MemorySettings(RecurrentSettings):
    ...     length: int = 100

    Raises:
        TypeError: A name in `defaults` is not an inherited field.
    """

    def make(cls: type[T]) -> type[T]:
        # Every dataclass base's fields (`dataclasses.fields(cls)` would see the first base's only).
        inherited = {f.name: f for base in reversed(cls.__mro__[1:]) if dataclasses.is_dataclass(base)
                     for f in dataclasses.fields(base)}
        own = dict(cls.__dict__.get("__annotations__", {}))
        annotations = {}
        for name, value in defaults.items():
            if name not in inherited or name in own:
                raise TypeError(f"{cls.__qualname__}: expected defaults for inherited fields "
                                f"({', '.join(inherited)}). Received: {name}")
            annotations[name] = inherited[name].type
            setattr(cls, name, value)
        cls.__annotations__ = {**annotations, **own}
        return dataclasses.dataclass(frozen=True)(cls)

    return make


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A settings class's fields and their types (resolved once per class)."""
    if cls not in _HINTS:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _HINTS[cls]


def _plain(value: Any, hint: Any) -> Any:
    """NumPy scalars as Python ones and sequences as tuples where the field's type says so.

    A value of another type is left as it is, for the checks to refuse by name.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if typing.get_origin(hint) is tuple and isinstance(value, (list, tuple, np.ndarray)):
        return tuple(v.item() if isinstance(v, np.generic) else v for v in value)
    if float in (hint, *typing.get_args(hint)) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _parse(name: str, text: str, hint: Any) -> Any:
    """`text` as a value of the field's type: int, float, bool, str, a tuple of ints, or optional."""
    args = typing.get_args(hint)
    if type(None) in args:
        if text.strip().lower() in ("none", ""):
            return None
        hint = next(a for a in args if a is not type(None))
        args = typing.get_args(hint)
    try:
        if hint is bool:
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
        if hint is int:
            return int(text)
        if hint is float:
            return float(text)
        if typing.get_origin(hint) is tuple:
            return tuple(int(part) for part in text.replace(",", " ").split())
    except ValueError:
        kind = getattr(hint, "__name__", str(hint))
        raise SettingsError(f"Expected `{name}` as {kind} text. Received: {name}={text!r}") from None
    return text


@dataclasses.dataclass
class Timing:
    """How long a run trained, with one definition for every family.

    Attributes:
        train_seconds: Wall time of `model.fit`, from its first to its last
            callback: tracing, validation and per-epoch callbacks (sample
            grids, quality measurements) included; loading data, building the
            model and the final evaluation excluded.
        epoch_seconds: Wall time of every epoch trained (`on_epoch_begin` to
            `on_epoch_end`, validation included).
        examples_per_epoch: Training examples one epoch reads (images,
            sequences, words; after a GAN's dropped remainder).
    """

    train_seconds: float
    epoch_seconds: list[float]
    examples_per_epoch: int

    @property
    def seconds_per_epoch(self) -> float | None:
        """The median epoch (the first one traces the graph), or `None` when no epoch ran."""
        return statistics.median(self.epoch_seconds) if self.epoch_seconds else None

    @property
    def examples_per_second(self) -> float | None:
        """`examples_per_epoch` over the median epoch: the steady-state throughput."""
        median = self.seconds_per_epoch
        return self.examples_per_epoch / median if median else None

    def as_dict(self) -> dict[str, Any]:
        per_epoch, per_second = self.seconds_per_epoch, self.examples_per_second
        return {
            "train_seconds": round(self.train_seconds, 2),
            "seconds_per_epoch": None if per_epoch is None else round(per_epoch, 2),
            "examples_per_second": None if per_second is None else round(per_second, 1),
            "examples_per_epoch": self.examples_per_epoch,
        }


class TrainOptions(TypedDict, total=False):
    """The keyword arguments of `Family.train`, documented at `dlkit.runner.train`."""

    seed: int
    out: str | Path | None
    data_dir: str | Path | None
    callbacks: Sequence[Any]
    resume: bool
    overwrite: bool
    keep_backup: bool
    tensorboard: str | Path | None
    verbose: int | str


@dataclasses.dataclass
class Run:
    """What the runner hands a family's `fit`.

    Attributes:
        seed: The run's seed (everything is seeded with it before `fit` is called).
        callbacks: Keras callbacks every `fit()` call must pass on: the
            runner's (timing, NaN stop, backup, TensorBoard), then the user's.
        verbose: Keras `fit` verbosity.
        data_dir: Where the family's data is looked up first, or `None`.
        out: The run's output directory (checked, created), or `None`.
        tensorboard: The run's TensorBoard log directory, or `None`.
    """

    seed: int
    callbacks: list[Any]
    verbose: int | str = 2
    data_dir: str | Path | None = None
    out: Path | None = None
    tensorboard: Path | None = None


@dataclasses.dataclass
class Fitted:
    """What a family's `fit` returns to the runner.

    Attributes:
        model: The trained Keras model (a GAN loop for the GAN families).
        history: `History.history`: per-epoch logs.
        metrics: The headline measurements (JSON-friendly values).
        examples_per_epoch: See `Timing`.
        extras: Anything else a caller may want (test predictions, forecasts,
            the vocabulary, the sample-grid callback).
        write_files: Writes the family's own files into the output directory
            (a progress GIF), returning them by name; called before the model
            is saved, so that the backup stays until everything is written.
    """

    model: Any
    history: dict[str, list[float]]
    metrics: dict[str, Any]
    examples_per_epoch: int
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)
    write_files: Callable[[Path], dict[str, Path]] | None = None


@dataclasses.dataclass
class TrainingResult:
    """One trained run, the same record for every family.

    Attributes:
        family: The family's registry name.
        settings: The settings it ran with.
        seed: The seed.
        model: The trained model.
        history: Per-epoch logs (`History.history`).
        metrics: Headline measurements, `parameters`, `epochs_run`, the
            `Timing` fields, `seed` and `settings`: what `<name>_metrics.json`
            holds.
        timing: See `Timing`.
        paths: Files written, by role (`model`, `metrics`, ...); empty without `out`.
        extras: The family's further results (see `Fitted.extras`).
    """

    family: str
    settings: Settings
    seed: int
    model: Any
    history: dict[str, list[float]]
    metrics: dict[str, Any]
    timing: Timing
    paths: dict[str, Path] = dataclasses.field(default_factory=dict)
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def model_path(self) -> Path | None:
        return self.paths.get("model")

    @model_path.setter
    def model_path(self, path: Path) -> None:  # the recipes' results had a plain attribute
        self.paths["model"] = Path(path)

    # The classifier families' test-set results, under the names the recipes used.
    @property
    def test_images(self) -> Any:
        return self.extras.get("test_images")

    @property
    def test_labels(self) -> Any:
        return self.extras.get("test_labels")

    @property
    def test_predictions(self) -> Any:
        return self.extras.get("test_predictions")


# `Family` has a field named `Settings`; inside its body, this is the class.
_Settings = Settings


@dataclasses.dataclass(frozen=True)
class Family:
    """One registry entry: a family's settings, its training and its presentation.

    Attributes:
        name: Registry name, also `dlkit train NAME` and the run's file prefix.
        title: A short display name (`"CNN"`, `"LSTM forecaster"`).
        task: What it learns, on what data (one line, for tables).
        Settings: The settings dataclass.
        FULL: The tuned run.
        FAST: The smoke run (`--fast`, the tests, CI).
        fit: `fit(settings, run) -> Fitted`.
        headline: One line from a run's metrics (`test accuracy 0.9123`).
        tour: The settings the tour trains (its full run), or `None` to leave
            the family out of the tour. The fast tour trains `FAST`.
        report: Adds the family's section to the tour's report, or `None`
            for a plain one (headline and learning curves).
        outputs: Entries the family writes into the output directory besides
            the runner's (`<name>.keras`, `_metrics.json`, `_run.json`, `_backup`).
        tour_seconds: Rough seconds of its tour run on two CPU cores, full and
            fast, for the tour's estimate of the time left. Defaults to `(60, 10)`.
    """

    name: str
    title: str
    task: str
    Settings: type[_Settings]
    FULL: _Settings
    FAST: _Settings
    fit: Callable[[Any, Run], Fitted]
    headline: Callable[[Mapping[str, Any]], str]
    tour: _Settings | None = None
    report: Callable[[Any, TrainingResult], None] | None = None
    outputs: tuple[str, ...] = ()
    tour_seconds: tuple[float, float] = (60.0, 10.0)

    def __post_init__(self) -> None:
        for label, settings in (("FULL", self.FULL), ("FAST", self.FAST), ("tour", self.tour)):
            if settings is not None and type(settings) is not self.Settings:
                raise TypeError(f"Family {self.name!r}: expected {label} to be a {self.Settings.__name__}. "
                                f"Received: {type(settings).__name__}")

    def train(self, settings: _Settings | None = None, **options: Unpack[TrainOptions]) -> TrainingResult:
        """Trains this family with `settings` (defaults to `FULL`).

        The keyword arguments (`seed`, `out`, `data_dir`, `callbacks`,
        `resume`, `overwrite`, `keep_backup`, `tensorboard`, `verbose`) are
        `dlkit.runner.train`'s.

        Example:

        >>> cnn = dlkit.families.FAMILIES["cnn"]
        >>> result = cnn.train(cnn.FAST.replace(epochs=2), seed=0, out="runs")
        """
        # Imported here: dlkit.runner imports Keras, which `dlkit --help` must not pay for.
        from dlkit import runner

        return runner.train(self, self.FULL if settings is None else settings, **options)
