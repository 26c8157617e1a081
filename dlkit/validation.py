"""Argument checks shared across the package (builders, GAN loops, data
pipelines): each raises ValueError that says what was expected and what was
received, in Keras's "Expected ... Received: arg=value" form."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

# The recurrent cells every recurrent builder and family accepts.
RECURRENT_CELLS = ("lstm", "gru", "simple")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_positive_int(arg: str, value: Any, minimum: int = 1) -> int:
    if not _is_int(value) or value < minimum:
        raise ValueError(f"Expected `{arg}` to be an integer >= {minimum}. Received: {arg}={value!r}")
    return int(value)


def check_positive_int_sequence(arg: str, value: Any, allow_empty: bool = False) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"Expected `{arg}` to be a sequence of positive integers. Received: {arg}={value!r}")
    value = tuple(value)
    if (not value and not allow_empty) or not all(_is_int(v) and v >= 1 for v in value):
        raise ValueError(
            f"Expected `{arg}` to be a {'' if allow_empty else 'non-empty '}sequence of positive "
            f"integers. Received: {arg}={value!r}"
        )
    return tuple(int(v) for v in value)


def check_rate(arg: str, value: Any) -> float:
    if not _is_real(value) or not 0 <= value < 1:
        raise ValueError(f"Expected `{arg}` in [0, 1). Received: {arg}={value!r}")
    return float(value)


def check_choice(arg: str, value: T, choices: Collection[Any]) -> T:
    if value not in choices:
        raise ValueError(f"Expected `{arg}` to be one of {list(choices)}. Received: {arg}={value!r}")
    return value


def check_input_shape(arg: str, value: Any, rank: int) -> tuple[int, ...]:
    try:
        shape = tuple(value)
    except TypeError:
        shape = None
    if shape is None or len(shape) != rank or not all(_is_int(v) and v >= 1 for v in shape):
        raise ValueError(
            f"Expected `{arg}` to be {rank} positive integers. Received: {arg}={value!r}"
        )
    return tuple(int(v) for v in shape)


def check_symmetric_images(arg: str, images: Any, tolerance: float, note: str = "") -> None:
    """Float images must be finite and in [-1, 1] (a `tanh` generator's range), within `tolerance`.

    Args:
        arg: The argument's name, for the message.
        images: Float array.
        tolerance: How far past -1 or 1 a value may lie (rounding of scaled data).
        note: Appended to the NaN message, e.g. a likely cause. Defaults to `""`.
    """
    bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
    if bad:
        raise ValueError(f"Expected `{arg}` as finite floats in [-1, 1]. Received: {bad} NaN or infinite "
                         f"values{note}")
    low, high = float(np.min(images)), float(np.max(images))
    if low < -1.0 - tolerance or high > 1.0 + tolerance:
        raise ValueError(f"Expected `{arg}` as floats in [-1, 1] (the generator's tanh range). "
                         f"Received: values in [{low:.3g}, {high:.3g}]")


def check_positive_float(arg: str, value: Any) -> float:
    if not _is_real(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"Expected `{arg}` to be a positive number. Received: {arg}={value!r}")
    return float(value)


def check_non_negative_float(arg: str, value: Any) -> float:
    if not _is_real(value) or not np.isfinite(value) or value < 0:
        raise ValueError(f"Expected `{arg}` to be a finite number >= 0. Received: {arg}={value!r}")
    return float(value)


def check_at_most(arg: str, value: Any, limit: int, what: str) -> None:
    """`value` (an integer or `None`) must not exceed `limit`, the size of `what`."""
    if value is not None and value > limit:
        raise ValueError(f"Expected `{arg}` at most {limit:,} ({what}). Received: {arg}={value!r}")


def check_fraction(arg: str, value: Any) -> float:
    """A share strictly between 0 and 1 (a split of a dataset)."""
    if not _is_real(value) or not 0 < value < 1:
        raise ValueError(f"Expected `{arg}` strictly between 0 and 1. Received: {arg}={value!r}")
    return float(value)


def check_bool(arg: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Expected `{arg}` to be True or False. Received: {arg}={value!r}")
    return bool(value)


def check_optional_positive_int(arg: str, value: Any) -> int | None:
    """`None` (not set) or an integer >= 1."""
    return None if value is None else check_positive_int(arg, value)
