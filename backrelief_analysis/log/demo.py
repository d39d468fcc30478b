"""A seeded generator of realistic, synthetic demo logs.

The story of the default demo (12 weeks, Europe/London, starting Monday 2026-08-31): the plan is
followed most days, weekends are often skipped, one week is missed entirely, one week is a
flare-up with higher scores and flare marks, pain drifts from about 6/10 towards 3/10 with
day-to-day noise, rest days get a check-in, pain is usually a little lower after a session than
before, and one session is stopped part-way. At week 7 (Monday 2026-10-12) the physiotherapist's
progression takes effect: knee to chest from 10 to 12 reps each side (plan version 2, accepted
on the Friday before); both versions are kept in the demo's ``plans/`` folder. Its signals
(:func:`generate_signals`): the stopped block and the back extensions skipped in the flare-up
give "pain" as their reason, most sessions say how each exercise felt (the bridge often "hard",
and "hurt" in most of its sessions of the last four weeks), and rest days and missed days name
what got in the way. Everything is invented; no real person's data is in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ..plan import Plan, load_plan, next_plan
from .plans import save_accepted
from .store import ExerciseBlock, LogStore, OutcomeEntry, PainEntry, SignalEntry, now_local

DEMO_START = date(2026, 8, 31)  # a Monday, so week 1 is a whole ISO week
DEMO_ZONE = "Europe/London"     # crosses the end of summer time on 2026-10-25
DEMO_SEED = 2026

_NOTES_AFTER = (
    "Stiff first thing, easier after the bridge.",
    'Felt a "pull" on the left during knee to chest, settled quickly.',
    "Long day at the desk, back tight.",
    "Good session, moving more freely.",
    "Slept badly; tilts helped, extensions less so.",
)
_NOTES_CHECK_IN = (
    "Rest day, walked 30 minutes.",
    "Busy day, no time for exercises.",
    "Gardening, some aching in the evening.",
)


# how likely each thing is on a day of the demo (seeded, so the demo is the same every time)
SATURDAY = 5  # weekday numbers from Monday = 0
FLARE_DAYS_A_WEEK = 5  # the flare-up shows on the first five days of its week
EXERCISE_WEEKEND, EXERCISE_WEEKDAY = 0.45, 0.88  # a session that day
CHECK_IN, CHECK_IN_NOTE = 0.6, 0.3  # a rest day's check-in, and a note with it
SKIP_IN_FLARE = 0.5  # back extension skipped on a flare-up day
SKIP_ANY = 0.02  # any block skipped
AFTER_NOTE = 0.15  # a note with the after score
# the demo's signals, from a random stream of their own (generate_signals)
FELT_ANSWERED = 0.8  # a session whose after-score comes with how each exercise felt
FELT_USUAL = {"easy": 0.3, "right": 0.6, "hard": 0.1}  # how an exercise usually feels
FELT_HARD_ONE = {"easy": 0.1, "right": 0.4, "hard": 0.5}  # the exercise that is often hard
FELT_HURTING = {"easy": 0.0, "right": 0.2, "hard": 0.8}  # ... in the weeks it hurts
HURT_WHEN_HURTING = 0.85  # an answered session marks it "hurt", in the weeks it hurts
SKIP_REASON_GIVEN = 0.7  # a skip outside the flare-up says why ("no time")
BARRIER_AT_CHECK_IN = 0.7  # a rest day's check-in says what got in the way
BARRIER_LATER = 0.5  # a day with neither, asked about when the kit next opens
LOOK_BACK_DAYS = 7  # how far back the kit asks about days without a session
WEEKDAY_BARRIERS = ("forgot", "tired")
AWAY_NOTE = "Away for work all week, no room to exercise."


@dataclass(frozen=True)
class DemoStory:
    """Where the demo's events fall, counted in weeks from 1."""

    missed_week: int = 5
    flare_week: int = 8
    stopped_session_week: int = 3
    pain_start: float = 6.3
    pain_end: float = 3.0
    hurting_weeks: int = 4  # the stopped exercise hurts in most sessions of the last weeks
    # the physiotherapist's accepted progression: this exercise one step up from this week
    plan_change_week: int = 7
    plan_change_exercise: str = "knee_to_chest"
    plan_accepted_days_before: int = 3  # accepted at the visit on the Friday before


