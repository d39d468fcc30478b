"""A spreadsheet export of the log: one row per session, one per check-in, safe to open.

The export is for a physiotherapist who opens CSV files in a spreadsheet. Three promises:

- one row per session (local date, start time, duration, exercises with reps, each block cut
  short with its reason, how each exercise felt and which hurt, pain before and after, flare,
  note), one row per check-in, one per questionnaire occasion (its measure, score and answers)
  and one per barrier (the day it is about, what got in the way), told apart by the ``kind``
  column;
- a text cell that a spreadsheet would read as a formula gets a leading ``'``, as OWASP advises
  against CSV injection: its first non-blank character is ``=``, ``+``, ``-``, ``@`` or one of
  their full-width forms (a spreadsheet that trims spaces on import sees ``" =1+1"`` as
  ``=1+1``), or it begins with a tab, a carriage return or a line feed; numbers stay numbers;
- the file is written to a temporary file beside the target and renamed into place, readable by
  its owner only; the stored log is only read, never written.

The de-identified export (:func:`deidentify_export`) keeps the numbers and the plan's exercise
names only: a patient code instead of a name, "day N" instead of dates and times, no note
(a signal's note neither), no session id, and each exercise the plan does not name as a neutral
``exercise-1``, ``exercise-2`` and so on.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..analysis.outcomes import MEASURES, occasion_scores
from ..analysis.pain import session_scores
from ..analysis.periods import DayLike, keyed, to_day
from ..analysis.signals import latest_answers
from ..log.deidentify import neutral_exercise_ids
from ..log.store import EXERCISE_COLUMNS, PAIN_COLUMNS, Log, require_columns, write_private
from ..plan import Plan
from ..text import Dates
from ..words.signals import answer_words

KINDS = ("session", "check_in", "questionnaire", "barrier")
# a session's signals (each block cut short with its reason, how each exercise felt, which hurt)
# and a barrier row's barrier, in words
SIGNAL_TEXT_COLUMNS = ("stopped_for", "felt", "hurt", "barrier")
EXPORT_COLUMNS = (
    "kind", "date", "time", "duration_min", "exercises", "stopped_for", "felt", "hurt",
    "reps_done", "reps_prescribed", "pain_before", "pain_after", "pain_check_in", "flare",
    "barrier", "note", "session_id", "part_week", "measure", "score", "answers", "set_id",
)  # fmt: skip
DEIDENTIFIED_COLUMNS = (
    "patient_code", "kind", "day", "duration_min", "exercises", "stopped_for", "felt", "hurt",
    "reps_done", "reps_prescribed", "pain_before", "pain_after", "pain_check_in", "flare",
    "barrier", "part_week",
    "measure", "score",  # a questionnaire's numbers; its answers can name the patient's life
)  # fmt: skip
# cells a spreadsheet would read as a formula or a command (OWASP, "CSV Injection"): a formula
# sign after any blank (Unicode spaces and zero-width ones, which an import may trim), or a
# tab, carriage return or line feed first
_FORMULA_START = r"^(?:[\s\u200b\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|[\t\r\n])"
_PATIENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
_SIDE_MARK = {"": "", "left": "L ", "right": "R "}


def _day(value: DayLike, what: str) -> pd.Timestamp | None:
    try:
        return to_day(value)
    except ValueError:
        raise ValueError(f"the {what} date {value!r} is not a date like 2026-11-24") from None


def _period(start: DayLike, end: DayLike) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last day asked for (None where open); the start may not follow the end."""
    first, last = _day(start, "start"), _day(end, "end")
    if first is not None and last is not None and first > last:
        raise ValueError(f"the start date {first:%Y-%m-%d} is after the end date {last:%Y-%m-%d}")
    return first, last


def log_span(log: Log) -> tuple[date, date] | None:
    """The first and last local day with any row in the log, or None for an empty log."""
    days = pd.concat([log.exercise["date"], log.pain["date"]]).dropna()
    if days.empty:
        return None
    return days.min().date(), days.max().date()


def check_period(log: Log, start: DayLike = None, end: DayLike = None) -> None:
    """Raise one clear ``ValueError`` when a period cannot be used with this log.

    The start must not follow the end, and each given day must lie within the log's first and
    last day (a day outside it would report on days the log knows nothing about).
    """
    first, last = _period(start, end)
    if first is None and last is None:
        return
    span = log_span(log)
    if span is None:
        raise ValueError("the log is empty, so there is no period to choose from")
    low, high = (pd.Timestamp(day) for day in span)
    for day, what in ((first, "start"), (last, "end")):
        if day is not None and not low <= day <= high:
            raise ValueError(
                f"the {what} date {day:%Y-%m-%d} is outside the log, which runs from "
                f"{low:%Y-%m-%d} to {high:%Y-%m-%d}"
            )


