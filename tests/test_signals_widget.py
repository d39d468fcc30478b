"""The optional one-tap questions, driven from Python as the browser drives them: why a block
was skipped or stopped, how each exercise felt, and what got in the way; each read back from
the real signals_log.csv."""

from __future__ import annotations

import asyncio
import csv
from datetime import date, datetime, timedelta, timezone

import pytest
from fake_time import FakeTime
from plans import BOTH_SIDES, exercise, short_plan
from test_session_widget import find, press, text

from backrelief_analysis.analysis.periods import keyed
from backrelief_analysis.analysis.signals import latest_answers
from backrelief_analysis.log.store import ExerciseBlock, LogStore, load_log
from backrelief_analysis.session.engine import SessionEngine
from backrelief_analysis.session.signals_widget import MissedDays
from backrelief_analysis.session.widget import CheckInWidget, SessionWidget

ZONE = timezone(timedelta(hours=1))


@pytest.fixture
def plan():
    return short_plan(hold=2, reps=2, rest=2, target=7, exercises=[
        exercise("tilt", "Pelvic tilt", "Flatten your back."),
        exercise("knee", "Knee to chest", "One knee up.", sides=BOTH_SIDES),
        exercise("bridge", "Bridge", "Hips up."),
    ])


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def widget(plan, fake, tmp_path) -> SessionWidget:
    return SessionWidget(plan, LogStore(tmp_path / "log"), clock=fake.clock, sleep=fake.sleep,
                         get_ready_s=2, switch_side_s=2)


def rows(tmp_path) -> list[dict[str, str]]:
    with (tmp_path / "log" / "signals_log.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def run_with(widget: SessionWidget, fake: FakeTime, act) -> None:
    """Start with pain 4, call ``act(state)`` after each tick of the clock, run to the end."""
    find(widget, "br-pain-before").value = 4

    async def session() -> None:
        press(widget, "start")
        await widget.engine.task

    fake.hooks.append(lambda: act(widget.engine.state))
    asyncio.run(session())


def test_skip_asks_why_at_once_and_each_tap_is_logged_while_the_session_goes_on(
        widget, fake, tmp_path):
    asked: list[str] = []

    def act(state) -> None:
        # skip the knee's left side in its first hold (a rep is under way, none done: skipped)
        if state.exercise and state.exercise.id == "knee" and state.phase == "hold" \
                and state.side == "left" and not asked:
            press(widget, "skip")
            asked.append(text(find(widget, "br-reason-row").children[0]))
            find(widget, "br-reason").value = "pain"  # one tap
            asked.append(widget.engine.state.status)  # the session went on

    run_with(widget, fake, act)
    assert asked == ["Why did you skip knee to chest? Optional, one tap; the session goes on.",
                     "running"]
    assert widget.engine.state.status == "finished"  # the right side and bridge were done
    # the tap is in the log before the after-score, with the block it is about
    [reason] = rows(tmp_path)
    assert (reason["signal"], reason["value"], reason["exercise"], reason["side"],
            reason["session_id"]) == ("stop_reason", "pain", "knee", "left",
                                      widget.engine.session_id)
    # a second tap corrects the first: both are logged, the last one counts
    find(widget, "br-reason").value = "too_hard"
    answers = latest_answers(keyed(load_log(tmp_path / "log").signals))
    assert answers["value"].tolist() == ["too_hard"]


def test_stop_asks_about_the_block_in_progress_not_the_ones_never_reached(widget, fake,
                                                                            tmp_path):
    def act(state) -> None:
        if state.exercise and state.exercise.id == "knee" and state.rep == 2 \
                and state.side == "left" and state.status == "running":
            press(widget, "stop")
            find(widget, "br-reason").value = "no_time"

    run_with(widget, fake, act)
    assert text(find(widget, "br-reason-row").children[0]).startswith(
        "Why did you stop knee to chest?")
    assert [(r["value"], r["exercise"], r["side"]) for r in rows(tmp_path)] == [
        ("no_time", "knee", "left")]


def test_after_the_session_each_exercise_done_gets_an_optional_row(widget, fake, tmp_path):
    def act(state) -> None:
        if state.exercise and state.exercise.id == "tilt" and state.phase == "hold" \
                and widget.engine.state.status == "running" and not widget.engine.cut_short:
            press(widget, "skip")  # no rep of the tilt: not asked how it felt

    run_with(widget, fake, act)
    feelings = find(widget, "br-feelings")
    assert feelings.layout.display != "none"
    # rows for the exercises done, in plan order: knee (both sides) and bridge, no tilt
    assert [c for c in ("br-felt-tilt", "br-felt-knee", "br-felt-bridge")
            if any(c in w._dom_classes for w in _all(feelings))] == ["br-felt-knee",
                                                                     "br-felt-bridge"]
    find(widget, "br-felt-bridge").value = "hard"
    find(widget, "br-hurt-bridge").value = True
    find(widget, "br-pain-after").value = 5
    find(widget, "br-save").click()
    assert "and how the exercises felt" in text(find(widget, "br-saved"))
    said = [(r["signal"], r["value"], r["exercise"], r["side"]) for r in rows(tmp_path)]
    # the knee was left alone: nothing is logged for it (unknown, not "fine")
    assert said == [("felt", "hard", "bridge", ""), ("hurt", "yes", "bridge", "")]
    pain = (tmp_path / "log" / "pain_log.csv").read_text(encoding="utf-8").splitlines()
    assert pain[-1].split(",")[1:3] == ["5", "after_session"]
    # answered and closed: no more taps
    assert find(widget, "br-felt-bridge").disabled and find(widget, "br-hurt-bridge").disabled
    assert find(widget, "br-reason").disabled


def test_a_session_left_alone_logs_no_signal(widget, fake, tmp_path):
    run_with(widget, fake, lambda state: None)
    find(widget, "br-pain-after").value = 2
    find(widget, "br-save").click()
    assert find(widget, "br-reason-row").layout.display == "none"  # nothing was cut short
    assert not (tmp_path / "log" / "signals_log.csv").exists()


def _all(root):
    stack, seen = [root], []
    while stack:
        widget = stack.pop()
        seen.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return seen


def test_check_in_logs_what_got_in_the_way_today_with_a_note_only_for_other(plan, tmp_path):
    store = LogStore(tmp_path / "log")
    check_in = CheckInWidget(plan, store)
    find(check_in, "br-checkin-pain").value = 6
    find(check_in, "br-barrier-no_time").value = True
    note = find(check_in, "br-barrier-note")
    assert note.layout.display == "none"  # asked for only with Other
    find(check_in, "br-barrier-other").value = True
    assert note.layout.display != "none"
    note.value = "visiting family"
    find(check_in, "br-checkin-save").click()
    assert "and what got in the way" in text(find(check_in, "br-checkin-message"))
    said = [(r["signal"], r["value"], r["days_ago"], r["note"]) for r in rows(tmp_path)]
    assert said == [("barrier", "no_time", "0", ""), ("barrier", "other", "0", "visiting family")]
    # the form is ready for another day
    assert not find(check_in, "br-barrier-no_time").value and note.value == ""
    # a check-in without a tap logs no barrier
    find(check_in, "br-checkin-pain").value = 5
    find(check_in, "br-checkin-save").click()
    assert len(rows(tmp_path)) == 2


def _sessions(store: LogStore, days: list[date]) -> None:
    for day in days:
        start = datetime(day.year, day.month, day.day, 8, tzinfo=ZONE)
        store.extend_blocks([ExerciseBlock(f"s{day:%d}", start, "tilt", "", 2, 2, 2.0, 2.0,
                                           "completed", start)])


def test_missed_planned_days_are_asked_about_once(plan, tmp_path):
    store = LogStore(tmp_path / "log")
    # Mon 23 to Wed 25 Nov done, Thu 26 and Fri 27 none; today Sat 28; 7 a week planned
    _sessions(store, [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)])
    card = MissedDays(plan, store, today=date(2026, 11, 28))
    assert card.days == [date(2026, 11, 26), date(2026, 11, 27)]
    assert card.layout.display != "none"
    assert "No session on Thu 26 Nov and yesterday. What got in the way?" in \
        card.question._question.value
    find(card, "br-missed-save").click()  # nothing tapped: nothing saved, a hint instead
    assert not (tmp_path / "log" / "signals_log.csv").exists()
    find(card, "br-missed-tired").value = True
    find(card, "br-missed-save").click()
    # one row per day: 26 Nov is 2 days before the 28th, 27 Nov 1 day — as the store dates it,
    # today is the real day of the tap, so days_ago counts from it
    today = load_log(tmp_path / "log").signals["date"].iloc[0].date()
    said = [(r["value"], int(r["days_ago"])) for r in rows(tmp_path)]
    assert said == [("tired", (today - date(2026, 11, 26)).days),
                    ("tired", (today - date(2026, 11, 27)).days)]
    assert find(card, "br-missed-save").disabled
    # answered days are not asked again
    assert MissedDays(plan, store, today=date(2026, 11, 28)).days == []


