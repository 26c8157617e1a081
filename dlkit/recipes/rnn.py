"""Deprecated: the recurrent recipes, now the families `memory`, `rows`, `forecaster`,
`char-lm` and `conv-rnn` of `dlkit.families.FAMILIES` (kept for one release)."""

import dataclasses
import functools

from dlkit.families import char_lm, conv_rnn, forecaster, memory, rows
from dlkit.recipes.common import deprecated_train

MEMORY_FULL, MEMORY_FAST = memory.FULL.as_dict(), memory.FAST.as_dict()
ROWS_FULL, ROWS_FAST = rows.FULL.as_dict(), rows.FAST.as_dict()
CO2_FULL, CO2_FAST = forecaster.FULL.as_dict(), forecaster.FAST.as_dict()
CONV_RNN_FULL, CONV_RNN_FAST = conv_rnn.FULL.as_dict(), conv_rnn.FAST.as_dict()
CHAR_FULL, CHAR_FAST = char_lm.FULL.as_dict(), char_lm.FAST.as_dict()
split_words = char_lm.split_words


def train_memory_task(cell, fast=False, seed=0, verbose=0, callbacks=(), **overrides):
    return deprecated_train("train_memory_task", "memory", fast, {**overrides, "cell": cell}, seed=seed,
                            verbose=verbose, callbacks=callbacks)


def train_rows_classifier(cell, fast=False, seed=0, data_dir=None, verbose=0, callbacks=(), **overrides):
    return deprecated_train("train_rows_classifier", "rows", fast, {**overrides, "cell": cell}, seed=seed,
                            data_dir=data_dir, verbose=verbose, callbacks=callbacks)


def train_co2_forecaster(cell, fast=False, seed=0, verbose=0, windows=None, callbacks=(), **overrides):
    family = forecaster.FAMILY
    if windows is not None:  # the caller's windows, as the recipe took them
        family = dataclasses.replace(family, fit=functools.partial(forecaster.fit, windows=windows))
    return deprecated_train("train_co2_forecaster", family, fast, {**overrides, "cell": cell},
                            seed=seed, verbose=verbose, callbacks=callbacks)


def train_conv_rnn_classifier(cell="lstm", fast=False, seed=0, data_dir=None, verbose=0, **overrides):
    return deprecated_train("train_conv_rnn_classifier", "conv-rnn", fast, {**overrides, "cell": cell},
                            seed=seed, data_dir=data_dir, verbose=verbose)


def train_char_language_model(cell="lstm", fast=False, seed=0, words=None, verbose=0, callbacks=(),
                              **overrides):
    family = char_lm.FAMILY
    if words is not None:  # the caller's word list: the same family, reading it instead of load_words()
        family = dataclasses.replace(family, fit=functools.partial(char_lm.fit, words=words))
    return deprecated_train("train_char_language_model", family, fast, {**overrides, "cell": cell},
                            seed=seed, verbose=verbose, callbacks=callbacks)


def _settings(settings):
    return forecaster.ForecasterSettings(**settings) if isinstance(settings, dict) else settings


def prepare_co2_windows(settings):
    """`families.forecaster.prepare_windows` for a recipe's settings dict."""
    return forecaster.prepare_windows(_settings(settings))


def co2_baselines(windows, settings):
    """`families.forecaster.baselines` for a recipe's settings dict."""
    return forecaster.baselines(windows, _settings(settings))

