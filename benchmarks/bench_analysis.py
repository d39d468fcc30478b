"""3-4. Analysis at scale and the report: load and validate, summarise, chart, build the PDF.

Each log is made by the demo generator (one year, ten years, a million exercise rows). Loading has
a goal in milliseconds and is shown beside a plain ``pandas.read_csv`` of the same files in the
same run, for reference (no ratio goal). Peak memory is
the peak resident size (VmHWM) of a fresh process that imports the kit, loads the log and
summarises it, measured apart from the timed runs. A second comparison for loading is
``read_csv`` followed by ``pandas.to_datetime(..., utc=True)`` of the timestamp columns: the least
a typed load must do, without any validation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.store import load_log
from backrelief_analysis.plan import load_plan
from backrelief_analysis.report.build import build_report
from backrelief_analysis.report.charts import dashboard

from . import datasets
from .common import Row, median, repeat

RUNS = 3
LOAD_RUNS = 15  # loads of a few milliseconds: more runs for a steady median
LOAD_GOALS_MS = {"1 year": 15, "10 years": 60, "1M exercise rows": 3000}
ANALYSIS_GOAL_S = 1.0
REPORT_GOAL_S = 1.5


# VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts from its parent's peak
_PEAK_SCRIPT = """
import json, sys
from pathlib import Path
from backrelief_analysis.plan import load_plan
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.store import load_log
def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
imported = peak()
log = load_log(sys.argv[1])
loaded = peak()
summarise(log, load_plan())
print(json.dumps({"imported": imported, "loaded": loaded, "analysed": peak()}))
"""


def _peak_mb(folder: Path) -> dict[str, float]:
    """Peak resident MB of a fresh process after imports, after loading, after summarising."""
    result = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(folder)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _plain_read(folder: Path) -> None:
    for name in ("exercise_log.csv", "pain_log.csv", "outcomes_log.csv"):
        if (folder / name).exists():
            pd.read_csv(folder / name)


def _typed_read(folder: Path) -> None:
    exercise = pd.read_csv(folder / "exercise_log.csv")
    pain = pd.read_csv(folder / "pain_log.csv")
    for frame, columns in ((exercise, ("session_started_at", "logged_at")),
                           (pain, ("recorded_at",))):
        for column in columns:
            pd.to_datetime(frame[column], utc=True, format="ISO8601")


def _interleaved(actions: tuple[Callable[[], object], ...], runs: int) -> list[list[float]]:
    """Seconds of each action over ``runs`` rounds, taking turns, so that a slow spell of a
    shared machine falls on all of them alike rather than on whichever ran then."""
    seconds: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, times in zip(actions, seconds, strict=True):
            times.extend(repeat(action, 1))
    return seconds


def _dashboard(summary) -> None:
    plt.close(dashboard(summary))


def run() -> list[Row]:
    plan = load_plan()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        logs = datasets.make(Path(tmp))
        for label, folder in logs.items():
            log = load_log(folder)  # warm the file cache and imports
            size = (f"{len(log.exercise):,} exercise + {len(log.pain):,} pain + "
                    f"{len(log.outcomes):,} outcome rows")
            load_s, plain_s, typed_s = _interleaved(
                (lambda folder=folder: load_log(folder), lambda folder=folder: _plain_read(folder),
                 lambda folder=folder: _typed_read(folder)),
                LOAD_RUNS if len(log.exercise) < 500_000 else RUNS)
            summary = summarise(log, plan)
            runs = RUNS if len(log.exercise) < 500_000 else 1
            summarise_s = repeat(lambda log=log: summarise(log, plan), runs)
            chart_s = repeat(lambda summary=summary: _dashboard(summary), 1)
            peak = _peak_mb(folder)
            rows.append(Row(
                "analysis", f"{label}: load and validate ({size})", median(load_s) * 1000,
                max(load_s) * 1000, "ms", f"<= {LOAD_GOALS_MS[label]:g} ms",
                median(load_s) * 1000 <= LOAD_GOALS_MS[label],
                f"plain read_csv {median(plain_s) * 1000:.0f} ms; read_csv + "
                f"to_datetime {median(typed_s) * 1000:.0f} ms; "
                f"peak RSS {peak['loaded']:.0f} MB ({peak['imported']:.0f} MB after imports)"))
            goal = f"< {ANALYSIS_GOAL_S:g} s" if label == "10 years" else "no goal set"
            rows.append(Row(
                "analysis", f"{label}: full analysis (summarise)", median(summarise_s) * 1000,
                max(summarise_s) * 1000, "ms", goal,
                max(summarise_s) < ANALYSIS_GOAL_S if label == "10 years" else None,
                f"dashboard figure {chart_s[0] * 1000:.0f} ms; peak RSS {peak['analysed']:.0f} MB"))
        year = load_log(logs["1 year"])
        out = Path(tmp) / "report.pdf"
        build_report(year, plan, out)  # warm: imports, fonts, the first figure
        report_s = repeat(lambda: build_report(year, plan, out), RUNS)
        html_s = repeat(lambda: build_report(year, plan, out.with_suffix(".html")), RUNS)
    rows.append(Row("report", "PDF report, one year of data, warm process",
                    median(report_s) * 1000, max(report_s) * 1000, "ms",
                    f"< {REPORT_GOAL_S:g} s", max(report_s) < REPORT_GOAL_S,
                    f"HTML report {median(html_s) * 1000:.0f} ms"))
    return rows
