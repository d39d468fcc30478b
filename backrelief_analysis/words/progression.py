"""Progression suggestions in words, for the physiotherapist (the CLI's ``plan suggest``,
notebook 04): ``Knee to chest: ready to progress, 12 reps (was 10): 2 weeks at 86 %, no pain
flags``. Prompts for a clinician's decision, never advice; the patient's pages never show them.
"""

from __future__ import annotations

from ..analysis.progression import Because, Reason, Step, Suggestion
from ..text import plural

HEADING = ("Progression suggestions for the physiotherapist (the pain-monitoring rules over the "
           "last {weeks}, to {end}): prompts to decide on, not advice; nothing changes until "
           "a new plan is written and the patient accepts it.")


def _load(reps: int, hold_s: float) -> str:
    return f"{plural(reps, 'rep')}, {hold_s:g} s hold"


def _step_words(suggestion: Suggestion) -> str:
    """The step's new numbers against the old: ``12 reps (was 10)``, ``7 s hold (was 5 s)``."""
    parts = []
    if suggestion.next_reps is not None and suggestion.next_reps != suggestion.reps:
        parts.append(f"{plural(suggestion.next_reps, 'rep')} (was {suggestion.reps})")
    if suggestion.next_hold_s is not None and suggestion.next_hold_s != suggestion.hold_s:
        parts.append(f"{suggestion.next_hold_s:g} s hold (was {suggestion.hold_s:g} s)")
    return ", ".join(parts)


def _because(item: Because) -> str:
    """One reason in words."""
    value, limit = item.value, item.limit
    words = {
        Reason.MET_ADHERENCE: f"adherence {value:.0f} %",
        Reason.ADHERENCE: f"adherence {value:.0f} % (below {limit:g} %)",
        Reason.NOT_DONE: "not done in these weeks",
        Reason.SHORT: f"{plural(int(value), 'block')} of {int(limit)} short of the "
                      "prescribed reps",
        Reason.PAIN_FLAGS: f"pain flags on {int(value)} of its {plural(int(limit), 'session')}",
        Reason.RISING: "weekly pain rising",
        Reason.STOPPED_FOR_PAIN: f"stopped for pain {int(value)} of {plural(int(limit), 'time')}",
        Reason.HURT: f"marked as hurting {int(value)} of {plural(int(limit), 'time')}",
        Reason.CEILING: "already at the plan's ceiling",
        Reason.FLOOR: "already at 1 rep: no step back in the plan",
    }
    return words[item.reason]


def suggestion_line(suggestion: Suggestion) -> str:
    """One exercise's suggestion with its step and its reasons, as the physiotherapist reads it.

    Examples: ``Knee to chest: ready to progress, 12 reps (was 10): 2 weeks at adherence
    86 %, no pain flags``; ``Bridge: hold the load (10 reps, 5 s hold): marked as hurting 3
    of 6 times``.
    """
    if suggestion.step is Step.NONE:
        return f"{suggestion.name}: no progression set in the plan, so no suggestion"
    reasons = [_because(item) for item in suggestion.reasons]
    if suggestion.step is Step.READY:
        period = plural(suggestion.weeks, "week")
        return (f"{suggestion.name}: ready to progress, {_step_words(suggestion)}: {period} at "
                f"{reasons[0]}, done at its prescribed reps, no pain flags, not stopped for "
                "pain or marked as hurting")
    step = _step_words(suggestion)
    head = (f"{suggestion.name}: {suggestion.step}"
            + (f", {step}" if step else f" ({_load(suggestion.reps, suggestion.hold_s)})"))
    # the adherence met is no reason to hold; said only when it is one
    said = [text for item, text in zip(suggestion.reasons, reasons, strict=True)
            if item.reason is not Reason.MET_ADHERENCE]
    return f"{head}: {'; '.join(said)}"


def suggestion_lines(suggestions: list[Suggestion]) -> list[str]:
    """A heading naming the window, then a line per exercise; one sentence without entries."""
    if not suggestions:
        return ["No suggestion: the log has no entry yet."]
    first = suggestions[0]
    end = f"{first.end:%Y-%m-%d}" if first.end is not None else "the last entry"
    return [HEADING.format(weeks=plural(first.weeks, "week"), end=end),
            *(suggestion_line(suggestion) for suggestion in suggestions)]


__all__ = ["HEADING", "suggestion_line", "suggestion_lines"]
