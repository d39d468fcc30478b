"""The caseload: one row per patient for the physiotherapist, from bundles and log folders.

Every ``.zip`` bundle and every log folder directly inside a folder is one patient. Each row's
numbers are those of that patient's own report (:func:`~backrelief_analysis.progress.summarise`):
:func:`patient_numbers` takes them from the report's own functions, one patient at a time, and
:mod:`~backrelief_analysis.caseload_fast` computes the same for a batch of patients at once;
every batch checks one patient against :func:`patient_numbers` and falls back to it for the
whole batch when they differ. The columns:

- ``weeks``: ISO weeks of the period; ``last_session``: the day of the last counted session;
- ``adherence_overall``: the report's adherence; ``adherence_4wk``: the same measure over the
  last four ISO weeks of the period (from the Monday of the fourth-last week, as notebook 02's
  "part of the period" example);
- ``pain_baseline``, ``pain_latest``, ``pain_change``, ``pain_change_percent``, ``pain_verdict``:
  the report's baseline comparison, and ``pain_text`` the same as the report words it
  (``6.6 → 5.1 (-1.5, -22 %)``, from :func:`~backrelief_analysis.pain.judge_change`);
- ``open_flags``: flags of the period that reach into those last four weeks, by kind;
- ``problem``: why a patient could not be read, in one sentence (the other columns are empty).

Which patients come first (:data:`PRIORITY_RULE`): unreadable ones, then meaningfully worse pain,
a meaningfully worse questionnaire score or open flags, then adherence below the plan's cut-off
over the last four weeks, then the rest.

Bad input never costs the rest: a batch's log files are read together
(:mod:`~backrelief_analysis.caseload_logs`) only where that gives each patient exactly the store's
own reading; any other patient is read by the store on its own, and any problem becomes that
row's ``problem``. A cache beside the bundles (:data:`CACHE_NAME`, JSON) keeps each patient's
row under the SHA-256 of its files, so a second opening reads each file once and analyses
only what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, paths
from .bundle import (
    LOG_NAMES,
    OPTIONAL_NAMES,
    PLAN_NAME,
    BundleError,
    load_files,
    open_bundle,
)
from .outcomes import OUTCOME_NEEDS, PATIENT, Verdict, outcome_changes_by_patient
from .plan import Plan, PlanError, Thresholds, parse_plan
from .words_outcomes import caseload_outcome_text, measures_text

CACHE_NAME = ".backrelief-caseload.json"
CACHE_VERSION = 3  # 2: rows carry pain_text; 3: and the outcome verdicts
RECENT_WEEKS = 4
PARALLEL_FROM = 24  # fewer patients than this are read in this process: workers cost ~1 s
CHUNK = 125  # most patients per task sent to a worker (each task checks one exactly)
FALLBACK_NOTE = "analysed one patient at a time (the fast engine disagreed with the report's)"
PRIORITY_RULE = (
    "1. patients whose files could not be read (fix them first); "
    "2. pain meaningfully worse than at baseline, a questionnaire score meaningfully worse than "
    "the first, or a flag in the last four weeks; "
    "3. adherence over the last four weeks below the plan's cut-off; "
    "4. everyone else. Within a group: worse pain first, then worse questionnaire scores, then "
    "more open flags, then lower "
    "adherence over the last four weeks, then by name."
)
FLAG_WORDS = {"pain_after": "high pain after", "not_settled": "not settled next day",
              "rising": "weekly pain rising", "flare": "flare-up"}  # short, for a table cell
COLUMNS = ("patient", "source", "priority", "why", "weeks", "period_start", "period_end",
           "last_session", "adherence_4wk", "adherence_overall", "pain_baseline", "pain_latest",
           "pain_change", "pain_change_percent", "pain_verdict", "pain_text", "outcomes",
           "open_flags",
           "open_flag_kinds", "flags_total", "note", "problem")
WEEKLY_COLUMNS = ("source", "week", "week_start", "pain", "adherence")


# --- one patient ----------------------------------------------------------------------------------


def partial_summary(plan: Plan, start, end, **parts):
    """A ProgressSummary holding only the parts the caseload needs (the others are None).

    Its properties (``adherence_percent``, ``sessions_done``) are the report's own, so the
    caseload takes those definitions rather than restating them.
    """
    from .progress import ProgressSummary

    given = {"plan": plan, "start": start, "end": end, **parts}
    return ProgressSummary(**{f.name: given.get(f.name) for f in fields(ProgressSummary)})


def patient_numbers(log, plan: Plan, *, start=None, end=None) -> tuple[dict, pd.DataFrame]:
    """The caseload row and weekly series of one patient's log.

    The calls and their period are those of :func:`~backrelief_analysis.progress.summarise`,
    limited to what the row shows; ``tests/test_caseload.py`` checks the numbers against it.

    Returns
    -------
    tuple
        The row (a dict of :data:`COLUMNS` without ``patient``/``source``/``priority``/``why``)
        and a frame ``week``, ``week_start``, ``pain`` (weekly mean), ``adherence`` (% of target).
    """
    from . import adherence, flags, pain
    from .periods import period_bounds
    from .progress import restrict_log

    first, last = period_bounds([log.exercise["date"], log.pain["date"]], start, end)
    if first is None:
        return _empty_row("the log has no entries yet"), _no_weeks()
    window = restrict_log(log, first, last)
    ex, pn, th = window.exercise, window.pain, plan.thresholds
    period = {"start": first, "end": last}
    table = adherence.sessions(ex)
    weekly = adherence.weekly_adherence(table, plan, **period)
    daily = pain.daily_pain(pn, **period)
    weekly_pain = pain.weekly_pain(pn, **period, daily=daily)
    # the baseline comes from the whole log, whatever the period (as summarise takes it)
    baseline = pain.baseline_change(log.pain, th, **period, daily=daily)
    effects = pain.session_effects(pn, table, **period)
    flag_table = flags.all_flags(pn, th, **period, daily=daily, effects=effects)
    whole = partial_summary(plan, first, last, sessions=table, weekly_adherence=weekly)
    recent_from = weekly["week_start"].iloc[-RECENT_WEEKS:].iloc[0]
    recent = partial_summary(
        plan, max(recent_from, first), last,
        sessions=table.loc[table["date"] >= recent_from],
        weekly_adherence=weekly.iloc[-RECENT_WEEKS:].reset_index(drop=True))
    done = table.loc[table["counted"], "date"]
    kinds = flag_table.loc[flag_table["end_date"] >= recent_from, "kind"].value_counts()
    row = _row(first, last, weeks=len(weekly), last_session=done.max() if len(done) else None,
               adherence_4wk=recent.adherence_percent, adherence_overall=whole.adherence_percent,
               baseline=baseline, open_kinds=kinds.to_dict(), flags_total=len(flag_table),
               cutoff=th.adherence_percent,
               outcomes=outcome_summary(log, plan, end=end, last=last))
    weeks = pd.DataFrame({
        "week": np.arange(1, len(weekly) + 1),
        "week_start": weekly["week_start"].dt.strftime("%Y-%m-%d"),
        "pain": weekly_pain["mean"].to_numpy(dtype="float64"),
        "adherence": weekly["percent"].to_numpy(dtype="float64"),
    })  # fmt: skip
    return row, weeks


def _flag_order(kinds: Iterable[str]) -> list[str]:
    from .flags import FLAG_TITLES

    present = set(kinds)
    return ([kind for kind in FLAG_TITLES if kind in present]
            + sorted(present - set(FLAG_TITLES)))


def _row(first, last, *, weeks: int, last_session, adherence_4wk: float,
         adherence_overall: float, baseline, open_kinds: dict, flags_total: int, cutoff: float,
         outcomes: OutcomeCell) -> dict:
    """A caseload row from its numbers (both engines build their rows here)."""
    return {
        "weeks": int(weeks),
        "period_start": f"{first:%Y-%m-%d}",
        "period_end": f"{last:%Y-%m-%d}",
        "last_session": "" if last_session is None or pd.isna(last_session)
        else f"{last_session:%Y-%m-%d}",
        "adherence_4wk": float(adherence_4wk),
        "adherence_overall": float(adherence_overall),
        "pain_baseline": float(baseline.baseline),
        "pain_latest": float(baseline.latest),
        "pain_change": float(baseline.change_points),
        "pain_change_percent": float(baseline.change_percent),
        "pain_verdict": baseline.verdict,
        "pain_text": baseline.shown,
        "outcomes": outcomes.text,
        "_outcome_verdicts": outcomes.verdicts,
        "open_flags": int(sum(open_kinds.values())),
        "open_flag_kinds": ", ".join(f"{open_kinds[kind]} × {FLAG_WORDS.get(kind, kind)}"
                                     for kind in _flag_order(open_kinds)),
        "flags_total": int(flags_total),
        "note": "",
        "problem": "",
        "_cutoff": float(cutoff),
    }


@dataclass(frozen=True)
class OutcomeCell:
    """A patient's outcome questionnaires in the caseload: the cell's text and, for the order,
    each measure's typed verdict (measure id to :class:`~backrelief_analysis.outcomes.Verdict`)."""

    text: str = ""
    verdicts: dict[str, Verdict] = field(default_factory=dict)


