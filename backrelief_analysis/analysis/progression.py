"""Progression suggested per exercise from the pain-monitoring rules: prompts for the
physiotherapist, who approves a step; never applied by themselves, never advice to the patient.

The rule (``shared/CLINICAL.md``, "Progression"), over the last ``progression_weeks`` (2) weeks
to the analysis day:

* **ready to progress** when adherence meets its cut-off, the exercise was done in the window
  and every one of its blocks there at its prescribed reps, no pain-after, not-settled or
  weekly-rise flag touches its sessions, and it was neither stopped for pain nor marked as
  hurting; the next step is the plan's own (:meth:`~backrelief_analysis.plan.Exercise.step_up`);
* **consider stepping back** when its pain signals reach their thresholds: marked as hurting or
  stopped for pain (:func:`~.signals.exercise_pain_flags`), or pain-after and not-settled flags
  on its sessions, at least ``exercise_pain_times`` times and ``exercise_pain_percent`` % of
  its times; the step back is :meth:`~backrelief_analysis.plan.Exercise.step_down`;
* **hold the load** otherwise, each missing condition named; also when ready but at its
  ceiling.

An exercise without an ``[exercise.progression]`` table gets no suggestion. Results are typed
(:class:`Suggestion`, :class:`Reason`); :mod:`~backrelief_analysis.words.progression` says them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import pandas as pd

from ..log.store import Log
from ..plan import ROUNDING_SLACK, Exercise, Plan
from ..text import DAYS_A_WEEK
from .flags import FlagKind
from .periods import DayLike, day_series, period_bounds, to_day
from .signals import exercise_pain_flags
from .summary import summarise


class Step(StrEnum):
    """What the rule suggests for an exercise."""

    READY = "ready to progress"
    HOLD = "hold the load"
    STEP_BACK = "consider stepping back"
    NONE = "no progression set"


class Reason(StrEnum):
    """Why: each with a number (``value``) and what it was held against (``limit``)."""

    ADHERENCE = "adherence"  # the window's adherence, % (limit: the cut-off)
    MET_ADHERENCE = "met adherence"  # the same, met
    NOT_DONE = "not done"  # no block of it in the window
    SHORT = "short of its reps"  # blocks below their prescribed reps (limit: blocks)
    PAIN_FLAGS = "pain flags"  # its sessions with a pain-after or not-settled flag
    RISING = "weekly rise"  # weekly-rise flags over its sessions' days
    STOPPED_FOR_PAIN = "stopped for pain"  # times (limit: times done or stopped)
    HURT = "hurt"  # times marked as hurting (limit: times done)
    CEILING = "ceiling"  # no step left up (value: reps, limit: hold)
    FLOOR = "floor"  # no step left down


@dataclass(frozen=True)
class Because:
    """One reason, with its number and what it was held against."""

    reason: Reason
    value: float = 0.0
    limit: float = 0.0


@dataclass(frozen=True)
class Suggestion:
    """One exercise's suggestion.

    ``reps``/``hold_s`` are the plan's now; ``next_reps``/``next_hold_s`` the step's (None
    when there is none). ``weeks``, ``start`` and ``end`` say the window looked at.
    """

    exercise: str
    name: str
    step: Step
    reasons: tuple[Because, ...]
    reps: int
    hold_s: float
    next_reps: int | None
    next_hold_s: float | None
    weeks: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None

    @property
    def has_step(self) -> bool:
        """Whether the suggestion comes with new numbers (a step up or back)."""
        return self.next_reps is not None


def progression_window(log: Log, plan: Plan, as_of: DayLike = None
                       ) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The window a suggestion looks at: the last ``progression_weeks`` weeks (as days) to
    ``as_of``, by default the log's last day with a session or pain score."""
    _, last = period_bounds([log.exercise["date"], log.pain["date"]], None, as_of)
    if last is None:
        return None, None
    days = DAYS_A_WEEK * plan.thresholds.progression_weeks
    return last - timedelta(days=days - 1), to_day(last)


