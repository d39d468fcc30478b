"""The log store: three append-only CSV files, declared in :mod:`.schema`, that never lose a row.

Writing
    One append is one ``os.write`` to a file opened with ``O_APPEND``, under a lock on a separate
    lock file, then fsynced; new files and the folder are owner-only. Before writing, the append
    heals what an interrupted write left: a torn header is rewritten, a whole last row without its
    newline gets one, and a torn last row (one that does not parse) moves to ``<file>.torn``.
Reading
    :func:`load_log` never changes a file. pandas parses; every cell is checked against the
    schema; one :class:`LogError` lists every problem by file, line, column and reason. A torn
    last row is left out with a :class:`TornLineWarning`, and ``Log.set_aside`` says so in words.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import re
import tempfile
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from filelock import FileLock

from .. import paths
from .schema import (
    ERA_REASON,
    EXERCISE,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_OFFSET_HOURS,
    OFFSET_REASON,
    OUTCOMES,
    PAIN,
    SCORE_RANGES,
    SHAPE_REASON,
    SIGNAL_VALUES,
    SIGNALS,
    TABLES,
    Column,
    Table,
)

EXERCISE_COLUMNS = EXERCISE.names
PAIN_COLUMNS = PAIN.names
OUTCOME_COLUMNS = OUTCOMES.names
SIGNAL_COLUMNS = SIGNALS.names
STATUSES = EXERCISE["status"].choices or ()
SIDES = EXERCISE["side"].choices or ()
CONTEXTS = PAIN["context"].choices or ()
FLARES = PAIN["flare"].choices or ()
MEASURES = tuple(SCORE_RANGES)
PEG_ITEMS = ("pain", "enjoyment", "activity")
PSFS_MAX_ACTIVITIES = 5
FILE_MODE = 0o600
DIR_MODE = 0o700
SHOWN_PROBLEMS = 50
# ASCII digits only (Python's \d takes other scripts' digits); to_datetime then judges the values
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
                        r"(?:[+-][0-9]{2}:[0-9]{2}|Z)")

HEADER_AND_A_ROW = 2  # a file shorter than this holds no row that could be torn
LINES_SHOWN = 10  # line numbers listed in one sentence about repeated rows
VALUE_SHOWN = 40  # a bad value is quoted in its problem up to this many characters
MAX_DIGIT = 9
MONTHS, HOURS, SIXTY = 12, 24, 60  # a month of the year, an hour of the day, minutes, seconds


class LogError(ValueError):
    """A log that cannot be used; ``problems`` lists each one with file, line and column."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"  {problem}" for problem in self.problems[:SHOWN_PROBLEMS]]
        if count > SHOWN_PROBLEMS:
            lines.append(f"  ... and {count - SHOWN_PROBLEMS} more")
        super().__init__("\n".join([f"{count} problem{'s' if count != 1 else ''} in the log:",
                                    *lines]))


class TornLineWarning(UserWarning):
    """A torn last row (an interrupted write) was left out, or set aside by an append."""


class DuplicateRowWarning(UserWarning):
    """Two rows of a log file are exactly the same."""


