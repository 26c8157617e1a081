"""The Mauna Loa CO2 series that ships inside statsmodels."""

from __future__ import annotations

import pandas as pd


def load_co2() -> pd.Series:
    """Loads weekly atmospheric CO2 at Mauna Loa, March 1958 to December 2001.

    The series ships with statsmodels (`statsmodels.datasets.co2`), so it
    needs no download. The raw series has weeks without a measurement; they
    are filled by linear interpolation in time between the nearest measured
    weeks (`pandas.Series.interpolate(method="time")`). Every gap lies inside
    the series, so nothing is extrapolated.

    Returns:
        A `pandas.Series` named `"co2"` of float64 parts per million, indexed
        by a weekly `DatetimeIndex` (weeks ending on Saturday, `freq="W-SAT"`)
        with no missing values.

    Example:

    >>> co2 = load_co2()
    >>> co2.index.freqstr, co2.isna().sum()
    ('W-SAT', 0)
    """
    from statsmodels.datasets import co2 as co2_dataset  # lazily: statsmodels is slow to import

    frame = co2_dataset.load_pandas().data
    series = frame["co2"].astype("float64")
    index = pd.DatetimeIndex(series.index)
    # Reindex on a complete weekly calendar so that missing weeks become
    # explicit NaNs rather than silently absent rows.
    full = pd.date_range(index.min(), index.max(), freq="W-SAT")
    series = pd.Series(series.to_numpy(), index=index).reindex(full)
    series = series.interpolate(method="time", limit_area="inside")
    series.name = "co2"
    series.index.name = "date"
    return series
