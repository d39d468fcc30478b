"""Pain against exercises done, on tiny logs: weekly reps, per-exercise change, next day."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from analysis_fixtures import full, plan_of, score, session, write_log

from backrelief_analysis.analysis import associations
from backrelief_analysis.plan import Thresholds


def scored_session(session_id: str, day: str, before: int, after: int,
                   tilt_status: str = "completed") -> tuple[list, list]:
    """A session on ``day`` at 08:00 with its two scores; tilt completed or not, knee done."""
    done = 10 if tilt_status == "completed" else 0 if tilt_status == "skipped" else 4
    rows = session(session_id, f"{day}T08:00:00+00:00", ("tilt", "", 10, done, tilt_status),
                   ("knee", "left", 10, 10, "completed"), ("knee", "right", 10, 10, "completed"))
    pain = [score(f"{day}T07:59:00+00:00", before, "before_session", session_id),
            score(f"{day}T08:30:00+00:00", after, "after_session", session_id)]
    return rows, pain


def test_weekly_reps_per_exercise_next_to_weekly_pain(tmp_path):
    exercise = (full("a", "2026-03-02T08:00:00+00:00")
                + session("b", "2026-03-04T08:00:00+00:00", ("tilt", "", 10, 6, "stopped")))
    pain = [score("2026-03-02T20:00:00+00:00", 4), score("2026-03-03T20:00:00+00:00", 6),
            score("2026-03-16T20:00:00+00:00", 3)]
    log = write_log(tmp_path, exercise, pain)
    table = associations.weekly_reps_and_pain(log.exercise, log.pain, plan_of())
    assert table["week"].tolist() == ["2026-W10", "2026-W11", "2026-W12"]
    assert table["reps_tilt"].tolist() == [16, 0, 0]
    assert table["reps_knee"].tolist() == [20, 0, 0]
    assert table["reps_total"].tolist() == [36, 0, 0]
    assert table["pain_mean"].tolist()[0] == 5.0
    assert math.isnan(table["pain_mean"].iloc[1])
    assert table["pain_mean"].iloc[2] == 3.0
    assert table["days_with_score"].tolist() == [2, 0, 1]


def test_exercise_completed_against_skipped_or_stopped(tmp_path):
    parts = [scored_session("s1", "2026-03-02", 5, 3), scored_session("s2", "2026-03-03", 5, 4),
             scored_session("s3", "2026-03-04", 5, 5, "skipped"),
             scored_session("s4", "2026-03-05", 4, 5, "stopped")]
    exercise = [row for rows, _ in parts for row in rows]
    pain = [row for _, rows in parts for row in rows]
    log = write_log(tmp_path, exercise, pain)
    table = associations.exercise_pain_change(log.exercise, log.pain, plan_of(), min_count=2)
    tilt = table.set_index("exercise").loc["tilt"]
    assert (tilt["completed_sessions"], tilt["not_completed_sessions"]) == (2, 2)
    assert tilt["completed_mean_change"] == -1.5
    assert tilt["not_completed_mean_change"] == 0.5
    assert tilt["difference"] == -2.0
    assert tilt["note"] == ""
    knee = table.set_index("exercise").loc["knee"]
    assert knee["completed_sessions"] == 4
    assert knee["completed_mean_change"] == pytest.approx((-2 - 1 + 0 + 1) / 4)
    assert math.isnan(knee["not_completed_mean_change"])
    assert math.isnan(knee["difference"])
    assert knee["note"].startswith("too few sessions (4 completed, 0 skipped or stopped")


def test_default_minimum_gives_a_too_few_note_instead_of_a_number(tmp_path):
    rows, pain = scored_session("s1", "2026-03-02", 5, 3)
    log = write_log(tmp_path, rows, pain)
    table = associations.exercise_pain_change(log.exercise, log.pain, plan_of())
    assert Thresholds().association_min_count == 5  # the plan's setting, by default
    assert table["completed_mean_change"].isna().all()
    assert table["note"].str.contains("at least 5 each").all()


def test_the_plan_sets_how_many_an_association_needs(tmp_path):
    rows, pain = scored_session("s1", "2026-03-02", 5, 3)
    log = write_log(tmp_path, rows, pain)
    plan = plan_of()
    one = replace(plan, thresholds=replace(plan.thresholds, association_min_count=1))
    table = associations.exercise_pain_change(log.exercise, log.pain, one)
    # one completed session (5 -> 3, a change of -2) is enough when the plan asks for one
    assert table["completed_mean_change"].iloc[0] == -2
    assert table["note"].iloc[0].startswith("too few sessions (1 completed, 0 skipped")


def test_next_day_pain_after_days_with_and_without_a_session(tmp_path):
    exercise = full("a", "2026-03-02T08:00:00+00:00") + full("b", "2026-03-04T08:00:00+00:00")
    pain = [score("2026-03-03T20:00:00+00:00", 2), score("2026-03-04T20:00:00+00:00", 6),
            score("2026-03-05T20:00:00+00:00", 4), score("2026-03-06T20:00:00+00:00", 8)]
    log = write_log(tmp_path, exercise, pain)
    table = associations.next_day_pain(log.exercise, log.pain, min_count=2)
    assert table["group"].tolist() == [associations.WITH_SESSION, associations.WITHOUT_SESSION]
    # with: 02 -> 03 (2), 04 -> 05 (4); without: 03 -> 04 (6), 05 -> 06 (8)
    assert table["days"].tolist() == [2, 2]
    assert table["mean_next_day_pain"].tolist() == [3.0, 7.0]
    assert table["note"].tolist() == ["", ""]


def test_next_day_pain_with_too_few_days_says_so(tmp_path):
    exercise = full("a", "2026-03-02T08:00:00+00:00")
    pain = [score("2026-03-03T20:00:00+00:00", 2), score("2026-03-04T20:00:00+00:00", 6)]
    log = write_log(tmp_path, exercise, pain)
    table = associations.next_day_pain(log.exercise, log.pain)
    assert table["days"].tolist() == [1, 1]
    assert table["mean_next_day_pain"].isna().all()
    assert "too few days" in table["note"].iloc[0]
    assert "1 with a session, 1 without" in table["note"].iloc[0]


def test_next_day_uses_local_days_across_midnight(tmp_path):
    # the session is on Sunday 29 March local time; 00:00:30+01:00 is Monday locally
    exercise = full("a", "2026-03-29T21:00:00+01:00")
    pain = [score("2026-03-30T00:00:30+01:00", 7), score("2026-03-31T09:00:00+01:00", 1)]
    log = write_log(tmp_path, exercise, pain)
    table = associations.next_day_pain(log.exercise, log.pain, min_count=1)
    assert table["days"].tolist() == [1, 1]
    assert table["mean_next_day_pain"].tolist() == [7.0, 1.0]


def test_empty_log_gives_empty_results_or_notes(tmp_path):
    log = write_log(tmp_path)
    assert associations.weekly_reps_and_pain(log.exercise, log.pain).empty
    assert associations.exercise_pain_change(log.exercise, log.pain).empty
    table = associations.next_day_pain(log.exercise, log.pain)
    assert table["days"].tolist() == [0, 0]
    assert table["note"].str.startswith("too few days").all()


def test_association_note_says_association_not_cause():
    assert "Association" in associations.ASSOCIATION_NOTE
    assert "not cause" in associations.ASSOCIATION_NOTE
