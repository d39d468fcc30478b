"""Progress charts: object-oriented matplotlib, readable in print, greyscale, colour-blind safe.

Every ``plot_*`` function takes a frame from the analysis modules, draws on ``ax`` (a new
figure when omitted, made without pyplot so a library call never leaks global state), passes
``**kwargs`` to its main artist and returns the Axes. Colours come from the Okabe-Ito palette,
and each series also differs by line style, marker or hatch so it reads in greyscale.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, StepPatch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..analysis.associations import ASSOCIATION_NOTE
from ..analysis.outcomes import MEASURES, occasion_scores, rule
from ..analysis.pain import PainChange
from ..analysis.summary import ProgressSummary
from ..log.store import require_columns
from ..plan import ROUNDING_SLACK, Plan, PlanVersion, Thresholds
from ..text import WEEK_AXIS_LABEL, Dates
from ..words.outcomes import score_decimals

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour deficiencies
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}  # fmt: skip
SERIES_COLOURS = ("blue", "orange", "green", "purple", "sky_blue", "vermillion", "yellow")
SERIES_HATCHES = ("", "//", "..", "xx", "\\\\", "--", "oo")
PAIN_LABEL = "pain (0–10 NPRS)"
WEEK_LABEL = WEEK_AXIS_LABEL  # the week axis with calendar dates (Dates.week_axis_label)
MAX_WEEK_TICKS = 14
MAX_BAR_LABELS = 26  # write each week's percentage on its bar only while they stay readable
MAX_BARS = 60  # above this many weeks, draw filled steps (one artist per series) instead of bars
# with fewer weeks than this, bars get narrower: a first week is one bar, not a slab across
# the whole chart (5.5 of 7 days wide from 4 weeks on, as wide a share of the axis before)
MIN_WEEKS_WIDE = 4
LABEL_GAP_PT = 2.5  # between a bar's label and the line or bar top under it
CHANGE_LABEL_Y = 0.97  # a plan change's label hangs from this height (fraction of the axes)
CHANGE_LABEL_RISE_PT = 11  # ... or sits this far over the bar labels (under a legend)
CHANGE_LABEL_FLIP = 0.85  # past this share of the axis' width, the label goes left of its line


def new_axes(ax: Axes | None, size: tuple[float, float] = (9, 4)) -> Axes:
    """``ax``, or the Axes of a new figure ``size`` inches wide and high (every chart's start)."""
    if ax is not None:
        return ax
    figure = Figure(figsize=size, layout="constrained")
    return figure.add_subplot()


def _finish_pain_days(ax: Axes, days: pd.Series, title: str, dates: Dates | None = None,
                      **legend: object) -> Axes:
    """The end of a chart of pain scores by day: pain label, title, week axis (weeks said by
    ``dates``), grid, and a small-print legend placed by ``legend`` (``ax.legend`` keywords)."""
    ax.set_ylabel(PAIN_LABEL)
    ax.set_title(title)
    _week_axis(ax, days.iloc[0], days.iloc[-1], dates=dates)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", **legend)
    return ax


def week_ticks(ax: Axes, most: int = MAX_WEEK_TICKS, *, centred: bool = False) -> None:
    """At most ``most`` week ticks over the axis' current limits (every n-th week).

    A tick sits on the week's Monday, or with ``centred`` on its Thursday, the middle of a
    weekly bar (and the day that names an ISO week).
    """
    low, high = ax.get_xlim()
    step = max(int(np.ceil((high - low) / (7 * most))), 1)
    day = mdates.TH if centred else mdates.MO
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=day, interval=step))


def _week_axis(ax: Axes, first: pd.Timestamp, last: pd.Timestamp, *,
               centred: bool = False, dates: Dates | None = None) -> None:
    """Ticks labelled with weeks (see :func:`week_ticks`), thinned to stay readable, said by
    ``dates`` when drawn: ISO weeks ("W36" over "2026") by default, "wk N" de-identified."""
    say = dates or Dates.named()
    ax.set_xlim(first - pd.Timedelta(hours=12), last + pd.Timedelta(hours=12))
    week_ticks(ax, centred=centred)
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _pos: say.week_tick(mdates.num2date(value))))
    ax.set_xlabel(say.week_axis_label)


