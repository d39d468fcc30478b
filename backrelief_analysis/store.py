"""The log store: two append-only CSV files that never lose a finished row.

Writing
    One row is one ``os.write`` of the whole line to a file opened with ``O_APPEND``, under a lock
    on a separate lock file, then fsynced. Two tabs or processes logging at once lose and
    interleave nothing. New files are created readable by their owner only.
Reading
    :func:`load_log` validates every row and raises one :class:`LogError` listing every problem
    (file, line, column, reason). A process killed mid-write leaves at most a torn last line: it is
    moved to a side file (``exercise_log.csv.torn``), a :class:`TornLineWarning` is issued once, and
    every whole row loads.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from filelock import FileLock

from . import paths

EXERCISE_COLUMNS = (
    "session_id", "session_started_at", "exercise", "side", "reps_target", "reps_done",
    "hold_s_target", "hold_s_mean", "status", "logged_at",
)  # fmt: skip
PAIN_COLUMNS = ("recorded_at", "pain", "context", "session_id", "flare", "note")
STATUSES = ("completed", "stopped", "skipped")
CONTEXTS = ("before_session", "after_session", "check_in")
SIDES = ("", "left", "right")
FLARES = ("", "yes", "no")
FILE_MODE = 0o600
DIR_MODE = 0o700

_NUMERIC_COLUMNS = frozenset(("reps_target", "reps_done", "hold_s_target", "hold_s_mean", "pain"))
# ASCII digits only: Python's \d would also take digits of other scripts
_TIMESTAMP = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
              r"(?:[+-][0-9]{2}:[0-9]{2}|Z)")


class LogError(ValueError):
    """A log that cannot be used; ``problems`` lists each one with file, line and column."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems]
        count = len(lines)
        head = f"{count} problem{'s' if count != 1 else ''} in the log:"
        super().__init__("\n".join([head, *(f"  {line}" for line in lines)]))


class TornLineWarning(UserWarning):
    """A torn last line (an interrupted write) was set aside."""


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
    """

    exercise: pd.DataFrame
    pain: pd.DataFrame
    directory: Path

    @property
    def empty(self) -> bool:
        """True when neither file has a row."""
        return self.exercise.empty and self.pain.empty


def now_local() -> datetime:
    """The current time, timezone-aware in the user's local zone."""
    return datetime.now().astimezone()


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 with the UTC offset, to the second: ``2026-11-24T08:15:02+01:00``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("log timestamps must be timezone-aware")
    return moment.isoformat(timespec="seconds")