@dataclass(frozen=True)
class Problem:
    """One problem in a log file."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line is not None else "")
        column = f", column '{self.column}'" if self.column else ""
        return f"{where}{column}: {self.reason}"


@dataclass(frozen=True)
class ExerciseBlock:
    """One exercise block (one exercise, one side) of a session: a row of exercise_log.csv."""

    session_id: str
    session_started_at: datetime
    exercise: str
    side: str
    reps_target: int
    reps_done: int
    hold_s_target: float
    hold_s_mean: float | None
    status: str
    logged_at: datetime | None = None


@dataclass(frozen=True)
class PainEntry:
    """One pain score the user reported: a row of pain_log.csv."""

    recorded_at: datetime
    pain: int
    context: str
    session_id: str = ""
    flare: str = ""
    note: str = ""


@dataclass(frozen=True)
class OutcomeEntry:
    """One item of an outcome questionnaire: a row of outcomes_log.csv.

    The rows of one occasion (a set) share ``set_id`` and are written together with
    :meth:`LogStore.extend_outcomes`.
    """

    recorded_at: datetime
    set_id: str
    measure: str
    item: str
    score: int
    note: str = ""


@dataclass(frozen=True)
class SignalEntry:
    """One thing a patient tapped: a row of signals_log.csv.

    ``signal`` and ``value`` as :data:`~.schema.SIGNAL_VALUES` allows. A ``stop_reason``
    names the block (``session_id``, ``exercise``, ``side``) it is about; ``felt`` and
    ``hurt`` the session and exercise; a ``barrier`` the day it is about, ``days_ago`` days
    before the day it was given (0: that day).
    """

    recorded_at: datetime
    signal: str
    value: str
    session_id: str = ""
    exercise: str = ""
    side: str = ""
    days_ago: int | None = None
    note: str = ""


def signal_problem(entry: SignalEntry) -> str | None:
    """Why ``entry`` is not a row the loader accepts (None when it is)."""
    allowed = SIGNAL_VALUES.get(entry.signal, ())
    if entry.value not in allowed:
        return f"a {entry.signal} must be one of {', '.join(allowed)} (got {entry.value!r})"
    if entry.signal == "barrier":
        if entry.days_ago is None:
            return "a barrier needs days_ago (the day it is about)"
        if entry.session_id or entry.exercise or entry.side:
            return "a barrier is about a day, not a session or exercise"
        return None
    if not (entry.session_id and entry.exercise):
        return f"a {entry.signal} needs the session and the exercise it is about"
    if entry.days_ago is not None:
        return f"a {entry.signal} is about a session: days_ago stays empty"
    if entry.signal != "stop_reason" and entry.side:
        return f"a {entry.signal} is about the exercise, both sides: side stays empty"
    return None


def outcome_set_problem(measures: Sequence[str], items: Sequence[str]) -> str | None:
    """Why the rows of one questionnaire occasion do not make a complete set (None if they do)."""
    kinds = sorted(set(measures))
    if len(kinds) > 1:
        return f"mixes measures ({', '.join(kinds)}); one occasion holds one questionnaire"
    measure = kinds[0] if kinds else ""
    if len(set(items)) != len(items):
        twice = sorted(item for item in set(items) if list(items).count(item) > 1)
        return f"names an item twice ({', '.join(twice)})"
    if measure == "peg" and sorted(items) != sorted(PEG_ITEMS):
        return f"a PEG set needs exactly the items {', '.join(PEG_ITEMS)} (got {', '.join(items)})"
    if measure == "psfs" and not 1 <= len(items) <= PSFS_MAX_ACTIVITIES:
        return f"a PSFS set needs 1 to {PSFS_MAX_ACTIVITIES} activities (got {len(items)})"
    if measure in ("odi", "rmdq") and len(items) != 1:
        return f"an {measure.upper()} set holds one total (got {len(items)} rows)"
    return None


def _item_problem(measure: str, item: str) -> str | None:
    if measure == "peg" and item not in PEG_ITEMS:
        return f"must be one of {', '.join(PEG_ITEMS)} for peg"
    if measure in ("odi", "rmdq") and item != "total":
        return f"must be 'total' for {measure}"
    if measure == "psfs" and not item.strip():
        return "must name the activity for psfs"
    return None


def _no_outcomes() -> pd.DataFrame:
    return empty_frame(OUTCOMES)


def _no_signals() -> pd.DataFrame:
    return empty_frame(SIGNALS)


@dataclass(frozen=True)
class Log:
    """A loaded, validated log.

    Attributes
    ----------
    exercise
        exercise_log.csv with typed columns: timestamps as UTC-aware ``datetime64``, counts as
        integers, ``hold_s_*`` as floats, empty text as ``""``; plus ``started_local`` (the wall
        clock as written) and ``date`` (the user's local calendar day, midnight).
    pain
        pain_log.csv typed likewise, plus ``recorded_local`` and ``date``.
    directory
        Where it was read from.
    outcomes
        outcomes_log.csv typed likewise (``score`` as integers), plus ``recorded_local`` and
        ``date``; empty when the log has no outcomes file.
    set_aside
        One sentence for each file with rows that were not loaded: a torn last row, or lines
        an append moved to ``<file>.torn`` earlier. Empty when every row loaded.
    repeated
        One sentence for each file with rows that repeat another row exactly (all loaded).
    signals
        signals_log.csv typed likewise (``days_ago`` as integers, 0 where empty), plus
        ``recorded_local`` and ``date``; empty when the log has no signals file.
    """

    exercise: pd.DataFrame
    pain: pd.DataFrame
    directory: Path
    outcomes: pd.DataFrame = field(default_factory=_no_outcomes)
    set_aside: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()
    signals: pd.DataFrame = field(default_factory=_no_signals)

    @property
    def empty(self) -> bool:
        """True when no file has a row."""
        return (self.exercise.empty and self.pain.empty and self.outcomes.empty
                and self.signals.empty)


def now_local() -> datetime:
    """The current time, timezone-aware in the user's local zone."""
    return datetime.now().astimezone()


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 with the UTC offset, to the second: ``2026-11-24T08:15:02+01:00``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("log timestamps must be timezone-aware")
    return moment.isoformat(timespec="seconds")


# --- writing -------------------------------------------------------------------------------------


def _csv_lines(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    usual = csv.writer(buffer, lineterminator="\n")
    # the csv module leaves a lone carriage return unquoted, and readers take it for a line end
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        (quoted if any("\r" in str(value) for value in row) else usual).writerow(row)
    return buffer.getvalue().encode("utf-8")


def _number(value: float | None, form: str) -> str:
    return "" if value is None else format(value, form)


class LogStore:
    """Append rows to the log files in ``directory``.

    Parameters
    ----------
    directory
        The log directory; created (owner-only) on the first write.
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.log_dir()
        self.exercise_path = self.directory / EXERCISE.file_name
        self.pain_path = self.directory / PAIN.file_name
        self.outcomes_path = self.directory / OUTCOMES.file_name
        self.signals_path = self.directory / SIGNALS.file_name

    def append_block(self, block: ExerciseBlock) -> None:
        """Append one exercise block to exercise_log.csv, durably."""
        self.extend_blocks([block])

    def append_pain(self, entry: PainEntry) -> None:
        """Append one pain score to pain_log.csv, durably."""
        self.extend_pain([entry])

    def extend_blocks(self, blocks: Iterable[ExerciseBlock]) -> None:
        """Append many exercise blocks in one locked, fsynced write."""
        self._append(EXERCISE, [[
            b.session_id, format_timestamp(b.session_started_at), b.exercise, b.side,
            b.reps_target, b.reps_done, _number(b.hold_s_target, "g"),
            _number(b.hold_s_mean, ".3f"), b.status, format_timestamp(b.logged_at or now_local()),
        ] for b in blocks])  # fmt: skip

    def extend_pain(self, entries: Iterable[PainEntry]) -> None:
        """Append many pain scores in one locked, fsynced write."""
        self._append(PAIN, [[format_timestamp(e.recorded_at), e.pain, e.context, e.session_id,
                             e.flare, e.note] for e in entries])

    def extend_outcomes(self, entries: Iterable[OutcomeEntry]) -> None:
        """Append one questionnaire occasion (one ``set_id``) in one locked, fsynced write.

        Raises
        ------
        ValueError
            For an incomplete or mixed set, or a score out of range; nothing is written.
        """
        entries = list(entries)
        set_ids = sorted({e.set_id for e in entries})
        if len(set_ids) > 1:
            raise ValueError("one call writes one questionnaire occasion; the entries have "
                             f"{len(set_ids)} set ids")
        problem = outcome_set_problem([e.measure for e in entries], [e.item for e in entries])
        if entries and problem:
            raise ValueError(f"set {set_ids[0]!r} {problem}")
        self._append(OUTCOMES, [[format_timestamp(e.recorded_at), e.set_id, e.measure, e.item,
                                 e.score, e.note] for e in entries])

    def extend_signals(self, entries: Iterable[SignalEntry]) -> None:
        """Append what the patient tapped in one locked, fsynced write.

        Raises
        ------
        ValueError
            For an entry the loader would refuse (:func:`signal_problem`); nothing is written.
        """
        entries = list(entries)
        for entry in entries:
            problem = signal_problem(entry)
            if problem:
                raise ValueError(problem)
        self._append(SIGNALS, [[format_timestamp(e.recorded_at), e.signal, e.value, e.session_id,
                                e.exercise, e.side, "" if e.days_ago is None else e.days_ago,
                                e.note] for e in entries])

    def _append(self, table: Table, rows: list[list[object]]) -> None:
        if not rows:
            return
        for row in rows:
            problems = _row_problems(table, row)
            if problems:
                raise ValueError("; ".join(problems))
        data = _csv_lines(rows)
        self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # a fresh clone's data/log/ is not owner-only
            self.directory.chmod(DIR_MODE)
        path = self.directory / table.file_name
        with _lock(path):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                created = os.fstat(fd).st_size == 0
                _write_all(fd, _heal_before_append(path, table) + data)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.directory)


def _row_problems(table: Table, values: Sequence[object]) -> list[str]:
    """What the loader would reject in one row, checked cell by cell before it is written."""
    row = dict(zip(table.names, values, strict=True))
    problems = [f"{column.name} {reason}" for column in table.columns
                if (reason := column.problem(row[column.name]))]
    if problems:
        return problems
    if table is EXERCISE and float(str(row["reps_done"])) > float(str(row["reps_target"])):
        problems.append("reps_done is more than reps_target")
    in_session = row.get("context") in ("before_session", "after_session")
    if table is PAIN and in_session and not row["session_id"]:
        problems.append("session_id must name the session for a before/after score")
    if table is OUTCOMES:
        low, high = SCORE_RANGES[str(row["measure"])]
        if not low <= float(str(row["score"])) <= high:
            problems.append(f"score must be a whole number from {low} to {high} for "
                            f"{row['measure']}")
        reason = _item_problem(str(row["measure"]), str(row["item"]))
        if reason:
            problems.append(f"item {reason}")
    return problems


def _lock(path: Path) -> FileLock:
    return FileLock(f"{path}.lock", mode=FILE_MODE)


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    # a regular file takes the whole write; loop only for the pathological short write
    while written < len(data):
        written += os.write(fd, data[written:])


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _heal_before_append(path: Path, table: Table) -> bytes:
    """What to write before new rows (the caller holds the lock); may set a torn tail aside."""
    header = _csv_lines([table.names])
    data = path.read_bytes()
    if header.startswith(data.removeprefix(b"\xef\xbb\xbf")):  # empty, or a torn header
        os.truncate(path, 0)
        return header
    first = data.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    if first != header.rstrip(b"\n"):
        raise LogError([Problem(path.name, 1, None,
                                f"wrong header; expected {','.join(table.names)}")])
    if data.endswith(b"\n") and data.count(b'"') % 2 == 0:
        return b""
    text = data.decode("utf-8", errors="surrogateescape")
    torn = _torn_tail(text, table)
    if torn is None:
        return b"" if data.endswith(b"\n") else b"\n"
    line, start = torn
    tail = text[start:].encode("utf-8", errors="surrogateescape")
    side = path.with_name(path.name + ".torn")
    fd = os.open(side, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        _write_all(fd, tail if tail.endswith(b"\n") else tail + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.truncate(path, len(data) - len(tail))
    words = _torn_words(line, tail.rstrip(b"\n").count(b"\n") + 1)
    warnings.warn(f"{path.name}: {words} ({len(tail)} bytes); it was moved to {side.name} "
                  "before the new row was written.", TornLineWarning, stacklevel=4)
    return b""


def _torn_words(line: int, lines: int) -> str:
    where = (f"the last line (line {line})" if lines <= 1
             else f"the last row (lines {line} to {line + lines - 1})")
    return f"{where} was cut off by an interrupted write"


def write_private(data: bytes, out: Path) -> Path:
    """Write ``data`` to ``out`` owner-only, via an fsynced temporary file renamed into place.

    A reader never sees half a file, and a crash leaves any older file whole. Reports and
    exports hold health data, so they get the same owner-only mode as the log.
    """
    folder = out.parent
    if not folder.is_dir():
        raise ValueError(f"there is no folder {folder} to write {out.name} into")
    try:
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as error:
        # the user asked for ``out``: name it, not the temporary file that was refused
        raise type(error)(error.errno, error.strerror, str(out)) from None
    temp = Path(temp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temp.replace(out)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise type(error)(error.errno, error.strerror, str(out)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return out


# --- reading -------------------------------------------------------------------------------------


@dataclass
class _Records:
    """A file's records as the csv module reads them, each with the line it starts on."""

    rows: list[list[str]]
    lines: list[int]
    offsets: list[int]  # where each record starts in the text
    open_quote: bool  # the last record ends inside a quoted field that never closes
    error: tuple[int, str] | None = None


def _records(text: str) -> _Records:
    """Split ``text`` into records with the csv module (lines counted at ``\\n`` only)."""
    stream = io.StringIO(text, newline="\n")
    reader = csv.reader(stream)
    result = _Records([], [], [], open_quote=False)
    offset, line = 0, 1
    try:
        for fields in reader:
            result.rows.append(fields)
            result.lines.append(line)
            result.offsets.append(offset)
            line, offset = reader.line_num + 1, stream.tell()
    except csv.Error:  # a carriage return or NUL where the csv module will not take one
        result.error = (line, "holds a line break outside quotes that is not a newline")
        return result
    if result.rows:
        try:
            list(csv.reader(io.StringIO(text[result.offsets[-1]:], newline="\n"), strict=True))
        except csv.Error as error:
            result.open_quote = "unexpected end of data" in str(error)
    return result


def _torn_tail(text: str, table: Table) -> tuple[int, int] | None:
    """The (line, offset) of a torn last record of ``text``, or None when it is whole.

    Torn: it does not end in a newline or ends inside an open quote, and does not parse as a
    row. An open quote whose swallowed lines hold whole rows is a hand edit, not a torn write.
    """
    records = _records(text)
    if len(records.rows) < HEADER_AND_A_ROW or (text.endswith("\n") and not records.open_quote):
        return None
    if records.open_quote and _swallows_rows(text[records.offsets[-1]:], table):
        return None
    problems: list[Problem] = []
    if len(records.rows[-1]) == len(table.names) and not records.open_quote:
        validate_frame(_raw(table, records.rows[-1:]), table, [records.lines[-1]], problems)
        if not problems:
            return None
    return records.lines[-1], records.offsets[-1]


def _swallows_rows(tail: str, table: Table) -> bool:
    """Whether lines after the first of an unclosed record would each parse as a whole row."""
    later = tail.split("\n")[1:]
    return any(len(row) == len(table.names) for row in csv.reader(later) if row)


def _raw(table: Table, rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows or None, columns=list(table.names), dtype=str)


def empty_frame(table: Table) -> pd.DataFrame:
    """The table with no rows, every column typed as a loaded log's (a new frame each call)."""
    return _typed_empty(table).copy()


@functools.cache
def _typed_empty(table: Table) -> pd.DataFrame:
    # typed once: checking even no rows costs pandas ~15 ms a table, and a caseload of old
    # logs without the newer files asks for thousands
    return validate_frame(_raw(table, []), table, [], [])


def read_fast(data: bytes, table: Table) -> pd.DataFrame | None:
    """pandas' parse of a file that is whole; None when any record may be short, long or blank."""
    if not data.endswith(b"\n"):
        return None
    numbers = [c.name for c in table.columns if c.kind in ("whole", "seconds")]
    try:
        with warnings.catch_warnings():  # an over-long first row: the exact read names it
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            # numbers parsed by the C parser; a cell that is not a number sends the file to
            # the exact read, which names it
            frame = pd.read_csv(io.BytesIO(data), keep_default_na=False,
                                dtype={c.name: "float64" if c.name in numbers else str
                                       for c in table.columns},
                                na_values={c: [""] for c in numbers}, encoding="utf-8",
                                on_bad_lines="error", skip_blank_lines=False, index_col=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
        return None
    if tuple(frame.columns) != table.names:
        return None
    # every separator is accounted for: the commas of each row, and those inside quoted text
    separators = data.count(b",") - (len(table.names) - 1) * (len(frame) + 1)
    if b'"' in data:
        for column in table.columns:
            if column.kind == "text" and column.choices is None:
                separators -= "".join(frame[column.name].tolist()).count(",")
    return frame if separators == 0 else None


def _file_bytes(folder: Path, table: Table, problems: list[Problem],
                set_aside: list[str]) -> bytes | None:
    """One file of the log folder as bytes (None when there is none), noting lines set aside
    earlier beside it."""
    path = folder / table.file_name
    name = table.file_name
    side = path.with_name(name + ".torn")
    if side.is_file() and side.stat().st_size:
        count = side.read_bytes().count(b"\n")
        set_aside.append(f"{count} line{'s' if count != 1 else ''} of {name} set aside earlier "
                         f"in {side.name} (an interrupted write); they are not loaded")
    if not path.exists():
        return None
    if not path.is_file():
        problems.append(Problem(name, None, None, "is not a file"))
        return None
    return path.read_bytes()


def _read_table(folder: Path, table: Table, problems: list[Problem], set_aside: list[str],
                repeats: list[str]) -> pd.DataFrame:
    """Load one file of the log, noting its problems and any rows not loaded."""
    data = _file_bytes(folder, table, problems, set_aside)
    if data is None:
        return empty_frame(table)
    frame = read_fast(data, table)
    if frame is not None:
        found: list[Problem] = []
        typed = validate_frame(frame, table, None, found)
        if not found:
            _note_repeats(frame, table, None, repeats)
            return typed
    return _read_exact(data, table, problems, set_aside, repeats)


def _read_exact(data: bytes, table: Table, problems: list[Problem], set_aside: list[str],
                repeats: list[str]) -> pd.DataFrame:
    """One file read record by record: each problem named by its line, a torn last row left
    out (with a :class:`TornLineWarning`)."""
    name = table.file_name
    side_name = name + ".torn"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, None, "is not UTF-8 text; save the file as UTF-8"))
        return empty_frame(table)
    header = ",".join(table.names)
    if header.startswith(text.removesuffix("\n")):  # empty, or a torn header
        if text.rstrip("\r\n") != header:
            set_aside.append(f"{name} holds only part of its header (an interrupted first "
                             "write); the next entry saved rewrites it")
        return empty_frame(table)
    found_header = text.split("\n", 1)[0].rstrip("\r")
    if found_header != header:
        problems.append(Problem(name, 1, None,
                                f"wrong header '{found_header[:80]}'; expected '{header}'"))
        return empty_frame(table)
    records = _records(text)
    rows, lines = records.rows[1:], records.lines[1:]
    torn = _torn_tail(text, table)
    if torn:
        rows, lines = rows[:-1], lines[:-1]
        words = _torn_words(torn[0], text[torn[1]:].rstrip("\n").count("\n") + 1)
        set_aside.append(f"{name}: {words}; it is not loaded, and the next entry saved moves it "
                         f"to {side_name}")
        warnings.warn(f"{set_aside[-1]}.", TornLineWarning, stacklevel=4)
    elif records.open_quote:
        problems.append(Problem(name, records.lines[-1], None,
                                'starts a quoted field (") that is never closed'))
        rows, lines = rows[:-1], lines[:-1]
    if records.error:
        problems.append(Problem(name, *[records.error[0], None, records.error[1]]))
    width = len(table.names)
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            reason = "is empty" if not row else f"has {len(row)} fields; expected {width}"
            problems.append(Problem(name, line, None, reason))
    whole = [(row, line) for row, line in zip(rows, lines, strict=True) if len(row) == width]
    frame = _raw(table, [row for row, _ in whole])
    line_numbers = [line for _, line in whole]
    typed = validate_frame(frame, table, line_numbers, problems)
    _note_repeats(frame, table, line_numbers, repeats)
    return typed


def _note_repeats(raw: pd.DataFrame, table: Table, lines: list[int] | None,
                  repeats: list[str]) -> None:
    name = table.file_name
    # rows that repeat another exactly share its last timestamp: compare whole rows only there
    last_time = [c.name for c in table.columns if c.kind == "timestamp"][-1]
    candidates = raw.duplicated(subset=[last_time], keep=False)
    repeated = candidates.copy()
    if candidates.any():
        repeated[candidates] = raw[candidates].duplicated(keep=False)
    if repeated.any():
        at = [int(i) for i in repeated.to_numpy().nonzero()[0]]
        shown = [str(lines[i] if lines else i + 2) for i in at[:LINES_SHOWN]]
        more = " ..." if len(at) > LINES_SHOWN else ""
        repeats.append(f"{name}: lines {', '.join(shown)}{more} "
                       "repeat another row exactly (a row saved twice?); each is loaded")


# the usual timestamp, as the store writes it: YYYY-MM-DDTHH:MM:SS+HH:MM
_USUAL_LENGTH = 25
_USUAL_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24)
_USUAL_MARKS = ((4, 7, 10, 13, 16, 22), tuple(b"--T:::"))
_USUAL_SIGN = 19


