"""The caseload's columns for many patients at once: vectorised pandas over a patient key.

:func:`~backrelief_analysis.caseload.patient_numbers` calls the report's own functions one
patient at a time (about 60 ms a patient-year, mostly the fixed cost of each pandas call). This
module computes the same columns for a whole batch of patients in one pass of each step, keyed by
a patient number ``p``. It follows the definitions of the analysis modules step by step (each
step names the function it mirrors), and keeps their own code wherever that is cheap per patient:
the weekly targets (:func:`~backrelief_analysis.adherence.weekly_targets`), the adherence
figures (``ProgressSummary.adherence_percent``) and the baseline rules' constants
(:mod:`~backrelief_analysis.pain`). ``tests/test_caseload.py`` checks every
column against each patient's own ``summarise``, and :func:`~backrelief_analysis.caseload.
load_caseload` re-checks a sample of every batch against the per-patient path and uses that path
instead when they differ, so a change of definition in the analysis modules cannot go unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .periods import DATE_DTYPE, period_bounds, to_day
from .plan import Plan

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class Patient:
    """One loaded patient: the log, the plan, the report's period (None: the log's own)."""

    log: object
    plan: Plan
    start: object = None
    end: object = None


def _periods(patients: list[Patient]) -> pd.DataFrame:
    """``p``, ``first``, ``last`` of each patient (as :func:`period_bounds` gives them)."""
    rows = []
    for index, patient in enumerate(patients):
        first, last = period_bounds([patient.log.exercise["date"], patient.log.pain["date"]],
                                    patient.start, patient.end)
        rows.append((index, first, last))
    frame = pd.DataFrame(rows, columns=["p", "first", "last"])
    for column in ("first", "last"):
        frame[column] = pd.to_datetime(frame[column]).astype(DATE_DTYPE)
    return frame


def _stack(frames: list[pd.DataFrame], columns: list[str], periods: pd.DataFrame) -> pd.DataFrame:
    """The rows of every patient in their period, with the patient number ``p``."""
    parts = [frame[columns].assign(p=index) for index, frame in enumerate(frames) if len(frame)]
    # no rows at all: the first frame's empty columns keep their types
    rows = pd.concat(parts or [frames[0][columns].iloc[0:0].assign(p=0)], ignore_index=True)
    rows["date"] = rows["date"].astype(DATE_DTYPE)
    bounds = periods.set_index("p").reindex(rows["p"].to_numpy())
    inside = ((rows["date"].to_numpy() >= bounds["first"].to_numpy())
              & (rows["date"].to_numpy() <= bounds["last"].to_numpy()))
    return rows.loc[inside].reset_index(drop=True)


def _week_start(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def _weeks(periods: pd.DataFrame) -> pd.DataFrame:
    """Every ISO week of each patient's period (as ``periods.all_weeks``): ``p``, ``week_start``."""
    known = periods.dropna(subset=["first"])
    first = _week_start(known["first"])
    counts = ((_week_start(known["last"]) - first) // WEEK).astype("int64") + 1
    p = np.repeat(known["p"].to_numpy(), counts.to_numpy())
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts.to_numpy()) - counts.to_numpy(),
                                                 counts.to_numpy())
    starts = np.repeat(first.to_numpy(), counts.to_numpy()) + offset * np.timedelta64(7, "D")
    return pd.DataFrame({"p": p, "week_start": pd.Series(starts).astype(DATE_DTYPE)})


def _runs(keys: np.ndarray, flags: np.ndarray, step_ok: np.ndarray) -> tuple[np.ndarray, ...]:
    """Runs of True in ``flags`` that stay within one key and whose steps are ``step_ok``.

    Returns the index of each run's first and last element.
    """
    new = np.ones(len(flags), dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]) | ~step_ok[1:] | (flags[1:] != flags[:-1])
    firsts = np.flatnonzero(new)
    lasts = np.r_[firsts[1:] - 1, len(flags) - 1] if len(flags) else firsts
    keep = flags[firsts] if len(flags) else firsts.astype(bool)
    return firsts[keep], lasts[keep]


@dataclass(frozen=True)
class Change:
    """The numbers of :class:`~backrelief_analysis.pain.PainChange` a caseload row shows."""

    baseline: float
    latest: float
    change_points: float
    change_percent: float
    verdict: str


