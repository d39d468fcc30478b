"""The log's four tables declared as data: the one place the store, ``check`` and the data
dictionary (``data/README.md``) take file names, columns, types and allowed values from.

Adding a column is one edit here (and its row in the data dictionary, which a test keeps in step).
Rules that tie columns or rows together (``reps_done`` at most ``reps_target``, a questionnaire's
set of items) live with the loader in :mod:`backrelief_analysis.log.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .. import paths

Kind = Literal["text", "timestamp", "whole", "seconds"]
IdKind = Literal["log", "plan"]

# the contract's outer bounds: anything beyond is a typo or a broken file, never a real entry
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_OFFSET_HOURS = 14
MAX_REPS = 1000
MAX_SECONDS = 3600
SHAPE_REASON = "must be an ISO 8601 time with its UTC offset, like 2026-11-24T08:15:02+01:00"
OFFSET_REASON = f"has a UTC offset beyond ±{MAX_OFFSET_HOURS}:00"
ERA_REASON = f"must be a time from {FIRST_YEAR} to {LAST_YEAR}"


@dataclass(frozen=True)
class Column:
    """One column of a log table.

    ``kind``: ``text``, ``timestamp`` (ISO 8601 with its UTC offset), ``whole`` (a whole number
    from ``low`` to ``high``) or ``seconds`` (a number from ``low`` to ``high``).
    ``required``: the cell may not be empty. ``choices``: the only values allowed ("" for empty).
    ``free_text``: anything a person typed (a note), which may name them. ``id_kind``: ``log``
    for an id the log makes up (a session, a questionnaire occasion), ``plan`` for an id the plan
    gives (an exercise). ``named_when``: ``(column, value)``, a name the person chose in the rows
    where ``column`` holds ``value`` (a PSFS activity), kept apart but renamed "activity N".
    De-identification reads these, and ``kind`` (every timestamp is moved), to know what to
    change; a text column declares one of them or a closed list of ``choices``.
    """

    name: str
    kind: Kind = "text"
    required: bool = True
    choices: tuple[str, ...] | None = None
    low: int | None = None
    high: int | None = None
    free_text: bool = False
    id_kind: IdKind | None = None
    named_when: tuple[str, str] | None = None

    @property
    def declared_private(self) -> bool:
        """Whether de-identification knows what to do with this column's values."""
        return (self.kind != "text" or self.choices is not None or self.free_text
                or self.id_kind is not None or self.named_when is not None)

    @property
    def reason(self) -> str:
        """What a bad value of this column was expected to be (for choices and numbers)."""
        if self.choices is not None:
            return "must be one of " + ", ".join(repr(c) if c else "empty" for c in self.choices)
        span = f"from {self.low} to {self.high}"
        if self.kind == "whole":
            return f"must be a whole number {span}"
        return f"must be a number of seconds {span}" + ("" if self.required else ", or empty")

    def problem(self, value: object) -> str | None:
        """Why one value the writer is about to write breaks this column (None if it does not).

        The loader checks whole columns at once against the same declaration and reasons.
        """
        text = "" if value is None else str(value)
        if self.choices is not None:
            return None if text in self.choices else self.reason
        if text == "":
            return "must not be empty" if self.required else None
        if self.kind == "text":
            return None
        if self.kind == "timestamp":
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return SHAPE_REASON
            offset = moment.utcoffset()
            if offset is None:
                return SHAPE_REASON
            if abs(offset) > timedelta(hours=MAX_OFFSET_HOURS):
                return OFFSET_REASON
            return None if FIRST_YEAR <= moment.year <= LAST_YEAR else ERA_REASON
        try:
            number = float(text)
        except ValueError:
            return self.reason
        whole = self.kind != "whole" or (number.is_integer() and not isinstance(value, bool))
        inside = self.low is not None and self.high is not None and self.low <= number <= self.high
        return None if whole and inside else self.reason

    def describe(self) -> str:
        """The column's type as the data dictionary states it."""
        if self.choices is not None:
            named = ", ".join(f"`{c}`" for c in self.choices if c)
            return f"{named} or empty" if "" in self.choices else named
        if self.kind == "timestamp":
            return "timestamp"
        if self.kind == "text":
            return "text" if self.required else "text, may be empty"
        span = f"{self.low}–{self.high}"
        unit = "whole number" if self.kind == "whole" else "seconds"
        return f"{unit} {span}" + ("" if self.required else " or empty")


