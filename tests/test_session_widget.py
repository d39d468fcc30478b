"""The session and check-in widgets, driven from Python as the browser drives them.

Forms are ipywidgets (``.value``, ``.click()``); the session's stage is an anywidget whose
buttons send ``{"action": ...}`` messages (:meth:`SessionStage.press` sends the same) and whose
display is the synced ``view`` dict.
"""

from __future__ import annotations

import asyncio
import re
import stat
from datetime import timedelta

import ipywidgets as widgets
import pytest
from fake_time import FakeTime
from plans import BOTH_SIDES, TILT, exercise, plan_text, short_plan

from backrelief_analysis.log.store import ExerciseBlock, LogStore, PainEntry, load_log, now_local
from backrelief_analysis.session.active import (
    ActiveSession,
    plan_key,
    planned_blocks,
    read_active,
    write_active,
)
from backrelief_analysis.session.engine import SessionEngine
from backrelief_analysis.session.widget import CheckInWidget, SessionWidget


@pytest.fixture
def plan():
    return short_plan(hold=4, rest=2, exercises=[
        exercise("tilt", "Pelvic tilt", "Flatten your back."),
        exercise("knee", "Knee to chest", "One knee up.", sides=BOTH_SIDES)
        | {"side_names": ["left leg", "right leg"]},
    ])


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make(plan, fake, tmp_path):
    def build(directory=None) -> SessionWidget:
        store = LogStore(directory or tmp_path / "log")
        return SessionWidget(plan, store, clock=fake.clock, sleep=fake.sleep, get_ready_s=2,
                             switch_side_s=2)

    return build


def find(root: widgets.Widget, css_class: str) -> widgets.Widget:
    """The one widget under ``root`` with this CSS class, as a browser test would find it."""
    found = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if css_class in getattr(widget, "_dom_classes", ()):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    assert len(found) == 1, f"{len(found)} widgets with class {css_class}"
    return found[0]


def text(widget: widgets.HTML) -> str:
    return re.sub(r"<[^>]+>", "", widget.value).strip()


def view(widget: SessionWidget) -> dict:
    """What the browser shows: the stage's synced state."""
    return widget.stage.view


def press(widget: SessionWidget, action: str) -> None:
    """A click on Start, Pause/Resume, Skip or Stop (or Space), as the browser sends it."""
    widget.stage.press(action)


def run(widget: SessionWidget) -> None:
    """Click Start on a running loop and wait for the session to end."""

    async def session() -> None:
        press(widget, "start")
        assert widget.engine.task is not None, "Start did not start the session"
        await widget.engine.task

    asyncio.run(session())


def test_start_is_disabled_until_a_pain_score_is_given(make, tmp_path):
    widget = make()
    assert find(widget, "br-pain-before").value is None
    assert not view(widget)["can_start"]
    press(widget, "start")  # a click that slips through does nothing
    assert widget.engine.task is None
    assert not (tmp_path / "log" / "pain_log.csv").exists()
    find(widget, "br-pain-before").value = 0  # 0 is a real score, not "nothing"
    assert view(widget)["can_start"]
    find(widget, "br-pain-before").value = None
    assert not view(widget)["can_start"]


def buttons(widget: SessionWidget) -> tuple[bool, bool, bool, bool]:
    shown = view(widget)
    return shown["can_start"], shown["can_pause"], shown["can_skip"], shown["can_stop"]


def test_controls_follow_the_session(make, fake):
    widget = make()
    assert buttons(widget) == (False, False, False, False)
    find(widget, "br-pain-before").value = 3
    seen: dict[str, tuple] = {}

    def look() -> None:
        state = widget.engine.state
        if state.phase == "hold" and "running" not in seen:
            seen["running"] = (*buttons(widget), view(widget)["paused"],
                               find(widget, "br-pain-before").disabled)
            press(widget, "pause")
            seen["paused"] = (view(widget)["paused"], view(widget)["word"], *buttons(widget))
            press(widget, "pause")  # Space or the same button again resumes
            seen["resumed"] = (view(widget)["paused"], view(widget)["word"])

    fake.hooks.append(look)
    run(widget)
    assert seen["running"] == (False, True, True, True, False, True)
    assert seen["paused"] == (True, "HOLD", False, True, True, True)
    assert seen["resumed"] == (False, "HOLD")
    assert buttons(widget) == (False, False, False, False)
    assert view(widget)["word"] == "DONE"
    assert find(widget, "br-after").layout.display != "none"


