"""A session as steps: what the engine walks through, made from the plan alone.

*Get ready*, then for every exercise and side a *hold* and a *release* per rep, a *switch* step
between the two sides of an exercise, a *rest* before each following exercise, and *done*.
Lead-in steps (get ready, switch, rest) show the block that comes next. The engine
(:mod:`~.session.engine`) times them; the cues (:mod:`~.session.cues`) say
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..plan import Exercise, Plan


@dataclass(frozen=True)
class Step:
    """One step of a session.

    Attributes
    ----------
    kind
        ``"get_ready"``, ``"hold"``, ``"release"``, ``"switch"``, ``"rest"`` or ``"done"``.
    duration_s
        Planned length in seconds (0 for ``done``).
    block
        Index of the block the step belongs to; lead-in steps belong to the block they lead
        into; ``done`` has the number of blocks.
    exercise, side
        The exercise and side shown (``None`` and ``""`` for ``done``).
    rep, reps
        Rep number (from 1) of a hold or release and the reps of the block; ``rep`` is 0 for
        other steps.
    """

    kind: str
    duration_s: float
    block: int
    exercise: Exercise | None = None
    side: str = ""
    rep: int = 0
    reps: int = 0


def build_blocks(plan: Plan) -> list[tuple[Exercise, str]]:
    """Return the blocks of a session: one ``(exercise, side)`` pair per exercise and side."""
    return [(exercise, side) for exercise in plan.exercises for side in exercise.blocks]


def build_steps(
    plan: Plan, *, get_ready_s: float | None = None, switch_side_s: float | None = None
) -> list[Step]:
    """Turn a plan into the steps of a session.

    ``get_ready_s`` and ``switch_side_s`` override the plan's own. Steps with a length of 0
    (a plan with ``release_s = 0``, say) are left out, except the final ``done``.

    Examples
    --------
    >>> from backrelief_analysis.plan import load_plan
    >>> steps = build_steps(load_plan())
    >>> sum(step.kind == "hold" for step in steps)  # the default plan
    50
    """
    get_ready_s = plan.get_ready_s if get_ready_s is None else get_ready_s
    switch_side_s = plan.switch_side_s if switch_side_s is None else switch_side_s
    steps: list[Step] = []
    blocks = build_blocks(plan)
    for index, (exercise, side) in enumerate(blocks):
        if index == 0:
            lead = Step("get_ready", float(get_ready_s), index, exercise, side)
        elif blocks[index - 1][0] is exercise:
            lead = Step("switch", float(switch_side_s), index, exercise, side)
        else:
            lead = Step("rest", float(plan.rest_between_exercises_s), index, exercise, side)
        steps.append(lead)
        for rep in range(1, exercise.reps + 1):
            steps.append(Step("hold", float(exercise.hold_s), index, exercise, side, rep,
                              exercise.reps))
            steps.append(Step("release", float(exercise.release_s), index, exercise, side, rep,
                              exercise.reps))
    kept = [step for step in steps if step.duration_s > 0]
    kept.append(Step("done", 0.0, len(blocks)))
    return kept


__all__ = ["Step", "build_blocks", "build_steps"]
