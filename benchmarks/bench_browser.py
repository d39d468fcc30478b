"""Cue timing in the browser: each cue's start in headless Chromium against the engine's deadline.

The real thing end to end: JupyterLab serves a copy of notebook 01 with a compressed plan (40
holds of 1 s, 0.5 s releases, one exercise with sides) and a log in a temporary folder; the
system Chromium, with its default autoplay policy, runs the notebook, gives a pain score and
clicks Start (the gesture that lets sound play). The browser test's recorder notes when the page
starts each tone (``AudioBufferSourceNode.start``) and the widget's ``br-cue`` event carries the
engine's deadline for that cue on the wall clock; both clocks are the machine's own.

What is measured is when the page *starts* the sound; the audio device's own output latency
(``AudioContext.baseLatency``, reported beside) comes on top of it for every cue alike.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lab_pages import run_all
from plans import BRIDGE, KNEE_TO_CHEST, PELVIC_TILT, plan_text

from backrelief_analysis.session.engine import START_LEAD_S
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_lab, stop_lab
from tests.test_browser import PHASE_HAS, RECORDER, copy_notebook, stage_button

from .common import Row, median, percentile

HOLD_S, RELEASE_S = 1.0, 0.5
PLAN = plan_text(*(fields | {"instructions": "x", "hold_s": HOLD_S, "reps": 10,
                             "release_s": RELEASE_S}
                   for fields in (PELVIC_TILT, KNEE_TO_CHEST, BRIDGE)),
                 name="Browser benchmark plan", target=7, rest_between_exercises_s=1,
                 get_ready_s=3, switch_side_s=1)
WAIT_MS = 300_000
FIRST_CUE_STARTS = 5  # the first cue happens once a session: Start, then Stop, a few times


def _session(folder: Path) -> dict:
    from playwright.sync_api import sync_playwright

    plan_file = folder / "plan.toml"
    plan_file.write_text(PLAN)
    root = folder / "served"
    notebook = copy_notebook(root)
    home = folder / "lab"
    home.mkdir()
    process, base = start_lab(home, {"BACKRELIEF_PLAN": str(plan_file),
                                     "BACKRELIEF_DATA_DIR": str(folder / "log")}, root)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                page.set_default_timeout(WAIT_MS)
                page.add_init_script(RECORDER)
                run_all(page, f"{base}/lab/tree/{notebook}?reset")
                page.locator(".br-pain-before").get_by_role("button", name="3",
                                                            exact=True).click()
                stage_button(page, "Start session").click()
                page.wait_for_function(PHASE_HAS, arg="DONE")
                record = page.evaluate("() => window.brRecord")
                record["base_latency_ms"] = page.evaluate(
                    "() => 1000 * (new AudioContext().baseLatency || 0)")
                record["output_timestamp"] = page.evaluate(
                    "() => { const c = new AudioContext(); "
                    "return c.getOutputTimestamp().performanceTime > 0; }")
                record["holds"] = sum(cue["cue"] == "hold_start" for cue in record["cues"])
                record["first_cues"] = [record["cues"][0]]
                _give_pain_after(page)
                for _ in range(FIRST_CUE_STARTS - 1):
                    record["first_cues"].append(_first_cue_again(page, base, notebook))
            finally:
                browser.close()
    finally:
        stop_lab(process)
    return record


def _first_cue_again(page, base: str, notebook: str) -> dict:
    """A new session in a fresh page: Start, its first cue, Stop."""
    run_all(page, f"{base}/lab/tree/{notebook}?reset")
    page.locator(".br-pain-before").get_by_role("button", name="3", exact=True).click()
    stage_button(page, "Start session").click()
    page.wait_for_function("() => window.brRecord.cues.length > 0")
    stage_button(page, "Stop session").click()
    page.wait_for_function(PHASE_HAS, arg="STOPPED")
    _give_pain_after(page)
    return page.evaluate("() => window.brRecord.cues[0]")


def _give_pain_after(page) -> None:
    """Save the pain after, so that the next run of the cell starts a new session."""
    page.locator(".br-pain-after").get_by_role("button", name="2", exact=True).click()
    page.locator(".br-save").click()
    page.wait_for_function("() => document.querySelector('.br-saved').innerText"
                           ".includes('Saved')")


def run() -> list[Row]:
    """Run one whole compressed session in the browser; three rows."""
    if not CHROMIUM.exists():
        return [Row("browser", f"cue timing in the browser: skipped, {CHROMIUM} is missing",
                    float("nan"), float("nan"), "ms", "-", None, "")]
    folder = Path(tempfile.mkdtemp(prefix="br-bench-browser-"))
    try:
        record = _session(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cues = [cue for cue in record["cues"] if cue["tone_ms"] is not None]
    late = [cue["tone_ms"] - cue["due_ms"] for cue in cues]
    transit = [cue["received_ms"] - cue["due_ms"] for cue in cues]
    rest, end = late[1:], late[-1]
    assert cues[-1]["cue"] == "session_end", cues[-1]
    firsts = [cue["tone_ms"] - cue["due_ms"] for cue in record["first_cues"]]
    click_to_sound = cues[0]["tone_ms"] - record["contexts"][0]["at"]
    ahead = sum(cue["scheduled"] for cue in cues[1:])
    pair = ("AudioContext.getOutputTimestamp" if record["output_timestamp"]
            else "AudioContext.currentTime read with the page clock")
    spoken = sum(1 for cue in record["cues"] if cue["spoken"])
    p99 = percentile(rest, 99)
    return [
        Row("browser", f"cue start in Chromium against the engine's deadline, {len(rest)} cues "
            f"after the first ({record['holds']} holds)", median(rest), max(rest),
            "ms (median / worst)", "p99 <= 10 ms", p99 <= 10,
            f"p99 {p99:.1f} ms; {ahead} scheduled ahead on the audio clock ({pair}); played "
            f"on arrival instead, the message alone takes median {median(transit[1:]):.1f}, "
            f"p99 {percentile(transit[1:], 99):.1f} ms; {spoken} cues spoken too"),
        Row("browser", f"first cue (get ready) against the engine's start, {len(firsts)} starts",
            median(firsts), max(firsts), "ms (median / worst)", "<= 50 ms",
            max(firsts) <= 50,
            f"{sum(cue['scheduled'] for cue in record['first_cues'])} of {len(firsts)} "
            f"scheduled ahead (the first step begins {START_LEAD_S * 1000:.0f} ms after Start); "
            f"Start click to first tone {click_to_sound:.0f} ms"),
        Row("browser", "whole-session drift: the end cue against Start + planned length", end,
            end, "ms", "<= 20 ms", abs(end) <= 20,
            f"audio output latency on top, every cue alike: {record['base_latency_ms']:.0f} ms"),
    ]
