"""The caseload: one row per patient for the physiotherapist, from bundles and log folders.

Every ``.zip`` bundle and every log folder directly inside a folder is one patient. Each row's
numbers are those of that patient's own report: a batch of patients goes through
:func:`~backrelief_analysis.analysis.summary.summarise_patients` in one call, the same functions the
report runs for one patient (a batch of one). The numbers run to one day, ``as_of`` (today
unless given; a de-identified bundle, whose dates are moved, runs to its day of sharing: its
last entry plus the days its manifest records, or its period's end in an older bundle).
The columns:

- ``weeks``: ISO weeks of the period (up to that day); ``last_session``: the day of the last
  counted session ("day N" of the period in a de-identified bundle); ``days_since_entry``: days
  from the last session or pain score to that day (``to_sharing``: a de-identified bundle's, to
  its day of sharing, which its manifest records in days, not as a date);
- ``adherence_overall``: the report's adherence; ``adherence_4wk``: the same measure over the
  last ``recent_weeks`` (a plan setting, 4 by default) ISO weeks up to that day (from the
  Monday of the ``recent_weeks``-th last week, as notebook 02's "part of the period" example);
- ``pain_baseline``, ``pain_latest``, ``pain_change``, ``pain_change_percent``, ``pain_verdict``:
  the report's baseline comparison, and ``pain_text`` the same as the report words it
  (``6.6 → 5.1 (-1.5, -22 %)``, from :func:`~backrelief_analysis.analysis.pain.judge_change`);
- ``open_flags``: flags of the period that reach into those last weeks, by kind;
- ``exercise_pain``: the exercise the patient marked as hurting or stopped for pain most often
  over those weeks ("Bridge hurt 4 of 6 times in the last 4 weeks"; empty when none);
- ``problem``: why a patient could not be read, in one sentence (the other columns are empty).

Which patients come first (:data:`PRIORITY_RULE`): unreadable ones, then meaningfully worse pain,
a meaningfully worse questionnaire score, open flags or no entry for more than the plan's
``stopped_after_days``, then adherence below the plan's cut-off over the last four weeks, then
the rest; within a group by the largest reason in units of its own threshold (an open flag is
one, an exercise that often hurt its times over the plan's ``exercise_pain_times``), then the days
since the last entry. ``why`` names each reason with its size ("ODI +15, 1.5x its threshold").

Bad input never costs the rest: a batch's log files are read together by the store
(:func:`~backrelief_analysis.log.store.read_logs`), each patient exactly as the store reads one log,
and any problem becomes that row's ``problem``. A cache beside the bundles (:data:`CACHE_NAME`,
JSON) keeps each patient's row under the SHA-256 of its files and their sizes, times and inodes
(and the day the numbers run to):
a second opening hashes only files whose sizes, times or inode changed (or that changed within
two seconds of being looked at, as git does), and analyses only what changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..analysis.flags import FLAG_TITLES, FlagKind
from ..analysis.outcomes import MEASURES, OUTCOME_NEEDS, outcome_changes_by_patient, rule
from ..analysis.outcomes import Verdict as OutcomeVerdict
from ..analysis.pain import Verdict
from ..analysis.periods import PATIENT, to_day
from ..analysis.signals import exercise_name
from ..analysis.summary import PatientsSummary, summarise_patients
from ..log.deidentify import NOT_IN_PLAN
from ..log.store import now_local
from ..plan import Plan, Thresholds
from ..text import clean_text, plural
from ..words.flags import FLAG_WORDS
from ..words.outcomes import caseload_outcome_text, measures_text
from ..words.signals import caseload_signal_text
from .cache import CACHE_NAME, Result, from_json, load_cache, save_cache, source_key, stat_key
from .files import find_sources
from .sources import Loaded, load_batch, load_source, source_sentence

PARALLEL_FROM = 24  # fewer patients than this are read in this process: workers cost ~1 s
CHUNK = 125  # most patients per task sent to a worker
PRIORITY_RULE = (
    "1. patients whose files could not be read (fix them first); "
    "2. pain meaningfully worse than at baseline, a questionnaire score meaningfully worse than "
    "the first, a flag in the last four weeks, or no entry for more than the plan's "
    "stopped_after_days (7 by default); "
    "3. adherence over the last four weeks below the plan's cut-off; "
    "4. everyone else. Within a group: the largest reason first, in units of its own "
    "threshold (pain change over the pain threshold, a questionnaire's change over its own, "
    "days without an entry over stopped_after_days, open flags as one, an exercise that often "
    "hurt as its times over the plan's exercise_pain_times), then more open flags, "
    "then the longest without an entry, then lower adherence over the last four weeks, then "
    "by name. Every row is measured to the caseload's day; a de-identified bundle, which "
    "cannot be dated, to its day of sharing."
)
COLUMNS = ("patient", "source", "priority", "why", "weeks", "period_start", "period_end",
           "last_session", "days_since_entry", "to_sharing", "adherence_4wk",
           "adherence_overall", "pain_baseline", "pain_latest",
           "pain_change", "pain_change_percent", "pain_verdict", "pain_text", "outcomes",
           "open_flags",
           "open_flag_kinds", "exercise_pain", "flags_total", "note", "problem")
HIDDEN = ("_cutoff", "_outcome_verdicts", "_pain_threshold", "_stopped_after", "_recent_weeks",
          "_worst_outcome", "_flag_size")  # what the order and the reasons need, not shown
WEEKLY_COLUMNS = ("source", "week", "week_start", "pain", "adherence")


# --- one patient ----------------------------------------------------------------------------------


def _flag_order(kinds: Iterable[str]) -> list[str]:
    present = set(kinds)
    return ([kind for kind in FLAG_TITLES if kind in present]
            + sorted(present - set(FLAG_TITLES)))


def _row(numbers: dict, baseline: dict, patient: dict, *, outcomes: OutcomeCell, as_of: date,
         deidentified: bool = False, exercise_pain: str = "") -> dict:
    """A caseload row from one patient's rows of
    :class:`~backrelief_analysis.analysis.summary.PatientsSummary` (``numbers``, ``baseline``,
    ``patients``), measured to ``as_of`` (a de-identified bundle's: its day of sharing, in its
    moved dates, whose last session is shown as "day N" of its period), with the cell of the
    exercise that hurt most (:func:`exercise_pain_cells`)."""
    open_kinds = {kind: int(numbers[f"open_{kind}"]) for kind in FlagKind
                  if numbers[f"open_{kind}"]}
    judged = baseline["judged"]
    last_session = numbers["last_session"]
    thresholds = patient["plan"].thresholds
    if pd.isna(last_session):
        shown_session = ""
    elif deidentified:  # its dates are moved: the day of its period, not a date
        shown_session = f"day {(last_session - patient['first']).days + 1}"
    else:
        shown_session = f"{last_session:%Y-%m-%d}"
    last_entry = patient["last_entry"]
    return {
        "weeks": int(numbers["weeks"]),
        "period_start": f"{patient['first']:%Y-%m-%d}",
        "period_end": f"{patient['last']:%Y-%m-%d}",
        "last_session": shown_session,
        "days_since_entry": float("nan") if pd.isna(last_entry)
        else float((pd.Timestamp(as_of) - last_entry).days),
        "to_sharing": deidentified,
        "adherence_4wk": float(numbers["adherence_recent"]),
        "adherence_overall": float(numbers["adherence_overall"]),
        "pain_baseline": float(baseline["baseline"]),
        "pain_latest": float(baseline["latest"]),
        "pain_change": float(baseline["change_points"]),
        "pain_change_percent": float(baseline["change_percent"]),
        "pain_verdict": str(baseline["verdict"]),
        "pain_text": judged.shown if judged is not None else "",
        "outcomes": outcomes.text,
        "_outcome_verdicts": outcomes.verdicts,
        "open_flags": int(numbers["open_flags"]),
        "open_flag_kinds": ", ".join(f"{open_kinds[kind]} × {FLAG_WORDS.get(kind, kind)}"
                                     for kind in _flag_order(open_kinds)),
        "exercise_pain": exercise_pain,
        "flags_total": int(numbers["flags_total"]),
        "note": "",
        "problem": "",
        "_cutoff": float(thresholds.adherence_percent),
        "_pain_threshold": float(thresholds.pain_change_points),
        "_stopped_after": int(thresholds.stopped_after_days),
        "_recent_weeks": int(thresholds.recent_weeks),
        "_worst_outcome": list(outcomes.worst),
        "_flag_size": float(numbers["open_flag_size"]),
    }


def exercise_pain_cells(summary: PatientsSummary, deidentified: dict) -> dict:
    """Each patient's ``exercise_pain`` cell from the counts over their recent weeks
    (:attr:`~.analysis.summary.PatientsSummary.recent_exercise_signals`), exercises named by
    their plan; in a de-identified bundle an id its plan does not name is withheld.
    ``deidentified`` says, by patient, whether the source is de-identified."""
    counts = summary.recent_exercise_signals
    cells = {}
    for key, rows in counts.groupby(PATIENT, sort=False):
        plan = summary.patients.loc[key, "plan"]
        known = {exercise.id for exercise in plan.exercises}
        names = [exercise_name(plan, exercise) if exercise in known or not deidentified[key]
                 else NOT_IN_PLAN for exercise in rows["exercise"]]
        cells[key] = caseload_signal_text(rows.assign(name=names),
                                          int(plan.thresholds.recent_weeks))
    return cells


@dataclass(frozen=True)
class OutcomeCell:
    """A patient's outcome questionnaires in the caseload: the cell's text and, for the order,
    each measure's typed verdict (measure id to :class:`~.analysis.outcomes.Verdict`)."""

    text: str = ""
    verdicts: dict[str, OutcomeVerdict] = field(default_factory=dict)
    # the worst meaningful worsening: (what, in words, its size in units of its threshold)
    worst: tuple[str, float] | tuple[()] = ()


