"""A whole guided session in a real JupyterLab, driven in headless Chromium.

The test starts its own server on a copy of notebook 01 with a short plan and a temporary log
folder, runs the notebook from the Run menu, gives a pain score, starts (the click is the
gesture that lets sound play: the browser keeps its default autoplay policy), pauses and
resumes with Space, reloads the tab mid-session and finishes the session there, saves the pain
after, and reads the two CSV files back. An init script records what the page asks the browser
to say (``speechSynthesis.speak``), to play (``AudioContext`` and its sources) and to keep awake
(``navigator.wakeLock.request``). Then the same notebook runs in a browser without voices and
without a wake lock, and with a plan that has a mistake.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lab_pages import SLOW_MS, off_host, record_requests, run_all, run_all_cells
from plans import BRIDGE, KNEE_TO_CHEST, PELVIC_TILT, plan_text

from backrelief_analysis.log.store import load_log

pytestmark = pytest.mark.browser

NOTEBOOK = "notebooks/01_guided_session.ipynb"
SHORT_PLAN = plan_text(PELVIC_TILT, KNEE_TO_CHEST | {"side_names": ["left leg", "right leg"]},
                       BRIDGE, name="Browser test plan", target=5,
                       rest_between_exercises_s=1, get_ready_s=4, switch_side_s=2)
# Records what the page asks of the browser, before any page script runs. Headless Chromium
# has no voices and no screen to keep awake: a page may ask for one voice of the system
# (localStorage "br-test-voices" = "none" takes it away) and for a wake lock ("br-test-wake" =
# "none" takes the API away); the recorder answers as a desktop browser would.
RECORDER = """
(() => {
  const rec = window.brRecord = {spoken: [], tones: [], contexts: [], wake: [], cues: []};
  const t = () => performance.timeOrigin + performance.now();
  if (localStorage.getItem('br-test-voices') === 'none') {
    speechSynthesis.getVoices = () => [];
  } else {
    const voice = {name: 'Test voice', lang: 'en-US', localService: true, default: true,
                   voiceURI: 'test-voice'};
    speechSynthesis.getVoices = () => [voice];
    Object.defineProperty(SpeechSynthesisUtterance.prototype, 'voice', {
      configurable: true, get() { return this.brVoice ?? null; },
      set(value) { this.brVoice = value; }});
  }
  const speak = speechSynthesis.speak.bind(speechSynthesis);
  speechSynthesis.speak = (utterance) => {
    rec.spoken.push({text: utterance.text, at: t(), voice: utterance.voice?.name ?? null});
    try { speak(utterance); } catch (error) { rec.speakError = String(error); }
  };
  const Context = window.AudioContext;
  window.AudioContext = class extends Context {
    constructor(...args) {
      super(...args);
      rec.contexts.push({at: t(), state: this.state,
                         gesture: navigator.userActivation.isActive});
    }
  };
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (...args) {
    rec.tones.push({at: t(), seconds: this.buffer ? this.buffer.duration : 0,
                    state: this.context.state});
    return start.apply(this, args);
  };
  if (localStorage.getItem('br-test-wake') === 'none') {
    delete Navigator.prototype.wakeLock;
  } else {
    window.brSentinels = [];
    const wakeLock = {request: async (type) => {
      const entry = {type, at: t(), released: null};
      rec.wake.push(entry);
      const sentinel = new EventTarget();
      sentinel.type = type;
      sentinel.released = false;
      sentinel.release = async () => {
        if (sentinel.released) return;
        sentinel.released = true;
        entry.released = t();
        sentinel.dispatchEvent(new Event('release'));
      };
      window.brSentinels.push(sentinel);
      return sentinel;
    }};
    Object.defineProperty(Navigator.prototype, 'wakeLock', {configurable: true,
                                                           get: () => wakeLock});
  }
  document.addEventListener('br-cue', (event) => rec.cues.push(event.detail), true);
})();
"""
PHASE_HAS = "(word) => document.querySelector('.br-stage .br-phase')?.innerText.includes(word)"
HIDE_AND_SHOW = """() => {
    const state = (value) => Object.defineProperty(document, 'visibilityState',
                                                   {configurable: true, get: () => value});
    state('hidden');
    window.brSentinels.forEach((sentinel) => sentinel.release());  // as a hidden page's are
    document.dispatchEvent(new Event('visibilitychange'));
    state('visible');
    document.dispatchEvent(new Event('visibilitychange'));
}"""
IN_VIEW = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def stage_button(page, name: str):
    """A button of the session, by the name a screen reader reads."""
    return page.locator(".br-stage").get_by_role("button", name=name, exact=True)


def copy_notebook(root: Path) -> str:
    """Serve a copy of notebook 01, so saving it never writes into the checkout."""
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(NOTEBOOK, root / NOTEBOOK)
    return NOTEBOOK


def spoken(page) -> list[str]:
    return [entry["text"] for entry in page.evaluate("() => window.brRecord.spoken")]


def test_guided_session_in_jupyterlab(jupyter_lab, chromium_page, tmp_path):
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(SHORT_PLAN)
    log_dir = tmp_path / "log"
    root = tmp_path / "served"
    notebook = copy_notebook(root)
    base = jupyter_lab({"BACKRELIEF_PLAN": str(plan_file), "BACKRELIEF_DATA_DIR": str(log_dir)},
                       root_dir=root)
    page = chromium_page
    page.set_default_timeout(SLOW_MS)
    page.add_init_script(RECORDER)
    url = f"{base}/lab/tree/{notebook}?reset"
    urls = record_requests(page)  # every request of the whole session, to check the hosts
    run_all(page, url)
    page.wait_for_selector(".br-session .br-stage .br-start")
    page.wait_for_selector(".br-checkin .br-checkin-save")
    # big and clear before anything starts: the session's length where the countdown will be
    assert page.locator(".br-stage .br-countdown").inner_text().strip() == "0:32"
    assert page.locator(".br-stage .br-note").count() == 0  # a wake lock, so nothing to say

    start = stage_button(page, "Start session")
    assert start.is_disabled()  # no pain score yet
    # every control has a name a screen reader reads, beginning with what is seen
    assert stage_button(page, "Pause (Space)").is_disabled()
    for switch in ("Voice", "Tones"):
        assert page.locator(".br-stage").get_by_role("switch", name=switch).get_attribute(
            "aria-checked") == "true"
    assert page.locator(".br-stage").get_by_role("switch", name="Fewer words").get_attribute(
        "aria-checked") == "false"
    page.locator(".br-pain-before").get_by_role("button", name="3", exact=True).click()
    page.wait_for_function("() => !document.querySelector('.br-stage .br-start').disabled")
    assert page.evaluate("() => window.brRecord.contexts.length") == 0  # no sound before Start
    start.click()
    page.wait_for_function(PHASE_HAS, arg="GET READY")

    # Space pauses: the countdown stands still while we watch it for a while
    page.keyboard.press("Space")
    page.wait_for_function(PHASE_HAS, arg="PAUSED")
    countdown = page.locator(".br-stage .br-countdown")
    frozen = countdown.inner_text()
    seen = set()
    for _ in range(8):
        page.wait_for_timeout(250)  # observing the page, not timing the timer
        seen.add(countdown.inner_text())
    assert seen == {frozen}
    assert stage_button(page, "Resume (Space)").is_visible()
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.querySelector('.br-stage .br-phase')"
                           ".innerText.includes('PAUSED')")

    page.wait_for_function(PHASE_HAS, arg="HOLD")
    # the tab hidden and shown again (the browser lets go of the lock while hidden): asked again
    asked = page.evaluate("() => window.brRecord.wake.length")
    page.evaluate(HIDE_AND_SHOW)
    page.wait_for_function("(asked) => window.brRecord.wake.length > asked", arg=asked)
    # readable from two metres: the countdown is at least a fifth of the stage's height
    heights = page.evaluate("""() => ({
        stage: document.querySelector('.br-stage').getBoundingClientRect().height,
        number: document.querySelector('.br-stage .br-countdown').getBoundingClientRect().height,
        word: parseFloat(getComputedStyle(document.querySelector('.br-stage .br-phase')).fontSize),
    })""")
    assert heights["number"] >= heights["stage"] / 5, heights
    assert heights["word"] >= 48, heights
    # kept in the test's own folder (docs/img/session.png is taken from here)
    page.screenshot(path=str(tmp_path / "session.png"), full_page=True)

    # reload the tab in the middle of the session (saved first, as JupyterLab's autosave does);
    # paused, so that no cue falls in the seconds a busy machine takes to reload
    page.wait_for_function(
        "() => document.querySelector('.br-stage .br-exercise').innerText === 'Knee to chest'")
    page.keyboard.press("Space")
    page.wait_for_function(PHASE_HAS, arg="PAUSED")
    before_reload = page.evaluate("() => window.brRecord")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")
    page.reload()
    # whether or not the saved notebook kept the widget's view, running the cells again shows
    # the same session, as it is (a second session would stop the first)
    run_all(page, url)
    page.wait_for_selector(".br-session .br-stage .br-phase")
    page.wait_for_function(PHASE_HAS, arg="PAUSED")
    assert page.locator(".br-stage .br-exercise").inner_text() == "Knee to chest"
    stage_button(page, "Turn sound back on").click()
    page.keyboard.press("Space")  # the new view's keys work as the old one's
    page.wait_for_function(PHASE_HAS, arg="DONE")
    page.wait_for_selector(".br-after", state="visible")
    after_reload = page.evaluate("() => window.brRecord")

    said = [entry["text"] for entry in before_reload["spoken"] + after_reload["spoken"]]
    named = [text for text in said if text[0].isalpha()
             and not text.startswith(("Hold", "Release"))]
    # lead-ins of 4 s, 1 s and 2 s: too short for "Get ready" on its own, said with their words
    assert named == [
        "Pelvic tilt. 2 reps, 1 second holds. Get ready.",
        "Rest. Next: knee to chest, left leg. 2 reps, 1 second holds. Get ready.",
        "Switch to the right leg. Get ready.",
        "Rest. Next: bridge. 4 reps, 2 second holds. Get ready.",
        "Session complete. How is your pain now?",
    ], said
    # "Get ready", the count of the lead-in's last seconds, then the first hold with its rep
    assert said[:5] == ["Pelvic tilt. 2 reps, 1 second holds. Get ready.", "3", "2", "1",
                        "Hold, 1 of 2."], said
    # every hold with its rep, none lost or repeated by the reload
    assert [text for text in said if text.startswith("Hold")] == [
        *["Hold, 1 of 2.", "Hold, 2 of 2."] * 3, *[f"Hold, {n} of 4." for n in range(1, 5)]]
    assert all(entry["voice"] == "Test voice" for entry in before_reload["spoken"])
    # sound began with the click on Start, and again with the click after the reload
    assert [c["gesture"] for c in before_reload["contexts"]] == [True]
    assert [c["gesture"] for c in after_reload["contexts"]] == [True]
    assert len(before_reload["tones"]) >= 5 and len(after_reload["tones"]) >= 3
    assert all(tone["state"] == "running" for tone in before_reload["tones"])
    # announced tones are scheduled on the audio clock ahead of their deadline (a cue whose
    # announcement came too late plays when it arrives)
    cues = before_reload["cues"] + after_reload["cues"]
    assert cues[0]["cue"] == "get_ready" and cues[0]["tone_ms"] is not None
    assert sum(cue["scheduled"] for cue in cues) >= 10
    # the wake lock: asked for at Start, let go while paused, asked again, let go at the end
    wake = before_reload["wake"]
    assert len(wake) >= 2 and wake[0]["at"] < before_reload["cues"][0]["received_ms"]
    assert wake[0]["released"] is not None
    assert after_reload["wake"] and all(w["released"] for w in after_reload["wake"])

    page.locator(".br-pain-after").get_by_role("button", name="2", exact=True).click()
    page.locator(".br-flare").get_by_role("button", name="No", exact=True).click()
    page.locator(".br-note textarea").fill("felt loose afterwards")
    page.wait_for_function("() => !document.querySelector('.br-save').disabled")
    page.locator(".br-save").click()
    page.wait_for_function("() => document.querySelector('.br-saved').innerText"
                           ".includes('Saved')")
    message = page.locator(".br-saved").inner_text()
    assert "Sessions this week: 1 of 5 planned." in message
    assert page.evaluate(IN_VIEW, ".br-saved")  # where the user looks, not below the fold
    page.screenshot(path=str(tmp_path / "session_done.png"), full_page=True)

    log = load_log(log_dir)
    exercise = log.exercise
    assert list(zip(exercise["exercise"], exercise["side"], strict=True)) == [
        ("pelvic_tilt", ""), ("knee_to_chest", "left"), ("knee_to_chest", "right"),
        ("bridge", "")]
    assert list(exercise["status"]) == ["completed"] * 4
    assert list(exercise["reps_done"]) == [2, 2, 2, 4]
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
    form.screenshot(path=str(tmp_path / "questionnaire.png"))
    answers = load_log(log_dir).outcomes
    assert sorted(zip(answers["measure"], answers["item"], answers["score"], strict=True)) == [
        ("odi", "total", 28), ("peg", "activity", 6), ("peg", "enjoyment", 4),
        ("peg", "pain", 5), ("psfs", "gardening", 3)]

    # a browser with no voice and no wake lock: both said in the widget, tones instead
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        bare = other.new_page()
        bare.set_default_timeout(SLOW_MS)
        bare.add_init_script("localStorage.setItem('br-test-voices', 'none');"
                             "localStorage.setItem('br-test-wake', 'none');")
        bare.add_init_script(RECORDER)
        bare_urls = record_requests(bare)
        run_all(bare, url)
        bare.wait_for_selector(".br-session .br-stage .br-start")
        assert "cannot keep the screen awake" in bare.locator(".br-note-wake").inner_text()
        bare.locator(".br-pain-before").get_by_role("button", name="4", exact=True).click()
        stage_button(bare, "Start session").click()
        bare.wait_for_selector(".br-note-voice")
        assert "No offline voice" in bare.locator(".br-note-voice").inner_text()
        assert bare.evaluate("() => window.brRecord.spoken.length") == 0
        bare.wait_for_function("() => window.brRecord.tones.length >= 1")
        bare.wait_for_function(PHASE_HAS, arg="HOLD")
        stage_button(bare, "Stop session").click()
        bare.wait_for_function(PHASE_HAS, arg="STOPPED")
        # after Stop the bar shows where the session stopped, not a full bar and "0:00 left"
        left = bare.locator(".br-stage .br-time-left").inner_text()
        assert left.startswith("Stopped with") and "0:00" not in left
        assert int(bare.locator(".br-stage .br-progress").get_attribute("aria-valuenow")) < 100

        # a plan with a mistake: one sentence where the session was, and the check-in works
        plan_file.write_text(SHORT_PLAN.replace("reps = 2", 'reps = "two"', 1))
        run_all_cells(bare)
        bare.wait_for_selector(".br-plan-problem")
        problem = bare.locator(".br-plan-problem").inner_text()
        assert problem.startswith("Your plan could not be read") and "reps" in problem
        assert bare.locator(".jp-OutputArea-output[data-mime-type*='error']").count() == 0
        assert "Traceback" not in bare.locator(".jp-Notebook").inner_text()
        checkin = bare.locator(".br-checkin")
        checkin.locator(".br-checkin-pain").get_by_role("button", name="5", exact=True).click()
        checkin.locator(".br-checkin-save").click()
        bare.wait_for_function("() => document.querySelector('.br-checkin-message')"
                               ".innerText.includes('Saved')")
    finally:
        other.close()
    assert list(load_log(log_dir).pain["context"]) == [
        "before_session", "after_session", "before_session", "check_in"]
    # the session (voice, tones, wake lock, questionnaires) asked no other host for anything
    assert urls and bare_urls and off_host(urls + bare_urls, base) == []
