"""Logs made by the demo generator at three sizes, written once per benchmark run."""

from __future__ import annotations

import math
from pathlib import Path

from backrelief_analysis.demo import write_demo
from backrelief_analysis.plan import load_plan

MILLION = 1_000_000


def rows_per_week() -> float:
    """Exercise rows the demo writes per week on average (measured on a 52-week log)."""
    from backrelief_analysis.demo import generate_demo

    blocks, _ = generate_demo(weeks=52, seed=1)
    return len(blocks) / 52


def make(folder: Path) -> dict[str, Path]:
    """Write the one-year, ten-year and million-row logs under ``folder``."""
    plan = load_plan()
    weeks_for_million = math.ceil(MILLION / rows_per_week() * 1.01)
    sizes = {"1 year": 52, "10 years": 520, "1M exercise rows": weeks_for_million}
    made = {}
    for label, weeks in sizes.items():
        out = folder / label.replace(" ", "_")
        write_demo(out, weeks=weeks, seed=11, plan=plan)
        made[label] = out
    return made
