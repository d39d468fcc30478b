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

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from html import escape
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, paths
from ..analysis.flags import FLAG_TITLES, FlagKind
from ..analysis.outcomes import MEASURES, OUTCOME_NEEDS, outcome_changes_by_patient, rule
from ..analysis.outcomes import Verdict as OutcomeVerdict
from ..analysis.pain import Verdict
from ..analysis.periods import PATIENT, DayLike, period_bounds, to_day
from ..analysis.signals import exercise_name
from ..analysis.summary import PatientsSummary, summarise_patients
from ..log.deidentify import NOT_IN_PLAN
from ..log.demo import DEMO_START, DemoStory, generate_demo, generate_outcomes, generate_signals
from ..log.plans import is_kept_name, kept_plans, plan_for_log
from ..log.store import Log, LogError, Logs, LogStore, now_local, read_logs, write_private
from ..plan import Plan, PlanError, Thresholds, load_plan, parse_plan
from ..share.bundle import (
    LOG_NAMES,
    MAX_BUNDLE_BYTES,
    MAX_MEMBER_BYTES,
    OPTIONAL_NAMES,
    PLAN_NAME,
    SHARED_DAYS,
    BundleError,
    load_files,
    open_bundle,
    read_regular,
    write_bundle,
)
from ..share.export import write_export
from ..text import clean_text, plural
from ..words.flags import FLAG_WORDS
from ..words.outcomes import caseload_outcome_text, measures_text
from ..words.signals import caseload_signal_text

CACHE_NAME = ".backrelief-caseload.json"
CACHE_KEY_NAME = ".backrelief-caseload.key"  # the cache's secret key, owner-only, beside it
CACHE_KEY_BYTES = 32  # 256 bits, as HMAC-SHA-256 takes them
CACHE_VERSION = 8  # 2: rows carry pain_text; 3: rows run to the caseload's as_of day; 4: and
# carry the outcome verdicts; 5: the days since the last entry and each reason's size; 6: each
# entry carries its HMAC; 7: the exercise that hurt most and the largest open flag's size; 8: a
# folder's kept plans (plans/) give its plan in force
# a file changed this recently may change again within the same mtime: hash it (as git does)
RECENT_CHANGE_NS = 2 * 10**9
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
class Patient:
    """One loaded patient: the log, the plan, the report's period (None: the log's own)."""

    log: Log
    plan: Plan
    start: DayLike = None
    end: DayLike = None


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


@dataclass(frozen=True)
class _Result:
    """What reading one source gives: its row, weekly series and content key (JSON-ready)."""

    source: str
    key: str
    row: dict
    weekly: list

    def as_json(self) -> dict:
        return {"key": self.key, "row": _json_row(self.row), "weekly": self.weekly}


def _json_row(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}


def _from_json(source: str, entry: dict) -> _Result:
    row = {k: (float("nan") if v is None else v) for k, v in entry["row"].items()}
    return _Result(source, entry["key"], row, entry["weekly"])


def _first_sentence(error: Exception) -> str:
    if isinstance(error, LogError) and error.problems:
        more = len(error.problems) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"{error.problems[0]}{extra}"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def folder_files(folder: Path) -> dict[str, bytes]:
    """The files of a log folder a caseload reads (logs and plan), by name.

    Only regular files are read (:func:`~.share.bundle.read_regular`): a link, a device or a
    FIFO in their place raises :class:`~.share.bundle.BundleError` naming the folder.
    """
    files = {}
    for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME):
        try:
            files[name] = read_regular(folder / name, MAX_MEMBER_BYTES)
        except FileNotFoundError:
            continue
        except BundleError as error:
            raise BundleError(f"in the folder {folder.name}, {error}") from None
    return files


def kept_plan_files(folder: Path) -> dict[str, bytes]:
    """The plans a log folder keeps in ``plans/`` (those the patient accepted), by file name.

    Read as :func:`folder_files` reads (regular files only); a ``plans`` that is a link
    raises :class:`~.share.bundle.BundleError` naming the folder.
    """
    plans = folder / paths.PLANS_DIR_NAME
    if not _is_folder(plans):
        if plans.is_symlink():
            raise BundleError(f"in the folder {folder.name}, {paths.PLANS_DIR_NAME} is a link, "
                              "and links are not followed")
        return {}
    files = {}
    for entry in sorted(plans.iterdir()):
        if is_kept_name(entry.name):
            try:
                files[entry.name] = read_regular(entry, MAX_MEMBER_BYTES)
            except BundleError as error:
                raise BundleError(f"in the folder {folder.name}/{paths.PLANS_DIR_NAME}, "
                                  f"{error}") from None
    return files


