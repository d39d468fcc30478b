"""Share bundles: one zip a patient hands to their physiotherapist, and the safe way to read one.

A bundle holds the log's CSV files exactly as logged (the questionnaire and signals tables when
the log has them), the plan, the PDF report and ``manifest.json`` (kit version, the report's
period, the SHA-256 and size of every other file).

De-identified bundles (``deidentify=True``) hold a random patient code instead of a name, no
notes, no PSFS activity names, and every timestamp written in one fixed offset (``+00:00``) and
moved by one random whole number of weeks. A row's dating time (:attr:`.schema.Table.dated_by`)
keeps the local wall clock the analysis reads (its day, weekday and time of day), stamped
``+00:00``; the row's other times keep their distance from it, so a session lasts as long as it
did. No clock change shows (the real switch from +01:00 to +00:00 on the last Sunday of October
would date the log), the offset names no region, and no real date remains. One limit: two rows
written within the hour a clock going back repeats can swap their order.
The session ids, which can hold a date, are renumbered; an exercise id the plan does not name
becomes ``exercise-1``, ``exercise-2`` and so on (:meth:`.plan.Plan.neutral_ids`); the plan loses
its name and instructions and its dates move with the log. The manifest says all this, but not
by how much the dates moved. Which columns are times, free text and ids comes from
:mod:`.schema`.

Reading (:func:`read_bundle`) never writes a member's own name anywhere: the known files are
checked against the manifest's hashes and copied, under fixed names, into a temporary folder
that :func:`~.log.store.load_log` reads. A member named ``../x``, an absolute path or
a symlink makes the bundle refused, in one sentence.

A hostile bundle costs only its own row: its file is read only if it is a regular file (checked
with ``lstat``, never through a link, never a device or a FIFO: :func:`read_regular`); each
member may hold at most :data:`MAX_MEMBER_BYTES` (the report :data:`MAX_REPORT_BYTES`, and it
must begin as a PDF does), and all of them :data:`MAX_BUNDLE_BYTES`, checked from the zip's
declared sizes and again while reading, so a header that lies is caught; a damaged stream, a
manifest or plan nested too deep, or any other failure while reading becomes one sentence.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import stat
import tempfile
import tomllib
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath

from .. import __version__, paths
from ..analysis.periods import to_day
from ..log.deidentify import unknown_exercise_ids
from ..log.schema import TABLES, Table
from ..log.store import load_log, now_local, write_private
from ..plan import Plan, PlanError, parse_plan
from ..plan import plan_toml as write_plan_toml
from ..report.build import render
from ..report.content import gather_report

MANIFEST = "manifest.json"
PLAN_NAME = "plan.toml"
REPORT_NAME = "report.pdf"
FORMAT = "backrelief-bundle"
FORMAT_VERSION = 1
LOG_NAMES = (paths.EXERCISE_LOG_NAME, paths.PAIN_LOG_NAME)
OUTCOMES_NAME = paths.OUTCOMES_LOG_NAME
# tables a log may lack (a bundle made before a table existed lacks it too)
OPTIONAL_NAMES = (OUTCOMES_NAME, paths.SIGNALS_LOG_NAME)
SHARED_DAYS = "last_entry_days_before_sharing"  # a manifest's days, never a date
# far above a lifetime of daily logging (ten rows a day for fifty years is ~40 MB); stops zip bombs
MAX_MEMBER_BYTES = 64 * 1024 * 1024
# the most a bundle's members may hold together, uncompressed (and the most a .zip may weigh)
MAX_BUNDLE_BYTES = 128 * 1024 * 1024
# the kit's report is a two-page PDF of about 100 kB; a larger "report" is not one
MAX_REPORT_BYTES = 8 * 1024 * 1024
PDF_MAGIC = b"%PDF-"  # how every PDF file begins
READ_CHUNK = 1024 * 1024  # a member is read in pieces of this size, counted as they come
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no member carries a real one
SHIFT_NOTE = ("every timestamp is written in the local wall-clock time of its row with one "
              "fixed UTC offset (+00:00), so no clock change shows, and moved by the same random "
              "whole number of weeks, so local days, weekdays, times of day and the length of "
              "each session are kept; the shift is not recorded")
DEIDENTIFIED_NOTE = ("no name (a random patient code instead), no notes, no PSFS activity names "
                     "(activity 1, 2, ...), session and questionnaire ids renumbered, exercise ids "
                     "the plan does not name replaced by exercise-1, exercise-2, ..., and the "
                     "plan's name and instructions withheld")


class BundleError(ValueError):
    """A bundle that cannot be used, said in one sentence."""


# --- writing --------------------------------------------------------------------------------------


def patient_code() -> str:
    """A random pseudonymous patient code like ``P-7F3A9C`` (no link to the name)."""
    return f"P-{secrets.token_hex(3).upper()}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _toml_string(text: str) -> str:
    # a JSON string with ASCII escapes is also a valid TOML basic string
    return json.dumps(text, ensure_ascii=True)


def plan_toml(plan: Plan, *, deidentify: bool = False, shift: timedelta = timedelta(0)) -> str:
    """The plan as TOML that :func:`~backrelief_analysis.plan.load_plan` reads back the same
    (:func:`~backrelief_analysis.plan.plan_toml`).

    With ``deidentify`` the plan's name, the exercises' instructions and the change list (free
    text a clinician wrote, which may name the patient) are replaced by neutral words or left
    out, and side names left out ("left side", "right side"); ``shift`` moves the plan's dates
    (``valid_from``, earlier targets, date settings) with the log.
    """
    if deidentify:
        plan = replace(plan, name="Shared plan", changes=(), exercises=tuple(
            replace(exercise, instructions="Not shared.", side_names=())
            for exercise in plan.exercises))
    if shift:
        dates = {key: value + shift for key, value in vars(plan.thresholds).items()
                 if isinstance(value, date)}
        plan = replace(plan, valid_from=plan.valid_from and plan.valid_from + shift,
                       earlier_targets=tuple(replace(target, until=target.until + shift)
                                             for target in plan.earlier_targets),
                       thresholds=replace(plan.thresholds, **dates))
    return write_plan_toml(plan)


def _stamp(moment: datetime) -> str:
    spec = "seconds" if moment.microsecond == 0 else "auto"
    return moment.isoformat(timespec=spec)


Rewrite = Callable[[dict[str, str]], dict[str, str] | None]


def _rewrite_csv(data: bytes, rewrite: Rewrite) -> bytes:
    """Rewrite every row of a CSV file with ``rewrite`` (a row in; the row to write, or None
    to leave it out), header kept."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        rewritten = rewrite(row)
        if rewritten is not None:
            writer.writerow(rewritten)
    return out.getvalue().encode("utf-8")