def _cell_bytes(texts: pd.Series) -> np.ndarray | None:
    """The cells' UTF-8 bytes, a row each, when every cell is text of the usual timestamp's
    length in bytes; None otherwise."""
    cells = texts.to_numpy(dtype=object)
    try:
        if not len(cells) or set(map(len, cells)) != {_USUAL_LENGTH}:
            return None
        data = "".join(cells).encode("utf-8")
    except (TypeError, UnicodeEncodeError):  # a cell that is not text, or not whole text
        return None
    if len(data) != _USUAL_LENGTH * len(cells):  # a character beyond ASCII
        return None
    return np.frombuffer(data, dtype=np.uint8).reshape(len(cells), _USUAL_LENGTH)


def _usual_timestamps(chars: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The local wall clocks and UTC instants (``datetime64[us]``) of timestamps given as
    bytes (:func:`_cell_bytes`) when every one is in the usual form with each part in range
    (a real day, an offset within the limit, a year of the log's era); None otherwise, and
    pandas judges them all.

    Read with numpy: a regular expression and a parse per distinct text cost most of loading
    a caseload, where nearly every ``logged_at`` is distinct.
    """
    if chars is None:
        return None
    digits = chars[:, _USUAL_DIGITS] - np.uint8(ord("0"))  # below "0" wraps round to > 9
    at, marks = _USUAL_MARKS
    sign = chars[:, _USUAL_SIGN]
    if ((digits > MAX_DIGIT).any() or not (chars[:, at] == np.array(marks, np.uint8)).all()
            or not ((sign == ord("+")) | (sign == ord("-"))).all()):
        return None
    count = len(chars)
    digits = digits.astype(np.int32)
    year = (digits[:, :4] @ np.array([1000, 100, 10, 1], np.int32)).astype(np.int64)
    month, day, hour, minute, second, offset_hours, offset_minutes = (
        (digits[:, 4:].reshape(count, 7, 2) @ np.array([10, 1], np.int32))
        .astype(np.int64).T)
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first_day = months.astype("datetime64[D]")
    month_days = ((months + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    offset = offset_hours * 60 + offset_minutes
    sound = ((year >= FIRST_YEAR) & (year <= LAST_YEAR) & (month >= 1) & (month <= MONTHS)
             & (day >= 1) & (day <= month_days) & (hour < HOURS) & (minute < SIXTY)
             & (second < SIXTY) & (offset_minutes < SIXTY)
             & (offset <= MAX_OFFSET_HOURS * SIXTY))
    if not sound.all():
        return None
    seconds = (day - 1) * 86400 + hour * 3600 + minute * 60 + second
    local = first_day.astype("datetime64[us]") + (seconds * 10**6).astype("timedelta64[us]")
    east = np.where(sign == ord("+"), 1, -1)
    instant = local - (east * offset * 60 * 10**6).astype("timedelta64[us]")
    return local, instant


class _Cells:
    """Checks of a frame of text cells that add a :class:`Problem` for every bad cell.

    ``patients`` (one key a row) keeps the rows of many patients apart where a rule spans
    rows (a questionnaire set is one patient's).
    """

    def __init__(self, frame: pd.DataFrame, file: str, lines: Sequence[int] | None,
                 problems: list[Problem], patients: np.ndarray | None = None) -> None:
        self.frame, self.file, self.problems = frame, file, problems
        self.lines = lines if lines is not None else range(2, len(frame) + 2)
        self.patients = patients if patients is not None else np.zeros(len(frame), np.int64)

    def flag(self, bad: pd.Series | np.ndarray, column: str, reason: str) -> None:
        bad = np.asarray(bad, dtype=object)
        if not bad.any():  # the usual case, decided without a pandas call
            return
        for position in (bad != False).nonzero()[0]:  # noqa: E712 (NA counts as bad)
            value = str(self.frame[column].iloc[position])
            shown = value if len(value) <= VALUE_SHOWN else value[:VALUE_SHOWN - 3] + "..."
            self.problems.append(Problem(self.file, int(self.lines[position]), column,
                                         f"{reason} (got '{shown}')"))

    def check(self, column: Column) -> pd.Series:
        """The column typed as its schema says, each bad cell flagged.

        Text is checked as a numpy array: on a small log each pandas call costs more than the
        work it does.
        """
        text = self.frame[column.name]
        if column.kind == "timestamp" and column.choices is None:
            return self.timestamp(column.name)  # an empty time is one of the wrong shape
        parsed = pd.api.types.is_float_dtype(text)  # the parser read the numbers already
        values = text.to_numpy(dtype="float64") if parsed else None
        # text compared by pandas: on Arrow text without making a Python string per cell
        empty = np.isnan(values) if values is not None else (text == "").to_numpy(dtype=bool)
        if column.required:
            self.flag(empty, column.name, "must not be empty")
        if column.choices is not None:
            chosen = np.isin(values, column.choices) if values is not None \
                else text.isin(column.choices).to_numpy(dtype=bool)
            self.flag(~chosen, column.name, column.reason)
        if column.kind == "text":
            return text
        number = values if values is not None else pd.to_numeric(
            text.where(~empty), errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            bad = (number < column.low) | (number > column.high) | (np.isnan(number) & ~empty)
            if column.kind == "whole":
                bad |= number % 1 != 0
        self.flag(bad & ~empty, column.name, column.reason)
        number = np.where(bad, np.nan, number)
        if column.kind == "whole":
            return pd.Series(np.nan_to_num(number).astype("int64"))
        return pd.Series(number)

    def timestamp(self, column: str) -> pd.Series:
        """UTC instants of an ISO 8601 column, each distinct text parsed once by pandas; the
        local wall clock (``self.local``) is the text's own date and time."""
        usual = _usual_timestamps(_cell_bytes(self.frame[column]))
        if usual is not None:  # every text as the store writes it: nothing to flag
            local, instant = usual
            self.local = pd.Series(local)
            return pd.Series(pd.DatetimeIndex(instant).tz_localize("UTC"))
        codes, uniques = pd.factorize(self.frame[column])
        texts = uniques.to_numpy(dtype=object)
        shaped = np.fromiter((bool(_TIMESTAMP.fullmatch(t)) for t in texts), bool, len(texts))
        usable = np.where(shaped, texts, None)
        instant = pd.DatetimeIndex(pd.to_datetime(usable, format="ISO8601", utc=True,
                                                  errors="coerce")).floor("s")
        local = pd.DatetimeIndex(pd.to_datetime([t[:19] if t else None for t in usable],
                                                format="%Y-%m-%dT%H:%M:%S", errors="coerce"))
        unreal = shaped & (instant.isna() | local.isna())
        sound = shaped & ~unreal
        offset = np.abs(local.tz_localize("UTC") - instant)
        far = sound & (offset > pd.Timedelta(hours=MAX_OFFSET_HOURS))
        era = sound & ((local.year < FIRST_YEAR) | (local.year > LAST_YEAR))
        for bad, reason in ((~shaped, SHAPE_REASON), (unreal, "is not a real date and time"),
                            (far, OFFSET_REASON), (era, ERA_REASON)):
            if bad.any():
                self.flag(np.asarray(bad)[codes], column, reason)
        self.local = pd.Series(local.take(codes))
        return pd.Series(instant.take(codes))


def validate_frame(frame: pd.DataFrame, table: Table, lines: Sequence[int] | None,
                   problems: list[Problem], patients: np.ndarray | None = None
                   ) -> pd.DataFrame:
    """Type every column of ``frame`` (text cells) by the schema; add a Problem per bad cell.

    ``lines`` numbers each row's line (by default its position + 2); ``patients``, one key a
    row, keeps many patients' rows apart where a rule spans rows.
    """
    cells = _Cells(frame.reset_index(drop=True), table.file_name, lines, problems, patients)
    typed = {}
    for column in table.columns:
        typed[column.name] = cells.check(column)
        if column.name == table.dated_by:
            local = cells.local
    typed[table.local_name] = local
    typed["date"] = local.dt.normalize()
    result = pd.DataFrame(typed)
    _RULES[table.file_name](result, cells)
    return result


def _exercise_rules(frame: pd.DataFrame, cells: _Cells) -> None:
    done, target = (pd.to_numeric(cells.frame[c], errors="coerce")
                    for c in ("reps_done", "reps_target"))
    cells.flag(done > target, "reps_done", "is more than reps_target")


def _pain_rules(frame: pd.DataFrame, cells: _Cells) -> None:
    in_session = frame["context"].isin(("before_session", "after_session"))
    cells.flag(in_session & (frame["session_id"] == ""), "session_id",
               "must name the session for a before/after score")


def _outcome_rules(frame: pd.DataFrame, cells: _Cells) -> None:
    # a score's range depends on its measure: name that range, not the column's widest one
    cells.problems[:] = [p for p in cells.problems
                         if not (p.file == cells.file and p.column == "score")]
    text = cells.frame["score"]
    number = pd.to_numeric(text, errors="coerce")
    for measure, (low, high) in SCORE_RANGES.items():
        bad = ~((number >= low) & (number <= high) & (number % 1 == 0))
        cells.flag((frame["measure"] == measure) & bad, "score",
                   f"must be a whole number from {low} to {high} for {measure}")
    reasons = pd.Series(None, index=frame.index, dtype=object)
    for (measure, item), at in frame.groupby(["measure", "item"], sort=False).indices.items():
        reasons.iloc[at] = _item_problem(measure, item)  # each pair of values judged once
    for reason in set(reasons.dropna()):
        cells.flag(reasons == reason, "item", reason)
    measures, items = frame["measure"].tolist(), frame["item"].tolist()
    sets = pd.DataFrame({"patient": cells.patients, "set_id": frame["set_id"]})
    judged: dict[tuple, str | None] = {}  # one questionnaire's sets repeat the same items
    for (_, set_id), at in sets.groupby(["patient", "set_id"], sort=False).indices.items():
        kinds = (tuple(measures[i] for i in at), tuple(items[i] for i in at))
        if kinds not in judged:
            judged[kinds] = outcome_set_problem(*kinds)
        reason = judged[kinds]
        if set_id and reason:
            span = ", ".join(str(cells.lines[i]) for i in at)
            cells.problems.append(Problem(cells.file, int(cells.lines[at[0]]), "set_id",
                                          f"set '{set_id}' (lines {span}) {reason}"))


def _signal_rules(frame: pd.DataFrame, cells: _Cells) -> None:
    signal, value = frame["signal"], frame["value"]
    for kind, allowed in SIGNAL_VALUES.items():
        cells.flag((signal == kind) & ~value.isin(allowed), "value",
                   f"must be one of {', '.join(allowed)} for {kind}")
    barrier = signal == "barrier"
    raw = cells.frame["days_ago"]  # text, or numbers the parser read already
    given = ~(raw.isna() | (raw.astype(object) == "")).to_numpy(dtype=bool)
    cells.flag(barrier & ~given, "days_ago", "must say the day a barrier is about")
    cells.flag(~barrier & given, "days_ago", "must be empty for a signal about a session")
    for column in ("session_id", "exercise"):
        cells.flag(~barrier & (frame[column] == ""), column,
                   "must name what a signal about a session is about")
        cells.flag(barrier & (frame[column] != ""), column, "must be empty for a barrier")
    cells.flag(~signal.isin(("stop_reason",)) & (frame["side"] != ""), "side",
               "must be empty but for a stop_reason (a block's side)")


_RULES = {EXERCISE.file_name: _exercise_rules, PAIN.file_name: _pain_rules,
          OUTCOMES.file_name: _outcome_rules, SIGNALS.file_name: _signal_rules}


def load_log(directory: Path | str | None = None) -> Log:
    """Load and validate the log files of ``directory``; never changes them.

    Parameters
    ----------
    directory
        A log directory; by default ``$BACKRELIEF_DATA_DIR`` or ``data/log/``. Missing files
        load as empty frames.

    Returns
    -------
    Log

    Raises
    ------
    LogError
        Listing every problem found, each with file, line number, column and reason.
    FileNotFoundError
        When ``directory`` does not exist.
    """
    folder = Path(directory) if directory is not None else paths.log_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"no log folder at {folder}")
    problems: list[Problem] = []
    set_aside: list[str] = []
    repeats: list[str] = []
    frames = {table.file_name: _read_table(folder, table, problems, set_aside, repeats)
              for table in TABLES}
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0))
        raise LogError(problems)
    for repeat in repeats:
        warnings.warn(repeat, DuplicateRowWarning, stacklevel=2)
    return Log(exercise=frames[EXERCISE.file_name], pain=frames[PAIN.file_name],
               directory=folder, outcomes=frames[OUTCOMES.file_name], set_aside=tuple(set_aside),
               repeated=tuple(repeats), signals=frames[SIGNALS.file_name])


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a clear ``ValueError`` naming the columns ``frame`` lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}")


