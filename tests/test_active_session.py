"""The running session's record, its live lock, taking it over and closing one left behind.

Engines run on fake clocks, except where a real process must die: a session left behind is made
by killing the process that ran it, as a kernel dies with its page.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fake_time import FakeTime
from plans import KNEE, TILT, short_plan, write_plan

from backrelief_analysis.log.store import LogStore, load_log
from backrelief_analysis.plan import load_plan
from backrelief_analysis.session.active import (
    LIVE_FILE,
    RECORD_FILE,
    ActiveSession,
    read_active,
    record_path,
    runs_elsewhere,
)
from backrelief_analysis.session.engine import SessionBusy, SessionClosed, SessionEngine

STARTED = datetime(2026, 11, 24, 18, 5, 0, tzinfo=timezone(timedelta(hours=1)))
PLAN = short_plan(hold=1, release=1, rest=1)  # tilt, then knee left and right; 2 reps each


def engine_for(directory: Path, fake: FakeTime, **options) -> SessionEngine:
    return SessionEngine(PLAN, LogStore(directory), clock=fake.clock, sleep=fake.sleep,
                         now=lambda: STARTED, get_ready_s=1, switch_side_s=1, **options)


def blocks(directory: Path) -> list[tuple[str, str, str, str, str]]:
    """The exercise log as written (session, exercise, side, reps done, status)."""
    path = directory / "exercise_log.csv"
    if not path.exists():
        return []
    with path.open(newline="") as file:
        return [(r["session_id"], r["exercise"], r["side"], r["reps_done"], r["status"])
                for r in csv.DictReader(file)]


def pain_rows(directory: Path) -> list[tuple[str, str, str]]:
    with (directory / "pain_log.csv").open(newline="") as file:
        return [(r["session_id"], r["context"], r["pain"]) for r in csv.DictReader(file)]


def test_a_whole_session_with_both_pain_scores_runs_without_a_widget(tmp_path):
    engine = engine_for(tmp_path, FakeTime())

    async def session() -> None:
        await engine.begin(6)

    asyncio.run(session())
    engine.record_after(3, "no", "easier today")
    sid = engine.session_id
    assert blocks(tmp_path) == [(sid, "tilt", "", "2", "completed"),
                                (sid, "knee", "left", "2", "completed"),
                                (sid, "knee", "right", "2", "completed")]
    assert pain_rows(tmp_path) == [(sid, "before_session", "6"), (sid, "after_session", "3")]
    log = load_log(tmp_path)
    assert log.pain["note"].tolist() == ["", "easier today"]
    assert not record_path(tmp_path).exists()  # closed: no page offers it again


def test_the_record_follows_the_session_owner_only_and_the_live_lock_is_held(tmp_path):
    fake = FakeTime()
    engine = engine_for(tmp_path, fake, background_records=False)  # each update read here
    seen: list[tuple[ActiveSession, int, int]] = []

    def look() -> None:
        record = read_active(tmp_path)
        if record and (not seen or seen[-1][1:] != (record.block, record.reps_done)):
            seen.append((record, record.block, record.reps_done))
            assert runs_elsewhere(tmp_path)  # any other page sees it running

    fake.hooks.append(look)

    async def session() -> None:
        await engine.begin(4)

    asyncio.run(session())
    first = seen[0][0]
    assert (first.session_id, first.pain_before, first.started_at) == (
        engine.session_id, 4, STARTED)
    assert first.plan_name == PLAN.name and first.status == "running"
    assert [(b.exercise, b.side) for b in first.blocks] == [
        ("tilt", ""), ("knee", "left"), ("knee", "right")]
    assert [(block, reps) for _, block, reps in seen] == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    assert seen[1][0].holds == (1.0,)  # the measured hold of the block in progress
    assert read_active(tmp_path).status == "ended"  # waits for its after-score
    assert not runs_elsewhere(tmp_path)
    for name in (RECORD_FILE, LIVE_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_second_session_cannot_begin_while_one_runs_and_logs_no_score(tmp_path):
    fake = FakeTime()
    first, second = engine_for(tmp_path, fake), engine_for(tmp_path, FakeTime())
    refused: list[BaseException] = []

    def try_second() -> None:
        if first.state.phase == "hold" and not refused:
            with pytest.raises(SessionBusy) as error:
                second.begin(5)
            refused.append(error.value)

    fake.hooks.append(try_second)

    async def session() -> None:
        await first.begin(4)

    asyncio.run(session())
    assert "another page" in str(refused[0])
    assert {row[0] for row in pain_rows(tmp_path)} == {first.session_id}
    assert {row[0] for row in blocks(tmp_path)} == {first.session_id}


def test_carry_on_here_takes_over_and_the_old_engine_logs_nothing_more(tmp_path):
    old_time, new_time = FakeTime(), FakeTime()
    old = engine_for(tmp_path, old_time)
    reached = asyncio.Event()

    def at_knee_left_first_release() -> None:
        if (old.state.phase, old.state.side, old.state.rep) == ("release", "left", 1):
            old_time.gate = asyncio.Event()  # the old page's kernel is busy for a moment
            reached.set()

    old_time.hooks.append(at_knee_left_first_release)

    async def both() -> SessionEngine:
        old_task = old.begin(7)
        await reached.wait()
        new = engine_for(tmp_path, new_time, resume=read_active(tmp_path))
        carrying = asyncio.ensure_future(new.carry_on())
        await asyncio.sleep(0.01)
        old_time.gate.set()  # the old engine wakes, sees the record is not its own
        new_task = await carrying
        await old_task
        await new_task
        return new

    new = asyncio.run(both())
    assert old.moved and old.state.status == "stopped"
    assert new.state.status == "finished" and new.session_id == old.session_id
    sid = old.session_id
    assert blocks(tmp_path) == [(sid, "tilt", "", "2", "completed"),
                                (sid, "knee", "left", "2", "completed"),
                                (sid, "knee", "right", "2", "completed")]
    new.record_after(2)
    assert pain_rows(tmp_path) == [(sid, "before_session", "7"), (sid, "after_session", "2")]


RUN_AND_WAIT = """
import asyncio, sys
from backrelief_analysis.session.engine import SessionEngine
from backrelief_analysis.plan import load_plan
from backrelief_analysis.log.store import LogStore

