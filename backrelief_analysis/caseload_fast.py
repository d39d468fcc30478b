"""The caseload's columns for many patients at once: vectorised pandas over a patient key.

:func:`~backrelief_analysis.caseload.patient_numbers` calls the report's own functions one
patient at a time (about 60 ms a patient-year, mostly the fixed cost of each pandas call). This
module computes the same columns for a whole batch of patients in one pass of each step, keyed by
a patient number ``p``. It follows the definitions of the analysis modules step by step (each
step names the function it mirrors), and keeps their own code wherever that is cheap per patient:
the weekly targets (:func:`~backrelief_analysis.adherence.targets_by_day`), the adherence
figures (``ProgressSummary.adherence_percent``), the baseline rules' constants
(:mod:`~backrelief_analysis.pain`); the outcome questionnaires come from
:func:`~backrelief_analysis.outcomes.outcome_changes_by_patient` itself (in
:func:`~backrelief_analysis.caseload.outcome_cells`). ``tests/test_caseload.py`` checks every
column against each patient's own ``summarise``, and :func:`~backrelief_analysis.caseload.
load_caseload` re-checks a sample of every batch against the per-patient path and uses that path
instead when they differ, so a change of definition in the analysis modules cannot go unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .pain import LATEST_DAYS, NOT_ENOUGH, JudgedChange, judge_change
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


def _same_plan(plan: Plan) -> object:
    """A key equal for plans that differ only in the file they were read from."""
    try:
        key = replace(plan, source=None)
        hash(key)
    except TypeError:  # a plan with an unhashable part: itself alone
        return id(plan)
    return key


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
    # column by column: one concatenation per column, not a frame per patient
    rows = pd.DataFrame({column: pd.concat([frame[column] for frame in frames],
                                           ignore_index=True) for column in columns})
    rows["p"] = np.repeat(np.arange(len(frames)), [len(frame) for frame in frames])
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


def _days(periods: pd.DataFrame) -> pd.DataFrame:
    """Every day of each patient's period (as ``periods.all_days``): ``p``, ``date``."""
    known = periods.dropna(subset=["first"])
    counts = ((known["last"] - known["first"]) // DAY).astype("int64").to_numpy() + 1
    p = np.repeat(known["p"].to_numpy(), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    days = np.repeat(known["first"].to_numpy(), counts) + offset * np.timedelta64(1, "D")
    return pd.DataFrame({"p": p, "date": pd.Series(days).astype(DATE_DTYPE)})


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
    judged: JudgedChange | None = None  # None: not enough data to compare

    @property
    def change_points(self) -> float:
        return self.judged.points if self.judged is not None else float("nan")

    @property
    def change_percent(self) -> float:
        return self.judged.percent if self.judged is not None else float("nan")

    @property
    def verdict(self) -> str:
        return self.judged.verdict if self.judged is not None else NOT_ENOUGH

    @property
    def shown(self) -> str:
        return self.judged.shown if self.judged is not None else ""


def _slices(keys: np.ndarray, patients: int) -> tuple[np.ndarray, np.ndarray]:
    """Offset and length of each patient's rows in a frame sorted by patient."""
    counts = np.bincount(keys.astype("int64"), minlength=patients) if len(keys) else np.zeros(
        patients, dtype="int64")
    return np.cumsum(counts) - counts, counts


def _baselines(whole: pd.DataFrame, period: pd.DataFrame,
               patients: list[Patient]) -> list[Change]:
    """pain.baseline_change for every patient: the first ``baseline_days`` days with a score of
    the whole log (from ``baseline_from`` when set) against the last
    :data:`~backrelief_analysis.pain.LATEST_DAYS` of the period, with the same rules.

    ``whole`` and ``period`` are daily means (``p``, ``date``, ``mean``) sorted by patient and
    day. Each mean is taken as pandas takes it: numpy's sum over the slice, over its length.
    """
    nan = float("nan")
    whole_at, whole_n = _slices(whole["p"].to_numpy(), len(patients))
    period_at, period_n = _slices(period["p"].to_numpy(), len(patients))
    whole_days, whole_means = whole["date"].to_numpy(), whole["mean"].to_numpy(dtype="float64")
    period_days = period["date"].to_numpy()
    period_means = period["mean"].to_numpy(dtype="float64")
    result = []
    for index, patient in enumerate(patients):
        th = patient.plan.thresholds
        need = int(th.baseline_days)
        days = whole_days[whole_at[index]:whole_at[index] + whole_n[index]]
        means = whole_means[whole_at[index]:whole_at[index] + whole_n[index]]
        if th.baseline_from is not None:
            keep = days >= np.datetime64(pd.Timestamp(th.baseline_from))
            days, means = days[keep], means[keep]
        base_days, base = days[:need], means[:need]
        late_days = period_days[period_at[index]:period_at[index] + period_n[index]][
            -LATEST_DAYS:]
        late = period_means[period_at[index]:period_at[index] + period_n[index]][-LATEST_DAYS:]
        if (len(base) < need or len(late) < LATEST_DAYS or need < 1
                or late_days[0] <= base_days[-1]):
            result.append(Change(nan, nan))
            continue
        baseline, latest = float(base.sum() / len(base)), float(late.sum() / len(late))
        result.append(Change(baseline, latest, judge_change(baseline, latest, th)))
    return result


def caseload_columns(patients: list[Patient], recent_weeks: int) -> tuple[list[dict], pd.DataFrame]:
    """The caseload's numbers of each patient, and the weekly series of all of them.

    Returns
    -------
    tuple
        One dict per patient (the numeric columns of a caseload row, ``open_kinds`` a dict of
        flag kind to count) and a frame ``p``, ``week``, ``week_start``, ``pain``, ``adherence``.
    """
    from .adherence import targets_by_day
    from .caseload import partial_summary

    if not patients:
        return [], pd.DataFrame(columns=["p", "week", "week_start", "pain", "adherence"])
    periods = _periods(patients)
    exercise = _stack([pt.log.exercise for pt in patients],
                      ["session_id", "date", "reps_done"], periods)
    pain = _stack([pt.log.pain for pt in patients],
                  ["recorded_at", "pain", "context", "session_id", "flare", "date"], periods)
    # pain._scored_days of the whole log: the baseline does not move with the period
    everything = periods.assign(first=pd.Timestamp("1000-01-01"),
                                last=pd.Timestamp("9000-01-01"))
    whole = _stack([pt.log.pain for pt in patients], ["pain", "date"], everything)
    whole_daily = whole.groupby(["p", "date"], sort=True)["pain"].mean().rename(
        "mean").reset_index()
    whole_daily["mean"] = whole_daily["mean"].astype("float64")

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
    # targets day by day (adherence.targets_by_day), summed per week and divided once by 7
    days = _days(periods)
    days["target"] = 0
    # one call per distinct plan: bundles carry equal plans read from different files
    codes: dict[object, int] = {}
    plan_of = np.array([codes.setdefault(_same_plan(pt.plan), len(codes)) for pt in patients])
    plans = {plan_of[index]: pt.plan for index, pt in enumerate(patients)}
    for code, plan in plans.items():
        mine = days["p"].isin(np.flatnonzero(plan_of == code))
        days.loc[mine, "target"] = targets_by_day(days.loc[mine, "date"], plan)
    days["week_start"] = _week_start(days["date"])
    target = days.groupby(["p", "week_start"])["target"].sum() / 7.0
    weeks = weeks.join(target.rename("target"), on=["p", "week_start"])
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
    thresholds = pd.DataFrame([pt.plan.thresholds.__dict__ for pt in patients])
    # pain.session_scores: the last before and the last after score of each session count
    scored = pain.loc[pain["context"].isin(("before_session", "after_session"))]
    last = scored.drop_duplicates(["p", "session_id", "context"], keep="last")
    parts = []
    for context, name in (("before_session", "before"), ("after_session", "after")):
        rows = last.loc[last["context"] == context]
        parts.append(pd.DataFrame({
            name: rows["pain"].to_numpy(dtype="float64"),
            f"{name}_date": rows["date"].to_numpy(),
        }, index=pd.MultiIndex.from_arrays([rows["p"].to_numpy(),
                                            rows["session_id"].astype(str).to_numpy()],
                                           names=["p", "session_id"])))
    effects = parts[0].join(parts[1], how="outer")
    effects["date"] = effects["before_date"].fillna(effects["after_date"])
    # pain.session_effects with the sessions table: dated on the session's day; a session
    # whose every block was skipped is left out, one only in the pain log is kept
    started = sessions.assign(session_id=sessions["session_id"].astype(str)).set_index(
        ["p", "session_id"])[["date", "counted"]].rename(columns={"date": "session_date"})
    effects = effects.join(started, how="outer")
    effects["date"] = effects["session_date"].fillna(effects["date"]).astype(DATE_DTYPE)
    effects = effects.loc[effects["counted"].fillna(True).astype(bool)].reset_index()

    # flags.pain_after_flags: a session's pain after above the acceptable level, on its day
    limit_after = thresholds["pain_after_max"].to_numpy()[effects["p"].to_numpy()]
    high = effects.loc[effects["after"] > limit_after]
    flags.append(pd.DataFrame({"p": high["p"], "kind": "pain_after", "end_date": high["date"]}))

    # flags.not_settled_flags: the next day's first score that is not the session's own
    with_before = effects.dropna(subset=["before"])
    with_before = with_before.assign(next_date=with_before["date"] + DAY)
    following = pd.DataFrame({"p": pain["p"].to_numpy(), "next_date": pain["date"].to_numpy(),
                              "scored_by": pain["session_id"].astype(str).to_numpy(),
                              "recorded_at": pain["recorded_at"].to_numpy(),
                              "next_first": pain["pain"].to_numpy()})
    candidates = with_before.merge(following, on=["p", "next_date"], how="inner")
    candidates = candidates.loc[candidates["scored_by"] != candidates["session_id"]]
    joined = candidates.sort_values("recorded_at", kind="stable").drop_duplicates(
        ["p", "session_id"], keep="first")
    margin = thresholds["settle_margin_points"].to_numpy()[joined["p"].to_numpy()]
    unsettled = joined.loc[joined["next_first"] > joined["before"] + margin]
    flags.append(pd.DataFrame({"p": unsettled["p"], "kind": "not_settled",
                               "end_date": unsettled["next_date"]}))

    # flags.rising_flags: a run of rising weekly means that holds a rise of rising_points, in
    # one week or over up to rising_weeks weeks each higher than the last (a gap breaks a run)
    keys = weeks["p"].to_numpy()
    means = weeks["pain"]
    previous = means.groupby(keys).shift(1)
    rise = (means - previous > 0).to_numpy()
    rise_count = pd.Series(rise.astype("int64")).groupby(keys).cumsum()
    position = weeks.groupby("p").cumcount().to_numpy()
    reached = np.zeros(len(weeks), dtype=bool)
    longest = max(int(value) for value in thresholds["rising_weeks"]) if len(weeks) else 1
    spans = np.maximum(thresholds["rising_weeks"].to_numpy().astype("int64"), 1)[keys]
    points = thresholds["rising_points"].to_numpy()[keys]
    for span in range(1, max(longest, 1) + 1):
        before_window = rise_count.groupby(keys).shift(span).fillna(0).to_numpy()
        every_week_rose = (position >= span - 1) & (
            rise_count.to_numpy() - before_window == span)
        gain = (means - means.groupby(keys).shift(span)).to_numpy()
        reached |= (span <= spans) & every_week_rose & (gain >= points - 1e-9)
    firsts, lasts = _runs(keys, rise, np.ones(len(weeks), dtype=bool))
    run_of = np.repeat(np.arange(len(firsts)), lasts - firsts + 1) if len(firsts) else firsts
    flagged = np.zeros(len(firsts), dtype=bool)
    if len(firsts):
        members = np.concatenate([np.arange(a, b + 1) for a, b in zip(firsts, lasts,
                                                                        strict=True)])
        np.logical_or.at(flagged, run_of, reached[members])
    ends = weeks["week_start"].to_numpy()[lasts[flagged]] + np.timedelta64(6, "D")
    flags.append(pd.DataFrame({"p": keys[lasts[flagged]], "kind": "rising", "end_date": ends}))

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
    baselines = _baselines(whole_daily, daily, patients)
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
        whole = partial_summary(patient.plan, first, last, sessions=table,
                                 weekly_adherence=mine)
        recent = partial_summary(patient.plan, max(since, first), last,
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