def demo_plans(plan: Plan, weeks: int, start: date = DEMO_START,
               story: DemoStory | None = None) -> list[Plan]:
    """The plan versions of the demo, oldest first: ``plan`` from ``start`` (version as it is),
    then, when the story's change week falls within ``weeks``, the next version with the
    story's exercise one step up (:func:`~backrelief_analysis.plan.next_plan`) from the
    Monday of that week. A plan without that exercise, or whose exercise cannot step up, keeps
    its one version."""
    story = story or DemoStory()
    first = replace(plan, valid_from=start, source=None, history=())
    named = {exercise.id: exercise for exercise in plan.exercises}
    stepping = named.get(story.plan_change_exercise)
    if (not 1 < story.plan_change_week <= weeks or stepping is None
            or stepping.progression is None or stepping.step_up() is None):
        return [first]
    changed = start + timedelta(weeks=story.plan_change_week - 1)
    return [first, next_plan(first, [stepping.id], valid_from=changed)]


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone) + timedelta(minutes=minutes)


def generate_demo(
    weeks: int = 12,
    seed: int = DEMO_SEED,
    plan: Plan | None = None,
    *,
    start: date = DEMO_START,
    zone: str = DEMO_ZONE,
    story: DemoStory | None = None,
) -> tuple[list[ExerciseBlock], list[PainEntry]]:
    """Generate a synthetic log of ``weeks`` weeks, each day's blocks prescribed by the plan
    version in force that day (:func:`demo_plans`).

    Parameters
    ----------
    weeks
        Length of the log in weeks (1 or more).
    seed
        Seed of the random generator: the same seed gives the same log.
    plan
        The plan followed; the shipped default plan when omitted.
    start, zone
        First day and the time zone the timestamps are written in.
    story
        Where the missed week, the flare-up and the stopped session fall.

    Returns
    -------
    (blocks, entries)
        Rows for exercise_log.csv and pain_log.csv, in time order.
    """
    if weeks < 1:
        raise ValueError("weeks must be 1 or more")
    story = story or DemoStory()
    versions = demo_plans(plan or load_plan(), weeks, start, story)
    tz = ZoneInfo(zone)
    rng = np.random.default_rng(seed)
    days = weeks * 7
    # daily pain: a slow drift down with noise, and a flare-up week on top
    drift = np.linspace(story.pain_start, story.pain_end, days)
    noise = rng.normal(0, 0.7, days)
    week_of_day = np.arange(days) // 7 + 1
    flare = (week_of_day == story.flare_week) & (np.arange(days) % 7 < FLARE_DAYS_A_WEEK)
    pain_today = np.clip(np.rint(drift + noise + 2.5 * flare), 0, 10).astype(int)
    weekday = (np.arange(days) + start.weekday()) % 7
    exercised = np.where(weekday >= SATURDAY, rng.random(days) < EXERCISE_WEEKEND,
                         rng.random(days) < EXERCISE_WEEKDAY)
    exercised &= week_of_day != story.missed_week
    stopped_day = (story.stopped_session_week - 1) * 7 + 2

    blocks: list[ExerciseBlock] = []
    entries: list[PainEntry] = []
    for index in range(days):
        day = start + timedelta(days=index)
        # the version in force that day: its reps are what the blocks prescribe and do
        plan = [kept for kept in versions if kept.valid_from <= day][-1]
        pain = int(pain_today[index])
        flare_mark = "yes" if flare[index] else "no"
        if not exercised[index]:
            if rng.random() < CHECK_IN:
                note = str(rng.choice(_NOTES_CHECK_IN)) if rng.random() < CHECK_IN_NOTE else ""
                at = _local(day, int(rng.integers(18 * 60, 21 * 60)), tz)
                entries.append(PainEntry(at, pain, "check_in", "", flare_mark, note))
            continue
        started = _local(day, int(rng.choice([7 * 60, 18 * 60])) + int(rng.integers(0, 90)), tz)
        session_id = f"demo-{day:%Y%m%d}-{index:05d}"
        entries.append(PainEntry(started, pain, "before_session", session_id))
        clock = started + timedelta(seconds=10)
        skip_extension = flare[index] and rng.random() < SKIP_IN_FLARE
        for exercise in plan.exercises:
            for side in exercise.blocks:
                reps_done, status = exercise.reps, "completed"
                if (exercise.id == "back_extension" and skip_extension) or rng.random() < SKIP_ANY:
                    reps_done, status = 0, "skipped"
                if index == stopped_day and exercise is plan.exercises[-1]:
                    reps_done, status = 4, "stopped"
                clock += timedelta(seconds=reps_done * (exercise.hold_s + exercise.release_s))
                mean = exercise.hold_s + float(rng.normal(0.01, 0.02)) if reps_done else None
                blocks.append(ExerciseBlock(
                    session_id, started, exercise.id, side, exercise.reps, reps_done,
                    exercise.hold_s, mean, status, clock.replace(microsecond=0),
                ))  # fmt: skip
                clock += timedelta(seconds=plan.rest_between_exercises_s)
        change = int(rng.choice([-2, -1, -1, -1, 0, 0, 1], p=[0.1, 0.2, 0.2, 0.15, 0.15, 0.1, 0.1]))
        after = int(np.clip(pain + change, 0, 10))
        note = str(rng.choice(_NOTES_AFTER)) if rng.random() < AFTER_NOTE else ""
        if index == stopped_day:
            note = "Stopped early: sharp twinge in the bridge, gone by the evening."
        entries.append(PainEntry(clock + timedelta(seconds=20), after, "after_session",
                                 session_id, flare_mark, note))
    return blocks, entries


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    return str(rng.choice(list(weights), p=list(weights.values())))