# --- many patients at once -----------------------------------------------------------------------


LogSource = Path | Mapping[str, bytes]


class Logs:
    """Many patients' logs, read at once by :func:`read_logs`.

    Attributes
    ----------
    exercise, pain, outcomes, signals
        Each table of every patient that could be read, in one frame typed as
        :class:`Log`'s, with a ``patient`` column first (the position of the patient's
        source); rows in the order of the patients, then of their files.
    problems
        For each patient, every problem :func:`load_log` would raise for the same files; a
        patient with problems has no rows in the frames.
    set_aside, repeated
        For each patient, as :class:`Log`'s.
    warned
        For each patient, the warnings :func:`load_log` would give, in its order (here they
        are only listed).
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame], own: Mapping[tuple[int, str],
                 pd.DataFrame], notes: Sequence[_Notes]) -> None:
        self.exercise = frames[EXERCISE.file_name]
        self.pain = frames[PAIN.file_name]
        self.outcomes = frames[OUTCOMES.file_name]
        self.signals = frames[SIGNALS.file_name]
        self.problems = tuple(tuple(sorted(n.problems, key=lambda p: (p.file, p.line or 0)))
                              for n in notes)
        self.set_aside = tuple(tuple(n.set_aside) for n in notes)
        self.repeated = tuple(tuple(n.repeats) for n in notes)
        self.warned = tuple((*n.warned, *n.repeats) for n in notes)
        self._own = dict(own)
        self._bare = {name: frame.drop(columns="patient") for name, frame in frames.items()}
        # where each patient's rows start in each frame (the frames are in patient order)
        self._starts = {name: np.searchsorted(frame["patient"].to_numpy(),
                                              np.arange(len(notes) + 1))
                        for name, frame in frames.items()}

    def __len__(self) -> int:
        return len(self.problems)

    def log(self, patient: int, directory: Path | str = "") -> Log:
        """One patient's :class:`Log`, equal to :func:`load_log`'s of the same files.

        Raises
        ------
        LogError
            When the patient's files have problems (:attr:`problems`).
        """
        if self.problems[patient]:
            raise LogError(self.problems[patient])
        frames = {}
        for table in TABLES:
            name = table.file_name
            own = self._own.get((patient, name))
            if own is not None:
                frames[name] = own.copy()
                continue
            start, stop = self._starts[name][patient:patient + 2]
            frames[name] = self._bare[name].iloc[start:stop].reset_index(drop=True)
        return Log(exercise=frames[EXERCISE.file_name], pain=frames[PAIN.file_name],
                   directory=Path(directory), outcomes=frames[OUTCOMES.file_name],
                   set_aside=self.set_aside[patient], repeated=self.repeated[patient],
                   signals=frames[SIGNALS.file_name])


@dataclass
class _Notes:
    """What reading one patient's files found, as :func:`load_log` gathers it."""

    problems: list[Problem] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)


