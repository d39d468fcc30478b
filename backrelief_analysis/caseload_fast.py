"""The caseload's outcome cells for many patients at once (the rest of a caseload row comes
from :func:`~backrelief_analysis.progress.summarise_patients`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .plan import Plan


@dataclass(frozen=True)
class Patient:
    """One loaded patient: the log, the plan, the report's period (None: the log's own)."""

    log: object
    plan: Plan
    start: object = None
    end: object = None


class _OutcomeRow(NamedTuple):
    """The part of a row of :func:`~backrelief_analysis.outcomes.outcome_changes` the
    caseload shows."""

    measure: str
    label: str
    occasions: int
    baseline: float
    latest: float
    verdict: str


def outcome_texts(patients: list[Patient], lasts: list) -> list[str]:
    """:func:`~backrelief_analysis.caseload.outcome_summary` of every patient at once.

    ``lasts`` is each patient's last day of the period (None when the log has no entries).
    The steps mirror :func:`~backrelief_analysis.outcomes.occasion_scores` and
    :func:`~backrelief_analysis.outcomes.outcome_changes` over a patient key ``p``; the
    verdicts and the text are their own (``outcomes.judge``, ``caseload.outcome_text``).
    """
    from .caseload import outcome_text
    from .outcomes import MEASURES, judge, rule

    frames = [getattr(patient.log, "outcomes", None) for patient in patients]
    counts = np.array([0 if frame is None else len(frame) for frame in frames], dtype="int64")
    texts = [""] * len(patients)
    present = np.flatnonzero(counts)
    if not len(present):
        return texts
    columns = ("recorded_at", "date", "set_id", "measure", "score")
    rows = pd.DataFrame({column: pd.concat([frames[i][column] for i in present],
                                           ignore_index=True) for column in columns})
    rows["p"] = np.repeat(present, counts[present])
    # outcome_summary: with a period end, only the questionnaires up to the period's last day
    limits = np.array([np.datetime64(pd.Timestamp(lasts[i]), "ns")
                       if patients[i].end is not None and lasts[i] is not None
                       else np.datetime64("NaT", "ns") for i in present])
    limit = np.repeat(limits, counts[present])
    rows = rows.loc[np.isnat(limit) | (rows["date"].to_numpy() <= limit)]
    # outcomes.occasion_scores: one score per questionnaire set, oldest first
    rows = rows.assign(score=rows["score"].astype(float))
    scores = (rows.groupby(["p", "set_id", "measure"], sort=False)
              .agg(recorded_at=("recorded_at", "min"), score=("score", "mean"))
              .reset_index())
    scores = scores.sort_values(["p", "recorded_at", "measure"], kind="stable",
                                ignore_index=True)
    # outcomes.outcome_changes: the first and the last occasion of each measure
    keys = ["p", "measure"]
    first = scores.drop_duplicates(keys, keep="first").set_index(keys)["score"]
    last = scores.drop_duplicates(keys, keep="last").set_index(keys)["score"].reindex(
        first.index)
    occasions = scores.groupby(keys, sort=False).size().reindex(first.index)
    found: dict[int, dict[str, tuple]] = {}
    for (p, measure), baseline, latest, many in zip(
            first.index.tolist(), first.tolist(), last.tolist(), occasions.tolist(),
            strict=True):
        found.setdefault(p, {})[measure] = (float(baseline), float(latest), int(many))
    for p, measures in found.items():
        thresholds = patients[p].plan.thresholds
        shown = []
        for measure in MEASURES:
            if measure in measures:
                baseline, latest, many = measures[measure]
                _, verdict = judge(measure, baseline, latest, many, rule(measure, thresholds))
                shown.append(_OutcomeRow(measure, MEASURES[measure].short, many, baseline,
                                         latest, verdict))
        texts[p] = outcome_text(shown)
    return texts


__all__ = ["Patient", "outcome_texts"]
