"""The outcome questionnaires in words: scores, verdicts, the report's lines, the caseload's cell.

Made at the end from the typed results of :mod:`~backrelief_analysis.analysis.outcomes` (numbers and
:class:`~backrelief_analysis.analysis.outcomes.Verdict`), with days said through one
:class:`~backrelief_analysis.text.Dates`. Nothing here is read back by the kit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from ..analysis.outcomes import MEASURES, Verdict
from ..analysis.pain import agreeing
from ..plan import Thresholds
from ..text import Dates, number_word

NO_QUESTIONNAIRES = "No questionnaires yet."
MEAN_SCALE_MAX = 10  # scales up to this are means of 0-10 items, said to one decimal


def score_decimals(measure: str) -> int:
    """Decimals a score of ``measure`` is said with: totals whole, means (0-10) to one."""
    return 0 if MEASURES[measure].scale_max > MEAN_SCALE_MAX else 1


def score_text(value: float, measure: str) -> str:
    """A score as the report and the caseload show it: totals as whole numbers, means (0-10
    scales) to one decimal."""
    return f"{value:.{score_decimals(measure)}f}"


def verdict_text(verdict: Verdict, occasions: int, thresholds: Thresholds | None = None) -> str:
    """A verdict in words; too few occasions says how many there are and how many it needs
    ("one occasion so far: a verdict needs two")."""
    if Verdict(verdict) is not Verdict.TOO_FEW:
        return str(Verdict(verdict).value)
    need = (thresholds or Thresholds()).min_occasions
    many = "occasion" if occasions == 1 else "occasions"
    return f"{number_word(int(occasions))} {many} so far: a verdict needs {number_word(need)}"


def change_numbers(row: object) -> str:
    """The change of a row of :func:`~.analysis.outcomes.outcome_changes` as the report says
    it: points, and a percentage only where the rule is one (the PEG), each with the decimals
    that agree with the verdict (:func:`~.analysis.pain.agreeing`, as the pain change): a PEG
    fall of 29.6 % is "-29.6 %" beside "no meaningful change yet", never "-30 %"."""
    limits = (row.floor,) if row.by_percent else (row.threshold,)
    points = agreeing(row.change, tuple(limit for limit in limits if limit > 0))
    if not row.by_percent:
        return points
    if not np.isfinite(row.change_percent):
        return f"{points}, no percentage from a first score of 0"
    return f"{points}, {agreeing(row.change_percent, (row.threshold,), 0)} %"


def _activities(names: tuple[str, ...], activity_names: bool) -> str:
    """Activities by the patient's names (``'gardening', 'cycling'``), or only how many."""
    if activity_names:
        return ", ".join(repr(name) for name in names)
    return f"{len(names)} {'activity' if len(names) == 1 else 'activities'}"


def compared_text(row: object, activity_names: bool = True) -> str:
    """What a PSFS mean was judged over when its activities changed between the first and the
    latest occasion (``" over the 2 activities rated both times; dropped 'x'; added 'y'"``);
    empty when they did not."""
    added, dropped = tuple(getattr(row, "added", ())), tuple(getattr(row, "dropped", ()))
    if not (added or dropped):
        return ""
    parts = []
    if Verdict(row.verdict) is not Verdict.NONE_IN_COMMON:
        parts.append("the mean of the activities rated both times")
    if dropped:
        parts.append(f"dropped since the first: {_activities(dropped, activity_names)}")
    if added:
        parts.append(f"added since: {_activities(added, activity_names)}")
    return f" ({'; '.join(parts)})"


def change_text(row: object, day: Callable[[object], str] | None = None,
                thresholds: Thresholds | None = None, *, activity_names: bool = True) -> str:
    """One line for a row of :func:`~.analysis.outcomes.outcome_changes`: baseline,
    latest, change and verdict.

    ``day`` says a date (by default :meth:`Dates.day` of calendar dates, ``2026-09-02``; a
    de-identified text passes its own, "day 3"). A PSFS whose activities changed says what its
    mean was judged over, naming the activities added and dropped (``activity_names=False``:
    only how many).
    """
    day = day or Dates.named().day
    measure = row.measure
    verdict = verdict_text(row.verdict, row.occasions, thresholds)
    baseline = f"{score_text(row.baseline, measure)} ({day(row.baseline_date)})"
    if row.occasions == 1:
        return f"{row.label}: {baseline}; {verdict}."
    compared = compared_text(row, activity_names)
    change = ("" if not np.isfinite(row.change)
              else f", change {change_numbers(row)}")
    return (f"{row.label}: baseline {baseline}, latest {score_text(row.latest, measure)} "
            f"({day(row.latest_date)}){compared}{change} over "
            f"{row.occasions} occasions: {verdict} (threshold: {row.rule}).")


def outcome_lines(changes: pd.DataFrame, activity_changes: pd.DataFrame | None = None, *,
                  day: Callable[[object], str] | None = None, activity_names: bool = True,
                  thresholds: Thresholds | None = None) -> list[str]:
    """Plain lines for the notebook and the report: one per measure, then one per PSFS activity.

    ``activity_names=False`` (the de-identified report) says "activity 1", "activity 2", ...
    instead of the names the patient gave, which can identify a person. ``thresholds`` (the
    plan's) say how many occasions a verdict needs.
    """
    if changes.empty:
        return [NO_QUESTIONNAIRES]
    lines = [change_text(row, day, thresholds, activity_names=activity_names)
             for row in changes.itertuples(index=False)]
    if activity_changes is not None:
        for number, row in enumerate(activity_changes.itertuples(index=False), start=1):
            label = f"PSFS {row.label!r}" if activity_names else f"PSFS activity {number}"
            lines.append("  " + change_text(row._replace(label=label), day, thresholds))
    return lines


def caseload_outcome_text(rows: Iterable, thresholds: Thresholds | None = None) -> str:
    """The caseload's outcome cell from rows of
    :func:`~backrelief_analysis.analysis.outcomes.outcome_changes` (``measure``, ``label``,
    ``occasions``, ``baseline``, ``latest``, ``verdict``): ``PEG 5.7 → 3.0 (meaningful
    improvement); ODI 31 (one occasion so far: a verdict needs two)``."""
    return "; ".join(
        f"{row.label} {score_text(row.baseline, row.measure)} → "
        f"{score_text(row.latest, row.measure)} "
        f"({verdict_text(row.verdict, row.occasions, thresholds)})" if row.occasions > 1
        else f"{row.label} {score_text(row.baseline, row.measure)} "
             f"({verdict_text(row.verdict, row.occasions, thresholds)})"
        for row in rows)


def measures_text(measures: Iterable[str]) -> str:
    """Measures by their short names, in the order PEG, PSFS, ODI, RMDQ ("PEG, ODI")."""
    given = set(measures)
    return ", ".join(spec.short for measure, spec in MEASURES.items() if measure in given)


__all__ = ["NO_QUESTIONNAIRES", "caseload_outcome_text", "change_numbers", "change_text",
           "compared_text", "measures_text",
           "outcome_lines", "score_decimals", "score_text", "verdict_text"]