def _filled_steps(ax: Axes, values: np.ndarray, edges: np.ndarray, *,
                  color: str, **style: object) -> StepPatch:
    """``ax.stairs(..., fill=True)`` without its autoscaling, which walks every step in Python
    (seconds for thousands of weeks); the caller sets both axis limits."""
    patch = StepPatch(values, edges, fill=True, facecolor=color,
                      **{"linewidth": 0, **style})  # fmt: skip
    ax.add_artist(patch)
    return patch


def _week_edges(week_starts: pd.Series) -> np.ndarray:
    """Bin edges (matplotlib date numbers) of consecutive ISO weeks, for ``Axes.stairs``."""
    starts = mdates.date2num(week_starts.to_numpy())
    return np.append(starts, starts[-1] + 7)


def _bar_width(weeks: int) -> pd.Timedelta:
    """Bar width for ``weeks`` weekly bars: about a fifth of the axis up to 4 weeks."""
    return pd.Timedelta(days=5.5 * min(1.0, weeks / MIN_WEEKS_WIDE))


def mark_plan_changes(ax: Axes, changes: Sequence[PlanVersion], *,
                      above: float | None = None) -> None:
    """A dotted vertical line at the first day of each plan change (its midnight: between the
    bars of two weeks when it is a Monday), labelled "plan v2"; nothing without changes.

    The label hangs from the top of the axes, or with ``above`` (a height in data units, the
    top of the bar labels) sits just over that height, under a legend at the top. The lines
    and labels carry ``gid="plan-change"``.
    """
    low, high = ax.get_xlim()
    for change in changes:
        if change.valid_from is None:
            continue
        x = mdates.date2num(pd.Timestamp(change.valid_from))
        ax.axvline(x, color=OKABE_ITO["purple"], linestyle=":", linewidth=1.6, zorder=1.5,
                   gid="plan-change")
        # right of the line, or left of it near the right edge (never out of the axes)
        left = (x - low) > CHANGE_LABEL_FLIP * (high - low)
        gap = -LABEL_GAP_PT if left else LABEL_GAP_PT
        where = ({"xy": (x, CHANGE_LABEL_Y), "xycoords": ax.get_xaxis_transform(),
                  "xytext": (gap, 0), "va": "top"} if above is None else
                 {"xy": (x, above), "xycoords": "data",
                  "xytext": (gap, CHANGE_LABEL_RISE_PT), "va": "bottom"})
        ax.annotate(f"plan v{change.version}", textcoords="offset points",
                    ha="right" if left else "left", fontsize="x-small",
                    color=OKABE_ITO["black"], gid="plan-change",
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85}, **where)


