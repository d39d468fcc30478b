"""Calendar helpers shared by the analysis modules: local days, ISO weeks and periods.

A day is the user's local calendar day (the log's ``date`` column, naive midnight); a week is an
ISO week starting on Monday, labelled like ``2026-W13``. A period is two inclusive days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
import pandas as pd

DayLike = str | date | datetime | pd.Timestamp | None

# one resolution for every calendar frame so merges and reindexing never mix units
DATE_DTYPE = "datetime64[us]"


def to_day(value: DayLike) -> pd.Timestamp | None:
    """Return ``value`` as a naive midnight timestamp (its local calendar day), or None.

    An aware datetime is taken at its own wall clock: its calendar day is the one it shows.
    """
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a date; use a form like 2026-03-29") from None
    if stamp is pd.NaT:
        raise ValueError(f"{value!r} is not a date; use a form like 2026-03-29")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize().as_unit("us")


def day_series(values: pd.Series) -> pd.Series:
    """Return a ``date`` column at one resolution (a new Series)."""
    return values.astype(DATE_DTYPE)


def week_start(days: pd.Series) -> pd.Series:
    """The Monday starting the ISO week of each day."""
    days = day_series(days)
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def week_label(starts: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """ISO week labels like ``2026-W13`` for week-start Mondays."""
    starts = pd.Series(starts)
    # label each distinct week once: a daily frame repeats every week seven times
    codes, distinct = pd.factorize(starts)
    iso = pd.Series(distinct).dt.isocalendar()
    labels = (iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)).to_numpy()
    if not len(labels):
        return pd.Series([""] * len(starts), index=starts.index, dtype=str)
    return pd.Series(np.where(codes >= 0, labels[codes], ""), index=starts.index, dtype=str)


def period_bounds(
    day_columns: Iterable[pd.Series], start: DayLike = None, end: DayLike = None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The period's first and last day: the given ones, else the first and last day seen.

    Returns ``(None, None)`` when no day is given or seen.
    """
    first, last = to_day(start), to_day(end)
    seen = [day_series(days) for days in day_columns if len(days)]
    if seen:
        lows = min(days.min() for days in seen)
        highs = max(days.max() for days in seen)
        first = first if first is not None else lows
        last = last if last is not None else highs
    if first is None or last is None:
        return None, None
    if first > last:
        raise ValueError(f"the period starts ({first:%Y-%m-%d}) after it ends ({last:%Y-%m-%d})")
    return first, last


def within(
    frame: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> pd.DataFrame:
    """Rows of ``frame`` whose ``date`` lies in the inclusive period (a new frame)."""
    # pandas copy-on-write: the result is a new frame, and changing it never touches ``frame``
    if start is None or end is None:
        return frame.iloc[0:0]
    days = frame["date"]
    inside = (days >= start) & (days <= end)
    return frame.copy(deep=False) if bool(inside.all()) else frame.loc[inside]


def all_days(start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DatetimeIndex:
    """Every calendar day of the period (empty without a period)."""
    if start is None or end is None:
        return pd.DatetimeIndex([], dtype=DATE_DTYPE, name="date")
    return pd.date_range(start, end, freq="D", unit="us", name="date")


def all_weeks(start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Every ISO week touching the period: ``week``, ``week_start``, ``days_in_period``."""
    if start is None or end is None:
        return pd.DataFrame({
            "week": pd.Series(dtype=str),
            "week_start": pd.Series(dtype=DATE_DTYPE),
            "days_in_period": pd.Series(dtype="int64"),
        })  # fmt: skip
    first = week_start(pd.Series([start])).iloc[0]
    last = week_start(pd.Series([end])).iloc[0]
    starts = pd.Series(pd.date_range(first, last, freq="7D", unit="us"))
    ends = starts + pd.Timedelta(days=6)
    inside = (ends.clip(upper=end) - starts.clip(lower=start)).dt.days + 1
    return pd.DataFrame({
        "week": week_label(starts),
        "week_start": starts,
        "days_in_period": inside.astype("int64"),
    })  # fmt: skip
