"""The session running now, recorded in the log folder so that any page finds it.

One session per diary at a time, and it outlives its page. Two files beside the log, both
owner-only:

``active_session.json``
    The record: session id, when it started, the before-score, the plan (its name, a digest
    and its blocks), the block in progress with its reps done, running, paused or ended, and
    the owner (a token of the engine that runs it). Written whole (a temporary file, fsynced,
    renamed into place) under ``active_session.json.lock``, the store's lock discipline, at
    each change of block, rep or status; removed once the after-score is saved.
``active_session.live``
    Held with ``fcntl.flock`` by the process whose engine runs the session. The OS lets go of
    it when that process ends (a kernel shut down with its page, crashed or killed), so a
    record whose live lock is free belongs to an *abandoned* session. No browser timer and no
    heartbeat decide it: a page asleep in a background tab does not make a session abandoned,
    and a dead kernel cannot look alive.

Taking over
    A page writes its own owner token into the record; the engine that ran the session sees
    the record is no longer its own at its next wake (within a second), stops without logging
    anything and lets go of the live lock; the new page then carries on from the block and rep
    the record names, after those the exercise log already holds.
Closing an abandoned session
    Its block in progress is logged ``stopped`` with the reps done (or ``not_reached`` when
    its first hold had not begun) and every block after it ``not_reached``; at most the block
    in progress loses its unfinished rep.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..log.store import (
    DIR_MODE,
    FILE_MODE,
    ExerciseBlock,
    LogStore,
    _fsync_dir,
    _lock,
    load_log,
    write_private,
)
from ..plan import Plan
from .cues import side_words
from .steps import build_blocks

RECORD_FILE = "active_session.json"
LIVE_FILE = "active_session.live"
# the block statuses of a session left behind
STOPPED, NOT_REACHED = "stopped", "not_reached"
_BEGUN = ("hold", "release")


class SessionBusy(RuntimeError):
    """A session of this diary runs in another page; the message is one sentence."""


class SessionClosed(ValueError):
    """The session was closed (its after-score saved) in another page; one sentence."""


@dataclass(frozen=True)
class PlannedBlock:
    """One block of the recorded session as planned: enough to log it without the plan."""

    exercise: str
    name: str
    side: str
    reps: int
    hold_s: float
    side_name: str = ""  # how the side is said ("left leg"); records before it: ""


@dataclass(frozen=True)
class ActiveSession:
    """The record of the session that runs now (or ran, and waits for its after-score).

    Attributes
    ----------
    session_id, started_at, pain_before
        As logged.
    plan_name, plan_key
        The plan's name and a digest of it: a page carries on only with the same plan.
    blocks
        The session's blocks in order.
    block, phase, reps_done, holds
        The block in progress (``len(blocks)`` at the end), the kind of its step, its reps
        done and the measured lengths of its finished holds.
    status
        ``"running"``, ``"paused"`` or ``"ended"`` (every block logged; the after-score
        still to come).
    owner
        A token of the engine that runs it.
    updated_at
        When the record was last written.
    """

    session_id: str
    started_at: datetime
    pain_before: int | None
    plan_name: str
    plan_key: str
    blocks: tuple[PlannedBlock, ...]
    block: int = 0
    phase: str = "get_ready"
    reps_done: int = 0
    holds: tuple[float, ...] = ()
    status: str = "running"
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    updated_at: datetime | None = None

    @property
    def begun(self) -> bool:
        """Whether the block in progress has begun (its first hold started)."""
        return self.reps_done > 0 or self.phase in _BEGUN

    def where(self) -> str:
        """Where the session is: ``"knee to chest, right leg"`` (``"the end"`` once ended)."""
        if self.block >= len(self.blocks):
            return "the end"
        planned = self.blocks[self.block]
        side = planned.side_name or side_words(planned.side)
        return planned.name.lower() + (f", {side}" if side else "")

    def to_json(self) -> str:
        """The record as JSON text (timestamps ISO 8601 with their offsets)."""
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ActiveSession:
        """Read :meth:`to_json`'s text back; ``ValueError`` when it is not such a record."""
        try:
            data = json.loads(text)
            data["started_at"] = datetime.fromisoformat(data["started_at"])
            if data.get("updated_at"):
                data["updated_at"] = datetime.fromisoformat(data["updated_at"])
            data["blocks"] = tuple(PlannedBlock(**block) for block in data["blocks"])
            data["holds"] = tuple(float(hold) for hold in data["holds"])
            return cls(**data)
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"{RECORD_FILE} is not a session record ({error})") from None


def plan_key(plan: Plan) -> str:
    """A digest of what a session of ``plan`` does (the same plan gives the same key)."""
    return hashlib.sha256(repr((plan.name, plan.exercises, plan.rest_between_exercises_s,
                                plan.get_ready_s, plan.switch_side_s)).encode()).hexdigest()[:16]


def planned_blocks(plan: Plan) -> tuple[PlannedBlock, ...]:
    """The blocks of a session of ``plan``, in order (as :func:`.steps.build_blocks`)."""
    return tuple(PlannedBlock(exercise.id, exercise.name, side, exercise.reps,
                              float(exercise.hold_s), side_words(side, exercise))
                 for exercise, side in build_blocks(plan))


# --- the record ----------------------------------------------------------------------------


def record_path(directory: Path) -> Path:
    """Where the record of ``directory``'s running session is."""
    return Path(directory) / RECORD_FILE