def folder_key(files: dict[str, bytes], kept: dict[str, bytes], fallback_plan: str) -> str:
    """:func:`content_key` of a log folder: its files, its kept plans and the fallback plan."""
    kept_by_path = {f"{paths.PLANS_DIR_NAME}/{name}": data for name, data in kept.items()}
    return content_key({**files, **kept_by_path}, fallback_plan)


def _is_folder(path: Path) -> bool:
    """A real folder, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def content_key(files: dict[str, bytes] | bytes, fallback_plan: str = "") -> str:
    """SHA-256 over a source's bytes (and the plan it is read with), with the kit's version."""
    digest = hashlib.sha256(f"{__version__}\0{CACHE_VERSION}\0".encode())
    if isinstance(files, bytes):
        digest.update(files)
    else:
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        if PLAN_NAME not in files:
            digest.update(b"plan\0" + fallback_plan.encode())
    return digest.hexdigest()


_KIT_ERRORS = (BundleError, PlanError, tomllib.TOMLDecodeError, UnicodeDecodeError, OSError,
               ValueError)  # problems the kit says in its own sentence


def _sentence(label: str, error: BaseException) -> str:
    """Any error met while opening or reading one source, as that row's one sentence."""
    if isinstance(error, _KIT_ERRORS):
        return _first_sentence(error)  # type: ignore[arg-type]
    if isinstance(error, MemoryError):
        return f"{label} is too large to read"
    if isinstance(error, RecursionError):
        return f"{label} holds data nested too deeply to read"
    return f"{label} could not be read ({type(error).__name__})"


@dataclass
class _Loaded:
    """One source after reading: its key, name and patient, or the problem that stopped it.

    Between :func:`_open_source` and :func:`_finish` it holds the files, plan and period.
    """

    source: str
    stem: str
    key: str
    name: str = ""
    patient: Patient | None = None
    as_of: date | None = None  # a de-identified bundle's own last day (its dates are moved)
    deidentified: bool = False
    shared_days: int | None = None  # a de-identified bundle's last entry, days before sharing
    notes: str = ""
    problem: str = ""
    files: dict | None = None
    plan: Plan | None = None
    history: list[Plan] | None = None  # a folder's kept plans, oldest first
    period: tuple = (None, None)


def _open_source(path: Path, fallback_plan: str) -> _Loaded:
    """A bundle checked and opened, or a log folder's files, with the plan; any problem
    becomes one sentence."""
    label = path.name
    loaded = _Loaded(label, path.stem, "")
    try:
        if Path(path).is_symlink():
            raise BundleError(f"{label} is a link, and links are not followed")
        if _is_folder(path):
            files, kept = folder_files(path), kept_plan_files(path)
            loaded.key = folder_key(files, kept, fallback_plan)
            if not any(name in files for name in LOG_NAMES):
                raise BundleError(f"the folder {label} holds no log (no {LOG_NAMES[0]} or "
                                  f"{LOG_NAMES[1]})")
            plan_text = files.get(PLAN_NAME, b"").decode("utf-8") or fallback_plan
            loaded.plan = parse_plan(tomllib.loads(plan_text), source=Path(f"{label}:{PLAN_NAME}"))
            loaded.history = kept_plans(kept, Path(label) / paths.PLANS_DIR_NAME)
            loaded.name = label
        else:
            data = read_regular(path, MAX_BUNDLE_BYTES)
            loaded.key = content_key(data)
            opened = open_bundle(data, label)
            # only the logs are kept for the batch: the report and the zip are released now
            files = {name: data for name, data in opened.files.items()
                     if name in (*LOG_NAMES, *OPTIONAL_NAMES)}
            loaded.plan = opened.plan
            loaded.name, loaded.period = opened.patient or path.stem, (opened.start, opened.end)
            if opened.manifest.get("deidentified"):
                loaded.deidentified = True
                loaded.as_of = _manifest_end(opened.manifest)
                days = opened.manifest.get(SHARED_DAYS)
                if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
                    loaded.shared_days = days
        loaded.files = files
    except Exception as error:  # any error of one source is its row's sentence, never everyone's
        loaded.problem = _sentence(label, error)
        loaded.files = None
    return loaded