def read_logs(sources: Sequence[LogSource]) -> Logs:
    """Read many patients' logs at once, each exactly as :func:`load_log` reads it.

    Each file is parsed by the store's fast read (plain files of many patients together, see
    :func:`_plain_bodies`); each table's rows of every patient are then checked together by
    :func:`validate_frame`, once, with a patient key. A patient whose file
    the fast read refuses (torn, short or long rows, not UTF-8), or in whose rows the check
    finds a problem or a repeat, has that file read again on its own, as :func:`load_log`
    does, so each problem and note is the store's own sentence, and no other patient is
    affected.

    Parameters
    ----------
    sources
        Per patient, a log folder, or the log files' bytes by file name (as a share bundle
        holds them); a file that is missing loads as an empty table.

    Returns
    -------
    Logs

    Raises
    ------
    FileNotFoundError
        When a folder does not exist.
    """
    notes = [_Notes() for _ in sources]
    frames: dict[str, pd.DataFrame] = {}
    own: dict[tuple[int, str], pd.DataFrame] = {}
    for table in TABLES:
        files: list[bytes | None] = []
        for source, found in zip(sources, notes, strict=True):
            if not isinstance(source, Path):
                files.append(source.get(table.file_name))
            elif source.is_dir():
                files.append(_file_bytes(source, table, found.problems, found.set_aside))
            else:
                raise FileNotFoundError(f"no log folder at {source}")
        frames[table.file_name] = _read_many(table, files, notes, own)
    unusable = [patient for patient, found in enumerate(notes) if found.problems]
    if unusable:
        frames = {name: frame.loc[~frame["patient"].isin(unusable)].reset_index(drop=True)
                  for name, frame in frames.items()}
    return Logs(frames, own, notes)


