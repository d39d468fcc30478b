"""A whole guided session in a real JupyterLab, driven in headless Chromium.

The test starts its own server with a short plan and a temporary log folder, runs the notebook
from the Run menu, gives a pain score, starts, pauses, resumes, lets the session finish, saves the
pain after, and then reads the two CSV files back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backrelief_analysis.store import load_log

pytestmark = pytest.mark.browser

NOTEBOOK = "notebooks/01_guided_session.ipynb"
SHORT_PLAN = """\
name = "Browser test plan"
target_sessions_per_week = 5
rest_between_exercises_s = 1

[[exercise]]
id = "pelvic_tilt"
name = "Pelvic tilt"
instructions = "Flatten the small of your back onto the floor."
hold_s = 1
reps = 2
release_s = 1

[[exercise]]
id = "knee_to_chest"
name = "Knee to chest"
instructions = "Bring one knee up towards your chest."
hold_s = 1
reps = 2
release_s = 1
sides = ["left", "right"]
"""
# generous: a loaded 2-core machine may be slow to start a kernel; never a timing assertion
SLOW_MS = 120_000
SCREENSHOT = Path("/tmp/br_session.png")
# the status bar names the kernel once it has started and is idle; before that it says
# "No Kernel", and running cells then would ask which kernel to use
# media events do not bubble, but a capturing listener on the document sees them all
WATCH_AUDIO = """
window.brAudio = {playing: [], furthest: 0};
document.addEventListener('playing', (e) => {
    if (e.target.classList.contains('br-audio')) window.brAudio.playing.push(e.target.src);
}, true);
document.addEventListener('timeupdate', (e) => {
    if (e.target.classList.contains('br-audio')) {
        window.brAudio.furthest = Math.max(window.brAudio.furthest, e.target.currentTime);
    }
}, true);
"""
KERNEL_IDLE = """() => {
    const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && bar.innerText.includes('(ipykernel) | Idle');
}"""


def test_guided_session_in_jupyterlab(jupyter_lab, chromium_page, tmp_path):
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(SHORT_PLAN)
    log_dir = tmp_path / "log"
    base = jupyter_lab({"BACKRELIEF_PLAN": str(plan_file), "BACKRELIEF_DATA_DIR": str(log_dir)})
    page = chromium_page
    page.set_default_timeout(SLOW_MS)

    page.add_init_script(WATCH_AUDIO)
    page.goto(f"{base}/lab/tree/{NOTEBOOK}?reset")
    page.wait_for_function(KERNEL_IDLE)

    # Run -> Run All Cells, as a user would
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    page.wait_for_selector(".br-session .br-start")
    page.wait_for_selector(".br-checkin .br-checkin-save")

    start = page.locator(".br-start")
    assert start.is_disabled()  # no pain score yet
    page.locator(".br-pain-before").get_by_role("button", name="3", exact=True).click()
    page.wait_for_function("() => !document.querySelector('.br-start').disabled")
    start.click()

    countdown = page.locator(".br-countdown")
    phase = page.locator(".br-phase")
    page.wait_for_function(
        "() => document.querySelector('.br-phase').innerText.includes('GET READY')")
    first = countdown.inner_text()
    page.wait_for_function(
        "(first) => document.querySelector('.br-countdown').innerText.trim() !== first.trim()",
        arg=first,
    )

    # pause: the countdown stands still while we watch it for a while
    page.locator(".br-pause").click()
    page.wait_for_function(
        "() => document.querySelector('.br-phase').innerText.includes('PAUSED')")
    # the phase and the button are two widget updates: the button may render a moment later
    page.wait_for_function(
        "() => document.querySelector('.br-pause').innerText.trim() === 'Resume'")
    frozen = countdown.inner_text()
    seen = set()
    for _ in range(8):
        page.wait_for_timeout(250)  # observing the page, not timing the timer
        seen.add(countdown.inner_text())
    assert seen == {frozen}
    assert "PAUSED" in phase.inner_text()

    page.locator(".br-pause").click()
    page.wait_for_function(
        "() => document.querySelector('.br-phase').innerText.includes('HOLD')")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.wait_for_function(
        "() => document.querySelector('.br-phase').innerText.includes('DONE')")
    page.wait_for_selector(".br-after", state="visible")

    # cues really played, not merely created: playback started and time moved on, and more
    # than one sound (each cue is new bytes, so a new blob URL) got to play
    audio = page.evaluate("() => window.brAudio")
    assert audio["furthest"] > 0, audio
    assert len(set(audio["playing"])) >= 2, audio

    page.locator(".br-pain-after").get_by_role("button", name="2", exact=True).click()
    page.locator(".br-flare").get_by_role("button", name="No", exact=True).click()
    page.locator(".br-note textarea").fill("felt loose afterwards")
    page.wait_for_function("() => !document.querySelector('.br-save').disabled")
    page.locator(".br-save").click()
    page.wait_for_function(
        "() => document.querySelector('.br-message').innerText.includes('Saved')")
    message = page.locator(".br-message").inner_text()
    assert "Sessions this week: 1 of 5 planned." in message
    page.screenshot(path=str(SCREENSHOT.with_name("br_session_done.png")), full_page=True)

    log = load_log(log_dir)
    exercise = log.exercise
    assert list(zip(exercise["exercise"], exercise["side"], strict=True)) == [
        ("pelvic_tilt", ""), ("knee_to_chest", "left"), ("knee_to_chest", "right")]
    assert list(exercise["status"]) == ["completed"] * 3
    assert list(exercise["reps_done"]) == [2, 2, 2]
    assert list(exercise["reps_target"]) == [2, 2, 2]
    assert (exercise["hold_s_mean"] > 0).all()  # measured, so present; accuracy is a benchmark
    (session_id,) = set(exercise["session_id"])
    pain = log.pain[["pain", "context", "session_id", "flare", "note"]].to_dict("records")
    assert pain == [
        {"pain": 3, "context": "before_session", "session_id": session_id, "flare": "",
         "note": ""},
        {"pain": 2, "context": "after_session", "session_id": session_id, "flare": "no",
         "note": "felt loose afterwards"},
    ]

    # a fresh log has no questionnaire yet: the message says it is due, and the form below
    # the session takes the answers
    assert "Questionnaire due" in message
    form = page.locator(".br-questionnaire")
    for item, score in (("pain", "5"), ("enjoyment", "4"), ("activity", "6")):
        form.locator(f".br-q-peg-{item}").get_by_role("button", name=score, exact=True).click()
    form.locator(".br-q-psfs-name-1 input").fill("gardening")
    form.locator(".br-q-psfs-score-1").get_by_role("button", name="3", exact=True).click()
    form.locator(".br-q-odi input").fill("28")
    form.locator(".br-q-save").click()
    page.wait_for_function(
        "() => document.querySelector('.br-q-message').innerText.includes('Saved')")
    form.screenshot(path=str(SCREENSHOT.with_name("br_questionnaire.png")))
    answers = load_log(log_dir).outcomes
    assert sorted(zip(answers["measure"], answers["item"], answers["score"], strict=True)) == [
        ("odi", "total", 28), ("peg", "activity", 6), ("peg", "enjoyment", 4),
        ("peg", "pain", 5), ("psfs", "gardening", 3)]
