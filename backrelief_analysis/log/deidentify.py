"""What a de-identified report, export or bundle does to a loaded log before anything is made.

An exercise id the plan does not name was typed by someone (an older plan, a hand edit) and may
say anything. The report shows such ids as :data:`NOT_IN_PLAN`; the export and the bundle give
each a neutral stand-in (``exercise-1``, ...), the same in every file of one bundle.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..plan import Plan
from .store import Log

NOT_IN_PLAN = "(exercise not in the plan)"


def withhold_unknown_exercises(log: Log, plan: Plan) -> Log:
    """A copy of ``log`` where every exercise id the plan does not name reads ``NOT_IN_PLAN``,
    in the exercise log and in the signals.

    An id in the log that the plan does not know was typed by someone (an older plan, a hand
    edit) and may say anything; a de-identified output shows only the plan's own names. The
    signals log's ids likewise (a barrier's empty one stays empty).
    """
    known = {"", *(exercise.id for exercise in plan.exercises)}

    def withheld(ids: pd.Series) -> pd.Series:
        return ids.where(ids.isin(known), NOT_IN_PLAN)

    return dataclasses.replace(
        log, exercise=log.exercise.assign(exercise=withheld(log.exercise["exercise"])),
        signals=log.signals.assign(exercise=withheld(log.signals["exercise"])))


def unknown_exercise_ids(log: Log, plan: Plan) -> dict[str, str]:
    """Each exercise id of ``log`` the plan does not name, and its neutral stand-in.

    :meth:`~backrelief_analysis.plan.Plan.neutral_ids` in the order the ids first appear in the
    exercise log, then in the signals log (an answer about an exercise the exercise log lacks):
    the ones every file of a de-identified bundle, and its export, share.
    """
    signals = log.signals["exercise"]
    return plan.neutral_ids([*log.exercise["exercise"], *signals.loc[signals != ""]])


def neutral_exercise_ids(log: Log, plan: Plan) -> Log:
    """A copy of ``log`` where every exercise id the plan does not name reads ``exercise-1``, ...

    In the exercise and the signals log alike; the stand-ins are :func:`unknown_exercise_ids`,
    the ones a de-identified bundle of the same log holds.
    """
    neutral = unknown_exercise_ids(log, plan)

    def renamed(ids: pd.Series) -> pd.Series:
        return ids.map(neutral).where(ids.isin(list(neutral)), ids)

    return dataclasses.replace(
        log, exercise=log.exercise.assign(exercise=renamed(log.exercise["exercise"])),
        signals=log.signals.assign(exercise=renamed(log.signals["exercise"])))


__all__ = ["NOT_IN_PLAN", "neutral_exercise_ids", "unknown_exercise_ids",
           "withhold_unknown_exercises"]
