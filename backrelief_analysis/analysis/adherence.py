"""Adherence: sessions per ISO week against the plan, reps against what was prescribed, streaks.

Definitions used throughout
---------------------------
- A *session* counts when at least one of its blocks has ``reps_done > 0``; a session whose
  every block was skipped does not count.
- A session's day is the local calendar day it started on (the log's ``date`` column).
- Weekly adherence is ``sessions / target`` as a percentage and is **not capped** week by
  week: 8 sessions against 7 shows as 114 %, and counts as meeting the cut-off
  (``plan.thresholds.adherence_percent``). A week with no session is 0 %, never missing. The
  overall figure counts each week at most 100 % (:func:`overall_percent`): extra sessions one
  week do not make up a missed one.
- The sessions target comes from the plan (the log does not record it), day by day: each day
  carries a seventh of the weekly target in force on it, earlier ones listed in the plan's
  ``[[earlier_target]]`` tables. So a week the period cuts (its first or last) has a target pro
  rata to its days in the period (3 days of a 7-a-week plan: a target of 3), marked ``part``,
  and a target that changes mid-week counts pro rata to its days too. Reps are counted against
  each block's own ``reps_target``. Either way, a plan changed mid-way is counted against what
  was prescribed at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..log.schema import EXERCISE
from ..log.store import require_columns
from ..plan import Plan, same_plan
from .periods import (
    DATE_DTYPE,
    PATIENT,
    DayLike,
    all_days,
    day_series,
    keyed,
    keyed_days,
    keyed_weeks,
    keyed_within,
    one_period,
    period_bounds,
    threshold_values,
    unkeyed,
    week_label,
    week_start,
    within,
)

SESSION_COLUMNS = ("session_id", "date", "reps_done", "reps_target")
# a block's status in the log, each counted per exercise by exercise_adherence
BLOCK_STATUSES: tuple[str, ...] = EXERCISE["status"].choices or ()
DAYS_IN_WEEK = 7


def sessions(exercise: pd.DataFrame) -> pd.DataFrame:
    """One row per session of the exercise log.

    Parameters
    ----------
    exercise
        The exercise frame of a :class:`~backrelief_analysis.log.store.Log`, or a keyed one (with
        a ``patient`` column: see :func:`sessions_by_patient`).

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``date`` (local day it started), ``blocks``, ``reps_done``,
        ``reps_target``, ``counted`` (True when any block has reps done), sorted by date.
    """
    if PATIENT in exercise.columns:
        return sessions_by_patient(exercise)
    return unkeyed(sessions_by_patient(keyed(exercise)))


def sessions_by_patient(exercise: pd.DataFrame) -> pd.DataFrame:
    """:func:`sessions` of every patient of a keyed exercise frame, with ``patient`` first,
    sorted by patient, date and session."""
    require_columns(exercise, (PATIENT, *SESSION_COLUMNS), "the exercise log")
    # group on integer codes: grouping a million text ids directly is several times slower
    patient_codes, patients = pd.factorize(exercise[PATIENT])
    codes, ids = pd.factorize(exercise["session_id"])
    frame = pd.DataFrame({
        "pcode": patient_codes,
        "code": codes,
        "date": day_series(exercise["date"]).to_numpy(),
        "reps_done": exercise["reps_done"].to_numpy(dtype="int64"),
        "reps_target": exercise["reps_target"].to_numpy(dtype="int64"),
    })  # fmt: skip
    per_session = frame.groupby(["pcode", "code"], sort=True).agg(
        date=("date", "min"),
        blocks=("reps_done", "size"),
        reps_done=("reps_done", "sum"),
        reps_target=("reps_target", "sum"),
    ).reset_index()
    per_session.insert(0, PATIENT, patients.to_numpy()[per_session["pcode"].to_numpy()])
    per_session.insert(1, "session_id",
                       pd.Series(ids, dtype=str).to_numpy()[per_session["code"].to_numpy()])
    per_session["counted"] = per_session["reps_done"] > 0
    per_session = per_session.drop(columns=["pcode", "code"]).sort_values(
        [PATIENT, "date", "session_id"], kind="stable")
    return per_session.reset_index(drop=True)


def _session_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Accept the exercise log or a table already made by :func:`sessions` (saves a regroup)."""
    if {"counted", "blocks"} <= set(frame.columns):
        require_columns(frame, ("session_id", "date", "reps_done", "counted"), "the sessions table")
        return frame
    return sessions(frame)


