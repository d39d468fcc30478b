"""Run every benchmark, print one markdown table, and save it as JSON in benchmarks/results/.

Usage: ``python -m benchmarks`` (``make bench``). Sections can be chosen by name:
``python -m benchmarks timer logging``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from . import (
    bench_analysis,
    bench_app,
    bench_browser,
    bench_caseload,
    bench_cli,
    bench_logging,
    bench_resume,
    bench_timer,
)
from .common import Row

SECTIONS = {"timer": bench_timer, "browser": bench_browser, "analysis": bench_analysis,
            "cli": bench_cli, "logging": bench_logging, "app": bench_app,
            "caseload": bench_caseload, "resume": bench_resume}
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def table(rows: list[Row]) -> str:
    lines = ["| measured | median | worst | unit | goal | met | comparison (same run) |",
             "|---|---:|---:|---|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "-"}[row.met]
        lines.append(f"| {row.what} | {row.median:,.1f} | {row.worst:,.1f} | {row.unit} | "
                     f"{row.goal} | {met} | {row.comparison} |")
    return "\n".join(lines)


def main(names: list[str]) -> int:
    chosen = names or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    rows: list[Row] = []
    began = time.perf_counter()
    failed: list[str] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows.extend(SECTIONS[name].run())
        except Exception:  # one broken section must not cost the others' numbers
            traceback.print_exc()
            failed.append(name)
    elapsed = time.perf_counter() - began
    text = table(rows)
    print(text)
    print(f"\nMachine: {machine()}. Whole run: {elapsed:.0f} s.")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {"when": stamp, "machine": machine(), "seconds": round(elapsed, 1), "failed": failed,
              "rows": [row.as_dict() for row in rows], "markdown": text}
    for name in (f"{stamp}.json", "latest.json"):
        (RESULTS / name).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    if failed:
        print(f"\nFailed, so missing from the table: {', '.join(failed)} (tracebacks above).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