def _no_data(ax: Axes, title: str, message: str) -> Axes:
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_pain_trend(
    daily: pd.DataFrame,
    *,
    baseline: PainChange | None = None,
    thresholds: Thresholds | None = None,
    ax: Axes | None = None,
    legend_outside: bool = False,
    dates: Dates | None = None,
    **kwargs: object,
) -> Axes:
    """Daily mean pain, its 7-day mean, the baseline and the lines of a meaningful change.

    Parameters
    ----------
    daily
        :func:`~backrelief_analysis.analysis.pain.daily_pain`.
    baseline
        :func:`~.analysis.pain.baseline_change`; its lines are drawn when it has one.
    thresholds
        Give the change lines (baseline − points, baseline × (1 − percent/100)).
    ax
        Where to draw; a new figure when omitted.
    legend_outside
        The legend in a column right of the axes (leave room there), so it never hides a
        score or a line; by default inside, lower left.
    dates
        Says the weeks on the axis (:class:`~backrelief_analysis.text.Dates`; ISO weeks by
        default).
    **kwargs
        Passed to the 7-day mean line.
    """
    require_columns(daily, ("date", "mean", "rolling_mean", "flare"), "the daily pain frame")
    ax = new_axes(ax)
    title = "Pain over time: 7-day mean against the baseline"
    scored = daily.loc[daily["mean"].notna()]
    if scored.empty:
        return _no_data(ax, title, "No pain scores in this period yet.")
    thresholds = thresholds or Thresholds()
    ax.plot(scored["date"], scored["mean"], linestyle="none", marker="o", markersize=3,
            color="#999999", label="daily mean")
    style = {"color": OKABE_ITO["blue"], "linewidth": 2.2, "label": "7-day mean", **kwargs}
    ax.plot(daily["date"], daily["rolling_mean"], **style)
    if baseline is not None and baseline.enough_data:
        base = baseline.baseline
        points = base - thresholds.pain_change_points
        percent = base * (1 - thresholds.pain_change_percent / 100)
        ax.axhline(base, color=OKABE_ITO["black"], linestyle="--", linewidth=1.2,
                   label=f"baseline {base:.1f}")
        ax.axhline(points, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.6,
                   label=f"baseline − {thresholds.pain_change_points:g} points ({points:.1f})")
        ax.axhline(percent, color=OKABE_ITO["green"], linestyle="-.", linewidth=1.4,
                   label=f"baseline − {thresholds.pain_change_percent:g} % ({percent:.1f})")
    flares = daily.loc[daily["flare"]]
    if not flares.empty:
        ax.plot(flares["date"], np.full(len(flares), 9.7), linestyle="none", marker="v",
                markersize=7, color=OKABE_ITO["vermillion"], label="flare-up marked")
    ax.set_ylim(0, 10.2)
    if baseline is not None and baseline.enough_data:
        title += (f"\nbaseline {baseline.baseline_text} → last {baseline.latest_days} days "
                  f"with a score {baseline.latest_text}: {baseline.points_text} points "
                  f"({baseline.percent_text})\n{baseline.verdict} ({baseline.why})")
    legend = ({"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False}
              if legend_outside else {"loc": "lower left", "ncols": 2, "framealpha": 0.9})
    return _finish_pain_days(ax, daily["date"], title, dates, **legend)


def plot_weekly_adherence(
    weekly: pd.DataFrame,
    *,
    thresholds: Thresholds | None = None,
    ax: Axes | None = None,
    dates: Dates | None = None,
    changes: Sequence[PlanVersion] = (),
    **kwargs: object,
) -> Axes:
    """Sessions per ISO week as bars against the plan's target and the adherence cut-off.

    A week the period cuts (``part``) has a target pro rata to its days: the target line steps
    down there, its bar has a dashed outline and its label says how many of its 7 days the
    period holds.

    Parameters
    ----------
    weekly
        :func:`~backrelief_analysis.analysis.adherence.weekly_adherence`.
    thresholds
        Give the cut-off (``adherence_percent``, 80 % by default).
    dates
        Says the weeks on the axis (ISO weeks by default).
    changes
        Plan changes in the period (:attr:`ProgressSummary.plan_changes`), each marked by
        :func:`mark_plan_changes`.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.bar`.
    """
    require_columns(weekly, ("week_start", "sessions", "target", "percent", "meets_target",
                             "part", "days_in_period"), "the weekly adherence frame")
    ax = new_axes(ax)
    title = "Sessions per week against the plan's target"
    if weekly.empty:
        return _no_data(ax, title, "No sessions in this period yet.")
    part = weekly["part"].to_numpy(dtype=bool)
    if part.any():
        title += "\n(a week the period cuts is marked part: its target is pro rata to its days)"
    cut = (thresholds or Thresholds()).adherence_percent
    meets = weekly["meets_target"].to_numpy(dtype=bool)
    centres = weekly["week_start"] + pd.Timedelta(days=3)
    style = {
        "width": _bar_width(len(weekly)),
        "color": np.where(meets, OKABE_ITO["blue"], OKABE_ITO["sky_blue"]).tolist(),
        "hatch": np.where(meets, "", "//").tolist(),
        "edgecolor": OKABE_ITO["black"],
        "linewidth": 0.6,
        **kwargs,
    }
    if len(weekly) > MAX_BARS:
        ax.xaxis_date()
        edges = _week_edges(weekly["week_start"])
        sessions = weekly["sessions"].to_numpy(dtype="float64")
        # two filled steps (weeks at or above the cut-off, and below), not hundreds of bars
        _filled_steps(ax, np.where(meets, sessions, 0), edges, color=OKABE_ITO["blue"])
        _filled_steps(ax, np.where(meets, 0, sessions), edges, color=OKABE_ITO["sky_blue"],
                      hatch="//", edgecolor=OKABE_ITO["black"])
        bars = None
    else:
        bars = ax.bar(centres, weekly["sessions"], **style)
        for bar, cut_week in zip(bars, part, strict=True):
            if cut_week:
                bar.set_linestyle((0, (3, 2)))
                bar.set_linewidth(1.3)
    # the target as prescribed each week: one flat line, or steps where the plan changed
    targets = weekly["target"].to_numpy(dtype="float64")
    edges, steps = _week_edges(weekly["week_start"]), np.append(targets, targets[-1])
    ax.plot(edges, steps, drawstyle="steps-post", color=OKABE_ITO["black"], linestyle="-",
            linewidth=1.3)
    ax.plot(edges, steps * cut / 100, drawstyle="steps-post", color=OKABE_ITO["vermillion"],
            linestyle="--", linewidth=1.5)
    # the weekly rate behind each target (a part week's target is that rate pro rata)
    rates = targets * 7 / weekly["days_in_period"].to_numpy(dtype="float64")
    target = float(rates[-1])
    changed = bool((np.abs(rates - target) > ROUNDING_SLACK).any())
    if bars is not None and len(weekly) <= MAX_BAR_LABELS:
        # a part week's percentage against its pro rata target can read 500 %: its count
        # and days say it without a percentage over 100 ("5 in 1/7 d")
        labels = [f"{n} in {d}/7 d" if cut_week else f"{p:.0f}%"
                  for p, n, d, cut_week in zip(weekly["percent"], weekly["sessions"],
                                               weekly["days_in_period"], part, strict=True)]
        # above the bar, or above the target line where the bar stops under it: the target
        # and the cut-off line never strike a label through
        tops = np.maximum(weekly["sessions"].to_numpy(dtype="float64"), targets)
        for x, top, label in zip(mdates.date2num(centres.to_numpy()), tops, labels,
                                 strict=True):
            ax.annotate(label, (x, top), xytext=(0, LABEL_GAP_PT), textcoords="offset points",
                        ha="center", va="bottom", fontsize="x-small", linespacing=1.0,
                        gid="bar-label")
    handles = [
        Patch(facecolor=OKABE_ITO["blue"], edgecolor="black", label=f"at or above {cut:g} %"),
        Patch(facecolor=OKABE_ITO["sky_blue"], edgecolor="black", hatch="//",
              label=f"below {cut:g} %"),
        ax.get_lines()[0], ax.get_lines()[1],
    ]
    if part.any():
        handles.append(Patch(facecolor="white", edgecolor="black", linestyle=(0, (3, 2)),
                             label="part week (target pro rata)"))
    if changed:
        handles[2].set_label("target as prescribed each week")
        handles[3].set_label(f"{cut:g} % of target")
    else:
        handles[2].set_label(f"target: {target:g} a week")
        handles[3].set_label(f"{cut:g} % of target ({target * cut / 100:.1f})")
    ax.legend(handles=handles, loc="upper left", fontsize="small", ncols=2, framealpha=0.9)
    top = max(float(weekly["sessions"].max()), float(targets.max()))
    ax.set_ylim(0, top * 1.9 + 0.5)  # room for the labels and the legend above the bars
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("sessions per week")
    ax.set_title(title)
    _week_axis(ax, weekly["week_start"].iloc[0], weekly["week_start"].iloc[-1]
               + pd.Timedelta(days=6), centred=True, dates=dates)
    # over the bar labels, under the legend
    mark_plan_changes(ax, changes, above=float(np.maximum(
        weekly["sessions"].to_numpy(dtype="float64"), targets).max()))
    return ax


def plot_calendar(days: pd.DataFrame, *, ax: Axes | None = None, dates: Dates | None = None,
                  **kwargs: object) -> Axes:
    """A calendar heatmap of days with a session: one row per weekday, one column per ISO week.

    Drawn as one image (fast for years of days). Days outside the period are left blank.

    Parameters
    ----------
    days
        :func:`~backrelief_analysis.analysis.adherence.days_exercised`.
    dates
        Says the weeks on the axis (ISO weeks by default).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`.
    """
    require_columns(days, ("date", "weekday", "sessions"), "the days-exercised frame")
    ax = new_axes(ax, (9, 2.8))
    title = "Days with a session"
    if days.empty:
        return _no_data(ax, title, "No days in this period yet.")
    monday = days["date"] - pd.to_timedelta(days["weekday"], unit="D")
    column = ((monday - monday.iloc[0]).dt.days // 7).to_numpy()
    grid = np.full((7, int(column.max()) + 1), np.nan)
    grid[days["weekday"].to_numpy(), column] = np.minimum(days["sessions"].to_numpy(), 2)
    colours = ListedColormap(["#EEEEEE", OKABE_ITO["sky_blue"], OKABE_ITO["blue"]]).with_extremes(
        bad="white")
    style = {"cmap": colours, "norm": BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
             "aspect": "auto", "interpolation": "nearest", **kwargs}
    ax.imshow(np.ma.masked_invalid(grid), **style)
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    starts = monday.drop_duplicates().reset_index(drop=True)
    step = max(int(np.ceil(len(starts) / MAX_WEEK_TICKS)), 1)
    ticks = list(range(0, len(starts), step))
    say = dates or Dates.named()
    ax.set_xticks(ticks, [say.week_tick(starts.iloc[i]) for i in ticks])
    ax.tick_params(length=0)
    ax.set_xlabel(say.week_axis_label)
    ax.set_title(title)
    ax.legend(handles=[
        Patch(facecolor="#EEEEEE", edgecolor="grey", label="no session"),
        Patch(facecolor=OKABE_ITO["sky_blue"], edgecolor="grey", label="1 session"),
        Patch(facecolor=OKABE_ITO["blue"], edgecolor="grey", label="2 or more"),
    ], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return ax


def plot_session_effect(effects: pd.DataFrame, *, ax: Axes | None = None,
                        dates: Dates | None = None, **kwargs: object) -> Axes:
    """Pain before and after each session: a short line from before to after per session.

    Parameters
    ----------
    effects
        :func:`~backrelief_analysis.analysis.pain.session_effects` (sessions without both scores are
        left out and counted in the title).
    dates
        Says the weeks on the axis (ISO weeks by default).
    **kwargs
        Passed to the line collection joining before and after.
    """
    require_columns(effects, ("date", "before", "after", "complete"), "the session effects")
    ax = new_axes(ax)
    title = "Pain before and after each session"
    both = effects.loc[effects["complete"]]
    if both.empty:
        return _no_data(ax, title, "No session with both a before and an after score yet.")
    left_out = len(effects) - len(both)
    x = mdates.date2num(both["date"].to_numpy())
    segments = np.stack([np.column_stack([x, both["before"]]),
                         np.column_stack([x, both["after"]])], axis=1)
    style = {"colors": "#777777", "linewidths": 1.0, **kwargs}
    ax.add_collection(LineCollection(segments, **style))
    ax.plot(both["date"], both["before"], linestyle="none", marker="o", markersize=5,
            markerfacecolor="white", color=OKABE_ITO["orange"], label="before")
    ax.plot(both["date"], both["after"], linestyle="none", marker="s", markersize=4,
            color=OKABE_ITO["blue"], label="after")
    ax.set_ylim(-0.3, 10.3)
    note = f" ({left_out} without both scores left out)" if left_out else ""
    return _finish_pain_days(ax, both["date"], title + note, dates, loc="upper right",
                             ncols=2, framealpha=0.9)


def plot_reps_and_pain(
    weekly: pd.DataFrame,
    plan: Plan | None = None,
    *,
    ax: Axes | None = None,
    dates: Dates | None = None,
    changes: Sequence[PlanVersion] = (),
    **kwargs: object,
) -> Axes:
    """Weekly reps per exercise (stacked bars) under the weekly mean pain line.

    The pain line is drawn on a twin y axis (``ax`` keeps the reps). The chart shows an
    association in a self-reported diary, and its title says so.

    Parameters
    ----------
    weekly
        :func:`~backrelief_analysis.analysis.associations.weekly_reps_and_pain`.
    plan
        Gives exercise names (the ids are shown otherwise).
    dates
        Says the weeks on the axis (ISO weeks by default).
    changes
        Plan changes in the period (:attr:`ProgressSummary.plan_changes`), each marked by
        :func:`mark_plan_changes`.
    **kwargs
        Passed to every :meth:`~matplotlib.axes.Axes.bar` call.
    """
    require_columns(weekly, ("week_start", "pain_mean"), "the weekly reps and pain frame")
    ax = new_axes(ax)
    title = "Weekly reps per exercise and weekly mean pain\n(an association, not cause and effect)"
    rep_columns = [c for c in weekly.columns if c.startswith("reps_") and c != "reps_total"]
    if weekly.empty:
        return _no_data(ax, title, "No weeks in this period yet.")
    names = {ex.id: ex.name + (" (all sides)" if ex.sides else "")
             for ex in plan.exercises} if plan else {}
    centres = weekly["week_start"] + pd.Timedelta(days=3)
    bottom = np.zeros(len(weekly))
    many = len(weekly) > MAX_BARS
    if many:
        ax.xaxis_date()
        edges = _week_edges(weekly["week_start"])
    for index, column in enumerate(rep_columns):
        exercise = column.removeprefix("reps_")
        style = {
            "width": _bar_width(len(weekly)),
            "color": OKABE_ITO[SERIES_COLOURS[index % len(SERIES_COLOURS)]],
            "hatch": SERIES_HATCHES[index % len(SERIES_HATCHES)],
            "edgecolor": "white", "linewidth": 0.5,
            "label": names.get(exercise, exercise), **kwargs,
        }  # fmt: skip
        values = weekly[column].to_numpy(dtype="float64")
        if many:
            # one filled step per exercise keeps years of weeks to a handful of artists
            del style["width"]
            style["linewidth"] = 0
            _filled_steps(ax, bottom + values, edges, baseline=bottom.copy(), **style)
        else:
            ax.bar(centres, values, bottom=bottom, **style)
        bottom += values
    ax.set_ylabel("reps done per week")
    ax.set_ylim(0, max(bottom.max(), 1) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # reps are whole: no "0.25 reps"
    pain_ax = ax.twinx()
    pain_ax.plot(centres, weekly["pain_mean"], color=OKABE_ITO["black"], linewidth=2,
                 marker=None if many else "D", markersize=5, label="weekly mean pain")
    pain_ax.set_ylim(0, 10.2)
    pain_ax.set_ylabel(PAIN_LABEL)
    ax.set_title(title)
    _week_axis(ax, weekly["week_start"].iloc[0],
               weekly["week_start"].iloc[-1] + pd.Timedelta(days=6), centred=True, dates=dates)
    handles = ax.get_legend_handles_labels()
    line = pain_ax.get_legend_handles_labels()
    ax.legend(handles[0] + line[0], handles[1] + line[1], loc="upper left",
              bbox_to_anchor=(1.08, 1.0), fontsize="small", frameon=False)
    mark_plan_changes(pain_ax, changes)  # on the twin axes: over the pain line's markers
    return ax


# what each bar of the per-exercise chart counts, its colour and hatch (readable in greyscale)
SIGNAL_BARS = (("hurt", "marked as hurting", "vermillion", "xx"),
               ("stopped_pain", "stopped for pain", "purple", "\\\\"),
               ("felt_hard", "felt hard", "orange", "//"),
               ("answered", "answered", "sky_blue", ""))


def plot_exercise_signals(table: pd.DataFrame, *, ax: Axes | None = None,
                          **kwargs: object) -> Axes:
    """What the patient said of each exercise: for each, the times it was done (a grey bar) and
    over it how many times it was answered, felt hard, was stopped for pain and marked as
    hurting (one thin bar each).

    Parameters
    ----------
    table
        :attr:`~backrelief_analysis.analysis.summary.ProgressSummary.exercise_signals` (one
        row per exercise, with ``name``).
    **kwargs
        Passed to each thin bar (``ax.barh``).
    """
    require_columns(table, ("name", "times_done", *(column for column, *_ in SIGNAL_BARS)),
                    "the per-exercise answers")
    ax = new_axes(ax, (9, 1.2 + 0.7 * max(len(table), 1)))
    title = "What the patient said of each exercise (self-reported; unanswered is unknown)"
    if table.empty or not table["times_done"].any():
        return _no_data(ax, title, "No exercise done with an answer yet.")
    rows = np.arange(len(table))[::-1]  # the plan's first exercise at the top
    ax.barh(rows, table["times_done"], height=0.85, color="#dddddd", edgecolor="#999999",
            label="times done")
    thin = 0.85 / (len(SIGNAL_BARS) + 1)
    for index, (column, label, colour, hatch) in enumerate(SIGNAL_BARS):
        offset = 0.85 / 2 - thin * (index + 1)
        style = {"height": thin, "color": OKABE_ITO[colour], "hatch": hatch,
                 "edgecolor": "white", "linewidth": 0, **kwargs}
        ax.barh(rows + offset, table[column], label=label, **style)
    ax.set_yticks(rows, table["name"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("times (one exercise in one session)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    # beside the bars, never over them
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax


OUTCOME_STYLES = {  # colour, marker, line style: each measure reads in greyscale too
    "peg": ("blue", "o", "-"), "psfs": ("orange", "s", "--"), "odi": ("green", "^", "-."),
    "rmdq": ("purple", "D", ":"),
}


def plot_outcomes(
    outcomes_log: pd.DataFrame,
    *,
    thresholds: Thresholds | None = None,
    ax: Axes | None = None,
    dates: Dates | None = None,
    **kwargs: object,
) -> Axes:
    """Each outcome measure over time against its meaningful-change band.

    The measures have different scales and directions, so each is drawn as its change from its
    first score in units of its own meaningful change, better upwards: the shaded band from -1
    to +1 is "no meaningful change yet" for every measure. Each point is labelled with the
    measure's own score.

    Parameters
    ----------
    outcomes_log
        ``Log.outcomes`` (a row per item), or its
        :func:`~backrelief_analysis.analysis.outcomes.occasion_scores` (a row per occasion, as
        ``ProgressSummary.outcome_scores`` holds).
    thresholds
        The plan's thresholds (the default thresholds when omitted).
    ax
        Where to draw; a new figure when omitted.
    dates
        Says the weeks on the axis (ISO weeks by default).
    **kwargs
        Passed to each measure's line.
    """
    ax = new_axes(ax, size=(9, 4.6))
    title = "Outcome questionnaires against their meaningful change"
    scores = (occasion_scores(outcomes_log) if "item" in outcomes_log.columns
              else outcomes_log)
    require_columns(scores, ("measure", "date", "score"), "the outcome scores")
    if scores.empty:
        return _no_data(ax, title, "No questionnaires yet.")
    thresholds = thresholds or Thresholds()
    reach = 1.0
    for measure, spec in MEASURES.items():
        series = scores.loc[scores["measure"] == measure]
        if series.empty:
            continue
        meaning = rule(measure, thresholds)
        baseline = float(series["score"].iloc[0])
        size = meaning.amount * (baseline / 100 if meaning.percent else 1)
        sign = 1 if spec.higher_is_better else -1
        units = sign * (series["score"] - baseline) / size if size > 0 else series["score"] * np.nan
        colour, marker, style = OUTCOME_STYLES[measure]
        decimals = score_decimals(measure)
        threshold = (f"{meaning.amount:g} % fall" if meaning.percent
                     else f"{meaning.amount:g} points")
        line_style = {"color": OKABE_ITO[colour], "marker": marker, "linestyle": style,
                      "linewidth": 1.8, "label": f"{spec.short}: first {baseline:.{decimals}f}, "
                      f"threshold {threshold}", **kwargs}
        ax.plot(series["date"], units, **line_style)
        # the later scores as entered, beside their points (the first is in the legend)
        for day, value, score in zip(series["date"].iloc[1:], units.iloc[1:],
                                     series["score"].iloc[1:], strict=True):
            if np.isfinite(value):
                ax.annotate(f"{score:.{decimals}f}", (day, value), textcoords="offset points",
                            xytext=(5, 4), fontsize="x-small", color=OKABE_ITO[colour])
        if units.notna().any():
            reach = max(reach, float(units.abs().max()))
    ax.axhspan(-1, 1, color="#dddddd", alpha=0.6, linewidth=0,
               label="between ±1 threshold: no meaningful change yet")
    for edge in (-1, 1):
        ax.axhline(edge, color=OKABE_ITO["black"], linestyle=":", linewidth=1)
    ax.axhline(0, color=OKABE_ITO["black"], linewidth=0.8)
    ax.set_ylim(-reach - 0.6, reach + 0.6)
    ax.set_ylabel("change from the first score\nin thresholds (up = better)")
    first, last = scores["date"].min(), scores["date"].max()
    _week_axis(ax, first - pd.Timedelta(days=3), last + pd.Timedelta(days=3), dates=dates)
    ax.set_title(f"{title}\nPEG: Krebs 2009 sets no threshold, so the general pain rule of a "
                 f"{thresholds.peg_change_percent:g} % fall applies", fontsize="medium")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2, fontsize="small",
              frameon=False)
    return ax


def dashboard(summary: ProgressSummary) -> Figure:
    """One figure with the main charts of a :class:`~.analysis.summary.ProgressSummary`.

    Pain trend on top; weekly sessions and the calendar; session effect and reps against pain;
    the outcome questionnaires at the bottom.
    """
    figure = Figure(figsize=(14, 17.5), layout="constrained")
    grid = figure.add_gridspec(5, 2, height_ratios=[1.2, 1, 0.7, 1, 1])
    plan = summary.plan
    plot_pain_trend(summary.daily_pain, baseline=summary.baseline, thresholds=plan.thresholds,
                    ax=figure.add_subplot(grid[0, :]))
    plot_weekly_adherence(summary.weekly_adherence, thresholds=plan.thresholds,
                          ax=figure.add_subplot(grid[1, 0]), changes=summary.plan_changes)
    plot_session_effect(summary.session_effects, ax=figure.add_subplot(grid[1, 1]))
    plot_calendar(summary.days_exercised, ax=figure.add_subplot(grid[2, :]))
    plot_reps_and_pain(summary.weekly_reps_pain, plan, ax=figure.add_subplot(grid[3, :]),
                       changes=summary.plan_changes)
    plot_outcomes(summary.outcome_scores, thresholds=plan.thresholds,
                  ax=figure.add_subplot(grid[4, :]))
    period = ("no entries yet" if summary.empty
              else f"{summary.start:%Y-%m-%d} to {summary.end:%Y-%m-%d}")
    figure.suptitle(f"Progress with “{plan.name}”, {period}", fontsize="x-large")
    figure.supxlabel(ASSOCIATION_NOTE, fontsize="small",
                     style="italic")
    return figure