def _manifest_end(manifest: dict) -> date | None:
    """The last day of a bundle's period as its manifest records it (None when it does not)."""
    period = manifest.get("period")
    try:
        return date.fromisoformat(period["end"])
    except (TypeError, KeyError, ValueError):
        return None


def _finish(loaded: _Loaded, read: Callable[[], tuple]) -> _Loaded:
    """An opened source's log (``read()`` gives the log and its notes) and period checked."""
    try:
        log, notes = read()
        start, end = loaded.period
        entries = [*log.exercise["date"], *log.pain["date"]]
        if loaded.shared_days is not None and entries:
            # its day of sharing, in its own moved dates: measured to it, not to its last entry
            loaded.as_of = max(entries).date() + timedelta(days=loaded.shared_days)
        # a period the manifest names must make sense before any analysis sees it
        period_bounds([log.exercise["date"], log.pain["date"]], start, end)
        if loaded.history:  # each week at the plan of its time, as the patient's own report
            loaded.plan = plan_for_log(log, loaded.plan, loaded.history)
        loaded.patient = Patient(log, loaded.plan, start, end)
        loaded.notes = "; ".join(notes)
    except Exception as error:  # any error of one source is its row's sentence
        loaded.problem = _sentence(loaded.source, error)
    loaded.files = None
    return loaded


def _load_source(path: Path, fallback_plan: str, workdir: Path | None = None) -> _Loaded:
    """Read one bundle or log folder with the store's own loader; any problem becomes one
    sentence."""
    loaded = _open_source(path, fallback_plan)
    if loaded.problem:
        return loaded
    return _finish(loaded, partial(load_files, loaded.files, workdir))


def _load_batch(names: list[str], fallback_plan: str) -> list[_Loaded]:
    """:func:`_load_source` of many sources, their logs read at once by the store
    (:func:`~backrelief_analysis.log.store.read_logs`)."""
    def log_and_notes(logs: Logs, patient: int) -> tuple[Log, list[str]]:
        return logs.log(patient), [note.splitlines()[0] for note in logs.warned[patient]]

    loaded = [_open_source(Path(name), fallback_plan) for name in names]
    opened = [item for item in loaded if not item.problem]
    if not opened:
        return loaded
    try:
        logs = read_logs([item.files for item in opened])
        reads = [partial(log_and_notes, logs, patient) for patient in range(len(opened))]
    except Exception:  # only the source that stops the batch may say so: each on its own
        reads = [partial(lambda files: log_and_notes(read_logs([files]), 0), item.files)
                 for item in opened]
    for item, read in zip(opened, reads, strict=True):
        _finish(item, read)
    return loaded


def _result(loaded: _Loaded, row: dict, weekly: list) -> _Result:
    row = {"patient": loaded.name, **row, "note": loaded.notes}
    return _Result(loaded.source, loaded.key, row, weekly)


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


def _problem(loaded: _Loaded) -> _Result:
    return _Result(loaded.source, loaded.key,
                   {"patient": loaded.stem, **_empty_row(loaded.problem)}, [])


def _rows(loaded: list[_Loaded], as_of: date | None) -> list[_Result]:
    """:func:`_rows_together`; should a batch fail as a whole, each source alone, so only the
    source that fails says so, in its row."""
    try:
        return _rows_together(loaded, as_of)
    except Exception as error:
        if len(loaded) > 1:
            return [result for item in loaded for result in _rows([item], as_of)]
        loaded[0].problem = _sentence(loaded[0].source, error)
        return [_problem(loaded[0])]


def _rows_together(loaded: list[_Loaded], as_of: date | None) -> list[_Result]:
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


def _check_day(item: _Loaded, as_of: date | None) -> None:
    """A bundle whose chosen period starts after the day the numbers run to gets a problem."""
    if item.problem or item.as_of is not None or as_of is None or item.patient.start is None:
        return
    start = to_day(item.patient.start)
    if start.date() > as_of:
        item.problem = (f"{item.source}: its period starts ({start:%Y-%m-%d}) after the day "
                        f"the numbers run to ({as_of:%Y-%m-%d})")


def read_source(path: Path, fallback_plan: str, *, as_of: date | None = None) -> _Result:
    """One patient's row and weekly series, from one bundle or log folder (``as_of``: the day
    the numbers run to, by default the period's last day; see :func:`load_caseload`)."""
    return _rows([_load_source(Path(path), fallback_plan)], as_of)[0]