def outcome_cells(answers: list[pd.DataFrame | None], thresholds: list[Thresholds],
                  until: list) -> list[OutcomeCell]:
    """The outcome cells of a batch of patients, from one keyed
    :func:`~backrelief_analysis.outcomes.outcome_changes_by_patient` call.

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
                                   {row.measure: row.verdict for row in measures})
    return cells


def outcome_summary(log, plan: Plan, *, end=None, last=None) -> OutcomeCell:
    """The latest outcome scores (PEG, PSFS, ODI, RMDQ) with their verdicts, as short text
    and as typed verdicts.

    As in :func:`~backrelief_analysis.progress.summarise`: the first questionnaire of the whole
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
               _cutoff=float("nan"), _outcome_verdicts={})
    return row


def _no_weeks() -> pd.DataFrame:
    return pd.DataFrame({"week": pd.Series(dtype="int64"), "week_start": pd.Series(dtype=str),
                         "pain": pd.Series(dtype="float64"),
                         "adherence": pd.Series(dtype="float64")})


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
    from .store import LogError

    if isinstance(error, LogError) and error.problems:
        more = len(error.problems) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"{error.problems[0]}{extra}"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes()
            for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME) if (folder / name).is_file()}


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


_READ_ERRORS = (BundleError, PlanError, tomllib.TOMLDecodeError, UnicodeDecodeError, OSError,
                ValueError)


