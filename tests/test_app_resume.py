"""The session outlives its page in the app: a reload, a closed tab and a second tab.

Each test runs the real ``backrelief app`` and drives headless Chromium with its default
autoplay policy and the stand-in voice of the JupyterLab test (:data:`test_browser.RECORDER`),
on a short plan of 1 and 2 s holds. Whatever the page does, the log ends with one session, its
blocks and both pain scores under one session id.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lab_pages import SLOW_MS
from plans import BRIDGE, KNEE_TO_CHEST, PELVIC_TILT, plan_text
from test_app import start_app, stop_app
from test_browser import RECORDER

from backrelief_analysis.log.store import load_log
from backrelief_analysis.session.active import read_active, runs_elsewhere

pytestmark = pytest.mark.browser

PLAN = plan_text(PELVIC_TILT, KNEE_TO_CHEST, BRIDGE, name="Resume test plan", target=3,
                 rest_between_exercises_s=1, get_ready_s=2, switch_side_s=1)
AT_KNEE = ("() => (document.querySelector('.br-stage .br-exercise')?.innerText || '')"
           ".includes('Knee to chest')")
RESUME_SAYS = "(text) => (document.querySelector('.br-resume')?.innerText || '').includes(text)"


def app_with_plan(tmp_path: Path):
    """``backrelief app`` on :data:`PLAN` (a later ``--plan`` wins over start_app's own)."""
    plan = tmp_path / "resume_plan.toml"
    plan.write_text(PLAN)
    return start_app(tmp_path, "--plan", str(plan))


def open_page(context, address: str):
    page = context.new_page()
    page.set_default_timeout(SLOW_MS)
    page.add_init_script(RECORDER)
    page.goto(address)
    page.wait_for_selector(".br-session .br-start")
    return page


def start_session(page, pain: int) -> None:
    page.locator(".br-pain-before").get_by_role("button", name=str(pain), exact=True).click()
    page.wait_for_function("() => !document.querySelector('.br-start').disabled")
    page.locator(".br-start").click()


def at_knee_to_chest(context, address: str, pain: int):
    """A new page whose session, begun with ``pain``, has reached knee to chest."""
    page = open_page(context, address)
    start_session(page, pain)
    page.wait_for_function(AT_KNEE)
    return page


def save_pain_after(page, pain: int) -> None:
    page.wait_for_selector(".br-after", state="visible")
    page.locator(".br-pain-after").get_by_role("button", name=str(pain), exact=True).click()
    page.wait_for_function("() => !document.querySelector('.br-save').disabled")
    page.locator(".br-save").click()
    page.wait_for_function(
        "() => document.querySelector('.br-saved').innerText.includes('Saved')")


def one_session(log_dir: Path) -> str:
    """The id of the only session in the log, with its before and after score."""
    log = load_log(log_dir)
    (session,) = set(log.exercise["session_id"])
    assert log.pain[["context", "session_id"]].values.tolist() == [
        ["before_session", session], ["after_session", session]]
    assert read_active(log_dir) is None  # closed: no page offers it again
    return session


def test_a_reload_mid_session_shows_the_same_session_and_saves_its_pain_score(
        chromium_default_autoplay, tmp_path):
    process, address, log_dir = app_with_plan(tmp_path)
    try:
        page = at_knee_to_chest(chromium_default_autoplay, address, 4)
        started = read_active(log_dir)
        page.reload()
        # the old kernel may still be going down: "running in another page" or "stopped at"
        page.wait_for_function(RESUME_SAYS, arg=f"{started.started_at:%H:%M}")
        page.wait_for_function("() => document.querySelector('.br-start').innerText"
                               " === 'Carry on here'")
        assert page.locator(".br-pain-before").is_hidden()  # no second before-score
        page.locator(".br-start").click()  # the click is also the gesture for sound
        page.wait_for_function("() => window.brRecord.spoken.length > 0")
        contexts = page.evaluate("() => window.brRecord.contexts")
        assert contexts and contexts[0]["gesture"]
        save_pain_after(page, 2)
        assert "pain 4 before and 2 after" in page.locator(".br-saved").inner_text()
    finally:
        stop_app(process)
    session = one_session(log_dir)
    assert session == started.session_id
    log = load_log(log_dir)
    assert log.exercise[["exercise", "side", "status"]].values.tolist() == [
        ["pelvic_tilt", "", "completed"], ["knee_to_chest", "left", "completed"],
        ["knee_to_chest", "right", "completed"], ["bridge", "", "completed"]]
    assert "Traceback" not in (tmp_path / "app.out").read_text()


def test_a_closed_page_whose_kernel_is_gone_is_finished_in_a_new_page(
        chromium_default_autoplay, tmp_path):
    process, address, log_dir = app_with_plan(tmp_path)
    try:
        page = at_knee_to_chest(chromium_default_autoplay, address, 5)
        page.close(run_before_unload=True)  # Voila shuts the page's kernel down
        deadline = time.monotonic() + SLOW_MS / 1000
        while runs_elsewhere(log_dir) and time.monotonic() < deadline:
            time.sleep(0.2)  # waiting for the kernel to go, not timing anything
        assert not runs_elsewhere(log_dir)
        left = read_active(log_dir)
        page = open_page(chromium_default_autoplay, address)
        page.wait_for_function(RESUME_SAYS, arg=(
            f"Your session of {left.started_at:%H:%M} stopped at knee to chest, "
            f"{left.blocks[left.block].side} side: carry on, or finish and give your pain score"))
        page.locator(".br-finish").click()
        save_pain_after(page, 3)
    finally:
        stop_app(process)
    session = one_session(log_dir)
    assert session == left.session_id
    statuses = load_log(log_dir).exercise[["exercise", "side", "status"]].values.tolist()
    in_progress = [left.blocks[left.block].exercise, left.blocks[left.block].side,
                   "stopped" if left.begun else "not_reached"]
    assert statuses == [["pelvic_tilt", "", "completed"], *(
        [["knee_to_chest", "left", "completed"]] if left.block == 2 else []),
        in_progress, *([["knee_to_chest", "right", "not_reached"]] if left.block == 1 else []),
        ["bridge", "", "not_reached"]]


def test_a_second_page_cannot_start_a_second_session(chromium_default_autoplay, tmp_path):
    process, address, log_dir = app_with_plan(tmp_path)
    try:
        first = open_page(chromium_default_autoplay, address)
        second = open_page(chromium_default_autoplay, address)  # open before the start
        start_session(first, 4)
        first.wait_for_function(AT_KNEE)
        # the page opened before: its Start finds the session running and offers it instead
        start_session(second, 6)
        second.wait_for_function(RESUME_SAYS, arg="A session is running in another page")
        # a page opened now never offers Start
        third = open_page(chromium_default_autoplay, address)
        third.wait_for_function(RESUME_SAYS, arg="A session is running in another page")
        assert third.locator(".br-start").inner_text() == "Carry on here"
        assert third.locator(".br-pain-before").is_hidden()
        third.close(run_before_unload=True)
        save_pain_after(first, 2)
    finally:
        stop_app(process)
    one_session(log_dir)
    assert list(load_log(log_dir).pain["pain"]) == [4, 2]