engine = SessionEngine(load_plan(sys.argv[1]), LogStore(sys.argv[2]), get_ready_s=0.2,
                       switch_side_s=0.2)
async def main():
    await engine.begin(5)
asyncio.run(main())
"""


@pytest.fixture
def left_behind(tmp_path) -> tuple[Path, ActiveSession]:
    """A session whose process was killed during knee to chest, left leg, after one rep."""
    plan = write_plan(tmp_path / "plan.toml", TILT | {"hold_s": 1, "release_s": 1},
                      KNEE | {"hold_s": 1, "release_s": 1}, rest_between_exercises_s=0.2)
    log = tmp_path / "log"
    process = subprocess.Popen([sys.executable, "-c", RUN_AND_WAIT, str(plan), str(log)])
    try:
        deadline = time.monotonic() + 60
        record = None
        while time.monotonic() < deadline:  # waiting for the session to get there
            record = read_active(log)
            if record and (record.block, record.reps_done) == (1, 1):
                break
            time.sleep(0.05)
        assert record is not None and (record.block, record.reps_done) == (1, 1)
        assert runs_elsewhere(log)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return log, record


def test_a_killed_kernel_lets_go_and_its_session_is_finished_with_its_after_score(left_behind):
    log, record = left_behind
    assert not runs_elsewhere(log)  # the OS let go of the lock with the process
    plan = load_plan(log.parent / "plan.toml")
    engine = SessionEngine(plan, LogStore(log), resume=read_active(log))
    engine.finish_left_behind()
    assert read_active(log).status == "ended"  # a reload now asks only for the pain score
    engine.record_after(4, "yes")
    sid = record.session_id
    assert blocks(log) == [(sid, "tilt", "", "2", "completed"),
                           (sid, "knee", "left", "1", "stopped"),
                           (sid, "knee", "right", "0", "not_reached")]
    assert pain_rows(log) == [(sid, "before_session", "5"), (sid, "after_session", "4")]
    assert load_log(log).exercise["hold_s_mean"].notna().tolist() == [True, True, False]
    assert read_active(log) is None


def test_a_session_left_behind_is_carried_on_from_its_block_and_rep(left_behind):
    log, record = left_behind
    plan = load_plan(log.parent / "plan.toml")
    fake = FakeTime()
    engine = SessionEngine(plan, LogStore(log), clock=fake.clock, sleep=fake.sleep,
                           resume=read_active(log), get_ready_s=0.2, switch_side_s=0.2)
    holds: list[tuple[str, int]] = []
    fake.hooks.append(lambda: holds.append((engine.state.side, engine.state.rep))
                      if engine.state.phase == "hold" else None)

    async def carry_on() -> None:
        await (await engine.carry_on())

    asyncio.run(carry_on())
    assert engine.state.phase == "done"
    assert sorted(set(holds)) == [("left", 2), ("right", 1), ("right", 2)]  # rep 1 not again
    sid = record.session_id
    assert blocks(log) == [(sid, "tilt", "", "2", "completed"),
                           (sid, "knee", "left", "2", "completed"),
                           (sid, "knee", "right", "2", "completed")]


def test_the_next_session_closes_one_left_behind_without_an_after_score(left_behind):
    log, record = left_behind
    plan = load_plan(log.parent / "plan.toml")
    fake = FakeTime()
    engine = SessionEngine(plan, LogStore(log), clock=fake.clock, sleep=fake.sleep,
                           get_ready_s=0.2, switch_side_s=0.2)

    async def session() -> None:
        await engine.begin(3)

    asyncio.run(session())
    by_session: dict[str, list[str]] = {}
    for sid, _exercise, _side, _reps, status in blocks(log):
        by_session.setdefault(sid, []).append(status)
    assert by_session == {record.session_id: ["completed", "stopped", "not_reached"],
                          engine.session_id: ["completed"] * 3}
    assert read_active(log).session_id == engine.session_id


def test_a_session_finished_in_one_page_is_not_written_back_by_another(left_behind):
    log, record = left_behind
    plan = load_plan(log.parent / "plan.toml")
    here = SessionEngine(plan, LogStore(log), resume=read_active(log))
    here.finish_left_behind()
    ended = read_active(log)
    ahead = SessionEngine(plan, LogStore(log), resume=ended)  # a page made meanwhile
    ahead.finish_left_behind()
    assert read_active(log) == ended  # nothing more to write for an ended session
    late = SessionEngine(plan, LogStore(log), resume=ended)
    here.record_after(4)
    assert read_active(log) is None
    with pytest.raises(SessionClosed, match="finished in another page"):
        late.finish_left_behind()
    with pytest.raises(SessionClosed, match="already saved in another page"):
        ahead.record_after(7)
    assert read_active(log) is None  # the closed session is not brought back
    sid = record.session_id
    assert pain_rows(log) == [(sid, "before_session", "5"), (sid, "after_session", "4")]
    assert [row[4] for row in blocks(log)] == ["completed", "stopped", "not_reached"]
