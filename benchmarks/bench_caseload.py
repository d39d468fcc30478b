"""5. The caseload: 100, 1,000 and 10,000 patients with a year of daily sessions each, as bundles.

Each patient is a demo log of 52 weeks with its own seed and story (missed week, flare-up
week, pain from and to) and its questionnaires, zipped as a share bundle with its CSV files, the
plan, a manifest of hashes and a PDF report. Rendering a thousand PDFs would take a quarter of an
hour, so every bundle carries the same real report of the first patient: the caseload reads and
hashes it like any other, and never looks inside it. Making 1,000 patients takes minutes, so
they are made once and kept in ``benchmarks/data/`` (git-ignored; delete it to make them
again); the caseload of 10,000 holds those 1,000 bundles ten times over, under other names
(hard links). First opening: no cache. Second opening: the cache written by the first. The
comparison is a plain ``pandas.read_csv`` of each bundle's three CSV files, one after another,
in the same run. Peak memory is VmHWM of the opening process and of each worker (sampled every
50 ms), measured in a fresh process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd

from backrelief_analysis import __version__
from backrelief_analysis.caseload.cache import CACHE_NAME
from backrelief_analysis.log.demo import DemoStory, generate_demo, generate_outcomes
from backrelief_analysis.log.store import LogStore, load_log
from backrelief_analysis.paths import EXERCISE_LOG_NAME, OUTCOMES_LOG_NAME, PAIN_LOG_NAME
from backrelief_analysis.plan import load_plan
from backrelief_analysis.report.build import render
from backrelief_analysis.report.content import gather_report
from backrelief_analysis.share.bundle import PLAN_NAME, REPORT_NAME, pack_bundle

from .common import Row

FIRST_GOAL_S = 2.5  # 1,000 patients
FIRST_GOAL_RATIO = 2.0  # ... and at most this many times the plain read_csv loop
SECOND_GOAL_S = 0.5
LARGE_GOAL_S = 30.0  # 10,000 patients
LARGE_GOAL_MB = 2048
SIZES = (100, 1000, 10000)
DISTINCT = 1000  # patients made; a larger caseload repeats their bundles under other names
DATA = Path(__file__).resolve().parent / "data" / f"caseload-{__version__}-1"
CSV_NAMES = (EXERCISE_LOG_NAME, PAIN_LOG_NAME, OUTCOMES_LOG_NAME)

_OPEN_SCRIPT = """
import json, os, sys, threading, time
import psutil
began = time.perf_counter()
from backrelief_analysis.caseload.table import load_caseload
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

def make_caseload(folder: Path, patients: int) -> list[int]:
    """Write ``patients`` one-year bundles into ``folder``; return each one's exercise rows."""
    plan = load_plan()
    plan_bytes = Path(plan.source).read_bytes()
    report = b""
    rows: list[int] = []
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
            rows.append(len(blocks))
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


def caseload_folder(patients: int) -> tuple[Path, int, float]:
    """A folder of ``patients`` bundles under :data:`DATA`, made once and kept: the folder,
    its exercise rows and the seconds it took to make the distinct patients."""
    distinct = DATA / "distinct"
    made = distinct / ".made.json"
    if not made.exists():
        shutil.rmtree(distinct, ignore_errors=True)
        distinct.mkdir(parents=True)
        began = time.perf_counter()
        rows = make_caseload(distinct, DISTINCT)
        made.write_text(json.dumps({"rows": rows, "seconds": time.perf_counter() - began}))
    info = json.loads(made.read_text())
    folder = DATA / str(patients)
    if not (folder / ".made.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for index in range(patients):
            os.link(distinct / f"patient{index % DISTINCT:04d}.zip",
                    folder / f"patient{index:05d}.zip")
        (folder / ".made.json").write_text("{}")
    (folder / CACHE_NAME).unlink(missing_ok=True)  # the first opening starts without a cache
    rows = sum(info["rows"][index % DISTINCT] for index in range(patients))
    return folder, rows, info["seconds"]


def read_csv_loop(folder: Path) -> float:
    """Seconds for a plain ``pandas.read_csv`` of every bundle's CSV files, one by one."""
    began = time.perf_counter()
    for bundle in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(bundle) as archive:
            for name in CSV_NAMES:
                with archive.open(name) as file:
                    pd.read_csv(file)
    return time.perf_counter() - began


def _open(folder: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", _OPEN_SCRIPT, str(folder)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def run() -> list[Row]:
    rows: list[Row] = []
    for patients in SIZES:
        folder, exercise_rows, made_s = caseload_folder(patients)
        plain_s = read_csv_loop(folder) if patients <= DISTINCT else None
        first = _open(folder)
        second = _open(folder)
        assert first["rows"] == patients and first["problems"] == 0, first
        assert second["analysed"] == 0, second
        label = f"{patients:,} patients x 1 year ({exercise_rows:,} exercise rows)"
        size_mb = sum(path.stat().st_size for path in folder.glob("*.zip")) / 1e6
        memory = (f"peak RSS {first['peak_mb']:.0f} MB here, {first['worker_peak_mb']:.0f} MB "
                  f"per worker, {first['total_peak_mb']:.0f} MB in all")
        plain = f"plain read_csv loop {plain_s:.1f} s; " if plain_s is not None else ""
        if patients == 1000:
            goal = f"<= {FIRST_GOAL_S:g} s and <= {FIRST_GOAL_RATIO:g}x read_csv loop"
            met = (first["seconds"] <= FIRST_GOAL_S
                   and first["seconds"] <= FIRST_GOAL_RATIO * (plain_s or 0.0))
        elif patients == 10000:
            goal = f"<= {LARGE_GOAL_S:g} s, peak <= {LARGE_GOAL_MB / 1024:g} GB"
            met = first["seconds"] <= LARGE_GOAL_S and first["total_peak_mb"] <= LARGE_GOAL_MB
        else:
            goal, met = "no goal set", None
        rows.append(Row(
            "caseload", f"caseload, first opening: {label}", first["seconds"] * 1000,
            first["seconds"] * 1000, "ms", goal, met,
            f"{plain}CPU {first['cpu_s']:.1f} s over all processes (load average "
            f"{first['load']:.1f} on {os.cpu_count()} cores); {memory}; {size_mb:.0f} MB of "
            f"bundles; imports {first['import_s']:.1f} s more; {DISTINCT:,} distinct patients "
            f"made once in {made_s:.0f} s"))
        second_goal = f"<= {SECOND_GOAL_S:g} s" if patients == 1000 else "no goal set"
        rows.append(Row(
            "caseload", f"caseload, second opening (cache): {patients:,} patients",
            second["seconds"] * 1000, second["seconds"] * 1000, "ms", second_goal,
            second["seconds"] <= SECOND_GOAL_S if patients == 1000 else None,
            f"files looked at by size, times and inode; CPU {second['cpu_s']:.1f} s; "
            f"peak RSS {second['peak_mb']:.0f} MB; load average {second['load']:.1f}"))
    return rows