def _read_batch(task: tuple[list[str], str, date | None]) -> list[_Result]:
    """Rows of a batch of sources, all analysed in one call."""
    names, fallback_plan, as_of = task
    return _rows(_load_batch(names, fallback_plan), as_of)


# --- the caseload ---------------------------------------------------------------------------------


def find_sources(directory: Path) -> list[Path]:
    """The bundles (``*.zip``) and folders directly inside ``directory``, by name.

    ``directory`` itself counts as one patient when it holds a log. Hidden entries are skipped.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"there is no caseload folder at {folder}")
    found = [entry for entry in sorted(folder.iterdir())
             if not entry.name.startswith(".")
             and (entry.is_dir() or entry.suffix.lower() == ".zip")]
    if any((folder / name).is_file() for name in LOG_NAMES):
        found.insert(0, folder)
    return found


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


MAX_CACHE_BYTES = MAX_BUNDLE_BYTES  # a cache of thousands of rows is a few MB


def _owner_only(path: Path) -> bool:
    """A regular file (not a link) of this user that no one else may read or write."""
    info = os.lstat(path)
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & 0o077)


def _cache_key(folder: Path, *, create: bool) -> bytes | None:
    """The secret the cache's entries are signed with, kept owner-only beside the cache; a
    new one when there is none to trust and ``create`` (the old entries then no longer count)."""
    path = folder / CACHE_KEY_NAME
    with contextlib.suppress(Exception):
        if _owner_only(path):
            key = read_regular(path, CACHE_KEY_BYTES)
            if len(key) == CACHE_KEY_BYTES:
                return key
    if not create:
        return None
    key = secrets.token_bytes(CACHE_KEY_BYTES)
    try:
        write_private(key, path)
    except (OSError, ValueError):
        return None  # a read-only caseload folder still opens, only without a cache
    return key


def _signature(key: bytes, name: str, as_of: date, entry: dict) -> str:
    """HMAC-SHA-256 of one cache entry, its source's name and the day it runs to."""
    text = json.dumps([name, as_of.isoformat(), entry], sort_keys=True)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _load_cache(path: Path, as_of: date) -> dict[str, dict]:
    """The cache's entries that can be trusted: from an owner-only cache of this kit's
    version, each signed with the owner-only key (an edited entry is read again)."""
    try:
        key = _cache_key(path.parent, create=False)
        if key is None or not _owner_only(path):
            return {}
        cached = json.loads(read_regular(path, MAX_CACHE_BYTES).decode("utf-8"))
        if (cached.get("version") == CACHE_VERSION and cached.get("kit") == __version__
                and cached.get("as_of") == as_of.isoformat()):
            trusted = {}
            for name, signed in dict(cached["entries"]).items():
                entry = {k: v for k, v in signed.items() if k != "mac"}
                if hmac.compare_digest(str(signed.get("mac")),
                                       _signature(key, name, as_of, entry)):
                    trusted[name] = entry
            return trusted
    except Exception:  # no cache, one from another version, or not ours: read everything
        pass
    return {}


def _save_cache(path: Path, results: Iterable[_Result], as_of: date,
                stats: dict[str, str]) -> None:
    key = _cache_key(path.parent, create=True)
    if key is None:
        return
    entries = {result.source: {**result.as_json(), "stat": stats.get(result.source)}
               for result in results}
    record = {"version": CACHE_VERSION, "kit": __version__, "as_of": as_of.isoformat(),
              "entries": {name: {**entry, "mac": _signature(key, name, as_of, entry)}
                          for name, entry in entries.items()}}
    # a read-only caseload folder still opens, only without a cache
    with contextlib.suppress(OSError, ValueError):
        write_private(json.dumps(record).encode("utf-8"), path)


def _stat_key(path: Path, fallback_plan: str) -> str | None:
    """Size, times and inode of a source's files (and the plan a folder is read with): while
    they stay the same the files do too, and the cache need not hash them again. None when a
    file changed too recently to tell a later change by its time."""
    folder = _is_folder(path)
    files = [path / name for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME)] \
        if folder else [path]
    parts = [hashlib.sha256(fallback_plan.encode()).hexdigest() if folder else ""]
    plans = path / paths.PLANS_DIR_NAME
    if folder and os.path.lexists(plans):
        if not _is_folder(plans):
            return None
        kept = sorted(entry for entry in plans.iterdir() if is_kept_name(entry.name))
        parts.append(",".join(entry.name for entry in kept))
        files += kept
    now = time.time_ns()
    for file in files:
        try:
            info = os.lstat(file)  # a link's own times: a link is never read, nor cached
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        if now - max(info.st_mtime_ns, info.st_ctime_ns) < RECENT_CHANGE_NS:
            return None
        parts.append(f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}")
    return "/".join(parts)