def suggest_progression(log: Log, plan: Plan, *, as_of: DayLike = None) -> list[Suggestion]:
    """Each exercise of ``plan``'s suggestion over the window :func:`progression_window` gives.

    Parameters
    ----------
    log
        The patient's log (the plan in force on the analysis day, with its history, counts
        each block against what was prescribed at its time).
    plan
        The plan in force: its exercises, progression tables and thresholds.
    as_of
        The analysis day; by default the log's last day with an entry.

    Returns
    -------
    list of Suggestion
        In the plan's order; empty when the log has no entry.
    """
    start, end = progression_window(log, plan, as_of)
    if start is None:
        return []
    summary = summarise(log, plan, start=start, end=end)
    th = plan.thresholds
    blocks = log.exercise.loc[(day_series(log.exercise["date"]) >= start)
                              & (day_series(log.exercise["date"]) <= end)]
    adherence = summary.adherence_percent
    counts = summary.exercise_signals.set_index("exercise") if len(
        summary.exercise_signals) else pd.DataFrame()
    hurting = set(exercise_pain_flags(summary.exercise_signals, th.exercise_pain_times,
                                      th.exercise_pain_percent)["exercise"]) if len(
        summary.exercise_signals) else set()
    flags = summary.flags
    flagged_sessions = set(flags.loc[flags["kind"].isin(
        (FlagKind.PAIN_AFTER, FlagKind.NOT_SETTLED)), "session_id"])
    rising = flags.loc[flags["kind"] == FlagKind.RISING, ["date", "end_date"]]
    weeks = th.progression_weeks
    suggestions = []
    for exercise in plan.exercises:
        own = blocks.loc[blocks["exercise"] == exercise.id]
        row = counts.loc[exercise.id] if exercise.id in counts.index else None
        suggestions.append(_suggest(exercise, own, row, adherence, th.adherence_percent,
                                    flagged_sessions, rising, exercise.id in hurting,
                                    (th.exercise_pain_times, th.exercise_pain_percent),
                                    (weeks, start, end)))
    return suggestions


def _suggest(exercise: Exercise, own: pd.DataFrame, row: pd.Series | None, adherence: float,
             cut_off: float, flagged_sessions: set, rising: pd.DataFrame, hurting: bool,
             pain_limits: tuple[int, float], window: tuple) -> Suggestion:
    """One exercise's suggestion from its blocks in the window and its counts there."""
    weeks, start, end = window
    base = {"exercise": exercise.id, "name": exercise.name, "reps": exercise.reps,
            "hold_s": exercise.hold_s, "weeks": weeks, "start": start, "end": end}
    if exercise.progression is None:
        return Suggestion(step=Step.NONE, reasons=(), next_reps=None, next_hold_s=None, **base)
    sessions = set(own.loc[own["reps_done"] > 0, "session_id"])
    days = set(day_series(own.loc[own["reps_done"] > 0, "date"]))
    short = int((own["reps_done"] < own["reps_target"]).sum())
    on_flags = len(sessions & flagged_sessions)
    rises = sum(any(first <= day <= last for day in days)
                for first, last in zip(rising["date"], rising["end_date"], strict=True))
    hurt = int(row["hurt"]) if row is not None else 0
    stopped = int(row["stopped_pain"]) if row is not None else 0
    done = int(row["times_done"]) if row is not None else len(sessions)
    times, percent = pain_limits
    reasons = []
    met = adherence + ROUNDING_SLACK >= cut_off
    reasons.append(Because(Reason.MET_ADHERENCE if met else Reason.ADHERENCE, adherence,
                           cut_off))
    if own.empty:
        reasons.append(Because(Reason.NOT_DONE))
    if short:
        reasons.append(Because(Reason.SHORT, short, len(own)))
    if on_flags:
        reasons.append(Because(Reason.PAIN_FLAGS, on_flags, len(sessions)))
    if rises:
        reasons.append(Because(Reason.RISING, rises))
    if stopped:
        reasons.append(Because(Reason.STOPPED_FOR_PAIN, stopped, done))
    if hurt:
        reasons.append(Because(Reason.HURT, hurt, done))
    flagged_share = 100 * on_flags / len(sessions) if sessions else 0.0
    if hurting or (on_flags >= times and flagged_share + ROUNDING_SLACK >= percent):
        back = exercise.step_down()
        if back is None:
            reasons.append(Because(Reason.FLOOR, exercise.reps))
        return Suggestion(step=Step.STEP_BACK, reasons=tuple(reasons),
                          next_reps=back[0] if back else None,
                          next_hold_s=back[1] if back else None, **base)
    ready = met and not own.empty and not (short or on_flags or rises or stopped or hurt)
    if not ready:
        return Suggestion(step=Step.HOLD, reasons=tuple(reasons), next_reps=None,
                          next_hold_s=None, **base)
    up = exercise.step_up()
    if up is None:
        reasons.append(Because(Reason.CEILING, exercise.reps, exercise.hold_s))
        return Suggestion(step=Step.HOLD, reasons=tuple(reasons), next_reps=None,
                          next_hold_s=None, **base)
    return Suggestion(step=Step.READY, reasons=tuple(reasons), next_reps=up[0],
                      next_hold_s=up[1], **base)


__all__ = ["Because", "Reason", "Step", "Suggestion", "progression_window",
           "suggest_progression"]