class _Deidentifier:
    """Rewrites the rows of one bundle: times in one offset and moved, ids renumbered or made
    neutral, free text dropped; what each column is comes from its :class:`.schema.Column`."""

    def __init__(self, shift: timedelta, exercises: dict[str, str]) -> None:
        self.shift = shift
        self.exercises = exercises  # exercise ids the plan does not name -> neutral ids
        self._ids: dict[str, dict[str, str]] = {}
        self._activities: dict[str, str] = {}

    def ident(self, kind: str, value: str) -> str:
        if not value:
            return value
        table = self._ids.setdefault(kind, {})
        return table.setdefault(value, f"{kind.removesuffix('_id')}-{len(table) + 1:05d}")

    def rows(self, table: Table) -> Rewrite:
        """The rewrite of one row of ``table``'s file (for :func:`_rewrite_csv`)."""
        return lambda row: self.row(table, row)

    def times(self, table: Table, row: dict[str, str]) -> dict[str, str] | None:
        """The row's times in +00:00 and moved, or None for a row cut off by an interrupted
        write (the loader leaves it out too; it is the only row that may not parse)."""
        try:
            # the dating time as the analysis reads it (its own wall clock), now in +00:00;
            # the row's other times keep their distance from it
            dating = datetime.fromisoformat(row[table.dated_by])
            moved = dating.replace(tzinfo=UTC) + self.shift
            return {column.name: _stamp(moved + (datetime.fromisoformat(value) - dating))
                    for column in table.columns if column.kind == "timestamp"
                    and (value := row.get(column.name))}
        except (KeyError, TypeError, ValueError):
            return None

    def row(self, table: Table, row: dict[str, str]) -> dict[str, str] | None:
        times = self.times(table, row)
        if times is None:
            return None
        result = {}
        for column in table.columns:
            value = row.get(column.name) or ""
            if column.kind == "timestamp":
                value = times.get(column.name, "")
            elif column.free_text:
                value = ""
            elif column.id_kind == "log":
                value = self.ident(column.name, value)
            elif column.id_kind == "plan":
                value = self.exercises.get(value, value)
            elif column.named_when is not None and value and (
                    row.get(column.named_when[0]) or "").lower() == column.named_when[1]:
                # a name the patient chose (a PSFS activity) can identify them
                value = self._activities.setdefault(value, f"activity {len(self._activities) + 1}")
            result[column.name] = value
        return result