def test_display_counts_down_with_rep_and_side(make, fake):
    widget = make()
    find(widget, "br-pain-before").value = 3
    shown: list[tuple[str, str, str]] = []

    def look() -> None:
        shown_now = view(widget)
        row = (shown_now["word"], shown_now["number"], shown_now["detail"])
        if not shown or shown[-1] != row:
            shown.append(row)

    fake.hooks.append(look)
    run(widget)
    assert ("HOLD", "3", "rep 1 of 2") in shown
    assert ("RELEASE", "1", "rep 2 of 2") in shown
    assert ("HOLD", "4", "rep 2 of 2 · right leg") in shown
    assert ("SWITCH SIDES", "2", "next: the right leg, 2 reps") in shown
    assert view(widget)["progress"] == 1.0
    assert view(widget)["time_left"] == "Session finished"


def test_every_cue_goes_to_the_browser_with_its_words(make, fake, monkeypatch):
    widget = make()
    sent: list[dict] = []
    monkeypatch.setattr(widget.stage, "send", lambda content, buffers=None: sent.append(content))
    find(widget, "br-pain-before").value = 3
    run(widget)
    assert {message["type"] for message in sent} == {"cue"}
    said = [message["speech"] for message in sent]
    # lead-ins of 2 s: "Get ready" with their own words, then the count
    assert said[:3] == ["Pelvic tilt. 2 reps, 4 second holds. Get ready.", "1", "Hold, 1 of 2."]
    assert [s for s in said if s.startswith(("Rest", "Switch"))] == [
        "Rest. Next: knee to chest, left leg. 2 reps, 4 second holds. Get ready.",
        "Switch to the right leg. Get ready."]
    assert said[-1] == "Session complete. How is your pain now?"
    assert [m["cue"] for m in sent].count("hold_start") == 6
    # each cue carries its deadline on the wall clock, for the browser to measure itself
    assert all(isinstance(m["due_ms"], float) for m in sent)


def test_voice_and_tone_switches_are_remembered_for_the_next_session(make, tmp_path):
    first = make()
    assert (first.stage.voice, first.stage.tones) == (True, True)
    first.stage.voice = False  # as the browser's switch sets it
    settings = tmp_path / "log" / "settings.json"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    second = make()
    assert (second.stage.voice, second.stage.tones) == (False, True)
    second.stage.tones = False
    second.stage.voice = True
    assert (make().stage.voice, make().stage.tones) == (True, False)


def test_fewer_words_is_remembered_and_heard_from_the_next_cue(make, fake, monkeypatch):
    first = make()
    assert first.stage.fewer_words is False
    first.stage.fewer_words = True  # as the browser's switch sets it
    widget = make()
    assert widget.stage.fewer_words is True
    sent: list[dict] = []
    monkeypatch.setattr(widget.stage, "send", lambda content, buffers=None: sent.append(content))

    def more_words_in_second_block() -> None:
        if widget.engine.step.block == 1:
            widget.stage.fewer_words = False

    fake.hooks.append(more_words_in_second_block)
    find(widget, "br-pain-before").value = 3
    run(widget)
    holds = [m["speech"] for m in sent if m["cue"] == "hold_start"]
    assert holds == ["Hold.", "Hold.", *["Hold, 1 of 2.", "Hold, 2 of 2."] * 2]


def test_after_stop_the_progress_does_not_claim_the_whole_session(make, fake):
    widget = make()
    find(widget, "br-pain-before").value = 3

    def stop_in_first_hold() -> None:
        if widget.engine.state.phase == "hold":
            press(widget, "stop")

    fake.hooks.append(stop_in_first_hold)
    run(widget)
    shown = view(widget)
    assert shown["word"] == "STOPPED"
    assert 0 < shown["progress"] < 0.5
    assert shown["time_left"].startswith("Stopped with ")
    assert "0:00" not in shown["time_left"]