def _csv_lines(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _split_torn(data: bytes) -> tuple[bytes, bytes]:
    """Split ``data`` into its whole records and a torn tail (empty when the file is whole)."""
    if not data or (data.endswith(b"\n") and data.count(b'"') % 2 == 0):
        return data, b""
    # a record ends at a newline with an even number of quotes before it
    quotes_after = 0
    end = len(data)
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return b"", data
        quotes_after += data.count(b'"', newline + 1, end)
        end = newline
        if (data.count(b'"') - quotes_after) % 2 == 0:
            return data[: newline + 1], data[newline + 1 :]


class LogStore:
    """Append rows to the two log files in ``directory``.

    Parameters
    ----------
    directory
        The log directory; created (owner-only) on the first write.
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else paths.log_dir()
        self.exercise_path = self.directory / paths.EXERCISE_LOG_NAME
        self.pain_path = self.directory / paths.PAIN_LOG_NAME

    def append_block(self, block: ExerciseBlock) -> None:
        """Append one exercise block to exercise_log.csv, durably."""
        self.extend_blocks([block])

    def append_pain(self, entry: PainEntry) -> None:
        """Append one pain score to pain_log.csv, durably."""
        self.extend_pain([entry])

    def extend_blocks(self, blocks: Iterable[ExerciseBlock]) -> None:
        """Append many exercise blocks in one locked, fsynced write."""
        # no exercise field holds a quote or a line break, so a torn row never ends in one
        self._append(self.exercise_path, EXERCISE_COLUMNS, [_block_values(b) for b in blocks],
                     text_fields=False)

    def extend_pain(self, entries: Iterable[PainEntry]) -> None:
        """Append many pain scores in one locked, fsynced write."""
        self._append(self.pain_path, PAIN_COLUMNS, [_pain_values(e) for e in entries],
                     text_fields=True)

    def _append(self, path: Path, columns: Sequence[str], rows: list[list[object]], *,
                text_fields: bool) -> None:
        if not rows:
            return
        self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        data = _csv_lines(rows)
        with _lock(path):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                created = os.fstat(fd).st_size == 0
                if created:
                    data = _csv_lines([columns]) + data
                else:
                    _check_header_before_append(path, columns)
                    _set_aside_torn_locked(path, scan_whole=text_fields)
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                _fsync_dir(self.directory)


def _block_values(block: ExerciseBlock) -> list[object]:
    if block.status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {block.status!r}")
    if block.side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, not {block.side!r}")
    if not 0 <= block.reps_done <= block.reps_target:
        raise ValueError("reps_done must be between 0 and reps_target")
    mean = "" if block.hold_s_mean is None else f"{block.hold_s_mean:.3f}"
    return [
        block.session_id, format_timestamp(block.session_started_at), block.exercise,
        block.side, block.reps_target, block.reps_done, f"{block.hold_s_target:g}", mean,
        block.status, format_timestamp(block.logged_at or now_local()),
    ]  # fmt: skip


def _pain_values(entry: PainEntry) -> list[object]:
    if isinstance(entry.pain, bool) or entry.pain not in range(11):
        raise ValueError(f"pain must be a whole number from 0 to 10, not {entry.pain!r}")
    if entry.context not in CONTEXTS:
        raise ValueError(f"context must be one of {CONTEXTS}, not {entry.context!r}")
    if entry.flare not in FLARES:
        raise ValueError(f"flare must be one of {FLARES}, not {entry.flare!r}")
    return [
        format_timestamp(entry.recorded_at), entry.pain, entry.context, entry.session_id,
        entry.flare, entry.note,
    ]


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


def _check_header_before_append(path: Path, columns: Sequence[str]) -> None:
    with path.open("rb") as file:
        header = file.readline().rstrip(b"\r\n")
    if header != _csv_lines([columns]).rstrip(b"\n"):
        raise LogError([Problem(path.name, 1, None,
                                f"wrong header; expected {','.join(columns)}")])


def _set_aside_torn_locked(path: Path, *, scan_whole: bool) -> bytes:
    """Move a torn tail of ``path`` to ``<path>.torn``; the caller holds the lock.

    ``scan_whole``: the file may hold quoted text with line breaks (notes), so a write torn
    just after a line break inside a note also ends in a newline; only a look at every quote
    tells. Without it, a file that ends in a newline is whole, decided from one byte.
    """
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        if size == 0:
            return b""
        if not scan_whole:
            file.seek(size - 1)
            if file.read(1) == b"\n":
                return b""
        file.seek(0)
        data = file.read()
    whole, torn = _split_torn(data)
    if torn:
        side = path.with_name(path.name + ".torn")
        fd = os.open(side, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            _write_all(fd, torn if torn.endswith(b"\n") else torn + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.truncate(path, len(whole))
    return torn


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


# --- loading -------------------------------------------------------------------------------------


class _Rows:
    """A file's parsed rows, and (worked out on first use) the line each row starts on."""

    def __init__(self, frame: pd.DataFrame, find_lines: Callable[[], np.ndarray]) -> None:
        self.frame = frame
        self._find_lines = find_lines

    @functools.cached_property
    def lines(self) -> np.ndarray:
        return self._find_lines()


def _record_layout(data: bytes, skip: int) -> tuple[np.ndarray, np.ndarray]:
    """Field count and first physical line of every record after the first ``skip`` bytes.

    Vectorised with numpy: commas and newlines count only outside quoted fields (an even
    number of quotes before them), so notes with commas and newlines are one field.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == ord("\n"))
    commas = np.flatnonzero(raw == ord(","))
    quotes = _quotes(data)
    if quotes.size:
        newlines_out = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    else:
        newlines_out = newlines
    ends = newlines_out[newlines_out >= skip]
    starts = np.concatenate(([skip], ends[:-1] + 1))
    fields = np.diff(np.searchsorted(commas, np.concatenate(([skip], ends)))) + 1
    blank = ends == starts
    fields[blank] = 0
    first_line = np.searchsorted(newlines, starts) + 1  # lines counted from 1
    return fields, first_line


def _read_file(path: Path, columns: Sequence[str], problems: list[Problem]) -> _Rows:
    """Read one log file: its columns, and the line each row starts on; note problems found."""
    name = path.name
    if not path.exists():
        return _empty(columns)
    if not path.is_file():
        problems.append(Problem(name, None, None, "is not a file"))
        return _empty(columns)
    data = path.read_bytes()
    return _read_whole(data, columns) or _read_exactly(path, data, columns, problems)


def _read_whole(data: bytes, columns: Sequence[str]) -> _Rows | None:
    """The usual file, read in one pass: whole, the right header, every record complete.

    Returns None when that cannot be shown cheaply (a torn tail, a blank, short or long row,
    bytes that are not UTF-8); :func:`_read_exactly` then finds and names each problem.
    """
    expected = _csv_lines([columns])
    if not (data.endswith(b"\n") and data.startswith(expected)):
        return None
    try:
        # "error": a long row or an open quote at the end stops the parse
        frame = _parse_csv(data, columns, on_bad_lines="error", skip_blank_lines=False)
    except (pd.errors.ParserError, UnicodeDecodeError):
        return None
    records = len(frame)
    start = len(expected)
    if b'"' not in data:
        # no row is long, and the commas add up: no row is short or blank either
        if _commas(data, start) != (len(columns) - 1) * records:
            return None
        return _Rows(frame, lambda: np.arange(2, records + 2))
    quotes = _quotes(data)
    if quotes.size % 2:
        return None
    # the commas inside quoted fields are text, not separators (a doubled quote inside a field
    # opens and closes an empty stretch, which holds no comma)
    quoted = sum(data.count(b",", opens, closes)
                 for opens, closes in zip(quotes[0::2].tolist(), quotes[1::2].tolist(),
                                          strict=True))
    if _commas(data, start) - quoted != (len(columns) - 1) * records:
        return None
    # lines are needed only to name a problem: find them only then
    return _Rows(frame, lambda: _record_layout(data, start)[1])


_CHUNK = 1 << 20  # a megabyte at a time: no temporary as large as the file
# files up to this size are parsed in one block (pandas splits larger ones to save memory)
_ONE_BLOCK_BYTES = 16 << 20


def _commas(data: bytes, start: int) -> int:
    """How many commas ``data`` holds from ``start`` (numpy counts bytes five times faster)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    return sum(int(np.count_nonzero(raw[at : at + _CHUNK] == ord(",")))
               for at in range(start, len(raw), _CHUNK))


def _quotes(data: bytes) -> np.ndarray:
    """Where ``data`` holds a double quote."""
    raw = np.frombuffer(data, dtype=np.uint8)
    found = [np.flatnonzero(raw[at : at + _CHUNK] == ord('"')) + at
             for at in range(0, len(raw), _CHUNK)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def _read_exactly(path: Path, data: bytes, columns: Sequence[str], problems: list[Problem]
                  ) -> _Rows:
    """Read a file that may be torn or have bad rows, naming each problem by its line."""
    name = path.name
    whole, torn = _split_torn(data)
    if torn:
        _set_aside_torn(path, torn, first_line=whole.count(b"\n") + 1)
        data = whole
    if not data:
        return _empty(columns)
    header_end = data.index(b"\n") + 1
    expected = _csv_lines([columns])
    if data[:header_end].replace(b"\r\n", b"\n") != expected:
        try:
            found = data[:header_end].decode("utf-8").strip()
        except UnicodeDecodeError as error:
            # a spreadsheet's "Unicode text" is UTF-16: say so, and name the file
            problems.append(Problem(name, 1, None, f"is not UTF-8 text (byte {error.start + 1}); "
                                    "save it as CSV UTF-8"))
            return _empty(columns)
        problems.append(Problem(name, 1, None,
                                f"wrong header '{found}'; expected '{expected.decode().strip()}'"))
        return _empty(columns)
    try:
        frame = _parse_csv(data, columns)
    except UnicodeDecodeError:
        # pandas only says that the bytes are wrong; Python says where
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            problems.append(Problem(name, line, None, "is not UTF-8 text"))
        return _empty(columns)
    except pd.errors.ParserError:
        # a quote that opens a field and never closes it swallows the rest of the file
        problems.append(Problem(name, _last_record_line(data), None,
                                'starts a quoted field (") that is never closed'))
        return _empty(columns)
    fields, first_line = _record_layout(data, header_end)
    for index in np.flatnonzero(fields != len(columns)):
        reason = ("is empty" if fields[index] == 0
                  else f"has {fields[index]} fields; expected {len(columns)}")
        problems.append(Problem(name, int(first_line[index]), None, reason))
    # pandas skips blank and over-long lines (but keeps an over-long first row, cut to the
    # header's width) and pads short ones: keep the lines in step
    keep = (fields <= len(columns)) & (fields > 0)
    keep[:1] |= fields[:1] > len(columns)
    kept = first_line[keep]
    if len(kept) != len(frame):  # quotes that pandas and the layout read differently
        problems.append(Problem(name, None, None, "its rows could not be told apart; "
                                "fix the problems named above and load it again"))
        return _empty(columns)
    return _Rows(frame, lambda: kept)


def _last_record_line(data: bytes) -> int:
    """The line the last record starts on, as a CSV reader sees quotes (Python's csv module
    treats a quote inside an unquoted field as text, as pandas does). Used only to name a
    problem, so its speed does not matter."""
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline=""))
    start = end = 0
    try:
        for _ in reader:
            start, end = end + 1, reader.line_num
    except csv.Error:
        return end + 1
    return start


