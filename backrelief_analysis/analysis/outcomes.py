"""Outcome measures: PEG, PSFS, ODI and RMDQ scores per occasion, baseline against latest.

Definitions used throughout
---------------------------
- An *occasion* is one questionnaire set (one ``set_id``) of one measure.
- Its *score*: the PEG is the mean of its three items (pain, enjoyment, activity), the PSFS the
  mean of the patient's activities (each activity also has its own score), the ODI (0-100) and
  the RMDQ (0-24) are the totals the patient copied from their clinic's form.
- *Baseline* is the first occasion of a measure, *latest* the last; the change is latest minus
  baseline. A verdict needs ``Thresholds.min_occasions`` occasions (two by default).
- Better is lower for the PEG, ODI and RMDQ, higher for the PSFS (0 = unable, 10 = as before).
- Meaningful change (``plan.Thresholds``, from the kit's clinical reference): PSFS 2 points for
  the mean and 3 for one activity (Stratford 1995); ODI 10 points and RMDQ 5 points (Ostelo
  2008); PEG a 30 % fall from its first score (a rise as large is a worsening): Krebs (2009) sets
  no threshold for the PEG, so the kit applies the general pain-measure rule (Farrar 2001). A
  smaller change is "no meaningful change yet", never "not working".
- The PEG's percentage also needs ``Thresholds.min_change_points`` points of change (as the pain
  score does: under the minimal detectable change whatever its percentage); a first score of 0
  gives no percentage and no verdict by percent (:attr:`Verdict.NO_PERCENT`).
- The PSFS re-rates the activities named at baseline (Stratford 1995): its mean is judged over
  the activities rated on both the first and the latest occasion, naming those added or dropped;
  with none in common there is no mean verdict (:attr:`Verdict.NONE_IN_COMMON`).

Each measure is computed once, over frames keyed by a ``patient`` column
(:func:`occasion_scores_by_patient`, :func:`outcome_changes_by_patient`,
:func:`psfs_activity_changes_by_patient`); the one-patient functions are a batch of one. The
results are numbers and a :class:`Verdict`; :mod:`~backrelief_analysis.words.outcomes` says them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from ..log.store import SCORE_RANGES, require_columns
from ..plan import ROUNDING_SLACK, Thresholds

OUTCOME_NEEDS = ("recorded_at", "date", "set_id", "measure", "item", "score")
PATIENT = "patient"  # the key of a batch of patients' frames


class Verdict(StrEnum):
    """An outcome measure's verdict, baseline against latest (its value is its default words;
    :mod:`~backrelief_analysis.words.outcomes` says it)."""

    IMPROVED = "meaningful improvement"
    WORSENED = "meaningful worsening"
    NO_CHANGE_YET = "no meaningful change yet"
    TOO_FEW = "one occasion so far: a verdict needs two"  # fewer than Thresholds.min_occasions
    # a percentage rule (the PEG's) from a first score of 0: no percentage, no verdict by it
    NO_PERCENT = "no verdict: a change in percent needs a first score above 0"
    # a PSFS whose first and latest occasions share no activity: no mean to compare
    NONE_IN_COMMON = "no activity rated both times: no verdict on the mean"


IMPROVED, WORSENED, NO_CHANGE_YET = Verdict.IMPROVED, Verdict.WORSENED, Verdict.NO_CHANGE_YET
_VERDICTS = list(Verdict)
_VERDICT_ARRAY = np.empty(len(_VERDICTS), dtype=object)
_VERDICT_ARRAY[:] = _VERDICTS


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
    """A measure's meaningful change: ``amount`` points, or percent of the baseline; a percent
    rule also needs ``floor`` points of change (0 for a rule in points)."""

    amount: float
    percent: bool
    text: str
    floor: float = 0.0


def rule(measure: str, thresholds: Thresholds, *, activity: bool = False) -> Rule:
    """The meaningful-change rule of ``measure`` (``activity``: one PSFS activity), named."""
    th = thresholds
    if measure == "peg":
        return Rule(th.peg_change_percent, True,
                    f"a {th.peg_change_percent:g} % fall from the first score and at least "
                    f"{th.min_change_points:g} point{'' if th.min_change_points == 1 else 's'}; "
                    "Krebs 2009 sets no PEG threshold, so this is the general pain rule "
                    "(Farrar 2001)", th.min_change_points)
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


PerPatient = Thresholds | Mapping[Hashable, Thresholds]


def occasion_scores_by_patient(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per occasion of each measure of each patient, oldest first.

    Parameters
    ----------
    outcomes
        ``Log.outcomes`` of any number of patients, with a ``patient`` column (any hashable key).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient``, ``set_id``, ``measure``, ``recorded_at``, ``date``, ``score`` (PEG
        and PSFS: the mean of the items; ODI and RMDQ: the total) and ``items`` (how many were
        rated); by patient, then oldest first.
    """
    require_columns(outcomes, (PATIENT, *OUTCOME_NEEDS), "the outcomes log")
    rows = outcomes.assign(score=outcomes["score"].astype(float))
    scores = (rows.groupby([PATIENT, "set_id", "measure"], sort=False)
              .agg(recorded_at=("recorded_at", "min"), date=("date", "min"),
                   score=("score", "mean"), items=("item", "size"))
              .reset_index())
    return scores.sort_values([PATIENT, "recorded_at", "measure"], kind="stable",
                              ignore_index=True)


