"""One entry point for the notebook and the report: :func:`summarise` a log against its plan.

The period is taken from the data (first to last day with any entry), never from today's date,
so the same log always gives the same summary. Pass ``start``/``end`` to look at part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from . import adherence, associations, flags, outcomes, pain, words_outcomes
from .periods import DayLike, period_bounds, week_label, week_start, within
from .plan import Plan, Thresholds
from .store import Log
from .words import Dates, number_word, plural


def restrict_log(log: Log, start: DayLike = None, end: DayLike = None) -> Log:
    """A new Log holding only the rows whose local day lies in ``start``..``end`` (inclusive)."""
    first, last = period_bounds([log.exercise["date"], log.pain["date"]], start, end)
    return replace(log, exercise=within(log.exercise, first, last),
                   pain=within(log.pain, first, last), outcomes=within(log.outcomes, first, last))


@dataclass(frozen=True)
class ProgressSummary:
    """Everything the progress notebook and the physiotherapist report show.

    Frames are described in the functions that make them (see each field's module).
    """

    plan: Plan
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    sessions: pd.DataFrame  # adherence.sessions
    weekly_adherence: pd.DataFrame  # adherence.weekly_adherence
    exercise_adherence: pd.DataFrame  # adherence.exercise_adherence
    days_exercised: pd.DataFrame  # adherence.days_exercised
    streaks: adherence.Streaks
    daily_pain: pd.DataFrame  # pain.daily_pain (over the whole period)
    weekly_pain: pd.DataFrame  # pain.weekly_pain
    baseline: pain.PainChange
    trend: pain.Trend
    session_effects: pd.DataFrame  # pain.session_effects
    session_effect: pain.SessionEffect
    weekly_reps_pain: pd.DataFrame  # associations.weekly_reps_and_pain
    exercise_pain_change: pd.DataFrame  # associations.exercise_pain_change
    next_day_pain: pd.DataFrame  # associations.next_day_pain
    flags: pd.DataFrame  # flags.all_flags
    outcome_scores: pd.DataFrame  # outcomes.occasion_scores (up to the period's end)
    outcome_changes: pd.DataFrame  # outcomes.outcome_changes
    psfs_activity_changes: pd.DataFrame  # outcomes.psfs_activity_changes

    @property
    def empty(self) -> bool:
        """True when the period holds no entry at all."""
        return self.start is None

    @property
    def sessions_done(self) -> int:
        """Counted sessions (at least one rep done) in the period."""
        return int(self.sessions["counted"].sum())

    @property
    def adherence_percent(self) -> float:
        """Sessions done against the target over the period, in %, each week at most 100 %.

        A week the period only partly covers has a target pro rata to its days in it.
        """
        return adherence.overall_percent(self.weekly_adherence)

    @property
    def partial_weeks(self) -> list[str]:
        """ISO weeks the period only partly covers (their targets are pro rata to their days)."""
        weeks = self.weekly_adherence
        return weeks.loc[weeks["part"], "week"].tolist()

    @property
    def weeks_meeting_target(self) -> int:
        """Weeks at or above the adherence cut-off."""
        return int(self.weekly_adherence["meets_target"].sum())

    def summary_lines(self) -> list[str]:
        """The summary numbers as short plain lines (stable for a given log and plan)."""
        if self.empty:
            return ["No entries in this period: nothing to summarise yet."]
        cut = f"{self.plan.thresholds.adherence_percent:g} %"
        weeks = self.weekly_adherence
        first_week, last_week = week_label(week_start(pd.Series([self.start, self.end])))
        partial = (f"; only part of {' and '.join(self.partial_weeks)} is in the period, "
                   "its target pro rata" if self.partial_weeks else "")
        lines = [
            f"Period: {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} "
            f"({len(weeks)} ISO week{'s' if len(weeks) != 1 else ''}, {first_week} to "
            f"{last_week}{partial}).",
            f"Plan: {self.plan.name}; target {self.plan.target_text}.",
            f"Sessions done: {self.sessions_done}; adherence {self.adherence_percent:.0f} % of "
            f"the target (each week counted at most 100 %); {self.weeks_meeting_target} of "
            f"{len(weeks)} weeks at or above {cut}.",
            self.streaks.sentence(),
        ]
        for row in self.exercise_adherence.itertuples(index=False):
            side = f" ({row.side})" if row.side else ""
            percent = "n/a" if pd.isna(row.percent) else f"{row.percent:.0f} %"
            lines.append(f"  {row.name}{side}: {row.reps_done} of {row.reps_target} reps "
                         f"({percent}).")
        lines += [self.baseline.message, self.trend.message, self.session_effect.message]
        next_day = _next_day_text(self.next_day_pain)
        lines.append(f"Next-day pain (association, not cause): {next_day}")
        if self.flags.empty:
            lines.append("Flags: none.")
        else:
            counts = self.flags["kind"].value_counts()
            listed = ", ".join(f"{counts[kind]} × {flags.FLAG_TITLES[kind].lower()}"
                               for kind in flags.FLAG_TITLES if kind in counts.index)
            lines.append(f"Flags (prompts to talk to the physiotherapist): {listed}.")
        lines.append("Outcome questionnaires (first against latest):")
        lines += ["  " + line for line in self.outcome_lines()]
        return lines

    def outcome_lines(self, **options: object) -> list[str]:
        """One line per outcome measure, then one per PSFS activity; "No questionnaires yet."
        before the first. ``options`` go to
        :func:`~backrelief_analysis.words_outcomes.outcome_lines` (``day``, ``activity_names``)."""
        return words_outcomes.outcome_lines(self.outcome_changes, self.psfs_activity_changes,
                                            **{"thresholds": self.plan.thresholds, **options})

    def as_text(self) -> str:
        """:meth:`summary_lines` joined into one block of text."""
        return "\n".join(self.summary_lines())


def how_defined(thresholds: Thresholds, *, outcomes: bool = True,
                dates: Dates | None = None) -> list[str]:
    """The "how these are defined" note that ends the report and the progress notebook.

    Each line names a definition with its setting (from ``plan.Thresholds``) and its published
    source, as listed in the kit's clinical reference. ``outcomes=False`` leaves out the
    outcome questionnaires' line (a report with none has no need of it). ``dates`` says the
    baseline's first day (calendar dates by default).
    """
    th = thresholds
    since = (f"from {(dates or Dates.named()).day(th.baseline_from)}"
             if th.baseline_from is not None
             else "in the whole log")
    lines = [
        f"Pain: 0-10 rating scale. Baseline: mean of the first {th.baseline_days} days with a "
        f"score {since}, whatever the period; latest: the period's last {pain.LATEST_DAYS} days "
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


def summarise(log: Log, plan: Plan, *, start: DayLike = None, end: DayLike = None
              ) -> ProgressSummary:
    """Analyse a log against its plan over a period.

    Parameters
    ----------
    log
        From :func:`~backrelief_analysis.store.load_log`.
    plan
        The plan in use: its target and thresholds.
    start, end
        Inclusive local days; by default the first and last day with any entry in either file.

    Returns
    -------
    ProgressSummary

    Example
    -------
    >>> summary = summarise(load_log(directory), load_plan())  # doctest: +SKIP
    >>> print(summary.as_text())  # doctest: +SKIP
    """
    first, last = period_bounds([log.exercise["date"], log.pain["date"]], start, end)
    window = restrict_log(log, first, last) if first is not None else log
    ex, pn, th = window.exercise, window.pain, plan.thresholds
    # as for pain, the first questionnaire of the whole log stays the baseline of a shorter
    # period; the latest is the last one up to the period's end (any, when no end is given)
    answered = (log.outcomes if end is None or last is None
                else log.outcomes.loc[log.outcomes["date"] <= last])
    period = {"start": first, "end": last}
    # the sessions table stands in for the exercise log wherever only sessions matter
    table = adherence.sessions(ex)
    # one frame of session effects and one of daily pain serve every measure of the period
    effects = pain.session_effects(pn, table, **period)
    daily = pain.daily_pain(pn, **period)
    return ProgressSummary(
        plan=plan,
        start=first,
        end=last,
        sessions=table,
        weekly_adherence=adherence.weekly_adherence(table, plan, **period),
        exercise_adherence=adherence.exercise_adherence(ex, plan, **period),
        days_exercised=adherence.days_exercised(table, **period),
        streaks=adherence.streaks(table, **period),
        daily_pain=daily,
        weekly_pain=pain.weekly_pain(pn, **period, daily=daily),
        # the baseline comes from the whole log, whatever period is shown
        baseline=pain.baseline_change(log.pain, th, **period, daily=daily),
        trend=pain.pain_trend(pn, **period, daily=daily),
        session_effects=effects,
        session_effect=pain.session_effect_summary(effects, th),
        weekly_reps_pain=associations.weekly_reps_and_pain(ex, pn, plan, **period, daily=daily),
        exercise_pain_change=associations.exercise_pain_change(ex, pn, plan, **period,
                                                               effects=effects),
        next_day_pain=associations.next_day_pain(table, pn, **period, daily=daily),
        flags=flags.all_flags(pn, th, **period, daily=daily, effects=effects),
        outcome_scores=outcomes.occasion_scores(answered),
        outcome_changes=outcomes.outcome_changes(answered, th),
        psfs_activity_changes=outcomes.psfs_activity_changes(answered, th),
    )
