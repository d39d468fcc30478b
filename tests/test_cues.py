"""The words said at each cue, made from the plan without a browser."""

from __future__ import annotations

import pytest

from backrelief_analysis.cues import reps_left_worth_saying, side_words, spoken_text
from backrelief_analysis.engine import build_steps
from backrelief_analysis.plan import load_plan


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
    assert spoken_text("hold_start", hold) == "Hold."
    assert [spoken_text("tick", hold, n) for n in (3, 2, 1)] == ["3", "2", "1"]


def test_release_says_how_many_are_left_now_and_then_not_every_rep(steps):
    releases = [s for s in steps if s.kind == "release" and s.exercise.id == "pelvic_tilt"]
    said = [spoken_text("release", s) for s in releases]
    assert said == ["Release.", "Release.", "Release.", "Release.", "Release. 5 to go.",
                    "Release.", "Release. 3 to go.", "Release.", "Release. 1 to go.",
                    "Release."]


def test_side_switch_and_rest_say_what_comes_next(steps):
    assert spoken_text("next", first(steps, "switch")) == "Switch to the right leg."
    rest = first(steps, "rest", block=3)
    assert rest.exercise.id == "back_extension"
    assert spoken_text("next", rest) == "Rest. Next: back extension. 10 reps, 5 second holds."
    to_knee = first(steps, "rest", block=1)
    assert spoken_text("next", to_knee) == (
        "Rest. Next: knee to chest, left leg. 10 reps, 5 second holds.")


def test_end_asks_for_the_pain_score(steps):
    assert spoken_text("session_end", steps[-1]) == "Session complete. How is your pain now?"


def test_reps_left_and_side_words():
    assert [n for n in range(12, -1, -1) if reps_left_worth_saying(n)] == [10, 5, 3, 1]
    assert (side_words("left"), side_words("right"), side_words("")) == (
        "left leg", "right leg", "")