def occasion_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """:func:`occasion_scores_by_patient` of one patient's ``Log.outcomes`` (a row per item of
    a questionnaire), without the ``patient`` column."""
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    return occasion_scores_by_patient(outcomes.assign(**{PATIENT: 0})).drop(columns=PATIENT)


def _activity_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each PSFS activity's score on each occasion of each patient, by patient, oldest first."""
    require_columns(outcomes, (PATIENT, *OUTCOME_NEEDS), "the outcomes log")
    psfs = outcomes.loc[outcomes["measure"] == "psfs"]
    table = psfs[[PATIENT, "set_id", "recorded_at", "date", "item", "score"]].rename(
        columns={"item": "activity"})
    table = table.assign(score=table["score"].astype(float))
    return table.sort_values([PATIENT, "recorded_at"], kind="stable", ignore_index=True)


def psfs_activity_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each PSFS activity's score on each occasion: ``set_id``, ``recorded_at``, ``date``,
    ``activity``, ``score``; oldest first."""
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    return _activity_scores(outcomes.assign(**{PATIENT: 0})).drop(columns=PATIENT)


_CHANGE_COLUMNS = ("measure", "label", "occasions", "baseline_date", "baseline", "latest_date",
                   "latest", "change", "change_percent", "rule", "threshold", "by_percent",
                   "floor", "meaningful", "verdict", "added", "dropped")


def _thresholds_of(thresholds: PerPatient) -> Callable[[Hashable], Thresholds]:
    """Each patient's thresholds: the same for all, or looked up by patient."""
    if isinstance(thresholds, Thresholds):
        return lambda _patient: thresholds
    return thresholds.__getitem__


