"""5. The caseload: 100 and 1,000 patients with a year of daily sessions each, shared as bundles.

Each patient is a demo log of 52 weeks with its own seed and story (missed week, flare-up
week, pain from and to) and its questionnaires, zipped as a share bundle with its CSV files, the
plan, a manifest of hashes and a PDF report. Rendering a thousand PDFs would take a quarter of an
hour, so every bundle carries the same real report of the first patient: the caseload reads and
hashes it like any other, and never looks inside it. First opening: no cache. Second opening: the
cache written by the first, every bundle read and hashed again. Peak memory is VmHWM of the
opening process and
of each worker (sampled every 50 ms), measured in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backrelief_analysis.bundle import PLAN_NAME, REPORT_NAME, pack_bundle
from backrelief_analysis.demo import DemoStory, generate_demo, generate_outcomes
from backrelief_analysis.paths import EXERCISE_LOG_NAME, OUTCOMES_LOG_NAME, PAIN_LOG_NAME
from backrelief_analysis.plan import load_plan
from backrelief_analysis.report import gather_report, render
from backrelief_analysis.store import LogStore, load_log

from .common import Row

FIRST_GOAL_S = 10.0
SECOND_GOAL_S = 2.0
SIZES = (100, 1000)

_OPEN_SCRIPT = """
import json, os, sys, threading, time
import psutil
began = time.perf_counter()
from backrelief_analysis.caseload import load_caseload
imported = time.perf_counter()
me = psutil.Process()
peaks = {"total": 0.0, "worker": 0.0}
cpu = {}
running = True
def sample():
    while running:
        try:
            children = me.children(recursive=True)
            workers = [child.memory_info().rss for child in children]
            for child in children:
                times = child.cpu_times()
                cpu[child.pid] = times.user + times.system
        except psutil.Error:
            continue
        peaks["worker"] = max([peaks["worker"], *workers])
        peaks["total"] = max(peaks["total"], me.memory_info().rss + sum(workers))
        time.sleep(0.05)
own = me.cpu_times()
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
caseload = load_caseload(sys.argv[1])
done = time.perf_counter()
running = False
sampler.join()
mine = me.cpu_times()
cpu_s = sum(cpu.values()) + (mine.user + mine.system) - (own.user + own.system)
def vmhwm():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
print(json.dumps({"seconds": done - imported, "import_s": imported - began,
                  "analysed": caseload.analysed, "rows": len(caseload.table),
                  "problems": len(caseload.problems), "peak_mb": vmhwm(),
                  "worker_peak_mb": peaks["worker"] / 2**20,
                  "total_peak_mb": max(peaks["total"] / 2**20, vmhwm()),
                  "cpu_s": cpu_s, "load": os.getloadavg()[0]}))
"""

def make_caseload(folder: Path, patients: int) -> int:
    """Write ``patients`` one-year bundles into ``folder``; return the exercise rows written."""
    plan = load_plan()
    plan_bytes = Path(plan.source).read_bytes()
    report = b""
    rows = 0
    # the logs are only a step towards the bundles: tmpfs spares a thousand fsyncs
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as work:
        for index in range(patients):
            story = DemoStory(missed_week=5 + index % 40, flare_week=8 + index % 37,
                              stopped_session_week=3, pain_start=4.0 + index % 5,
                              pain_end=2.0 + index % 7)
            blocks, entries = generate_demo(52, seed=index, plan=plan, story=story)
            log_dir = Path(work) / f"p{index}"
            store = LogStore(log_dir)
            store.extend_blocks(blocks)
            store.extend_pain(entries)
            for occasion in generate_outcomes(52, seed=index, story=story):
                store.extend_outcomes(occasion)
            rows += len(blocks)
            if not report:
                report = render(gather_report(load_log(log_dir), plan, patient="Patient 0"),
                                ".pdf")
            files = {name: (log_dir / name).read_bytes()
                     for name in (EXERCISE_LOG_NAME, PAIN_LOG_NAME, OUTCOMES_LOG_NAME)}
            files.update({PLAN_NAME: plan_bytes, REPORT_NAME: report})
            days = [entry.recorded_at.date() for entry in entries]
            period = {"start": min(days).isoformat(), "end": max(days).isoformat()}
            shared = pack_bundle(files, patient=f"Patient {index:04d}", code=None,
                                 period=period, deidentified=False)
            (folder / f"patient{index:04d}.zip").write_bytes(shared.data)
    return rows


def _open(folder: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", _OPEN_SCRIPT, str(folder)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for patients in SIZES:
            folder = Path(tmp) / f"caseload{patients}"
            folder.mkdir()
            began = time.perf_counter()
            exercise_rows = make_caseload(folder, patients)
            made_s = time.perf_counter() - began
            size_mb = sum(path.stat().st_size for path in folder.glob("*.zip")) / 1e6
            first = _open(folder)
            second = _open(folder)
            assert first["rows"] == patients and first["problems"] == 0, first
            assert second["analysed"] == 0, second
            label = f"{patients:,} patients x 1 year ({exercise_rows:,} exercise rows)"
            goal = patients == 1000
            rows.append(Row(
                "caseload", f"caseload, first opening: {label}", first["seconds"] * 1000,
                first["seconds"] * 1000, "ms", f"<= {FIRST_GOAL_S:g} s" if goal else "no goal set",
                first["seconds"] <= FIRST_GOAL_S if goal else None,
                f"CPU {first['cpu_s']:.1f} s over all processes (load average "
                f"{first['load']:.1f} on {os.cpu_count()} cores); peak RSS "
                f"{first['peak_mb']:.0f} MB here, {first['worker_peak_mb']:.0f} MB per worker, "
                f"{first['total_peak_mb']:.0f} MB in all; {size_mb:.0f} MB of bundles; imports "
                f"{first['import_s']:.1f} s more; data made in {made_s:.0f} s"))
            rows.append(Row(
                "caseload", f"caseload, second opening (cache): {patients:,} patients",
                second["seconds"] * 1000, second["seconds"] * 1000, "ms",
                f"<= {SECOND_GOAL_S:g} s" if goal else "no goal set",
                second["seconds"] <= SECOND_GOAL_S if goal else None,
                f"every bundle read and hashed again; CPU {second['cpu_s']:.1f} s; peak RSS "
                f"{second['peak_mb']:.0f} MB"))
    return rows