def _read_many(table: Table, files: list[bytes | None], notes: list[_Notes],
               own: dict[tuple[int, str], pd.DataFrame]) -> pd.DataFrame:
    """One table of every patient, checked once; the frames of files read on their own
    (and of files without rows) go to ``own`` under (patient, file name)."""
    name = table.file_name
    parsed: dict[int, pd.DataFrame] = {}
    alone: set[int] = set()
    plain = _plain_bodies(table, files)
    for group in (plain, _quoted_bodies(table, files, plain)):
        # each group read at once: a file of one that fails sends only its group to be
        # read file by file
        joined = read_fast(b"".join([_header(table), *group.values()]), table) \
            if group else None
        counts = [body.count(b"\n") for body in group.values()]
        # a line is at most one row, so the same total is the same count in every file
        if joined is None or len(joined) != sum(counts):
            continue
        starts = np.cumsum(counts) - counts
        exact = _separators_add_up(joined, table, group, starts, counts) \
            if group is not plain else np.ones(len(counts), dtype=bool)
        for patient, start, count, whole in zip(group, starts, counts, exact, strict=True):
            if whole:  # else read on its own, which names what is wrong
                parsed[patient] = joined.iloc[start:start + count]
    for patient, data in enumerate(files):
        if data is None:
            own[patient, name] = empty_frame(table)
            continue
        if patient in parsed:
            continue
        frame = read_fast(data, table)
        if frame is None:
            alone.add(patient)
        elif frame.empty:  # as load_log types a file with only its header
            own[patient, name] = validate_frame(frame, table, None, [])
        else:
            parsed[patient] = frame
    patients = sorted(parsed)
    raw = (pd.concat([parsed[p] for p in patients], ignore_index=True) if len(parsed) > 1
           else parsed[patients[0]].reset_index(drop=True) if parsed else _raw(table, []))
    keys = np.repeat(np.asarray(patients, dtype=np.int64), [len(parsed[p]) for p in patients])
    found: list[Problem] = []
    typed = validate_frame(raw, table, None, found, keys)
    # lines are positions + 2 in the joined frame: each problem names its patient's file
    refused = {int(keys[problem.line - 2]) for problem in found if problem.line is not None}
    alone |= refused
    starts = np.searchsorted(keys, np.arange(len(files) + 1))
    for patient in sorted(_repeating(raw, typed, table, keys) - refused):
        rows = raw.iloc[starts[patient]:starts[patient + 1]].reset_index(drop=True)
        _note_repeats(rows, table, None, notes[patient].repeats)
    typed.insert(0, "patient", keys)
    kept = [typed.loc[~np.isin(keys, sorted(refused))]] if refused else [typed]
    for patient in sorted(alone):
        found_here = notes[patient]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = _read_exact(files[patient] or b"", table, found_here.problems,
                                found_here.set_aside, found_here.repeats)
        found_here.warned.extend(str(warning.message) for warning in caught)
        own[patient, name] = frame
        if not found_here.problems:
            kept.append(frame.assign(patient=patient)[["patient", *frame.columns]])
    if len(kept) == 1:
        return kept[0].reset_index(drop=True)
    joined = pd.concat(kept, ignore_index=True)
    return joined.sort_values("patient", kind="stable", ignore_index=True)