def psfs_compared_by_patient(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each patient's PSFS first occasion against the latest, over the activities rated on both.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``patient``: ``baseline`` and ``latest`` (the means over the activities rated
        on both occasions; NaN with none in common), ``common`` (how many), ``added`` (named at
        the latest only) and ``dropped`` (at the first only), tuples in the order named.
    """
    table = _activity_scores(outcomes)
    ends = table.groupby(PATIENT, sort=False)["set_id"].agg(first="first", last="last")
    keyed = table.join(ends, on=PATIENT)
    first = keyed.loc[keyed["set_id"] == keyed["first"], [PATIENT, "activity", "score"]]
    last = keyed.loc[keyed["set_id"] == keyed["last"], [PATIENT, "activity", "score"]]
    both = first.merge(last, on=[PATIENT, "activity"], how="outer", sort=False,
                       suffixes=("_first", "_last"), indicator=True)
    common = both.loc[both["_merge"] == "both"]
    means = common.groupby(PATIENT)[["score_first", "score_last"]].mean().reindex(ends.index)

    def named(side: str) -> pd.Series:
        names = both.loc[both["_merge"] == side].groupby(PATIENT)["activity"].agg(tuple)
        return names.reindex(ends.index).map(lambda given: given if isinstance(given, tuple)
                                             else ())

    return pd.DataFrame({
        "baseline": means["score_first"], "latest": means["score_last"],
        "common": common.groupby(PATIENT).size().reindex(ends.index, fill_value=0),
        "added": named("right_only"), "dropped": named("left_only"),
    }, index=ends.index)  # fmt: skip


def _changes(scores: pd.DataFrame, series: str, thresholds: PerPatient, *,
             activity: bool = False, compared: pd.DataFrame | None = None) -> pd.DataFrame:
    """Baseline (first), latest (last), change and verdict of each patient's ``series`` (a
    column of ``scores``, which is sorted by patient, oldest first). ``compared``
    (:func:`psfs_compared_by_patient`) judges the PSFS mean over the activities rated on both
    occasions."""
    keys = [PATIENT, series]
    ends = scores.drop_duplicates(keys, keep="first").reset_index(drop=True)
    last = scores.drop_duplicates(keys, keep="last").set_index(keys).reindex(
        pd.MultiIndex.from_frame(ends[keys]))
    occasions = scores.groupby(keys, sort=False).size().reindex(last.index).to_numpy("int64")
    measures = ends["measure"] if "measure" in ends.columns else pd.Series(
        "psfs", index=ends.index)
    of, rules, needs = _thresholds_of(thresholds), [], []
    for patient, measure in zip(ends[PATIENT], measures, strict=True):
        th = of(patient)
        rules.append(rule(measure, th, activity=activity))
        needs.append(th.min_occasions)
    amount = np.array([meaning.amount for meaning in rules], dtype="float64")
    percent = np.array([meaning.percent for meaning in rules], dtype=bool)
    floor = np.array([meaning.floor for meaning in rules], dtype="float64")
    higher = measures.map({m: spec.higher_is_better for m, spec in MEASURES.items()}).to_numpy(
        dtype=bool)
    first_score = ends["score"].to_numpy("float64")
    last_score = last["score"].to_numpy("float64")
    changed = occasions > 1  # a change needs a second occasion
    none_in_common = np.zeros(len(ends), dtype=bool)
    empty: list[tuple[str, ...]] = [() for _ in range(len(ends))]
    added, dropped = list(empty), list(empty)
    baseline, latest = first_score, last_score
    if compared is not None and len(ends):
        psfs = (measures.to_numpy() == "psfs") & changed
        found = compared.reindex(ends[PATIENT])
        mean_first = found["baseline"].to_numpy("float64")
        mean_last = found["latest"].to_numpy("float64")
        none_in_common = psfs & np.isnan(mean_first)
        judged = psfs & ~none_in_common
        baseline = np.where(judged, mean_first, first_score)
        latest = np.where(judged, mean_last, last_score)
        added = [names if is_psfs else () for names, is_psfs in zip(found["added"], psfs,
                                                                   strict=True)]
        dropped = [names if is_psfs else () for names, is_psfs in zip(found["dropped"], psfs,
                                                                     strict=True)]
    change = np.where(none_in_common, np.nan, latest - baseline)
    size = np.abs(change)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a first score of 0 gives no percentage (no fall is possible from it)
        share = np.where(baseline > 0, change / baseline * 100, np.nan)
    met_percent = ~np.isnan(share) & (np.abs(share) >= amount - ROUNDING_SLACK) & (
        size >= floor - ROUNDING_SLACK)
    met = (size >= ROUNDING_SLACK) & np.where(percent, met_percent,
                                              size >= amount - ROUNDING_SLACK)
    enough = occasions >= np.array(needs, dtype="int64")
    meaningful = enough & met
    better = (change > 0) == higher
    no_percent = percent & changed & ~(baseline > 0)
    picked = np.select([~enough, none_in_common, no_percent, meaningful & better, meaningful],
                       [_VERDICTS.index(Verdict.TOO_FEW),
                        _VERDICTS.index(Verdict.NONE_IN_COMMON),
                        _VERDICTS.index(Verdict.NO_PERCENT), _VERDICTS.index(Verdict.IMPROVED),
                        _VERDICTS.index(Verdict.WORSENED)],
                       default=_VERDICTS.index(Verdict.NO_CHANGE_YET))
    # an object column keeps the members themselves (pandas would store plain strings)
    verdict = pd.Series(_VERDICT_ARRAY[picked], dtype=object)
    label = (ends[series].astype(str) if activity
             else ends["measure"].map({m: spec.short for m, spec in MEASURES.items()}))
    tuples = np.empty(len(ends), dtype=object), np.empty(len(ends), dtype=object)
    tuples[0][:], tuples[1][:] = added, dropped
    return pd.DataFrame({
        PATIENT: ends[PATIENT], "measure": measures.to_numpy(), "label": label.to_numpy(),
        "occasions": occasions, "baseline_date": ends["date"].to_numpy(), "baseline": baseline,
        "latest_date": last["date"].to_numpy(), "latest": latest,
        "change": np.where(changed, change, np.nan),
        "change_percent": np.where(changed, share, np.nan),
        "rule": [meaning.text for meaning in rules], "threshold": amount,
        "by_percent": percent, "floor": floor, "meaningful": meaningful, "verdict": verdict,
        "added": tuples[0], "dropped": tuples[1],
    })  # fmt: skip


def outcome_changes_by_patient(outcomes: pd.DataFrame, thresholds: PerPatient, *,
                               scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Baseline against latest for each measure each patient recorded at least once.

    Parameters
    ----------
    outcomes
        ``Log.outcomes`` of any number of patients, with a ``patient`` column.
    thresholds
        The plan's thresholds (PSFS, ODI and RMDQ points, the PEG percentage, the occasions a
        verdict needs): one for every patient, or a mapping of patient to thresholds.
    scores
        :func:`occasion_scores_by_patient` of ``outcomes``, when the caller has it.

    Returns
    -------
    pandas.DataFrame
        One row per patient and measure that has an occasion, by patient, then in the order
        PEG, PSFS, ODI, RMDQ. Columns ``patient``, ``measure``, ``label``, ``occasions``,
        ``baseline_date``, ``baseline``, ``latest_date``, ``latest``, ``change`` (latest minus
        baseline; NaN with one occasion), ``change_percent`` (of the baseline; NaN from a
        baseline of 0), ``rule`` (the threshold, named, with its source), ``threshold`` (its
        amount), ``by_percent`` (whether the rule is a percentage: only then is the percentage
        shown), ``floor`` (the points a percentage rule also needs), ``meaningful``,
        ``verdict`` (a :class:`Verdict`; :attr:`Verdict.TOO_FEW` under ``min_occasions``
        occasions), ``added`` and ``dropped`` (the PSFS activities named at the latest occasion
        only and at the first only, tuples; empty for the other measures). The PSFS baseline
        and latest are the means over the activities rated on both occasions (all of them when
        none is in common, with :attr:`Verdict.NONE_IN_COMMON` and no change).
    """
    if scores is None:
        scores = occasion_scores_by_patient(outcomes)
    scores = scores.loc[scores["measure"].isin(MEASURES)]
    order = {measure: position for position, measure in enumerate(MEASURES)}
    scores = scores.assign(_order=scores["measure"].map(order)).sort_values(
        [PATIENT, "_order"], kind="stable")
    return _changes(scores.drop(columns="_order"), "measure", thresholds,
                    compared=psfs_compared_by_patient(outcomes))