@dataclass(frozen=True)
class Shared:
    """What :func:`bundle_bytes` made: the zip's bytes and its manifest."""

    data: bytes
    manifest: dict


def random_shift(first: date, last: date) -> timedelta:
    """A whole number of weeks back in time, more than the log's span, so no real date remains."""
    span_weeks = (last - first).days // 7 + 1
    return timedelta(weeks=-(span_weeks + 52 + secrets.randbelow(520)))


def bundle_bytes(log_dir: Path, plan: Plan, *, start: date | str | None = None,
                 end: date | str | None = None, patient: str | None = None,
                 deidentify: bool = False, source_note: str = "",
                 shared_on: date | str | None = None) -> Shared:
    """Build a share bundle from the log in ``log_dir``.

    Parameters
    ----------
    log_dir
        A log folder (its CSV files are read as they are; the log must load without problems).
    plan
        The plan the report is measured against; it goes into the bundle.
    start, end
        The report's period (inclusive local days); by default the whole log. The whole log
        goes into the bundle either way, so the baseline stays that of the whole log.
    patient
        The patient's name (in the manifest and the report); ignored with ``deidentify``.
    deidentify
        A pseudonymous bundle: see the module's description.
    shared_on
        The day of sharing, by default today. The manifest records how many days before it the
        last entry was (:data:`SHARED_DAYS`, a number of days, no date), so a de-identified
        bundle, whose dates are moved, can be measured to its day of sharing.

    Returns
    -------
    Shared
    """
    start = to_day(start).date() if start is not None else None
    end = to_day(end).date() if end is not None else None
    tables = {table.file_name: table for table in TABLES}
    files: dict[str, bytes] = {}
    for name in (*LOG_NAMES, *OPTIONAL_NAMES):
        path = Path(log_dir) / name
        if path.is_file():
            files[name] = path.read_bytes()
        elif name in LOG_NAMES:  # a missing log file is one without rows; a reader needs both
            files[name] = (",".join(tables[name].names) + "\n").encode("utf-8")
    log = load_log(log_dir)
    days = [*log.exercise["date"], *log.pain["date"]]
    if not days:
        raise BundleError(f"the log in {log_dir} has no entries yet, so there is nothing to share")
    first, last = min(days).date(), max(days).date()
    sharing_day = to_day(shared_on).date() if shared_on is not None else now_local().date()
    before_sharing = max((sharing_day - last).days, 0)
    shift = timedelta(0)
    code = None
    if deidentify:
        shift = random_shift(first, last)
        code = patient_code()
        scrubber = _Deidentifier(shift, unknown_exercise_ids(log, plan))
        files = {name: _rewrite_csv(data, scrubber.rows(tables[name]))
                 for name, data in files.items()}
        plan_text = plan_toml(plan, deidentify=True, shift=shift)
    elif plan.source is not None and Path(plan.source).is_file():
        plan_text = Path(plan.source).read_text(encoding="utf-8")
    else:
        plan_text = plan_toml(plan)
    files[PLAN_NAME] = plan_text.encode("utf-8")
    shifted_plan = parse_plan(tomllib.loads(plan_text), source=Path(PLAN_NAME))
    period = {"start": (start + shift).isoformat() if start else None,
              "end": (end + shift).isoformat() if end else None}
    # the report reads the bundle's own files, questionnaires included, as a reader will
    shared_log, _ = load_files(files)
    content = gather_report(shared_log, shifted_plan, start=period["start"], end=period["end"],
                            patient=None if deidentify else patient, deidentify=deidentify,
                            code=code, source_note=source_note)
    files[REPORT_NAME] = render(content, ".pdf")
    whole = [*shared_log.exercise["date"], *shared_log.pain["date"]]
    # whole_log: no period was chosen, so the report (and a reader) take the whole log
    period = {"start": period["start"] or min(whole).date().isoformat(),
              "end": period["end"] or max(whole).date().isoformat(),
              "whole_log": start is None and end is None}
    return pack_bundle(files, patient=None if deidentify else patient, code=code,
                       period=period, deidentified=deidentify, before_sharing=before_sharing)


