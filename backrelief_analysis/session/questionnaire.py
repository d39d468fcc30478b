"""The outcome questionnaires' logic, without widgets: questions, checks, entries, when due.

The questionnaire widget (:mod:`~.session.questionnaire_widget`) is a thin view over
these functions. The PEG questions are written in the kit's own words. The ODI and RMDQ are
never asked here (their questions are copyrighted): the patient copies the total from the form
their clinic gave them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from ..log.store import (
    PEG_ITEMS,
    PSFS_MAX_ACTIVITIES,
    SCORE_RANGES,
    Log,
    OutcomeEntry,
    load_log,
    now_local,
)
from ..plan import Plan

RATING_MAX = SCORE_RANGES["psfs"][1]  # every PEG item and PSFS activity is rated 0-10

PEG_QUESTIONS = {  # keyed by the store's PEG items
    # our own wording of the three PEG ratings (Krebs et al. 2009)
    "pain": "Over the past week, how bad was your pain on average? "
            "(0 = no pain, 10 = as bad as you can imagine)",
    "enjoyment": "Over the past week, how much did pain get in the way of enjoying your life? "
                 "(0 = not at all, 10 = completely)",
    "activity": "Over the past week, how much did pain get in the way of your everyday "
                "activities? (0 = not at all, 10 = completely)",
}
PSFS_QUESTION = ("Activities your back makes hard (up to five, named once and offered again "
                 "next time). How well can you do each today? 0 = unable, 10 = as well as "
                 "before the problem")
TOTALS = {
    # measure: what the patient is asked for: a total copied from a form, never its questions
    "odi": "Oswestry Disability Index (ODI) total, 0-100, from your clinic's form (optional)",
    "rmdq": "Roland-Morris (RMDQ) total, 0-24, from your clinic's form (optional)",
}
DUE_MESSAGE = ("Questionnaire due: the outcome questionnaires below the session take a "
               "couple of minutes, whenever suits you.")


def parse_total(text: str, measure: str) -> int | None:
    """An optional ODI or RMDQ total typed by the patient: ``None`` when left empty.

    Raises
    ------
    ValueError
        A sentence naming the measure and its range, for anything but a whole number in range.
    """
    high = SCORE_RANGES[measure][1]
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > high:
        raise ValueError(f"The {measure.upper()} total must be a whole number from 0 to {high}, "
                         f"not {value!r}.")
    return int(value)


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def occasion_sets(
    moment: datetime,
    *,
    peg: Mapping[str, int | None] | None = None,
    psfs: Sequence[tuple[str, int | None]] = (),
    odi: int | None = None,
    rmdq: int | None = None,
) -> list[list[OutcomeEntry]]:
    """The entries of one questionnaire occasion: one set (one ``set_id``) per measure answered.

    Parameters
    ----------
    moment
        When it was answered (timezone-aware).
    peg
        The three PEG ratings by item; all three or none.
    psfs
        ``(activity, score)`` pairs; rows with neither a name nor a score are ignored.
    odi, rmdq
        Totals copied from the clinic's form, or ``None``.

    Raises
    ------
    ValueError
        One sentence for the first problem: a PEG answered in part, an activity without a
        score or a score without an activity, more than five activities, a name given twice,
        a score out of range, or nothing answered at all.
    """
    sets: list[list[OutcomeEntry]] = []

    def new_set(measure: str, items: list[tuple[str, int]]) -> None:
        set_id = uuid.uuid4().hex
        sets.append([OutcomeEntry(moment, set_id, measure, item, int(score))
                     for item, score in items])

    peg = dict(peg or {})
    answered = {item: score for item, score in peg.items() if score is not None}
    if answered and set(answered) != set(PEG_ITEMS):
        missing = [item for item in PEG_ITEMS if item not in answered]
        raise ValueError(f"Answer all three PEG questions or none (missing: "
                         f"{', '.join(missing)}).")
    if answered:
        new_set("peg", [(item, answered[item]) for item in PEG_ITEMS])
    activities: list[tuple[str, int]] = []
    for raw_name, score in psfs:
        name = _clean_name(raw_name)
        if not name and score is None:
            continue
        if not name:
            raise ValueError(f"Name the activity you rated {score}.")
        if score is None:
            raise ValueError(f"Rate the activity {name!r} from 0 to 10, or clear its name.")
        if any(name.casefold() == known.casefold() for known, _score in activities):
            raise ValueError(f"The activity {name!r} is named twice.")
        activities.append((name, score))
    if len(activities) > PSFS_MAX_ACTIVITIES:
        raise ValueError(f"Name at most {PSFS_MAX_ACTIVITIES} activities, not "
                         f"{len(activities)}.")
    for _name, score in list(answered.items()) + activities:
        if not 0 <= score <= RATING_MAX:
            raise ValueError(f"Ratings go from 0 to {RATING_MAX}, not {score}.")
    if activities:
        new_set("psfs", activities)
    for measure, total in (("odi", odi), ("rmdq", rmdq)):
        if total is not None:
            parse_total(str(total), measure)  # the same range check as typed text
            new_set(measure, [("total", total)])
    if not sets:
        raise ValueError("Nothing to save yet: answer the PEG, rate an activity or enter a "
                         "total.")
    return sets


def known_activities(outcomes: pd.DataFrame) -> list[str]:
    """The PSFS activities of the latest PSFS occasion, in the order they were written, to
    offer again; empty before the first."""
    psfs = outcomes.loc[outcomes["measure"] == "psfs"]
    if psfs.empty:
        return []
    latest = psfs.loc[psfs["recorded_at"] == psfs["recorded_at"].max(), "set_id"].iloc[-1]
    return psfs.loc[psfs["set_id"] == latest, "item"].tolist()


def last_questionnaire_day(log: Log) -> date | None:
    """The local day of the latest questionnaire occasion, ``None`` before the first."""
    days = log.outcomes["date"]
    return None if days.empty else pd.Timestamp(days.max()).date()


def next_due_day(log: Log, plan: Plan) -> date | None:
    """The day the questionnaires are next due; ``None`` when none was ever done (due now)."""
    last = last_questionnaire_day(log)
    if last is None:
        return None
    return last + timedelta(days=plan.thresholds.questionnaire_every_days)


def questionnaire_due(log: Log, plan: Plan, today: date | None = None) -> bool:
    """True when no questionnaire was done yet, or the last is ``questionnaire_every_days``
    or more days old (on ``today``, by default the local day now)."""
    due = next_due_day(log, plan)
    return due is None or (today or now_local().date()) >= due


def due_line(directory: Path, plan: Plan) -> str:
    """:data:`DUE_MESSAGE` when the questionnaires are due for the log in ``directory``, else
    ``""``; also ``""`` when the log cannot be read (a reminder never stands in the way)."""
    try:
        return DUE_MESSAGE if questionnaire_due(load_log(directory), plan) else ""
    except Exception:  # the session's own message already reports an unreadable log
        return ""


def due_text(log: Log, plan: Plan) -> str:
    """A line for the questionnaire widget: when the last was done and when the next is due."""
    last, due = last_questionnaire_day(log), next_due_day(log, plan)
    every = plan.thresholds.questionnaire_every_days
    if last is None:
        return (f"Not done yet: your first answers are the starting point that later ones are "
                f"compared with. Due every {every} days.")
    return f"Last done on {last:%Y-%m-%d}; next due on {due:%Y-%m-%d} (every {every} days)."