@dataclass
class _Loaded:
    """One source after reading: its key, name and patient, or the problem that stopped it.

    Between :func:`_open_source` and :func:`_finish` it holds the files, plan and period.
    """

    source: str
    stem: str
    key: str
    name: str = ""
    patient: object = None  # caseload_fast.Patient
    notes: str = ""
    problem: str = ""
    files: dict | None = None
    plan: Plan | None = None
    period: tuple = (None, None)


def _open_source(path: Path, fallback_plan: str) -> _Loaded:
    """A bundle checked and opened, or a log folder's files, with the plan; any problem
    becomes one sentence."""
    label = path.name
    loaded = _Loaded(label, path.stem, "")
    try:
        if path.is_dir():
            files = _folder_files(path)
            loaded.key = content_key(files, fallback_plan)
            if not any(name in files for name in LOG_NAMES):
                raise BundleError(f"the folder {label} holds no log (no {LOG_NAMES[0]} or "
                                  f"{LOG_NAMES[1]})")
            plan_text = files.get(PLAN_NAME, b"").decode("utf-8") or fallback_plan
            loaded.plan = parse_plan(tomllib.loads(plan_text), source=Path(f"{label}:{PLAN_NAME}"))
            loaded.name = label
        else:
            data = path.read_bytes()
            loaded.key = content_key(data)
            opened = open_bundle(data, label)
            files, loaded.plan = opened.files, opened.plan
            loaded.name, loaded.period = opened.patient or path.stem, (opened.start, opened.end)
        loaded.files = files
    except _READ_ERRORS as error:
        loaded.problem = _first_sentence(error)
    return loaded


