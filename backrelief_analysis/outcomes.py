"""Outcome measures: PEG, PSFS, ODI and RMDQ scores per occasion, baseline against latest.

Definitions used throughout
---------------------------
- An *occasion* is one questionnaire set (one ``set_id``) of one measure.
- Its *score*: the PEG is the mean of its three items (pain, enjoyment, activity), the PSFS the
  mean of the patient's activities (each activity also has its own score), the ODI (0-100) and
  the RMDQ (0-24) are the totals the patient copied from their clinic's form.
- *Baseline* is the first occasion of a measure, *latest* the last; the change is latest minus
  baseline. A verdict needs two occasions.
- Better is lower for the PEG, ODI and RMDQ, higher for the PSFS (0 = unable, 10 = as before).
- Meaningful change (``plan.Thresholds``, from the kit's clinical reference): PSFS 2 points for
  the mean and 3 for one activity (Stratford 1995); ODI 10 points and RMDQ 5 points (Ostelo
  2008); PEG a 30 % fall from its first score (a rise as large is a worsening): Krebs (2009) sets
  no threshold for the PEG, so the kit applies the general pain-measure rule (Farrar 2001). A
  smaller change is "no meaningful change yet", never "not working".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .plan import ROUNDING_SLACK, Thresholds
from .store import SCORE_RANGES, require_columns

OUTCOME_NEEDS = ("recorded_at", "date", "set_id", "measure", "item", "score")

IMPROVED = "meaningful improvement"
WORSENED = "meaningful worsening"
NO_CHANGE_YET = "no meaningful change yet"
ONE_OCCASION = "one occasion so far: a verdict needs two"
NO_QUESTIONNAIRES = "No questionnaires yet."


@dataclass(frozen=True)
class Measure:
    """One outcome measure: its names, its scale and which way is better."""

    id: str
    short: str
    name: str
    higher_is_better: bool

    @property
    def scale_max(self) -> int:
        """The highest score (the store's range for the measure)."""
        return SCORE_RANGES[self.id][1]


MEASURES = {
    "peg": Measure("peg", "PEG", "PEG (pain, enjoyment, general activity), 0-10", False),
    "psfs": Measure("psfs", "PSFS", "Patient-Specific Functional Scale, mean of activities, "
                    "0-10", True),
    "odi": Measure("odi", "ODI", "Oswestry Disability Index total, 0-100", False),
    "rmdq": Measure("rmdq", "RMDQ", "Roland-Morris Disability Questionnaire total, 0-24", False),
}


@dataclass(frozen=True)
class Rule:
    """A measure's meaningful change: ``amount`` points, or percent of the baseline."""

    amount: float
    percent: bool
    text: str

    def met(self, baseline: float, change: float) -> bool:
        """True when ``change`` (latest minus baseline) is at least this rule's size."""
        if abs(change) < ROUNDING_SLACK:
            return False
        if self.percent:
            if baseline <= 0:  # no fall is possible from 0; any rise is infinitely large
                return change > 0
            return abs(change) / baseline * 100 >= self.amount - ROUNDING_SLACK
        return abs(change) >= self.amount - ROUNDING_SLACK


def rule(measure: str, thresholds: Thresholds, *, activity: bool = False) -> Rule:
    """The meaningful-change rule of ``measure`` (``activity``: one PSFS activity), named."""
    th = thresholds
    if measure == "peg":
        return Rule(th.peg_change_percent, True,
                    f"a {th.peg_change_percent:g} % fall from the first score; Krebs 2009 sets "
                    "no PEG threshold, so this is the general pain rule (Farrar 2001)")
    if measure == "psfs" and activity:
        return Rule(th.psfs_activity_change_points, False,
                    f"{th.psfs_activity_change_points:g} points for one activity "
                    "(Stratford 1995)")
    points = {"psfs": (th.psfs_change_points, "Stratford 1995"),
              "odi": (th.odi_change_points, "Ostelo 2008"),
              "rmdq": (th.rmdq_change_points, "Ostelo 2008")}
    if measure not in points:
        raise ValueError(f"unknown outcome measure {measure!r}: expected one of "
                         f"{', '.join(MEASURES)}")
    amount, source = points[measure]
    return Rule(amount, False, f"{amount:g} points ({source})")


def occasion_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per occasion of each measure, oldest first.

    Parameters
    ----------
    outcomes
        ``Log.outcomes``: a row per item of a questionnaire.

    Returns
    -------
    pandas.DataFrame
        Columns ``set_id``, ``measure``, ``recorded_at``, ``date``, ``score`` (PEG and PSFS:
        the mean of the items; ODI and RMDQ: the total) and ``items`` (how many were rated).
    """
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    rows = outcomes.assign(score=outcomes["score"].astype(float))
    scores = (rows.groupby(["set_id", "measure"], sort=False)
              .agg(recorded_at=("recorded_at", "min"), date=("date", "min"),
                   score=("score", "mean"), items=("item", "size"))
              .reset_index())
    return scores.sort_values(["recorded_at", "measure"], kind="stable", ignore_index=True)


def psfs_activity_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each PSFS activity's score on each occasion: ``set_id``, ``recorded_at``, ``date``,
    ``activity``, ``score``; oldest first."""
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    psfs = outcomes.loc[outcomes["measure"] == "psfs"]
    table = psfs[["set_id", "recorded_at", "date", "item", "score"]].rename(
        columns={"item": "activity"})
    table = table.assign(score=table["score"].astype(float))
    return table.sort_values("recorded_at", kind="stable", ignore_index=True)


_CHANGE_COLUMNS = ("measure", "label", "occasions", "baseline_date", "baseline", "latest_date",
                   "latest", "change", "change_percent", "rule", "meaningful", "verdict")


def judge(measure: str, baseline: float, latest: float, occasions: int,
          meaning: Rule) -> tuple[bool, str]:
    """Whether a change from ``baseline`` to ``latest`` over ``occasions`` is meaningful, and
    its verdict (the caseload judges many patients' series with this too)."""
    change = latest - baseline
    meaningful = occasions >= 2 and meaning.met(baseline, change)
    better = (change > 0) == MEASURES[measure].higher_is_better
    verdict = (ONE_OCCASION if occasions < 2 else
               (IMPROVED if better else WORSENED) if meaningful else NO_CHANGE_YET)
    return meaningful, verdict


def _change_row(measure: str, label: str, series: pd.DataFrame, meaning: Rule) -> dict:
    """Baseline, latest, change and verdict of one series of occasions (oldest first)."""
    first, last = series.iloc[0], series.iloc[-1]
    baseline, latest = float(first["score"]), float(last["score"])
    change = latest - baseline
    percent = change / baseline * 100 if baseline else (np.nan if change == 0 else np.inf)
    enough = len(series) >= 2
    meaningful, verdict = judge(measure, baseline, latest, len(series), meaning)
    return {"measure": measure, "label": label, "occasions": len(series),
            "baseline_date": first["date"], "baseline": baseline,
            "latest_date": last["date"], "latest": latest,
            "change": change if enough else np.nan,
            "change_percent": percent if enough else np.nan,
            "rule": meaning.text, "meaningful": meaningful, "verdict": verdict}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(_CHANGE_COLUMNS))