@dataclass(frozen=True)
class Table:
    """One log file: its name, its columns in order, and the timestamp that dates a row."""

    file_name: str
    columns: tuple[Column, ...]
    dated_by: str  # the timestamp whose wall clock gives the row's local day
    local_name: str  # the loaded column holding that wall clock

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def __getitem__(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


EXERCISE = Table(
    paths.EXERCISE_LOG_NAME,
    (
        Column("session_id", id_kind="log"),
        Column("session_started_at", "timestamp"),
        Column("exercise", id_kind="plan"),
        Column("side", required=False, choices=("", "left", "right")),
        Column("reps_target", "whole", low=0, high=MAX_REPS),
        Column("reps_done", "whole", low=0, high=MAX_REPS),
        Column("hold_s_target", "seconds", low=0, high=MAX_SECONDS),
        Column("hold_s_mean", "seconds", required=False, low=0, high=MAX_SECONDS),
        Column("status", choices=("completed", "stopped", "skipped", "not_reached")),
        Column("logged_at", "timestamp"),
    ),
    dated_by="session_started_at",
    local_name="started_local",
)

PAIN = Table(
    paths.PAIN_LOG_NAME,
    (
        Column("recorded_at", "timestamp"),
        Column("pain", "whole", low=0, high=10),
        Column("context", choices=("before_session", "after_session", "check_in")),
        Column("session_id", required=False, id_kind="log"),
        Column("flare", required=False, choices=("", "yes", "no")),
        Column("note", required=False, free_text=True),
    ),
    dated_by="recorded_at",
    local_name="recorded_local",
)

# each questionnaire's score range; odi and rmdq keep one "total" item
SCORE_RANGES = {"peg": (0, 10), "psfs": (0, 10), "odi": (0, 100), "rmdq": (0, 24)}

OUTCOMES = Table(
    paths.OUTCOMES_LOG_NAME,
    (
        Column("recorded_at", "timestamp"),
        Column("set_id", id_kind="log"),
        Column("measure", choices=tuple(SCORE_RANGES)),
        Column("item", named_when=("measure", "psfs")),
        Column("score", "whole", low=0, high=max(high for _, high in SCORE_RANGES.values())),
        Column("note", required=False, free_text=True),
    ),
    dated_by="recorded_at",
    local_name="recorded_local",
)

# What a patient may tap for each signal (shared/CLINICAL.md, "Per-exercise signals and
# barriers"): why a block was skipped or stopped, how an exercise felt, "this one hurt", and what
# got in the way of a planned session. Every answer is optional; a missing one is unknown.
SIGNAL_VALUES = {
    "stop_reason": ("pain", "too_hard", "no_time", "other"),
    "felt": ("easy", "right", "hard"),
    "hurt": ("yes",),
    "barrier": ("no_time", "pain", "forgot", "tired", "no_place", "other"),
}
# a barrier is about a day at most this many days before the day it was given
MAX_DAYS_AGO = 31

SIGNALS = Table(
    paths.SIGNALS_LOG_NAME,
    (
        Column("recorded_at", "timestamp"),
        Column("signal", choices=tuple(SIGNAL_VALUES)),
        Column("value", choices=tuple(dict.fromkeys(v for vs in SIGNAL_VALUES.values()
                                                    for v in vs))),
        Column("session_id", required=False, id_kind="log"),
        Column("exercise", required=False, id_kind="plan"),
        Column("side", required=False, choices=("", "left", "right")),
        Column("days_ago", "whole", required=False, low=0, high=MAX_DAYS_AGO),
        Column("note", required=False, free_text=True),
    ),
    dated_by="recorded_at",
    local_name="recorded_local",
)

TABLES = (EXERCISE, PAIN, OUTCOMES, SIGNALS)