def outcome_cells(answers: list[pd.DataFrame | None], thresholds: list[Thresholds],
                  until: list) -> list[OutcomeCell]:
    """The outcome cells of a batch of patients, from one keyed
    :func:`~backrelief_analysis.analysis.outcomes.outcome_changes_by_patient` call.

    ``answers`` holds each patient's ``Log.outcomes`` (None: none), ``thresholds`` their plans'
    thresholds, ``until`` the last day whose questionnaires count (None: all of them).
    """
    counts = np.array([0 if frame is None else len(frame) for frame in answers], dtype="int64")
    cells = [OutcomeCell() for _ in answers]
    present = np.flatnonzero(counts)
    if not len(present):
        return cells
    # column by column: one concatenation per column, not a frame per patient
    rows = pd.DataFrame({column: pd.concat([answers[i][column] for i in present],
                                           ignore_index=True) for column in OUTCOME_NEEDS})
    rows[PATIENT] = np.repeat(present, counts[present])
    limits = np.array([np.datetime64("NaT", "ns") if until[i] is None
                       else np.datetime64(pd.Timestamp(until[i]), "ns") for i in present])
    limit = np.repeat(limits, counts[present])
    rows = rows.loc[np.isnat(limit) | (rows["date"].to_numpy() <= limit)]
    changes = outcome_changes_by_patient(rows, {int(i): thresholds[i] for i in present})
    by_patient: dict[int, list] = {}
    for row in changes.itertuples(index=False):
        by_patient.setdefault(int(getattr(row, PATIENT)), []).append(row)
    for index, measures in by_patient.items():
        cells[index] = OutcomeCell(caseload_outcome_text(measures, thresholds[index]),
                                   {row.measure: row.verdict for row in measures},
                                   _worst_outcome(measures, thresholds[index]))
    return cells


