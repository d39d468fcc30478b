"""The session engine, walked through whole sessions instantly with a fake clock."""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from fake_time import FakeTime
from plans import TILT, short_plan

from backrelief_analysis.log.store import LogStore, load_log
from backrelief_analysis.plan import load_plan
from backrelief_analysis.session.engine import START_LEAD_S, SessionEngine, SessionEvent
from backrelief_analysis.session.steps import build_steps

STARTED = datetime(2026, 11, 24, 8, 15, 0, tzinfo=timezone(timedelta(hours=1)))


def make_engine(plan, directory: Path, fake: FakeTime, **kwargs) -> SessionEngine:
    options = {"get_ready_s": 1, "switch_side_s": 2} | kwargs
    return SessionEngine(plan, LogStore(directory), clock=fake.clock, sleep=fake.sleep,
                         now=lambda: STARTED, **options)


def rows(directory: Path) -> list[dict[str, str]]:
    """The exercise log as written, read with the csv module (no engine code involved)."""
    path = directory / "exercise_log.csv"
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def summary(directory: Path) -> list[tuple[str, str, str, str]]:
    return [(r["exercise"], r["side"], r["reps_done"], r["status"]) for r in rows(directory)]


def test_default_plan_walks_fifty_holds_in_order():
    steps = build_steps(load_plan(), get_ready_s=10, switch_side_s=5)
    pairs = ["hold", "release"] * 10
    expected = (["get_ready", *pairs, "rest", *pairs, "switch", *pairs, "rest", *pairs,
                 "rest", *pairs, "done"])  # fmt: skip
    assert [step.kind for step in steps] == expected
    holds = Counter((s.exercise.id, s.side) for s in steps if s.kind == "hold")
    assert holds == {("pelvic_tilt", ""): 10, ("knee_to_chest", "left"): 10,
                     ("knee_to_chest", "right"): 10, ("back_extension", ""): 10,
                     ("bridge", ""): 10}  # fmt: skip
    # reps count 1..10 inside each block
    assert [s.rep for s in steps if s.kind == "hold"][:11] == [*range(1, 11), 1]


def test_whole_default_session_logs_five_completed_blocks(tmp_path):
    fake = FakeTime()
    engine = SessionEngine(load_plan(), LogStore(tmp_path), clock=fake.clock, sleep=fake.sleep,
                           now=lambda: STARTED, get_ready_s=10, switch_side_s=5)
    asyncio.run(engine.run())
    # the lead before the first step, then 10 s get ready + 50 x (5 s hold + 3 s release)
    # + 3 rests of 15 s + 5 s switch
    assert fake.now - fake.start == pytest.approx(START_LEAD_S + 460)
    assert engine.state.status == "finished"
    log = load_log(tmp_path)
    assert list(log.exercise["exercise"]) == [
        "pelvic_tilt", "knee_to_chest", "knee_to_chest", "back_extension", "bridge"]
    assert list(log.exercise["side"]) == ["", "left", "right", "", ""]
    assert (log.exercise["status"] == "completed").all()
    assert (log.exercise["reps_done"] == 10).all()
    assert log.exercise["hold_s_mean"].tolist() == pytest.approx([5.0] * 5)
    assert set(log.exercise["session_id"]) == {engine.session_id}
    assert (log.exercise["started_local"] == pd.Timestamp("2026-11-24 08:15:00")).all()


def test_cues_for_a_tiny_session(tmp_path):
    plan = short_plan(exercises=[TILT], target=1, name="tiny", rest=0)
    fake = FakeTime()
    engine = make_engine(plan, tmp_path, fake)
    cues: list[str] = []
    engine.add_observer(lambda e: cues.append(e.cue) if e.kind == "cue" else None)
    asyncio.run(engine.run())
    # a 3 s hold ticks at 2 and 1 (not as it starts); each transition gives one cue
    hold = ["hold_start", "tick", "tick", "release"]
    assert cues == ["get_ready", *hold, *hold, "session_end"]


def test_next_cue_before_other_side_and_next_exercise(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)
    seen: list[tuple[str, str]] = []

    def watch(event: SessionEvent) -> None:
        if event.kind == "cue" and event.cue == "next":
            seen.append((event.state.exercise.id, event.state.side))

    engine.add_observer(watch)
    asyncio.run(engine.run())
    assert seen == [("knee", "left"), ("knee", "right")]


