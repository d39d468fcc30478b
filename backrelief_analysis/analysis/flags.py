"""Flags from the pain-monitoring model: prompts to talk to the physiotherapist, never instructions.

Five kinds, every threshold from :class:`~backrelief_analysis.plan.Thresholds`:

``pain_after``
    A session's pain after (its last after score) above ``pain_after_max``.
``not_settled``
    The "next morning" score more than ``settle_margin_points`` above that session's pain
    before. The next morning is the first score of the next local day after the session's own
    day that is not part of the session: an after score given just past midnight is the
    session's, not the next day's.
``rising``
    A weekly mean at least ``rising_points`` above the week before, or above the mean up to
    ``rising_weeks`` weeks before with a rise every week in between; a creep of a tenth of a
    point a week is not a rise. One flag per run of rising weeks, dated at its last Monday.
``flare``
    Days marked as a flare-up; one flag per run of consecutive days.
``exercise_pain``
    An exercise the patient marked as hurting, or stopped for pain, at least
    ``exercise_pain_times`` times and in at least ``exercise_pain_percent`` % of the times it
    was done or stopped for pain (:func:`~.signals.exercise_pain_flags`), judged in windows of
    ``recent_weeks`` weeks counted back from the period's end; one flag per exercise and
    window, from the first to the last of those times.

Every flag of a session is dated on the session's own day (the day it started). The model is
Silbernagel et al. (2007), tested in Achilles tendinopathy; the numbers are settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import numpy as np
import pandas as pd

from ..log.store import require_columns
from ..plan import ROUNDING_SLACK, Thresholds
from ..text import and_list
from .pain import (
    ThresholdsOnly,
    daily_pain_by_patient,
    reuse_daily,
    session_effects,
    session_effects_by_patient,
    weekly_pain_by_patient,
)
from .periods import (
    DATE_DTYPE,
    PATIENT,
    DayLike,
    day_series,
    keyed,
    keyed_within,
    one_period,
    period_bounds,
    threshold_values,
    unkeyed,
    week_start,
)
from .signals import count_exercise_times, exercise_name, exercise_pain_flags


class FlagKind(StrEnum):
    """The five kinds of flag (equal to their names, so saved tables keep working)."""

    PAIN_AFTER = "pain_after"
    NOT_SETTLED = "not_settled"
    RISING = "rising"
    FLARE = "flare"
    EXERCISE_PAIN = "exercise_pain"


FLAG_COLUMNS = ("date", "end_date", "kind", "session_id", "exercise", "value", "limit",
                "sentence")
FLAG_TITLES = {
    FlagKind.PAIN_AFTER: "Pain after a session above the acceptable level",
    FlagKind.NOT_SETTLED: "Pain not settled by the next day",
    FlagKind.RISING: "Weekly pain rising",
    FlagKind.FLARE: "Flare-up marked",
    FlagKind.EXERCISE_PAIN: "An exercise often hurt or was stopped for pain",
}
PROMPT = "Worth mentioning to your physiotherapist."
ONE_DAY = pd.Timedelta(days=1)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        PATIENT: pd.Series(dtype=object),
        "date": pd.Series(dtype=DATE_DTYPE), "end_date": pd.Series(dtype=DATE_DTYPE),
        "kind": pd.Series(dtype=object), "session_id": pd.Series(dtype=str),
        "exercise": pd.Series(dtype=str), "value": pd.Series(dtype="float64"),
        "limit": pd.Series(dtype="float64"),
        "sentence": pd.Series(dtype=str),
    })  # fmt: skip


def _frame(patient: pd.Series, date: pd.Series, kind: FlagKind, value: pd.Series,
           limit: pd.Series | float, sentence: pd.Series, *, end_date: pd.Series | None = None,
           session_id: pd.Series | None = None, exercise: pd.Series | None = None
           ) -> pd.DataFrame:
    if len(date) == 0:
        return _empty()
    date = day_series(pd.Series(date).reset_index(drop=True))
    return pd.DataFrame({
        PATIENT: pd.Series(patient).to_numpy(),
        "date": date,
        "end_date": date if end_date is None else day_series(
            pd.Series(end_date).reset_index(drop=True)),
        "kind": kind,
        "session_id": "" if session_id is None else session_id.reset_index(drop=True).astype(str),
        "exercise": "" if exercise is None else exercise.reset_index(drop=True).astype(str),
        "value": pd.Series(value).reset_index(drop=True).astype("float64"),
        "limit": (pd.Series(limit).reset_index(drop=True).astype("float64")
                  if isinstance(limit, pd.Series) else float(limit)),
        "sentence": sentence.reset_index(drop=True).astype(str),
    })  # fmt: skip


def _num(values: pd.Series) -> pd.Series:
    """Scores as text without a needless ``.0``."""
    return values.map("{:g}".format).astype(str)


def _per_row(patients: pd.DataFrame, name: str, keys: pd.Series) -> pd.Series:
    """A threshold of each row's patient, aligned with ``keys`` (a patient column)."""
    values = threshold_values(patients["plan"], name)
    return pd.Series(values.reindex(keys.to_numpy()).to_numpy(dtype="float64"),
                     index=keys.index)