def _empty(columns: Sequence[str]) -> _Rows:
    """A file without rows (made only when needed: a frame costs a millisecond)."""
    frame = pd.DataFrame({column: pd.Series(dtype=str) for column in columns})
    return _Rows(frame, lambda: np.zeros(0, dtype="int64"))


def _parse_csv(data: bytes, columns: Sequence[str], *, on_bad_lines: str = "skip",
               skip_blank_lines: bool = True) -> pd.DataFrame:
    """Parse a log's bytes: text columns as ``str``, numbers left to the C parser.

    Numbers parsed by pandas are the fast path; a bad cell makes its column text, which the
    checks then examine cell by cell. By default over-long rows are skipped (they are reported
    from the record layout), blank lines too.
    """
    text_columns = [column for column in columns if column not in _NUMERIC_COLUMNS]
    with warnings.catch_warnings():
        # pandas warns when it cuts an over-long first row; the layout check names that row
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(
            io.BytesIO(data), dtype=dict.fromkeys(text_columns, str), keep_default_na=False,
            na_values={column: [""] for column in _NUMERIC_COLUMNS.intersection(columns)},
            on_bad_lines=on_bad_lines, encoding="utf-8", skip_blank_lines=skip_blank_lines,
            low_memory=len(data) > _ONE_BLOCK_BYTES,
            # without this, a first row with one field too many silently becomes the index
            index_col=False,
        )  # fmt: skip