def generate_signals(
    blocks: list[ExerciseBlock],
    entries: list[PainEntry],
    weeks: int = 12,
    seed: int = DEMO_SEED,
    plan: Plan | None = None,
    *,
    start: date = DEMO_START,
    story: DemoStory | None = None,
) -> list[SignalEntry]:
    """What the demo's patient tapped, for the log :func:`generate_demo` made.

    From a random stream of its own, so the other tables stay as they were. The stopped
    block and every block skipped on a flare-up day give "pain" as their reason, most other
    skips "no time"; most sessions say with their after-score how each exercise done felt
    (the plan's last exercise, the one stopped, often "hard", and marked "hurt" in most
    answered sessions of the last ``story.hurting_weeks`` weeks); most rest-day check-ins, and
    some days with neither a session nor a check-in (asked when the next session starts, up to
    a week back), name what got in the way: "pain" in the flare-up, "no_place" in the missed
    week (its first one "other", with a note), "no_time" at weekends, else "forgot" or "tired".

    Parameters
    ----------
    blocks, entries
        The exercise and pain rows of :func:`generate_demo` with the same arguments.
    weeks, seed, plan, start, story
        As given to :func:`generate_demo`.

    Returns
    -------
    list of SignalEntry
        Rows for signals_log.csv, in time order.
    """
    plan = plan or load_plan()
    story = story or DemoStory()
    rng = np.random.default_rng([seed, 2])
    days = weeks * 7
    hard_one = plan.exercises[-1].id
    hurting_from = days - 7 * story.hurting_weeks

    def week_of(index: int) -> int:
        return index // 7 + 1

    def flare_day(index: int) -> bool:
        return week_of(index) == story.flare_week and index % 7 < FLARE_DAYS_A_WEEK

    def barrier(index: int, away_noted: list[bool]) -> tuple[str, str]:
        """The barrier of day ``index`` and its note."""
        if flare_day(index):
            return "pain", ""
        if week_of(index) == story.missed_week:
            if not away_noted:
                away_noted.append(True)
                return "other", AWAY_NOTE
            return "no_place", ""
        if (start + timedelta(days=index)).weekday() >= SATURDAY:
            return "no_time", ""
        return str(rng.choice(WEEKDAY_BARRIERS)), ""

    by_session: dict[str, list[ExerciseBlock]] = {}
    for block in blocks:
        by_session.setdefault(block.session_id, []).append(block)
    before = {e.session_id: e for e in entries if e.context == "before_session"}
    after = {e.session_id: e for e in entries if e.context == "after_session"}
    check_ins = {e.recorded_at.date(): e for e in entries if e.context == "check_in"}
    signals: list[SignalEntry] = []
    away_noted: list[bool] = []
    unasked: list[int] = []  # days with neither a session nor a check-in, not yet asked about
    session_days = {(b.session_started_at.date() - start).days: b.session_id for b in blocks}
    for index in range(days):
        day = start + timedelta(days=index)
        session_id = session_days.get(index)
        if session_id is None:
            check_in = check_ins.get(day)
            if check_in is None:
                unasked.append(index)
            elif rng.random() < BARRIER_AT_CHECK_IN:
                value, note = barrier(index, away_noted)
                signals.append(SignalEntry(check_in.recorded_at + timedelta(seconds=30),
                                           "barrier", value, days_ago=0, note=note))
            continue
        opened = before[session_id].recorded_at + timedelta(seconds=5)
        for missed in unasked:
            if index - missed <= LOOK_BACK_DAYS and rng.random() < BARRIER_LATER:
                value, note = barrier(missed, away_noted)
                signals.append(SignalEntry(opened, "barrier", value, days_ago=index - missed,
                                           note=note))
        unasked = []
        done: dict[str, bool] = {}
        for block in by_session[session_id]:
            done[block.exercise] = done.get(block.exercise, False) or block.reps_done > 0
            if block.status == "stopped" or (block.status == "skipped" and flare_day(index)):
                reason = "pain"
            elif block.status == "skipped" and rng.random() < SKIP_REASON_GIVEN:
                reason = "no_time"
            else:
                continue
            ended = block.logged_at or block.session_started_at
            signals.append(SignalEntry(ended + timedelta(seconds=2), "stop_reason",
                                       reason, session_id, block.exercise, block.side))
        if rng.random() >= FELT_ANSWERED:
            continue
        hurting = index >= hurting_from
        said = after[session_id].recorded_at
        for exercise in (name for name, any_rep in done.items() if any_rep):
            weights = (FELT_USUAL if exercise != hard_one
                       else FELT_HURTING if hurting else FELT_HARD_ONE)
            signals.append(SignalEntry(said, "felt", _pick(rng, weights), session_id, exercise))
            if exercise == hard_one and hurting and rng.random() < HURT_WHEN_HURTING:
                signals.append(SignalEntry(said, "hurt", "yes", session_id, exercise))
    return sorted(signals, key=lambda entry: entry.recorded_at)


