"""Flags from the pain-monitoring model: prompts to talk to the physiotherapist, never instructions.

Four kinds, every threshold from :class:`~backrelief_analysis.plan.Thresholds`:

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

Every flag of a session is dated on the session's own day (the day it started). The model is
Silbernagel et al. (2007), tested in Achilles tendinopathy; the numbers are settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .pain import reuse_daily, session_effects, weekly_pain
from .periods import DATE_DTYPE, DayLike, day_series, period_bounds, within
from .plan import Thresholds
from .store import require_columns

FLAG_COLUMNS = ("date", "end_date", "kind", "session_id", "value", "limit", "sentence")
FLAG_TITLES = {
    "pain_after": "Pain after a session above the acceptable level",
    "not_settled": "Pain not settled by the next day",
    "rising": "Weekly pain rising",
    "flare": "Flare-up marked",
}
PROMPT = "Worth mentioning to your physiotherapist."


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series(dtype=DATE_DTYPE), "end_date": pd.Series(dtype=DATE_DTYPE),
        "kind": pd.Series(dtype=str), "session_id": pd.Series(dtype=str),
        "value": pd.Series(dtype="float64"), "limit": pd.Series(dtype="float64"),
        "sentence": pd.Series(dtype=str),
    })  # fmt: skip


def _frame(date: pd.Series, kind: str, value: pd.Series, limit: pd.Series | float,
           sentence: pd.Series, *, end_date: pd.Series | None = None,
           session_id: pd.Series | None = None) -> pd.DataFrame:
    if len(date) == 0:
        return _empty()
    date = day_series(pd.Series(date).reset_index(drop=True))
    return pd.DataFrame({
        "date": date,
        "end_date": date if end_date is None else day_series(end_date.reset_index(drop=True)),
        "kind": kind,
        "session_id": "" if session_id is None else session_id.reset_index(drop=True).astype(str),
        "value": pd.Series(value).reset_index(drop=True).astype("float64"),
        "limit": (pd.Series(limit).reset_index(drop=True).astype("float64")
                  if isinstance(limit, pd.Series) else float(limit)),
        "sentence": sentence.reset_index(drop=True).astype(str),
    })  # fmt: skip


def _num(values: pd.Series) -> pd.Series:
    """Scores as text without a needless ``.0``."""
    return values.map("{:g}".format).astype(str)


def _effects(pain: pd.DataFrame, first: pd.Timestamp | None, last: pd.Timestamp | None,
             effects: pd.DataFrame | None) -> pd.DataFrame:
    return effects if effects is not None else session_effects(pain, start=first, end=last)


def pain_after_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                     end: DayLike = None, effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per session whose pain after is above ``thresholds.pain_after_max``.

    A session's pain after is its last after score (a later entry corrects an earlier one), and
    the flag is dated on the session's own day. ``effects`` reuses a
    :func:`~backrelief_analysis.pain.session_effects` frame of the period.
    """
    require_columns(pain, ("pain", "context", "session_id", "date", "recorded_at"), "the pain log")
    first, last = period_bounds([pain["date"]], start, end)
    effects = _effects(pain, first, last, effects)
    high = effects.loc[effects["after"] > thresholds.pain_after_max]
    limit = f"{thresholds.pain_after_max:g}/10"
    sentence = ("Pain after the session on " + high["date"].dt.strftime("%Y-%m-%d")
                + " was " + _num(high["after"]) + f"/10, above the {limit} the plan treats as "
                f"acceptable during and after exercise. {PROMPT}")
    return _frame(high["date"], "pain_after", high["after"], float(thresholds.pain_after_max),
                  sentence, session_id=high["session_id"])