def _set_aside_torn(path: Path, torn: bytes, first_line: int) -> None:
    """Set a torn tail aside (under the lock) and say so once, naming its lines."""
    try:
        with _lock(path):
            if not _set_aside_torn_locked(path, scan_whole=True):
                # a row was being written when the file was read, and is whole now: it will
                # load next time, and nothing is torn
                return
        kept = f"kept in {path.name}.torn"
    except OSError:
        kept = "left in place (the folder is read-only)"
    lines = torn.count(b"\n") + (not torn.endswith(b"\n"))
    if lines == 1:
        what = f"the last line (line {first_line}) was cut off by an interrupted write"
    else:  # a torn note that held line breaks, or a quote typed into the file by hand
        what = (f"lines {first_line} to {first_line + lines - 1} lie inside a quoted field that "
                "never closes (an interrupted write, or a quote typed by hand)")
    warnings.warn(
        f"{path.name}: {what} ({len(torn)} bytes); it is {kept} and every row before it was "
        "loaded.",
        TornLineWarning,
        stacklevel=4,
    )


class _Checker:
    """Vectorised column checks that add a :class:`Problem` for every bad cell.

    The checks work on numpy arrays and go back to pandas only to explain a bad cell: a
    pandas call costs tens of microseconds whatever its size, which adds up on a small log.
    """

    def __init__(self, rows: _Rows, file: str, problems: list[Problem]) -> None:
        self.rows = rows
        self.file = file
        self.problems = problems
        self._columns: dict[str, pd.Series] = {}
        self._texts: dict[str, np.ndarray] = {}

    def column(self, column: str) -> pd.Series:
        """The parsed column (looked up once: each lookup is a pandas call)."""
        if column not in self._columns:
            self._columns[column] = self.rows.frame[column]
        return self._columns[column]

    def text(self, column: str) -> np.ndarray:
        if column not in self._texts:
            self._texts[column] = self.column(column).to_numpy(dtype=object)
        return self._texts[column]

    def flag(self, bad: np.ndarray, column: str, reason: str) -> None:
        bad = np.asarray(bad, dtype=bool)
        if not bad.any():
            return
        for line, cell in zip(self.rows.lines[bad], self.text(column)[bad], strict=True):
            value = "" if pd.isna(cell) else str(cell)
            shown = value if len(value) <= 40 else value[:37] + "..."
            self.problems.append(Problem(self.file, int(line), column, f"{reason} (got '{shown}')"))

    def choice(self, column: str, allowed: Sequence[str]) -> None:
        values = self.text(column)
        if set(values) <= set(allowed):  # one hash pass; the mask only when needed
            return
        listed = ", ".join(repr(a) if a else "empty" for a in allowed)
        self.flag(~np.isin(values, list(allowed)), column, f"must be one of {listed}")

    def required(self, column: str) -> None:
        self.flag(self.text(column) == "", column, "must not be empty")

    def _numbers(self, column: str) -> tuple[np.ndarray, np.ndarray | bool]:
        """The column as floats, and where a non-empty cell is not a number."""
        values = self.column(column)
        if pd.api.types.is_numeric_dtype(values):
            return values.to_numpy(dtype="float64"), False
        number = pd.to_numeric(values.where(values != ""), errors="coerce")  # the slow path
        unparsable = number.isna() & values.notna() & (values != "")
        return number.to_numpy(dtype="float64"), unparsable.to_numpy(dtype=bool)

    def whole(self, column: str, low: int, high: int | None = None) -> np.ndarray:
        """The column as whole numbers (integers, or floats with NaN where a cell is bad)."""
        values = self.column(column)
        if values.dtype == np.int64:  # the C parser found only integers: check the range alone
            integers = values.to_numpy()
            if integers.min(initial=low) >= low and (high is None
                                                     or integers.max(initial=high) <= high):
                return integers
        number, _ = self._numbers(column)
        with np.errstate(invalid="ignore"):
            bad = np.isnan(number) | (number % 1 != 0) | (number < low)
            if high is not None:
                bad |= number > high
        span = f"from {low} to {high}" if high is not None else f"of {low} or more"
        self.flag(bad, column, f"must be a whole number {span}")
        return np.where(bad, np.nan, number)

    def number(self, column: str, *, optional: bool = False) -> np.ndarray:
        number, unparsable = self._numbers(column)
        with np.errstate(invalid="ignore"):
            bad = (number < 0) | unparsable
        if not optional:
            bad |= np.isnan(number)
        self.flag(bad, column, "must be a number of seconds, 0 or more"
                  + (", or empty" if optional else ""))
        return number

    def timestamp(self, column: str, *, repeated: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Return (UTC instant, local wall clock), ``datetime64[s]``, for an ISO 8601 column.

        ``repeated``: the column repeats a value over consecutive rows (a session's start on each
        of its blocks), so each run of equal values is parsed once.
        """
        values = self.text(column)
        if repeated and len(values):
            changes = np.empty(len(values), dtype=bool)
            changes[0] = True
            np.not_equal(values[1:], values[:-1], out=changes[1:])
            run = np.cumsum(changes) - 1
            local, offset_min, fast = (part.take(run) for part in
                                       _parse_fixed_timestamps(values[changes]))
        else:
            local, offset_min, fast = _parse_fixed_timestamps(values)
        if not fast.all():  # fractional seconds, "Z" or a bad cell: the regex path
            slow = ~fast
            rest = pd.Series(values[slow], dtype=object)
            shaped = rest.str.fullmatch(_TIMESTAMP).fillna(False).to_numpy(dtype=bool)
            wall = pd.to_datetime(rest.str.slice(0, 19).where(shaped), errors="coerce",
                                  format="%Y-%m-%dT%H:%M:%S")
            tail = rest.str.slice(-6).where(~rest.str.endswith("Z"), "+00:00")
            sign = np.where(tail.str.slice(0, 1) == "-", -1, 1)
            minutes = (pd.to_numeric(tail.str.slice(1, 3), errors="coerce") * 60
                       + pd.to_numeric(tail.str.slice(4, 6), errors="coerce")) * sign
            local[slow] = wall.to_numpy(dtype="datetime64[s]")
            offset_min[slow] = np.nan_to_num(minutes.to_numpy(dtype=float)).astype("int64")
            not_shaped = np.zeros(len(values), dtype=bool)
            not_shaped[slow] = ~shaped
            unreal = np.zeros(len(values), dtype=bool)
            unreal[slow] = shaped & wall.isna().to_numpy()
            self.flag(not_shaped, column, "must be an ISO 8601 time with its UTC offset, "
                      "like 2026-11-24T08:15:02+01:00")
            self.flag(unreal, column, "is not a real date and time")
        return local - offset_min.astype("timedelta64[m]"), local


def _utc(instants: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(instants, tz="UTC")


def _day(local: np.ndarray) -> np.ndarray:
    """The calendar day (midnight) of each wall-clock time."""
    return local.astype("datetime64[D]").astype(local.dtype)


def _counts(values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(values).astype("int64")


_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24])
_SEPARATOR_AT = np.array([4, 7, 10, 13, 16, 22])
_SEPARATOR_IS = np.frombuffer(b"--T:::", dtype=np.uint8)
_TIMESTAMP_LENGTH = 25
_TIMESTAMP_BLOCK = 1 << 15


@functools.cache
def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """For every month from 0001-01 to 9999-12: its first day (days since 1970) and its length."""
    months = np.arange(np.datetime64("0001-01"), np.datetime64("10000-01"), dtype="datetime64[M]")
    first = np.append(months, np.datetime64("10000-01")).astype("datetime64[D]").astype(np.int64)
    return first[:-1], np.diff(first).astype(np.int8)


def _characters(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Each value's first 25 characters as bytes, one row per position, and which values are
    longer (None when none is).

    The usual column (every value 25 ASCII characters) is joined and encoded in one C call;
    anything else goes through numpy's fixed-width strings, with non-ASCII characters as 255.
    """
    count = len(values)
    width = _TIMESTAMP_LENGTH
    try:
        joined = "\n".join(values).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        joined = b""
    if len(joined) == (width + 1) * count - 1:
        buffer = np.frombuffer(joined, dtype=np.uint8)
        # a newline after every 25th character and nowhere else: every value has 25
        if ((buffer[width :: width + 1] == ord("\n")).all()
                and joined.count(b"\n") == count - 1):
            rows = np.lib.stride_tricks.as_strided(buffer, shape=(count, width),
                                                   strides=(width + 1, 1), writeable=False)
            return np.ascontiguousarray(rows.T), None
    wide = values.astype(f"U{width + 1}").view(np.uint32).reshape(count, width + 1)
    return np.minimum(wide[:, :width].T, 255).astype(np.uint8), wide[:, width] != 0


def _parse_fixed_timestamps(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse ``YYYY-MM-DDTHH:MM:SS+HH:MM`` strings with numpy, a block of values at a time.

    Returns the local wall clock (``datetime64[s]``), the UTC offset in minutes, and a mask of the
    values that had exactly this shape and a real date and time; the others are left to the caller.
    Blocks keep every temporary array small enough to stay in cache and be reused.
    """
    count = len(values)
    local = np.empty(count, dtype="datetime64[s]")
    offset = np.empty(count, dtype=np.int64)
    ok = np.empty(count, dtype=bool)
    for at in range(0, count, _TIMESTAMP_BLOCK):
        block = slice(at, at + _TIMESTAMP_BLOCK)
        local[block], offset[block], ok[block] = _parse_timestamp_block(values[block])
    return local, offset, ok


def _parse_timestamp_block(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_parse_fixed_timestamps` for one block of values."""
    # one contiguous row per character position: every step below runs along whole rows
    chars, too_long = _characters(values)
    digits = chars[_DIGITS]
    digits -= np.uint8(ord("0"))  # non-digits wrap above 9
    separators = chars[_SEPARATOR_AT] == _SEPARATOR_IS[:, None]
    sign = chars[19]
    ok = (sign == ord("+")) | (sign == ord("-"))
    if digits.max() > 9 or not separators.all():  # the usual column skips these masks
        is_digit = digits <= 9
        ok &= is_digit.all(axis=0) & separators.all(axis=0)
        digits[~is_digit] = 0
    if too_long is not None:
        ok &= ~too_long
    # the nine two-digit numbers: yy YY MM DD hh mm ss HH MM
    pairs = digits[0::2].astype(np.int32) * 10 + digits[1::2]
    century, year, month, day, hour, minute, second, offset_hours, offset_minutes = pairs
    first_day, month_length = _calendar()
    month_index = (century * 100 + year - 1) * 12 + month - 1  # months since 0001-01
    ok &= (month >= 1) & (month <= 12) & (month_index >= 0)
    month_index[~ok] = 0
    ok &= (day >= 1) & (day <= month_length.take(month_index))
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    days = first_day.take(month_index) + (day - 1)
    local = (days * 86400 + (hour * 3600 + minute * 60 + second)).astype("datetime64[s]")
    minutes = offset_hours * 60 + offset_minutes
    offset = np.where(sign == ord("-"), -minutes, minutes).astype(np.int64)
    if not ok.all():
        local[~ok] = np.datetime64("NaT")
        offset[~ok] = 0
    return local, offset, ok


def _typed_exercise(rows: _Rows, file: str, problems: list[Problem]
                    ) -> pd.DataFrame:
    check = _Checker(rows, file, problems)
    check.required("session_id")
    check.required("exercise")
    check.choice("side", SIDES)
    check.choice("status", STATUSES)
    started, started_local = check.timestamp("session_started_at", repeated=True)
    logged, _ = check.timestamp("logged_at")
    reps_target = check.whole("reps_target", 0)
    reps_done = check.whole("reps_done", 0)
    with np.errstate(invalid="ignore"):
        check.flag(reps_done > reps_target, "reps_done", "is more than reps_target")
    return pd.DataFrame({
        "session_id": check.column("session_id"),
        "session_started_at": _utc(started),
        "exercise": check.column("exercise"),
        "side": check.column("side"),
        "reps_target": _counts(reps_target),
        "reps_done": _counts(reps_done),
        "hold_s_target": check.number("hold_s_target"),
        "hold_s_mean": check.number("hold_s_mean", optional=True),
        "status": check.column("status"),
        "logged_at": _utc(logged),
        "started_local": started_local,
        "date": _day(started_local),
    }, index=rows.frame.index, copy=False)  # fmt: skip


def _typed_pain(rows: _Rows, file: str, problems: list[Problem]
                ) -> pd.DataFrame:
    check = _Checker(rows, file, problems)
    recorded, recorded_local = check.timestamp("recorded_at")
    pain = _counts(check.whole("pain", 0, 10))
    check.choice("context", CONTEXTS)
    check.choice("flare", FLARES)
    context = check.text("context")
    in_session = (context == "before_session") | (context == "after_session")
    check.flag(in_session & (check.text("session_id") == ""), "session_id",
               "must name the session for a before/after score")
    return pd.DataFrame({
        "recorded_at": _utc(recorded),
        "pain": pain,
        "context": check.column("context"),
        "session_id": check.column("session_id"),
        "flare": check.column("flare"),
        "note": check.column("note"),
        "recorded_local": recorded_local,
        "date": _day(recorded_local),
    }, index=rows.frame.index, copy=False)  # fmt: skip


def load_log(directory: Path | str | None = None) -> Log:
    """Load and validate the two log files of ``directory``.

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
    exercise_raw = _read_file(folder / paths.EXERCISE_LOG_NAME, EXERCISE_COLUMNS, problems)
    pain_raw = _read_file(folder / paths.PAIN_LOG_NAME, PAIN_COLUMNS, problems)
    exercise = _typed_exercise(exercise_raw, paths.EXERCISE_LOG_NAME, problems)
    pain = _typed_pain(pain_raw, paths.PAIN_LOG_NAME, problems)
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0))
        raise LogError(problems)
    return Log(exercise=exercise, pain=pain, directory=folder)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a clear ``ValueError`` naming the columns ``frame`` lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}")
