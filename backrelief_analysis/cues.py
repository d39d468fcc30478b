"""What the session says at each cue: short spoken sentences, made from the plan.

Pure functions, no browser: the engine attaches the sentence to each cue it sends, and the
widget's browser side only speaks it. A person lying on the floor with their eyes closed should
know from the words alone which exercise comes, which leg, and how far along they are.

========================  ===============================================================
cue                       said
========================  ===============================================================
``get_ready``             "Pelvic tilt. 10 reps, 5 second holds."
``hold_start``            "Hold."
``tick``                  the count of the last seconds of a hold: "3", "2", "1"
``release``               "Release." and now and then how many are left: "Release. 5 to go."
``next`` (side switch)    "Switch to the right leg."
``next`` (rest)           "Rest. Next: bridge, 10 reps, 5 second holds."
``session_end``           "Session complete. How is your pain now?"
========================  ===============================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine imports this module; only its Step type is needed here
    from .engine import Step

SESSION_END_TEXT = "Session complete. How is your pain now?"
_SIDE_WORDS = {"left": "left leg", "right": "right leg"}


def side_words(side: str) -> str:
    """``"left"`` -> ``"left leg"``; ``""`` (no sides) -> ``""``."""
    return _SIDE_WORDS.get(side, side)


def reps_left_worth_saying(reps_left: int) -> bool:
    """Say "N to go" now and then, not at every rep: at 5, 10, ... left, and at 3 and 1 left.

    Examples
    --------
    >>> [left for left in range(10, 0, -1) if reps_left_worth_saying(left)]
    [10, 5, 3, 1]
    """
    return reps_left > 0 and (reps_left % 5 == 0 or reps_left in (3, 1))


def _exercise_intro(step: Step) -> str:
    exercise = step.exercise
    assert exercise is not None
    side = side_words(step.side)
    name = f"{exercise.name}, {side}" if side else exercise.name
    return f"{name}. {exercise.reps} reps, {exercise.hold_s:g} second holds."


def spoken_text(cue: str, step: Step, countdown: int = 0) -> str:
    """The sentence said for ``cue`` as the session enters (or counts down in) ``step``.

    Parameters
    ----------
    cue
        One of the engine's cue names.
    step
        The step the cue belongs to (for ``tick``, the hold being counted down).
    countdown
        For ``tick``: the second now shown.

    Returns
    -------
    str
        Short words; empty for an unknown cue.
    """
    if cue == "get_ready":
        return _exercise_intro(step)
    if cue == "hold_start":
        return "Hold."
    if cue == "tick":
        return str(countdown)
    if cue == "release":
        left = step.reps - step.rep
        return f"Release. {left} to go." if reps_left_worth_saying(left) else "Release."
    if cue == "next" and step.kind == "switch":
        return f"Switch to the {side_words(step.side) or 'other side'}."
    if cue == "next":
        intro = _exercise_intro(step)
        return f"Rest. Next: {intro[0].lower()}{intro[1:]}"
    if cue == "session_end":
        return SESSION_END_TEXT
    return ""


__all__ = ["SESSION_END_TEXT", "reps_left_worth_saying", "side_words", "spoken_text"]