def test_pause_freezes_and_resume_keeps_remaining_time(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(hold=5), tmp_path, fake)
    frozen: list[float] = []
    resumed: list[float] = []

    def pause_in_second_hold(event: SessionEvent) -> None:
        state = event.state
        if (not frozen and state.status == "running" and state.phase == "hold"
                and state.rep == 2 and state.countdown == 2):
            engine.pause()
            frozen.append(engine.state.remaining_s)

    paused_wakes = 0

    def while_paused() -> None:
        nonlocal paused_wakes
        if engine.state.status != "paused":
            return
        paused_wakes += 1
        # the user is away for a while: the step must not move on
        assert engine.state.remaining_s == frozen[0]
        assert (engine.state.phase, engine.state.rep) == ("hold", 2)
        if paused_wakes == 30:
            engine.resume()
            resumed.append(engine.state.remaining_s)

    engine.add_observer(pause_in_second_hold)
    fake.hooks.append(while_paused)
    asyncio.run(engine.run())
    assert paused_wakes == 30
    assert frozen == [pytest.approx(2.0)]
    assert resumed == frozen
    paused_for = fake.now - fake.start - engine.total_s
    assert paused_for >= 29  # the session took its planned time plus the pause
    log = load_log(tmp_path)
    assert (log.exercise["status"] == "completed").all()
    # paused time is not counted as holding
    assert log.exercise["hold_s_mean"].tolist() == pytest.approx([5.0, 5.0, 5.0])


def test_skip_logs_skipped_or_stopped_and_moves_on(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(reps=3), tmp_path, fake)
    skipped: list[tuple[str, str, int]] = []

    def skip(event: SessionEvent) -> None:
        state = event.state
        if event.kind != "state" or state.status != "running" or state.phase != "hold":
            return
        where = (state.exercise.id, state.side, state.rep)
        # tilt: skip in its third hold (2 reps done); knee left: skip in its first hold
        if where in {("tilt", "", 3), ("knee", "left", 1)} and where not in skipped:
            skipped.append(where)
            engine.skip_exercise()

    engine.add_observer(skip)
    asyncio.run(engine.run())
    assert summary(tmp_path) == [
        ("tilt", "", "2", "stopped"),
        ("knee", "left", "0", "skipped"),
        ("knee", "right", "3", "completed"),
    ]
    assert rows(tmp_path)[1]["hold_s_mean"] == ""
    assert float(rows(tmp_path)[0]["hold_s_mean"]) == pytest.approx(3.0)
    assert engine.state.status == "finished"


def test_skip_in_a_rest_skips_the_exercise_that_comes_next(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)

    def skip_in_rest(event: SessionEvent) -> None:
        if event.kind == "state" and event.state.phase == "rest" and event.state.countdown == 4:
            engine.skip_exercise()

    engine.add_observer(skip_in_rest)
    asyncio.run(engine.run())
    assert summary(tmp_path) == [
        ("tilt", "", "2", "completed"),
        ("knee", "left", "0", "skipped"),
        ("knee", "right", "2", "completed"),
    ]


def test_stop_logs_block_in_progress_and_blocks_not_reached(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(reps=3), tmp_path, fake)

    def stop_in_release(event: SessionEvent) -> None:
        state = event.state
        if (state.status == "running" and state.phase == "release"
                and (state.exercise.id, state.side, state.rep) == ("knee", "left", 1)):
            engine.stop()

    engine.add_observer(stop_in_release)
    asyncio.run(engine.run())
    assert engine.state.status == "stopped"
    assert summary(tmp_path) == [
        ("tilt", "", "3", "completed"),
        ("knee", "left", "1", "stopped"),
        ("knee", "right", "0", "not_reached"),
    ]


def test_stop_in_first_hold_marks_that_block_stopped_with_no_reps(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)

    def stop(event: SessionEvent) -> None:
        if event.state.status == "running" and event.state.phase == "hold":
            engine.stop()

    engine.add_observer(stop)
    asyncio.run(engine.run())
    assert summary(tmp_path) == [
        ("tilt", "", "0", "stopped"),
        ("knee", "left", "0", "not_reached"),
        ("knee", "right", "0", "not_reached"),
    ]