def not_settled_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                      end: DayLike = None, effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sessions whose next morning is more than the margin above the pain before.

    The next morning is the first score of the local day after the session's own day that is
    not one of the session's own scores. A session without a before score, or whose next day
    has no such score, cannot raise this flag. ``effects`` reuses a
    :func:`~backrelief_analysis.pain.session_effects` frame of the period.
    """
    require_columns(pain, ("recorded_at", "pain", "date", "session_id"), "the pain log")
    first, last = period_bounds([pain["date"]], start, end)
    effects = _effects(pain, first, last, effects).dropna(subset=["before"])
    rows = within(pain, first, last)
    rows = pd.DataFrame({"next_date": day_series(rows["date"]),
                         "scored_by": rows["session_id"].astype(str),
                         "recorded_at": rows["recorded_at"], "next_first": rows["pain"]})
    effects = effects.assign(next_date=effects["date"] + pd.Timedelta(days=1))
    candidates = effects.merge(rows, on="next_date", how="inner")
    candidates = candidates.loc[candidates["scored_by"] != candidates["session_id"]]
    joined = candidates.sort_values("recorded_at", kind="stable").drop_duplicates(
        "session_id", keep="first").sort_values(["date", "session_id"], kind="stable")
    joined["limit"] = joined["before"] + thresholds.settle_margin_points
    hit = joined.loc[joined["next_first"] > joined["limit"]]
    margin = thresholds.settle_margin_points
    sentence = ("The first score on " + hit["next_date"].dt.strftime("%Y-%m-%d") + " was "
                + _num(hit["next_first"]) + "/10, more than "
                + f"{margin:g} point{'' if margin == 1 else 's'} above the "
                + _num(hit["before"]) + "/10 before the session on "
                + hit["date"].dt.strftime("%Y-%m-%d")
                + f": pain had not settled by the next day. {PROMPT}")
    return _frame(hit["date"], "not_settled", hit["next_first"], hit["limit"], sentence,
                  end_date=hit["next_date"], session_id=hit["session_id"])


def rising_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
                 end: DayLike = None, daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per run of rising weekly means that holds a rise of ``rising_points``.

    A week counts when its mean is at least ``thresholds.rising_points`` above the week before,
    or above the mean ``k`` weeks before (``k`` up to ``thresholds.rising_weeks``) with every
    week in between higher than the last. A week without a score breaks a run.
    """
    weeks = weekly_pain(pain, start=start, end=end, daily=daily)
    if len(weeks) < 2:
        return _empty()
    means = weeks["mean"]
    rise = (means.diff() > 0).to_numpy()
    rises_so_far = pd.Series(rise.astype("int64"))
    reached = np.zeros(len(weeks), dtype=bool)
    for span in range(1, max(int(thresholds.rising_weeks), 1) + 1):
        every_week_rose = (rises_so_far.rolling(span).sum() == span).to_numpy()
        gain = (means - means.shift(span)).to_numpy()
        reached |= every_week_rose & (gain >= thresholds.rising_points - 1e-9)
    run_id = np.cumsum(np.r_[True, rise[1:] != rise[:-1]])
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
    gain = (end_rows["mean"] - start_rows["mean"]).map("{:+.1f}".format).astype(str)
    running = lengths.map(lambda n: "in 1 week" if n == 1 else f"over {n} weeks running")
    sentence = ("Weekly mean pain rose from " + start_rows["mean"].map("{:.1f}".format)
                + "/10 in " + start_rows["week"] + " to "
                + end_rows["mean"].map("{:.1f}".format) + "/10 in " + end_rows["week"]
                + " (" + gain + " points " + running + f"; a rise of "
                f"{thresholds.rising_points:g} point or more is flagged). {PROMPT}")
    return _frame(end_rows["week_start"], "rising", end_rows["mean"], start_rows["mean"],
                  sentence, end_date=end_rows["week_start"] + pd.Timedelta(days=6))


