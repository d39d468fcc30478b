"""A hand-made log with per-exercise answers and barriers, whose counts are worked out below.

Written as real CSV files with the store's own writer (:class:`LogStore`, :class:`SignalEntry`,
:class:`ExerciseBlock`, :class:`PainEntry`), with its plan as a TOML file through :mod:`plans`.

Plan: Pelvic tilt (one side), Knee to chest (left and right), Bridge (one side); default
thresholds (an exercise is flagged at 2 pain times and 50 %).

Sessions at 08:00 London time (GMT in March before the 29th): s1 Mon 2026-03-02, s2 Wed 03-04,
s3 Fri 03-06, s4 Mon 03-09, s5 Wed 03-11, s6 Fri 03-13, and s0 Mon 02-23 (before the period a
test may choose). Every block is completed with all reps, except:

- Bridge in s2: stopped after 1 rep, stop reason ``pain``;
- Bridge in s5: skipped (0 reps), stop reason ``pain``;
- Knee to chest, right side, in s3: stopped after 1 rep, stop reason ``too_hard``;
- Bridge in s0: stopped after 1 rep, stop reason ``pain`` (outside a period from 03-02).

Answers (felt and hurt, with the after-score):

- Bridge: hurt in s1, s3, s4; s6 felt ``hard`` then, later, ``right`` (the later one counts);
- Pelvic tilt: felt easy in s1..s4, hard in s5;
- Knee to chest: felt hard in s3;
- a stop reason for a Bridge block that does not exist (side ``left`` in s4): left out.

So, over 03-02..03-13 (s1..s6):

- Bridge: 6 times; done (a rep) in s1, s2, s3, s4, s6 = 5; offered (done or stopped for pain)
  = 6; hurt 3; stopped for pain 2 (s2, s5); pain times (hurt or stopped for pain) s1..s5 = 5;
  felt right 1, felt hard 0; answered (a feeling or hurt) s1, s3, s4, s6 = 4.
- Pelvic tilt: 6 done; felt easy 4, felt hard 1; answered 5.
- Knee to chest: 6 done (s3 left was complete); felt hard 1; stopped too hard 1; answered 1.
- All: 10 of 17 times answered.
- The flag: Bridge, 5 pain times >= 2 and 5 / 6 = 83 % >= 50 %: value 5, limit 2, from s1
  (03-02) to s5 (03-11).

Barriers (the day each is about is the day given less ``days_ago``):

- given Thu 03-05, 0 days ago: ``pain`` on Thu 03-05 (week 2026-W10);
- given Tue 03-10, 2 days ago: ``no_time`` on Sun 03-08 (W10: it crosses back a week);
- given Tue 03-10, 0 days ago: ``tired`` on Tue 03-10 (W11);
- given Thu 03-12, 0 days ago: ``no_time`` on Thu 03-12 (W11), given twice (counts once).

So W10: no time 1, pain 1; W11: no time 1, tired 1; in all no time 2, pain 1, tired 1 over 2
weeks.

Pain: 3/10 before and after each session (no pain flag of any kind).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import plans

from backrelief_analysis.log.store import ExerciseBlock, LogStore, PainEntry, SignalEntry
from backrelief_analysis.plan import Plan, load_plan

ZONE = ZoneInfo("Europe/London")
SESSIONS = {"s0": date(2026, 2, 23), "s1": date(2026, 3, 2), "s2": date(2026, 3, 4),
            "s3": date(2026, 3, 6), "s4": date(2026, 3, 9), "s5": date(2026, 3, 11),
            "s6": date(2026, 3, 13)}
FIRST, LAST = "2026-03-02", "2026-03-13"
EXERCISE_LINE = ("Bridge (5 times): hurt 3, stopped for pain twice; Pelvic tilt (6 times): hard 1; "
                 "Knee to chest (6 times): hard 1, stopped as too hard once; "
                 "10 of 17 times answered")
BARRIER_LINE = "no time 2, pain 1, tired 1 (2 weeks with an answer)"
# (session, exercise, side): (reps done, status, stop reason)
NOT_COMPLETED = {("s2", "bridge", ""): (1, "stopped", "pain"),
                 ("s5", "bridge", ""): (0, "skipped", "pain"),
                 ("s3", "knee_to_chest", "right"): (1, "stopped", "too_hard"),
                 ("s0", "bridge", ""): (1, "stopped", "pain")}
FELT = [("s1", "bridge", "hurt", "yes"), ("s3", "bridge", "hurt", "yes"),
        ("s4", "bridge", "hurt", "yes"), ("s6", "bridge", "felt", "hard"),
        ("s6", "bridge", "felt", "right"),
        *[(s, "pelvic_tilt", "felt", "easy") for s in ("s1", "s2", "s3", "s4")],
        ("s5", "pelvic_tilt", "felt", "hard"), ("s3", "knee_to_chest", "felt", "hard")]
# (day given, days ago, barrier)
BARRIERS = [(date(2026, 3, 5), 0, "pain"), (date(2026, 3, 10), 2, "no_time"),
            (date(2026, 3, 10), 0, "tired"), (date(2026, 3, 12), 0, "no_time"),
            (date(2026, 3, 12), 0, "no_time")]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def write_signal_plan(path: Path, **thresholds: float) -> Plan:
    """The plan above; ``thresholds`` become its ``[thresholds]`` table."""
    plans.write_plan(path, plans.PELVIC_TILT, plans.KNEE_TO_CHEST, plans.BRIDGE, target=3)
    if thresholds:
        table = "".join(f"{key} = {value!r}\n" for key, value in thresholds.items())
        path.write_text(path.read_text(encoding="utf-8") + f"\n[thresholds]\n{table}",
                        encoding="utf-8")
    return load_plan(path)


def write_signal_log(folder: Path, plan: Plan, *, signals: bool = True) -> Path:
    """The log above (without its signals file when ``signals`` is False)."""
    store = LogStore(folder)
    blocks, pain, said = [], [], []
    for session, day in SESSIONS.items():
        started = at(day, 8)
        for exercise in plan.exercises:
            for side in exercise.blocks:
                done, status, reason = NOT_COMPLETED.get((session, exercise.id, side),
                                                         (exercise.reps, "completed", ""))
                blocks.append(ExerciseBlock(session, started, exercise.id, side, exercise.reps,
                                            done, exercise.hold_s,
                                            exercise.hold_s if done else None, status,
                                            at(day, 8, 10)))
                if reason:
                    said.append(SignalEntry(at(day, 8, 10), "stop_reason", reason, session,
                                            exercise.id, side))
        pain.append(PainEntry(at(day, 7, 59), 3, "before_session", session))
        pain.append(PainEntry(at(day, 8, 20), 3, "after_session", session, "no"))
    for minute, (session, exercise, signal, value) in enumerate(FELT):
        said.append(SignalEntry(at(SESSIONS[session], 8, 21 + minute), signal, value, session,
                                exercise))
    # a stop reason for a block the exercise log does not hold
    said.append(SignalEntry(at(SESSIONS["s4"], 8, 10), "stop_reason", "pain", "s4", "bridge",
                            "left"))
    for hour, (day, ago, barrier) in enumerate(BARRIERS):
        said.append(SignalEntry(at(day, 12 + hour), "barrier", barrier, days_ago=ago))
    store.extend_blocks(blocks)
    store.extend_pain(pain)
    if signals:
        store.extend_signals(sorted(said, key=lambda entry: entry.recorded_at))
    return folder


def signal_patient(folder: Path, *, signals: bool = True, **thresholds: float
                   ) -> tuple[Path, Plan]:
    """The log above written in ``folder``, with its plan there as ``plan.toml``."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = write_signal_plan(folder / "plan.toml", **thresholds)
    return write_signal_log(folder, plan, signals=signals), plan


def days(first: str, count: int) -> list[date]:
    start = date.fromisoformat(first)
    return [start + timedelta(days=offset) for offset in range(count)]
