"""Pain over time: daily and weekly series, baseline against latest, trend, effect of a session.

Definitions used throughout
---------------------------
- Scores are NPRS 0-10; a day is the local calendar day a score was recorded on.
- The *daily mean* is the mean of every score of that day, whatever its context.
- The *weekly mean / median* are taken over the daily means of the ISO week, so a day with a
  session (two scores) weighs the same as a day with one check-in.
- *Baseline*: mean of the daily means of the first ``thresholds.baseline_days`` days that have a
  score in the **whole log** (from ``thresholds.baseline_from`` when set), whatever period is
  shown. *Latest*: mean of the daily means of the last ``thresholds.latest_days`` days of the
  period that have a score. Both are only compared when the two windows do not overlap.
- *A session's scores*: the last ``before_session`` and the last ``after_session`` score of the
  session (a later entry corrects an earlier one), from :func:`session_scores`, which the
  analysis, the report and the export all use.
- *Session effect*: after minus before (negative means pain fell), over sessions in which at
  least one rep was done.
- *Trend*: Theil-Sen slope of the **weekly** means, so that its interval allows for the
  correlation of neighbouring days' scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from ..log.store import CONTEXTS, require_columns
from ..plan import ROUNDING_SLACK, Thresholds
from ..text import Dates, plural
from .periods import (
    DATE_DTYPE,
    PATIENT,
    DayLike,
    day_series,
    keyed,
    keyed_days,
    keyed_weeks,
    keyed_within,
    one_period,
    period_bounds,
    unkeyed,
    week_label,
    week_start,
)

PAIN_NEEDS = ("recorded_at", "pain", "context", "session_id", "flare", "date")
ROLLING_DAYS = 7  # calendar days in the rolling mean
ROLLING_MIN_DAYS = 3  # days with a score needed inside the window before it shows a value
TREND_MAX_POINTS = 1000  # Theil-Sen is O(n^2) in time and memory: above this many weeks,
# fit the means of several-week bins (2 weeks, 3 weeks, ...) so at most this many remain
# named wherever the interval is shown; weekly means, because neighbouring days' scores are
# alike and an interval from daily points would be too narrow
TREND_METHOD = "Theil-Sen fit on weekly means"
CONFIDENCE = 0.95
SCALE_MAX = 10  # NPRS 0-10: a change across a session lies within -10..+10
SESSION_CONTEXTS = ("before_session", "after_session")
MIN_VALUES_FOR_SPREAD = 2  # a standard deviation needs two values



class Verdict(StrEnum):
    """The verdict on a change of pain (equal to its text, so saved tables keep working)."""

    IMPROVEMENT = "clinically meaningful improvement"
    WORSENING = "meaningful worsening"
    NO_CLEAR_CHANGE = "no clear change"
    NOT_ENOUGH = "not enough data"


IMPROVEMENT = Verdict.IMPROVEMENT
WORSENING = Verdict.WORSENING
NO_CLEAR_CHANGE = Verdict.NO_CLEAR_CHANGE
NOT_ENOUGH = Verdict.NOT_ENOUGH


def _pain_in_period(pain: pd.DataFrame, start: DayLike, end: DayLike) -> tuple:
    """The one patient's pain log keyed, and its ``patients`` frame for the period."""
    require_columns(pain, PAIN_NEEDS, "the pain log")
    first, last = period_bounds([pain["date"]], start, end)
    return keyed(pain), one_period(first, last)


def daily_pain(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None) -> pd.DataFrame:
    """One row per local day of the period with that day's scores.

    Parameters
    ----------
    pain
        The pain frame of a :class:`~backrelief_analysis.log.store.Log`.
    start, end
        The period (inclusive); by default the first and last day with a score.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``week``, ``before_session``, ``after_session``, ``check_in`` (mean score of
        that context, NaN when none), ``mean`` (mean of all scores), ``scores`` (count),
        ``rolling_mean`` (mean of the daily means over the last 7 calendar days, shown once 3
        of them have a score), ``flare`` (a score that day was marked as a flare-up).
    """
    rows, patients = _pain_in_period(pain, start, end)
    return unkeyed(daily_pain_by_patient(rows, patients))