def _baselines(daily: pd.DataFrame, patients: list[Patient]) -> list[Change]:
    """pain.baseline_change for every patient: first ``baseline_days`` days with a score
    against the last :data:`~backrelief_analysis.pain.LATEST_DAYS`, with the same rules."""
    from .pain import _EPS, IMPROVEMENT, LATEST_DAYS, NO_CLEAR_CHANGE, NOT_ENOUGH, WORSENING

    nan = float("nan")
    # daily is sorted by patient and day: each patient's scored days are one slice, whose mean
    # is taken as pandas takes it (numpy's sum over the slice, divided by its length)
    counts = daily.groupby("p").size().reindex(range(len(patients)), fill_value=0).to_numpy()
    offsets = np.cumsum(counts) - counts
    means = daily["mean"].to_numpy(dtype="float64")
    result = []
    for index, patient in enumerate(patients):
        th = patient.plan.thresholds
        need = int(th.baseline_days)
        if counts[index] < need + LATEST_DAYS or need < 1:
            result.append(Change(nan, nan, nan, nan, NOT_ENOUGH))
            continue
        days = means[offsets[index]:offsets[index] + counts[index]]
        baseline = float(days[:need].sum() / need)
        latest = float(days[-LATEST_DAYS:].sum() / LATEST_DAYS)
        points = latest - baseline
        percent = 100.0 * points / baseline if baseline > 0 else nan
        size = abs(points)
        met = size > 0 and (size >= th.pain_change_points - _EPS or (
            not np.isnan(percent) and abs(percent) >= th.pain_change_percent - _EPS))
        verdict = (IMPROVEMENT if met and points < 0 else WORSENING if met and points > 0
                   else NO_CLEAR_CHANGE)
        result.append(Change(baseline, latest, points, percent, verdict))
    return result