def _worst_outcome(measures: list, thresholds: Thresholds) -> tuple[str, float] | tuple[()]:
    """The meaningfully worse questionnaire whose change is largest in units of its own
    threshold (points over points, a percentage over its percentage), named with its change;
    () when none is worse."""
    sizes = []
    for row in measures:
        if OutcomeVerdict(row.verdict) is not OutcomeVerdict.WORSENED:
            continue
        meaning = rule(row.measure, thresholds)
        change = row.change_percent if meaning.percent else row.change
        if not meaning.amount or pd.isna(change) or np.isinf(change):
            continue
        measure = MEASURES[row.measure]
        # a percentage and a total (ODI 0-100, RMDQ 0-24) in whole numbers, a 0-10 mean to .1
        spec = "+.0f" if meaning.percent or measure.scale_max > 10 else "+.1f"  # noqa: PLR2004
        unit = " %" if meaning.percent else ""
        sizes.append((f"{measure.short} {format(change, spec)}{unit}",
                      abs(float(change)) / meaning.amount))
    return max(sizes, key=lambda pair: pair[1]) if sizes else ()


def outcome_summary(log, plan: Plan, *, end=None, last=None) -> OutcomeCell:
    """The latest outcome scores (PEG, PSFS, ODI, RMDQ) with their verdicts, as short text
    and as typed verdicts.

    As in :func:`~.analysis.summary.summarise`: the first questionnaire of the whole
    log is the baseline, the latest is the last one up to the period's ``last`` day when an
    ``end`` was given. Empty for a log without questionnaires.
    """
    table = getattr(log, "outcomes", None)
    return outcome_cells([table], [plan.thresholds],
                         [last if end is not None else None])[0]