def _finish(loaded: _Loaded, read: Callable[[], tuple]) -> _Loaded:
    """An opened source's log (``read()`` gives the log and its notes) and period checked."""
    from .caseload_fast import Patient
    from .periods import period_bounds

    try:
        log, notes = read()
        start, end = loaded.period
        # a period the manifest names must make sense before any analysis sees it
        period_bounds([log.exercise["date"], log.pain["date"]], start, end)
        loaded.patient = Patient(log, loaded.plan, start, end)
        loaded.notes = "; ".join(notes)
    except _READ_ERRORS as error:
        loaded.problem = _first_sentence(error)
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
    """:func:`_load_source` of many sources: the logs the batch reader takes
    (:func:`~backrelief_analysis.caseload_logs.load_many`) at once, the others one by one."""
    import tempfile

    from .caseload_logs import load_many

    loaded = [_open_source(Path(name), fallback_plan) for name in names]
    opened = [item for item in loaded if not item.problem]
    try:
        logs = load_many([item.files for item in opened], [item.source for item in opened])
    except Exception:  # the store's own reading below is the reference; never worse than it
        logs = [None] * len(opened)
    with tempfile.TemporaryDirectory(prefix="backrelief-caseload-") as workdir:
        for item, log in zip(opened, logs, strict=True):
            _finish(item, (lambda log=log: (log, [])) if log is not None
                    else partial(load_files, item.files, Path(workdir)))
    return loaded


def _result(loaded: _Loaded, row: dict, weekly: pd.DataFrame) -> _Result:
    row = {"patient": loaded.name, **row, "note": loaded.notes}
    weekly_rows = weekly.replace({np.nan: None}).to_numpy().tolist()
    return _Result(loaded.source, loaded.key, row, weekly_rows)


def _exact(loaded: _Loaded) -> _Result:
    patient = loaded.patient
    try:
        row, weekly = patient_numbers(patient.log, patient.plan, start=patient.start,
                                      end=patient.end)
    except (ValueError, KeyError, TypeError) as error:  # never let one patient stop the rest
        loaded.problem = f"{loaded.source} could not be analysed ({_first_sentence(error)})"
        return _problem(loaded)
    return _result(loaded, row, weekly)


def read_source(path: Path, fallback_plan: str) -> _Result:
    """One patient's row, from the report's own functions (the reference for every row)."""
    loaded = _load_source(path, fallback_plan)
    if loaded.problem:
        return _problem(loaded)
    return _exact(loaded)


def _problem(loaded: _Loaded) -> _Result:
    return _Result(loaded.source, loaded.key,
                   {"patient": loaded.stem, **_empty_row(loaded.problem)}, [])


def _same(one: _Result, two: _Result) -> bool:
    """Equal rows and series (NaN equal to NaN)."""
    return _json_row(one.row) == _json_row(two.row) and one.weekly == two.weekly


def _with_note(result: _Result, note: str) -> _Result:
    result.row["note"] = "; ".join(filter(None, [result.row["note"], note]))
    return result