def _header(table: Table) -> bytes:
    return (",".join(table.names) + "\n").encode("utf-8")


def _plain_bodies(table: Table, files: list[bytes | None]) -> dict[int, bytes]:
    """The rows (the bytes after the header) of the files that are plain: exactly the header
    first, a newline last, no quote or carriage return, and every line's separators there.

    In a plain file each line is one row, so such files joined under one header parse as the
    rows of each file one after the other, each file's as many as its lines.
    """
    header = _header(table)
    width = len(table.names) - 1
    plain = {}
    for patient, data in enumerate(files):
        if (data is None or len(data) <= len(header) or not data.startswith(header)
                or not data.endswith(b"\n") or b'"' in data or b"\r" in data):
            continue
        body = data[len(header):]
        # no line has more separators (pandas refuses it), so the count shows none has fewer
        if body.count(b",") == width * body.count(b"\n"):
            plain[patient] = body
    return plain


def _quoted_bodies(table: Table, files: list[bytes | None], plain: dict[int, bytes]
                   ) -> dict[int, bytes]:
    """The rows of the files that are not plain only for their quoted text (notes with a
    comma): the header first, a newline last, no carriage return, and an even number of quote
    marks before each newline, so no quoted text runs across lines and each line is one row.

    Their separators are checked once they are read (:func:`read_fast` counts every comma a
    row or a quoted text does not account for), and the rows read against the lines.
    """
    header = _header(table)
    quoted = {}
    for patient, data in enumerate(files):
        if (patient in plain or data is None or len(data) <= len(header)
                or not data.startswith(header) or not data.endswith(b"\n")
                or b"\r" in data or b'"' not in data):
            continue
        body = np.frombuffer(data, dtype=np.uint8)[len(header):]
        marks = np.cumsum(body == ord('"'))
        if not (marks[body == ord("\n")] % 2).any():
            quoted[patient] = data[len(header):]
    return quoted


