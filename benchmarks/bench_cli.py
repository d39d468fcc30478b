"""4b. Start-up: how fast ``backrelief --help`` answers, next to a bare Python start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .common import Row, median, repeat

RUNS = 10
GOAL_S = 0.3


def run() -> list[Row]:
    script = Path(sys.executable).with_name("backrelief")
    module = [sys.executable, "-m", "backrelief_analysis.cli"]
    command = [str(script)] if script.exists() else module

    def call(args: list[str]) -> None:
        subprocess.run(args, check=True, capture_output=True)

    call([*command, "--help"])  # warm the file cache
    help_s = repeat(lambda: call([*command, "--help"]), RUNS)
    bare_s = repeat(lambda: call([sys.executable, "-c", "pass"]), RUNS)
    return [Row("report", "`backrelief --help` answers", median(help_s) * 1000, max(help_s) * 1000,
                "ms", f"< {GOAL_S * 1000:.0f} ms", max(help_s) < GOAL_S,
                f"bare `python -c pass`: {median(bare_s) * 1000:.0f} ms")]