def test_stop_in_a_rest_logs_the_blocks_ahead_not_reached_and_skip_still_skipped(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)

    def skip_then_stop(event: SessionEvent) -> None:
        state = event.state
        if state.status != "running":
            return
        if state.phase == "hold" and state.exercise.id == "tilt":
            engine.skip_exercise()  # the user's choice
        elif state.phase == "switch":
            engine.stop()  # the session ends before the right side is begun

    engine.add_observer(skip_then_stop)
    asyncio.run(engine.run())
    assert summary(tmp_path) == [
        ("tilt", "", "0", "skipped"),
        ("knee", "left", "2", "completed"),
        ("knee", "right", "0", "not_reached"),
    ]
    assert load_log(tmp_path).exercise["status"].tolist() == [
        "skipped", "completed", "not_reached"]  # the log loads it


def test_every_finished_block_is_in_the_csv_before_the_next_starts(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)
    checked: list[int] = []

    def check(event: SessionEvent) -> None:
        step = engine.step
        if event.kind == "state" and step.kind == "hold" and step.rep == 1:
            if step.block not in checked:
                checked.append(step.block)
            # read the real file: every earlier block is already written
            assert len(rows(tmp_path)) == step.block

    engine.add_observer(check)
    asyncio.run(engine.run())
    assert checked == [0, 1, 2]
    assert len(rows(tmp_path)) == 3


def test_late_wakeups_neither_pile_up_ticks_nor_add_up(tmp_path):
    fake = FakeTime()
    fake.late_by = 0.3  # every sleep overshoots
    engine = make_engine(short_plan(hold=5, reps=5), tmp_path, fake)
    cues: list[str] = []
    engine.add_observer(lambda e: cues.append(e.cue) if e.kind == "cue" else None)
    asyncio.run(engine.run())
    # the deadlines are cumulative: the session ends within one late wake of its plan
    assert fake.now - fake.start <= START_LEAD_S + engine.total_s + 0.3 + 1e-9
    # at most 3 ticks per hold and per lead-in to a hold, never a burst of missed ones
    counted = cues.count("hold_start") + cues.count("get_ready") + cues.count("next")
    assert cues.count("tick") <= 3 * counted
    assert cues.count("hold_start") == 15


def test_a_failed_write_is_reported_and_kept_for_retry(tmp_path):
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the log folder should be")
    fake = FakeTime()
    engine = make_engine(short_plan(), blocked, fake)
    errors: list[BaseException] = []
    engine.add_observer(lambda e: errors.append(e.error) if e.kind == "error" else None)
    asyncio.run(engine.run())
    assert engine.state.status == "finished"  # the session went on
    assert errors
    assert len(engine.unsaved) == 3
    engine.store = LogStore(tmp_path / "log")
    assert engine.flush()
    assert [r["status"] for r in rows(tmp_path / "log")] == ["completed"] * 3


def test_start_runs_on_the_running_loop(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)

    async def main() -> None:
        task = engine.start()
        assert engine.state.status == "ready"  # the task has not run yet
        await task

    asyncio.run(main())
    assert len(rows(tmp_path)) == 3


def test_a_crashed_session_says_so_and_ends(tmp_path):
    fake = FakeTime()

    async def broken_sleep(delay: float) -> None:
        raise RuntimeError("the clock broke")

    engine = SessionEngine(short_plan(), LogStore(tmp_path), clock=fake.clock, sleep=broken_sleep)
    kinds: list[str] = []
    engine.add_observer(lambda e: kinds.append(e.kind))

    async def main() -> None:
        task = engine.start()
        with pytest.raises(RuntimeError, match="the clock broke"):
            await task

    asyncio.run(main())
    assert kinds[-2:] == ["failed", "ended"]
    assert engine.state.status == "stopped"


