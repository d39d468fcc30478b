"""The session and check-in widgets, driven from Python with .click() and .value."""

from __future__ import annotations

import asyncio
import itertools
import re

import ipywidgets as widgets
import pytest

from backrelief_analysis.audio import cue_wav
from backrelief_analysis.plan import parse_plan
from backrelief_analysis.session_widget import CheckInWidget, SessionWidget
from backrelief_analysis.store import LogStore, load_log, now_local


class FakeTime:
    def __init__(self) -> None:
        self.now = 50.0
        self.hooks: list = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay
        for hook in list(self.hooks):
            hook()
        await asyncio.sleep(0)


@pytest.fixture
def plan():
    return parse_plan({
        "name": "short", "target_sessions_per_week": 3, "rest_between_exercises_s": 2,
        "exercise": [
            {"id": "tilt", "name": "Pelvic tilt", "instructions": "Flatten your back.",
             "hold_s": 4, "reps": 2, "release_s": 2},
            {"id": "knee", "name": "Knee to chest", "instructions": "One knee up.",
             "hold_s": 4, "reps": 2, "release_s": 2, "sides": ["left", "right"]},
        ],
    })  # fmt: skip


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


def run(widget: SessionWidget) -> None:
    """Click Start on a running loop and wait for the session to end."""

    async def session() -> None:
        find(widget, "br-start").click()
        assert widget.engine.task is not None, "Start did not start the session"
        await widget.engine.task

    asyncio.run(session())


def test_start_is_disabled_until_a_pain_score_is_given(make, tmp_path):
    widget = make()
    start = find(widget, "br-start")
    assert find(widget, "br-pain-before").value is None
    assert start.disabled
    start.click()  # a click that slips through does nothing
    assert widget.engine.task is None
    assert not (tmp_path / "log" / "pain_log.csv").exists()
    find(widget, "br-pain-before").value = 0  # 0 is a real score, not "nothing"
    assert not start.disabled
    find(widget, "br-pain-before").value = None
    assert start.disabled


def test_controls_follow_the_session(make, fake):
    widget = make()
    start, pause = find(widget, "br-start"), find(widget, "br-pause")
    skip, stop = find(widget, "br-skip"), find(widget, "br-stop")
    assert (pause.disabled, skip.disabled, stop.disabled) == (True, True, True)
    find(widget, "br-pain-before").value = 3
    seen: dict[str, tuple] = {}

    def look() -> None:
        state = widget.engine.state
        if state.phase == "hold" and "running" not in seen:
            seen["running"] = (start.disabled, pause.disabled, skip.disabled, stop.disabled,
                               pause.description, find(widget, "br-pain-before").disabled)
            pause.click()
            seen["paused"] = (pause.description, skip.disabled, stop.disabled,
                              text(find(widget, "br-phase")))
            pause.click()
            seen["resumed"] = (pause.description, text(find(widget, "br-phase")))

    fake.hooks.append(look)
    run(widget)
    assert seen["running"] == (True, False, False, False, "Pause", True)
    assert seen["paused"] == ("Resume", False, False, "HOLD · PAUSED")
    assert seen["resumed"] == ("Pause", "HOLD")
    assert (start.disabled, pause.disabled, skip.disabled, stop.disabled) == (
        True, True, True, True)
    assert text(find(widget, "br-phase")) == "DONE"
    assert find(widget, "br-after").layout.display != "none"


def test_display_counts_down_with_rep_and_side(make, fake):
    widget = make()
    find(widget, "br-pain-before").value = 3
    shown: list[tuple[str, str, str]] = []

    def look() -> None:
        row = (text(find(widget, "br-phase")), text(find(widget, "br-countdown")),
               text(find(widget, "br-rep")))
        if not shown or shown[-1] != row:
            shown.append(row)

    fake.hooks.append(look)
    run(widget)
    assert ("HOLD", "3", "rep 1 of 2") in shown
    assert ("RELEASE", "1", "rep 2 of 2") in shown
    assert ("HOLD", "4", "rep 2 of 2 · right leg") in shown
    assert ("SWITCH SIDES", "2", "next: the right leg, 2 reps") in shown
    assert find(widget, "br-progress").value == 1.0
    assert text(find(widget, "br-time-left")) == "0:00 left"


