"""Adherence on tiny hand-made logs: weekly sessions, reps against targets, streaks, calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from analysis_fixtures import full, plan_of, score, session, write_log

from backrelief_analysis.analysis import adherence
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.plan import EarlierTarget


def test_week_without_session_is_zero_percent_and_present(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00")
                    + full("b", "2026-03-04T08:00:00+00:00")
                    + full("c", "2026-03-16T08:00:00+00:00"))
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=3), end="2026-03-22")
    assert weeks["week"].tolist() == ["2026-W10", "2026-W11", "2026-W12"]
    assert weeks["sessions"].tolist() == [2, 0, 1]
    assert weeks["percent"].tolist() == pytest.approx([200 / 3, 0.0, 100 / 3])
    assert weeks["meets_target"].tolist() == [False, False, False]
    assert weeks["week_start"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09"),
                                            pd.Timestamp("2026-03-16")]


def test_more_sessions_than_target_is_shown_uncapped_and_meets_cut_off(tmp_path):
    rows = [row for day in (2, 3, 4, 5)
            for row in full(f"s{day}", f"2026-03-0{day}T08:00:00+00:00")]
    log = write_log(tmp_path, rows)
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=3), end="2026-03-08")
    assert weeks["sessions"].tolist() == [4]
    assert weeks["percent"].iloc[0] == pytest.approx(400 / 3)
    assert bool(weeks["meets_target"].iloc[0])


def test_cut_off_comes_from_plan_thresholds(tmp_path):
    rows = full("a", "2026-03-02T08:00:00+00:00") + full("b", "2026-03-03T08:00:00+00:00")
    log = write_log(tmp_path, rows)
    week = {"start": "2026-03-02", "end": "2026-03-08"}
    assert not adherence.weekly_adherence(log.exercise, plan_of(target=3),
                                          **week)["meets_target"].iloc[0]
    lenient = plan_of(target=3, adherence_percent=60)
    assert adherence.weekly_adherence(log.exercise, lenient, **week)["meets_target"].iloc[0]


def test_fully_skipped_session_does_not_count(tmp_path):
    skipped = session("x", "2026-03-10T08:00:00+00:00", ("tilt", "", 10, 0, "skipped"),
                      ("knee", "left", 10, 0, "skipped"))
    partial = session("y", "2026-03-11T08:00:00+00:00", ("tilt", "", 10, 0, "skipped"),
                      ("knee", "left", 10, 3, "stopped"))
    log = write_log(tmp_path, skipped + partial)
    table = adherence.sessions(log.exercise)
    assert table["counted"].tolist() == [False, True]
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=2), start="2026-03-09",
                                       end="2026-03-15")
    assert weeks["sessions"].tolist() == [1]
    assert weeks["percent"].tolist() == [50.0]


def test_period_given_adds_empty_weeks_at_both_ends(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-11T08:00:00+00:00"))
    weeks = adherence.weekly_adherence(log.exercise, plan_of(), start="2026-03-01",
                                       end="2026-03-18")
    assert weeks["week"].tolist() == ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]
    assert weeks["sessions"].tolist() == [0, 0, 1, 0]
    assert weeks["days_in_period"].tolist() == [1, 7, 7, 3]
    assert weeks["part"].tolist() == [True, False, False, True]


def test_part_weeks_get_a_pro_rata_target_and_weeks_count_at_most_100_percent(tmp_path):
    # ten daily sessions, Monday 2 March to Wednesday 11 March, against 7 a week. The old
    # figure, 10 / (7 + 7) = 71 %, scored the 3 days of W11 against a whole week. Now W10 is
    # 7 of 7, W11 (3 days in the period) 3 of 7 x 3 / 7 = 3: both 100 %, overall 10 / 10
    days = [f"2026-03-{day:02d}" for day in range(2, 12)]
    log = write_log(tmp_path, [row for day in days for row in full(day, f"{day}T08:00:00+00:00")])
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=7))
    assert weeks["target"].tolist() == [7.0, 3.0]
    assert weeks["part"].tolist() == [False, True]
    assert weeks["percent"].tolist() == [100.0, 100.0]
    assert summarise(log, plan_of(target=7)).adherence_percent == 100.0
    # against 3 a week: W10 7 of 3 (233 %, counted as 3), W11 3 of 3 x 3 / 7 = 9 / 7 (233 %,
    # counted as 9 / 7): (3 + 9 / 7) / (3 + 9 / 7) = 100 %; extra sessions are not banked
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=3))
    assert weeks["target"].tolist() == pytest.approx([3, 9 / 7])
    assert adherence.overall_percent(weeks) == pytest.approx(100.0)
    # 7 sessions in W10 and none in W11 (a full week) against 3: (3 + 0) / 6 = 50 %, not 7 / 6
    late = adherence.weekly_adherence(log.exercise, plan_of(target=3), end="2026-03-15")
    assert adherence.overall_percent(late.assign(sessions=[7, 0])) == pytest.approx(50.0)


def test_a_target_that_changes_mid_week_counts_pro_rata(tmp_path):
    # 7 a week up to Wednesday 4 March, 14 from Thursday: W10's target is
    # 3 days x 7 / 7 + 4 days x 14 / 7 = 3 + 8 = 11
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00"))
    plan = replace(plan_of(target=14), earlier_targets=(EarlierTarget(date(2026, 3, 4), 7),))
    weeks = adherence.weekly_adherence(log.exercise, plan, end="2026-03-08")
    assert weeks["target"].tolist() == [11.0]
    assert weeks["percent"].iloc[0] == pytest.approx(100 / 11)


def test_week_crossing_dst_counts_local_days(tmp_path):
    # Europe/London: +00:00 until 01:00 UTC on Sunday 2026-03-29, +01:00 after
    rows = (full("sat", "2026-03-28T23:30:00+00:00")   # Saturday local, W13
            + full("sun", "2026-03-29T23:30:00+01:00")  # Sunday local (22:30 UTC), W13
            + full("mon", "2026-03-30T00:30:00+01:00"))  # Monday local, though Sunday in UTC
    log = write_log(tmp_path, rows)
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=3))
    assert weeks["week"].tolist() == ["2026-W13", "2026-W14"]
    assert weeks["sessions"].tolist() == [2, 1]
    calendar = adherence.days_exercised(log.exercise)
    assert calendar["date"].tolist() == [pd.Timestamp("2026-03-28"), pd.Timestamp("2026-03-29"),
                                         pd.Timestamp("2026-03-30")]
    assert calendar["exercised"].tolist() == [True, True, True]


def test_plan_change_midway_counts_reps_against_target_of_the_time(tmp_path):
    before = session("a", "2026-03-02T08:00:00+00:00", ("tilt", "", 10, 10, "completed"),
                     ("knee", "left", 10, 10, "completed"), ("knee", "right", 10, 8, "stopped"))
    after = session("b", "2026-03-09T08:00:00+00:00", ("tilt", "", 15, 12, "stopped"),
                    ("knee", "left", 12, 12, "completed"), ("knee", "right", 12, 0, "skipped"))
    log = write_log(tmp_path, before + after)
    table = adherence.exercise_adherence(log.exercise, plan_of())
    assert table[["exercise", "side"]].values.tolist() == [["tilt", ""], ["knee", "left"],
                                                           ["knee", "right"]]
    assert table["name"].tolist() == ["Pelvic tilt", "Knee to chest", "Knee to chest"]
    assert table["reps_done"].tolist() == [22, 22, 8]
    assert table["reps_target"].tolist() == [25, 22, 22]
    assert table["percent"].tolist() == pytest.approx([88.0, 100.0, 800 / 22])
    assert table["completed"].tolist() == [1, 2, 0]
    assert table["stopped"].tolist() == [1, 0, 1]
    assert table["skipped"].tolist() == [0, 0, 1]


def test_blocks_not_reached_are_counted_apart_from_skipped_and_as_not_done(tmp_path):
    stopped = session("a", "2026-03-02T08:00:00+00:00", ("tilt", "", 10, 4, "stopped"),
                      ("knee", "left", 10, 0, "not_reached"),
                      ("knee", "right", 10, 0, "not_reached"))
    chosen = session("b", "2026-03-03T08:00:00+00:00", ("tilt", "", 10, 10, "completed"),
                     ("knee", "left", 10, 0, "skipped"), ("knee", "right", 10, 10, "completed"))
    table = adherence.exercise_adherence(write_log(tmp_path, stopped + chosen).exercise, plan_of())
    assert table["skipped"].tolist() == [0, 1, 0]
    assert table["not_reached"].tolist() == [0, 1, 1]
    assert table["percent"].tolist() == pytest.approx([70.0, 0.0, 50.0])


def test_weeks_before_a_target_change_keep_the_target_of_the_time(tmp_path):
    # the target was 2 a week up to Sunday 8 March, then 3: W10 has 2 sessions, W11 has 3
    days = ["2026-03-02", "2026-03-04", "2026-03-09", "2026-03-10", "2026-03-11"]
    log = write_log(tmp_path, [row for day in days for row in full(day, f"{day}T08:00:00+00:00")])
    plan = replace(plan_of(target=3), earlier_targets=(EarlierTarget(date(2026, 3, 8), 2),))
    weekly = adherence.weekly_adherence(log.exercise, plan, end="2026-03-15")
    assert weekly["target"].tolist() == [2, 3]
    assert weekly["percent"].tolist() == pytest.approx([100.0, 100.0])
    # without the history, the first week would look like 2 of 3
    assert adherence.weekly_adherence(log.exercise, plan_of(target=3))["percent"].iloc[0] == (
        pytest.approx(200 / 3))
    assert summarise(log, plan).adherence_percent == pytest.approx(100.0)


def test_streaks_current_and_longest(tmp_path):
    days = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06", "2026-03-07"]
    rows = [row for day in days for row in full(day, f"{day}T08:00:00+00:00")]
    log = write_log(tmp_path, rows)
    result = adherence.streaks(log.exercise)
    assert (result.current, result.longest) == (2, 3)
    assert result.longest_start == pd.Timestamp("2026-03-02")
    assert result.longest_end == pd.Timestamp("2026-03-04")
    assert result.as_of == pd.Timestamp("2026-03-07")
    later = adherence.streaks(log.exercise, end="2026-03-08")
    assert (later.current, later.longest) == (0, 3)
    assert "longest run: 3 days" in result.sentence()


def test_two_sessions_on_one_day_are_one_day_exercised(tmp_path):
    rows = full("a", "2026-03-02T07:00:00+00:00") + full("b", "2026-03-02T19:00:00+00:00")
    log = write_log(tmp_path, rows)
    calendar = adherence.days_exercised(log.exercise)
    assert calendar["sessions"].tolist() == [2]
    assert calendar["reps_done"].tolist() == [60]
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=3))
    assert weeks[["sessions", "days_exercised"]].values.tolist() == [[2, 1]]


def test_one_session_only(tmp_path):
    log = write_log(tmp_path, full("only", "2026-03-05T08:00:00+00:00"))
    weeks = adherence.weekly_adherence(log.exercise, plan_of(target=4))
    assert weeks["sessions"].tolist() == [1]
    # one day in the period: a target of 4 / 7, so 1 session is 175 %
    assert weeks["percent"].tolist() == [175.0]
    assert weeks["days_in_period"].tolist() == [1]
    result = adherence.streaks(log.exercise)
    assert (result.current, result.longest) == (1, 1)


def test_empty_log_gives_empty_results(tmp_path):
    log = write_log(tmp_path, [], [score("2026-03-05T08:00:00+00:00", 3)])
    assert adherence.sessions(log.exercise).empty
    assert adherence.weekly_adherence(log.exercise, plan_of()).empty
    assert adherence.exercise_adherence(log.exercise, plan_of()).empty
    assert adherence.days_exercised(log.exercise).empty
    result = adherence.streaks(log.exercise)
    assert (result.current, result.longest) == (0, 0)
    assert result.sentence() == "No sessions logged yet, so there are no streaks."


def test_missing_column_is_named(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00"))
    with pytest.raises(ValueError, match="reps_done"):
        adherence.weekly_adherence(log.exercise.drop(columns="reps_done"), plan_of())


def test_inputs_are_not_mutated(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00"))
    before = log.exercise.copy()
    adherence.weekly_adherence(log.exercise, plan_of())
    adherence.exercise_adherence(log.exercise, plan_of())
    adherence.streaks(log.exercise)
    pd.testing.assert_frame_equal(log.exercise, before)


def test_sessions_in_week_counts_sessions_with_a_rep_done():
    exercise = pd.DataFrame({
        "session_id": ["a", "a", "b", "c", "d"],
        "reps_done": [10, 0, 0, 3, 5],
        "reps_target": [10, 10, 10, 10, 10],
        # Mon 23 Nov 2026 .. Sun 29 Nov is ISO week 48; 22 Nov is the Sunday before
        "date": pd.to_datetime(["2026-11-23", "2026-11-23", "2026-11-25", "2026-11-29",
                                "2026-11-22"]),
    })  # fmt: skip
    # a counts, b did no rep, c counts, d is last week
    assert adherence.sessions_in_week(exercise, date(2026, 11, 26)) == 2
    with pytest.raises(ValueError, match="reps_done"):
        adherence.sessions_in_week(exercise.drop(columns="reps_done"), date(2026, 11, 26))