def outcome_changes(outcomes: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Baseline against latest for each measure recorded at least once.

    Parameters
    ----------
    outcomes
        ``Log.outcomes``.
    thresholds
        The plan's thresholds (PSFS, ODI and RMDQ points, the PEG percentage).

    Returns
    -------
    pandas.DataFrame
        One row per measure that has an occasion, in the order PEG, PSFS, ODI, RMDQ. Columns
        ``measure``, ``label``, ``occasions``, ``baseline_date``, ``baseline``,
        ``latest_date``, ``latest``, ``change`` (latest minus baseline; NaN with one occasion),
        ``change_percent`` (of the baseline), ``rule`` (the threshold, named, with its source),
        ``meaningful`` and ``verdict``.
    """
    scores = occasion_scores(outcomes)
    rows = [_change_row(measure, MEASURES[measure].short, scores.loc[scores["measure"] == measure],
                        rule(measure, thresholds))
            for measure in MEASURES if (scores["measure"] == measure).any()]
    return _frame(rows)


def psfs_activity_changes(outcomes: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Baseline against latest for each PSFS activity on its own (same columns as
    :func:`outcome_changes`, ``label`` the activity as the patient named it), in the order the
    activities were first named. Each activity's baseline is the first occasion it was rated."""
    table = psfs_activity_scores(outcomes)
    meaning = rule("psfs", thresholds, activity=True)
    rows = [_change_row("psfs", str(activity), group, meaning)
            for activity, group in table.groupby("activity", sort=False)]
    return _frame(rows)


def score_text(value: float, measure: str) -> str:
    """A score as the report and the caseload show it: totals as whole numbers, means (0-10
    scales) to one decimal."""
    return f"{value:.0f}" if MEASURES[measure].scale_max > 10 else f"{value:.1f}"


def change_text(row: pd.Series | object, day: Callable[[pd.Timestamp], str] | None = None
                ) -> str:
    """One line for a row of :func:`outcome_changes`: baseline, latest, change and verdict.

    ``day`` formats a date (by default ``2026-09-02``; the de-identified report says "day 3").
    """
    day = day or (lambda value: f"{pd.Timestamp(value):%Y-%m-%d}")
    measure = row.measure
    baseline = f"{score_text(row.baseline, measure)} ({day(row.baseline_date)})"
    if row.occasions < 2:
        return f"{row.label}: {baseline}; {ONE_OCCASION}."
    percent = (f", {row.change_percent:+.0f} %" if np.isfinite(row.change_percent) else "")
    return (f"{row.label}: baseline {baseline}, latest {score_text(row.latest, measure)} "
            f"({day(row.latest_date)}), change {row.change:+.1f}{percent} over "
            f"{row.occasions} occasions: {row.verdict} (threshold: {row.rule}).")


def outcome_lines(changes: pd.DataFrame, activity_changes: pd.DataFrame | None = None, *,
                  day: Callable[[pd.Timestamp], str] | None = None,
                  activity_names: bool = True) -> list[str]:
    """Plain lines for the notebook and the report: one per measure, then one per PSFS activity.

    ``activity_names=False`` (the de-identified report) says "activity 1", "activity 2", ...
    instead of the names the patient gave, which can identify a person.
    """
    if changes.empty:
        return [NO_QUESTIONNAIRES]
    lines = [change_text(row, day) for row in changes.itertuples(index=False)]
    if activity_changes is not None:
        for number, row in enumerate(activity_changes.itertuples(index=False), start=1):
            label = f"PSFS {row.label!r}" if activity_names else f"PSFS activity {number}"
            lines.append("  " + change_text(row._replace(label=label), day))
    return lines
