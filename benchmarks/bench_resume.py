"""6. The session outlives its page: from a reload to the running session shown again.

The real ``backrelief app`` with a temporary log and a long plan, in headless system Chromium:
a session is started, then the page is reloaded again and again. The clock runs from the reload
until the new page shows the session (its start time, and Start turned into an enabled
"Carry on here"); then Carry on here is pressed, so the next reload again finds a running
session (in the previous page's kernel, or left behind once Voila shut that kernel down).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from .bench_app import CHROMIUM, launch_chromium, running_app
from .common import Row, median

RUNS = 5
PAUSE_MS = 8_000
GOAL_S = 2.0
# long enough for every reload to find it running
PLAN = """name = "Bench resume plan"
target_sessions_per_week = 3
rest_between_exercises_s = 2
get_ready_s = 2

[[exercise]]
id = "pelvic_tilt"
name = "Pelvic tilt"
instructions = "Flatten the small of your back onto the floor."
hold_s = 3
reps = 40
release_s = 2
"""
SHOWN = """() => {
    const start = document.querySelector('.br-start');
    const said = document.querySelector('.br-resume')?.innerText || '';
    return /[0-9]{2}:[0-9]{2}/.test(said) && start && !start.disabled
        && start.innerText === 'Carry on here';
}"""
CARRYING_ON = "() => (document.querySelector('.br-resume')?.innerText || '') === ''"


def _reloads(browser, folder: Path) -> list[tuple[float, float]]:
    """Seconds from each reload to the session's Start button on the page, and to the session
    shown again."""
    plan = folder / "plan.toml"
    plan.write_text(PLAN)
    with running_app("--data-dir", str(folder / "log"), "--new", "--plan", str(plan)) as address:
        page = browser.new_page()
        page.set_default_timeout(120_000)
        page.goto(address)
        page.locator(".br-pain-before").get_by_role("button", name="4", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.br-start').disabled")
        page.locator(".br-start").click()
        page.wait_for_function("() => document.querySelector('.br-stop')?.disabled === false")
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            page.reload()
            page.wait_for_selector(".br-session .br-start", state="attached")
            attached = time.perf_counter() - began
            page.wait_for_function(SHOWN, polling=20)
            times.append((attached, time.perf_counter() - began))
            page.locator(".br-start").click()  # carry on here: running again, in this page
            page.wait_for_function(CARRYING_ON)
            page.wait_for_function("() => document.querySelector('.br-stop')?.disabled "
                                   "=== false")
            # a while into the session, as a patient would reload: Voila has a fresh kernel
            # ready for the next page by then
            page.wait_for_timeout(PAUSE_MS)
        page.close()
        return times


def run() -> list[Row]:
    if not CHROMIUM.exists():
        print(f"resume: skipped, {CHROMIUM} is missing", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = launch_chromium(playwright)
        times = _reloads(browser, Path(folder))
        browser.close()
    load = os.getloadavg()[0]
    page = median([attached for attached, _ in times])
    shown = [whole for _, whole in times]
    return [Row("resume", "a reload to the running session shown again", median(shown) * 1000,
                max(shown) * 1000, "ms", f"<= {GOAL_S:.0f} s", max(shown) <= GOAL_S,
                f"the page's session widget itself: {page * 1000:.0f} ms (median); "
                f"{RUNS} reloads of one running session, each then carried on; load average "
                f"{load:.1f} on {os.cpu_count()} cores during the run")]