def daily_pain_by_patient(pain: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """:func:`daily_pain` of every patient of a keyed pain log, over each one's period
    (``patients``: ``first``, ``last`` indexed by patient); ``patient`` first."""
    require_columns(pain, (PATIENT, *PAIN_NEEDS), "the pain log")
    rows = keyed_within(pain, patients)
    rows = rows.assign(date=day_series(rows["date"]), is_flare=rows["flare"] == "yes")
    days = keyed_days(patients)
    keys = [PATIENT, "date"]
    by_day = rows.groupby(keys).agg(mean=("pain", "mean"), scores=("pain", "size"),
                                    flare=("is_flare", "any"))
    where = pd.MultiIndex.from_frame(days)
    by_day = by_day.reindex(where)
    result = days.copy()
    result["week"] = week_label(week_start(result["date"]))
    for context in CONTEXTS:
        of_context = rows.loc[rows["context"] == context].groupby(keys)["pain"].mean()
        result[context] = of_context.reindex(where).to_numpy(dtype="float64")
    result["mean"] = by_day["mean"].to_numpy(dtype="float64")
    result["scores"] = by_day["scores"].fillna(0).to_numpy(dtype="int64")
    rolling = result.groupby(PATIENT, sort=False)["mean"].rolling(
        ROLLING_DAYS, min_periods=ROLLING_MIN_DAYS).mean()
    result["rolling_mean"] = rolling.reset_index(level=0, drop=True).reindex(result.index)
    result["flare"] = by_day["flare"].fillna(False).to_numpy(dtype=bool)
    return result


def reuse_daily(pain: pd.DataFrame, daily: pd.DataFrame | None, *, start: DayLike = None,
                end: DayLike = None) -> pd.DataFrame:
    """``daily`` when the caller already has :func:`daily_pain` of this period, else compute it."""
    return daily if daily is not None else daily_pain(pain, start=start, end=end)


def weekly_pain(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None,
                daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean and median of the daily means per ISO week; every week of the period appears.

    Parameters
    ----------
    daily
        :func:`daily_pain` of the same pain and period, when the caller has it already
        (:func:`~backrelief_analysis.analysis.summary.summarise` does): it is not computed again.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``week_start``, ``days_in_period``, ``days_with_score``, ``mean``, ``median``
        (NaN for a week without a score), ``flare_days``.
    """
    daily = reuse_daily(pain, daily, start=start, end=end)
    first, last = period_bounds([daily["date"]])
    return unkeyed(weekly_pain_by_patient(keyed(daily), one_period(first, last)))


def weekly_pain_by_patient(daily: pd.DataFrame, patients: pd.DataFrame, *,
                           weeks: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`weekly_pain` of every patient, from a keyed :func:`daily_pain_by_patient` of
    their periods (``patients``); ``patient`` first. ``weeks`` is
    :func:`~backrelief_analysis.analysis.periods.keyed_weeks` of ``patients``, when the caller
    has it."""
    weeks = keyed_weeks(patients) if weeks is None else weeks
    scored = daily.loc[daily["scores"] > 0]
    scored = scored.assign(week_start=week_start(scored["date"]))
    stats_by_week = scored.groupby([PATIENT, "week_start"]).agg(
        days_with_score=("mean", "size"), mean=("mean", "mean"), median=("mean", "median"),
        flare_days=("flare", "sum"),
    )
    result = weeks.merge(stats_by_week, how="left", left_on=[PATIENT, "week_start"],
                         right_index=True)
    for column in ("days_with_score", "flare_days"):
        result[column] = result[column].fillna(0).astype("int64")
    return result[[PATIENT, "week", "week_start", "days_in_period", "days_with_score", "mean",
                   "median", "flare_days"]].reset_index(drop=True)


def agreeing(value: float, limits: tuple[float, ...], decimals: int = 1, *,
             signed: bool = True) -> str:
    """``value`` with enough decimals that, as shown, it sits on the same side of every limit.

    A fall of 29.6 % shown as "-30" next to "30 % rule not met" reads as a contradiction: one
    more decimal ("-29.6") agrees with the verdict. Up to four extra decimals are tried; a value
    closer still is said in words ("just under 30").

    Example
    -------
    >>> agreeing(-1.96, (2,)), agreeing(-29.6, (30,), 0), agreeing(-2.04, (2,))
    ('-1.96', '-29.6', '-2.0')
    """
    sign = "+" if signed else ""
    for places in range(decimals, decimals + 5):
        text = f"{value:{sign}.{places}f}"
        if _same_side(float(text), value, limits):
            return text
    limit = min((limit for limit in limits if abs(value) < limit - ROUNDING_SLACK),
                default=abs(value))
    return f"{'-' if value < 0 else sign}just under {limit:g}"


def adding_up(before: float, after: float, limits: tuple[float, ...], decimals: int = 1
              ) -> tuple[str, str, str]:
    """``before``, ``after`` and the change between them, as texts that add up when printed.

    "5.9 → 3.1, change -2.7" does not add up, although each number is right to one decimal:
    the change is worked out from the numbers as shown ("-2.8"). Where that would move the
    change across a limit of the verdict (a true -1.98 shown as "6.0 → 4.0, -2.0"), every
    number gets one more decimal, as :func:`agreeing` does, until it agrees. A change too close
    to a limit for four more decimals is said in words.

    Example
    -------
    >>> adding_up(5.857, 3.143, (2.0, 1.0)), adding_up(5.96, 3.98, (2.0, 1.0))
    (('5.9', '3.1', '-2.8'), ('5.96', '3.98', '-1.98'))
    """
    for places in range(decimals, decimals + 5):
        shown_before, shown_after = f"{before:.{places}f}", f"{after:.{places}f}"
        change = f"{float(shown_after) - float(shown_before):+.{places}f}"
        if _same_side(float(change), after - before, limits):
            return shown_before, shown_after, change
    return f"{before:.{decimals}f}", f"{after:.{decimals}f}", agreeing(after - before, limits)


def _same_side(shown: float, value: float, limits: tuple[float, ...]) -> bool:
    """Whether ``shown`` is on the same side of every limit as ``value`` (sizes compared)."""
    return all((abs(shown) >= limit - ROUNDING_SLACK) == (abs(value) >= limit - ROUNDING_SLACK)
               for limit in limits)


def _rule_names(thresholds: Thresholds) -> tuple[str, str]:
    """The two rules of a meaningful pain change as the verdict names them."""
    points = thresholds.pain_change_points
    return f"{points:g} point{'' if points == 1 else 's'}", f"{thresholds.pain_change_percent:g} %"


@dataclass(frozen=True)
class JudgedChange:
    """A pain change judged by the plan's rules, with the texts that agree with the verdict.

    ``points`` and ``percent`` are latest minus baseline (NaN percent for a baseline of 0);
    ``rules`` names the rules met; the texts are those of :class:`PainChange`.
    """

    points: float
    percent: float
    verdict: str
    rules: tuple[str, ...]
    baseline_text: str
    latest_text: str
    points_text: str
    percent_text: str

    @property
    def shown(self) -> str:
        """``"6.6 → 5.1 (-1.5, -22 %)"``: the two means and the change, as the report says them."""
        return (f"{self.baseline_text} → {self.latest_text} ({self.points_text}, "
                f"{self.percent_text})")


def judge_change(baseline: float, latest: float, thresholds: Thresholds) -> JudgedChange:
    """Judge a change of pain from ``baseline`` to ``latest`` (two means, 0-10): the one
    verdict and the one wording that the report and the caseload both show.

    Improvement when pain fell by at least ``thresholds.pain_change_points`` points OR by at
    least ``thresholds.pain_change_percent`` % of the baseline; worsening for the same rise;
    never under ``thresholds.min_change_points``.

    Example
    -------
    >>> judge_change(46 / 7, 36 / 7, Thresholds()).shown
    '6.6 → 5.1 (-1.5, -22 %)'
    """
    points = latest - baseline
    percent = 100.0 * points / baseline if baseline > 0 else float("nan")
    rule_points, rule_percent = _rule_names(thresholds)
    size = abs(points)
    big_enough = size > 0 and size >= thresholds.min_change_points - ROUNDING_SLACK
    rules = tuple(
        rule for rule, met in (
            (rule_points, size >= thresholds.pain_change_points - ROUNDING_SLACK),
            (rule_percent, not np.isnan(percent)
             and abs(percent) >= thresholds.pain_change_percent - ROUNDING_SLACK),
        ) if met and big_enough
    )  # fmt: skip
    verdict = (IMPROVEMENT if rules and points < 0 else WORSENING if rules and points > 0
               else NO_CLEAR_CHANGE)
    baseline_text, latest_text, points_text = adding_up(
        baseline, latest, (thresholds.pain_change_points, thresholds.min_change_points))
    percent_text = ("n/a, baseline 0" if np.isnan(percent)
                    else agreeing(percent, (thresholds.pain_change_percent,), 0) + " %")
    return JudgedChange(points, percent, verdict, rules, baseline_text, latest_text,
                        points_text, percent_text)


@dataclass(frozen=True)
class PainChange:
    """Baseline against latest pain, with the clinical verdict.

    ``change_points`` and ``change_percent`` are latest minus baseline (negative = less pain).
    ``rules_met`` names the rule(s) behind the verdict, e.g. ``("2 points", "30 %")``;
    ``points_text`` and ``percent_text`` show the change with enough decimals to agree with it
    (``points_text`` is worked out from the two means as shown);
    ``baseline_note`` says where the baseline comes from and ``why`` which rule decided;
    ``baseline_text`` and ``latest_text`` show the two means so that, as printed, latest minus
    baseline is ``points_text`` (see :func:`adding_up`); ``judged`` is the :func:`judge_change`
    they all come from.
    """

    baseline: float
    baseline_days: int
    baseline_first: pd.Timestamp | None
    baseline_last: pd.Timestamp | None
    latest: float
    latest_days: int
    latest_first: pd.Timestamp | None
    latest_last: pd.Timestamp | None
    change_points: float
    change_percent: float
    verdict: str
    rules_met: tuple[str, ...]
    message: str
    points_text: str = ""
    percent_text: str = ""
    baseline_note: str = ""
    why: str = ""
    baseline_text: str = ""
    latest_text: str = ""
    judged: JudgedChange | None = None  # None: not enough data to compare

    @property
    def enough_data(self) -> bool:
        """True when baseline and latest could be compared."""
        return self.verdict != NOT_ENOUGH

    @property
    def shown(self) -> str:
        """The comparison in a table cell (:attr:`JudgedChange.shown`); empty without one."""
        return self.judged.shown if self.judged is not None else ""


def _scored_days(pain: pd.DataFrame) -> pd.DataFrame:
    """``patient``, ``date`` and ``mean`` of every local day with a score of a keyed pain log
    (a cheap daily mean), sorted by patient and day."""
    frame = pd.DataFrame({PATIENT: pain[PATIENT].to_numpy(),
                          "date": day_series(pain["date"]).to_numpy(),
                          "pain": pain["pain"].to_numpy(dtype="float64")})
    means = frame.groupby([PATIENT, "date"], sort=True)["pain"].mean()
    return pd.DataFrame({PATIENT: means.index.get_level_values(0),
                         "date": day_series(pd.Series(means.index.get_level_values(1))),
                         "mean": means.to_numpy(dtype="float64")})


def _slices(keys: np.ndarray, patients: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Offset and length of each patient's rows in a frame sorted by patient."""
    codes = patients.get_indexer(keys)
    counts = np.bincount(codes[codes >= 0], minlength=len(patients))
    starts = np.searchsorted(codes, np.arange(len(patients))) if len(codes) else np.zeros(
        len(patients), dtype="int64")
    return starts, counts


CHANGE_COLUMNS = ("baseline", "baseline_days", "baseline_found", "baseline_first",
                  "baseline_last", "latest", "latest_days", "latest_first", "latest_last",
                  "after_baseline", "change_points", "change_percent", "verdict", "judged")


def baseline_changes(pain: pd.DataFrame, daily: pd.DataFrame,
                     patients: pd.DataFrame) -> pd.DataFrame:
    """Baseline against latest pain of every patient, with the verdict (see
    :func:`baseline_change`, its one-patient form with words).

    Parameters
    ----------
    pain
        The keyed pain log of the **whole** logs (the baseline does not move with the period).
    daily
        :func:`daily_pain_by_patient` of the periods.
    patients
        Indexed by ``patient``: ``plan`` (thresholds ``baseline_days``, ``baseline_from``,
        ``latest_days`` and the rules of :func:`judge_change`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient``: ``baseline``, ``baseline_days`` (days needed),
        ``baseline_found``, ``baseline_first``, ``baseline_last``, ``latest``,
        ``latest_days``, ``latest_first``, ``latest_last``, ``after_baseline`` (days with a
        score in the period after the baseline), ``change_points``, ``change_percent``,
        ``verdict`` (:class:`Verdict`) and ``judged`` (the :class:`JudgedChange`, None
        without a comparison).
    """
    require_columns(pain, (PATIENT, "pain", "date"), "the pain log")
    keys = patients.index
    whole = _scored_days(pain)
    period = daily.loc[daily["scores"] > 0, [PATIENT, "date", "mean"]]
    period = period.sort_values([PATIENT, "date"], kind="stable")
    whole_at, whole_n = _slices(whole[PATIENT].to_numpy(), keys)
    period_at, period_n = _slices(period[PATIENT].to_numpy(), keys)
    whole_days, whole_means = whole["date"].to_numpy(), whole["mean"].to_numpy()
    period_days = period["date"].to_numpy()
    period_means = period["mean"].to_numpy(dtype="float64")
    nan, nat = float("nan"), pd.NaT
    rows = []
    for index, plan in enumerate(patients["plan"]):
        th = plan.thresholds
        need, latest_days = int(th.baseline_days), int(th.latest_days)
        at, count = whole_at[index], whole_n[index]
        days, means = whole_days[at:at + count], whole_means[at:at + count]
        if th.baseline_from is not None:
            keep = days >= np.datetime64(pd.Timestamp(th.baseline_from))
            days, means = days[keep], means[keep]
        base_days, base = days[:need], means[:need]
        at, count = period_at[index], period_n[index]
        mine_days, mine = period_days[at:at + count], period_means[at:at + count]
        late_days, late = mine_days[-latest_days:], mine[-latest_days:]
        if len(base) < need or len(late) < latest_days or late_days[0] <= base_days[-1]:
            after = int((mine_days > base_days[-1]).sum()) if len(base) else 0
            rows.append((nan, need, len(base), nat, nat, nan, latest_days, nat, nat, after,
                         nan, nan, NOT_ENOUGH, None))
            continue
        # each mean as pandas takes it: numpy's sum over the values, over their number
        baseline, latest = float(base.sum() / len(base)), float(late.sum() / len(late))
        judged = judge_change(baseline, latest, th)
        rows.append((baseline, need, len(base), base_days[0], base_days[-1], latest,
                     latest_days, late_days[0], late_days[-1], len(late), judged.points,
                     judged.percent, judged.verdict, judged))
    result = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS), index=keys)
    for column in ("baseline_first", "baseline_last", "latest_first", "latest_last"):
        result[column] = pd.to_datetime(result[column]).astype(DATE_DTYPE)
    result["verdict"] = result["verdict"].astype(object)
    return result


def baseline_change(
    pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None, end: DayLike = None,
    daily: pd.DataFrame | None = None, day: Callable[[object], str] | None = None,
) -> PainChange:
    """Compare the baseline with the latest week of scores and give the clinical verdict.

    Parameters
    ----------
    pain
        The pain frame of the **whole** log: the baseline is its first
        ``thresholds.baseline_days`` days with a score (from ``thresholds.baseline_from`` when
        set), whatever period is shown, so a shorter period cannot move it.
    start, end
        The period whose last ``thresholds.latest_days`` days with a score are "latest".
    daily
        A :func:`daily_pain` frame of the period, when the caller has one.
    day
        Says a day in the message (:meth:`~backrelief_analysis.text.Dates.day`; by default
        calendar dates).

    Improvement when pain fell by at least ``thresholds.pain_change_points`` points OR by at
    least ``thresholds.pain_change_percent`` % of the baseline; worsening for the same rise. A
    change under ``thresholds.min_change_points`` is never meaningful, either way.
    """
    require_columns(pain, PAIN_NEEDS, "the pain log")
    daily = reuse_daily(pain, daily, start=start, end=end)
    patients = one_period(None, None, plan=ThresholdsOnly(thresholds))
    changes = baseline_changes(keyed(pain), keyed(daily), patients)
    return pain_change(changes.iloc[0], thresholds, day=day)


@dataclass(frozen=True)
class ThresholdsOnly:
    """Stands in for a plan where only its thresholds are read (a one-patient function given
    thresholds, not a plan)."""

    thresholds: Thresholds


def pain_change(row: pd.Series, thresholds: Thresholds,
                day: Callable[[object], str] | None = None) -> PainChange:
    """The :class:`PainChange` (numbers and words) of one patient's row of
    :func:`baseline_changes`; ``day`` says a day (calendar dates by default)."""
    need, latest_days = int(row["baseline_days"]), int(row["latest_days"])
    say = day or Dates.named().day
    since = ("in the whole log" if thresholds.baseline_from is None
             else f"from {say(thresholds.baseline_from)}")
    nan, none = float("nan"), None
    judged = row["judged"]
    if judged is None:
        message = (
            f"Not enough data to compare: the comparison needs {need + latest_days} days "
            f"with a pain score ({need} for the baseline, the first days with a score "
            f"{since}, and {latest_days} more in the period after them for the latest week); "
            f"found {int(row['baseline_found'])} for the baseline and "
            f"{plural(int(row['after_baseline']), 'day')} after it."
        )
        return PainChange(nan, 0, none, none, nan, 0, none, none, nan, nan, NOT_ENOUGH, (),
                          message)
    rule_points, rule_percent = _rule_names(thresholds)
    if judged.rules:
        rules = judged.rules
        why = f" ({' and '.join(rules)} rule{'s' if len(rules) > 1 else ''} met)"
    elif abs(judged.points) < thresholds.min_change_points - ROUNDING_SLACK:
        why = (f" (under {thresholds.min_change_points:g} point, below what a score can "
               "reliably detect)")
    else:
        why = f" (neither the {rule_points} nor the {rule_percent} rule met)"
    base_first, base_last = row["baseline_first"], row["baseline_last"]
    late_first, late_last = row["latest_first"], row["latest_last"]
    message = (
        f"Baseline {judged.baseline_text}/10 (first {plural(need, 'day')} with a score "
        f"{since}, {say(base_first)} to {say(base_last)}); latest "
        f"{judged.latest_text}/10 (last {plural(latest_days, 'day')} with a score, "
        f"{say(late_first)} to {say(late_last)}). Change "
        f"{judged.points_text} points ({judged.percent_text}): {judged.verdict}{why}."
    )
    return PainChange(
        float(row["baseline"]), need, base_first, base_last,
        float(row["latest"]), latest_days, late_first, late_last,
        judged.points, judged.percent, judged.verdict, judged.rules, message,
        judged.points_text, judged.percent_text,
        f"first {plural(need, 'day')} with a score {since}", why.strip(" ()"),
        judged.baseline_text, judged.latest_text, judged,
    )  # fmt: skip


@dataclass(frozen=True)
class Trend:
    """A robust (Theil-Sen) trend of pain in points per week, with its confidence interval."""

    slope_per_week: float
    low: float
    high: float
    points: int
    basis: str
    message: str

    @property
    def available(self) -> bool:
        """True when a slope was estimated."""
        return not np.isnan(self.slope_per_week)


def pain_trend(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None,
               daily: pd.DataFrame | None = None, thresholds: Thresholds | None = None) -> Trend:
    """Theil-Sen slope of the weekly mean pain, in points per week, with a 95 % interval.

    Daily scores are correlated from one day to the next (a bad spell lasts days), so an
    interval from daily points would be too narrow; :func:`scipy.stats.theilslopes` is fitted on
    the weekly means (each at the mean day of its scored days, so a part week sits where its
    scores are). Above :data:`TREND_MAX_POINTS` weeks, several weeks share a bin so that time and
    memory stay bounded. ``daily`` reuses a :func:`daily_pain` frame of the same period;
    ``thresholds`` (the plan's, the defaults when omitted) say how many days and weeks with a
    score a trend needs.
    """
    th = thresholds if thresholds is not None else Thresholds()
    daily = reuse_daily(pain, daily, start=start, end=end)
    scored = daily.loc[daily["scores"] > 0]
    nan = float("nan")
    first = scored["date"].iloc[0] if len(scored) else None
    weeks = ((scored["date"] - (first - pd.Timedelta(days=first.day_of_week))).dt.days // 7
             if first is not None else pd.Series(dtype="int64"))
    week_count = int(weeks.nunique())
    if len(scored) < th.trend_min_days or week_count < th.trend_min_weeks:
        return Trend(nan, nan, nan, week_count, "weekly means",
                     f"Too few scores for a trend: {plural(len(scored), 'day')} with a pain "
                     f"score in {plural(week_count, 'week')}; {th.trend_min_days} days in at "
                     f"least {th.trend_min_weeks} weeks needed.")
    per_bin = max(1, -(-int(weeks.iloc[-1] + 1) // TREND_MAX_POINTS))
    offsets = (scored["date"] - first).dt.days.to_numpy(dtype="float64")
    bins = pd.DataFrame({"x": offsets, "y": scored["mean"].to_numpy(dtype="float64")}).groupby(
        (weeks // per_bin).to_numpy()).mean()
    x_days, y = bins["x"].to_numpy(), bins["y"].to_numpy()
    basis = "weekly means" if per_bin == 1 else f"{per_bin}-week means"
    from scipy import stats  # here, not at import: a caseload worker never needs it (~0.8 s)

    fit = stats.theilslopes(y, x_days, alpha=CONFIDENCE)
    scale = 7.0
    slope, low, high = fit.slope * scale, fit.low_slope * scale, fit.high_slope * scale
    direction = "falling" if high < 0 else "rising" if low > 0 else "no clear direction"
    method = TREND_METHOD.replace("weekly means", f"{len(y)} {basis}")
    message = (f"Trend: {slope:+.2f} points per week (95 % CI {low:+.2f} to {high:+.2f}), "
               f"{direction}; {method}.")
    return Trend(float(slope), float(low), float(high), len(y), basis, message)


def session_scores(pain: pd.DataFrame) -> pd.DataFrame:
    """The scores that count for each session: its last before and its last after score.

    A later entry of the same context corrects an earlier one. The analysis, the report and the
    spreadsheet export all read a session's scores from here, so they cannot disagree.

    Parameters
    ----------
    pain
        The pain frame of a Log (rows of other contexts are ignored); with a ``patient``
        column, every patient's sessions, indexed by ``patient`` and ``session_id``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``session_id``: ``before``, ``before_date``, ``after``, ``after_date`` (NaN /
        NaT when the session has no score of that context).
    """
    if PATIENT in pain.columns:
        return session_scores_by_patient(pain)
    return session_scores_by_patient(keyed(pain)).droplevel(PATIENT)


def session_scores_by_patient(pain: pd.DataFrame) -> pd.DataFrame:
    """:func:`session_scores` of a keyed pain log, indexed by ``patient`` and ``session_id``."""
    require_columns(pain, (PATIENT, "recorded_at", "pain", "context", "session_id", "date"),
                    "the pain log")
    scored = pain.loc[pain["context"].isin(SESSION_CONTEXTS)]
    last = scored.sort_values("recorded_at", kind="stable").drop_duplicates(
        [PATIENT, "session_id", "context"], keep="last")
    parts = []
    for context, name in zip(SESSION_CONTEXTS, ("before", "after"), strict=True):
        rows = last.loc[last["context"] == context]
        parts.append(pd.DataFrame({
            name: rows["pain"].to_numpy(dtype="float64"),
            f"{name}_date": day_series(rows["date"]).to_numpy(),
        }, index=pd.MultiIndex.from_arrays(
            [rows[PATIENT].to_numpy(), rows["session_id"].astype(str).to_numpy()],
            names=[PATIENT, "session_id"])))
    return parts[0].join(parts[1], how="outer")


def session_effects(
    pain: pd.DataFrame,
    exercise: pd.DataFrame | None = None,
    *,
    start: DayLike = None,
    end: DayLike = None,
) -> pd.DataFrame:
    """Pain before and after each session.

    Sessions come from the pain log's before/after scores (:func:`session_scores`: the last of
    each) and, when given, the exercise log (so a session without any score is listed too, and
    counted as left out). A session in which every block was skipped is not a session here: it
    is left out. A session's day is the day it started (its first block, else its before score).

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``date``, ``before`` (last before-session score), ``after`` (last
        after-session score), ``change`` (after minus before, NaN unless both exist),
        ``complete`` (both scores present); sorted by date.
    """
    require_columns(pain, PAIN_NEEDS, "the pain log")
    days = [pain["date"]] if exercise is None else [exercise["date"], pain["date"]]
    first, last = period_bounds(days, start, end)
    return unkeyed(session_effects_by_patient(
        keyed(pain), one_period(first, last), None if exercise is None else keyed(exercise)))


def session_effects_by_patient(pain: pd.DataFrame, patients: pd.DataFrame,
                               exercise: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`session_effects` of every patient of a keyed pain log (and exercise log or
    sessions table) over each one's period (``patients``); ``patient`` first."""
    rows = keyed_within(pain, patients)
    table = session_scores_by_patient(rows)
    table["date"] = table["before_date"].fillna(table["after_date"])
    if exercise is not None:
        require_columns(exercise, (PATIENT, "session_id", "date"), "the exercise log")
        started = keyed_within(exercise, patients)
        counted = (started["counted"] if "counted" in started.columns
                   else started["reps_done"] > 0)
        started = pd.DataFrame({
            PATIENT: started[PATIENT].to_numpy(),
            "session_id": started["session_id"].astype(str).to_numpy(),
            "session_date": day_series(started["date"]).to_numpy(),
            "counted": counted.to_numpy(dtype=bool),
        }).groupby([PATIENT, "session_id"]).agg(session_date=("session_date", "min"),
                                                counted=("counted", "any"))
        table = table.join(started, how="outer")
        table["date"] = table["session_date"].fillna(table["date"])
        table = table.loc[table["counted"].fillna(True).astype(bool)]
    table = table.reset_index()
    result = pd.DataFrame({
        PATIENT: table[PATIENT].to_numpy(),
        "session_id": table["session_id"].astype(str),
        "date": day_series(table["date"]),
        "before": table["before"].astype("float64"),
        "after": table["after"].astype("float64"),
    })  # fmt: skip
    result["change"] = result["after"] - result["before"]
    result["complete"] = result["change"].notna()
    return result.sort_values([PATIENT, "date", "session_id"], kind="stable").reset_index(
        drop=True)


@dataclass(frozen=True)
class SessionEffect:
    """Mean change in pain across a session (after minus before) with its 95 % t interval.

    The interval is NaN below ``thresholds.min_sessions_for_interval`` sessions and when every
    session changed by the same amount; otherwise it is clipped to the scale (-10 to +10).
    """

    sessions: int
    with_both: int
    left_out: int
    mean_change: float
    ci_low: float
    ci_high: float
    message: str


def mean_with_ci(values: pd.Series | np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % Student-t interval of ``values`` (NaN interval below two values)."""
    data = np.asarray(values, dtype="float64")
    data = data[~np.isnan(data)]
    if data.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(data.mean())
    if data.size < MIN_VALUES_FOR_SPREAD:
        return mean, float("nan"), float("nan")
    from scipy import stats

    half = stats.t.ppf(0.5 + CONFIDENCE / 2, data.size - 1) * data.std(ddof=1) / np.sqrt(data.size)
    return mean, float(mean - half), float(mean + half)


def session_effect_summary(effects: pd.DataFrame,
                           thresholds: Thresholds | None = None) -> SessionEffect:
    """Summarise :func:`session_effects`: mean change, its 95 % CI when honest, sessions left out.

    ``thresholds.min_sessions_for_interval`` (5 by default) is the fewest sessions with both
    scores that get an interval.
    """
    require_columns(effects, ("session_id", "change"), "the session effects")
    need = int((thresholds or Thresholds()).min_sessions_for_interval)
    complete = effects["change"].dropna()
    total, both = len(effects), len(complete)
    left = total - both
    mean, low, high = mean_with_ci(complete)
    left_text = (f"; {plural(left, 'session')} without both a before and an after score left "
                 "out" if left else "")
    nan = float("nan")
    if both == 0:
        message = f"No session has both a before and an after score{left_text}."
    elif (complete == complete.iloc[0]).all():
        low = high = nan
        points = "point" if abs(mean) == 1 else "points"
        every = "the one session" if both == 1 else f"all {both} sessions"
        message = (f"Pain after minus before a session: {mean:+g} {points} in {every} with "
                   f"both scores, so no interval{left_text}.")
    elif both < need:
        low = high = nan
        message = (f"Pain after minus before a session: {mean:+.2f} points on average over "
                   f"{plural(both, 'session')}; no interval below {need} sessions{left_text}.")
    else:
        low, high = max(low, -SCALE_MAX), min(high, SCALE_MAX)
        message = (f"Pain after minus before a session: {mean:+.2f} points on average "
                   f"(95 % CI {low:+.2f} to {high:+.2f}) over {plural(both, 'session')}"
                   f"{left_text}.")
    return SessionEffect(total, both, left, mean, low, high, message)
