"""What a de-identified report, export or bundle does to a loaded log before anything is made.

An exercise id the plan does not name was typed by someone (an older plan, a hand edit) and may
say anything. The report shows such ids as :data:`NOT_IN_PLAN`; the export and the bundle give
each a neutral stand-in (``exercise-1``, ...), the same in every file of one bundle.
"""

from __future__ import annotations

import dataclasses

from ..plan import Plan
from .store import Log

NOT_IN_PLAN = "(exercise not in the plan)"


def withhold_unknown_exercises(log: Log, plan: Plan) -> Log:
    """A copy of ``log`` where every exercise id the plan does not name reads ``NOT_IN_PLAN``,
    in the exercise log and in the signals.

    An id in the log that the plan does not know was typed by someone (an older plan, a hand
    edit) and may say anything; a de-identified output shows only the plan's own names.
    """
    known = {exercise.id for exercise in plan.exercises}
    ids = log.exercise["exercise"]
    # a signal about an exercise names it too; a barrier names none ("" stays "")
    said = log.signals["exercise"]
    return dataclasses.replace(
        log, exercise=log.exercise.assign(exercise=ids.where(ids.isin(known), NOT_IN_PLAN)),
        signals=log.signals.assign(exercise=said.where(said.isin(known) | (said == ""),
                                                       NOT_IN_PLAN)))


def neutral_exercise_ids(log: Log, plan: Plan) -> Log:
    """A copy of ``log`` where every exercise id the plan does not name reads ``exercise-1``, ...

    The stand-ins are :meth:`~backrelief_analysis.plan.Plan.neutral_ids`, in the order the ids
    first appear in the exercise log: the ones a de-identified bundle of the same log holds.
    """
    ids = log.exercise["exercise"]
    neutral = plan.neutral_ids(ids)
    renamed = ids.map(neutral).where(ids.isin(list(neutral)), ids)
    return dataclasses.replace(log, exercise=log.exercise.assign(exercise=renamed))


__all__ = ["NOT_IN_PLAN", "neutral_exercise_ids", "withhold_unknown_exercises"]
