"""Tables for people: the analysis' frames as a reader sees them in a notebook.

The analysis keeps full-precision numbers and snake_case columns (for code and the export);
:func:`for_people` turns a copy into text: whole percentages, one decimal for pain, "–" for a
missing value, headers in words and no row numbers.
"""

from __future__ import annotations

import pandas as pd

MISSING = "–"  # an en dash: nothing to show (no value, or no side)
# column -> header in words; columns not listed get their name with spaces, capitalised
HEADERS = {
    "name": "Exercise",
    "side": "Side",
    "blocks": "Blocks",
    "reps_done": "Reps done",
    "reps_target": "Reps prescribed",
    "percent": "% of reps done",
    "completed": "Blocks completed",
    "stopped": "Blocks stopped",
    "skipped": "Blocks skipped",
    "not_reached": "Blocks not reached (session stopped)",
    "completed_sessions": "Sessions completing it",
    "completed_mean_change": "Mean pain change, completed (points)",
    "not_completed_sessions": "Sessions stopping or skipping it",
    "not_completed_mean_change": "Mean pain change, stopped or skipped (points)",
    "difference": "Difference (points)",
    "note": "Note",
    "group": "Day before",
    "days": "Days",
    "mean_next_day_pain": "Mean pain next day (0–10)",
    "times_done": "Times done",
    "offered": "Times done or stopped for pain",
    "answered": "Times answered",
    "felt_easy": "Felt easy",
    "felt_right": "Felt about right",
    "felt_hard": "Felt hard",
    "hurt": "Marked as hurting",
    "stopped_pain": "Stopped for pain",
    "stopped_too_hard": "Stopped: too hard",
    "stopped_no_time": "Stopped: not enough time",
    "stopped_other": "Stopped: other reason",
    "pain_times": "Hurt or stopped for pain",
}
# ids the reader never typed: shown by name instead
HIDDEN = ("exercise",)


def _header(column: str) -> str:
    return HEADERS.get(column, column.replace("_", " ").capitalize())


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return MISSING
    if isinstance(value, float):
        if "percent" in column:
            return f"{value:.0f} %"
        # a change keeps its sign ("+0.2", "−0.5"); a level does not need one
        signed = ("change" in column or column == "difference") and round(value, 1) != 0
        text = f"{value:+.1f}" if signed else f"{abs(value) if round(value, 1) == 0 else value:.1f}"
        return text.replace("-", "−")
    return str(value)


def for_people(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """``frame`` as text for a reader: whole percentages, "–" for missing, headers in words.

    Parameters
    ----------
    frame
        Any of the analysis' tables (for example ``ProgressSummary.exercise_adherence``).

    Returns
    -------
    pandas.io.formats.style.Styler
        A styled copy without row numbers; ``.data`` holds the text shown.
    """
    shown = frame.drop(columns=[c for c in HIDDEN if c in frame.columns and "name" in frame])
    text = pd.DataFrame({_header(column): [_cell(value, column) for value in shown[column]]
                         for column in shown.columns})
    return text.style.hide(axis="index").set_properties(**{"text-align": "left"})


__all__ = ["HEADERS", "MISSING", "for_people"]