def _read_batch(paths_and_plan: tuple[list[str], str]) -> list[_Result]:
    """Rows of a batch of sources: the vectorised engine, checked on one patient.

    The patient with the most weeks is also analysed by the report's own functions; when the two
    differ (a definition changed in the analysis modules and not here) the whole batch is
    analysed one patient at a time, so a row is never other than the report's.
    """
    from .caseload_fast import caseload_columns

    names, fallback_plan = paths_and_plan
    loaded = _load_batch(names, fallback_plan)
    readable = [item for item in loaded if not item.problem]
    try:
        patients = [item.patient for item in readable]
        numbers, series = caseload_columns(patients, RECENT_WEEKS)
        cells = outcome_cells(
            [getattr(patient.log, "outcomes", None) for patient in patients],
            [patient.plan.thresholds for patient in patients],
            [got["last"] if got and patient.end is not None else None
             for patient, got in zip(patients, numbers, strict=True)])
    except Exception:
        return [_with_note(_exact(item), FALLBACK_NOTE) if not item.problem else _problem(item)
                for item in loaded]
    by_p = dict(tuple(series.groupby("p", sort=False)))
    fast: dict[int, _Result] = {}
    for index, (item, got) in enumerate(zip(readable, numbers, strict=True)):
        if got is None:
            fast[id(item)] = _result(item, _empty_row("the log has no entries yet"), _no_weeks())
            continue
        row = _row(got["first"], got["last"], weeks=got["weeks"],
                   last_session=got["last_session"], adherence_4wk=got["adherence_4wk"],
                   adherence_overall=got["adherence_overall"], baseline=got["baseline"],
                   open_kinds=got["open_kinds"], flags_total=got["flags_total"],
                   cutoff=item.patient.plan.thresholds.adherence_percent,
                   outcomes=cells[index])
        weeks = by_p[index].drop(columns="p").reset_index(drop=True)
        weeks["week_start"] = weeks["week_start"].dt.strftime("%Y-%m-%d")
        fast[id(item)] = _result(item, row, weeks)
    if readable:
        probe = max(readable, key=lambda item: len(fast[id(item)].weekly))
        if not _same(fast[id(probe)], _exact(probe)):
            fast = {id(item): _with_note(_exact(item), FALLBACK_NOTE) for item in readable}
    return [fast[id(item)] if not item.problem else _problem(item) for item in loaded]


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

    @property
    def problems(self) -> pd.DataFrame:
        """The rows of patients that could not be read."""
        return self.table.loc[self.table["problem"] != ""]


def worse_outcomes(verdicts: pd.Series) -> pd.Series:
    """The questionnaires (``"ODI, PEG"``) whose latest score is meaningfully worse than the
    first, from each row's typed verdicts (a dict of measure to
    :class:`~backrelief_analysis.outcomes.Verdict`, as :class:`OutcomeCell` holds them); empty
    when none is."""
    return verdicts.map(lambda given: measures_text(
        measure for measure, verdict in (given or {}).items()
        if Verdict(verdict) is Verdict.WORSENED)).astype(object)


def _priority(table: pd.DataFrame) -> pd.DataFrame:
    worse = table["pain_verdict"].eq("meaningful worsening")
    asked_worse = worse_outcomes(table["_outcome_verdicts"])
    scored_worse = asked_worse != ""
    low = table["adherence_4wk"] < table["_cutoff"]
    problem = table["problem"] != ""
    tier = np.select([problem, worse | scored_worse | (table["open_flags"] > 0), low],
                     [1, 2, 3], default=4)
    why = pd.Series("", index=table.index, dtype=object)
    why = why.mask(problem, "could not be read")
    reasons = [(worse, "pain worse than baseline"),
               (scored_worse, asked_worse + " worse than the first questionnaire"),
               (table["open_flags"] > 0, table["open_flags"].astype(str) + " open flag(s)"),
               (low, "adherence below cut-off, last 4 weeks")]
    for condition, text in reasons:
        joined = why.where(why == "", why + "; ") + text
        why = why.mask(condition & ~problem, joined)
    table = table.assign(priority=tier, why=why, _worse=~worse, _scored=~scored_worse,
                         _flags=-table["open_flags"],
                         _adh=table["adherence_4wk"].fillna(-1.0),
                         _name=table["patient"].str.casefold())
    order = ["priority", "_worse", "_scored", "_flags", "_adh", "_name", "source"]
    table = table.sort_values(order, kind="stable")
    return table.drop(columns=[*order[1:-1], "_cutoff", "_outcome_verdicts"]).reset_index(
        drop=True)


