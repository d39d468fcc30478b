"""Diaries that push the report's two pages: long notes, long names, many exercises and flags.

Each log is written as real CSV files with the store's own writer (:class:`LogStore`), and its
plan as a TOML file through :mod:`plans`, so the report reads them exactly as a user's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import plans

from backrelief_analysis.log.store import (
    PSFS_MAX_ACTIVITIES,
    ExerciseBlock,
    LogStore,
    OutcomeEntry,
    PainEntry,
)
from backrelief_analysis.plan import MAX_EXERCISES, MAX_REPS, MAX_SECONDS, Plan, load_plan

ZONE = ZoneInfo("Europe/London")  # a year spans both clock changes
FIRST_DAY = date(2025, 1, 6)  # a Monday
# wide capitals in words of four: the widest text a name can hold that still wraps at spaces
WIDE = "WMWM " * 200
# a note as long as a patient types: many words on three lines and more, far beyond 200 characters
LONG_NOTE = ("Sharp pull on the left side when lifting, " * 12 + "\n" + "stiff " * 40 + "\n"
             + "better later " * 30 + "\n" * 5 + "end")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def write_long_plan(path: Path, *, exercises: int = MAX_EXERCISES, name: str = WIDE) -> Plan:
    """A plan with ``exercises`` exercises (the most a plan allows by default), each on both
    sides with the longest numbers and a long wide name, under a long wide plan name."""
    plans.write_plan(path, *(
        plans.exercise(f"ex_{index}", f"{name.strip()} {index}", "Tilt. " * 50,
                       hold_s=MAX_SECONDS, reps=MAX_REPS, release_s=MAX_SECONDS,
                       sides=plans.BOTH_SIDES)
        for index in range(1, exercises + 1)
    ), name=name.strip(), target=7)
    return load_plan(path)


def write_diary(folder: Path, plan: Plan, *, days: int = 365, note: str = LONG_NOTE,
                check_in_note: str = "", questionnaires: bool = False) -> Path:
    """A session a day for ``days`` days, every block of ``plan`` on it; every session's after
    score carries ``note`` (numbered by day) and every third is high; a check-in each evening
    with ``check_in_note``; a flare-up every fifth day and a skipped or stopped block now and then,
    so every kind of flag is raised. With ``questionnaires``, PEG, PSFS (five activities with
    long names), ODI and RMDQ every four weeks."""
    store = LogStore(folder)
    blocks: list[ExerciseBlock] = []
    entries: list[PainEntry] = []
    for offset in range(days):
        day = FIRST_DAY + timedelta(days=offset)
        started, session = _at(day, 8), f"s{offset}"
        before = 3 + (offset // 14) % 5  # weekly means rise for weeks on end, then fall back
        entries.append(PainEntry(started, before, "before_session", session))
        for exercise in plan.exercises:
            for side in exercise.blocks:
                status = ("skipped" if (offset + len(blocks)) % 37 == 0 else
                          "stopped" if (offset + len(blocks)) % 41 == 0 else "completed")
                done = {"completed": exercise.reps, "stopped": 1, "skipped": 0}[status]
                blocks.append(ExerciseBlock(session, started, exercise.id, side, exercise.reps,
                                            done, exercise.hold_s,
                                            exercise.hold_s if done else None, status,
                                            _at(day, 8, 30)))
        after = 8 if offset % 3 == 0 else before
        entries.append(PainEntry(_at(day, 9), after, "after_session", session,
                                 "yes" if offset % 5 == 0 else "no",
                                 f"{note} (day {offset})" if note else ""))
        entries.append(PainEntry(_at(day, 20), min(10, before + 2 * (offset % 2)), "check_in",
                                 "", "no", f"{check_in_note} (day {offset})"
                                 if check_in_note else ""))
    store.extend_blocks(blocks)
    store.extend_pain(entries)
    if questionnaires:
        activities = [f"{WIDE[:38]}{index}" for index in range(PSFS_MAX_ACTIVITIES)]
        for number, offset in enumerate(range(0, days, 28)):
            when = _at(FIRST_DAY + timedelta(days=offset), 19)
            level = 7 - number % 4
            sets = [[OutcomeEntry(when, f"{offset}-peg", "peg", item, level)
                     for item in ("pain", "enjoyment", "activity")],
                    [OutcomeEntry(when, f"{offset}-psfs", "psfs", activity, 10 - level)
                     for activity in activities],
                    [OutcomeEntry(when, f"{offset}-odi", "odi", "total", 5 * level)],
                    [OutcomeEntry(when, f"{offset}-rmdq", "rmdq", "total", 2 * level)]]
            for occasion in sets:
                store.extend_outcomes(occasion)
    return folder


def write_demo_with_long_notes(folder: Path, *, weeks: int = 12) -> Path:
    """The demo's diary and questionnaires (:mod:`backrelief_analysis.log.demo`), every pain entry
    carrying :data:`LONG_NOTE`, numbered."""
    from dataclasses import replace

    from backrelief_analysis.log.demo import generate_demo, generate_outcomes

    blocks, entries = generate_demo(weeks)
    store = LogStore(folder)
    store.extend_blocks(blocks)
    store.extend_pain([replace(entry, note=f"{LONG_NOTE} ({number})")
                       for number, entry in enumerate(entries)])
    for occasion in generate_outcomes(weeks):
        store.extend_outcomes(occasion)
    return folder
