"""5. The patient's app: from typing ``backrelief app`` to a page with a usable Start button.

The real command in a fresh process, on a free port, with a temporary log; headless system
Chromium (already running, as a browser would be) opens the printed address. The clock stops when
the Start button and the pain buttons it waits for are on screen.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .common import Row, median

RUNS = 3
GOAL_S = 2.0  # from `backrelief app` to a usable Start
CHROMIUM = Path("/usr/bin/chromium")
_URL = re.compile(r"open (http://[\w.-]+:\d+/\S*) in your browser")  # with its token


@contextmanager
def running_app(*options: str) -> Iterator[str]:
    """``backrelief app --no-browser`` with ``options`` in a fresh process; its printed address
    (with the token) once the server answers. Ctrl-C at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "backrelief_analysis.cli", "app", "--no-browser", *options],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        for line in process.stdout:
            match = _URL.search(line)
            if match:
                break
        else:
            raise RuntimeError("backrelief app printed no address")
        yield match[1]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)


def launch_chromium(playwright):
    """Headless system Chromium, as the benchmarks drive it."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])


def _one_start(browser, data_dir: Path) -> tuple[float, float]:
    """Seconds to the printed address, and to a usable Start button."""
    began = time.perf_counter()
    with running_app("--data-dir", str(data_dir)) as address:
        announced = time.perf_counter() - began
        page = browser.new_page()
        page.set_default_timeout(120_000)
        page.goto(address)
        page.wait_for_selector(".br-session .br-start", state="visible")
        page.wait_for_selector(".br-pain-before button", state="visible")
        usable = time.perf_counter() - began
        page.close()
        return announced, usable


def run() -> list[Row]:
    if not CHROMIUM.exists():
        print(f"app: skipped, {CHROMIUM} is missing", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = launch_chromium(playwright)
        _one_start(browser, Path(folder))  # warm the file cache, as a second start would be
        times = [_one_start(browser, Path(folder)) for _ in range(RUNS)]
        browser.close()
    load = os.getloadavg()[0]
    announced = [first for first, _ in times]
    usable = [second for _, second in times]
    return [Row("app", "`backrelief app` to a usable Start button", median(usable) * 1000,
                max(usable) * 1000, "ms", f"<= {GOAL_S:.0f} s", max(usable) <= GOAL_S,
                f"server answering (address printed): {median(announced) * 1000:.0f} ms; "
                f"the rest is the page, its kernel and the widgets; load average "
                f"{load:.1f} on {os.cpu_count()} cores during the run")]
