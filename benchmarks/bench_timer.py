"""1-2. Timer accuracy and responsiveness of the real session engine on the real loop.

A compressed plan (40 holds of 0.5 s, 0.25 s releases, one exercise with sides) runs on asyncio's
loop with the monotonic clock and a real log store in a temporary folder. A view that does
UI-sized work (about 1 ms of formatting per state event) listens, as the widget does. Each hold
is measured from its "hold" cue to its "release" cue: what the user hears.

The comparison is the naive timer many first versions use: sleep a fixed 100 ms tick, count
ticks, and do the same view work per tick.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import threading
import time
from pathlib import Path

from plans import BRIDGE, KNEE, TILT, short_plan

from backrelief_analysis.log.store import LogStore
from backrelief_analysis.session.engine import START_LEAD_S, SessionEngine, SessionEvent

from .common import Row, median, percentile

HOLD_S, RELEASE_S, REST_S = 0.5, 0.25, 0.25
COMPRESSED = short_plan(hold=HOLD_S, reps=10, release=RELEASE_S, rest=REST_S, target=7,
                        name="Compressed benchmark plan", exercises=(TILT, KNEE, BRIDGE))
TICK_S = 0.1


def _view_work() -> str:
    """About a millisecond of the formatting a view does per update."""
    end = time.perf_counter() + 0.001
    text = ""
    while time.perf_counter() < end:
        text = f"<div class='countdown'>{len(text) % 10}</div>"
    return text


async def _run_engine(pause_probe: bool) -> dict[str, list[float]]:
    plan = COMPRESSED
    with tempfile.TemporaryDirectory() as folder:
        engine = SessionEngine(plan, LogStore(Path(folder)), get_ready_s=0.5, switch_side_s=0.25)
        cues: list[tuple[str, float]] = []

        def view(event: SessionEvent) -> None:
            if event.kind == "cue" and event.cue != "tick":
                cues.append((event.cue or "", time.monotonic()))
            if event.kind == "state":
                _view_work()

        engine.add_observer(view)
        loop = asyncio.get_running_loop()
        pause_delays: list[float] = []
        stop_probe = threading.Event()

        def probe() -> None:
            # Pause and Resume arrive from outside the loop, like a click through the kernel
            while not stop_probe.wait(0.7):
                for pausing in (True, False):
                    asked = time.monotonic()
                    done = threading.Event()

                    def act(pausing=pausing, asked=asked, done=done) -> None:
                        if pausing:
                            engine.pause()
                            if engine.state.status == "paused":
                                pause_delays.append(time.monotonic() - asked)
                        else:
                            engine.resume()
                        done.set()

                    loop.call_soon_threadsafe(act)
                    done.wait()
                    stop_probe.wait(0.2)

        started = time.monotonic()
        thread = threading.Thread(target=probe, daemon=True) if pause_probe else None
        if thread:
            thread.start()
        await engine.run()
        ended = time.monotonic()
        stop_probe.set()
        if thread:
            thread.join()
        holds = []
        for (cue, at), (next_cue, next_at) in itertools.pairwise(cues):
            if cue == "hold_start" and next_cue in ("release", "next", "session_end"):
                holds.append(next_at - at - HOLD_S)
        return {
            "hold_errors": holds,
            # the first step begins START_LEAD_S after Start, by design (its cue is announced)
            "session_error": [ended - started - START_LEAD_S - engine.total_s],
            "pause_delays": pause_delays,
            "holds_logged": [sum(b.reps_done for b in engine.logged)],
        }


async def _run_naive() -> dict[str, list[float]]:
    """Fixed-tick loop: a hold of 0.5 s is five 100 ms sleeps plus whatever the work costs."""
    plan = COMPRESSED
    steps: list[float] = [0.5]
    for exercise in plan.exercises:
        for _side in exercise.blocks:
            steps += [HOLD_S, RELEASE_S] * exercise.reps
        steps.append(REST_S)
    nominal = sum(steps)
    holds = []
    started = time.monotonic()
    for index, length in enumerate(steps):
        began = time.monotonic()
        for _ in range(round(length / TICK_S)):
            await asyncio.sleep(TICK_S)
            _view_work()
        if index % 2 == 1 and length == HOLD_S:
            holds.append(time.monotonic() - began - HOLD_S)
    return {"hold_errors": holds, "session_error": [time.monotonic() - started - nominal]}


def run() -> list[Row]:
    engine = asyncio.run(_run_engine(pause_probe=False))
    naive = asyncio.run(_run_naive())
    probed = asyncio.run(_run_engine(pause_probe=True))
    hold_ms = [abs(e) * 1000 for e in engine["hold_errors"]]
    naive_ms = [abs(e) * 1000 for e in naive["hold_errors"]]
    session_ms = abs(engine["session_error"][0]) * 1000
    naive_session_ms = abs(naive["session_error"][0]) * 1000
    pause_ms = [d * 1000 for d in probed["pause_delays"]]
    return [
        Row("timer", f"hold length error, {len(hold_ms)} holds of {HOLD_S} s",
            median(hold_ms), max(hold_ms), "ms (median / worst)", "p99 <= 10 ms",
            percentile(hold_ms, 99) <= 10,
            f"p99 {percentile(hold_ms, 99):.1f} ms; naive 100 ms tick: median "
            f"{median(naive_ms):.1f}, p99 {percentile(naive_ms, 99):.1f} ms"),
        Row("timer", "whole-session end against its nominal end", session_ms, session_ms, "ms",
            "<= 20 ms", session_ms <= 20, f"naive 100 ms tick: {naive_session_ms:.0f} ms late"),
        Row("timer", f"Pause takes effect (call to state change), {len(pause_ms)} pauses",
            median(pause_ms), max(pause_ms), "ms (median / worst)", "< 50 ms",
            max(pause_ms) < 50, "requests sent from another thread, as kernel messages arrive"),
    ]