def pack_bundle(files: dict[str, bytes], *, patient: str | None, code: str | None,
                period: dict[str, str], deidentified: bool,
                before_sharing: int | None = None) -> Shared:
    """Zip ``files`` (name to bytes) with their manifest; no member carries a real date."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kit_version": __version__,
        "patient": patient.strip() if patient and patient.strip() else None,
        "patient_code": code,
        "deidentified": deidentified,
        "period": period,
        SHARED_DAYS: before_sharing,
        "time_shift": SHIFT_NOTE if deidentified else "none",
        "removed": DEIDENTIFIED_NOTE if deidentified else "none",
        "files": {name: {"sha256": _sha256(data), "bytes": len(data)}
                  for name, data in files.items()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(MANIFEST, json.dumps(manifest, indent=2).encode("utf-8")),
                           *files.items()]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return Shared(buffer.getvalue(), manifest)


def write_bundle(log_dir: Path, plan: Plan, out: Path, **options) -> Path:
    """Write a share bundle (see :func:`bundle_bytes`) to ``out``, owner-only and atomically."""
    if out.suffix.lower() != ".zip":
        raise BundleError(f"a bundle is a .zip file, so the name must end in .zip (got {out.name})")
    return write_private(bundle_bytes(log_dir, plan, **options).data, out)


# --- reading --------------------------------------------------------------------------------------


@dataclass
class OpenedBundle:
    """A bundle checked against its manifest: the log's files, the plan, the period."""

    manifest: dict
    files: dict[str, bytes]
    plan: Plan
    start: str | None
    end: str | None

    @property
    def patient(self) -> str | None:
        """The name, or the code of a de-identified bundle."""
        return self.manifest.get("patient") or self.manifest.get("patient_code")


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be read, or None."""
    name = info.filename
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"a member with an absolute path ({name!r})"
    if ".." in posix.parts:
        return f"a member that points outside the bundle ({name!r})"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"a symbolic link ({name!r})"
    return None


def read_regular(path: Path, limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Checked with ``lstat`` and opened without following a link or waiting on a FIFO, so a
    link (to ``/dev/zero``, or to another patient's file), a device, a FIFO or a socket is
    never read.

    Raises
    ------
    BundleError
        One sentence: a link, not a regular file, or larger than ``limit``.
    FileNotFoundError
        When there is no such file.
    """
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise BundleError(f"{path.name} is a link to another file, and links are not followed")
    if not stat.S_ISREG(info.st_mode):
        raise BundleError(f"{path.name} is not a regular file (a device, a pipe or a socket), "
                          "so it was not read")
    if info.st_size > limit:
        raise BundleError(f"{path.name} is larger than {limit / 2**20:.3g} MB, more than any "
                          "patient's files could be, so it was not read")
    # no link followed, no wait on a FIFO swapped in since the lstat
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with os.fdopen(os.open(path, flags), "rb") as file:
        now = os.fstat(file.fileno())
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (info.st_dev,
                                                                           info.st_ino):
            raise BundleError(f"{path.name} was replaced while it was read, so it was not read")
        # in pieces: one read of ``limit`` bytes would reserve all of them at once
        pieces, size = [], 0
        while size <= limit and (piece := file.read(min(READ_CHUNK, limit + 1 - size))):
            pieces.append(piece)
            size += len(piece)
        data = b"".join(pieces)
    if len(data) > limit:
        raise BundleError(f"{path.name} grew past {limit / 2**20:.3g} MB while it was read, so it "
                          "was not read")
    return data


def _member_limit(name: str) -> int:
    return MAX_REPORT_BYTES if name == REPORT_NAME else MAX_MEMBER_BYTES


def _too_big(label: str, what: str, limit: int) -> BundleError:
    """``what`` (``"report.pdf unpacks to"``) more than ``limit`` bytes, in one sentence."""
    return BundleError(f"{label}: {what} more than {limit / 2**20:.3g} MB, more than the kit "
                       "ever writes, so it was not read")


def _parsed(label: str, what: str, parse: Callable[[], object]) -> object:
    """``parse()``, with nesting too deep for the parser said in one sentence."""
    try:
        return parse()
    except RecursionError:
        raise BundleError(f"{label}: its {what} is nested too deeply to be a backrelief "
                          "file") from None


