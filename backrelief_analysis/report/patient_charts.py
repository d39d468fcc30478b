"""The patient's charts: pain day by day and sessions week by week, in everyday words.

Notebook 02 and the report draw the clinical charts (:mod:`backrelief_analysis.report.charts`); the
patient's page draws these two, with the same numbers and no clinical labels: weeks by the date
they start, pain on its plain 0-10 scale, each week's bar labelled with its count against the
plan ("3 of 5"), a part week with the days it has had so far ("5 in 1 day"), never a percentage.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..analysis.pain import PainChange
from ..analysis.summary import ProgressSummary
from ..log.store import require_columns
from .charts import OKABE_ITO, new_axes

PAIN_WORDS = "pain (0 = none, 10 = worst)"
DAY_FORMAT = "%-d %b"
LABELLED_WEEKS = 26  # up to half a year, each bar is wide enough for its "3 of 5" label


def _nothing_yet(ax: Axes, message: str) -> Axes:
    """An empty chart saying what is missing, in its middle."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _day_axis(ax: Axes, days: int) -> None:
    """Ticks on whole days (about ten at most over ``days`` days), labelled "2 Dec"."""
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, int(np.ceil(days / 10)))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter(DAY_FORMAT))
    ax.set_xlabel("day")


def plot_pain_days(daily: pd.DataFrame, *, first_week: PainChange | None = None,
                   ax: Axes | None = None, **kwargs: object) -> Axes:
    """Pain each day with a score, its 7-day mean, and the level of the first week.

    Parameters
    ----------
    daily
        :func:`~backrelief_analysis.analysis.pain.daily_pain`.
    first_week
        :func:`~.analysis.pain.baseline_change`; its first-week level is drawn when it
        has one.
    ax
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to the 7-day mean line.
    """
    require_columns(daily, ("date", "mean", "rolling_mean"), "the daily pain frame")
    ax = new_axes(ax, size=(9, 3.6))
    ax.set_title("Your pain, day by day")
    scored = daily.loc[daily["mean"].notna()]
    if scored.empty:
        return _nothing_yet(ax, "No pain scores yet.")
    ax.plot(scored["date"], scored["mean"], linestyle="none", marker="o", markersize=4,
            color="#777777", label="a day's pain")
    ax.plot(daily["date"], daily["rolling_mean"], **{"color": OKABE_ITO["blue"],
            "linewidth": 2.2, "label": "average of the last 7 days", **kwargs})
    if first_week is not None and first_week.enough_data:
        ax.axhline(first_week.baseline, color=OKABE_ITO["black"], linestyle="--", linewidth=1.2,
                   label=f"your first week ({first_week.baseline:.1f})")
    ax.set_ylim(0, 10.2)
    ax.set_ylabel(PAIN_WORDS)
    span = pd.Timedelta(hours=12)
    first, last = daily["date"].iloc[0], daily["date"].iloc[-1]
    ax.set_xlim(first - span, last + span)
    _day_axis(ax, (last - first).days + 1)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small", ncols=3, framealpha=0.9)
    return ax


def week_label(sessions: int, asked: int, days: int, part: bool) -> str:
    """A week's bar label: "3 of 5", or for a week not over yet "5 in 1 day"."""
    if part:
        return f"{sessions} in {days} day{'' if days == 1 else 's'}"
    return f"{sessions} of {asked}"


def plot_sessions_weeks(weekly: pd.DataFrame, *, ax: Axes | None = None,
                        **kwargs: object) -> Axes:
    """Sessions each week as bars against the plan's weekly number.

    Parameters
    ----------
    weekly
        :func:`~backrelief_analysis.analysis.adherence.weekly_adherence`.
    ax
        Where to draw; a new figure when omitted.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.bar`.
    """
    require_columns(weekly, ("week_start", "sessions", "target", "part", "days_in_period"),
                    "the weekly sessions frame")
    ax = new_axes(ax, size=(9, 3.6))
    ax.set_title("Sessions each week against your plan")
    if weekly.empty:
        return _nothing_yet(ax, "No sessions yet.")
    days = weekly["days_in_period"].to_numpy(dtype="float64")
    # the plan's number for a whole week (the analysis gives a part week's share of it)
    asked = np.rint(weekly["target"].to_numpy(dtype="float64") * 7 / days).astype(int)
    centres = weekly["week_start"] + pd.Timedelta(days=3)
    width = pd.Timedelta(days=5.5 * min(1.0, len(weekly) / 4))
    bars = ax.bar(centres, weekly["sessions"], **{"width": width, "color": OKABE_ITO["blue"],
                  "edgecolor": OKABE_ITO["black"], "linewidth": 0.6, **kwargs})
    for bar, part in zip(bars, weekly["part"].astype(bool), strict=True):
        if part:  # a week not over yet: outlined, lighter
            bar.set_facecolor(OKABE_ITO["sky_blue"])
            bar.set_hatch("//")
    edges = np.append(mdates.date2num(weekly["week_start"].to_numpy()),
                      mdates.date2num(weekly["week_start"].iloc[-1] + pd.Timedelta(days=7)))
    ax.stairs(asked, edges, color=OKABE_ITO["black"], linewidth=1.4, baseline=None,
              label="your plan's sessions a week")
    if len(weekly) <= LABELLED_WEEKS:
        for centre, sessions, want, day_count, part in zip(
                mdates.date2num(centres.to_numpy()), weekly["sessions"], asked,
                weekly["days_in_period"], weekly["part"].astype(bool), strict=True):
            ax.annotate(week_label(int(sessions), int(want), int(day_count), part),
                        (centre, max(sessions, want)), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom",
                        fontsize="small", gid="bar-label")
    top = max(float(weekly["sessions"].max()), float(asked.max()))
    ax.set_ylim(0, top * 1.5 + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("sessions")
    ax.set_xlim(edges[0], edges[-1])
    step = max(1, int(np.ceil(len(weekly) / 10)))  # at most about ten labels
    ax.set_xticks(mdates.date2num(centres.to_numpy())[::step],
                  [f"{start:{DAY_FORMAT}}" for start in weekly["week_start"]][::step])
    ax.set_xlabel("week starting")
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    return ax


def patient_dashboard(summary: ProgressSummary) -> Figure:
    """The patient's two charts in one figure: pain by day, then sessions by week."""
    figure = Figure(figsize=(10, 7.5), layout="constrained")
    top, bottom = figure.subplots(2, 1)
    plot_pain_days(summary.daily_pain, first_week=summary.baseline, ax=top)
    plot_sessions_weeks(summary.weekly_adherence, ax=bottom)
    return figure
