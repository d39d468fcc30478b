"""Pain over time: daily and weekly series, baseline against latest, trend, effect of a session.

Definitions used throughout
---------------------------
- Scores are NPRS 0-10; a day is the local calendar day a score was recorded on.
- The *daily mean* is the mean of every score of that day, whatever its context.
- The *weekly mean / median* are taken over the daily means of the ISO week, so a day with a
  session (two scores) weighs the same as a day with one check-in.
- *Baseline*: mean of the daily means of the first ``thresholds.baseline_days`` days that have a
  score. *Latest*: mean of the daily means of the last :data:`LATEST_DAYS` days that have a
  score. Both are only compared when the two windows do not overlap.
- *Session effect*: the session's first ``before_session`` score against its last
  ``after_session`` score (after minus before: negative means pain fell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .periods import (
    DATE_DTYPE,
    DayLike,
    all_days,
    all_weeks,
    day_series,
    period_bounds,
    week_label,
    week_start,
    within,
)
from .plan import Thresholds
from .store import CONTEXTS, require_columns

PAIN_NEEDS = ("recorded_at", "pain", "context", "session_id", "flare", "date")
LATEST_DAYS = 7  # the "latest" window: the last 7 days with a score (the definition)
ROLLING_DAYS = 7  # calendar days in the rolling mean
ROLLING_MIN_DAYS = 3  # days with a score needed inside the window before it shows a value
MIN_TREND_DAYS = 10  # days with a score needed before a trend is estimated
TREND_MAX_DAILY_POINTS = 1000  # Theil-Sen is O(n^2) in time and memory: above this many
# points, fit the means of whole-week bins (1 week, 2 weeks, ...) so at most this many remain
CONFIDENCE = 0.95

IMPROVEMENT = "clinically meaningful improvement"
WORSENING = "meaningful worsening"
NO_CLEAR_CHANGE = "no clear change"
NOT_ENOUGH = "not enough data"
_EPS = 1e-9  # a fall of exactly 2.0 points must count as 2 points despite float rounding


def _pain_in_period(pain: pd.DataFrame, start: DayLike, end: DayLike) -> tuple[pd.DataFrame, ...]:
    require_columns(pain, PAIN_NEEDS, "the pain log")
    first, last = period_bounds([pain["date"]], start, end)
    rows = within(pain, first, last)
    rows["date"] = day_series(rows["date"])
    return rows, first, last


def daily_pain(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None) -> pd.DataFrame:
    """One row per local day of the period with that day's scores.

    Parameters
    ----------
    pain
        The pain frame of a :class:`~backrelief_analysis.store.Log`.
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
    rows, first, last = _pain_in_period(pain, start, end)
    days = all_days(first, last)
    by_context = rows.pivot_table(index="date", columns="context", values="pain", aggfunc="mean")
    by_context = by_context.reindex(index=days, columns=list(CONTEXTS))
    rows["is_flare"] = rows["flare"] == "yes"
    by_day = rows.groupby("date").agg(mean=("pain", "mean"), scores=("pain", "size"),
                                      flare=("is_flare", "any")).reindex(days)
    result = pd.DataFrame({"date": pd.Series(days, dtype=DATE_DTYPE)})
    result["week"] = week_label(week_start(result["date"]))
    for context in CONTEXTS:
        result[context] = by_context[context].to_numpy(dtype="float64")
    result["mean"] = by_day["mean"].to_numpy(dtype="float64")
    result["scores"] = by_day["scores"].fillna(0).to_numpy(dtype="int64")
    rolling = result["mean"].rolling(ROLLING_DAYS, min_periods=ROLLING_MIN_DAYS)
    result["rolling_mean"] = rolling.mean()
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
        (:func:`~backrelief_analysis.progress.summarise` does): it is not computed again.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``week_start``, ``days_in_period``, ``days_with_score``, ``mean``, ``median``
        (NaN for a week without a score), ``flare_days``.
    """
    daily = reuse_daily(pain, daily, start=start, end=end)
    first, last = period_bounds([daily["date"]])
    weeks = all_weeks(first, last)
    scored = daily.loc[daily["scores"] > 0].copy()
    scored["week_start"] = week_start(scored["date"])
    stats_by_week = scored.groupby("week_start").agg(
        days_with_score=("mean", "size"), mean=("mean", "mean"), median=("mean", "median"),
        flare_days=("flare", "sum"),
    )
    result = weeks.merge(stats_by_week, how="left", left_on="week_start", right_index=True)
    for column in ("days_with_score", "flare_days"):
        result[column] = result[column].fillna(0).astype("int64")
    return result[["week", "week_start", "days_in_period", "days_with_score", "mean", "median",
                   "flare_days"]].reset_index(drop=True)


@dataclass(frozen=True)
class PainChange:
    """Baseline against latest pain, with the clinical verdict.

    ``change_points`` and ``change_percent`` are latest minus baseline (negative = less pain).
    ``rules_met`` names the rule(s) behind the verdict, e.g. ``("2 points", "30 %")``.
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

    @property
    def enough_data(self) -> bool:
        """True when baseline and latest could be compared."""
        return self.verdict != NOT_ENOUGH


