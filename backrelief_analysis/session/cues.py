"""What the session says at each cue: short spoken sentences, made from the plan.

Pure functions, no browser: the engine attaches the sentence to each cue it sends, and the
widget's browser side only speaks it. A person lying on the floor with their eyes closed should
know from the words alone which exercise comes, which side, how far along they are, and when
the next hold begins.

========================  ===============================================================
cue                       said
========================  ===============================================================
``get_ready``             "Pelvic tilt. 10 reps, 5 second holds."
``prepare``               "Get ready.", :data:`GET_READY_AHEAD_S` before a block's first hold
``tick``                  the count of the last seconds before a block's first hold and of
                          each hold: "3", "2", "1"
``hold_start``            "Hold, 3 of 10." (just "Hold." with fewer words, or for one rep)
``release``               "Release." and now and then how many are left: "Release. 5 to go."
``next`` (side switch)    "Switch to the right side."
``next`` (rest)           "Rest. Next: bridge. 10 reps, 5 second holds."
``session_end``           "Session complete. How is your pain now?"
========================  ===============================================================

Every block's first hold comes after a lead-in (get ready, a rest or a side switch) that ends
with "Get ready" and a count of its last three seconds, so "Hold" never comes without warning.
A lead-in too short to say its own sentence first (under :data:`GET_READY_APART_S`) says
"Get ready." at the end of that sentence instead. Sides are named as the plan names them
(``side_names``), "left side" and "right side" when it does not.
"""

from __future__ import annotations

from ..plan import Exercise
from ..text import plural
from .steps import Step

SESSION_END_TEXT = "Session complete. How is your pain now?"
GET_READY_TEXT = "Get ready."
# "Get ready" is said this many seconds before a block's first hold (then "3", "2", "1") ...
GET_READY_AHEAD_S = 4
# ... in a lead-in at least this long, which leaves the lead-in's own sentence four seconds
GET_READY_APART_S = 8.0
LEAD_INS = ("get_ready", "switch", "rest")
_SIDE_WORDS = {"left": "left side", "right": "right side"}


def side_words(side: str, exercise: Exercise | None = None) -> str:
    """How a side is said: the plan's name for it, else ``"left side"``; ``""`` for no side.

    Examples
    --------
    >>> side_words("left"), side_words("")
    ('left side', '')
    """
    if exercise is not None and side in exercise.sides and exercise.side_names:
        return exercise.side_names[exercise.sides.index(side)]
    return _SIDE_WORDS.get(side, side)


def reps_left_worth_saying(reps_left: int) -> bool:
    """Say "N to go" now and then, not at every rep: at 5, 10, ... left, and at 3 and 1 left.

    Examples
    --------
    >>> [left for left in range(10, 0, -1) if reps_left_worth_saying(left)]
    [10, 5, 3, 1]
    """
    return reps_left > 0 and (reps_left % 5 == 0 or reps_left in (3, 1))


def get_ready_apart(step: Step) -> bool:
    """True when ``step`` is a lead-in long enough to say "Get ready." as a cue of its own."""
    return step.kind in LEAD_INS and step.duration_s >= GET_READY_APART_S


def _exercise_intro(step: Step) -> str:
    exercise = step.exercise
    assert exercise is not None
    side = side_words(step.side, exercise)
    name = f"{exercise.name}, {side}" if side else exercise.name
    holds = "holds" if exercise.reps != 1 else "hold"
    return f"{name}. {plural(exercise.reps, 'rep')}, {exercise.hold_s:g} second {holds}."


def _lead_in(step: Step, words: str) -> str:
    return words if get_ready_apart(step) else f"{words} {GET_READY_TEXT}"


def spoken_text(cue: str, step: Step, countdown: int = 0, *, fewer_words: bool = False) -> str:
    """The sentence said for ``cue`` as the session enters (or counts down in) ``step``.

    Parameters
    ----------
    cue
        One of the engine's cue names.
    step
        The step the cue belongs to (for ``tick`` and ``prepare``, the step counting down).
    countdown
        For ``tick``: the second now shown.
    fewer_words
        Leave out the rep in progress at each hold ("Hold." rather than "Hold, 3 of 10.").

    Returns
    -------
    str
        Short words; empty for an unknown cue.
    """
    if cue == "get_ready":
        return _lead_in(step, _exercise_intro(step))
    if cue == "prepare":
        return GET_READY_TEXT
    if cue == "hold_start":
        return "Hold." if fewer_words or step.reps <= 1 else f"Hold, {step.rep} of {step.reps}."
    if cue == "tick":
        return str(countdown)
    if cue == "release":
        left = step.reps - step.rep
        return f"Release. {left} to go." if reps_left_worth_saying(left) else "Release."
    if cue == "next" and step.kind == "switch":
        side = side_words(step.side, step.exercise) or "other side"
        return _lead_in(step, f"Switch to the {side}.")
    if cue == "next":
        intro = _exercise_intro(step)
        return _lead_in(step, f"Rest. Next: {intro[0].lower()}{intro[1:]}")
    if cue == "session_end":
        return SESSION_END_TEXT
    return ""


__all__ = [
    "GET_READY_AHEAD_S",
    "GET_READY_APART_S",
    "GET_READY_TEXT",
    "LEAD_INS",
    "SESSION_END_TEXT",
    "get_ready_apart",
    "reps_left_worth_saying",
    "side_words",
    "spoken_text",
]