def weekly_adherence(
    exercise: pd.DataFrame, plan: Plan, *, start: DayLike = None, end: DayLike = None
) -> pd.DataFrame:
    """Sessions per ISO week against the plan's target.

    Parameters
    ----------
    exercise
        The exercise frame of a Log (or its :func:`sessions` table).
    plan
        Gives ``target_sessions_per_week`` and the adherence cut-off.
    start, end
        The period (inclusive local days); by default the first and last day in the log.
        Every week touching the period appears, with 0 sessions when none was done.

    Returns
    -------
    pandas.DataFrame
        ``week`` (``2026-W13``), ``week_start`` (Monday), ``days_in_period`` (7 unless the period
        cuts the week), ``part`` (True when it does), ``sessions``, ``days_exercised``,
        ``target`` (pro rata to the days in the period and to the target of each day, so it
        may be fractional), ``percent`` (uncapped), ``meets_target`` (percent at or above the
        cut-off).
    """
    table = _session_table(exercise)
    first, last = period_bounds([table["date"]], start, end)
    patients = one_period(first, last, plan=plan)
    return unkeyed(weekly_adherence_by_patient(keyed(table), patients))


def weekly_adherence_by_patient(sessions: pd.DataFrame, patients: pd.DataFrame, *,
                                weeks: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`weekly_adherence` of every patient at once.

    Parameters
    ----------
    sessions
        A keyed :func:`sessions_by_patient` table (or a keyed exercise log).
    patients
        Indexed by ``patient``: ``first``, ``last`` (the period) and ``plan``.
    weeks
        :func:`~backrelief_analysis.analysis.periods.keyed_weeks` of ``patients``, when the
        caller has it.

    Returns
    -------
    pandas.DataFrame
        ``patient`` and the columns of :func:`weekly_adherence`, sorted by patient and week.
    """
    table = _session_table(sessions)
    weeks = keyed_weeks(patients) if weeks is None else weeks
    done = keyed_within(table.loc[table["counted"]], patients)
    done = done.assign(week_start=week_start(done["date"]))
    counts = done.groupby([PATIENT, "week_start"]).agg(
        sessions=("session_id", "size"), days_exercised=("date", "nunique")
    )
    result = weeks.merge(counts, how="left", left_on=[PATIENT, "week_start"], right_index=True)
    result["sessions"] = result["sessions"].fillna(0).astype("int64")
    result["days_exercised"] = result["days_exercised"].fillna(0).astype("int64")
    result["part"] = result["days_in_period"] < DAYS_IN_WEEK
    # sum whole targets, then divide once: seven days of 2/7 must make exactly 2
    plans = patients["plan"]
    changed = pd.Series([bool(plan.earlier_targets) for plan in plans], index=plans.index,
                        dtype=bool)
    steady = pd.Series([plan.target_sessions_per_week for plan in plans], index=plans.index,
                       dtype="int64")
    # one target throughout: a week's days in the period times it
    result["target"] = (result["days_in_period"].to_numpy()
                        * steady.reindex(result[PATIENT].to_numpy()).to_numpy()
                        ) / float(DAYS_IN_WEEK)
    if bool(changed.any()):  # a target that changed: day by day
        days = keyed_days(patients.loc[changed])
        days["target"] = targets_by_patient(days, plans.loc[changed])
        days["week_start"] = week_start(days["date"])
        target = days.groupby([PATIENT, "week_start"])["target"].sum() / float(DAYS_IN_WEEK)
        daily = result.join(target.rename("daily_target"), on=[PATIENT, "week_start"])
        result["target"] = daily["daily_target"].fillna(result["target"]).astype("float64")
    result["percent"] = 100.0 * result["sessions"] / result["target"]
    cutoff = threshold_values(patients["plan"], "adherence_percent")
    result["meets_target"] = result["percent"].to_numpy() >= cutoff.reindex(
        result[PATIENT].to_numpy()).to_numpy(dtype="float64")
    return result.reset_index(drop=True)


def targets_by_patient(days: pd.DataFrame, plans: pd.Series) -> pd.Series:
    """:func:`targets_by_day` of a keyed frame of days (``patient``, ``date``), each patient
    against their own plan (``plans``, indexed by patient)."""
    targets = pd.Series(0, index=days.index, dtype="int64")
    # one call per distinct plan: bundles carry equal plans read from different files
    groups: dict[object, list] = {}
    for key, plan in plans.items():
        groups.setdefault(same_plan(plan), []).append(key)
    for keys in groups.values():
        mine = days[PATIENT].isin(keys)
        targets.loc[mine] = targets_by_day(days.loc[mine, "date"], plans[keys[0]])
    return targets


def sessions_in_week(exercise: pd.DataFrame, day: date) -> int:
    """Counted sessions (at least one rep done) in the ISO week, Monday to Sunday, of ``day``.

    ``exercise`` is the exercise frame of a Log; a session belongs to the day it started.
    """
    table = sessions(exercise)
    monday = pd.Timestamp(day) - pd.Timedelta(days=day.weekday())
    in_week = (table["date"] >= monday) & (table["date"] < monday + pd.Timedelta(days=7))
    return int(table.loc[in_week, "counted"].sum())


def targets_by_day(days: pd.Series, plan: Plan) -> pd.Series:
    """The weekly session target in force on each day (a new Series, like ``plan.target_on``).

    Days before a change of plan keep the target of the time (``plan.earlier_targets``).
    """
    targets = pd.Series(int(plan.target_sessions_per_week), index=days.index, dtype="int64")
    # oldest first, so walk newest to oldest and let the earliest matching period win
    for earlier in reversed(plan.earlier_targets):
        targets = targets.mask(days <= pd.Timestamp(earlier.until), earlier.sessions_per_week)
    return targets


def overall_percent(weekly: pd.DataFrame) -> float:
    """Adherence over the period: sessions against target, each week counted at most 100 %.

    ``weekly`` is :func:`weekly_adherence`. NaN without a week.
    """
    result = overall_percent_by_patient(keyed(weekly))
    return float(result.iloc[0]) if len(result) else float("nan")


def overall_percent_by_patient(weekly: pd.DataFrame) -> pd.Series:
    """:func:`overall_percent` of every patient of a keyed weekly frame
    (:func:`weekly_adherence_by_patient`): a Series indexed by patient."""
    require_columns(weekly, (PATIENT, "sessions", "target"), "the weekly adherence")
    capped = weekly["sessions"].clip(upper=weekly["target"]).astype("float64")
    sums = pd.DataFrame({PATIENT: weekly[PATIENT].to_numpy(), "done": capped.to_numpy(),
                         "target": weekly["target"].to_numpy(dtype="float64")}).groupby(
        PATIENT, sort=False).sum()
    percent = 100.0 * sums["done"] / sums["target"].where(sums["target"] > 0)
    return percent.astype("float64")


def exercise_adherence(
    exercise: pd.DataFrame,
    plan: Plan | None = None,
    *,
    start: DayLike = None,
    end: DayLike = None,
) -> pd.DataFrame:
    """Reps done against reps prescribed, per exercise and side, over the period.

    The prescription is each block's own ``reps_target`` as logged, so weeks before a plan
    change keep their old targets.

    Returns
    -------
    pandas.DataFrame
        ``exercise``, ``name`` (from the plan, else the id), ``side``, ``blocks``,
        ``reps_done``, ``reps_target``, ``percent``, ``completed``, ``stopped``, ``skipped``
        (chosen to be skipped), ``not_reached`` (the session was stopped before them): block
        counts, in plan order, then any exercise the plan no longer has.
    """
    require_columns(exercise, ("exercise", "side", "status", *SESSION_COLUMNS), "the exercise log")
    first, last = period_bounds([exercise["date"]], start, end)
    rows = within(exercise, first, last)
    for status in BLOCK_STATUSES:
        rows[status] = rows["status"] == status
    table = rows.groupby(["exercise", "side"], sort=False, as_index=False).agg(
        blocks=("reps_done", "size"),
        reps_done=("reps_done", "sum"),
        reps_target=("reps_target", "sum"),
        **{status: (status, "sum") for status in BLOCK_STATUSES},
    )
    for column in ("blocks", "reps_done", "reps_target", *BLOCK_STATUSES):
        table[column] = table[column].astype("int64")
    table["percent"] = (100.0 * table["reps_done"] / table["reps_target"].where(
        table["reps_target"] > 0)).astype("float64")
    order = {ex.id: index for index, ex in enumerate(plan.exercises)} if plan else {}
    names = {ex.id: ex.name for ex in plan.exercises} if plan else {}
    table["name"] = table["exercise"].map(names).fillna(table["exercise"]).astype(str)
    table["_order"] = table["exercise"].map(order).fillna(len(order)).astype("int64")
    table = table.sort_values(["_order", "exercise", "side"], kind="stable")
    columns = ["exercise", "name", "side", "blocks", "reps_done", "reps_target", "percent",
               *BLOCK_STATUSES]
    return table[columns].reset_index(drop=True)


def days_exercised(
    exercise: pd.DataFrame, *, start: DayLike = None, end: DayLike = None
) -> pd.DataFrame:
    """Every local day of the period and whether a session was done on it (for a calendar).

    ``exercise`` is the exercise frame of a Log, or its :func:`sessions` table.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``week`` (ISO label), ``weekday`` (0 = Monday), ``sessions`` (counted
        sessions), ``reps_done``, ``exercised`` (at least one counted session).
    """
    table = _session_table(exercise)
    first, last = period_bounds([table["date"]], start, end)
    days = all_days(first, last)
    done = within(table.loc[table["counted"]], first, last)
    per_day = done.groupby("date").agg(sessions=("session_id", "size"),
                                       reps_done=("reps_done", "sum"))
    per_day = per_day.reindex(days, fill_value=0)
    result = pd.DataFrame({
        "date": pd.Series(days, dtype=DATE_DTYPE),
        "sessions": per_day["sessions"].to_numpy(dtype="int64"),
        "reps_done": per_day["reps_done"].to_numpy(dtype="int64"),
    })  # fmt: skip
    result.insert(1, "week", week_label(week_start(result["date"])))
    result.insert(2, "weekday", result["date"].dt.day_of_week.astype("int64"))
    result["exercised"] = result["sessions"] > 0
    return result


@dataclass(frozen=True)
class Streaks:
    """Runs of consecutive local days with at least one counted session.

    ``current`` counts back from ``as_of`` (the period's last day): 0 when that day had none.
    """

    current: int
    longest: int
    longest_start: pd.Timestamp | None
    longest_end: pd.Timestamp | None
    as_of: pd.Timestamp | None

    def sentence(self) -> str:
        """The streaks in one plain sentence."""
        if self.as_of is None:
            return "No sessions logged yet, so there are no streaks."
        if self.longest == 0:
            return "No day with a session in this period."
        longest = (f"longest run: {_days(self.longest)} "
                   f"({self.longest_start:%Y-%m-%d} to {self.longest_end:%Y-%m-%d})")
        return f"Current run: {_days(self.current)} up to {self.as_of:%Y-%m-%d}; {longest}."


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def streaks(exercise: pd.DataFrame, *, start: DayLike = None, end: DayLike = None,
            calendar: pd.DataFrame | None = None) -> Streaks:
    """Current and longest run of days with a session.

    Parameters
    ----------
    exercise
        The exercise frame of a Log (or its :func:`sessions` table).
    start, end
        The period; the current streak counts back from ``end`` (by default the last day in the
        log, never today's date, so results do not change with the clock).
    calendar
        The :func:`days_exercised` frame of the same period, when the caller has one.
    """
    if calendar is None:
        calendar = days_exercised(exercise, start=start, end=end)
    if calendar.empty:
        return Streaks(0, 0, None, None, None)
    active = calendar["exercised"].to_numpy()
    # number the runs: a new run starts wherever the exercised flag changes
    run_id = np.cumsum(np.r_[True, active[1:] != active[:-1]])
    runs = pd.DataFrame({"run": run_id, "active": active, "date": calendar["date"]})
    by_run = runs.groupby("run").agg(active=("active", "first"), length=("date", "size"),
                                     first=("date", "min"), last=("date", "max"))
    active_runs = by_run.loc[by_run["active"]]
    current = int(by_run["length"].iloc[-1]) if bool(by_run["active"].iloc[-1]) else 0
    as_of = calendar["date"].iloc[-1]
    if active_runs.empty:
        return Streaks(0, 0, None, None, as_of)
    best = active_runs.loc[active_runs["length"].idxmax()]  # the earliest of equal runs
    return Streaks(current, int(best["length"]), best["first"], best["last"], as_of)