def _source_key(path: Path, fallback_plan: str) -> str | None:
    try:
        if Path(path).is_symlink():
            return None
        if _is_folder(path):
            return folder_key(folder_files(path), kept_plan_files(path), fallback_plan)
        return content_key(read_regular(path, MAX_BUNDLE_BYTES))
    except Exception:  # a source that cannot be read is read again, and says why in its row
        return None


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
    cached = _load_cache(cache_path, day) if use_cache else {}
    results: dict[Path, _Result] = {}
    todo: list[Path] = []
    # taken before any file is read: kept in the cache only if still the same afterwards
    stats = {source: _stat_key(source, fallback_plan) for source in sources} if use_cache \
        else {}
    for source in sources:
        entry = cached.get(source.name)
        same_stat = stats[source] is not None and stats[source] == entry.get("stat") \
            if entry is not None else False
        if entry is not None and (same_stat
                                  or _source_key(source, fallback_plan) == entry.get("key")):
            results[source] = _from_json(source.name, entry)
        else:
            todo.append(source)
    results.update(zip(todo, _analyse(todo, fallback_plan, workers, day), strict=True))
    ordered = [results[source] for source in sources]
    if use_cache and (ordered or cache_path.exists()):  # an empty folder is left as it was
        unchanged = {source.name: stat for source, stat in stats.items()
                     if stat is not None and _stat_key(source, fallback_plan) == stat}
        same = not todo and set(cached) == {source.name for source in sources} and all(
            entry.get("stat") == unchanged.get(name) for name, entry in cached.items())
        if not same:  # a cache that would be written as it is stays as it is
            _save_cache(cache_path, ordered, day, unchanged)
    return _assemble(ordered, len(todo), day)


def _analyse(todo: list[Path], fallback_plan: str, workers: int | None,
             as_of: date) -> list[_Result]:
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


def _assemble(results: list[_Result], analysed: int, as_of: date) -> Caseload:
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


# --- showing it -----------------------------------------------------------------------------------


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a physiotherapist reads it: rounded, pain as ``baseline → latest`` in the
    report's words (the change as shown agrees with the means as shown and the verdict)."""

    def number(values: pd.Series, spec: str) -> pd.Series:
        return values.map(lambda v: "" if pd.isna(v) else format(v, spec))

    def last_entry(days: float, to_sharing: bool) -> str:
        if pd.isna(days):
            return ""
        if to_sharing:  # a de-identified bundle cannot be dated: measured to its sharing
            return ("on the day of sharing" if days == 0
                    else f"{plural(int(days), 'day')} before sharing")
        return "today" if days == 0 else f"{plural(int(days), 'day')} ago"

    shown = pd.DataFrame({
        "patient": table["patient"],
        "needs a look because": table["why"],
        "weeks": table["weeks"],
        "last session": table["last_session"],
        "last entry": [last_entry(days, shared) for days, shared
                       in zip(table["days_since_entry"], table["to_sharing"], strict=True)],
        "adherence, last 4 weeks (%)": number(table["adherence_4wk"], ".0f"),
        "adherence, overall (%)": number(table["adherence_overall"], ".0f"),
        "pain baseline → latest": table["pain_text"],
        "pain verdict": table["pain_verdict"],
        "outcomes": table["outcomes"],
        "open flags": table["open_flag_kinds"],
        "exercise that hurt": table["exercise_pain"],
        "problem": table["problem"],
    })  # fmt: skip
    return shown


# each tier of the order as the HTML page heads it: a mark that needs no colour, then words
TIERS = {1: ("✖", "Could not be read: fix these files first"),
         2: ("▲", "Needs a look"),
         3: ("●", "Adherence below the cut-off"),
         4: ("○", "Everyone else")}