def _one(pain: pd.DataFrame, thresholds: Thresholds | None, start: DayLike,
         end: DayLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One patient's pain log keyed, and its ``patients`` frame (the period, the thresholds)."""
    first, last = period_bounds([pain["date"]], start, end)
    return keyed(pain), one_period(first, last, plan=ThresholdsOnly(thresholds or Thresholds()))


def _keyed_or_none(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if frame is None else keyed(frame)


def _dropped(frame: pd.DataFrame) -> pd.DataFrame:
    return unkeyed(frame)[list(FLAG_COLUMNS)]


def pain_after_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                     end: DayLike = None, effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per session whose pain after is above ``thresholds.pain_after_max``.

    A session's pain after is its last after score (a later entry corrects an earlier one), and
    the flag is dated on the session's own day. ``effects`` reuses a
    :func:`~backrelief_analysis.analysis.pain.session_effects` frame of the period.
    """
    require_columns(pain, ("pain", "context", "session_id", "date", "recorded_at"), "the pain log")
    _, patients = _one(pain, thresholds, start, end)
    if effects is None:
        effects = session_effects(pain, start=patients["first"].iloc[0],
                                  end=patients["last"].iloc[0])
    return _dropped(pain_after_by_patient(keyed(effects), patients))


def pain_after_by_patient(effects: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """:func:`pain_after_flags` of every patient, from their keyed session effects
    (:func:`~backrelief_analysis.analysis.pain.session_effects_by_patient`); ``patients`` gives each
    one's plan."""
    limit = _per_row(patients, "pain_after_max", effects[PATIENT])
    high = effects.loc[effects["after"] > limit]
    shown = _num(limit.loc[high.index])
    sentence = ("Pain after the session on " + high["date"].dt.strftime("%Y-%m-%d")
                + " was " + _num(high["after"]) + "/10, above the " + shown + "/10 the plan "
                f"treats as acceptable during and after exercise. {PROMPT}")
    return _frame(high[PATIENT], high["date"], FlagKind.PAIN_AFTER, high["after"],
                  limit.loc[high.index], sentence, session_id=high["session_id"])


def not_settled_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                      end: DayLike = None, effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sessions whose next morning is more than the margin above the pain before.

    The next morning is the first score of the local day after the session's own day that is
    not one of the session's own scores. A session without a before score, or whose next day
    has no such score, cannot raise this flag. ``effects`` reuses a
    :func:`~backrelief_analysis.analysis.pain.session_effects` frame of the period.
    """
    require_columns(pain, ("recorded_at", "pain", "date", "session_id"), "the pain log")
    rows, patients = _one(pain, thresholds, start, end)
    if effects is None:
        effects = session_effects(pain, start=patients["first"].iloc[0],
                                  end=patients["last"].iloc[0])
    return _dropped(not_settled_by_patient(rows, keyed(effects), patients))


def not_settled_by_patient(pain: pd.DataFrame, effects: pd.DataFrame,
                           patients: pd.DataFrame) -> pd.DataFrame:
    """:func:`not_settled_flags` of every patient of a keyed pain log, with their keyed
    session effects, over each one's period (``patients``: period and plan)."""
    effects = effects.dropna(subset=["before"])
    rows = keyed_within(pain, patients)
    rows = pd.DataFrame({PATIENT: rows[PATIENT].to_numpy(),
                         "next_date": day_series(rows["date"]).to_numpy(),
                         "scored_by": rows["session_id"].astype(str).to_numpy(),
                         "recorded_at": rows["recorded_at"].to_numpy(),
                         "next_first": rows["pain"].to_numpy()})
    effects = effects.assign(next_date=effects["date"] + ONE_DAY)
    candidates = effects.merge(rows, on=[PATIENT, "next_date"], how="inner")
    candidates = candidates.loc[candidates["scored_by"] != candidates["session_id"]]
    joined = candidates.sort_values("recorded_at", kind="stable").drop_duplicates(
        [PATIENT, "session_id"], keep="first").sort_values([PATIENT, "date", "session_id"],
                                                           kind="stable")
    margin = _per_row(patients, "settle_margin_points", joined[PATIENT])
    joined = joined.assign(limit=joined["before"] + margin, margin=margin)
    hit = joined.loc[joined["next_first"] > joined["limit"]]
    points = hit["margin"].map(lambda value: f"{value:g} point{'' if value == 1 else 's'}")
    sentence = ("The first score on " + hit["next_date"].dt.strftime("%Y-%m-%d") + " was "
                + _num(hit["next_first"]) + "/10, more than " + points + " above the "
                + _num(hit["before"]) + "/10 before the session on "
                + hit["date"].dt.strftime("%Y-%m-%d")
                + f": pain had not settled by the next day. {PROMPT}")
    return _frame(hit[PATIENT], hit["date"], FlagKind.NOT_SETTLED, hit["next_first"],
                  hit["limit"], sentence, end_date=hit["next_date"],
                  session_id=hit["session_id"])


def rising_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                 end: DayLike = None, daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per run of rising weekly means that holds a rise of ``rising_points``.

    A week counts when its mean is at least ``thresholds.rising_points`` above the week before,
    or above the mean ``k`` weeks before (``k`` up to ``thresholds.rising_weeks``) with every
    week in between higher than the last. A week without a score breaks a run.
    """
    daily = reuse_daily(pain, daily, start=start, end=end)
    first, last = period_bounds([daily["date"]])
    patients = one_period(first, last, plan=ThresholdsOnly(thresholds))
    return _dropped(rising_by_patient(weekly_pain_by_patient(keyed(daily), patients), patients))


def rising_by_patient(weeks: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """:func:`rising_flags` of every patient, from their keyed weekly pain
    (:func:`~.analysis.pain.weekly_pain_by_patient`); ``patients`` gives the plans."""
    weeks = weeks.reset_index(drop=True)
    if weeks.empty:
        return _empty()
    keys = weeks[PATIENT]
    # weeks are contiguous per patient: a shift by k weeks is the row k above, within the
    # patient when the week's position in the patient's period is at least k
    position = weeks.groupby(PATIENT, sort=False).cumcount().to_numpy()
    means = weeks["mean"].to_numpy(dtype="float64")

    def back(values: np.ndarray, span: int) -> np.ndarray:
        shifted = np.full(len(values), np.nan)
        shifted[span:] = values[:-span]
        return np.where(position >= span, shifted, np.nan)

    rise = means - back(means, 1) > 0
    rises_so_far = np.cumsum(rise).astype("float64")
    spans = _per_row(patients, "rising_weeks", keys).to_numpy()
    points = _per_row(patients, "rising_points", keys).to_numpy()
    reached = np.zeros(len(weeks), dtype=bool)
    for span in range(1, max(int(np.nanmax(spans)), 1) + 1):
        # every week of the span rose: a rise at each of the span's weeks
        every_week_rose = rises_so_far - back(rises_so_far, span) == span
        gain = means - back(means, span)
        reached |= ((span <= np.maximum(spans, 1)) & every_week_rose
                    & (gain >= points - ROUNDING_SLACK))
    # runs of rising weeks within one patient
    new_run = np.r_[True, (rise[1:] != rise[:-1]) | (keys.to_numpy()[1:] != keys.to_numpy()[:-1])]
    run_id = np.cumsum(new_run)
    runs = pd.DataFrame({"run": run_id, "rise": rise, "reached": reached,
                         "row": np.arange(len(weeks))})
    by_run = runs.loc[runs["rise"]].groupby("run").agg(
        first=("row", "min"), last=("row", "max"), length=("row", "size"),
        reached=("reached", "any"))
    flagged = by_run.loc[by_run["reached"]]
    if flagged.empty:
        return _empty()
    start_rows = weeks.iloc[flagged["first"].to_numpy() - 1].reset_index(drop=True)
    end_rows = weeks.iloc[flagged["last"].to_numpy()].reset_index(drop=True)
    lengths = flagged["length"].reset_index(drop=True)
    limit = _per_row(patients, "rising_points", end_rows[PATIENT])
    gain = (end_rows["mean"] - start_rows["mean"]).map("{:+.1f}".format).astype(str)
    running = lengths.map(lambda n: "in 1 week" if n == 1 else f"over {n} weeks running")
    sentence = ("Weekly mean pain rose from " + start_rows["mean"].map("{:.1f}".format)
                + "/10 in " + start_rows["week"] + " to "
                + end_rows["mean"].map("{:.1f}".format) + "/10 in " + end_rows["week"]
                + " (" + gain + " points " + running + "; a rise of "
                + _num(limit) + f" point or more is flagged). {PROMPT}")
    return _frame(end_rows[PATIENT], end_rows["week_start"], FlagKind.RISING, end_rows["mean"],
                  start_rows["mean"], sentence,
                  end_date=end_rows["week_start"] + pd.Timedelta(days=6))


def flare_flags(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None,
                daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per run of consecutive local days with a flare-up mark."""
    daily = reuse_daily(pain, daily, start=start, end=end)
    return _dropped(flare_by_patient(keyed(daily)))


def flare_by_patient(daily: pd.DataFrame) -> pd.DataFrame:
    """:func:`flare_flags` of every patient, from their keyed daily pain
    (:func:`~backrelief_analysis.analysis.pain.daily_pain_by_patient`)."""
    flare_days = daily.loc[daily["flare"], [PATIENT, "date"]].reset_index(drop=True)
    if flare_days.empty:
        return _empty()
    keys = flare_days[PATIENT].to_numpy()
    days = flare_days["date"].to_numpy()
    new_run = np.r_[True, (keys[1:] != keys[:-1])
                    | (days[1:] - days[:-1] != np.timedelta64(1, "D"))]
    by_run = flare_days.assign(run=np.cumsum(new_run)).groupby("run").agg(
        patient=(PATIENT, "first"), first=("date", "min"), last=("date", "max"),
        days=("date", "size"))
    first_text = by_run["first"].dt.strftime("%Y-%m-%d")
    many = ("Flare-up marked on " + by_run["days"].astype(str) + " days running, "
            + first_text + " to " + by_run["last"].dt.strftime("%Y-%m-%d") + f". {PROMPT}")
    one = "Flare-up marked on " + first_text + f". {PROMPT}"
    sentence = many.where(by_run["days"] > 1, one)
    return _frame(by_run[PATIENT], by_run["first"], FlagKind.FLARE, by_run["days"],
                  float("nan"), sentence, end_date=by_run["last"])


def all_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
              end: DayLike = None, daily: pd.DataFrame | None = None,
              effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every flag of the period, sorted by date.

    ``daily`` and ``effects`` reuse :func:`~backrelief_analysis.analysis.pain.daily_pain` and
    :func:`~backrelief_analysis.analysis.pain.session_effects` frames of the same period.

    Returns
    -------
    pandas.DataFrame
        ``date`` (the day it concerns; for ``rising`` the Monday of the last rising week),
        ``end_date`` (last day it covers), ``kind`` (:class:`FlagKind`, see
        :data:`FLAG_TITLES`), ``session_id`` ("" when none), ``value`` (the number that raised
        it: a score, a weekly mean, or the days in a flare run), ``limit`` (what it was
        compared with; NaN for flares), ``sentence`` (plain words, ending with a prompt to
        talk to the physiotherapist). The pain log alone raises no ``exercise_pain`` flag:
        :func:`flags_by_patient` does, given the exercise times.
    """
    require_columns(pain, ("recorded_at", "pain", "context", "session_id", "flare", "date"),
                    "the pain log")
    rows, patients = _one(pain, thresholds, start, end)
    first = patients["first"].iloc[0]
    if pd.isna(first):
        return _empty().drop(columns=PATIENT)
    daily = keyed(daily) if daily is not None else daily_pain_by_patient(rows, patients)
    effects = (keyed(effects) if effects is not None
               else session_effects_by_patient(rows, patients))
    return _dropped(flags_by_patient(rows, patients, daily=daily, effects=effects))


def exercise_pain_by_patient(times: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """One flag per patient and exercise that often hurt or was stopped for pain, from the
    keyed times of each period (:func:`~.signals.exercise_times_by_patient`), with each
    patient's plan thresholds (``exercise_pain_times``, ``exercise_pain_percent``) and
    exercise names (``patients``: period and plan).

    Each exercise is judged in windows of ``recent_weeks`` ISO weeks counted back from the
    week of the period's last day (the last window is the caseload's "last 4 weeks"), so an
    exercise that hurt often early in a long period and no longer is a flag of those weeks,
    and one that began to hurt lately is not diluted by the months before.

    ``value`` is the times it hurt or was stopped for pain in the window, ``limit`` the fewest
    times flagged; the flag runs from the first to the last of those times.
    """
    if times.empty:
        return _empty()
    plans = patients["plan"]
    rows = times[PATIENT].to_numpy()
    last_week = week_start(patients["last"]).reindex(rows).to_numpy(dtype=DATE_DTYPE)
    weeks_back = ((last_week - week_start(times["date"]).to_numpy(dtype=DATE_DTYPE))
                  // np.timedelta64(7, "D"))
    span = threshold_values(plans, "recent_weeks").reindex(rows).to_numpy(dtype="int64")
    times = times.assign(window=weeks_back // span)
    flagged = exercise_pain_flags(count_exercise_times(times, by=("window",)),
                                  threshold_values(plans, "exercise_pain_times"),
                                  threshold_values(plans, "exercise_pain_percent"))
    if flagged.empty:
        return _empty()
    keys = [PATIENT, "exercise", "window"]
    days = (times.loc[times["pain_times"]].groupby(keys, sort=False)["date"]
            .agg(first="min", last="max").reset_index())
    flagged = flagged.merge(days, on=keys, how="left")
    names = [exercise_name(plans.get(key), exercise)
             for key, exercise in zip(flagged[PATIENT], flagged["exercise"], strict=True)]
    first = flagged["first"].dt.strftime("%Y-%m-%d")
    last = flagged["last"].dt.strftime("%Y-%m-%d")
    span = ("first " + first + ", last " + last).where(first != last, "on " + first)
    sentence = (pd.Series(names, index=flagged.index) + " hurt or was stopped for pain "
                + flagged["pain_times"].astype(str) + " of " + flagged["offered"].astype(str)
                + " times (" + span + f"). {PROMPT}")
    limit = _per_row(patients, "exercise_pain_times", flagged[PATIENT])
    return _frame(flagged[PATIENT], flagged["first"], FlagKind.EXERCISE_PAIN,
                  flagged["pain_times"], limit, sentence, end_date=flagged["last"],
                  exercise=flagged["exercise"])


def flag_sizes(flag_table: pd.DataFrame) -> pd.Series:
    """Each flag's size in units of its own threshold: the times an exercise hurt over the
    fewest flagged (``value / limit``) for :attr:`FlagKind.EXERCISE_PAIN`, one (a threshold
    crossed) for every other kind."""
    sized = (flag_table["kind"] == FlagKind.EXERCISE_PAIN) & (flag_table["limit"] > 0)
    ratio = flag_table["value"] / flag_table["limit"].where(sized)
    return ratio.where(sized, 1.0).astype("float64")


def flags_by_patient(pain: pd.DataFrame, patients: pd.DataFrame, *, daily: pd.DataFrame,
                     effects: pd.DataFrame, weekly: pd.DataFrame | None = None,
                     times: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`all_flags` of every patient: ``patient`` first, then by date and kind.

    Parameters
    ----------
    pain
        The keyed pain log.
    patients
        Indexed by ``patient``: ``first``, ``last`` (the period) and ``plan`` (its thresholds).
    daily, effects, weekly
        :func:`~backrelief_analysis.analysis.pain.daily_pain_by_patient`,
        :func:`~.analysis.pain.session_effects_by_patient` and (made from ``daily``
        when not given) :func:`~.analysis.pain.weekly_pain_by_patient` of the periods.
    times
        :func:`~.signals.exercise_times_by_patient` of the periods (None: no exercise flags).
    """
    if weekly is None:
        weekly = weekly_pain_by_patient(daily, patients)
    parts = [
        pain_after_by_patient(effects, patients),
        not_settled_by_patient(pain, effects, patients),
        rising_by_patient(weekly, patients),
        flare_by_patient(daily),
        exercise_pain_by_patient(times, patients) if times is not None else _empty(),
    ]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return _empty()
    order = {kind: index for index, kind in enumerate(FLAG_TITLES)}
    result = pd.concat(parts, ignore_index=True)
    result["_order"] = result["kind"].map(order)
    result = result.sort_values([PATIENT, "date", "_order"], kind="stable").drop(
        columns="_order")
    return result.reset_index(drop=True)[[PATIENT, *FLAG_COLUMNS]]


_WORST = {
    # kind: the worst (highest) value in words
    FlagKind.PAIN_AFTER: "worst score after a session {value:g}/10 (limit {limit:g})",
    "not_settled": "worst next-day first score {value:g}/10",
    "rising": "highest weekly mean {value:.1f}/10",
    "flare": "longest run {value:g} day(s)",
    FlagKind.EXERCISE_PAIN: "{names}: hurt or stopped for pain up to {value:g} times "
                            "({worst_name}flagged from {limit:g})",
}


def flag_groups(flag_table: pd.DataFrame, names: Mapping[str, str] | None = None, *,
                most_named: int = 3) -> pd.DataFrame:
    """One row per kind of flag: how many, the first and last day, and the worst value.

    Parameters
    ----------
    flag_table
        :func:`all_flags`.
    names
        Exercise ids to the names to say in :attr:`FlagKind.EXERCISE_PAIN`'s text (an id
        without one is said as it is).
    most_named
        Exercises named in that text at most; the rest are counted.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``title`` (:data:`FLAG_TITLES`), ``count``, ``first`` (first day),
        ``last`` (last day covered), ``worst`` (highest value: a score, a weekly mean, the
        days of the longest flare run or the most times one exercise hurt) and
        ``worst_text`` (the worst value in words), in the order of :data:`FLAG_TITLES`.
    """
    require_columns(flag_table, FLAG_COLUMNS, "the flags")
    rows = []
    for kind, title in FLAG_TITLES.items():
        group = flag_table.loc[flag_table["kind"] == kind]
        if group.empty:
            continue
        worst = group.loc[group["value"].idxmax()]
        # the exercises flagged, in order of their first flag; the worst named when not alone
        said = [(names or {}).get(exercise, exercise)
                for exercise in dict.fromkeys(group["exercise"])]
        worst_name = f"{(names or {}).get(worst['exercise'], worst['exercise'])}; " \
            if len(said) > 1 else ""
        if len(said) > most_named:
            said = [*said[:most_named - 1], f"{len(said) - most_named + 1} more"]
        rows.append({"kind": kind, "title": title, "count": len(group),
                     "first": group["date"].min(), "last": group["end_date"].max(),
                     "worst": worst["value"],
                     "worst_text": _WORST[kind].format(value=worst["value"],
                                                       limit=worst["limit"],
                                                       names=and_list(said),
                                                       worst_name=worst_name)})
    return pd.DataFrame(rows, columns=["kind", "title", "count", "first", "last", "worst",
                                       "worst_text"])