def open_bundle(data: bytes, label: str) -> OpenedBundle:
    """Check a bundle's bytes and return its contents (nothing is written to disk).

    Raises
    ------
    BundleError
        One sentence naming ``label`` and what is wrong: not a zip, a hostile member, no
        manifest, a missing file, a member too large, a hash that does not match, a report
        that is not a PDF, a name that is not text, a plan that does not load.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception:  # any failure to read the directory: not a zip we can use
        raise BundleError(f"{label} is not a readable zip file (damaged or not a bundle)") from None
    for info in members:
        reason = _unsafe(info)
        if reason:
            raise BundleError(f"{label} was refused: it holds {reason}")
    names = {info.filename: info for info in members}
    wanted = [names[name] for name in (MANIFEST, *LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME,
                                       REPORT_NAME) if name in names]
    for info in wanted:
        if info.file_size > _member_limit(info.filename):
            raise _too_big(label, f"{info.filename} unpacks to", _member_limit(info.filename))
    if sum(info.file_size for info in wanted) > MAX_BUNDLE_BYTES:
        raise _too_big(label, "its files together unpack to", MAX_BUNDLE_BYTES)
    total = 0

    def read(name: str) -> bytes:
        # counted while reading too: a header that under-states a size is caught here
        nonlocal total
        limit, pieces, size = _member_limit(name), [], 0
        try:
            with archive.open(names[name]) as member:
                while piece := member.read(READ_CHUNK):
                    size += len(piece)
                    if size > limit:
                        raise _too_big(label, f"{name} unpacks to", limit)
                    if total + size > MAX_BUNDLE_BYTES:
                        raise _too_big(label, "its files together unpack to",
                                       MAX_BUNDLE_BYTES)
                    pieces.append(piece)
        except BundleError:
            raise
        except Exception:  # a damaged stream (zlib.error), a bad CRC, an unknown method
            raise BundleError(f"{label}: {name} is damaged inside the zip") from None
        total += size
        return b"".join(pieces)

    if MANIFEST not in names:
        raise BundleError(f"{label} has no {MANIFEST}, so it is not a backrelief bundle")
    try:
        manifest = _parsed(label, MANIFEST, lambda: json.loads(read(MANIFEST).decode("utf-8")))
        listed = manifest["files"]  # type: ignore[index]
        if manifest.get("format") != FORMAT or not isinstance(listed, dict):  # type: ignore[union-attr]
            raise TypeError
    except BundleError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BundleError(f"{label}: its {MANIFEST} is not a backrelief manifest") from None
    assert isinstance(manifest, dict)
    for key in ("patient", "patient_code"):
        if manifest.get(key) is not None and not isinstance(manifest[key], str):
            raise BundleError(f"{label}: the {key.replace('_', ' ')} in its {MANIFEST} is not "
                              "text, so the bundle was refused")
    files: dict[str, bytes] = {}
    for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME, REPORT_NAME):
        if name not in listed:
            if name in OPTIONAL_NAMES:
                continue
            raise BundleError(f"{label}: the manifest lists no {name}")
        if name not in names:
            raise BundleError(f"{label}: {name} is listed in the manifest but missing")
        content = read(name)
        expected = listed[name].get("sha256") if isinstance(listed[name], dict) else None
        if _sha256(content) != expected:
            raise BundleError(f"{label}: {name} does not match its hash in the manifest, so "
                              "it was changed or damaged after sharing")
        files[name] = content
    if not files[REPORT_NAME].startswith(PDF_MAGIC):
        raise BundleError(f"{label}: its {REPORT_NAME} is not a PDF file, so the bundle was "
                          "refused")
    try:
        plan = parse_plan(_parsed(label, PLAN_NAME,  # type: ignore[arg-type]
                                  lambda: tomllib.loads(files[PLAN_NAME].decode("utf-8"))),
                          source=Path(f"{label}:{PLAN_NAME}"))
    except (PlanError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BundleError(f"{label}: its plan cannot be used ({_first_line(error)})") from None
    period = manifest.get("period") if isinstance(manifest.get("period"), dict) else {}
    if period.get("whole_log"):
        return OpenedBundle(manifest, files, plan, None, None)
    return OpenedBundle(manifest, files, plan, period.get("start"), period.get("end"))


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def load_files(files: dict[str, bytes], workdir: Path | None = None):  # -> (Log, list[str])
    """Load log files given as bytes with the store's own loader, in a private folder.

    Only the known file names are written, so nothing a bundle names can land elsewhere.
    ``workdir`` is an empty private folder to reuse (emptied again afterwards; a caseload of
    a thousand patients saves a thousand folders); by default a temporary one.
    Returns the Log and the warnings the loader gave (a torn last row set aside, say).
    """
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="backrelief-read-") as folder:
            return load_files(files, Path(folder))
    try:
        for name in (*LOG_NAMES, *OPTIONAL_NAMES):
            if name in files:
                (workdir / name).write_bytes(files[name])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            log = load_log(workdir)
    finally:
        for leftover in workdir.iterdir():  # the logs, lock files, any torn rows set aside
            leftover.unlink()
    return log, [_first_line(warning.message) for warning in caught]  # type: ignore[arg-type]


__all__ = ["MAX_BUNDLE_BYTES", "MAX_MEMBER_BYTES", "MAX_REPORT_BYTES", "BundleError",
           "OpenedBundle", "Shared", "bundle_bytes", "load_files", "open_bundle", "pack_bundle",
           "patient_code", "plan_toml", "random_shift", "read_regular", "write_bundle"]