def _in_period(frame: pd.DataFrame, first: pd.Timestamp | None, last: pd.Timestamp | None):
    keep = pd.Series(True, index=frame.index)
    if first is not None:
        keep &= frame["date"] >= first
    if last is not None:
        keep &= frame["date"] <= last
    return frame.loc[keep]


def _exercise_text(blocks: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Per session: ``"Pelvic tilt 10/10; Knee to chest L 10/10 R 8/10 (stopped)"`` and rep
    totals; a block not completed says its status in words (``(not reached)``)."""
    ordered = blocks.sort_values(["session_id", "logged_at"], kind="stable")
    part = (
        ordered["side"].map(_SIDE_MARK).fillna("")
        + ordered["reps_done"].astype(str) + "/" + ordered["reps_target"].astype(str)
    )
    status = ordered["status"].str.replace("_", " ", regex=False)
    part = part.where(ordered["status"] == "completed", part + " (" + status + ")")
    per_exercise = (
        ordered.assign(part=part, name=ordered["exercise"].replace(names))
        .groupby(["session_id", "exercise"], sort=False)
        .agg(name=("name", "first"), parts=("part", " ".join))
    )
    per_exercise["text"] = per_exercise["name"] + " " + per_exercise["parts"]
    text = per_exercise.groupby(level="session_id", sort=False)["text"].agg("; ".join)
    totals = ordered.groupby("session_id", sort=False).agg(
        started_at=("session_started_at", "first"),
        started_local=("started_local", "first"),
        date=("date", "first"),
        last_logged=("logged_at", "max"),
        reps_done=("reps_done", "sum"),
        reps_prescribed=("reps_target", "sum"),
    )
    totals["exercises"] = text
    totals["duration_min"] = (
        (totals["last_logged"] - totals["started_at"]).dt.total_seconds() / 60
    ).round(1)
    return totals.drop(columns=["started_at", "last_logged"])


def _session_pain(pain: pd.DataFrame) -> pd.DataFrame:
    """Per session: pain before and after, flare and notes."""
    scores = pain.loc[pain["context"] != "check_in"].sort_values("recorded_at", kind="stable")
    # the same scores the analysis and the report read: the last of each context
    counted = session_scores(pain)
    grouped = scores.groupby("session_id", sort=False)
    flare = grouped["flare"].agg(
        lambda flags: "yes" if (flags == "yes").any() else ("no" if (flags == "no").any() else "")
    )
    noted = scores.loc[scores["note"].str.strip() != ""]
    notes = noted.groupby("session_id")["note"].agg(" | ".join)
    frame = pd.DataFrame({
        "pain_before": counted["before"],
        "pain_after": counted["after"],
        "flare": flare,
        "note": notes,
    })  # fmt: skip
    return frame


def _session_signals(exercise: pd.DataFrame, answers: pd.DataFrame,
                     names: dict[str, str]) -> pd.DataFrame:
    """Per session: ``stopped_for`` (``"Knee to chest L: no time; Bridge: pain"``), ``felt``
    (``"Pelvic tilt easy; Bridge hard"``) and ``hurt`` (``"Bridge"``), in the order the
    session's blocks were logged.

    ``answers`` are the ones that count (:func:`~.analysis.signals.latest_answers`); one about a
    block or an exercise the session does not hold is left out, as the analysis leaves it out.
    A reason's note follows it in brackets (``"Bridge: other (cramp)"``).
    """
    ordered = exercise.sort_values(["session_id", "logged_at"], kind="stable")
    blocks = ordered[["session_id", "exercise", "side"]].drop_duplicates()
    blocks = blocks.assign(order=range(len(blocks)),
                           name=blocks["exercise"].replace(names))
    times = blocks.drop_duplicates(["session_id", "exercise"]).drop(columns="side")
    reasons = answers.loc[answers["signal"] == "stop_reason"].merge(
        blocks, on=["session_id", "exercise", "side"])
    said = answers.loc[answers["signal"].isin(("felt", "hurt"))].drop(columns="side").merge(
        times, on=["session_id", "exercise"])
    side = reasons["side"].map(_SIDE_MARK).fillna("").str.rstrip()
    note = reasons["note"].where(reasons["note"] == "", " (" + reasons["note"] + ")")
    texts = {
        "stopped_for": reasons.assign(
            text=reasons["name"] + (" " + side).where(side != "", "") + ": "
            + answer_words("stop_reason", reasons["value"]) + note),
        "felt": (felt := said.loc[said["signal"] == "felt"]).assign(
            text=felt["name"] + " " + answer_words("felt", felt["value"])),
        "hurt": said.loc[said["signal"] == "hurt"].assign(text=lambda f: f["name"]),
    }
    columns = {column: rows.sort_values("order", kind="stable")
               .groupby("session_id", sort=False)["text"].agg("; ".join)
               for column, rows in texts.items()}
    return pd.DataFrame(columns, index=pd.Index(exercise["session_id"].unique(),
                                                name="session_id"))


def _barriers(answers: pd.DataFrame) -> pd.DataFrame:
    """One row per barrier: dated by the day it is about, its value in words and its note."""
    barriers = answers.loc[answers["signal"] == "barrier"]
    return pd.DataFrame({
        "kind": "barrier",
        "session_id": "",
        "started_local": barriers["day"],  # ordered first among the rows of that day
        "date": barriers["day"],
        "barrier": answer_words("barrier", barriers["value"]),
        "note": barriers["note"],
    })  # fmt: skip


def export_sessions(
    log: Log, plan: Plan | None = None, *, start: DayLike = None, end: DayLike = None
) -> pd.DataFrame:
    """One row per session and one per check-in, for a spreadsheet.

    Parameters
    ----------
    log
        A loaded log (only read).
    plan
        Gives exercise names; an exercise id the plan does not know is shown as the id.
    start, end
        First and last local day to include (inclusive); by default the whole log.

    Returns
    -------
    pd.DataFrame
        Columns ``EXPORT_COLUMNS``, ordered by time: ``kind`` is ``"session"``,
        ``"check_in"``, ``"questionnaire"`` (``measure``, ``score``, ``answers`` and
        ``set_id`` filled for a questionnaire occasion only) or ``"barrier"`` (one per barrier
        of a day, as :func:`~.analysis.signals.latest_answers` counts them: ``date`` is the
        day it is about, ``time`` empty, ``barrier`` in words, and its ``note``); a session's
        ``stopped_for``, ``felt`` and ``hurt`` say its signals (:func:`_session_signals`);
        ``date`` (``YYYY-MM-DD``) and ``time`` (``HH:MM``) are local; ``duration_min`` runs
        from the session's start to its last logged block; pain columns are nullable
        integers. A barrier about a day outside the period (by default the log's first and
        last day) is left out. Text is not yet neutralised: :func:`write_export` does that.
    """
    require_columns(log.exercise, [*EXERCISE_COLUMNS, "started_local", "date"], "the exercise log")
    require_columns(log.pain, [*PAIN_COLUMNS, "recorded_local", "date"], "the pain log")
    first, last = _period(start, end)
    names = {exercise.id: exercise.name for exercise in plan.exercises} if plan else {}

    blocks = _exercise_text(log.exercise, names)
    pain = _session_pain(log.pain)
    answers = latest_answers(keyed(log.signals))
    # a session is one with a logged block, as check, the analysis and the report count it:
    # a before-score of a session that never ran (its page closed at once) is not a session
    sessions = blocks.join(pain, how="left").join(
        _session_signals(log.exercise, answers, names), how="left")
    sessions = sessions.rename_axis("session_id").reset_index().assign(kind="session")

    checks = log.pain.loc[log.pain["context"] == "check_in"]
    check_ins = pd.DataFrame({
        "kind": "check_in",
        "session_id": "",
        "started_local": checks["recorded_local"],
        "date": checks["date"],
        "pain_check_in": checks["pain"],
        "flare": checks["flare"],
        "note": checks["note"],
    })  # fmt: skip

    span = log_span(log)
    barriers = _barriers(answers)
    if span is not None:  # a barrier about a day before the log's first day, say, is not shown
        barriers = _in_period(barriers, first if first is not None else pd.Timestamp(span[0]),
                              last if last is not None else pd.Timestamp(span[1]))
    rows = pd.concat([sessions, check_ins, _questionnaires(log.outcomes), barriers],
                     ignore_index=True)
    rows = _in_period(rows, first, last).sort_values("started_local", kind="stable")
    out = pd.DataFrame({
        "kind": rows["kind"].astype(str),
        "date": rows["date"].dt.strftime("%Y-%m-%d"),
        # a barrier is about a whole day: no time
        "time": rows["started_local"].dt.strftime("%H:%M").where(rows["kind"] != "barrier", ""),
        "duration_min": rows["duration_min"].astype("float64") if "duration_min" in rows
        else float("nan"),
    })  # fmt: skip
    out["score"] = rows["score"].astype("float64").round(2)
    for column in ("exercises", *SIGNAL_TEXT_COLUMNS, "flare", "note", "session_id", "measure",
                   "answers", "set_id"):
        out[column] = rows[column].fillna("").astype(str) if column in rows else ""
    for column in ("reps_done", "reps_prescribed", "pain_before", "pain_after", "pain_check_in"):
        out[column] = rows[column].astype("Int64") if column in rows else pd.NA
    out["part_week"] = _part_week(rows["date"], log, first, last)
    return out.loc[:, list(EXPORT_COLUMNS)].reset_index(drop=True)


def _questionnaires(answers: pd.DataFrame) -> pd.DataFrame:
    """One row per questionnaire occasion: its measure, score (as the analysis scores it:
    :func:`~backrelief_analysis.analysis.outcomes.occasion_scores`) and its answers as
    ``"item score; ..."``."""
    text = answers["item"] + " " + answers["score"].astype(str)
    by_set = (answers.assign(answer=text).groupby("set_id", sort=False)
              .agg(started_local=("recorded_local", "min"), date=("date", "min"),
                   measure=("measure", "first"), answers=("answer", "; ".join),
                   note=("note", lambda notes: " / ".join(n for n in notes if n)))
              .reset_index())
    scores = occasion_scores(answers).set_index("set_id")["score"]
    by_set.insert(4, "score", by_set["set_id"].map(scores))
    by_set["measure"] = by_set["measure"].map(lambda measure: MEASURES[measure].short)
    return by_set.assign(kind="questionnaire")


def _part_week(days: pd.Series, log: Log, first: pd.Timestamp | None,
               last: pd.Timestamp | None) -> pd.Series:
    """"yes" for a row whose ISO week the exported period cuts (as the report marks it)."""
    span = log_span(log)
    if span is None or days.empty:
        return pd.Series("", index=days.index, dtype=str)
    low = first if first is not None else pd.Timestamp(span[0])
    high = last if last is not None else pd.Timestamp(span[1])
    monday = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    cut = (monday < low) | (monday + pd.Timedelta(days=6) > high)
    return cut.map({True: "yes", False: ""}).astype(str)


def deidentify_export(
    log: Log, plan: Plan, *, code: str, start: DayLike = None, end: DayLike = None
) -> pd.DataFrame:
    """The export without anything typed by the patient or the clinician.

    Parameters
    ----------
    log, plan
        The loaded log and its plan; exercises the plan does not name are shown by neutral
        ids (:func:`~backrelief_analysis.log.deidentify.neutral_exercise_ids`).
    code
        The patient code for every row: 1 to 20 letters, digits, ``-`` or ``_``.
    start, end
        First and last local day to include; days count from ``start`` (day 1), by default
        the log's first day.

    Returns
    -------
    pd.DataFrame
        Columns ``DEIDENTIFIED_COLUMNS``: no date, time, note or session id. The signals keep
        their categories; the notes typed with them are left out (a reason reads
        ``"Bridge: other"``, a barrier row its day and barrier only).
    """
    if not _PATIENT_CODE.match(code):
        raise ValueError(f"the patient code {code!r} must be 1 to 20 letters, digits, '-' or "
                         "'_', starting with a letter or digit")
    unnoted = dataclasses.replace(log, signals=log.signals.assign(note=""))
    rows = export_sessions(neutral_exercise_ids(unnoted, plan), plan, start=start, end=end)
    first = _day(start, "start")
    if first is None:
        span = log_span(log)
        first = pd.Timestamp(span[0]) if span else None
    # an empty log has no first day, and no row to say a day in
    say = Dates.deidentified(first).day if first is not None else None
    days = [say(day) for day in rows["date"]] if say is not None else []
    out = rows.assign(patient_code=code, day=pd.Series(days, index=rows.index, dtype="object"))
    return out.loc[:, list(DEIDENTIFIED_COLUMNS)]


def neutralise_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy where every text cell a spreadsheet would run as a formula starts with ``'``.

    Cells whose first non-blank character is ``=``, ``+``, ``-``, ``@`` (or a full-width
    ``＝``, ``＋``, ``－``, ``＠``), and cells beginning with a tab, a carriage return or a line
    feed, are prefixed with a single quote (OWASP, "CSV Injection"). Numeric columns are left
    untouched.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        text = values.astype("str").where(values.notna(), "")
        risky = text.str.contains(_FORMULA_START, regex=True)
        safe[column] = text.where(~risky, "'" + text)
    return safe


def write_export(frame: pd.DataFrame, out: Path | str) -> Path:
    """Write ``frame`` as CSV to ``out``, neutralised, atomically and owner-only.

    The rows go to a temporary file in ``out``'s folder, which is fsynced and then renamed over
    ``out``: a reader never sees half a file, and a crash leaves any old file whole. The file
    is UTF-8 with a byte-order mark so that spreadsheets read accents correctly.

    Returns
    -------
    Path
        The file written.
    """
    data = neutralise_cells(frame).to_csv(index=False, lineterminator="\r\n")
    return write_private(data.encode("utf-8-sig"), Path(out))