def test_finished_session_saves_pain_before_and_after(make, tmp_path):
    widget = make()
    find(widget, "br-pain-before").value = 6
    run(widget)
    save = find(widget, "br-save")
    assert save.disabled  # pain after is required
    assert view(widget)["can_start"] is False  # one session per widget
    find(widget, "br-pain-after").value = 4
    find(widget, "br-flare").value = "yes"
    find(widget, "br-note").value = "  stiff, better after the bridge  "
    save.click()
    log = load_log(tmp_path / "log")
    pain = log.pain[["pain", "context", "session_id", "flare", "note"]].to_dict("records")
    assert pain == [
        {"pain": 6, "context": "before_session", "session_id": widget.engine.session_id,
         "flare": "", "note": ""},
        {"pain": 4, "context": "after_session", "session_id": widget.engine.session_id,
         "flare": "yes", "note": "stiff, better after the bridge"},
    ]
    assert list(log.exercise["status"]) == ["completed"] * 3
    message = text(find(widget, "br-saved"))  # beside the Save button, where the eye is
    assert "pain 6 before and 4 after" in message
    assert "Sessions this week: 1 of 3 planned." in message
    save.click()  # a second click does not write a second row
    assert len(load_log(tmp_path / "log").pain) == 2


def test_stopped_session_still_asks_for_pain_after(make, fake, tmp_path):
    widget = make()
    find(widget, "br-pain-before").value = 5

    def stop_in_second_hold() -> None:
        state = widget.engine.state
        if state.status == "running" and state.phase == "hold" and state.rep == 2:
            press(widget, "stop")

    fake.hooks.append(stop_in_second_hold)
    run(widget)
    assert view(widget)["word"] == "STOPPED"
    assert find(widget, "br-after").layout.display != "none"
    assert "Session stopped" in text(find(widget, "br-message"))
    find(widget, "br-pain-after").value = 7
    find(widget, "br-save").click()
    log = load_log(tmp_path / "log")
    assert list(log.exercise["status"]) == ["stopped", "not_reached", "not_reached"]
    assert list(log.exercise["reps_done"]) == [1, 0, 0]
    assert list(log.pain["context"]) == ["before_session", "after_session"]
    assert list(log.pain["pain"]) == [5, 7]
    assert set(log.pain["session_id"]) == {widget.engine.session_id}


def test_skip_button_skips_the_current_exercise(make, fake, tmp_path):
    widget = make()
    find(widget, "br-pain-before").value = 2

    def skip_first_hold() -> None:
        state = widget.engine.state
        if state.phase == "hold" and state.exercise.id == "tilt" and state.rep == 1:
            press(widget, "skip")

    fake.hooks.append(skip_first_hold)
    run(widget)
    exercise = load_log(tmp_path / "log").exercise
    assert list(exercise["status"]) == ["skipped", "completed", "completed"]