NUMBER_COLUMNS = ("weeks", "adherence, last 4 weeks (%)", "adherence, overall (%)")
DAY_COLUMNS = ("last session", "last entry")  # kept on one line
CASELOAD_STYLE = (
    "body{font-family:sans-serif;margin:1.5em;color:#1a1a1a}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.day{white-space:nowrap}"
    "h2{font-size:1.1em;margin:1.2em 0 .4em;padding-left:.4em;border-left:6px solid #999}"
    ".tier-1 h2{border-color:#d55e00}.tier-2 h2{border-color:#e69f00}"
    ".tier-3 h2{border-color:#56b4e9}.tier-4 h2{border-color:#999}"
)
PAGE_NOTE = ("Self-reported diaries: associations, not causes; flags are prompts to talk, not "
             "instructions. Not medical advice.")


def caseload_html(caseload: Caseload, *, made: date | None = None) -> str:
    """The caseload as one HTML page: a group per tier with its mark and heading, the reasons
    in words, names isolated (``<bdi>``, so a right-to-left name cannot reorder its row),
    numbers aligned, the day it was made and the day its numbers run to."""
    table = caseload.table
    shown = display_table(table)
    made = made or now_local().date()
    parts = [f"<p>Made {made:%Y-%m-%d}; numbers up to {caseload.as_of:%Y-%m-%d}. "
             f"{plural(len(table), 'patient')}.</p>"]
    for tier, (mark, heading) in TIERS.items():
        rows = shown.loc[(table["priority"] == tier).to_numpy()]
        if rows.empty:
            continue
        # a file that could not be read has a name and its problem, nothing else
        columns = (["patient", "problem"] if tier == 1
                   else [column for column in rows.columns if column != "problem"])
        head = "".join(f"<th{' class=num' if column in NUMBER_COLUMNS else ''}>"
                       f"{escape(column)}</th>" for column in columns)
        body = []
        for record in rows[columns].to_dict("records"):
            cells = []
            for column in columns:
                value = "" if pd.isna(record[column]) else escape(str(record[column]))
                if column == "patient":
                    value = f"<bdi>{value}</bdi>"
                kind = (" class=num" if column in NUMBER_COLUMNS
                        else " class=day" if column in DAY_COLUMNS else "")
                cells.append(f"<td{kind}>{value}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        parts.append(f"<section class='tier-{tier}'><h2><span aria-hidden='true'>{mark}"
                     f"</span> {escape(heading)} ({len(rows)})</h2><table><thead><tr>{head}"
                     f"</tr></thead><tbody>{''.join(body)}</tbody></table></section>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Caseload</title>"
            f"<style>{CASELOAD_STYLE}</style></head><body><h1>Caseload</h1>{''.join(parts)}"
            f"<p>Order: {escape(PRIORITY_RULE)}</p><p>{escape(PAGE_NOTE)}</p></body></html>")


