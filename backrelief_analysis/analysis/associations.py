"""Pain against the exercises done: associations in one person's diary, never causes.

Every table here compares groups of days or sessions that differ in more than the exercise
(mood, sleep, workload, what made someone skip), so a difference is an *association*. Where a
group has fewer than ``association_min_count`` days or sessions (a plan setting), the table
gives a "too few" note instead of a number.
"""

from __future__ import annotations

import pandas as pd

from ..log.store import require_columns
from ..plan import Plan, Thresholds
from .adherence import days_exercised
from .pain import reuse_daily, session_effects
from .periods import DayLike, all_weeks, day_series, period_bounds, week_start, within

ASSOCIATION_NOTE = (
    "Association in one person's self-reported diary, not cause and effect: other things "
    "differ between these days too."
)
WITH_SESSION = "after a day with a session"
WITHOUT_SESSION = "after a day without a session"


def _too_few(counts: dict[str, int], min_count: int, unit: str) -> str:
    shown = ", ".join(f"{count} {label}" for label, count in counts.items())
    return f"too few {unit} to compare ({shown}; at least {min_count} each needed)"


def weekly_reps_and_pain(
    exercise: pd.DataFrame,
    pain: pd.DataFrame,
    plan: Plan | None = None,
    *,
    start: DayLike = None,
    end: DayLike = None,
    daily: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reps done per exercise in each ISO week, next to that week's mean pain.

    ``daily`` reuses a :func:`~.analysis.pain.daily_pain` frame of the same period.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``week_start``, one ``reps_<exercise id>`` column per exercise (plan order
        first, then any other exercise in the log), ``reps_total``, ``pain_mean`` (mean of the
        daily means, NaN for a week without a score), ``days_with_score``.
    """
    require_columns(exercise, ("exercise", "reps_done", "date"), "the exercise log")
    require_columns(pain, ("pain", "date"), "the pain log")
    first, last = period_bounds([exercise["date"], pain["date"]], start, end)
    weeks = all_weeks(first, last)[["week", "week_start"]]
    rows = within(exercise, first, last)
    rows["week_start"] = week_start(rows["date"])
    reps = rows.pivot_table(index="week_start", columns="exercise", values="reps_done",
                            aggfunc="sum", fill_value=0)
    planned = [ex.id for ex in plan.exercises] if plan else []
    order = planned + sorted(set(reps.columns) - set(planned))
    reps = reps.reindex(columns=order, fill_value=0)
    reps.columns = [f"reps_{name}" for name in reps.columns]
    result = weeks.merge(reps, how="left", left_on="week_start", right_index=True)
    rep_columns = list(reps.columns)
    result[rep_columns] = result[rep_columns].fillna(0).astype("int64")
    result["reps_total"] = result[rep_columns].sum(axis=1).astype("int64")
    daily = reuse_daily(pain, daily, start=first, end=last)
    daily = daily.loc[daily["scores"] > 0].assign(week_start=lambda d: week_start(d["date"]))
    weekly = daily.groupby("week_start").agg(pain_mean=("mean", "mean"),
                                             days_with_score=("mean", "size"))
    result = result.merge(weekly, how="left", left_on="week_start", right_index=True)
    result["days_with_score"] = result["days_with_score"].fillna(0).astype("int64")
    return result.reset_index(drop=True)


def exercise_pain_change(
    exercise: pd.DataFrame,
    pain: pd.DataFrame,
    plan: Plan | None = None,
    *,
    start: DayLike = None,
    end: DayLike = None,
    min_count: int | None = None,
    effects: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Mean change in pain across sessions where each exercise was completed, or not.

    An exercise counts as completed in a session when every one of its blocks (each side) was
    completed; otherwise (any block skipped or stopped) as not completed. Only sessions with
    both a before and an after score take part. ``effects`` reuses a
    :func:`~backrelief_analysis.analysis.pain.session_effects` frame of the same period.

    Returns
    -------
    pandas.DataFrame
        ``exercise``, ``name``, ``completed_sessions``, ``completed_mean_change``,
        ``not_completed_sessions``, ``not_completed_mean_change``, ``difference``
        (completed minus not completed), ``note`` ("" or why a mean is missing). Means are NaN
        when their group has fewer than ``min_count`` sessions (by default the plan's
        ``association_min_count``).
    """
    if min_count is None:
        min_count = (plan.thresholds if plan is not None else Thresholds()).association_min_count
    require_columns(exercise, ("session_id", "exercise", "status", "date"), "the exercise log")
    first, last = period_bounds([exercise["date"], pain["date"]], start, end)
    rows = within(exercise, first, last)
    # one integer key per (session, exercise): far faster than grouping on two text columns
    session_codes, session_ids = pd.factorize(rows["session_id"])
    exercise_codes, exercise_ids = pd.factorize(rows["exercise"])
    width = max(len(exercise_ids), 1)
    key = session_codes.astype("int64") * width + exercise_codes
    completed = pd.Series((rows["status"] == "completed").to_numpy()).groupby(key).all()
    keys = completed.index.to_numpy()
    per_session = pd.DataFrame({
        "session_id": pd.Series(session_ids, dtype=str).to_numpy()[keys // width],
        "exercise": pd.Series(exercise_ids, dtype=str).to_numpy()[keys % width],
        "completed": completed.to_numpy(dtype=bool),
    })  # fmt: skip
    if effects is None:
        effects = session_effects(pain, start=first, end=last)
    effects = effects.loc[effects["complete"], ["session_id", "change"]]
    joined = per_session.merge(effects, on="session_id", how="inner")
    grouped = joined.pivot_table(index="exercise", columns="completed", values="change",
                                 aggfunc=["size", "mean"])
    planned = [ex.id for ex in plan.exercises] if plan else []
    names = {ex.id: ex.name for ex in plan.exercises} if plan else {}
    order = planned + sorted(set(exercise_ids) - set(planned))
    grouped = grouped.reindex(index=order)

    def column(stat: str, flag: bool) -> pd.Series:
        key = (stat, flag)
        if key in grouped.columns:
            return grouped[key]
        return pd.Series(float("nan"), index=grouped.index)

    result = pd.DataFrame({
        "exercise": pd.Series(order, dtype=str),
        "name": pd.Series([names.get(ex, ex) for ex in order], dtype=str),
        "completed_sessions": column("size", True).fillna(0).to_numpy(dtype="int64"),
        "completed_mean_change": column("mean", True).to_numpy(dtype="float64"),
        "not_completed_sessions": column("size", False).fillna(0).to_numpy(dtype="int64"),
        "not_completed_mean_change": column("mean", False).to_numpy(dtype="float64"),
    })  # fmt: skip
    few_done = result["completed_sessions"] < min_count
    few_not = result["not_completed_sessions"] < min_count
    result.loc[few_done, "completed_mean_change"] = float("nan")
    result.loc[few_not, "not_completed_mean_change"] = float("nan")
    result["difference"] = result["completed_mean_change"] - result["not_completed_mean_change"]
    counts = ("sessions (" + result["completed_sessions"].astype(str) + " completed, "
              + result["not_completed_sessions"].astype(str) + " skipped or stopped")
    result["note"] = ("too few " + counts + f"; at least {min_count} each needed)").where(
        few_done | few_not, "")
    return result


def next_day_pain(
    exercise: pd.DataFrame,
    pain: pd.DataFrame,
    *,
    start: DayLike = None,
    end: DayLike = None,
    min_count: int | None = None,
    daily: pd.DataFrame | None = None,
    calendar: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Mean pain on the day after a day with a session, against after a day without one.

    Next-day pain is the next local day's mean score; pairs whose next day has no score are
    left out. ``exercise`` is the exercise frame of a Log, or its ``adherence.sessions`` table;
    ``daily`` reuses a :func:`~.analysis.pain.daily_pain` frame of the same period,
    ``calendar`` an :func:`~.analysis.adherence.days_exercised` frame.

    Returns
    -------
    pandas.DataFrame
        Two rows (``group`` = "after a day with a session" / "... without a session"), with
        ``days`` (pairs counted), ``mean_next_day_pain`` (NaN when either group has fewer than
        ``min_count`` days) and ``note``.
    """
    if min_count is None:
        min_count = Thresholds().association_min_count
    first, last = period_bounds([exercise["date"], pain["date"]], start, end)
    if first is None:
        calendar = None
    elif calendar is None:
        calendar = days_exercised(exercise, start=first, end=last)
    daily = reuse_daily(pain, daily, start=first, end=last)
    columns = {"group": pd.Series([WITH_SESSION, WITHOUT_SESSION], dtype=str)}
    if calendar is None or calendar.empty:
        return pd.DataFrame({**columns, "days": [0, 0], "mean_next_day_pain": [float("nan")] * 2,
                             "note": [_too_few({"days": 0}, min_count, "days")] * 2})
    pairs = pd.DataFrame({
        "date": day_series(calendar["date"]),
        "exercised": calendar["exercised"].to_numpy(),
    })  # fmt: skip
    pairs["next_date"] = pairs["date"] + pd.Timedelta(days=1)
    next_pain = daily.loc[daily["scores"] > 0, ["date", "mean"]].rename(
        columns={"date": "next_date", "mean": "next_pain"})
    pairs = pairs.merge(next_pain, on="next_date", how="inner")
    grouped = pairs.groupby("exercised")["next_pain"].agg(["size", "mean"])
    grouped = grouped.reindex([True, False])
    days = grouped["size"].fillna(0).astype("int64").to_numpy()
    means = grouped["mean"].to_numpy(dtype="float64")
    enough = bool(days.min() >= min_count)
    note = "" if enough else _too_few(
        {"with a session": int(days[0]), "without": int(days[1])}, min_count, "days")
    return pd.DataFrame({
        **columns,
        "days": days,
        "mean_next_day_pain": means if enough else [float("nan")] * 2,
        "note": [note, note],
    })  # fmt: skip
