"""Loading a new plan the physiotherapist sent (:class:`NewPlanWidget`), driven from Python with
real files in a temporary log folder; the app's browser test loads one through the page."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from backrelief_analysis.log.plans import plan_history, plan_in_force, plans_dir, save_accepted
from backrelief_analysis.log.store import LogStore, now_local
from backrelief_analysis.plan import MAX_PLAN_BYTES, load_plan, next_monday, next_plan, plan_toml
from backrelief_analysis.session.plan_widget import NewPlanWidget, plan_differences
from backrelief_analysis.session.widget import CheckInWidget, SessionWidget
from backrelief_analysis.session.widget_parts import plan_or_problem
from backrelief_analysis.text import day_words

OWNER_ONLY = 0o600


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty log folder and the shipped plan."""
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    log_dir = tmp_path / "log"
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(log_dir))
    return log_dir


def upload(widget: NewPlanWidget, content: bytes, name: str = "plan-v2.toml") -> None:
    """Load a file as the browser does: ipywidgets 8 sets the value to a tuple of one dict
    per file, its content a memoryview."""
    widget._upload.value = ({"name": name, "type": "application/toml", "size": len(content),
                             "content": memoryview(content),
                             "last_modified": datetime.now(UTC)},)


def next_text(valid_from: date) -> str:
    """The shipped plan's next version: knee to chest one step up (10 reps to 12)."""
    return plan_toml(next_plan(load_plan(), ["knee_to_chest"], valid_from=valid_from))


def test_a_new_plan_shows_its_changes_and_accept_keeps_it(home):
    monday = next_monday(now_local().date())
    said = day_words(monday, full=True)  # "Monday 7 December"
    widget = NewPlanWidget(LogStore(home))
    upload(widget, next_text(monday).encode())
    assert widget._news.value.count("Your physiotherapist sent a new plan") == 1
    assert (f"Your physiotherapist sent a new plan (version 2, from {said}): "
            "Knee to chest: 12 reps (was 10).") in widget._news.value
    assert widget._choice.layout.display is None
    assert not plans_dir(home).exists()  # nothing kept before Accept

    widget._accept.click()
    (kept,) = plans_dir(home).glob("*.toml")
    assert kept.name == f"plan-v2-{monday.isoformat()}.toml"
    assert stat.S_IMODE(kept.stat().st_mode) == OWNER_ONLY
    assert next_text(monday) in kept.read_text()  # kept as sent
    assert (f"Saved. From {said} your sessions follow it; reload the page to see "
            "it.") in widget._message.value
    assert widget._choice.layout.display == "none"
    in_force = plan_in_force(home, monday, load_plan())
    assert in_force.version == 2
    assert [e.reps for e in in_force.exercises if e.id == "knee_to_chest"] == [12]
    assert plan_in_force(home, monday - timedelta(days=1), load_plan()).version == 1


def test_a_plan_from_today_is_followed_by_the_widgets_that_pick_todays_plan(home):
    today = now_local().date()
    widget = NewPlanWidget(LogStore(home))
    upload(widget, next_text(today).encode())
    widget._accept.click()
    assert "Saved. Your next session follows it; reload the page to see it." in (
        widget._message.value)
    plan, problem = plan_or_problem(None, home)
    assert (plan.version, problem) == (2, "")
    session = SessionWidget(store=LogStore(home))
    assert "Knee to chest: 5 s hold x 12 reps, each side" in session._title.value
    assert CheckInWidget(store=LogStore(home)).plan == plan


def test_a_session_widget_made_before_accept_follows_the_new_plan_when_shown_again(home):
    # Voila runs the app's page ahead of its visit: the widget looks again when a page shows it
    session = SessionWidget(store=LogStore(home))
    given = SessionWidget(load_plan(), LogStore(home))
    widget = NewPlanWidget(LogStore(home))
    upload(widget, next_text(now_local().date()).encode())
    widget._accept.click()
    for shown in (session, given):
        shown._on_stage_msg(shown._stage, {"action": "shown"}, [])
    assert "Knee to chest: 5 s hold x 12 reps, each side" in session._title.value
    assert session.engine.plan == session.plan == plan_or_problem(None, home)[0]
    assert "Knee to chest: 5 s hold x 10 reps, each side" in given._title.value  # its own plan


def test_without_changes_the_differences_are_computed(home):
    before = load_plan()
    after = next_plan(before, ["knee_to_chest"], valid_from=next_monday(now_local().date()))
    dropped = after.exercises[-1]
    after = replace(after, changes=(), exercises=after.exercises[:-1],
                    target_sessions_per_week=5)
    widget = NewPlanWidget(LogStore(home))
    upload(widget, plan_toml(after).encode())
    news = widget._news.value
    assert "Knee to chest: 12 reps (was 10)" in news
    assert f"{dropped.name}: no longer in your plan" in news
    assert "Sessions a week: 5 (was 7)" in news
    assert plan_differences(after, before)[-2:] == [
        f"{dropped.name}: new in your plan, 5 s hold x 10 reps", "Sessions a week: 7 (was 5)"]


@pytest.mark.parametrize(("content", "words"), [
    (b"name = [unclosed", "not valid TOML"),
    (b'name = "x"\ntarget_sessions_per_week = "often"\n', "target_sessions_per_week"),
    (b"\xff\xfe not text", "not text saved as UTF-8"),
    (b"#" * (MAX_PLAN_BYTES + 1), "far too large"),
])
def test_a_bad_file_is_one_sentence_and_nothing_is_kept(home, content, words):
    widget = NewPlanWidget(LogStore(home))
    upload(widget, content, name="sent.toml")
    message = widget._message.value
    assert "sent.toml could not be read as a plan, so nothing was kept:" in message
    assert words in message
    assert "plan: " not in message
    assert "Traceback" not in message and widget._output.outputs == ()
    assert widget._choice.layout.display == "none"
    assert not plans_dir(home).exists()


def test_an_older_or_same_version_is_refused_and_nothing_is_kept(home):
    monday = next_monday(now_local().date())
    save_accepted(home, next_text(monday), now_local())
    widget = NewPlanWidget(LogStore(home))
    upload(widget, next_text(monday + timedelta(days=7)).encode())  # version 2 again
    assert ("is version 2 of your plan, and you already have version 2, so nothing was kept"
            in widget._message.value)
    assert widget._choice.layout.display == "none"
    assert [plan.version for plan in plan_history(home)] == [2]


def test_not_now_keeps_nothing(home):
    widget = NewPlanWidget(LogStore(home))
    upload(widget, next_text(next_monday(now_local().date())).encode())
    widget._not_now.click()
    assert "Nothing was changed" in widget._message.value
    assert widget._choice.layout.display == "none"
    widget._accept.click()  # a late click on the hidden button keeps nothing either
    assert not plans_dir(home).exists()


def test_a_kept_plan_that_cannot_be_read_is_one_sentence(home):
    folder = plans_dir(home)
    folder.mkdir(parents=True)
    (folder / "plan-v2-2026-12-07.toml").write_text('name = "x"\n')
    plan, problem = plan_or_problem(None, home)
    assert plan is None
    assert "plan-v2-2026-12-07.toml" in problem
