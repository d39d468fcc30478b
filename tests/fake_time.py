"""A fake monotonic clock for driving the session engine without waiting."""

from __future__ import annotations

import asyncio


class FakeTime:
    """A monotonic clock that moves only when the engine sleeps.

    ``late_by`` makes every wake-up late by that much (a busy kernel); ``gate`` holds the clock
    still until it is set (a kernel busy elsewhere); ``hooks`` run after each move.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.start = start
        self.hooks: list = []
        self.late_by = 0.0
        self.gate: asyncio.Event | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        if self.gate is not None:
            await self.gate.wait()  # the engine wakes only when let through
        self.now += delay + self.late_by
        for hook in list(self.hooks):
            hook()
        await asyncio.sleep(0)