def flare_flags(pain: pd.DataFrame, *, start: DayLike = None, end: DayLike = None,
                daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """One flag per run of consecutive local days with a flare-up mark."""
    daily = reuse_daily(pain, daily, start=start, end=end)
    if daily.empty or not daily["flare"].any():
        return _empty()
    flare = daily["flare"].to_numpy()
    run_id = np.cumsum(np.r_[True, flare[1:] != flare[:-1]])
    runs = pd.DataFrame({"run": run_id, "flare": flare, "date": daily["date"]})
    by_run = runs.loc[runs["flare"]].groupby("run").agg(first=("date", "min"),
                                                        last=("date", "max"),
                                                        days=("date", "size"))
    first_text = by_run["first"].dt.strftime("%Y-%m-%d")
    many = ("Flare-up marked on " + by_run["days"].astype(str) + " days running, "
            + first_text + " to " + by_run["last"].dt.strftime("%Y-%m-%d") + f". {PROMPT}")
    one = "Flare-up marked on " + first_text + f". {PROMPT}"
    sentence = many.where(by_run["days"] > 1, one)
    return _frame(by_run["first"], "flare", by_run["days"], float("nan"), sentence,
                  end_date=by_run["last"])


def all_flags(pain: pd.DataFrame, thresholds: Thresholds, *, start: DayLike = None,
              end: DayLike = None, daily: pd.DataFrame | None = None,
              effects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every flag of the period, sorted by date.

    ``daily`` and ``effects`` reuse :func:`~backrelief_analysis.pain.daily_pain` and
    :func:`~backrelief_analysis.pain.session_effects` frames of the same period.

    Returns
    -------
    pandas.DataFrame
        ``date`` (the day it concerns; for ``rising`` the Monday of the last rising week),
        ``end_date`` (last day it covers), ``kind`` (see :data:`FLAG_TITLES`), ``session_id``
        ("" when none), ``value`` (the number that raised it: a score, a weekly mean, or the
        days in a flare run), ``limit`` (what it was compared with; NaN for flares),
        ``sentence`` (plain words, ending with a prompt to talk to the physiotherapist).
    """
    first, last = period_bounds([pain["date"]], start, end)
    parts = [
        pain_after_flags(pain, thresholds, start=first, end=last, effects=effects),
        not_settled_flags(pain, thresholds, start=first, end=last, effects=effects),
        rising_flags(pain, thresholds, start=first, end=last, daily=daily),
        flare_flags(pain, start=first, end=last, daily=daily),
    ]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return _empty()
    order = {kind: index for index, kind in enumerate(FLAG_TITLES)}
    result = pd.concat(parts, ignore_index=True)
    result["_order"] = result["kind"].map(order)
    result = result.sort_values(["date", "_order"], kind="stable").drop(columns="_order")
    return result.reset_index(drop=True)[list(FLAG_COLUMNS)]


_WORST = {
    # kind: the worst (highest) value in words
    "pain_after": "worst score after a session {value:g}/10 (limit {limit:g})",
    "not_settled": "worst next-day first score {value:g}/10",
    "rising": "highest weekly mean {value:.1f}/10",
    "flare": "longest run {value:g} day(s)",
}


def flag_groups(flag_table: pd.DataFrame) -> pd.DataFrame:
    """One row per kind of flag: how many, the first and last day, and the worst value.

    Parameters
    ----------
    flag_table
        :func:`all_flags`.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``title`` (:data:`FLAG_TITLES`), ``count``, ``first`` (first day),
        ``last`` (last day covered), ``worst`` (highest value: a score, a weekly mean or the
        days of the longest flare run) and ``worst_text`` (the worst value in words), in the
        order of :data:`FLAG_TITLES`.
    """
    require_columns(flag_table, FLAG_COLUMNS, "the flags")
    rows = []
    for kind, title in FLAG_TITLES.items():
        group = flag_table.loc[flag_table["kind"] == kind]
        if group.empty:
            continue
        worst = group.loc[group["value"].idxmax()]
        rows.append({"kind": kind, "title": title, "count": len(group),
                     "first": group["date"].min(), "last": group["end_date"].max(),
                     "worst": worst["value"],
                     "worst_text": _WORST[kind].format(value=worst["value"],
                                                       limit=worst["limit"])})
    return pd.DataFrame(rows, columns=["kind", "title", "count", "first", "last", "worst",
                                       "worst_text"])