def _empty_row(problem: str, note: str = "") -> dict:
    row: dict = dict.fromkeys(COLUMNS[4:], "")
    for column in ("adherence_4wk", "adherence_overall", "pain_baseline", "pain_latest",
                   "pain_change", "pain_change_percent"):
        row[column] = float("nan")
    row.update(weeks=0, open_flags=0, flags_total=0, problem=problem, note=note,
               days_since_entry=float("nan"), to_sharing=False, _cutoff=float("nan"),
               _outcome_verdicts={}, _pain_threshold=float("nan"), _stopped_after=0,
               _recent_weeks=0, _worst_outcome=[], _flag_size=0.0)
    return row


def _result(loaded: Loaded, row: dict, weekly: list) -> Result:
    row = {"patient": loaded.name, **row, "note": loaded.notes}
    return Result(loaded.source, loaded.key, row, weekly)


def _weekly_rows(summary: PatientsSummary) -> dict[object, list]:
    """Each patient's weeks as JSON-ready rows: ``week`` (1, 2, ...), ``week_start``,
    ``pain`` (weekly mean) and ``adherence`` (% of the target), None for a missing number."""
    weeks = summary.weekly_adherence
    frame = pd.DataFrame({
        "week": weeks.groupby(PATIENT, sort=False).cumcount().to_numpy() + 1,
        "week_start": weeks["week_start"].dt.strftime("%Y-%m-%d").to_numpy(),
        "pain": summary.weekly_pain["mean"].to_numpy(dtype="float64"),
        "adherence": weeks["percent"].to_numpy(dtype="float64"),
    })  # fmt: skip
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    keys = weeks[PATIENT].to_numpy()
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True]) if len(keys) else []
    return {keys[a]: values[a:b] for a, b in pairwise(bounds)}


def _problem(loaded: Loaded) -> Result:
    return Result(loaded.source, loaded.key,
                   {"patient": loaded.stem, **_empty_row(loaded.problem)}, [])


def _rows(loaded: list[Loaded], as_of: date | None) -> list[Result]:
    """:func:`_rows_together`; should a batch fail as a whole, each source alone, so only the
    source that fails says so, in its row."""
    try:
        return _rows_together(loaded, as_of)
    except Exception as error:
        if len(loaded) > 1:
            return [result for item in loaded for result in _rows([item], as_of)]
        loaded[0].problem = source_sentence(loaded[0].source, error)
        return [_problem(loaded[0])]