def test_cues_play_as_new_audio_each_time_unless_muted(make, fake):
    widget = make()
    player = find(widget, "br-audio")
    values: list[bytes] = []
    player.observe(lambda change: values.append(change["new"]), names="value")
    find(widget, "br-pain-before").value = 3
    run(widget)
    assert values[0] in (cue_wav("hold_start", variant=0), cue_wav("hold_start", variant=1))
    # a new value every time, so the browser plays every cue, ticks included
    assert all(a != b for a, b in itertools.pairwise(values))
    assert values[-1] in (cue_wav("session_end", variant=0), cue_wav("session_end", variant=1))
    assert player.loop is False and player.autoplay is True

    muted = make()
    find(muted, "br-mute").value = True
    silent: list[bytes] = []
    find(muted, "br-audio").observe(lambda change: silent.append(change["new"]), names="value")
    find(muted, "br-pain-before").value = 3
    run(muted)
    assert silent == []


def test_finished_session_saves_pain_before_and_after(make, tmp_path):
    widget = make()
    find(widget, "br-pain-before").value = 6
    run(widget)
    save = find(widget, "br-save")
    assert save.disabled  # pain after is required
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
    message = text(find(widget, "br-message"))
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
            find(widget, "br-stop").click()

    fake.hooks.append(stop_in_second_hold)
    run(widget)
    assert text(find(widget, "br-phase")) == "STOPPED"
    assert find(widget, "br-after").layout.display != "none"
    assert "Session stopped" in text(find(widget, "br-message"))
    find(widget, "br-pain-after").value = 7
    find(widget, "br-save").click()
    log = load_log(tmp_path / "log")
    assert list(log.exercise["status"]) == ["stopped", "skipped", "skipped"]
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
            find(widget, "br-skip").click()

    fake.hooks.append(skip_first_hold)
    run(widget)
    exercise = load_log(tmp_path / "log").exercise
    assert list(exercise["status"]) == ["skipped", "completed", "completed"]


def test_a_log_that_cannot_be_written_is_shown_and_the_session_does_not_start(make, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the log folder should be")
    widget = make(blocked)
    find(widget, "br-pain-before").value = 3
    find(widget, "br-start").click()
    assert widget.engine.task is None
    message = text(find(widget, "br-message"))
    assert "Could not save your pain score" in message
    assert str(blocked) in message
    assert find(widget, "br-output").outputs  # the details are kept too
    assert not find(widget, "br-start").disabled  # the user can try again


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
            find(second, "br-start").click()

    async def both() -> None:
        find(first, "br-start").click()
        fake.hooks.append(start_second_in_first_hold)
        await first.engine.task
        await second.engine.task

    asyncio.run(both())
    assert first.engine.state.status == "stopped"
    assert second.engine.state.status == "finished"
    exercise = load_log(tmp_path / "log").exercise
    by_session = exercise.groupby("session_id")["status"].agg(list).to_dict()
    assert by_session == {
        first.engine.session_id: ["stopped", "skipped", "skipped"],
        second.engine.session_id: ["completed"] * 3,
    }


def test_a_crashed_timer_is_shown_and_pain_after_can_still_be_saved(plan, tmp_path):
    async def broken_sleep(delay: float) -> None:
        raise RuntimeError("the clock broke")

    widget = SessionWidget(plan, LogStore(tmp_path / "log"), sleep=broken_sleep)
    find(widget, "br-pain-before").value = 3

    async def session() -> None:
        find(widget, "br-start").click()
        with pytest.raises(RuntimeError):
            await widget.engine.task

    asyncio.run(session())
    assert "the clock broke" in text(find(widget, "br-message"))
    assert find(widget, "br-after").layout.display != "none"
    find(widget, "br-pain-after").value = 3
    find(widget, "br-save").click()
    assert list(load_log(tmp_path / "log").pain["context"]) == ["before_session", "after_session"]


def test_after_the_pain_score_the_session_says_when_the_questionnaire_is_due(make, tmp_path):
    from outcome_fixtures import OCCASIONS, entries

    from backrelief_analysis.questionnaire import DUE_MESSAGE

    first = make()  # no questionnaire ever: due, and the session is not held up by it
    find(first, "br-pain-before").value = 5
    run(first)
    find(first, "br-pain-after").value = 4
    find(first, "br-save").click()
    assert DUE_MESSAGE in text(find(first, "br-message"))
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
    message = text(find(second, "br-message"))
    assert "pain 5 before and 3 after" in message
    assert "Questionnaire due" not in message