def caseload_columns(patients: list[Patient], recent_weeks: int) -> tuple[list[dict], pd.DataFrame]:
    """The caseload's numbers of each patient, and the weekly series of all of them.

    Returns
    -------
    tuple
        One dict per patient (the numeric columns of a caseload row, ``open_kinds`` a dict of
        flag kind to count) and a frame ``p``, ``week``, ``week_start``, ``pain``, ``adherence``.
    """
    from .adherence import weekly_targets
    from .caseload import _partial_summary

    if not patients:
        return [], pd.DataFrame(columns=["p", "week", "week_start", "pain", "adherence"])
    periods = _periods(patients)
    exercise = _stack([pt.log.exercise for pt in patients],
                      ["session_id", "date", "reps_done"], periods)
    pain = _stack([pt.log.pain for pt in patients],
                  ["recorded_at", "pain", "context", "session_id", "flare", "date"], periods)

    # adherence.sessions: a session counts when any block has reps done; its day is its first
    sessions = exercise.groupby(["p", "session_id"], sort=False).agg(
        date=("date", "min"), reps_done=("reps_done", "sum")).reset_index()
    sessions["counted"] = sessions["reps_done"] > 0
    done = sessions.loc[sessions["counted"]].copy()
    done["week_start"] = _week_start(done["date"])

    # adherence.weekly_adherence: every week of the period, sessions against the plan's target
    weeks = _weeks(periods)
    per_week = done.groupby(["p", "week_start"]).size().rename("sessions")
    weeks = weeks.join(per_week, on=["p", "week_start"])
    weeks["sessions"] = weeks["sessions"].fillna(0).astype("int64")
    weeks["target"] = 0
    plan_of = pd.Series([id(pt.plan) for pt in patients])
    plans = {id(pt.plan): pt.plan for pt in patients}
    for key, plan in plans.items():
        mine = weeks["p"].isin(plan_of.index[plan_of == key])
        weeks.loc[mine, "target"] = weekly_targets(weeks.loc[mine, "week_start"], plan)
    weeks["percent"] = 100.0 * weeks["sessions"] / weeks["target"]

    # pain.daily_pain: each day's mean, count and flare mark (days with a score)
    pain = pain.sort_values(["p", "recorded_at"], kind="stable")
    pain["is_flare"] = pain["flare"] == "yes"
    daily = pain.groupby(["p", "date"], sort=True).agg(
        mean=("pain", "mean"), scores=("pain", "size"), flare=("is_flare", "any"),
        first_score=("pain", "first")).reset_index()
    daily["mean"] = daily["mean"].astype("float64")

    # pain.weekly_pain: mean of the daily means per ISO week, every week of the period
    daily["week_start"] = _week_start(daily["date"])
    weekly_mean = daily.groupby(["p", "week_start"])["mean"].mean().rename("pain")
    weeks = weeks.join(weekly_mean, on=["p", "week_start"])

    flags = []
    # flags.pain_after_flags: an after-session score above the acceptable level
    thresholds = pd.DataFrame([pt.plan.thresholds.__dict__ for pt in patients])
    limit_after = thresholds["pain_after_max"].to_numpy()[pain["p"].to_numpy()]
    high = pain.loc[(pain["context"] == "after_session") & (pain["pain"] > limit_after)]
    flags.append(pd.DataFrame({"p": high["p"], "kind": "pain_after", "end_date": high["date"]}))

    # flags.not_settled_flags over pain.session_effects: first before-score of each session,
    # dated on the session's first exercise day when it has one, against the next day's first
    before = pain.loc[pain["context"] == "before_session"].groupby(
        ["p", "session_id"], sort=False).agg(before=("pain", "first"), date=("date", "first"))
    started = exercise.groupby(["p", "session_id"], sort=False)["date"].min().rename("started")
    effects = before.join(started, how="left").reset_index()
    effects["date"] = effects["started"].fillna(effects["date"]).astype(DATE_DTYPE)
    effects["next_date"] = effects["date"] + DAY
    next_first = daily.set_index(["p", "date"])["first_score"].rename("next_first")
    effects = effects.join(next_first, on=["p", "next_date"], how="inner")
    margin = thresholds["settle_margin_points"].to_numpy()[effects["p"].to_numpy()]
    unsettled = effects.loc[effects["next_first"] > effects["before"] + margin]
    flags.append(pd.DataFrame({"p": unsettled["p"], "kind": "not_settled",
                               "end_date": unsettled["next_date"]}))

    # flags.rising_flags: weekly mean rising this many weeks running (a gap breaks a run)
    keys = weeks["p"].to_numpy()
    rise = np.zeros(len(weeks), dtype=bool)
    rise[1:] = (weeks["pain"].to_numpy()[1:] > weeks["pain"].to_numpy()[:-1]) & (
        keys[1:] == keys[:-1])
    firsts, lasts = _runs(keys, rise, np.ones(len(weeks), dtype=bool))
    need = np.maximum(thresholds["rising_weeks"].to_numpy().astype("int64"), 1)
    long_enough = (lasts - firsts + 1) >= need[keys[firsts]] if len(firsts) else firsts > 0
    ends = weeks["week_start"].to_numpy()[lasts[long_enough]] + np.timedelta64(6, "D")
    flags.append(pd.DataFrame({"p": keys[lasts[long_enough]], "kind": "rising",
                               "end_date": ends}))

    # flags.flare_flags: one flag per run of consecutive days marked as a flare-up
    flare_days = daily.loc[daily["flare"], ["p", "date"]]
    flare_keys = flare_days["p"].to_numpy()
    step = np.ones(len(flare_days), dtype=bool)
    step[1:] = (flare_days["date"].to_numpy()[1:] - flare_days["date"].to_numpy()[:-1]
                == np.timedelta64(1, "D"))
    firsts, lasts = _runs(flare_keys, np.ones(len(flare_days), dtype=bool), step)
    flags.append(pd.DataFrame({"p": flare_keys[firsts], "kind": "flare",
                               "end_date": flare_days["date"].to_numpy()[lasts]}))
    flag_table = pd.concat([part for part in flags if len(part)], ignore_index=True) if any(
        len(part) for part in flags) else pd.DataFrame({"p": [], "kind": [], "end_date": []})
    flag_table["end_date"] = pd.to_datetime(flag_table["end_date"]).astype(DATE_DTYPE)

    # per patient: the report's own adherence figures and baseline verdict on these frames
    weeks["week"] = weeks.groupby("p").cumcount() + 1
    # the Monday of the recent_weeks-th last week (the first week when there are fewer)
    counts = weeks.groupby("p", sort=True).size()
    offsets = np.cumsum(counts.to_numpy()) - counts.to_numpy()
    picked = weeks["week_start"].to_numpy()[offsets + np.maximum(counts.to_numpy()
                                                                 - recent_weeks, 0)]
    recent_from = pd.Series(picked, index=counts.index).reindex(periods["p"])
    flag_table["open"] = flag_table["end_date"].to_numpy() >= recent_from.reindex(
        flag_table["p"].to_numpy()).to_numpy()
    open_kinds = flag_table.loc[flag_table["open"]].groupby(["p", "kind"]).size()
    totals = flag_table.groupby("p").size()
    last_done = done.groupby("p")["date"].max()
    baselines = _baselines(daily, patients)
    weeks_by_p = dict(tuple(weeks.groupby("p", sort=False)))
    sessions_by_p = dict(tuple(sessions.groupby("p", sort=False)))
    empty_sessions = sessions.iloc[0:0]
    results = []
    starts, ends, recents = (periods["first"].to_numpy(), periods["last"].to_numpy(),
                             recent_from.to_numpy())
    for index, patient in enumerate(patients):
        first, last, since = (pd.Timestamp(starts[index]), pd.Timestamp(ends[index]),
                              pd.Timestamp(recents[index]))
        if pd.isna(first):
            results.append(None)
            continue
        mine = weeks_by_p[index].reset_index(drop=True)
        table = sessions_by_p.get(index, empty_sessions)
        whole = _partial_summary(patient.plan, first, last, sessions=table,
                                 weekly_adherence=mine)
        recent = _partial_summary(patient.plan, max(since, first), last,
                                  sessions=table.loc[table["date"] >= since],
                                  weekly_adherence=mine.iloc[-recent_weeks:])
        baseline = baselines[index]
        kinds = open_kinds.loc[index].to_dict() if index in open_kinds.index.get_level_values(
            0) else {}
        results.append({
            "first": first, "last": last, "weeks": len(mine),
            "last_session": last_done.get(index),
            "adherence_4wk": float(recent.adherence_percent),
            "adherence_overall": float(whole.adherence_percent),
            "baseline": baseline, "flags_total": int(totals.get(index, 0)),
            "open_kinds": {kind: int(count) for kind, count in kinds.items()},
        })
    series = weeks[["p", "week", "week_start", "pain", "percent"]].rename(
        columns={"percent": "adherence"})
    return results, series


__all__ = ["Patient", "caseload_columns", "to_day"]