def _rows_together(loaded: list[Loaded], as_of: date | None) -> list[Result]:
    """Every readable source's row and weekly series from one call of
    :func:`~backrelief_analysis.analysis.summary.summarise_patients` (any number of patients); a
    source that could not be read keeps its problem."""
    for item in loaded:
        _check_day(item, as_of)
    readable = {index: item for index, item in enumerate(loaded) if not item.problem}
    if not readable:
        return [_problem(item) for item in loaded]
    patients = {index: item.patient for index, item in readable.items()}
    # a de-identified bundle's dates are moved: its own period's end is its day, not today
    days = {index: item.as_of or as_of for index, item in readable.items()}
    summary = summarise_patients({key: pt.log for key, pt in patients.items()},
                                 {key: pt.plan for key, pt in patients.items()},
                                 start={key: pt.start for key, pt in patients.items()},
                                 end={key: pt.end for key, pt in patients.items()},
                                 as_of=days)
    periods = summary.patients
    # as in the report, the latest questionnaire is the last one up to a chosen period's end
    # (any, when the bundle chose none)
    # plain dicts: a row of a frame by label costs more than the row's own numbers
    numbers = summary.numbers.to_dict("index")
    baselines = summary.baseline.to_dict("index")
    period_rows = periods.to_dict("index")
    lasts = [None if pd.isna(period_rows[key]["last"]) else period_rows[key]["last"]
             for key in patients]
    cells = dict(zip(patients, outcome_cells(
        [getattr(pt.log, "outcomes", None) for pt in patients.values()],
        [pt.plan.thresholds for pt in patients.values()],
        [last if pt.end is not None else None
         for pt, last in zip(patients.values(), lasts, strict=True)]), strict=True))
    weekly = _weekly_rows(summary)
    hurting = exercise_pain_cells(summary, {index: item.deidentified
                                            for index, item in readable.items()})
    results = []
    for index, item in enumerate(loaded):
        if index not in readable:
            results.append(_problem(item))
            continue
        if pd.isna(period_rows[index]["first"]):
            log = item.patient.log
            seen = len(log.exercise) or len(log.pain)
            problem = (f"the log has no entries up to {days[index]:%Y-%m-%d}" if seen
                       else "the log has no entries yet")
            results.append(_result(item, _empty_row(problem), []))
            continue
        row = _row(numbers[index], baselines[index], period_rows[index], outcomes=cells[index],
                   as_of=days[index] or period_rows[index]["last"].date(),
                   deidentified=item.deidentified, exercise_pain=hurting.get(index, ""))
        if item.deidentified and item.shared_days is None:
            # an older de-identified bundle: its day of sharing is unknown, so is the silence
            row.update(days_since_entry=float("nan"), to_sharing=False)
        results.append(_result(item, row, weekly.get(index, [])))
    return results


def _check_day(item: Loaded, as_of: date | None) -> None:
    """A bundle whose chosen period starts after the day the numbers run to gets a problem."""
    if item.problem or item.as_of is not None or as_of is None or item.patient.start is None:
        return
    start = to_day(item.patient.start)
    if start.date() > as_of:
        item.problem = (f"{item.source}: its period starts ({start:%Y-%m-%d}) after the day "
                        f"the numbers run to ({as_of:%Y-%m-%d})")


def read_source(path: Path, fallback_plan: str, *, as_of: date | None = None) -> Result:
    """One patient's row and weekly series, from one bundle or log folder (``as_of``: the day
    the numbers run to, by default the period's last day; see :func:`load_caseload`)."""
    return _rows([load_source(Path(path), fallback_plan)], as_of)[0]


def _read_batch(task: tuple[list[str], str, date | None]) -> list[Result]:
    """Rows of a batch of sources, all analysed in one call."""
    names, fallback_plan, as_of = task
    return _rows(load_batch(names, fallback_plan), as_of)


# --- the caseload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    """The caseload table (one row per patient, most in need first) and the weekly series."""

    table: pd.DataFrame
    weekly: pd.DataFrame
    analysed: int  # patients analysed in this opening (the rest came from the cache)
    as_of: date  # the day the numbers run to

    @property
    def problems(self) -> pd.DataFrame:
        """The rows of patients that could not be read."""
        return self.table.loc[self.table["problem"] != ""]


def worse_outcomes(verdicts: pd.Series) -> pd.Series:
    """The questionnaires (``"ODI, PEG"``) whose latest score is meaningfully worse than the
    first, from each row's typed verdicts (a dict of measure to
    :class:`~.analysis.outcomes.Verdict`, as :class:`OutcomeCell` holds them); empty
    when none is."""
    return verdicts.map(lambda given: measures_text(
        measure for measure, verdict in (given or {}).items()
        if OutcomeVerdict(verdict) is OutcomeVerdict.WORSENED)).astype(object)


def _size(text: str, size: float) -> str:
    return f"{text}, {size:.1f}x its threshold"