def _one_patient(keyed: pd.DataFrame) -> pd.DataFrame:
    if keyed.empty:
        return pd.DataFrame(columns=list(_CHANGE_COLUMNS))
    return keyed.drop(columns=PATIENT).reset_index(drop=True)


def outcome_changes(outcomes: pd.DataFrame, thresholds: Thresholds, *,
                    scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`outcome_changes_by_patient` of one patient's ``Log.outcomes``, without the
    ``patient`` column: one row per measure that has an occasion, PEG, PSFS, ODI, RMDQ.
    ``scores`` is :func:`occasion_scores` of ``outcomes``, when the caller has it."""
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    keyed = None if scores is None else scores.assign(**{PATIENT: 0})
    return _one_patient(outcome_changes_by_patient(outcomes.assign(**{PATIENT: 0}), thresholds,
                                                   scores=keyed))


def psfs_activity_changes_by_patient(outcomes: pd.DataFrame,
                                     thresholds: PerPatient) -> pd.DataFrame:
    """Baseline against latest for each PSFS activity of each patient on its own (the columns
    of :func:`outcome_changes_by_patient`, ``label`` the activity as the patient named it), in
    the order the activities were first named. Each activity's baseline is the first occasion
    it was rated."""
    return _changes(_activity_scores(outcomes), "activity", thresholds, activity=True)


def psfs_activity_changes(outcomes: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """:func:`psfs_activity_changes_by_patient` of one patient's ``Log.outcomes``, without the
    ``patient`` column."""
    require_columns(outcomes, OUTCOME_NEEDS, "the outcomes log")
    return _one_patient(psfs_activity_changes_by_patient(outcomes.assign(**{PATIENT: 0}),
                                                         thresholds))
