"""Per-exercise signals and barriers: which exercise hurt, why blocks stopped, what got in the way.

Counted in *times*: one time is one exercise in one session, both sides of a two-sided exercise
together (knee to chest, left and right, on Monday is one time). An exercise is *done* at a time
when at least one rep of it was done. Each answer counts as the patient last gave it (a later
tap corrects an earlier one); a missing answer is unknown, never "no problem"
(``shared/CLINICAL.md``, "Per-exercise signals and barriers").

Every function takes keyed frames (a ``patient`` column, see :mod:`.periods`) and returns a new
frame; a one-patient call keys its frames with :func:`~.periods.keyed`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..log.schema import SIGNAL_VALUES
from ..text import DAYS_A_WEEK
from .periods import (
    DATE_DTYPE,
    PATIENT,
    day_series,
    keyed,
    keyed_within,
    week_label,
    week_start,
)

STOP_REASONS = SIGNAL_VALUES["stop_reason"]
FEELINGS = SIGNAL_VALUES["felt"]
BARRIERS = SIGNAL_VALUES["barrier"]
# the columns of exercise_signals_by_patient, after patient and exercise
COUNT_COLUMNS = ("times_done", "offered", "answered", *(f"felt_{f}" for f in FEELINGS), "hurt",
                 *(f"stopped_{r}" for r in STOP_REASONS), "pain_times")
_TIME = [PATIENT, "session_id", "exercise"]


def latest_answers(signals: pd.DataFrame) -> pd.DataFrame:
    """The answers that count: the last of each kind for a block or an exercise of a session,
    and each barrier of a day once.

    Parameters
    ----------
    signals
        The keyed signals log (``Log.signals`` with a ``patient`` column).

    Returns
    -------
    pandas.DataFrame
        The rows kept, in the log's order, with ``day``: the day a barrier is about (its
        ``date`` less ``days_ago``), or the day it was given for the other signals.
    """
    ordered = signals.sort_values([PATIENT, "recorded_at"], kind="stable")
    day = day_series(ordered["date"]) - pd.to_timedelta(
        ordered["days_ago"].where(ordered["signal"] == "barrier", 0), unit="D")
    ordered = ordered.assign(day=day.astype(DATE_DTYPE))
    barrier = ordered["signal"] == "barrier"
    about = ordered.loc[~barrier].drop_duplicates(
        [*_TIME, "side", "signal"], keep="last")
    days = ordered.loc[barrier].drop_duplicates([PATIENT, "day", "value"], keep="last")
    return pd.concat([about, days]).sort_index(kind="stable")


def exercise_times_by_patient(exercise: pd.DataFrame, signals: pd.DataFrame,
                              patients: pd.DataFrame) -> pd.DataFrame:
    """Per patient, one row per *time* (one exercise in one session) of each period, with what
    the patient said of it: the rows :func:`count_exercise_times` adds up.

    Parameters
    ----------
    exercise
        The keyed exercise log; a session belongs to the period of the day it started.
    signals
        The keyed signals log. An answer about a session outside the period, or about a block
        the exercise log does not hold, is left out.
    patients
        Indexed by ``patient``: ``first``, ``last`` (the period).

    Returns
    -------
    pandas.DataFrame
        ``patient``, ``session_id``, ``exercise``, ``date`` (the session's day), then one
        True/False column per name of :data:`COUNT_COLUMNS` (see
        :func:`exercise_signals_by_patient`), in the order the times first appear.
    """
    blocks = keyed_within(exercise, patients)
    times = (blocks.groupby(_TIME, sort=False)
             .agg(reps=("reps_done", "max"), date=("date", "min")).reset_index())
    times["date"] = day_series(times["date"])
    answers = latest_answers(signals)
    answers = answers.loc[answers["signal"] != "barrier"]
    # each answer as the column it marks: felt_hard, hurt, stopped_pain, ...
    column = ("felt_" + answers["value"]).where(answers["signal"] == "felt", "hurt")
    column = ("stopped_" + answers["value"]).where(answers["signal"] == "stop_reason", column)
    answers = answers.assign(column=column)
    # only answers about a block of the period: a stop reason names its side
    reasons = answers.loc[answers["signal"] == "stop_reason"].merge(
        blocks[[*_TIME, "side"]].drop_duplicates(), on=[*_TIME, "side"])
    said = answers.loc[answers["signal"] != "stop_reason"]
    rows = times[_TIME].assign(_row=np.arange(len(times)))
    marks = pd.concat([said[[*_TIME, "column"]], reasons[[*_TIME, "column"]]]).merge(
        rows, on=_TIME)
    table = times.assign(times_done=times["reps"] > 0)
    marked = (pd.crosstab(marks["_row"], marks["column"]) > 0) if len(marks) else None
    for name in (*(f"felt_{f}" for f in FEELINGS), "hurt",
                 *(f"stopped_{r}" for r in STOP_REASONS)):
        flags = np.zeros(len(table), dtype=bool)
        if marked is not None and name in marked.columns:
            flags[marked.index.to_numpy()] = marked[name].to_numpy()
        table[name] = flags
    table["answered"] = table[[f"felt_{f}" for f in FEELINGS]].any(axis=1) | table["hurt"]
    table["pain_times"] = table["hurt"] | table["stopped_pain"]
    table["offered"] = table["times_done"] | table["stopped_pain"]
    return table[[*_TIME, "date", *COUNT_COLUMNS]].reset_index(drop=True)


def count_exercise_times(times: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """:func:`exercise_times_by_patient` added up per patient and exercise (the result of
    :func:`exercise_signals_by_patient`), and per the columns ``by`` of ``times`` too."""
    counts = times.groupby([PATIENT, "exercise", *by], sort=False)[list(COUNT_COLUMNS)].sum()
    return counts.astype("int64").reset_index()


def exercise_signals_by_patient(exercise: pd.DataFrame, signals: pd.DataFrame,
                                patients: pd.DataFrame) -> pd.DataFrame:
    """Per patient and exercise over each period: times done and what the patient said of them.

    Parameters
    ----------
    exercise, signals, patients
        As :func:`exercise_times_by_patient` takes them.

    Returns
    -------
    pandas.DataFrame
        ``patient``, ``exercise`` (in order of first appearance), then counts of times:
        ``times_done`` (at least one rep), ``offered`` (done, or stopped for pain before a
        rep), ``answered`` (a feeling or "hurt" given),
        ``felt_easy``, ``felt_right``, ``felt_hard``, ``hurt``, ``stopped_pain``,
        ``stopped_too_hard``, ``stopped_no_time``, ``stopped_other`` (a block of it skipped or
        stopped for that reason, done or not) and ``pain_times`` (marked as hurting or stopped
        for pain, or both: the times the exercise flag counts).
    """
    return count_exercise_times(exercise_times_by_patient(exercise, signals, patients))


def exercise_name(plan: object, exercise_id: str) -> str:
    """The plan's name for an exercise id; the id itself when the plan does not name it."""
    for exercise in getattr(plan, "exercises", ()):
        if exercise.id == exercise_id:
            return exercise.name
    return exercise_id


def in_plan_order(counts: pd.DataFrame, plan: object) -> pd.DataFrame:
    """One patient's :func:`exercise_signals_by_patient` rows (unkeyed) in the plan's order of
    exercises, with the plan's ``name`` after ``exercise``; an id the plan does not name comes
    last, in its own order, named by itself."""
    rank = {exercise.id: position
            for position, exercise in enumerate(getattr(plan, "exercises", ()))}
    order = counts["exercise"].map(rank).fillna(len(rank)).to_numpy()
    table = counts.assign(_order=order).sort_values("_order", kind="stable")
    table.insert(list(table.columns).index("exercise") + 1, "name",
                 [exercise_name(plan, key) for key in table["exercise"]])
    return table.drop(columns="_order").reset_index(drop=True)


def exercise_pain_flags(counts: pd.DataFrame, min_times: pd.Series | int,
                        min_percent: pd.Series | float) -> pd.DataFrame:
    """The rows of :func:`exercise_signals_by_patient` whose exercise hurts often or is
    stopped for pain: ``pain_times`` at least ``min_times`` and at least ``min_percent`` of
    the times it was ``offered`` (done, or stopped for pain).

    ``min_times`` and ``min_percent`` are one value, or one per patient (a Series indexed by
    patient: the plans' ``exercise_pain_times`` and ``exercise_pain_percent``). The result
    adds ``percent``.
    """
    least = _per_patient(counts, min_times)
    share = _per_patient(counts, min_percent)
    offered = counts["offered"]
    percent = 100 * counts["pain_times"] / offered.where(offered > 0)
    flagged = (counts["pain_times"] >= least) & (percent >= share)
    return counts.assign(percent=percent).loc[flagged].reset_index(drop=True)


def _per_patient(counts: pd.DataFrame, value: pd.Series | float) -> pd.Series:
    if isinstance(value, pd.Series):
        return pd.Series(value.reindex(counts[PATIENT].to_numpy()).to_numpy(dtype="float64"),
                         index=counts.index)
    return pd.Series(float(value), index=counts.index)


def weekly_barriers_by_patient(signals: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """What got in the way, per patient and ISO week of the days they are about.

    Returns
    -------
    pandas.DataFrame
        ``patient``, ``week_start``, ``week``, ``barrier`` and ``days`` (the days of that week
        the patient named it), by patient, week and the order of :data:`BARRIERS`.
    """
    answers = latest_answers(signals)
    days = answers.loc[answers["signal"] == "barrier"].assign(date=lambda f: f["day"])
    days = keyed_within(days, patients)
    if days.empty:
        return pd.DataFrame({PATIENT: pd.Series(dtype=object),
                             "week_start": pd.Series(dtype=DATE_DTYPE),
                             "week": pd.Series(dtype=str), "barrier": pd.Series(dtype=str),
                             "days": pd.Series(dtype="int64")})
    starts = week_start(days["day"])
    table = (days.assign(week_start=starts, barrier=days["value"])
             .groupby([PATIENT, "week_start", "barrier"], sort=False).size()
             .rename("days").reset_index())
    table["_order"] = table["barrier"].map({b: i for i, b in enumerate(BARRIERS)})
    table = table.sort_values([PATIENT, "week_start", "_order"], kind="stable")
    table.insert(2, "week", week_label(table["week_start"]).to_numpy())
    return table.drop(columns="_order").reset_index(drop=True)


def missed_planned_days(exercise: pd.DataFrame, signals: pd.DataFrame, sessions_per_week: int,
                        today: date, *, look_back_days: int = 7) -> list[date]:
    """The days before ``today`` the plan expected a session that had none, and for which no
    barrier was given yet: the ones to ask "What got in the way?" about.

    A plan of ``n`` sessions a week leaves ``7 - n`` days a week without one; within each ISO
    week the days without a session after those are missed. Only days within
    ``look_back_days`` before ``today``, and after the log's first session, are asked about.

    Parameters
    ----------
    exercise, signals
        One patient's logs (``Log.exercise``, ``Log.signals``).
    sessions_per_week
        The plan's target.
    today
        The patient's local day.
    """
    if exercise.empty or sessions_per_week <= 0:
        return []
    session_days = set(day_series(exercise["date"]).dt.date)
    first = min(session_days)
    answered = set()
    if not signals.empty:
        answers = latest_answers(keyed(signals))
        answered = set(answers.loc[answers["signal"] == "barrier", "day"].dt.date)
    rest_allowed = max(DAYS_A_WEEK - sessions_per_week, 0)
    start = max(first, today - timedelta(days=look_back_days))
    missed, resting = [], 0
    # from the Monday of the first day asked about: the week's free days are counted from there
    monday = start - timedelta(days=start.weekday())
    for day in (monday + timedelta(days=n) for n in range((today - monday).days)):
        resting = 0 if day.weekday() == 0 else resting
        if day in session_days:
            continue
        resting += 1
        if resting > rest_allowed and day >= start and day > first and day not in answered:
            missed.append(day)
    return missed


__all__ = ["BARRIERS", "COUNT_COLUMNS", "FEELINGS", "STOP_REASONS", "count_exercise_times",
           "exercise_name", "exercise_pain_flags", "exercise_signals_by_patient",
           "exercise_times_by_patient", "in_plan_order", "latest_answers", "missed_planned_days",
           "weekly_barriers_by_patient"]