def _separators_add_up(frame: pd.DataFrame, table: Table, bodies: dict[int, bytes],
                       starts: np.ndarray, counts: list[int]) -> np.ndarray:
    """For each file of a joined read, whether its commas are all accounted for: those between
    its rows' fields and those inside its free text. A short row in one file and a comma in a
    quoted fixed value in another add up in the whole; file by file they do not."""
    texts = [frame[c.name].fillna("").tolist() for c in table.columns
             if c.kind == "text" and c.choices is None]
    inside = [sum("".join(cells[start:start + count]).count(",") for cells in texts)
              for start, count in zip(starts, counts, strict=True)]  # joined in C: quick
    between = (len(table.names) - 1) * np.asarray(counts, dtype=np.int64)
    found = np.array([body.count(b",") for body in bodies.values()], dtype=np.int64)
    return found == between + np.asarray(inside, dtype=np.int64)


def _repeating(raw: pd.DataFrame, typed: pd.DataFrame, table: Table, keys: np.ndarray
               ) -> set[int]:
    """Patients with a row that repeats another of theirs exactly (as :func:`_note_repeats`
    finds them: the same last time first, here as typed, then the whole row as written)."""
    last_time = [c.name for c in table.columns if c.kind == "timestamp"][-1]
    times = pd.DatetimeIndex(typed[last_time]).asi8  # integers: hashed without objects
    same_time = pd.DataFrame({"patient": keys, "time": times})
    candidates = same_time.duplicated(keep=False).to_numpy()
    if not candidates.any():
        return set()
    keyed = raw.assign(_patient=keys)
    repeated = keyed.loc[candidates].duplicated(keep=False).to_numpy()
    return {int(patient) for patient in keys[candidates][repeated]}
