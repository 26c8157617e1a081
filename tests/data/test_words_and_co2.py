import numpy as np
import pandas as pd
import pytest

from dlkit.data import DataNotFoundError, load_co2, load_words
from dlkit.data.words import SYSTEM_WORDS
from tests.conftest import missing_data


def test_system_words_are_unique_lowercase_letters():
    if not SYSTEM_WORDS.is_file():
        missing_data("word list not installed: sudo apt-get install wamerican")
    words = load_words()
    assert len(words) > 50_000
    assert len(set(words)) == len(words)
    assert all(w.isascii() and w.isalpha() and w.islower() for w in words)
    assert "house" in words


def test_words_filtering_and_lengths(tmp_path):
    path = tmp_path / "words"
    path.write_text("Cat\ncat\ndog's\ncafé\nzebra\nox\n\n")
    assert load_words(path) == ["cat", "ox", "zebra"]
    assert load_words(path, min_length=3, max_length=3) == ["cat"]


def test_words_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="wamerican"):
        load_words(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("123\n")
    with pytest.raises(ValueError, match="letters a-z"):
        load_words(empty)
    with pytest.raises(ValueError, match="min_length=0"):
        load_words(empty, min_length=0)


def test_co2_is_weekly_complete_1958_to_2001():
    co2 = load_co2()
    assert isinstance(co2, pd.Series) and co2.name == "co2"
    assert co2.index.freqstr == "W-SAT"
    assert co2.isna().sum() == 0
    assert co2.index[0].year == 1958 and co2.index[-1].year == 2001
    steps = np.diff(co2.index.asi8)
    assert (steps == steps[0]).all()
    assert 300 < co2.min() and co2.max() < 400


def test_co2_gaps_are_filled_by_time_interpolation():
    from statsmodels.datasets import co2 as raw_module

    raw = raw_module.load_pandas().data["co2"]
    missing = raw.index[raw.isna()]
    assert len(missing) > 0, "the raw series has gaps; the test below checks how they are filled"
    co2 = load_co2()
    # Measured weeks are untouched.
    measured = raw.dropna()
    np.testing.assert_allclose(co2.loc[measured.index].to_numpy(), measured.to_numpy())
    # A filled week lies on the straight line between its measured neighbours.
    week = missing[0]
    before = measured[measured.index < week].index[-1]
    after = measured[measured.index > week].index[0]
    w = (week - before) / (after - before)
    assert co2[week] == pytest.approx((1 - w) * raw[before] + w * raw[after])