def baseline_change(
    pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None, end: DayLike = None,
    daily: pd.DataFrame | None = None,
) -> PainChange:
    """Compare the baseline with the latest week of scores and give the clinical verdict.

    Improvement when pain fell by at least ``thresholds.pain_change_points`` points OR by at
    least ``thresholds.pain_change_percent`` % of the baseline; worsening for the same rise.
    ``daily`` reuses a :func:`daily_pain` frame of the same period.
    """
    daily = reuse_daily(pain, daily, start=start, end=end)
    scored = daily.loc[daily["scores"] > 0, ["date", "mean"]]
    need_base = int(thresholds.baseline_days)
    nan, none = float("nan"), None
    if len(scored) < need_base + LATEST_DAYS or need_base < 1:
        message = (
            f"Not enough data to compare: {len(scored)} day(s) with a pain score; the "
            f"comparison needs {need_base + LATEST_DAYS} ({need_base} for the baseline and "
            f"{LATEST_DAYS} more for the latest week)."
        )
        return PainChange(nan, 0, none, none, nan, 0, none, none, nan, nan, NOT_ENOUGH, (),
                          message)
    base, late = scored.head(need_base), scored.tail(LATEST_DAYS)
    baseline, latest = float(base["mean"].mean()), float(late["mean"].mean())
    points = latest - baseline
    percent = 100.0 * points / baseline if baseline > 0 else float("nan")
    rule_points = f"{thresholds.pain_change_points:g} points"
    rule_percent = f"{thresholds.pain_change_percent:g} %"
    size = abs(points)
    rules = tuple(
        rule for rule, met in (
            (rule_points, size >= thresholds.pain_change_points - _EPS),
            (rule_percent, not np.isnan(percent)
             and abs(percent) >= thresholds.pain_change_percent - _EPS),
        ) if met and size > 0
    )  # fmt: skip
    if rules and points < 0:
        verdict = IMPROVEMENT
    elif rules and points > 0:
        verdict = WORSENING
    else:
        verdict = NO_CLEAR_CHANGE
    shown_percent = "n/a, baseline 0" if np.isnan(percent) else f"{percent:+.0f} %"
    why = (f" ({' and '.join(rules)} rule{'s' if len(rules) > 1 else ''} met)" if rules else
           f" (neither the {rule_points} nor the {rule_percent} rule met)")
    message = (
        f"Baseline {baseline:.1f}/10 (first {need_base} days with a score, "
        f"{base['date'].iloc[0]:%Y-%m-%d} to {base['date'].iloc[-1]:%Y-%m-%d}); latest "
        f"{latest:.1f}/10 (last {LATEST_DAYS} days with a score, {late['date'].iloc[0]:%Y-%m-%d} "
        f"to {late['date'].iloc[-1]:%Y-%m-%d}). Change {points:+.1f} points ({shown_percent}): "
        f"{verdict}{why}."
    )
    return PainChange(
        baseline, need_base, base["date"].iloc[0], base["date"].iloc[-1],
        latest, LATEST_DAYS, late["date"].iloc[0], late["date"].iloc[-1],
        points, percent, verdict, rules, message,
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
               daily: pd.DataFrame | None = None) -> Trend:
    """Theil-Sen slope of the daily mean pain, in points per week, with a 95 % interval.

    Uses :func:`scipy.stats.theilslopes` on the daily means. With more than
    :data:`TREND_MAX_DAILY_POINTS` days with a score it fits the means of whole-week bins (weekly,
    or several weeks per bin for decades of data) so that time and memory stay bounded.
    ``daily`` reuses a :func:`daily_pain` frame of the same period.
    """
    daily = reuse_daily(pain, daily, start=start, end=end)
    scored = daily.loc[daily["scores"] > 0]
    nan = float("nan")
    if len(scored) < MIN_TREND_DAYS:
        return Trend(nan, nan, nan, len(scored), "daily means",
                     f"Too few days for a trend: {len(scored)} day(s) with a pain score, "
                     f"{MIN_TREND_DAYS} needed.")
    basis, scale = "daily means", 7.0
    x_days = (scored["date"] - scored["date"].iloc[0]).dt.days.to_numpy(dtype="float64")
    y = scored["mean"].to_numpy(dtype="float64")
    if len(scored) > TREND_MAX_DAILY_POINTS:
        first = scored["date"].iloc[0]
        weeks = (scored["date"] - (first - pd.Timedelta(days=first.day_of_week))).dt.days // 7
        per_bin = max(1, -(-int(weeks.iloc[-1] + 1) // TREND_MAX_DAILY_POINTS))
        binned = scored["mean"].groupby((weeks // per_bin).to_numpy()).mean()
        x_days = binned.index.to_numpy(dtype="float64") * 7 * per_bin
        y = binned.to_numpy(dtype="float64")
        basis = "weekly means" if per_bin == 1 else f"{per_bin}-week means"
    fit = stats.theilslopes(y, x_days, alpha=CONFIDENCE)
    slope, low, high = fit.slope * scale, fit.low_slope * scale, fit.high_slope * scale
    direction = "falling" if high < 0 else "rising" if low > 0 else "no clear direction"
    message = (f"Trend: {slope:+.2f} points per week (95 % CI {low:+.2f} to {high:+.2f}), "
               f"{direction}; Theil-Sen fit on {len(y)} {basis}.")
    return Trend(float(slope), float(low), float(high), len(y), basis, message)


def session_effects(
    pain: pd.DataFrame,
    exercise: pd.DataFrame | None = None,
    *,
    start: DayLike = None,
    end: DayLike = None,
) -> pd.DataFrame:
    """Pain before and after each session.

    Sessions come from the pain log's before/after scores and, when given, the exercise log (so a
    session without any score is listed too, and counted as left out).

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``date``, ``before`` (first before-session score), ``after`` (last
        after-session score), ``change`` (after minus before, NaN unless both exist),
        ``complete`` (both scores present); sorted by date.
    """
    rows, _, _ = _pain_in_period(pain, start, end)
    scored = rows.loc[rows["context"].isin(("before_session", "after_session"))]
    scored = scored.sort_values("recorded_at", kind="stable")
    before = scored.loc[scored["context"] == "before_session"].groupby("session_id").agg(
        before=("pain", "first"), before_date=("date", "first"))
    after = scored.loc[scored["context"] == "after_session"].groupby("session_id").agg(
        after=("pain", "last"), after_date=("date", "last"))
    table = before.join(after, how="outer")
    table["date"] = table["before_date"].fillna(table["after_date"])
    if exercise is not None:
        require_columns(exercise, ("session_id", "date"), "the exercise log")
        ex_first, ex_last = period_bounds([exercise["date"], pain["date"]], start, end)
        started = within(exercise, ex_first, ex_last)
        started = started.groupby("session_id").agg(session_date=("date", "min"))
        started["session_date"] = day_series(started["session_date"])
        table = table.join(started, how="outer")
        table["date"] = table["session_date"].fillna(table["date"])
    table.index.name = "session_id"
    table = table.reset_index()
    result = pd.DataFrame({
        "session_id": table["session_id"].astype(str),
        "date": day_series(table["date"]),
        "before": table["before"].astype("float64"),
        "after": table["after"].astype("float64"),
    })  # fmt: skip
    result["change"] = result["after"] - result["before"]
    result["complete"] = result["change"].notna()
    return result.sort_values(["date", "session_id"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SessionEffect:
    """Mean change in pain across a session (after minus before) with its 95 % t interval."""

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
    if data.size < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, data.size - 1) * data.std(ddof=1) / np.sqrt(data.size)
    return mean, float(mean - half), float(mean + half)


def session_effect_summary(effects: pd.DataFrame) -> SessionEffect:
    """Summarise :func:`session_effects`: mean change with its 95 % CI, sessions left out."""
    require_columns(effects, ("session_id", "change"), "the session effects")
    complete = effects["change"].dropna()
    total, both = len(effects), len(complete)
    left = total - both
    mean, low, high = mean_with_ci(complete)
    left_text = (f"; {left} session(s) without both a before and an after score left out"
                 if left else "")
    if both == 0:
        message = f"No session has both a before and an after score{left_text}."
    elif both == 1:
        message = (f"One session with both scores: pain changed by {mean:+.1f} points; "
                   f"too few for an interval{left_text}.")
    else:
        message = (f"Pain after minus before a session: {mean:+.2f} points on average "
                   f"(95 % CI {low:+.2f} to {high:+.2f}) over {both} sessions{left_text}.")
    return SessionEffect(total, both, left, mean, low, high, message)