def _reasons(row: dict) -> tuple[list[tuple[str, float]], bool]:
    """One row's reasons to look, each in words with its size in units of its own threshold
    (open flags: one, a threshold crossed; their count breaks ties), and whether its adherence
    is below the cut-off."""
    reasons: list[tuple[str, float]] = []
    improving = row["pain_verdict"] == Verdict.IMPROVEMENT
    if row["pain_verdict"] == Verdict.WORSENING and row["_pain_threshold"] > 0:
        size = row["pain_change"] / row["_pain_threshold"]
        reasons.append((_size(f"pain {row['pain_change']:+.1f}", size), size))
    if row["_worst_outcome"]:
        text, size = row["_worst_outcome"]
        reasons.append((_size(str(text), float(size)), float(size)))
    if row["open_flags"] > 0:
        kinds = row["open_flag_kinds"] or f"{row['open_flags']} × flag"
        weeks = f"the last {plural(row['_recent_weeks'], 'week')}" if row["_recent_weeks"] \
            else "recent weeks"
        # a flag is a threshold crossed (one); an exercise that often hurt, its times over its own
        reasons.append((f"{kinds} in {weeks}" + (", while pain improves" if improving else ""),
                        max(1.0, float(row["_flag_size"]))))
    days = row["days_since_entry"]
    if not pd.isna(days) and row["_stopped_after"] and days > row["_stopped_after"]:
        text = f"no entry for {plural(int(days), 'day')}"
        reasons.append((text + (" before sharing" if row["to_sharing"] else ""),
                        days / row["_stopped_after"]))
    low = bool(row["adherence_4wk"] < row["_cutoff"])
    return reasons, low


def _priority(table: pd.DataFrame) -> pd.DataFrame:
    tiers, whys, sizes = [], [], []
    for row in table.to_dict("records"):
        if row["problem"]:
            tiers.append(1)
            whys.append("could not be read")
            sizes.append(0.0)
            continue
        reasons, low = _reasons(row)
        reasons.sort(key=lambda pair: -pair[1])
        words = [text for text, _ in reasons]
        if low:
            weeks = plural(row["_recent_weeks"], "week") if row["_recent_weeks"] else "weeks"
            words.append(f"adherence below cut-off, last {weeks}")
        tiers.append(2 if reasons else 3 if low else 4)
        whys.append("; ".join(words))
        sizes.append(reasons[0][1] if reasons else 0.0)
    table = table.assign(priority=np.array(tiers, dtype="int64"),
                         why=pd.Series(whys, index=table.index, dtype=object),
                         _size=-np.array(sizes, dtype="float64"),
                         _flags=-table["open_flags"],
                         _silent=-table["days_since_entry"].fillna(-1.0),
                         _adh=table["adherence_4wk"].fillna(-1.0),
                         _name=table["patient"].str.casefold())
    order = ["priority", "_size", "_flags", "_silent", "_adh", "_name", "source"]
    table = table.sort_values(order, kind="stable")
    return table.drop(columns=[*order[1:-1], *HIDDEN]).reset_index(drop=True)


def load_caseload(directory: Path | str, plan_path: Path | str | None = None, *,
                  workers: int | None = None, use_cache: bool = True,
                  as_of: date | str | None = None) -> Caseload:
    """Read every patient under ``directory`` into one table.

    Parameters
    ----------
    directory
        A folder of bundles (``*.zip``) and log folders, one per patient.
    plan_path
        The plan for log folders without their own ``plan.toml`` (bundles carry theirs); by
        default the plan in use (``BACKRELIEF_PLAN`` or the shipped one).
    workers
        Processes to analyse with; by default one per core once there are
        :data:`PARALLEL_FROM` patients or more.
    use_cache
        Keep and reuse rows in :data:`CACHE_NAME` inside ``directory``.
    as_of
        The day the numbers run to (a date or ``YYYY-MM-DD``), by default today: no session or
        pain score after it counts, each period ends on it (or on a bundle's earlier end), and
        the recent weeks and open flags count back from it, for every patient (questionnaires
        follow the report's rule: up to a bundle's chosen end, else the latest). A
        de-identified bundle, whose dates are moved, runs to its day of sharing (its last entry
        plus the days before sharing its manifest records; an older bundle: its period's end).

    Raises
    ------
    ValueError
        ``as_of`` is not a date.

    Returns
    -------
    Caseload
    """
    day = to_day(as_of).date() if as_of is not None else now_local().date()
    folder = Path(directory)
    sources = find_sources(folder)
    plan_file = Path(plan_path) if plan_path is not None else paths.plan_file()
    fallback_plan = plan_file.read_text(encoding="utf-8")
    cache_path = folder / CACHE_NAME
    cached = load_cache(cache_path, day) if use_cache else {}
    results: dict[Path, Result] = {}
    todo: list[Path] = []
    # taken before any file is read: kept in the cache only if still the same afterwards
    stats = {source: stat_key(source, fallback_plan) for source in sources} if use_cache \
        else {}
    for source in sources:
        entry = cached.get(source.name)
        same_stat = stats[source] is not None and stats[source] == entry.get("stat") \
            if entry is not None else False
        if entry is not None and (same_stat
                                  or source_key(source, fallback_plan) == entry.get("key")):
            results[source] = from_json(source.name, entry)
        else:
            todo.append(source)
    results.update(zip(todo, _analyse(todo, fallback_plan, workers, day), strict=True))
    ordered = [results[source] for source in sources]
    if use_cache and (ordered or cache_path.exists()):  # an empty folder is left as it was
        unchanged = {source.name: stat for source, stat in stats.items()
                     if stat is not None and stat_key(source, fallback_plan) == stat}
        same = not todo and set(cached) == {source.name for source in sources} and all(
            entry.get("stat") == unchanged.get(name) for name, entry in cached.items())
        if not same:  # a cache that would be written as it is stays as it is
            save_cache(cache_path, ordered, day, unchanged)
    return _assemble(ordered, len(todo), day)


