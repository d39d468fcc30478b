"""The session engine: walks a plan step by step on an asyncio loop and logs each block.

No widgets here: the engine can be driven from a test with a fake clock, and the widget in
:mod:`backrelief_analysis.session.widget` is a thin view that listens to it.

A session is the list of steps :func:`~backrelief_analysis.session.steps.build_steps` makes from the
plan (get ready, hold and release per rep, switch sides, rest, done).

Timing
------
Every step ends at a deadline on a monotonic clock. The next deadline is the previous deadline
plus the next step's length, so a late wake-up shortens the following wait instead of adding up
over a session. The loop wakes at each whole second of the countdown; a late wake-up jumps to
the current second instead of replaying the missed ones (no pile of tick sounds).

The last seconds of each hold, and of each lead-in before a block's first hold, are counted
(``tick``: "3", "2", "1"); a lead-in long enough says "Get ready." (``prepare``) a second before
its count (:mod:`.cues`).

Each cue carries its deadline (``due``) and the words said for it (:mod:`.cues`);
:meth:`SessionEngine.upcoming` announces the cues still due in the current step, so a view can
sound them on its own audio clock exactly at their deadlines. The first step begins
:data:`START_LEAD_S` after Start, so that its cue too is announced before it is due.

Logging
-------
Each block (one exercise, one side) is appended to ``exercise_log.csv`` the moment it ends:

* its last hold ends: ``completed``;
* *Skip exercise*: ``skipped`` when no rep of it was done, else ``stopped`` with the reps done;
* *Stop* ends the session. The block in progress (its first hold has begun) is logged
  ``stopped`` with the reps done, even 0, so a physiotherapist sees where a session was cut
  short. Every block not begun yet is logged ``not_reached`` with 0 reps: prescribed but not
  done, like a skipped one, yet never chosen to be skipped.

``hold_s_mean`` is the mean measured length of the block's finished holds, from the hold's
start to its release on the monotonic clock, paused time left out; empty when no rep was done.
A block that cannot be written (full disk, read-only folder) stays in :attr:`SessionEngine.unsaved`
and is retried with the next block or by :meth:`SessionEngine.flush`; the error is reported to
the observers, never dropped.

Why it stopped, how it felt
---------------------------
After *Skip exercise* or *Stop*, :meth:`SessionEngine.give_reason` logs why (pain, too hard,
not enough time, other) for the block just ended, to ``signals_log.csv`` at once; the session
never waits for it, and a reason may be given, or changed, until the after-score.
:meth:`SessionEngine.record_after` takes, with the after-score, how each exercise done felt
(easy, right, hard) and the exercises that hurt. All of it is optional.

The whole session
-----------------
:meth:`SessionEngine.begin` logs the before-score and starts; :meth:`SessionEngine.record_after`
logs the after-score, flare and note. While it runs, the session is recorded in the log folder
(:mod:`.active_session`) at each change of block, rep or status (on a recording thread of
its own, in order, so the loop never waits for the disk), and the engine holds the folder's
live lock: one session per diary at a time, found again by any page. An engine made
with ``resume=`` a record carries that session on (:meth:`SessionEngine.carry_on`) from its
block and rep, the engine that ran it stopping without logging anything, or closes it
(:meth:`SessionEngine.finish_left_behind`).
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from ..log.schema import SIGNAL_VALUES
from ..log.store import ExerciseBlock, LogStore, PainEntry, SignalEntry, now_local
from ..plan import Exercise, Plan
from . import active
from .active import ActiveSession, SessionBusy, SessionClosed
from .cues import GET_READY_AHEAD_S, LEAD_INS, get_ready_apart, spoken_text
from .steps import Step, build_blocks, build_steps

TICK_LAST_S = 3
# Cue names; audio.py has a tone for each and cues.py the words said.
CUES = ("get_ready", "prepare", "hold_start", "release", "tick", "next", "session_end")
_STEP_CUES = {"get_ready": "get_ready", "hold": "hold_start", "release": "release",
              "switch": "next", "rest": "next", "done": "session_end"}
# The first step begins this long after Start, so that its cue is announced before it is due
# and a view can sound it on time, like every later one (a kernel's message may take tens of
# milliseconds to reach a busy browser).
START_LEAD_S = 0.15
# While paused the loop still wakes now and then; a resume wakes it at once anyway.
_PAUSED_WAKE_S = 1.0
# How long Carry on here waits for the engine that ran the session to let go of it (it looks
# at its record at each wake, at least once a second)
TAKE_OVER_WAIT_S = 5.0
_TAKE_OVER_POLL_S = 0.05
BUSY = ("A session is running in another page: carry it on there, or press Carry on here "
        "in this page")


@dataclass(frozen=True)
class SessionState:
    """What the session looks like now: everything a view shows.

    Attributes
    ----------
    status
        ``"ready"`` (not started), ``"running"``, ``"paused"``, ``"finished"`` (walked to the
        end) or ``"stopped"``.
    phase
        The current step's kind, ``"ready"`` before the start.
    exercise, side, rep, reps
        As in :class:`Step`.
    remaining_s
        Seconds left in the current step (frozen while paused).
    countdown
        ``remaining_s`` rounded up to a whole second: the big number on screen.
    progress
        Fraction of the session's planned time done, 0 to 1 (1 once finished; where it was
        once stopped).
    time_left_s
        Planned seconds left in the whole session (0 once finished; what was left once
        stopped).
    step
        Index of the current step: a view tells a new step from the same one counting down.
    """

    status: str
    phase: str
    exercise: Exercise | None
    side: str
    rep: int
    reps: int
    remaining_s: float
    countdown: int
    progress: float
    time_left_s: float
    step: int = 0

    @property
    def ended(self) -> bool:
        """True once the session has finished or was stopped."""
        return self.status in ("finished", "stopped")


@dataclass(frozen=True)
class SessionEvent:
    """Sent to observers.

    ``kind`` is ``"state"`` (re-render), ``"cue"`` (play ``cue`` and say ``speech``),
    ``"block"`` (``block`` was written to the log), ``"error"`` (writing the log failed; the
    session goes on), ``"failed"`` (the session's task died of ``error``; ``"ended"`` follows)
    or ``"ended"``. A cue's ``due`` is the moment on the engine's clock it stands for (a step's
    start, or the second a tick counts), so a view can measure how late it played it.
    """

    kind: str
    state: SessionState
    cue: str | None = None
    block: ExerciseBlock | None = None
    error: BaseException | None = None
    speech: str = ""
    due: float | None = None


Observer = Callable[[SessionEvent], None]


def second_cues(step: Step) -> dict[int, str]:
    """The cues of ``step`` said as its countdown shows a second: ``{second: cue}``.

    The last :data:`TICK_LAST_S` seconds of a hold and of a lead-in are ticks ("3", "2", "1"),
    but never the step's first second (its own cue is said then); a lead-in long enough says
    "Get ready" (``prepare``) at :data:`~backrelief_analysis.session.cues.GET_READY_AHEAD_S`.

    Examples
    --------
    >>> second_cues(Step("rest", 10.0, 1))
    {4: 'prepare', 3: 'tick', 2: 'tick', 1: 'tick'}
    """
    if step.kind != "hold" and step.kind not in LEAD_INS:
        return {}
    whole = math.ceil(step.duration_s - 1e-9)
    cues = {GET_READY_AHEAD_S: "prepare"} if get_ready_apart(step) else {}
    cues.update({shown: "tick" for shown in range(min(TICK_LAST_S, whole - 1), 0, -1)})
    return cues


def _nothing() -> None:
    """A job for the recording thread that only says the jobs before it are done."""


def _countdown(remaining: float) -> int:
    # 1e-9 keeps float noise (4.0000000001) from showing one second too many
    return max(0, math.ceil(remaining - 1e-9))


class SessionEngine:
    """Run one guided session of ``plan`` and log it to ``store``.

    Parameters
    ----------
    plan
        The plan to follow.
    store
        Where blocks are logged.
    clock
        A monotonic clock in seconds; tests pass a fake one.
    sleep
        ``async`` sleep; tests pass one that moves the fake clock on.
    now
        Aware local time for ``session_started_at`` and ``logged_at``.
    get_ready_s, switch_side_s
        Length of the first lead-in and of the switch between the two sides of an exercise.
    session_id
        Default: a fresh ``uuid4`` hex.
    start_lead_s
        How long after Start the first step begins (:data:`START_LEAD_S`): its cue is
        announced by :meth:`upcoming` in the meantime.
    fewer_words
        Say "Hold." rather than "Hold, 3 of 10." (:attr:`fewer_words` may change mid-session).
    resume
        The record of a session left running elsewhere (:mod:`.active_session`): this engine
        is for that session, to carry on or to finish.
    background_records
        Write the record's updates while the session runs on a thread of their own, in order
        (default), so the loop never waits for the disk; False writes them at once (a test
        that reads each one).

    Examples
    --------
    In a notebook, from a button handler: ``engine.start()``. In a test:
    ``asyncio.run(engine.run())``.
    """

    def __init__(
        self,
        plan: Plan,
        store: LogStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        now: Callable[[], datetime] = now_local,
        get_ready_s: float | None = None,
        switch_side_s: float | None = None,
        session_id: str | None = None,
        start_lead_s: float = START_LEAD_S,
        fewer_words: bool = False,
        resume: ActiveSession | None = None,
        background_records: bool = True,
    ) -> None:
        self.plan = plan
        self.store = store
        self.session_id = resume.session_id if resume else session_id or uuid.uuid4().hex
        self.steps = build_steps(plan, get_ready_s=get_ready_s, switch_side_s=switch_side_s)
        self.blocks = build_blocks(plan)
        self.total_s = sum(step.duration_s for step in self.steps)
        self.started_at: datetime | None = resume.started_at if resume else None
        self.logged: list[ExerciseBlock] = []
        self.unsaved: list[ExerciseBlock] = []
        self.errors: list[BaseException] = []
        self.task: asyncio.Task[None] | None = None
        self._clock = clock
        self._sleep = sleep
        self._now = now
        self._observers: list[Observer] = []
        self._status = "ready"
        self._index = 0
        self._deadline = 0.0
        self._remaining_when_paused = 0.0
        self._shown_countdown = -1
        self._step_started = 0.0
        self._stopped_time_left = 0.0
        self._block_done: set[int] = set()
        self._reps_done = [0] * len(self.blocks)
        self._hold_times: list[list[float]] = [[] for _ in self.blocks]
        self._hold_started = 0.0
        self._hold_paused_s = 0.0
        self._paused_at = 0.0
        self._wake: asyncio.Event | None = None
        self._start_lead_s = start_lead_s
        self.fewer_words = fewer_words
        # the session's record and live lock (see active_session)
        self.left_behind = resume
        self.pain_before: int | None = resume.pain_before if resume else None
        self.moved = False  # True once another page took the session over
        self._get_ready_s = plan.get_ready_s if get_ready_s is None else get_ready_s
        self._first_index = 0
        self._owner = uuid.uuid4().hex
        self._live = active.LiveLock(store.directory)
        self._seen: list[int] = []
        self._tracked: tuple[object, ...] | None = None
        self._background_records = background_records
        self._plan_key = active.plan_key(plan)
        self._planned = active.planned_blocks(plan)
        self._recorder: ThreadPoolExecutor | None = None
        # blocks ended by Skip exercise or Stop, most recent last: a reason may be given for them
        self.cut_short: list[int] = []
        self.closed = False  # the after-score is in: nothing more is asked

    # --- observing ---------------------------------------------------------------------------

    def add_observer(self, observer: Observer) -> None:
        """Call ``observer(event)`` on every :class:`SessionEvent`."""
        self._observers.append(observer)

    def _emit(self, kind: str, **fields: object) -> None:
        event = SessionEvent(kind, self.state, **fields)  # type: ignore[arg-type]
        for observer in list(self._observers):
            try:
                observer(event)
            except Exception as error:  # a broken view must not stop the session
                self.errors.append(error)
        if kind in ("state", "ended"):
            self._track(event.state)  # after the views: its fsync must not delay what they show

    def clock(self) -> float:
        """The engine's monotonic clock now, in seconds (what a cue's ``due`` is measured on)."""
        return self._clock()

    @property
    def step(self) -> Step:
        """The current step."""
        return self.steps[self._index]

    @property
    def remaining_s(self) -> float:
        """Seconds left in the current step."""
        if self._status == "ready":
            return self.step.duration_s
        if self._status == "paused":
            return self._remaining_when_paused
        if self._status in ("finished", "stopped"):
            return 0.0
        return max(0.0, self._deadline - self._clock())

    @property
    def state(self) -> SessionState:
        """A snapshot of the session for a view."""
        step = self.step
        remaining = min(self.remaining_s, step.duration_s)
        ended = self._status in ("finished", "stopped")
        later = sum(s.duration_s for s in self.steps[self._index + 1 :])
        if self._status == "finished":
            time_left = 0.0
        elif self._status == "stopped":
            time_left = self._stopped_time_left
        else:
            time_left = later + remaining
        progress = 1.0 if self.total_s == 0 else 1 - time_left / self.total_s
        countdown = _countdown(remaining)
        if self._status == "running" and 0 <= self._shown_countdown < countdown:
            # the number the loop decided to show: a later clock read must not show it twice
            countdown = self._shown_countdown
        return SessionState(
            status=self._status,
            phase="ready" if self._status == "ready" else step.kind,
            exercise=step.exercise,
            side=step.side,
            rep=step.rep,
            reps=step.reps,
            remaining_s=remaining,
            countdown=0 if ended else countdown,
            progress=min(1.0, max(0.0, progress)),
            time_left_s=time_left,
            step=self._index,
        )

    def upcoming(self) -> list[tuple[str, float]]:
        """The cues still due in the current step and at its end, with their deadlines.

        Only while running (a pause, skip or stop changes them). A view may schedule their
        sounds on its own audio clock from these deadlines, so that a cue sounds on time
        however long its message takes to arrive; the cue is sent all the same when due.

        Returns
        -------
        list of (cue, due)
            ``due`` on the engine's clock, in order.
        """
        if self._status != "running":
            return []
        step, now = self.step, self._clock()
        cues: list[tuple[str, float]] = []
        own = _STEP_CUES.get(step.kind)
        if own is not None and self._step_started > now:
            cues.append((own, self._step_started))  # the first step, still to begin
        cues.extend((cue, self._deadline - shown) for shown, cue in second_cues(step).items())
        if self._index + 1 < len(self.steps):
            following = _STEP_CUES.get(self.steps[self._index + 1].kind)
            if following is not None:
                cues.append((following, self._deadline))
        return [(cue, due) for cue, due in cues if due > now]

    # --- commands ----------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the session as a task on the running event loop (the kernel's, in Jupyter)."""
        if self.task is not None:
            raise RuntimeError("this session has already been started")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        self.task = loop.create_task(self.run())
        self.task.add_done_callback(self._on_task_done)
        return self.task

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is None:
            return
        # a bug, not a user action: say so, and still let the user give their pain after
        self.errors.append(error)
        if self._status not in ("finished", "stopped"):
            self._status = "stopped"
        self._emit("failed", error=error)
        self._emit("ended")

    def pause(self) -> None:
        """Freeze the current step's remaining time."""
        if self._status != "running":
            return
        now = self._clock()
        self._remaining_when_paused = max(0.0, self._deadline - now)
        self._paused_at = now
        self._status = "paused"
        self._poke()
        self._emit("state")

    def resume(self) -> None:
        """Continue the current step with the time it had left."""
        if self._status != "paused":
            return
        now = self._clock()
        self._deadline = now + self._remaining_when_paused
        if self.step.kind == "hold":
            self._hold_paused_s += now - self._paused_at
        self._status = "running"
        self._poke()
        self._emit("state")

    def skip_exercise(self) -> None:
        """End the current block (``skipped``, or ``stopped`` if reps were done); go on."""
        if self._status not in ("running", "paused") or self._taken_over():
            return
        block = self.step.block
        if block not in self._block_done:
            status = "stopped" if self._reps_done[block] else "skipped"
            self._log_block(block, status)
            self.cut_short.append(block)
        target = next(i for i, s in enumerate(self.steps) if s.block > block)
        self._emit_cue(self._enter(target, self._clock()))
        self._poke()
        self._emit("state")
        if self._status == "finished":
            self._emit("ended")

    def stop(self) -> None:
        """End the session: the block in progress ``stopped``, blocks not begun ``not_reached``."""
        if self._status not in ("running", "paused", "ready") or self._taken_over():
            return
        started = self._status != "ready"
        self._stopped_time_left = self.state.time_left_s
        if started:
            current = self.step
            for block in range(current.block, len(self.blocks)):
                if block in self._block_done:
                    continue
                begun = block == current.block and current.kind in ("hold", "release")
                self._log_block(block, "stopped" if begun else "not_reached")
                if begun:
                    self.cut_short.append(block)
        self._status = "stopped"
        self._poke()
        self._emit("state")
        self._emit("ended")

    def flush(self) -> bool:
        """Retry writing blocks that could not be written; True when none is left unsaved."""
        while self.unsaved:
            try:
                self.store.append_block(self.unsaved[0])
            except Exception as error:  # reported, and kept to retry
                self.errors.append(error)
                self._emit("error", error=error)
                return False
            self.logged.append(self.unsaved.pop(0))
        return True

    # --- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Walk the whole session; returns when it has finished or was stopped."""
        if self._status == "stopped":
            return
        self._claim()
        try:
            await self._walk()
        finally:
            # ended, stopped, taken over or failed: never held after (once recorded), and
            # nothing written in the folder once the session has returned
            self._record_later(self._live.release)
            if self._recorder is not None:
                await asyncio.wrap_future(self._recorder.submit(_nothing))

    async def _walk(self) -> None:
        self._wake = asyncio.Event()
        self.started_at = self.started_at or self._now()
        self._status = "running"
        first_cue = self._enter(self._first_index, self._clock() + self._start_lead_s)
        self._emit("state")  # announces the first cue (see upcoming) before it is due
        if self._start_lead_s > 0:
            await self._wait(self._start_lead_s)
        if self._status in ("running", "paused"):
            first = self._index == self._first_index
            self._emit_cue(first_cue, due=self._step_started if first else None)
        while self._status in ("running", "paused"):
            if self._taken_over():
                break
            if self._status == "paused":
                await self._wait(_PAUSED_WAKE_S)
                continue
            now = self._clock()
            if now >= self._deadline:
                self._advance(now)
                if self._status != "running":
                    break
                continue
            remaining = self._deadline - now
            shown = _countdown(remaining)
            if shown != self._shown_countdown:
                self._shown_countdown = shown
                cue = second_cues(self.step).get(shown)
                if cue is not None:
                    self._emit_cue(cue, due=self._deadline - shown, countdown=shown)
                self._emit("state")
            # wake when the shown second changes, or at the deadline
            next_change = self._deadline - (shown - 1) if shown > 1 else self._deadline
            await self._wait(max(0.0, next_change - now))

    async def _wait(self, delay: float) -> None:
        assert self._wake is not None
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
        if sleeper.done() and not sleeper.cancelled() and sleeper.exception() is not None:
            raise sleeper.exception()  # a broken sleep must not turn into a busy loop

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _advance(self, now: float) -> None:
        """Leave every step whose deadline has passed; one cue for where we land."""
        cue = None
        completed: list[int] = []
        while self._status == "running" and now >= self._deadline:
            ending = self.step
            if ending.kind == "hold":
                # the hold ends when the loop acts on it: when the user hears "release"
                held = now - self._hold_started - self._hold_paused_s
                self._hold_times[ending.block].append(max(0.0, held))
                self._reps_done[ending.block] = ending.rep
                if ending.rep == ending.reps:
                    completed.append(ending.block)
            cue = self._enter(self._index + 1, self._deadline)
        self._emit_cue(cue)
        # the cue goes out first: a log write with its fsync must not delay what the user hears
        for block in completed:
            self._log_block(block, "completed")
        self._shown_countdown = _countdown(self._deadline - now)
        self._emit("state")
        if self._status == "finished":
            self._emit("ended")

    def _emit_cue(self, cue: str | None, *, due: float | None = None,
                  countdown: int = 0) -> None:
        if cue is None:
            return
        speech = spoken_text(cue, self.step, countdown, fewer_words=self.fewer_words)
        self._emit("cue", cue=cue, speech=speech,
                   due=self._step_started if due is None else due)

    def _enter(self, index: int, start: float) -> str | None:
        """Make ``steps[index]`` current, starting at ``start``; return its cue."""
        self._index = index
        step = self.step
        self._step_started = start
        self._deadline = start + step.duration_s
        self._shown_countdown = -1
        if self._status == "paused":
            # skipped to while paused: the new step waits, whole, for Resume
            self._remaining_when_paused = step.duration_s
            self._paused_at = self._clock()
        cue = _STEP_CUES.get(step.kind)
        if step.kind == "hold":
            self._hold_started = max(self._clock(), start)
            self._hold_paused_s = 0.0
        if step.kind == "done":
            self._status = "finished"
        return cue

    def _log_block(self, block: int, status: str) -> None:
        exercise, side = self.blocks[block]
        holds = self._hold_times[block]
        row = ExerciseBlock(
            session_id=self.session_id,
            session_started_at=self.started_at or self._now(),
            exercise=exercise.id,
            side=side,
            reps_target=exercise.reps,
            reps_done=self._reps_done[block],
            hold_s_target=float(exercise.hold_s),
            hold_s_mean=sum(holds) / len(holds) if holds else None,
            status=status,
            logged_at=self._now(),
        )
        self._block_done.add(block)
        self.unsaved.append(row)
        if self.flush():
            self._emit("block", block=row)

    # --- the whole session: pain scores, record, taking over -------------------------------

    def begin(self, pain_before: int) -> asyncio.Task[None]:
        """Log the before-score and start the session (see :meth:`start`).

        Raises
        ------
        SessionBusy
            When a session of this diary runs in another page; nothing is logged.
        """
        self.pain_before = pain_before
        self._claim()  # before the score: a session that cannot run logs no score
        try:
            self.store.append_pain(PainEntry(self._now(), pain_before, "before_session",
                                             self.session_id))
        except BaseException:
            active.clear_active(self.store.directory, self.session_id)
            self._live.release()
            raise
        return self.start()

    def give_reason(self, reason: str, block: int | None = None, note: str = "") -> SignalEntry:
        """Log why a block ended early: ``pain``, ``too_hard``, ``no_time`` or ``other``.

        Parameters
        ----------
        reason
            One of ``SIGNAL_VALUES["stop_reason"]``.
        block
            The block's index in :attr:`blocks`; by default the last one cut short.
        note
            A few words with ``other``.

        Raises
        ------
        ValueError
            For an unknown reason, a block that was not skipped or stopped, or a session
            whose after-score is in.
        """
        if reason not in SIGNAL_VALUES["stop_reason"]:
            raise ValueError(f"a reason is one of {', '.join(SIGNAL_VALUES['stop_reason'])}")
        if self.closed:
            raise ValueError("the session is closed: its after-score is in")
        if block is None:
            if not self.cut_short:
                raise ValueError("no exercise of this session was skipped or stopped")
            block = self.cut_short[-1]
        if block not in self.cut_short:
            raise ValueError("a reason is given for an exercise that was skipped or stopped")
        exercise, side = self.blocks[block]
        entry = SignalEntry(self._now(), "stop_reason", reason, self.session_id, exercise.id,
                            side, note=note)
        self.store.extend_signals([entry])
        return entry

    def exercises_done(self) -> list[Exercise]:
        """The plan's exercises with at least one rep done in this session, in order: the ones
        the patient is asked about with the after-score."""
        done = {self.blocks[b][0].id for b, reps in enumerate(self._reps_done) if reps}
        done |= {b.exercise for b in self.logged if b.reps_done}  # a resumed session's too
        return [exercise for exercise in self.plan.exercises if exercise.id in done]

    def record_after(self, pain: int, flare: str = "", note: str = "", *,
                     felt: dict[str, str] | None = None, hurt: tuple[str, ...] | list[str] = ()
                     ) -> PainEntry:
        """Log the after-score (with the flare-up answer and a note); the session is closed.

        ``felt`` maps exercise ids to ``easy``, ``right`` or ``hard``; ``hurt`` lists the
        exercises the patient marked "this one hurt". Both are optional and written after the
        score, in one write.

        Raises
        ------
        RuntimeError
            While blocks of the session could not be written (see :meth:`flush`).
        SessionClosed
            When the log already holds its after-score (saved in another page); nothing is
            written.
        ValueError
            For a feeling that is not one of the three, or an exercise the plan does not name;
            nothing is written.
        """
        now = self._now()
        known = {exercise.id for exercise in self.plan.exercises}
        signals = [SignalEntry(now, "felt", value, self.session_id, exercise)
                   for exercise, value in (felt or {}).items() if value]
        signals += [SignalEntry(now, "hurt", "yes", self.session_id, exercise)
                    for exercise in dict.fromkeys(hurt)]
        for entry in signals:
            if entry.exercise not in known:
                raise ValueError(f"{entry.exercise!r} is not an exercise of the plan")
            if entry.value not in SIGNAL_VALUES[entry.signal]:
                raise ValueError(f"how an exercise felt is one of "
                                 f"{', '.join(SIGNAL_VALUES['felt'])} (got {entry.value!r})")
        if not self.flush():
            raise RuntimeError(f"{len(self.unsaved)} exercise block(s) could still not be "
                               f"written to {self.store.directory}")
        self.wait_recorded()  # no update of the record may come after its removal
        if active.after_score_logged(self.store, self.session_id):
            self.closed = True
            raise SessionClosed("The pain score of this session was already saved in another "
                                "page")
        entry = PainEntry(now, pain, "after_session", self.session_id, flare, note)
        self.store.append_pain(entry)
        self.closed = True
        active.clear_active(self.store.directory, self.session_id)
        self.store.extend_signals(signals)
        return entry

    async def carry_on(self, *, wait_s: float = TAKE_OVER_WAIT_S) -> asyncio.Task[None]:
        """Take the session of :attr:`left_behind` over and run it here from its block and rep.

        The engine that ran it (another page's, perhaps in another kernel) stops at its
        next wake without logging anything more; this one waits for it to let go.

        Raises
        ------
        SessionBusy
            When the other engine has not let go after ``wait_s`` seconds.
        ValueError
            When the session was of another plan.
        """
        record = self.left_behind
        if record is None or record.plan_key != self._plan_key:
            raise ValueError("this session was of another plan, so it can be finished but "
                             "not carried on")
        active.take_over(self.store.directory, self._owner)
        for _ in range(max(1, round(wait_s / _TAKE_OVER_POLL_S))):
            if self._live.acquire():
                break
            await asyncio.sleep(_TAKE_OVER_POLL_S)
        else:
            raise SessionBusy("The other page did not let go of the session; close it, then "
                              "press Carry on here again")
        record = active.read_active(self.store.directory) or record
        self._resume_at(record, active.logged_blocks(self.store, record.session_id))
        self._write_record(record.status if record.status != "ended" else "running")
        return self.start()

    def finish_left_behind(self, *, remove: bool = False) -> list[ExerciseBlock]:
        """Close the session of :attr:`left_behind` without running it; the rows logged.

        Its block in progress is logged ``stopped`` with the reps done, the rest
        ``not_reached``; the session then waits for its after-score (:meth:`record_after`),
        or, with ``remove``, its record is removed (a session too old to score).

        Raises
        ------
        SessionBusy
            When its engine runs again in another page.
        SessionClosed
            When another page closed it since (its record gone, or another session's).
        """
        record = self.left_behind
        if record is None:
            raise ValueError("there is no session left behind to finish")
        if not self._live.acquire():
            raise SessionBusy(BUSY)
        try:
            # the record as it is now: a page made a while ago may hold an older one
            current = active.read_active(self.store.directory)
            if current is None or current.session_id != record.session_id:
                raise SessionClosed(f"Your session of {record.started_at:%H:%M} was finished "
                                    "in another page")
            rows = active.close_abandoned(self.store, current, self._now())
            if remove:
                active.clear_active(self.store.directory, current.session_id)
            elif current.status != "ended":  # an ended record needs nothing more written
                active.write_active(self.store.directory, replace(
                    current, block=len(current.blocks), status="ended", owner=self._owner,
                    updated_at=self._now()))
        finally:
            self._live.release()
        self.logged.extend(rows)
        if remove:
            return rows  # nothing to score: no session ends here
        self._status = "stopped"
        self._emit("state")
        self._emit("ended")
        return rows

    def _claim(self) -> None:
        """Hold the live lock and record the session; close a session left behind."""
        if self._live.held:
            return
        try:
            if not self._live.acquire():
                raise SessionBusy(BUSY)
        except OSError as error:
            # a folder that cannot be written: the session runs all the same, unrecorded,
            # and its blocks wait in ``unsaved`` to be written (see flush)
            self.errors.append(error)
            return
        try:
            other = active.read_active(self.store.directory)
            if other is not None and other.session_id != self.session_id:
                active.close_abandoned(self.store, other, self._now())
                active.clear_active(self.store.directory, other.session_id)
            self._write_record("running")
        except BaseException:
            self._live.release()
            raise

    def _record(self, status: str) -> ActiveSession:
        block = min(self.step.block, len(self.blocks))
        current = block < len(self.blocks)
        return ActiveSession(
            session_id=self.session_id, started_at=self.started_at or self._now(),
            pain_before=self.pain_before, plan_name=self.plan.name,
            plan_key=self._plan_key, blocks=self._planned,
            block=block, phase=self.step.kind if self._status != "ready" else "get_ready",
            reps_done=self._reps_done[block] if current else 0,
            holds=tuple(self._hold_times[block]) if current else (), status=status,
            owner=self._owner, updated_at=self._now(),
        )  # fmt: skip

    def _write_record(self, status: str) -> None:
        record = self._record(status)
        active.write_active(self.store.directory, record)
        self._tracked = (record.block, record.reps_done, record.begun, status)

    def _track(self, state: SessionState) -> None:
        """Record the session at each change of block, rep or status (its owner only)."""
        if not self._live.held:
            return
        status = "ended" if state.ended else state.status
        record = self._record(status)
        key = (record.block, record.reps_done, record.begun, status)
        if key != self._tracked:
            self._tracked = key
            self._record_later(functools.partial(self._write_update, record))
        if state.ended:
            self._record_later(self._live.release)  # another page may start now

    def _write_update(self, record: ActiveSession) -> None:
        try:
            active.write_active(self.store.directory, record, only_if_owner=True)
        except OSError as error:  # the log goes on; a page may then find an older record
            self.errors.append(error)

    def _record_later(self, job: Callable[[], None]) -> None:
        """Run ``job`` (a record's update, the live lock's release) after those before it,
        on the recording thread (it only writes files; the views stay on the loop)."""
        if not self._background_records:
            job()
            return
        if self._recorder is None:
            self._recorder = ThreadPoolExecutor(1, thread_name_prefix="backrelief-record")
        self._recorder.submit(job)

    def wait_recorded(self) -> None:
        """Wait until every update of the record asked for so far is on disk."""
        if self._recorder is not None:
            self._recorder.shutdown(wait=True)
            self._recorder = None

    def _taken_over(self) -> bool:
        """Whether another page took the session over; if so, stop here, logging nothing."""
        if self.moved:
            return True
        if not self._live.held or active.is_owner(self.store.directory, self._owner, self._seen):
            return False
        self.moved = True
        self._stopped_time_left = self.state.time_left_s
        self._record_later(self._live.release)  # after any update still under way
        self._status = "stopped"
        self._poke()
        self._emit("moved")
        self._emit("state")
        return True

    def _resume_at(self, record: ActiveSession, logged: set[tuple[str, str]]) -> None:
        """Start where ``record`` was: at the next hold of the first block not yet logged,
        after a get-ready step (the patient may need to lie down again)."""
        names = [(exercise.id, side) for exercise, side in self.blocks]
        block = next((i for i, name in enumerate(names)
                      if i >= record.block and name not in logged), len(names))
        self._block_done = {i for i in range(len(names)) if i < block or names[i] in logged}
        if block == record.block and block < len(names):
            self._reps_done[block] = record.reps_done
            self._hold_times[block] = list(record.holds)
        rep = self._reps_done[block] + 1 if block < len(names) else 0
        # the next hold; past the block's last one (never logged), the next block's lead-in
        index = next((i for i, step in enumerate(self.steps)
                      if step.block == block and step.kind == "hold" and step.rep == rep),
                     next(i for i, step in enumerate(self.steps)
                          if step.block > block or step.kind == "done"))
        if index < len(self.steps) - 1:
            step = self.steps[index]
            lead = Step("get_ready", float(self._get_ready_s), step.block, step.exercise,
                        step.side)
            self.steps.insert(index, lead)
            self.total_s += lead.duration_s
        self._first_index = index


__all__ = [
    "BUSY",
    "CUES",
    "SessionBusy",
    "SessionClosed",
    "SessionEngine",
    "SessionEvent",
    "SessionState",
    "second_cues",
]
