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


# --- many patients at once: frames keyed by a ``patient`` column --------------------------------

PATIENT = "patient"  # the key column of every keyed frame
ONE = 0  # the key of a batch of one patient (the one-patient functions add and drop it)


def keyed(frame: pd.DataFrame, key: object = ONE) -> pd.DataFrame:
    """``frame`` as a batch of one patient: a new frame with a constant ``patient`` column."""
    return frame.assign(**{PATIENT: key})


def unkeyed(frame: pd.DataFrame) -> pd.DataFrame:
    """A keyed frame of one patient without its ``patient`` column (a new frame, index reset)."""
    return frame.drop(columns=PATIENT).reset_index(drop=True)


def one_period(first: pd.Timestamp | None, last: pd.Timestamp | None,
               key: object = ONE, **columns: object) -> pd.DataFrame:
    """The ``patients`` frame of one patient (see :func:`patient_periods`)."""
    frame = pd.DataFrame({"first": pd.Series([first], dtype=DATE_DTYPE),
                          "last": pd.Series([last], dtype=DATE_DTYPE)},
                         index=pd.Index([key], name=PATIENT))
    for name, value in columns.items():
        frame[name] = pd.Series([value], index=frame.index, dtype=object)
    return frame


def patient_periods(day_frames: Iterable[pd.DataFrame], keys: pd.Index,
                    start: pd.Series | None = None, end: pd.Series | None = None
                    ) -> pd.DataFrame:
    """Each patient's period, as :func:`period_bounds` gives it for one patient.

    Parameters
    ----------
    day_frames
        Keyed frames with ``patient`` and ``date`` (the days seen).
    keys
        Every patient, also those without a day.
    start, end
        Given first and last days by patient (NaT or missing: the first or last day seen).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient``: ``first``, ``last`` (NaT for a patient with no day).
    """
    seen = [frame[[PATIENT, "date"]] for frame in day_frames if len(frame)]
    index = pd.Index(keys, name=PATIENT)
    if seen:
        days = pd.concat(seen, ignore_index=True)
        days["date"] = day_series(days["date"])
        span = days.groupby(PATIENT, sort=False)["date"].agg(["min", "max"]).reindex(index)
        lows, highs = span["min"], span["max"]
    else:
        lows = highs = pd.Series(pd.NaT, index=index, dtype=DATE_DTYPE)
    given_first = _given(start, index)
    given_last = _given(end, index)
    first = given_first.fillna(lows).astype(DATE_DTYPE)
    last = given_last.fillna(highs).astype(DATE_DTYPE)
    unknown = first.isna() | last.isna()
    first, last = first.mask(unknown), last.mask(unknown)
    backwards = first > last
    if bool(backwards.any()):
        key = backwards[backwards].index[0]
        raise ValueError(f"the period starts ({first[key]:%Y-%m-%d}) after it ends "
                         f"({last[key]:%Y-%m-%d})")
    return pd.DataFrame({"first": first, "last": last}, index=index)


def _given(days: pd.Series | None, index: pd.Index) -> pd.Series:
    if days is None:
        return pd.Series(pd.NaT, index=index, dtype=DATE_DTYPE)
    values = pd.Series([to_day(day) if day is not None and not pd.isna(day) else pd.NaT
                        for day in days.reindex(index)], index=index)
    return values.astype(DATE_DTYPE)


def keyed_within(frame: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """Rows of a keyed ``frame`` whose ``date`` lies in their patient's period (a new frame)."""
    bounds = patients.reindex(frame[PATIENT].to_numpy())
    days = day_series(frame["date"]).to_numpy()
    inside = (days >= bounds["first"].to_numpy()) & (days <= bounds["last"].to_numpy())
    return frame.copy(deep=False) if bool(inside.all()) else frame.loc[inside]


def keyed_days(patients: pd.DataFrame) -> pd.DataFrame:
    """Every calendar day of each patient's period: ``patient``, ``date``."""
    known = patients.dropna(subset=["first"])
    counts = ((known["last"] - known["first"]).dt.days.to_numpy(dtype="int64") + 1
              if len(known) else np.zeros(0, dtype="int64"))
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    days = (np.repeat(known["first"].to_numpy(), counts)
            + offset.astype("timedelta64[D]"))
    return pd.DataFrame({PATIENT: np.repeat(known.index.to_numpy(), counts),
                         "date": pd.Series(days, dtype=DATE_DTYPE)})


def keyed_weeks(patients: pd.DataFrame) -> pd.DataFrame:
    """Every ISO week touching each patient's period, as :func:`all_weeks` for one patient:
    ``patient``, ``week``, ``week_start``, ``days_in_period``."""
    known = patients.dropna(subset=["first"])
    firsts = week_start(known["first"])
    counts = (((week_start(known["last"]) - firsts).dt.days // 7).to_numpy(dtype="int64") + 1
              if len(known) else np.zeros(0, dtype="int64"))
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = pd.Series(np.repeat(firsts.to_numpy(), counts)
                       + (7 * offset).astype("timedelta64[D]"), dtype=DATE_DTYPE)
    first = pd.Series(np.repeat(known["first"].to_numpy(), counts), dtype=DATE_DTYPE)
    last = pd.Series(np.repeat(known["last"].to_numpy(), counts), dtype=DATE_DTYPE)
    ends = starts + pd.Timedelta(days=6)
    inside = (ends.where(ends < last, last) - starts.where(starts > first, first)).dt.days + 1
    return pd.DataFrame({
        PATIENT: np.repeat(known.index.to_numpy(), counts),
        "week": week_label(starts),
        "week_start": starts,
        "days_in_period": inside.astype("int64"),
    })  # fmt: skip


def threshold_values(plans: pd.Series, name: str) -> pd.Series:
    """One threshold (a field of :class:`~backrelief_analysis.plan.Thresholds`) of each
    patient's plan, indexed as ``plans`` (a Series of plans indexed by patient)."""
    return pd.Series([getattr(plan.thresholds, name) for plan in plans], index=plans.index,
                     dtype=object if name == "baseline_from" else "float64")