def test_no_question_without_a_missed_day(plan, tmp_path):
    store = LogStore(tmp_path / "log")
    assert MissedDays(plan, store).layout.display == "none"  # a new diary: nothing to ask
    _sessions(store, [date(2026, 11, 26), date(2026, 11, 27)])
    card = MissedDays(plan, store, today=date(2026, 11, 28))
    assert card.days == [] and card.layout.display == "none"
    fewer = short_plan(target=5)  # two days a week without a session are the plan's own
    _sessions(store, [date(2026, 11, 23)])
    assert MissedDays(fewer, store, today=date(2026, 11, 28)).days == []


def test_not_now_puts_the_question_away(plan, tmp_path):
    store = LogStore(tmp_path / "log")
    _sessions(store, [date(2026, 11, 23)])
    card = MissedDays(plan, store, today=date(2026, 11, 25))
    assert card.days == [date(2026, 11, 24)]
    find(card, "br-missed-later").click()
    assert card.layout.display == "none"
    assert not (tmp_path / "log" / "signals_log.csv").exists()


def test_the_engine_refuses_a_reason_or_feeling_it_cannot_log(plan, fake, tmp_path):
    store = LogStore(tmp_path / "log")
    engine = SessionEngine(plan, store, clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(ValueError, match="no exercise of this session was skipped"):
        engine.give_reason("pain")
    with pytest.raises(ValueError, match="a reason is one of pain, too_hard"):
        engine.give_reason("bored")

    async def session() -> None:
        await engine.begin(3)

    asyncio.run(session())
    with pytest.raises(ValueError, match="how an exercise felt is one of easy, right, hard"):
        engine.record_after(3, felt={"tilt": "awful"})
    with pytest.raises(ValueError, match="'squat' is not an exercise of the plan"):
        engine.record_after(3, hurt=["squat"])
    # nothing of a refused call was written: no after-score, no signal
    assert load_log(tmp_path / "log").pain["context"].tolist() == ["before_session"]
    assert not (tmp_path / "log" / "signals_log.csv").exists()
    engine.record_after(3, felt={"tilt": "easy"})
    with pytest.raises(ValueError, match="the session is closed"):
        engine.give_reason("pain")