def _analyse(todo: list[Path], fallback_plan: str, workers: int | None,
             as_of: date) -> list[Result]:
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or (len(todo) < PARALLEL_FROM and workers is None):
        return _read_batch(([str(path) for path in todo], fallback_plan, as_of))
    size = max(1, min(CHUNK, -(-len(todo) // max(count, 1))))
    chunks = [([str(path) for path in todo[i:i + size]], fallback_plan, as_of)
              for i in range(0, len(todo), size)]
    context = get_context("forkserver")
    context.set_forkserver_preload(["backrelief_analysis.caseload.table"])
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return [result for batch in pool.map(_read_batch, chunks) for result in batch]


def _shown(row: dict) -> dict:
    """A row with every text cleaned (:func:`~backrelief_analysis.text.clean_text`): a name or
    a sentence quoting a file cannot carry escape codes or bidirectional overrides."""
    return {column: clean_text(value) if isinstance(value, str) else value
            for column, value in row.items()}


def _mark_repeats(rows: list[dict]) -> None:
    """A note on each row whose patient (name or code) another row has too: both are shown."""
    sources: dict[str, list[str]] = {}
    for row in rows:
        if not row["problem"]:
            sources.setdefault(row["patient"].strip().casefold(), []).append(row["source"])
    for row in rows:
        same = sources.get(row["patient"].strip().casefold(), []) if not row["problem"] else []
        if len(same) > 1:
            others = ", ".join(source for source in same if source != row["source"])
            note = f"the same patient as {others}: check which is current"
            row["note"] = f"{row['note']}; {note}" if row["note"] else note


def _assemble(results: list[Result], analysed: int, as_of: date) -> Caseload:
    # the one place rows are made into the table: every text shown is cleaned here
    rows = [_shown({"source": result.source, **result.row}) for result in results]
    _mark_repeats(rows)
    hidden = [*COLUMNS, *HIDDEN]
    table = pd.DataFrame(rows, columns=hidden) if rows else pd.DataFrame(columns=hidden)
    for column in ("weeks", "open_flags", "flags_total", "_stopped_after", "_recent_weeks"):
        table[column] = table[column].astype("int64")
    for column in ("adherence_4wk", "adherence_overall", "pain_baseline", "pain_latest",
                   "pain_change", "pain_change_percent", "days_since_entry", "_cutoff",
                   "_pain_threshold", "_flag_size"):
        table[column] = table[column].astype("float64")
    table["to_sharing"] = table["to_sharing"].astype(bool)
    table = _priority(table)[list(COLUMNS)]
    weekly_rows = [[clean_text(result.source), *week] for result in results
                   for week in result.weekly]
    weekly = pd.DataFrame(weekly_rows, columns=list(WEEKLY_COLUMNS))
    weekly = weekly.astype({"week": "int64", "pain": "float64", "adherence": "float64"})
    return Caseload(table, weekly, analysed, as_of)



__all__ = [
    "COLUMNS",
    "PRIORITY_RULE",
    "Caseload",
    "load_caseload",
    "outcome_summary",
    "read_source",
]
