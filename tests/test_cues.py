"""The words said at each cue, made from the plan without a browser."""

from __future__ import annotations

import asyncio

import pytest
from fake_time import FakeTime
from plans import BOTH_SIDES, exercise, plan_data
from test_engine import STARTED

from backrelief_analysis.log.store import LogStore
from backrelief_analysis.plan import Plan, load_plan, parse_plan
from backrelief_analysis.session.cues import reps_left_worth_saying, side_words, spoken_text
from backrelief_analysis.session.engine import SessionEngine
from backrelief_analysis.session.steps import build_steps


@pytest.fixture
def steps():
    return build_steps(load_plan(), get_ready_s=15, switch_side_s=5)


def first(steps, kind, **where):
    return next(s for s in steps if s.kind == kind
                and all(getattr(s, k) == v for k, v in where.items()))


def test_get_ready_names_the_first_exercise_with_reps_and_hold(steps):
    assert spoken_text("get_ready", steps[0]) == "Pelvic tilt. 10 reps, 5 second holds."


def test_hold_and_its_last_seconds(steps):
    hold = first(steps, "hold")
    assert spoken_text("hold_start", hold) == "Hold, 1 of 10."
    assert spoken_text("hold_start", hold, fewer_words=True) == "Hold."
    assert [spoken_text("tick", hold, n) for n in (3, 2, 1)] == ["3", "2", "1"]


def test_release_says_how_many_are_left_now_and_then_not_every_rep(steps):
    releases = [s for s in steps if s.kind == "release" and s.exercise.id == "pelvic_tilt"]
    said = [spoken_text("release", s) for s in releases]
    assert said == ["Release.", "Release.", "Release.", "Release.", "Release. 5 to go.",
                    "Release.", "Release. 3 to go.", "Release.", "Release. 1 to go.",
                    "Release."]


def test_side_switch_and_rest_say_what_comes_next(steps):
    assert spoken_text("next", first(steps, "switch")) == "Switch to the right leg. Get ready."
    rest = first(steps, "rest", block=3)
    assert rest.exercise.id == "back_extension"
    assert spoken_text("next", rest) == "Rest. Next: back extension. 10 reps, 5 second holds."
    # the default plan's 5 s switch is too short to say "Get ready" apart: said with the switch
    to_knee = first(steps, "rest", block=1)
    assert spoken_text("next", to_knee) == (
        "Rest. Next: knee to chest, left leg. 10 reps, 5 second holds.")


def test_end_asks_for_the_pain_score(steps):
    assert spoken_text("session_end", steps[-1]) == "Session complete. How is your pain now?"


def test_reps_left_and_side_words():
    assert [n for n in range(12, -1, -1) if reps_left_worth_saying(n)] == [10, 5, 3, 1]
    assert (side_words("left"), side_words("right"), side_words("")) == (
        "left side", "right side", "")


def test_a_side_is_said_as_the_plan_names_it():
    knee = load_plan().exercises[1]
    assert knee.side_names == ("left leg", "right leg")
    assert (side_words("left", knee), side_words("right", knee)) == ("left leg", "right leg")
    tilt = load_plan().exercises[0]
    assert side_words("left", tilt) == "left side"  # a plan naming no side: "side"


def short_named_plan() -> Plan:
    """2 reps of 4 s holds, one exercise on named sides, one of a single rep; 10 s lead-ins."""
    timed = {"hold_s": 4, "reps": 2, "release_s": 2}
    return parse_plan(plan_data(
        exercise("tilt", "Tilt", "Tilt.", **timed),
        exercise("knee", "Knee to chest", "Knee.", sides=BOTH_SIDES, **timed)
        | {"side_names": ["left leg", "right leg"]},
        exercise("bridge", "Bridge", "Bridge.", **timed | {"reps": 1}),
        get_ready_s=10, switch_side_s=10, rest_between_exercises_s=10))


def spoken_sequence(plan: Plan, tmp_path, **options) -> list[str]:
    """Every sentence a whole session says, in order (the engine on a fake clock)."""
    fake = FakeTime()
    engine = SessionEngine(plan, LogStore(tmp_path), clock=fake.clock, sleep=fake.sleep,
                           now=lambda: STARTED, **options)
    said: list[str] = []
    engine.add_observer(lambda e: said.append(e.speech) if e.kind == "cue" else None)
    asyncio.run(engine.run())
    return said


def test_a_short_session_warns_before_each_first_hold_and_says_each_rep(tmp_path):
    count, ready = ["3", "2", "1"], ["Get ready.", "3", "2", "1"]
    assert spoken_sequence(short_named_plan(), tmp_path) == [
        "Tilt. 2 reps, 4 second holds.", *ready,
        "Hold, 1 of 2.", *count, "Release. 1 to go.", "Hold, 2 of 2.", *count, "Release.",
        "Rest. Next: knee to chest, left leg. 2 reps, 4 second holds.", *ready,
        "Hold, 1 of 2.", *count, "Release. 1 to go.", "Hold, 2 of 2.", *count, "Release.",
        "Switch to the right leg.", *ready,
        "Hold, 1 of 2.", *count, "Release. 1 to go.", "Hold, 2 of 2.", *count, "Release.",
        "Rest. Next: bridge. 1 rep, 4 second hold.", *ready,
        "Hold.", *count, "Release.",
        "Session complete. How is your pain now?",
    ]


def test_fewer_words_leave_out_the_rep_count(tmp_path):
    said = spoken_sequence(short_named_plan(), tmp_path, fewer_words=True)
    holds = [text for text in said if text.startswith("Hold")]
    assert holds == ["Hold."] * 7
    assert said.count("Get ready.") == 4  # the warning before each first hold stays


def test_a_short_lead_in_says_get_ready_with_its_own_words(tmp_path):
    said = spoken_sequence(short_named_plan(), tmp_path, get_ready_s=3, switch_side_s=5)
    assert said[:3] == ["Tilt. 2 reps, 4 second holds. Get ready.", "2", "1"]
    switch = said.index("Switch to the right leg. Get ready.")
    assert said[switch + 1 : switch + 5] == ["3", "2", "1", "Hold, 1 of 2."]