def test_a_log_that_cannot_be_written_is_shown_and_the_session_does_not_start(make, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the log folder should be")
    widget = make(blocked)
    find(widget, "br-pain-before").value = 3
    press(widget, "start")
    assert widget.engine.task is None
    message = text(find(widget, "br-message"))
    assert "Could not save your pain score" in message
    assert str(blocked) in message
    assert find(widget, "br-output").outputs  # the details are kept too
    assert view(widget)["can_start"]  # the user can try again


def test_check_in_saves_a_row_and_counts_the_week(plan, tmp_path):
    widget = CheckInWidget(plan, LogStore(tmp_path / "log"))
    save = find(widget, "br-checkin-save")
    assert save.disabled
    find(widget, "br-checkin-pain").value = 2
    find(widget, "br-checkin-flare").value = "no"
    find(widget, "br-checkin-note").value = "long walk"
    save.click()
    pain = load_log(tmp_path / "log").pain
    assert pain[["pain", "context", "session_id", "flare", "note"]].to_dict("records") == [
        {"pain": 2, "context": "check_in", "session_id": "", "flare": "no", "note": "long walk"}]
    message = text(find(widget, "br-checkin-message"))
    assert "pain 2, not a flare-up day, with your note" in message
    assert "Sessions this week: 0 of 3 planned." in message
    # the form is ready for another day; an extra click saves nothing
    assert find(widget, "br-checkin-pain").value is None
    assert save.disabled
    save.click()
    assert len(load_log(tmp_path / "log").pain) == 1


def test_a_new_session_stops_one_still_running_in_the_kernel(make, fake, tmp_path):
    # re-running the notebook cell leaves the old widget's session running out of sight
    first, second = make(), make()
    find(first, "br-pain-before").value = 3
    find(second, "br-pain-before").value = 4

    def start_second_in_first_hold() -> None:
        if first.engine.state.phase == "hold" and second.engine.task is None:
            press(second, "start")

    async def both() -> None:
        press(first, "start")
        fake.hooks.append(start_second_in_first_hold)
        await first.engine.task
        await second.engine.task

    asyncio.run(both())
    assert first.engine.state.status == "stopped"
    assert second.engine.state.status == "finished"
    exercise = load_log(tmp_path / "log").exercise
    by_session = exercise.groupby("session_id")["status"].agg(list).to_dict()
    assert by_session == {
        first.engine.session_id: ["stopped", "not_reached", "not_reached"],
        second.engine.session_id: ["completed"] * 3,
    }


def test_a_crashed_timer_is_shown_and_pain_after_can_still_be_saved(plan, tmp_path):
    async def broken_sleep(delay: float) -> None:
        raise RuntimeError("the clock broke")

    widget = SessionWidget(plan, LogStore(tmp_path / "log"), sleep=broken_sleep)
    find(widget, "br-pain-before").value = 3

    async def session() -> None:
        press(widget, "start")
        with pytest.raises(RuntimeError):
            await widget.engine.task

    asyncio.run(session())
    assert "the clock broke" in text(find(widget, "br-message"))
    assert find(widget, "br-after").layout.display != "none"
    find(widget, "br-pain-after").value = 3
    find(widget, "br-save").click()
    assert list(load_log(tmp_path / "log").pain["context"]) == ["before_session", "after_session"]


BAD_PLAN = plan_text(TILT | {"reps": "ten"}, name="Mine", target=5)


def test_a_bad_plan_is_one_sentence_and_the_check_in_still_saves(tmp_path, monkeypatch):
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(BAD_PLAN)
    monkeypatch.setenv("BACKRELIEF_PLAN", str(plan_file))
    store = LogStore(tmp_path / "log")
    session = SessionWidget(store=store)
    assert session.engine is None
    box = text(find(session, "br-plan-problem"))
    assert box.startswith("Your plan could not be read")
    assert str(plan_file) in box and "Traceback" not in box
    check_in = CheckInWidget(store=store)
    find(check_in, "br-checkin-pain").value = 4
    find(check_in, "br-checkin-save").click()
    assert list(load_log(tmp_path / "log").pain["pain"]) == [4]
    assert "Sessions this week: 0." in text(find(check_in, "br-checkin-message"))


def test_running_the_cell_again_shows_the_running_session_and_its_pain_form(make, fake, plan,
                                                                           tmp_path):
    first = make()
    find(first, "br-pain-before").value = 3
    again: list[SessionWidget] = []

    def rerun_in_first_hold() -> None:
        if first.engine.state.phase == "hold" and not again:
            # a reloaded tab runs the cell again: the same session comes back, still running
            again.append(make())

    fake.hooks.append(rerun_in_first_hold)
    run(first)
    assert again == [first]
    assert first.engine.state.status == "finished"
    # ended, pain after not given yet: still the same widget, with its form open
    assert make() is first
    assert find(first, "br-after").layout.display != "none"
    # another log folder or another plan is another session
    assert SessionWidget(plan, LogStore(tmp_path / "other")) is not first
    find(first, "br-pain-after").value = 2
    find(first, "br-save").click()
    fresh = make()
    assert fresh is not first and fresh.engine.state.status == "ready"


def test_after_the_pain_score_the_session_says_when_the_questionnaire_is_due(make, tmp_path):
    from outcome_fixtures import OCCASIONS, entries

    from backrelief_analysis.session.questionnaire import DUE_MESSAGE

    first = make()  # no questionnaire ever: due, and the session is not held up by it
    find(first, "br-pain-before").value = 5
    run(first)
    find(first, "br-pain-after").value = 4
    find(first, "br-save").click()
    assert DUE_MESSAGE in text(find(first, "br-saved"))
    assert len(load_log(tmp_path / "log").pain) == 2

    # a questionnaire answered today: not due again for 14 days
    today = OCCASIONS[0]
    LogStore(tmp_path / "log").extend_outcomes(
        entries((now_local().isoformat(timespec="seconds"), *today[1:]), "today"))
    second = make()
    find(second, "br-pain-before").value = 5
    run(second)
    find(second, "br-pain-after").value = 3
    find(second, "br-save").click()
    message = text(find(second, "br-saved"))
    assert "pain 5 before and 3 after" in message
    assert "Questionnaire due" not in message


def test_a_page_opened_while_a_session_runs_elsewhere_carries_it_on(make, plan, tmp_path):
    other_time = FakeTime()
    other = SessionEngine(plan, LogStore(tmp_path / "log"), clock=other_time.clock,
                          sleep=other_time.sleep, get_ready_s=2, switch_side_s=2)
    reached = asyncio.Event()

    def in_knee_left_first_hold() -> None:
        if (other.state.phase, other.state.side) == ("hold", "left") and not reached.is_set():
            other_time.gate = asyncio.Event()  # that page's kernel, busy a moment
            reached.set()

    other_time.hooks.append(in_knee_left_first_hold)

    async def pages() -> SessionWidget:
        other_task = other.begin(6)
        await reached.wait()
        other.wait_recorded()  # its last update on disk, as it is a moment later
        widget = make()
        said = text(find(widget, "br-resume"))
        assert said.startswith("A session is running in another page, started ")
        assert "now at knee to chest, left leg" in said
        assert view(widget)["start_label"] == "Carry on here" and view(widget)["can_start"]
        assert find(widget, "br-finish").layout.display == "none"
        find(widget, "br-pain-before").value = 4
        press(widget, "start")  # Start is not offered: nothing starts
        assert widget.engine.task is None
        press(widget, "carry_on")
        await asyncio.sleep(0.01)
        other_time.gate.set()
        await widget._carry_task
        await other_task
        await widget.engine.task
        return widget

    widget = asyncio.run(pages())
    assert other.moved and widget.engine.session_id == other.session_id
    assert widget.engine.state.status == "finished"
    assert text(find(widget, "br-resume")) == ""
    find(widget, "br-pain-after").value = 2
    find(widget, "br-save").click()
    log = load_log(tmp_path / "log")
    assert set(log.exercise["session_id"]) == {other.session_id}
    assert list(log.exercise["status"]) == ["completed"] * 3
    assert log.pain[["pain", "context", "session_id"]].to_dict("records") == [
        {"pain": 6, "context": "before_session", "session_id": other.session_id},
        {"pain": 2, "context": "after_session", "session_id": other.session_id}]
    assert "pain 6 before and 2 after" in text(find(widget, "br-saved"))


def gone_in_knee_to_chest(plan, tmp_path) -> LogStore:
    """A log whose session "gone" (pain 5 before, pelvic tilt done) lost its page and kernel in
    the first release of knee to chest, left leg."""
    store = LogStore(tmp_path / "log")
    started = now_local()
    store.append_pain(PainEntry(started, 5, "before_session", "gone"))
    store.append_block(ExerciseBlock("gone", started, "tilt", "", 2, 2, 4.0, 4.0, "completed"))
    write_active(store.directory, ActiveSession(
        "gone", started, 5, plan.name, plan_key(plan), planned_blocks(plan), block=1,
        phase="release", reps_done=1, holds=(4.0,)))
    return store


def test_a_session_left_behind_is_offered_and_finished_with_its_pain_score(make, plan, tmp_path):
    store = gone_in_knee_to_chest(plan, tmp_path)
    started = read_active(store.directory).started_at
    widget = make()
    assert text(find(widget, "br-resume")) == (
        f"Your session of {started:%H:%M} stopped at knee to chest, left leg: carry on, or "
        "finish and give your pain score.")
    assert view(widget)["start_label"] == "Carry on here"
    finish = find(widget, "br-finish")
    assert finish.layout.display != "none"
    finish.click()
    assert find(widget, "br-after").layout.display != "none"
    assert read_active(store.directory).status == "ended"
    find(widget, "br-pain-after").value = 3
    find(widget, "br-save").click()
    log = load_log(store.directory)
    assert log.exercise[["exercise", "side", "reps_done", "status"]].values.tolist() == [
        ["tilt", "", 2, "completed"], ["knee", "left", 1, "stopped"],
        ["knee", "right", 0, "not_reached"]]
    assert log.pain[["pain", "context", "session_id"]].values.tolist() == [
        [5, "before_session", "gone"], [3, "after_session", "gone"]]
    assert read_active(store.directory) is None


def test_a_page_made_ahead_does_not_score_a_session_finished_in_another_page(make, plan,
                                                                             tmp_path):
    # Voila made this page's widget ahead of the visit, while another page finished the session
    # left behind and waited for its pain score
    store = gone_in_knee_to_chest(plan, tmp_path)
    first = make()
    find(first, "br-finish").click()
    ended = read_active(store.directory)
    ahead = make()  # sees the ended record: only its pain score is missing
    assert find(ahead, "br-after").layout.display != "none"
    assert read_active(store.directory) == ended  # and writes nothing of its own
    find(first, "br-pain-after").value = 3
    find(first, "br-save").click()
    assert read_active(store.directory) is None
    press(ahead, "shown")  # the visit: the session is closed, so today's can start
    assert find(ahead, "br-after").layout.display == "none"
    assert text(find(ahead, "br-message")) == (
        "This session was finished in another page.")
    assert find(ahead, "br-pain-before").layout.display != "none"
    assert "start_label" not in view(ahead)
    assert read_active(store.directory) is None
    assert load_log(store.directory).pain["context"].tolist() == [
        "before_session", "after_session"]


def test_a_second_pain_score_for_one_session_is_refused(make, plan, tmp_path):
    store = gone_in_knee_to_chest(plan, tmp_path)
    first, second = make(), make()
    find(first, "br-finish").click()
    find(second, "br-finish").click()  # both pages wait for the same session's score
    find(first, "br-pain-after").value = 3
    find(first, "br-save").click()
    find(second, "br-pain-after").value = 6
    find(second, "br-save").click()
    assert text(find(second, "br-message")) == (
        "The pain score of this session was already saved in another page.")
    assert find(second, "br-after").layout.display == "none"
    assert find(second, "br-pain-after").value is None  # the 6 was not saved: not kept either
    assert load_log(store.directory).pain[["pain", "context"]].values.tolist() == [
        [5, "before_session"], [3, "after_session"]]


def test_a_page_made_before_a_session_began_elsewhere_shows_it_when_shown(make, plan, tmp_path):
    # Voila runs a page's kernel ahead of the visit: the widget exists before the session
    widget = make()
    other_time = FakeTime()
    other = SessionEngine(plan, LogStore(tmp_path / "log"), clock=other_time.clock,
                          sleep=other_time.sleep, get_ready_s=2, switch_side_s=2)
    reached = asyncio.Event()

    def in_first_hold() -> None:
        if other.state.phase == "hold" and not reached.is_set():
            other_time.gate = asyncio.Event()
            reached.set()

    other_time.hooks.append(in_first_hold)

    async def pages() -> None:
        task = other.begin(6)
        await reached.wait()
        assert text(find(widget, "br-resume")) == ""
        press(widget, "shown")  # what the page sends when it shows the widget
        assert text(find(widget, "br-resume")).startswith("A session is running in another")
        assert view(widget)["start_label"] == "Carry on here"
        other.stop()
        other_time.gate.set()
        await task

    asyncio.run(pages())


def test_a_session_left_behind_on_an_earlier_day_is_closed_and_start_is_offered(make, plan,
                                                                              tmp_path):
    store = LogStore(tmp_path / "log")
    yesterday = now_local() - timedelta(days=1)
    store.append_pain(PainEntry(yesterday, 5, "before_session", "yesterday"))
    write_active(store.directory, ActiveSession(
        "yesterday", yesterday, 5, plan.name, plan_key(plan), planned_blocks(plan), block=0,
        phase="hold", reps_done=1, holds=(4.0,)))
    widget = make()
    assert text(find(widget, "br-message")).startswith(
        f"Your session of {yesterday:%a} {yesterday.day} {yesterday:%b}, {yesterday:%H:%M} was "
        "left unfinished")
    assert text(find(widget, "br-resume")) == ""
    assert "start_label" not in view(widget)
    assert read_active(store.directory) is None
    log = load_log(store.directory)
    assert log.exercise[["reps_done", "status"]].values.tolist() == [
        [1, "stopped"], [0, "not_reached"], [0, "not_reached"]]
