"""The patient's answers per exercise and what got in the way, in words: the report's and the
notebook's two lines and the caseload's cell.

Made from :mod:`~backrelief_analysis.analysis.signals` results (nothing here computes a number
the analysis does not give). The words say what the patient tapped, never why: an exercise that
hurt is an association in a self-reported diary, not a cause, and no line is advice. A time
without an answer is unknown, so every line says how many times were answered; each line is
empty when there is nothing to say.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.signals import BARRIERS
from ..text import plural

EXERCISES_LABEL = "Per exercise"
BARRIERS_LABEL = "Barriers (days)"
MAX_EXERCISES_SAID = 3  # exercises named in the line; the rest are counted
TWICE = 2
# each answer in words, the one place the widget's buttons, the report and the export take
# them from (the widget starts each with a capital)
STOP_REASON_WORDS = {"pain": "pain", "too_hard": "too hard", "no_time": "not enough time",
                     "other": "other"}
FELT_WORDS = {"easy": "easy", "right": "about right", "hard": "hard"}
BARRIER_WORDS = {"no_time": "no time", "pain": "pain", "forgot": "forgot", "tired": "tired",
                 "no_place": "no place or equipment", "other": "other"}
SIGNAL_WORDS = {"stop_reason": STOP_REASON_WORDS, "felt": FELT_WORDS, "hurt": {"yes": "hurt"},
                "barrier": BARRIER_WORDS}


def answer_words(signal: str, values: pd.Series) -> pd.Series:
    """Each answer of one kind of signal in words: a ``stop_reason`` ``too_hard`` reads
    ``too hard``, a ``barrier`` ``no_place`` reads ``no place or equipment``."""
    return values.map(SIGNAL_WORDS[signal]).fillna(values)


def _how_often(count: int) -> str:
    """``once``, ``twice``, ``3 times``."""
    return "once" if count == 1 else "twice" if count == TWICE else f"{count} times"


def _exercise_words(row: pd.Series) -> str:
    """What one exercise's row says, or "" when nothing was marked about it."""
    parts = []
    if row["hurt"]:
        parts.append(f"hurt {row['hurt']}")
    if row["felt_hard"]:
        parts.append(f"hard {row['felt_hard']}")
    if row["stopped_pain"]:
        parts.append(f"stopped for pain {_how_often(int(row['stopped_pain']))}")
    if row["stopped_too_hard"]:
        parts.append(f"stopped as too hard {_how_often(int(row['stopped_too_hard']))}")
    if not parts:
        return ""
    return f"{row['name']} ({plural(int(row['times_done']), 'time')}): {', '.join(parts)}"


def exercise_signals_text(table: pd.DataFrame) -> str:
    """The exercises the patient marked, most pain first, then how many times were answered:
    ``Bridge (6 times): hurt 4, hard 2, stopped for pain twice; Back extension (5 times): hard
    3; 7 of 12 times answered``. Felt easy or about right is counted in the table, not here.

    Parameters
    ----------
    table
        One patient's per-exercise counts with a ``name`` column
        (:attr:`~backrelief_analysis.analysis.summary.ProgressSummary.exercise_signals`), the names
        already as they may be shown.

    Returns
    -------
    str
        "" when no time was answered and no block was stopped for a reason.
    """
    if table.empty:
        return ""
    ranked = table.sort_values(["pain_times", "felt_hard"], ascending=False, kind="stable")
    said = [words for words in (_exercise_words(row) for _, row in ranked.iterrows()) if words]
    answered, done = int(table["answered"].sum()), int(table["times_done"].sum())
    if not said and not answered:
        return ""
    shown = said[:MAX_EXERCISES_SAID]
    if len(said) > len(shown):
        shown.append(f"{plural(len(said) - len(shown), 'more exercise')} marked")
    if not said:
        shown.append("no exercise marked as hurting or hard")
    shown.append(f"{answered} of {plural(done, 'time')} answered")
    return "; ".join(shown)


def barriers_text(weekly: pd.DataFrame) -> str:
    """What got in the way, in days, most first: ``no time 3, tired 2, pain 1 (4 weeks with an
    answer)``; "" when no barrier was given.

    Parameters
    ----------
    weekly
        One patient's weekly barriers
        (:attr:`~backrelief_analysis.analysis.summary.ProgressSummary.weekly_barriers`).
    """
    if weekly.empty:
        return ""
    totals = weekly.groupby("barrier", sort=False)["days"].sum()
    order = sorted(totals.index, key=lambda barrier: (-int(totals[barrier]),
                                                      BARRIERS.index(barrier)))
    listed = ", ".join(f"{BARRIER_WORDS.get(barrier, barrier)} {int(totals[barrier])}"
                       for barrier in order)
    weeks = weekly["week_start"].nunique()
    return f"{listed} ({plural(weeks, 'week')} with an answer)"


def barriers_table(weekly: pd.DataFrame) -> pd.DataFrame:
    """:func:`~.analysis.signals.weekly_barriers_by_patient` of one patient as a reader sees
    it: a row per week with an answer, a column per barrier named (in words), days in cells."""
    if weekly.empty:
        return pd.DataFrame({"Week": pd.Series(dtype=str)})
    wide = weekly.pivot_table(index="week", columns="barrier", values="days", aggfunc="sum",
                              fill_value=0)
    order = [b for b in BARRIERS if b in wide.columns]
    wide = wide[order].rename(columns=lambda b: BARRIER_WORDS[b].capitalize())
    return wide.reset_index().rename(columns={"week": "Week"}).rename_axis(columns=None)


def signal_lines(exercise_signals: pd.DataFrame, weekly_barriers: pd.DataFrame) -> list[str]:
    """The notebook's lines: ``Per exercise: ...`` and ``Barriers (days): ...`` (what got in
    the way), each only when it has something to say."""
    texts = ((EXERCISES_LABEL, exercise_signals_text(exercise_signals)),
             (BARRIERS_LABEL, barriers_text(weekly_barriers)))
    return [f"{label}: {text}." for label, text in texts if text]


def caseload_signal_text(counts: pd.DataFrame, weeks: int) -> str:
    """The caseload's cell: the exercise that hurt or was stopped for pain most often over the
    recent weeks, ``Bridge hurt 4 of 6 times in the last 4 weeks`` ("hurt" counts a stop for
    pain too); "" when none did.

    Parameters
    ----------
    counts
        One patient's per-exercise counts over those weeks, with a ``name`` column.
    weeks
        The recent weeks (the plan's ``recent_weeks``).
    """
    hurting = counts.loc[counts["pain_times"] > 0]
    if hurting.empty:
        return ""
    share = hurting["pain_times"] / hurting["offered"].clip(lower=1)
    worst = hurting.assign(_share=share).sort_values(["pain_times", "_share"], ascending=False,
                                                     kind="stable").iloc[0]
    return (f"{worst['name']} hurt {worst['pain_times']} of "
            f"{plural(int(worst['offered']), 'time')} in the last {plural(weeks, 'week')}")


__all__ = ["BARRIERS_LABEL", "EXERCISES_LABEL", "barriers_text", "caseload_signal_text",
           "exercise_signals_text", "signal_lines"]