_PSFS_ACTIVITIES = ("Sitting through a meeting", "Lifting the laundry basket", "Walking 30 minutes")


def generate_outcomes(
    weeks: int = 12,
    seed: int = DEMO_SEED,
    *,
    start: date = DEMO_START,
    zone: str = DEMO_ZONE,
    story: DemoStory | None = None,
) -> list[list[OutcomeEntry]]:
    """Questionnaire occasions for the demo: PEG and PSFS every two weeks, ODI first and last.

    Scores follow the same pain drift as :func:`generate_demo` (PSFS, an ability scale, moves the
    other way), with their own seeded noise, so the exercise and pain logs stay as they were.

    Returns
    -------
    One list of entries per occasion (one ``set_id`` each), in time order.
    """
    story = story or DemoStory()
    tz = ZoneInfo(zone)
    rng = np.random.default_rng([seed, 1])
    days = weeks * 7
    drift = np.linspace(story.pain_start, story.pain_end, days)
    sets: list[list[OutcomeEntry]] = []

    def score(value: float, high: int) -> int:
        return int(np.clip(np.rint(value + rng.normal(0, 0.6)), 0, high))

    for day in sorted({*range(0, days, 14), days - 1}):
        when = _local(start + timedelta(days=day), 19 * 60 + 30, tz)
        stem = (start + timedelta(days=day)).isoformat()
        level = drift[day]
        if day % 14 == 0:
            sets.append([OutcomeEntry(when, f"{stem}-peg", "peg", item, score(level + shift, 10))
                         for item, shift in (("pain", 0.0), ("enjoyment", -0.5),
                                             ("activity", 0.3))])
            sets.append([OutcomeEntry(when + timedelta(minutes=3), f"{stem}-psfs", "psfs",
                                      activity, score(10.5 - level - shift, 10))
                         for activity, shift in zip(_PSFS_ACTIVITIES, (1.0, 2.0, 0.0),
                                                    strict=True)])
        if day in (0, days - 1):
            odi = int(np.clip(np.rint(level * 5.5 + rng.normal(0, 2)), 0, 100))
            sets.append([OutcomeEntry(when + timedelta(minutes=6), f"{stem}-odi", "odi",
                                      "total", odi)])
    return sets


def recent_start(weeks: int, today: date | None = None) -> date:
    """The Monday ``weeks`` ISO weeks before this week's: a demo from it ends by last Sunday,
    so no demo entry is dated in the future."""
    today = today or now_local().date()
    return today - timedelta(days=today.weekday(), weeks=weeks)


def write_demo(out_dir: Path | str, weeks: int = 12, seed: int = DEMO_SEED,
               plan: Plan | None = None, *,
               start: date = DEMO_START) -> tuple[int, int, int, int]:
    """Write a demo log into ``out_dir`` (which must not hold a log yet), from ``start``, and
    keep its plan versions (:func:`demo_plans`) in ``out_dir/plans/`` as accepted plans.

    Returns
    -------
    (exercise rows, pain rows, outcome rows, signal rows)
    """
    store = LogStore(out_dir)
    for path in (store.exercise_path, store.pain_path, store.outcomes_path, store.signals_path):
        if path.exists() and path.stat().st_size:
            raise FileExistsError(f"{path} already exists; choose an empty folder")
    blocks, entries = generate_demo(weeks, seed, plan, start=start)
    store.extend_blocks(blocks)
    store.extend_pain(entries)
    sets = generate_outcomes(weeks, seed, start=start)
    for occasion in sets:
        store.extend_outcomes(occasion)
    signals = generate_signals(blocks, entries, weeks, seed, plan, start=start)
    store.extend_signals(signals)
    story = DemoStory()
    for number, version in enumerate(demo_plans(plan or load_plan(), weeks, start, story)):
        accepted = version.valid_from - timedelta(
            days=story.plan_accepted_days_before if number else 0)
        save_accepted(out_dir, version, accepted)
    return len(blocks), len(entries), sum(len(occasion) for occasion in sets), len(signals)
