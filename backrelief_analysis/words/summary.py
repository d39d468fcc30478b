"""A patient's summary said in words: the notebook's and the report's plain lines, and the note
on how every number is defined, made from the results of
:func:`~backrelief_analysis.analysis.summary.summarise` (nothing here computes a number).
"""

from __future__ import annotations

import pandas as pd

from ..analysis import flags
from ..analysis.periods import week_label, week_start
from ..analysis.summary import ProgressSummary
from ..plan import Thresholds
from ..text import Dates, number_word, plural
from .outcomes import outcome_lines
from .signals import signal_lines


def summary_lines(summary: ProgressSummary) -> list[str]:
    """The summary numbers as short plain lines (stable for a given log and plan)."""
    if summary.empty:
        return ["No entries in this period: nothing to summarise yet."]
    cut = f"{summary.plan.thresholds.adherence_percent:g} %"
    weeks = summary.weekly_adherence
    first_week, last_week = week_label(week_start(pd.Series([summary.start, summary.end])))
    partial = (f"; only part of {' and '.join(summary.partial_weeks)} is in the period, "
               "its target pro rata" if summary.partial_weeks else "")
    lines = [
        f"Period: {summary.start:%Y-%m-%d} to {summary.end:%Y-%m-%d} "
        f"({len(weeks)} ISO week{'s' if len(weeks) != 1 else ''}, {first_week} to "
        f"{last_week}{partial}).",
        f"Plan: {summary.plan.name}; target {summary.plan.target_text}.",
        f"Sessions done: {summary.sessions_done}; adherence {summary.adherence_percent:.0f} % of "
        f"the target (each week counted at most 100 %); {summary.weeks_meeting_target} of "
        f"{len(weeks)} weeks at or above {cut}.",
        summary.streaks.sentence(),
    ]
    for row in summary.exercise_adherence.itertuples(index=False):
        side = f" ({row.side})" if row.side else ""
        percent = "n/a" if pd.isna(row.percent) else f"{row.percent:.0f} %"
        lines.append(f"  {row.name}{side}: {row.reps_done} of {row.reps_target} reps "
                     f"({percent}).")
    lines += [summary.baseline.message, summary.trend.message, summary.session_effect.message]
    next_day = _next_day_text(summary.next_day_pain)
    lines.append(f"Next-day pain (association, not cause): {next_day}")
    lines += signal_lines(summary.exercise_signals, summary.weekly_barriers)
    if summary.flags.empty:
        lines.append("Flags: none.")
    else:
        counts = summary.flags["kind"].value_counts()
        listed = ", ".join(f"{counts[kind]} × {flags.FLAG_TITLES[kind].lower()}"
                           for kind in flags.FLAG_TITLES if kind in counts.index)
        lines.append(f"Flags (prompts to talk to the physiotherapist): {listed}.")
    lines.append("Outcome questionnaires (first against latest):")
    lines += ["  " + line for line in summary_outcome_lines(summary)]
    return lines


def summary_outcome_lines(summary: ProgressSummary, **options: object) -> list[str]:
    """One line per outcome measure, then one per PSFS activity; "No questionnaires yet."
    before the first. ``options`` go to
    :func:`~backrelief_analysis.words.outcomes.outcome_lines` (``day``, ``activity_names``)."""
    return outcome_lines(summary.outcome_changes, summary.psfs_activity_changes,
                         **{"thresholds": summary.plan.thresholds, **options})


def summary_text(summary: ProgressSummary) -> str:
    """:func:`summary_lines` joined into one block of text."""
    return "\n".join(summary_lines(summary))


def how_defined(thresholds: Thresholds, *, outcomes: bool = True,
                dates: Dates | None = None, signals: bool = False) -> list[str]:
    """The "how these are defined" note that ends the report and the progress notebook.

    Each line names a definition with its setting (from ``plan.Thresholds``) and its published
    source, as listed in the kit's clinical reference. ``outcomes=False`` leaves out the
    outcome questionnaires' line (a report with none has no need of it). ``dates`` says the
    baseline's first day (calendar dates by default). ``signals`` adds the per-exercise
    answers' line (a log without them has no need of it).
    """
    th = thresholds
    since = (f"from {(dates or Dates.named()).day(th.baseline_from)}"
             if th.baseline_from is not None
             else "in the whole log")
    lines = [
        f"Pain: 0-10 rating scale. Baseline: mean of the first {th.baseline_days} days with a "
        f"score {since}, whatever the period; latest: the period's last {th.latest_days} days "
        f"with a score. Meaningful change: {th.pain_change_points:g} points or "
        f"{th.pain_change_percent:g} % of the baseline (Ostelo et al., Spine 2008; Farrar et "
        f"al., Pain 2001), never under {th.min_change_points:g} point (below the detectable "
        "change).",
        "Trend: Theil-Sen slope of weekly means, so its 95 % interval allows for day-to-day "
        "correlation. Across a session: its last score before against its last after; a 95 % "
        f"t interval from {th.min_sessions_for_interval} sessions, limited to the scale.",
        "Flags: the pain-monitoring model of Silbernagel et al. (Am J Sports Med 2007), tested "
        "in Achilles tendinopathy and used for other regions: pain up to "
        f"{th.pain_after_max:g}/10 after exercise; settled when the next day's first score "
        f"(not the session's) is within {th.settle_margin_points:g} point of the pain before; "
        f"no weekly rise of {th.rising_points:g} point (in one week, or over up to "
        f"{th.rising_weeks} rising weeks). Flare-ups as marked (Costa et al., J Pain 2019).",
        f"Adherence: sessions against those prescribed at the time, cut-off "
        f"{th.adherence_percent:g} % (Systematic Reviews 2014;3:10); a part week's target is pro "
        "rata, and each week counts at most 100 % overall. Every number here is a setting in "
        "the plan's [thresholds] table.",
    ]
    if signals:
        lines.insert(-1, (
            "Per exercise: a time is one exercise in one session, unanswered is unknown; "
            f"flagged at {th.exercise_pain_times}+ times hurt or stopped for pain and "
            f"{th.exercise_pain_percent:g} %+ of its times, per {th.recent_weeks} weeks (the "
            "kit's setting)."))
    if outcomes:
        lines.insert(-1, (
            f"Outcome questionnaires (every {th.questionnaire_every_days} days; a verdict from "
            f"{number_word(th.min_occasions)}): a meaningful change is PSFS "
            f"{th.psfs_change_points:g} points, "
            f"{th.psfs_activity_change_points:g} for one activity (Stratford et al. 1995); ODI "
            f"{th.odi_change_points:g}, RMDQ {th.rmdq_change_points:g} points (Ostelo et al., "
            f"Spine 2008); PEG a {th.peg_change_percent:g} % fall (Farrar et al., Pain 2001), as "
            "Krebs et al. (J Gen Intern Med 2009) set none."))
    return lines


def _next_day_text(table: pd.DataFrame) -> str:
    if table.empty or table["note"].iloc[0]:
        return table["note"].iloc[0] if not table.empty else "no days to compare."
    with_row, without_row = table.iloc[0], table.iloc[1]
    return (f"mean {with_row['mean_next_day_pain']:.1f}/10 {with_row['group']} "
            f"({plural(with_row['days'], 'day')}), "
            f"{without_row['mean_next_day_pain']:.1f}/10 {without_row['group']} "
            f"({plural(without_row['days'], 'day')}).")


__all__ = ["how_defined", "summary_lines", "summary_outcome_lines", "summary_text"]