def write_table(caseload: Caseload, out: Path) -> Path:
    """Write the caseload as ``.csv`` (spreadsheet-safe, every number) or ``.html``
    (:func:`caseload_html`)."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return write_export(caseload.table, out)
    if suffix == ".html":
        return write_private(caseload_html(caseload).encode("utf-8"), out)
    raise ValueError(f"the caseload is written as .csv or .html, not {out.name}")


def plot_patient_weeks(weekly: pd.DataFrame, *, title: str = "", ax=None, **kwargs):
    """One patient's weekly adherence (bars, right axis) and weekly mean pain (line).

    ``weekly`` is that patient's rows of :attr:`Caseload.weekly`. Returns the pain Axes.
    """
    from matplotlib.ticker import MaxNLocator

    # deferred: matplotlib is needed only to draw, not to read a caseload
    from ..report.charts import OKABE_ITO, new_axes

    ax = new_axes(ax, (3, 2))
    bars = ax.twinx()
    bars.bar(weekly["week"], weekly["adherence"].clip(upper=150), width=0.8,
             color=OKABE_ITO["sky_blue"], alpha=0.5, hatch="//", edgecolor="white")
    bars.axhline(100, color=OKABE_ITO["blue"], linewidth=0.8, linestyle=":")
    bars.set_ylim(0, 150)
    bars.set_yticks([0, 100])
    bars.tick_params(labelsize=6)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(weekly["week"], weekly["pain"], **{"color": OKABE_ITO["vermillion"], "marker": ".",
                                                "linewidth": 1.5, **kwargs})
    ax.set_ylim(0, 10)
    ax.set_yticks([0, 5, 10])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.tick_params(labelsize=6)
    ax.set_title(title, fontsize=8)
    return ax


def small_multiples(caseload: Caseload, limit: int = 12, columns: int = 4):
    """A grid of :func:`plot_patient_weeks`, one per patient, in the table's order."""
    from matplotlib.figure import Figure

    readable = caseload.table.loc[caseload.table["problem"] == ""].head(limit)
    count = max(len(readable), 1)
    rows = -(-count // columns)
    figure = Figure(figsize=(2.6 * columns, 1.9 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, sharex=False, squeeze=False)).ravel()
    by_source = dict(tuple(caseload.weekly.groupby("source")))
    for ax, row in zip(axes, readable.itertuples(index=False), strict=False):
        plot_patient_weeks(by_source.get(row.source, caseload.weekly.iloc[0:0]),
                           title=str(row.patient), ax=ax)
    for ax in axes[len(readable):]:
        ax.set_visible(False)
    figure.suptitle("Weekly mean pain (line, 0–10, left axis) and sessions as % of the "
                    "weekly target (bars, right axis; dotted: 100 %)", fontsize=9)
    figure.supxlabel("week of follow-up", fontsize=8)
    return figure


STOPS_AFTER_WEEKS = 8  # the demo caseload's second patient stops exercising then


def _demo_weeks(index: int) -> int:
    """How many weeks the demo caseload's patient number ``index`` (from 0) has logged."""
    return 10 + 2 * index


def demo_caseload_day(patients: int = 4) -> date:
    """The day the demo caseload's numbers run to: the last day of its diaries.

    The demo is made from fixed dates, so the notebook shows it as of this day, not today.
    """
    return DEMO_START + timedelta(weeks=_demo_weeks(patients - 1), days=-1)


def write_demo_caseload(folder: Path | str, patients: int = 4) -> Path:
    """A caseload of synthetic demo patients as share bundles, and one damaged bundle.

    Each patient is a demo log (:func:`~backrelief_analysis.log.demo.generate_demo`) with its own
    seed, length and story, so the rows differ; ``damaged.zip`` shows how a problem reads.
    """
    out = Path(folder)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    stories = [DemoStory(), DemoStory(missed_week=9, flare_week=10, pain_start=4.0,
                                      pain_end=6.5),
               DemoStory(missed_week=3, flare_week=4, pain_start=7.0, pain_end=5.5,
                         hurting_weeks=0),
               DemoStory(missed_week=6, flare_week=2, pain_start=5.0, pain_end=1.5,
                         hurting_weeks=2)]
    with tempfile.TemporaryDirectory() as work:
        for index in range(patients):
            log_dir = Path(work) / str(index)
            weeks, story = _demo_weeks(index), stories[index % len(stories)]
            # every diary ends on the demo's day: the patients began at different times
            start = DEMO_START + timedelta(weeks=_demo_weeks(patients - 1) - weeks)
            blocks, entries = generate_demo(weeks, seed=index + 1, plan=plan, start=start,
                                            story=story)
            if index % len(stories) == 1:  # this patient stops exercising after week 8 ...
                cut = start.toordinal() + STOPS_AFTER_WEEKS * 7
                blocks = [b for b in blocks if b.session_started_at.date().toordinal() < cut]
                # ... and so gives no more session scores, only rest-day check-ins
                held = {block.session_id for block in blocks}
                entries = [entry for entry in entries
                           if not entry.session_id or entry.session_id in held]
            store = LogStore(log_dir)
            store.extend_blocks(blocks)
            store.extend_pain(entries)
            store.extend_signals(generate_signals(blocks, entries, weeks, seed=index + 1,
                                                  plan=plan, start=start, story=story))
            for occasion in generate_outcomes(weeks, seed=index + 1, start=start, story=story):
                store.extend_outcomes(occasion)
            write_bundle(log_dir, plan, out / f"demo-patient-{index + 1}.zip",
                         patient=f"Demo patient {index + 1}",
                         source_note="Synthetic demo data, not a real patient.")
    (out / "damaged.zip").write_bytes(b"PK\x03\x04 this bundle was cut short in transit")
    return out


__all__ = [
    "CACHE_NAME",
    "CACHE_VERSION",
    "COLUMNS",
    "PRIORITY_RULE",
    "Caseload",
    "caseload_html",
    "content_key",
    "demo_caseload_day",
    "display_table",
    "find_sources",
    "folder_files",
    "load_caseload",
    "outcome_summary",
    "plot_patient_weeks",
    "read_source",
    "small_multiples",
    "write_demo_caseload",
    "write_table",
]
