"""4b. Start-up: how fast ``backrelief --help`` answers, next to a bare Python start, and the
import time of the package, alone and with the analysis modules the notebooks use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .common import Row, median, repeat

RUNS = 10
GOAL_S = 0.3
# the import is timed inside a fresh interpreter, so Python's own start-up is left out
_TIME_IMPORT = ("import time; began = time.perf_counter(); import {modules}; "
                "print(time.perf_counter() - began)")


def _import_s(modules: str) -> float:
    """Seconds a fresh interpreter takes to import ``modules`` (comma-separated)."""
    result = subprocess.run([sys.executable, "-c", _TIME_IMPORT.format(modules=modules)],
                            check=True, capture_output=True, text=True)
    return float(result.stdout)


def run() -> list[Row]:
    script = Path(sys.executable).with_name("backrelief")
    module = [sys.executable, "-m", "backrelief_analysis.cli"]
    command = [str(script)] if script.exists() else module

    def call(args: list[str]) -> None:
        subprocess.run(args, check=True, capture_output=True)

    call([*command, "--help"])  # warm the file cache
    help_s = repeat(lambda: call([*command, "--help"]), RUNS)
    bare_s = repeat(lambda: call([sys.executable, "-c", "pass"]), RUNS)
    analysis = "backrelief_analysis.analysis.summary, backrelief_analysis.report.charts"
    _import_s(analysis)  # warm the cache
    package_s = [_import_s("backrelief_analysis") for _ in range(RUNS)]
    analysis_s = [_import_s(analysis) for _ in range(RUNS)]
    libraries_s = [_import_s("pandas, matplotlib.pyplot, scipy.stats") for _ in range(RUNS)]
    return [
        Row("report", "`backrelief --help` answers", median(help_s) * 1000, max(help_s) * 1000,
            "ms", f"< {GOAL_S * 1000:.0f} ms", max(help_s) < GOAL_S,
            f"bare `python -c pass`: {median(bare_s) * 1000:.0f} ms"),
        Row("report", "import the package (`import backrelief_analysis`)",
            median(package_s) * 1000, max(package_s) * 1000, "ms", "no goal set", None,
            "with the analysis modules (analysis.summary, report.charts): "
            f"{median(analysis_s) * 1000:.0f} ms; "
            f"pandas, matplotlib.pyplot and scipy.stats alone: "
            f"{median(libraries_s) * 1000:.0f} ms"),
    ]