def test_spoken_cues_name_each_exercise_and_side_in_order(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(hold=3, reps=2), tmp_path, fake)
    said: list[str] = []
    engine.add_observer(lambda e: said.append(e.speech) if e.kind == "cue" else None)
    asyncio.run(engine.run())
    reps = ["Hold, 1 of 2.", "2", "1", "Release. 1 to go.", "Hold, 2 of 2.", "2", "1",
            "Release."]
    # lead-ins of 1 s (get ready), 4 s (rest) and 2 s (switch): each counts what it has
    assert said == [
        "Tilt. 2 reps, 3 second holds. Get ready.", *reps,
        "Rest. Next: knee, left side. 2 reps, 3 second holds. Get ready.", "3", "2", "1",
        *reps,
        "Switch to the right side. Get ready.", "1", *reps,
        "Session complete. How is your pain now?",
    ]


def test_each_cue_is_due_at_its_step_start_or_its_second(tmp_path):
    fake = FakeTime()
    fake.late_by = 0.003  # every wake-up a little late: due times stay on the plan's grid
    engine = make_engine(short_plan(hold=3, reps=1, release=2, rest=4), tmp_path, fake)
    due: list[tuple[str, float]] = []
    begins = fake.start + START_LEAD_S  # the first step begins a moment after Start
    engine.add_observer(
        lambda e: due.append((e.cue, round(e.due - begins, 6))) if e.kind == "cue" else None)
    asyncio.run(engine.run())
    # get ready 1 s, hold 3 s (ticks at 2 and 1 left), release 2 s, rest 4 s (ticks at 3, 2
    # and 1 left), ...
    assert due[:10] == [("get_ready", 0.0), ("hold_start", 1.0), ("tick", 2.0), ("tick", 3.0),
                        ("release", 4.0), ("next", 6.0), ("tick", 7.0), ("tick", 8.0),
                        ("tick", 9.0), ("hold_start", 10.0)]
    assert due[-1] == ("session_end", engine.total_s)


def test_the_countdown_never_shows_a_second_twice(tmp_path):
    fake = FakeTime()
    fake.late_by = 0.0004
    engine = make_engine(short_plan(hold=5, reps=2), tmp_path, fake)
    shown: list[tuple[int, int]] = []

    def watch(event: SessionEvent) -> None:
        if event.kind == "state" and event.state.status == "running":
            shown.append((event.state.step, event.state.countdown))

    engine.add_observer(watch)
    asyncio.run(engine.run())
    changes = [pair for i, pair in enumerate(shown) if i == 0 or shown[i - 1] != pair]
    assert len(changes) == len(set(changes))  # no (step, second) comes back later
    for step in {s for s, _ in changes}:
        seconds = [c for s, c in changes if s == step]
        assert seconds == sorted(seconds, reverse=True)


def test_after_stop_progress_and_time_left_stay_where_the_session_stopped(tmp_path):
    fake = FakeTime()
    engine = make_engine(short_plan(), tmp_path, fake)

    def stop_in_third_hold() -> None:
        if engine.state.phase == "hold" and engine.state.rep == 1 and engine.step.block == 1:
            engine.stop()

    fake.hooks.append(stop_in_third_hold)
    asyncio.run(engine.run())
    state = engine.state
    assert state.status == "stopped"
    assert 0 < state.progress < 1
    assert state.time_left_s == pytest.approx(engine.total_s * (1 - state.progress))
    assert state.time_left_s > 10


@pytest.mark.parametrize("lead_s", [1, 9])  # 9 s lead-ins say "Get ready" as a cue of its own
def test_upcoming_cues_are_the_ones_later_sent_with_the_same_deadlines(tmp_path, lead_s):
    fake = FakeTime()
    fake.late_by = 0.002
    engine = make_engine(short_plan(hold=3, reps=2, rest=lead_s), tmp_path, fake,
                         get_ready_s=lead_s, switch_side_s=lead_s)
    announced: set[tuple[str, float]] = set()
    sent: list[tuple[str, float]] = []

    def watch(event: SessionEvent) -> None:
        if event.kind == "cue":
            sent.append((event.cue, event.due))
        elif event.kind == "state":
            announced.update(engine.upcoming())

    engine.add_observer(watch)
    asyncio.run(engine.run())
    # every cue, the first included, was announced with exactly its deadline before it was due
    assert set(sent) <= announced
    assert len(sent) > 20
    assert sum(cue == "prepare" for cue, _ in sent) == (3 if lead_s > 8 else 0)
    assert engine.upcoming() == []  # nothing more once the session is over
