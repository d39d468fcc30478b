"""Logs made by the demo generator at three sizes, written once per benchmark run."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from backrelief_analysis.log.demo import generate_demo, write_demo
from backrelief_analysis.log.store import LogStore
from backrelief_analysis.plan import Plan, load_plan

MILLION = 1_000_000


def _million(out: Path, plan: Plan) -> None:
    """A million exercise rows within the log's years (2000 to 2100): 95 years of demo log,
    repeated as if several people had logged side by side (each copy its own session ids)."""
    weeks = 95 * 52
    blocks, entries = generate_demo(weeks, seed=11, plan=plan, start=date(2001, 1, 1))
    copies = math.ceil(MILLION * 1.01 / len(blocks))
    store = LogStore(out)
    for copy in range(copies):
        shift = timedelta(seconds=copy)  # no row repeats another exactly
        store.extend_blocks(replace(b, session_id=f"{b.session_id}-{copy}",
                                    session_started_at=b.session_started_at + shift,
                                    logged_at=(b.logged_at or b.session_started_at) + shift)
                            for b in blocks)
        store.extend_pain(replace(e, session_id=e.session_id and f"{e.session_id}-{copy}",
                                  recorded_at=e.recorded_at + shift) for e in entries)


def make(folder: Path) -> dict[str, Path]:
    """Write the one-year, ten-year and million-row logs under ``folder``."""
    plan = load_plan()
    made = {}
    for label, weeks in {"1 year": 52, "10 years": 520}.items():
        made[label] = folder / label.replace(" ", "_")
        write_demo(made[label], weeks=weeks, seed=11, plan=plan)
    made["1M exercise rows"] = folder / "1M_exercise_rows"
    _million(made["1M exercise rows"], plan)
    return made
