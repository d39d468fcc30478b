"""Opening one patient's bundle or log folder: checked, read with the store's own loader, and
any problem made that patient's one sentence, never everyone's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from .. import paths
from ..analysis.periods import DayLike, period_bounds
from ..log.plans import kept_plans, plan_for_log
from ..log.store import Log, LogError, Logs, read_logs
from ..plan import Plan, PlanError, parse_plan
from ..share.bundle import (
    LOG_NAMES,
    MAX_BUNDLE_BYTES,
    OPTIONAL_NAMES,
    PLAN_NAME,
    SHARED_DAYS,
    BundleError,
    load_files,
    open_bundle,
    read_regular,
)
from .cache import content_key, folder_key
from .files import folder_files, is_folder, kept_plan_files


@dataclass(frozen=True)
class Patient:
    """One loaded patient: the log, the plan, the report's period (None: the log's own)."""

    log: Log
    plan: Plan
    start: DayLike = None
    end: DayLike = None


_KIT_ERRORS = (BundleError, PlanError, tomllib.TOMLDecodeError, UnicodeDecodeError, OSError,
               ValueError)  # problems the kit says in its own sentence


def source_sentence(label: str, error: BaseException) -> str:
    """Any error met while opening or reading one source, as that row's one sentence."""
    if isinstance(error, _KIT_ERRORS):
        return first_sentence(error)  # type: ignore[arg-type]
    if isinstance(error, MemoryError):
        return f"{label} is too large to read"
    if isinstance(error, RecursionError):
        return f"{label} holds data nested too deeply to read"
    return f"{label} could not be read ({type(error).__name__})"


def first_sentence(error: Exception) -> str:
    if isinstance(error, LogError) and error.problems:
        more = len(error.problems) - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"{error.problems[0]}{extra}"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


@dataclass
class Loaded:
    """One source after reading: its key, name and patient, or the problem that stopped it.

    Between :func:`open_source` and :func:`finish_source` it holds the files, plan and period.
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


def open_source(path: Path, fallback_plan: str) -> Loaded:
    """A bundle checked and opened, or a log folder's files, with the plan; any problem
    becomes one sentence."""
    label = path.name
    loaded = Loaded(label, path.stem, "")
    try:
        if Path(path).is_symlink():
            raise BundleError(f"{label} is a link, and links are not followed")
        if is_folder(path):
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
        loaded.problem = source_sentence(label, error)
        loaded.files = None
    return loaded


def _manifest_end(manifest: dict) -> date | None:
    """The last day of a bundle's period as its manifest records it (None when it does not)."""
    period = manifest.get("period")
    try:
        return date.fromisoformat(period["end"])
    except (TypeError, KeyError, ValueError):
        return None


def finish_source(loaded: Loaded, read: Callable[[], tuple]) -> Loaded:
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
        loaded.problem = source_sentence(loaded.source, error)
    loaded.files = None
    return loaded


def load_source(path: Path, fallback_plan: str, workdir: Path | None = None) -> Loaded:
    """Read one bundle or log folder with the store's own loader; any problem becomes one
    sentence."""
    loaded = open_source(path, fallback_plan)
    if loaded.problem:
        return loaded
    return finish_source(loaded, partial(load_files, loaded.files, workdir))


def load_batch(names: list[str], fallback_plan: str) -> list[Loaded]:
    """:func:`load_source` of many sources, their logs read at once by the store
    (:func:`~backrelief_analysis.log.store.read_logs`)."""
    def log_and_notes(logs: Logs, patient: int) -> tuple[Log, list[str]]:
        return logs.log(patient), [note.splitlines()[0] for note in logs.warned[patient]]

    loaded = [open_source(Path(name), fallback_plan) for name in names]
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
        finish_source(item, read)
    return loaded


__all__ = [
    "Loaded",
    "Patient",
    "finish_source",
    "first_sentence",
    "load_batch",
    "load_source",
    "open_source",
    "source_sentence",
]