def _load_cache(path: Path) -> dict[str, dict]:
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("version") == CACHE_VERSION and cached.get("kit") == __version__:
            return dict(cached["entries"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache, or one from another version: read everything
    return {}


def _save_cache(path: Path, results: Iterable[_Result]) -> None:
    from .store import write_private

    record = {"version": CACHE_VERSION, "kit": __version__,
              "entries": {result.source: result.as_json() for result in results}}
    # a read-only caseload folder still opens, only without a cache
    with contextlib.suppress(OSError, ValueError):
        write_private(json.dumps(record).encode("utf-8"), path)


def _source_key(path: Path, fallback_plan: str) -> str | None:
    try:
        if path.is_dir():
            return content_key(_folder_files(path), fallback_plan)
        return content_key(path.read_bytes())
    except OSError:
        return None


def load_caseload(directory: Path | str, plan_path: Path | str | None = None, *,
                  workers: int | None = None, use_cache: bool = True) -> Caseload:
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

    Returns
    -------
    Caseload
    """
    folder = Path(directory)
    sources = find_sources(folder)
    plan_file = Path(plan_path) if plan_path is not None else paths.plan_file()
    fallback_plan = plan_file.read_text(encoding="utf-8")
    cache_path = folder / CACHE_NAME
    cached = _load_cache(cache_path) if use_cache else {}
    results: dict[Path, _Result] = {}
    todo: list[Path] = []
    for source in sources:
        entry = cached.get(source.name)
        if entry is not None and _source_key(source, fallback_plan) == entry.get("key"):
            results[source] = _from_json(source.name, entry)
        else:
            todo.append(source)
    results.update(zip(todo, _analyse(todo, fallback_plan, workers), strict=True))
    ordered = [results[source] for source in sources]
    if use_cache and (ordered or cache_path.exists()):  # an empty folder is left as it was
        _save_cache(cache_path, ordered)
    return _assemble(ordered, len(todo))


def _analyse(todo: list[Path], fallback_plan: str, workers: int | None) -> list[_Result]:
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or (len(todo) < PARALLEL_FROM and workers is None):
        return _read_batch(([str(path) for path in todo], fallback_plan))
    size = max(1, min(CHUNK, -(-len(todo) // max(count, 1))))
    chunks = [([str(path) for path in todo[i:i + size]], fallback_plan)
              for i in range(0, len(todo), size)]
    context = get_context("forkserver")
    context.set_forkserver_preload(["backrelief_analysis.caseload"])
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return [result for batch in pool.map(_read_batch, chunks) for result in batch]


def _assemble(results: list[_Result], analysed: int) -> Caseload:
    rows = [{"source": result.source, **result.row} for result in results]
    hidden = [*COLUMNS, "_cutoff", "_outcome_verdicts"]
    table = pd.DataFrame(rows, columns=hidden) if rows else pd.DataFrame(columns=hidden)
    for column in ("weeks", "open_flags", "flags_total"):
        table[column] = table[column].astype("int64")
    for column in ("adherence_4wk", "adherence_overall", "pain_baseline", "pain_latest",
                   "pain_change", "pain_change_percent", "_cutoff"):
        table[column] = table[column].astype("float64")
    table = _priority(table)[list(COLUMNS)]
    weekly_rows = [[result.source, *week] for result in results for week in result.weekly]
    weekly = pd.DataFrame(weekly_rows, columns=list(WEEKLY_COLUMNS))
    weekly = weekly.astype({"week": "int64", "pain": "float64", "adherence": "float64"})
    return Caseload(table, weekly, analysed)


# --- showing it -----------------------------------------------------------------------------------


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a physiotherapist reads it: rounded, pain as ``baseline → latest`` in the
    report's words (the change as shown agrees with the means as shown and the verdict)."""

    def number(values: pd.Series, spec: str) -> pd.Series:
        return values.map(lambda v: "" if pd.isna(v) else format(v, spec))

    shown = pd.DataFrame({
        "patient": table["patient"],
        "needs a look because": table["why"],
        "weeks": table["weeks"],
        "last session": table["last_session"],
        "adherence, last 4 weeks (%)": number(table["adherence_4wk"], ".0f"),
        "adherence, overall (%)": number(table["adherence_overall"], ".0f"),
        "pain baseline → latest": table["pain_text"],
        "pain verdict": table["pain_verdict"],
        "outcomes": table["outcomes"],
        "open flags": table["open_flag_kinds"],
        "problem": table["problem"],
    })  # fmt: skip
    return shown


def write_table(caseload: Caseload, out: Path) -> Path:
    """Write the caseload as ``.csv`` (spreadsheet-safe, every number) or ``.html``."""
    from .export import write_export
    from .store import write_private

    suffix = out.suffix.lower()
    if suffix == ".csv":
        return write_export(caseload.table, out)
    if suffix == ".html":
        from html import escape

        body = display_table(caseload.table).to_html(index=False, escape=True, na_rep="")
        page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Caseload</title>"
                "<style>body{font-family:sans-serif}td,th{padding:2px 6px;"
                "border-bottom:1px solid #ddd}</style></head><body><h1>Caseload</h1>"
                f"<p>Order: {escape(PRIORITY_RULE)}</p>{body}<p>Self-reported diaries: "
                "associations, not causes; flags are prompts to talk, not instructions. "
                "Not medical advice.</p></body></html>")
        return write_private(page.encode("utf-8"), out)
    raise ValueError(f"the caseload is written as .csv or .html, not {out.name}")


def plot_patient_weeks(weekly: pd.DataFrame, *, title: str = "", ax=None, **kwargs):
    """One patient's weekly adherence (bars, right axis) and weekly mean pain (line).

    ``weekly`` is that patient's rows of :attr:`Caseload.weekly`. Returns the pain Axes.
    """
    from matplotlib.ticker import MaxNLocator

    from .charts import OKABE_ITO, new_axes

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


def write_demo_caseload(folder: Path | str, patients: int = 4) -> Path:
    """A caseload of synthetic demo patients as share bundles, and one damaged bundle.

    Each patient is a demo log (:func:`~backrelief_analysis.demo.generate_demo`) with its own
    seed, length and story, so the rows differ; ``damaged.zip`` shows how a problem reads.
    """
    import tempfile

    from .bundle import write_bundle
    from .demo import DemoStory, generate_demo, generate_outcomes
    from .plan import load_plan
    from .store import LogStore

    out = Path(folder)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    stories = [DemoStory(), DemoStory(missed_week=9, flare_week=10, pain_start=4.0,
                                      pain_end=6.5),
               DemoStory(missed_week=3, flare_week=4, pain_start=7.0, pain_end=5.5),
               DemoStory(missed_week=6, flare_week=2, pain_start=5.0, pain_end=1.5)]
    with tempfile.TemporaryDirectory() as work:
        for index in range(patients):
            log_dir = Path(work) / str(index)
            weeks, story = 10 + 2 * index, stories[index % len(stories)]
            blocks, entries = generate_demo(weeks, seed=index + 1, plan=plan, story=story)
            if index % len(stories) == 1:  # this patient stops exercising after week 8
                cut = entries[0].recorded_at.date().toordinal() + 8 * 7
                blocks = [b for b in blocks if b.session_started_at.date().toordinal() < cut]
            store = LogStore(log_dir)
            store.extend_blocks(blocks)
            store.extend_pain(entries)
            for occasion in generate_outcomes(weeks, seed=index + 1, story=story):
                store.extend_outcomes(occasion)
            write_bundle(log_dir, plan, out / f"demo-patient-{index + 1}.zip",
                         patient=f"Demo patient {index + 1}",
                         source_note="Synthetic demo data, not a real patient.")
    (out / "damaged.zip").write_bytes(b"PK\x03\x04 this bundle was cut short in transit")
    return out


__all__ = ["CACHE_NAME", "CACHE_VERSION", "COLUMNS", "PRIORITY_RULE", "Caseload", "content_key",
           "display_table", "find_sources", "load_caseload", "outcome_summary", "patient_numbers",
           "plot_patient_weeks", "read_source", "small_multiples", "write_demo_caseload",
           "write_table"]