def read_active(directory: Path) -> ActiveSession | None:
    """The record in ``directory``; None when there is none (or it cannot be read)."""
    try:
        return ActiveSession.from_json(record_path(directory).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def write_active(directory: Path, record: ActiveSession, *, only_if_owner: bool = False
                 ) -> bool:
    """Write ``record`` durably; with ``only_if_owner``, only while the record on disk is its
    owner's (False, and nothing written, once another page took the session over)."""
    directory = Path(directory)
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path = record_path(directory)
    with _lock(path):
        if only_if_owner:
            current = read_active(directory)
            if current is None or current.owner != record.owner:
                return False
        write_private(record.to_json().encode("utf-8"), path)
        _fsync_dir(directory)
    return True


def take_over(directory: Path, owner: str) -> ActiveSession | None:
    """Make ``owner`` the record's owner; the record as it was (None when there is none)."""
    path = record_path(directory)
    with _lock(path):
        current = read_active(directory)
        if current is not None:
            write_private(replace(current, owner=owner).to_json().encode("utf-8"), path)
            _fsync_dir(Path(directory))
    return current


def clear_active(directory: Path, session_id: str) -> None:
    """Remove the record of ``session_id`` (another session's record is left alone)."""
    path = record_path(directory)
    if not path.exists():
        return
    with _lock(path):
        current = read_active(directory)
        if current is not None and current.session_id == session_id:
            path.unlink(missing_ok=True)
            _fsync_dir(Path(directory))


def is_owner(directory: Path, owner: str, seen: list[int]) -> bool:
    """Whether the record on disk still names ``owner``; cheap while it has not changed.

    ``seen`` holds the record's inode and change time as last read (updated here): a
    record written by its owner or another page is renamed into place, a new inode.
    """
    try:
        status = record_path(directory).stat()
    except FileNotFoundError:
        return False
    stamp = [status.st_ino, status.st_mtime_ns]
    if stamp == seen:
        return True
    current = read_active(directory)
    if current is None or current.owner != owner:
        return False
    seen[:] = stamp
    return True


# --- liveness ------------------------------------------------------------------------------


class LiveLock:
    """The OS-level lock that says "this session's engine still runs" (see the module notes).

    Parameters
    ----------
    directory
        The log folder.
    """

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / LIVE_FILE
        self._fd: int | None = None
        self._guard = threading.Lock()  # the engine lets go from its recording thread too

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another engine holds it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let go of the lock (the OS does the same when the process ends)."""
        with self._guard:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
                self._fd = None


def runs_elsewhere(directory: Path) -> bool:
    """Whether an engine (in any process, this one included) holds the live lock."""
    probe = LiveLock(directory)
    if not probe.path.exists():
        return False
    if probe.acquire():
        probe.release()
        return False
    return True


# --- closing -------------------------------------------------------------------------------


def logged_blocks(store: LogStore, session_id: str) -> set[tuple[str, str]]:
    """The ``(exercise, side)`` blocks of ``session_id`` the exercise log already holds."""
    if not store.exercise_path.exists():
        return set()
    exercise = load_log(store.directory).exercise
    mine = exercise.loc[exercise["session_id"] == session_id]
    return set(zip(mine["exercise"], mine["side"], strict=True))


def after_score_logged(store: LogStore, session_id: str) -> bool:
    """Whether the pain log already holds the after-score of ``session_id``."""
    if not store.pain_path.exists():
        return False
    pain = load_log(store.directory).pain
    return bool(((pain["session_id"] == session_id)
                 & (pain["context"] == "after_session")).any())


def closing_blocks(record: ActiveSession, logged: set[tuple[str, str]], now: datetime
                   ) -> list[ExerciseBlock]:
    """The rows that close ``record``'s session: the block in progress ``stopped`` with its
    reps done (``not_reached`` when not begun), the rest ``not_reached``; none logged twice."""
    rows = []
    for index, planned in enumerate(record.blocks):
        if (planned.exercise, planned.side) in logged or index < record.block:
            continue
        in_progress = index == record.block and record.begun
        rows.append(ExerciseBlock(
            session_id=record.session_id, session_started_at=record.started_at,
            exercise=planned.exercise, side=planned.side, reps_target=planned.reps,
            reps_done=record.reps_done if in_progress else 0, hold_s_target=planned.hold_s,
            hold_s_mean=(sum(record.holds) / len(record.holds)
                         if in_progress and record.holds else None),
            status=STOPPED if in_progress else NOT_REACHED, logged_at=now,
        ))  # fmt: skip
    return rows


def close_abandoned(store: LogStore, record: ActiveSession, now: datetime) -> list[ExerciseBlock]:
    """Log what ``record``'s session left unlogged (see :func:`closing_blocks`); the rows."""
    rows = closing_blocks(record, logged_blocks(store, record.session_id), now)
    store.extend_blocks(rows)
    return rows


__all__ = [
    "ActiveSession",
    "LiveLock",
    "PlannedBlock",
    "SessionBusy",
    "SessionClosed",
    "after_score_logged",
    "clear_active",
    "close_abandoned",
    "closing_blocks",
    "is_owner",
    "logged_blocks",
    "plan_key",
    "planned_blocks",
    "read_active",
    "record_path",
    "runs_elsewhere",
    "take_over",
    "write_active",
]
