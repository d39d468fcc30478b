"""Pain analysis on tiny hand-made logs: daily/weekly series, baseline verdict, trend, sessions."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import full, plan_of, score, session, write_log

from backrelief_analysis.analysis import pain
from backrelief_analysis.plan import Thresholds


def daily_scores(values: list[float | None], first: str = "2026-01-05") -> list[list[object]]:
    """One check-in a day at 09:00 from ``first``; None leaves the day without a score."""
    start = pd.Timestamp(first)
    return [score(f"{(start + pd.Timedelta(days=i)):%Y-%m-%d}T09:00:00+00:00", v)
            for i, v in enumerate(values) if v is not None]


def test_daily_series_by_context_and_mean(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T08:00:00+00:00", 6, "before_session", "s1"),
        score("2026-03-02T08:30:00+00:00", 4, "after_session", "s1"),
        score("2026-03-02T20:00:00+00:00", 5, "check_in", flare="yes"),
        score("2026-03-04T20:00:00+00:00", 2),
    ])
    daily = pain.daily_pain(log.pain)
    assert daily["date"].tolist() == [pd.Timestamp(f"2026-03-0{d}") for d in (2, 3, 4)]
    first = daily.iloc[0]
    assert (first["before_session"], first["after_session"], first["check_in"]) == (6, 4, 5)
    assert first["mean"] == 5.0
    assert daily["scores"].tolist() == [3, 0, 1]
    assert math.isnan(daily["mean"].iloc[1])
    assert daily["flare"].tolist() == [True, False, False]
    assert daily["week"].tolist() == ["2026-W10"] * 3


def test_scores_either_side_of_local_midnight_fall_on_their_local_days(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-29T23:59:30+01:00", 8),  # 22:59:30 UTC on the 29th
        score("2026-03-30T00:00:30+01:00", 2),  # 23:00:30 UTC, still the 29th in UTC
        score("2026-03-28T23:59:30+00:00", 4),  # before the clocks change
    ])
    daily = pain.daily_pain(log.pain)
    by_day = dict(zip(daily["date"], daily["mean"], strict=True))
    assert by_day == {pd.Timestamp("2026-03-28"): 4.0, pd.Timestamp("2026-03-29"): 8.0,
                      pd.Timestamp("2026-03-30"): 2.0}
    weekly = pain.weekly_pain(log.pain)
    assert weekly["week"].tolist() == ["2026-W13", "2026-W14"]
    assert weekly["mean"].tolist() == [6.0, 2.0]


def test_rolling_mean_over_seven_calendar_days(tmp_path):
    log = write_log(tmp_path, [], daily_scores([2, 4, 6, 8, None, None, None, None, 3]))
    rolling = pain.daily_pain(log.pain)["rolling_mean"].tolist()
    # a value once 3 days of the 7-day window have a score
    assert math.isnan(rolling[0])
    assert math.isnan(rolling[1])
    # day 8's window is days 2-8 (4, 6, 8); day 9's is days 3-9 (6, 8, 3)
    assert rolling[2:] == pytest.approx([4.0, 5.0, 5.0, 5.0, 5.0, 6.0, 17 / 3])


def test_weekly_mean_and_median_of_daily_means_with_empty_week(tmp_path):
    values = [2, None, 4, None, 9, None, None] + [None] * 7 + [3]
    extra = [score("2026-01-05T20:00:00+00:00", 4)]  # Monday: mean of 2 and 4 = 3
    log = write_log(tmp_path, [], daily_scores(values) + extra)
    weekly = pain.weekly_pain(log.pain)
    assert weekly["week"].tolist() == ["2026-W02", "2026-W03", "2026-W04"]
    assert weekly["days_with_score"].tolist() == [3, 0, 1]
    assert weekly["mean"].iloc[0] == pytest.approx((3 + 4 + 9) / 3)
    assert weekly["median"].iloc[0] == 4.0
    assert math.isnan(weekly["mean"].iloc[1])
    assert weekly["mean"].iloc[2] == 3.0


def two_windows(base: tuple[int, ...], late: tuple[int, ...]) -> list[list[object]]:
    """7 days scored ``base`` (each value one score that day), a day without, 7 days ``late``."""
    rows = []
    for index in range(15):
        values = base if index < 7 else () if index == 7 else late
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=index)
        rows += [score(f"{day:%Y-%m-%d}T{9 + hour:02d}:00:00+00:00", value)
                 for hour, value in enumerate(values)]
    return rows


@pytest.mark.parametrize(
    ("base", "late", "baseline", "latest", "verdict", "rules"),
    [
        ((6,), (4,), 6, 4, pain.IMPROVEMENT, ("2 points", "30 %")),  # -2 points, -33 %
        ((3,), (2,), 3, 2, pain.IMPROVEMENT, ("30 %",)),  # -1 point but -33 %: low baseline
        ((8,), (6, 7), 8, 6.5, pain.NO_CLEAR_CHANGE, ()),  # -1.5 points, -19 %
        ((3,), (5,), 3, 5, pain.WORSENING, ("2 points", "30 %")),  # +2 points, +67 %
        ((9,), (7,), 9, 7, pain.IMPROVEMENT, ("2 points",)),  # -2 points but only -22 %
        ((2, 8), (5,), 5, 5, pain.NO_CLEAR_CHANGE, ()),  # baseline = mean of daily means
        # 1.0 -> 1.4 (each latest day 1, 1, 2, 2, 1: mean 7 / 5): +40 % but under 1 point
        ((1,), (1, 1, 2, 2, 1), 1, 1.4, pain.NO_CLEAR_CHANGE, ()),
        ((2,), (1,), 2, 1, pain.IMPROVEMENT, ("30 %",)),  # -1 point, -50 %: exactly 1 is enough
    ],
)
def test_baseline_verdict_names_the_rule_met(tmp_path, base, late, baseline, latest, verdict,
                                             rules):
    log = write_log(tmp_path, [], two_windows(base, late))
    change = pain.baseline_change(log.pain, Thresholds())
    assert change.baseline == pytest.approx(baseline)
    assert change.latest == pytest.approx(latest)
    assert change.change_points == pytest.approx(latest - baseline)
    assert change.change_percent == pytest.approx(100 * (latest - baseline) / baseline)
    assert change.verdict == verdict
    assert change.rules_met == rules
    assert f"Baseline {baseline:.1f}/10" in change.message
    assert verdict in change.message
    assert change.baseline_first == pd.Timestamp("2026-01-05")
    assert change.baseline_last == pd.Timestamp("2026-01-11")
    assert change.latest_first == pd.Timestamp("2026-01-13")
    assert change.latest_last == pd.Timestamp("2026-01-19")


def test_a_shown_change_agrees_with_its_verdict(tmp_path):
    # baseline 4, 4, 4, 4, 4, 4, 3: 27 / 7 = 3.857; latest 3, 3, 3, 3, 3, 2, 2: 19 / 7 = 2.714;
    # change -8 / 7 = -1.143 points, -8 / 27 = -29.63 %: "-30 %" would contradict "30 % rule
    # not met", so one more decimal is shown
    log = write_log(tmp_path, [], daily_scores([4] * 6 + [3, None] + [3] * 5 + [2] * 2))
    change = pain.baseline_change(log.pain, Thresholds())
    assert change.verdict == pain.NO_CLEAR_CHANGE
    assert change.percent_text == "-29.6 %"
    # the points are worked out from the means as shown: 2.7 - 3.9 = -1.2
    assert ("Baseline 3.9/10 (first 7 days" in change.message
            and "latest 2.7/10 (last 7 days" in change.message)
    assert "Change -1.2 points (-29.6 %): no clear change (neither" in change.message
    # baseline 6 (7 days); latest six days of 4 and one day of 4, 4, 5 (mean 13 / 3):
    # (24 + 13 / 3) / 7 = 4.048, change -41 / 21 = -1.952 points (-32.5 %): "-2.0 points"
    # would contradict "2-point rule not met"
    rows = [*daily_scores([6] * 7 + [None] + [4] * 7),
            score("2026-01-19T10:00:00+00:00", 4), score("2026-01-19T11:00:00+00:00", 5)]
    change = pain.baseline_change(write_log(tmp_path / "b", [], rows).pain, Thresholds())
    assert change.rules_met == ("30 %",)
    assert "Change -1.95 points (-33 %): clinically meaningful improvement (30 % rule met)" \
        in change.message


def test_baseline_comes_from_the_whole_log_whatever_the_period(tmp_path):
    # days 1-7 score 6, days 8-14 score 3, days 15-21 score 4 (2026-01-05 to 2026-01-25).
    # Shown from day 8, the old definition took the baseline inside the period (3 -> 4: +1,
    # +33 %, "worsening"); the baseline stays the whole log's first 7 days: 6 -> 4, -2 points
    log = write_log(tmp_path, [], daily_scores([6] * 7 + [3] * 7 + [4] * 7))
    change = pain.baseline_change(log.pain, Thresholds(), start="2026-01-12")
    assert (change.baseline, change.latest) == (6, 4)
    assert change.baseline_last == pd.Timestamp("2026-01-11")
    assert change.verdict == pain.IMPROVEMENT
    assert "first 7 days with a score in the whole log" in change.message
    # a new episode from day 8: baseline 3, latest 4, +1 point and +33 %
    episode = pain.baseline_change(log.pain, Thresholds(baseline_from=date(2026, 1, 12)),
                                   start="2026-01-12")
    assert (episode.baseline, episode.latest) == (3, 4)
    assert episode.verdict == pain.WORSENING
    assert "first 7 days with a score from 2026-01-12" in episode.message
    # a period that ends inside the baseline has no separate latest week
    assert pain.baseline_change(log.pain, Thresholds(), end="2026-01-15").verdict == \
        pain.NOT_ENOUGH


def test_baseline_rules_come_from_thresholds(tmp_path):
    log = write_log(tmp_path, [], daily_scores([8] * 7 + [7] * 7))
    default = pain.baseline_change(log.pain, Thresholds())
    assert default.verdict == pain.NO_CLEAR_CHANGE
    lenient = pain.baseline_change(log.pain, Thresholds(pain_change_points=1))
    assert lenient.verdict == pain.IMPROVEMENT
    assert lenient.rules_met == ("1 point",)
    shorter = pain.baseline_change(log.pain, Thresholds(baseline_days=3))
    assert shorter.baseline_days == 3
    assert shorter.baseline_last == pd.Timestamp("2026-01-07")


def test_baseline_with_too_few_days_says_so(tmp_path):
    log = write_log(tmp_path, [], daily_scores([5] * 13))
    change = pain.baseline_change(log.pain, Thresholds())
    assert change.verdict == pain.NOT_ENOUGH
    assert not change.enough_data
    # 13 days: 7 for the baseline, 6 after it, one short of the latest week
    assert "needs 14" in change.message
    assert "found 7 for the baseline and 6 days after it" in change.message


def test_trend_recovers_a_straight_line(tmp_path):
    # daily mean falls 1 point every 5 days: -1.4 points per week, over 5 whole weeks
    values = [8 - i // 5 for i in range(35)]
    log = write_log(tmp_path, [], daily_scores(values))
    trend = pain.pain_trend(log.pain)
    assert trend.available
    assert trend.points == 5  # fitted on the 5 weekly means
    assert trend.low <= trend.slope_per_week <= trend.high
    assert -1.6 < trend.slope_per_week < -1.2
    assert trend.high < 0
    assert "falling" in trend.message


@pytest.mark.parametrize(("days", "basis"), [(1400, "weekly means"), (14_000, "2-week means")])
def test_trend_over_years_fits_whole_week_bins(tmp_path, days, basis):
    # one point down every 100 days (-0.07 per week), in whole-week steps, for years of
    # check-ins; Theil-Sen on a staircase lands a little under the line's slope
    values = [9 - (i // 7 * 7) // 100 for i in range(days)]
    values = [v % 10 for v in values]  # stay within 0-10 over decades: a saw-tooth
    log = write_log(tmp_path, [], daily_scores(values))
    trend = pain.pain_trend(log.pain)
    assert trend.basis == basis
    assert trend.points <= pain.TREND_MAX_POINTS
    if days == 1400:
        assert -0.08 < trend.slope_per_week < -0.04
        assert trend.high < 0


def test_trend_with_too_few_days_says_so(tmp_path):
    log = write_log(tmp_path, [], daily_scores([5, 4, 3]))
    trend = pain.pain_trend(log.pain)
    assert not trend.available
    assert "Too few scores for a trend: 3 days with a pain score in 1 week" in trend.message


def test_trend_interval_allows_for_day_to_day_correlation(tmp_path):
    # Six weeks from Monday 2026-01-05 whose days repeat one weekly pattern (5, 5, 5, 6, 6, 6,
    # 6: a bad spell of four days each week) on a fall of 1 point a week. Week k's mean is
    # 39 / 7 - k = 5.571 - k, at day 7k + 3 (its scored days' mean day): six points on one line,
    # so Theil-Sen on weekly means gives exactly -1 per week with a zero-width interval.
    # A fit on 42 daily points would treat the correlated days as independent evidence.
    pattern = [5, 5, 5, 6, 6, 6, 6]
    values = [v - week for week in range(6) for v in pattern]
    log = write_log(tmp_path, [], daily_scores(values))
    trend = pain.pain_trend(log.pain)
    assert trend.points == 6
    assert trend.basis == "weekly means"
    assert trend.slope_per_week == pytest.approx(-1)
    assert (trend.low, trend.high) == (pytest.approx(-1), pytest.approx(-1))
    assert "Theil-Sen fit on 6 weekly means" in trend.message


def test_session_effects_and_too_few_sessions_for_an_interval(tmp_path):
    exercise = (full("s1", "2026-03-02T08:00:00+00:00") + full("s2", "2026-03-03T08:00:00+00:00")
                + full("s3", "2026-03-04T08:00:00+00:00") + full("s4", "2026-03-05T08:00:00+00:00"))
    log = write_log(tmp_path, exercise, [
        score("2026-03-02T07:59:00+00:00", 6, "before_session", "s1"),
        score("2026-03-02T08:30:00+00:00", 4, "after_session", "s1"),
        score("2026-03-03T07:59:00+00:00", 5, "before_session", "s2"),
        score("2026-03-03T08:30:00+00:00", 5, "after_session", "s2"),
        score("2026-03-04T07:59:00+00:00", 7, "before_session", "s3"),  # no after score
    ])
    effects = pain.session_effects(log.pain, log.exercise)
    assert effects["session_id"].tolist() == ["s1", "s2", "s3", "s4"]
    assert effects["change"].tolist()[:2] == [-2.0, 0.0]
    assert effects["complete"].tolist() == [True, True, False, False]
    assert effects["before"].iloc[2] == 7
    summary = pain.session_effect_summary(effects)
    assert (summary.sessions, summary.with_both, summary.left_out) == (4, 2, 2)
    # two sessions, -2 and 0: mean -1; a t interval would be -13.7 to +11.7 on a 0-10 scale,
    # so none is given below 5 sessions
    assert summary.mean_change == -1.0
    assert math.isnan(summary.ci_low) and math.isnan(summary.ci_high)
    assert "-1.00 points on average over 2 sessions; no interval below 5 sessions" in \
        summary.message
    assert "2 sessions without both" in summary.message


def _five_sessions(tmp_path, changes, extra_exercise=(), extra_pain=()):
    exercise, scores = list(extra_exercise), list(extra_pain)
    for day, change in enumerate(changes, start=2):
        sid = f"s{day}"
        exercise += full(sid, f"2026-03-0{day}T08:00:00+00:00")
        scores += [score(f"2026-03-0{day}T07:59:00+00:00", 5 + (change < 0) * 5,
                         "before_session", sid),
                   score(f"2026-03-0{day}T08:30:00+00:00", 5 + (change < 0) * 5 + change,
                         "after_session", sid)]
    return write_log(tmp_path, exercise, scores)


def test_session_interval_from_five_sessions_is_clipped_to_the_scale(tmp_path):
    # changes -10, +5, -10, +5, 0: mean -2; sd = sqrt((64 + 49 + 64 + 49 + 4) / 4) = 7.583,
    # se = 7.583 / sqrt(5) = 3.391, t(0.975, 4) = 2.7764, half width 9.416:
    # -11.42 to +7.42, and -11.42 is below the worst possible fall, so it becomes -10
    log = _five_sessions(tmp_path, [-10, 5, -10, 5, 0])
    summary = pain.session_effect_summary(pain.session_effects(log.pain, log.exercise))
    assert summary.mean_change == pytest.approx(-2.0)
    assert summary.ci_low == -10
    assert summary.ci_high == pytest.approx(-2 + 9.416, abs=1e-3)
    assert "(95 % CI -10.00 to +7.42) over 5 sessions" in summary.message


def test_identical_session_changes_get_no_interval(tmp_path):
    # five sessions, each -1: sd 0, so a t interval would have zero width
    log = _five_sessions(tmp_path, [-1] * 5)
    summary = pain.session_effect_summary(pain.session_effects(log.pain, log.exercise))
    assert math.isnan(summary.ci_low)
    assert summary.message == ("Pain after minus before a session: -1 point in all 5 sessions "
                               "with both scores, so no interval.")


def test_a_session_whose_blocks_were_all_skipped_is_not_a_session(tmp_path):
    # s9 has scores (before 8, after 2) but did no rep: left out, so the mean stays -1
    skipped = session("s9", "2026-03-09T08:00:00+00:00", ("tilt", "", 10, 0, "skipped"),
                      ("knee", "left", 10, 0, "skipped"), ("knee", "right", 10, 0, "skipped"))
    log = _five_sessions(tmp_path, [-1] * 5, skipped, [
        score("2026-03-09T07:59:00+00:00", 8, "before_session", "s9"),
        score("2026-03-09T08:30:00+00:00", 2, "after_session", "s9")])
    effects = pain.session_effects(log.pain, log.exercise)
    assert "s9" not in effects["session_id"].tolist()
    assert pain.session_effect_summary(effects).mean_change == -1


def test_the_last_score_of_each_context_counts(tmp_path):
    # before 7 at 07:58, corrected to 5 at 07:59; after 6 then 4: change 4 - 5 = -1
    log = write_log(tmp_path, full("s1", "2026-03-02T08:00:00+00:00"), [
        score("2026-03-02T07:58:00+00:00", 7, "before_session", "s1"),
        score("2026-03-02T07:59:00+00:00", 5, "before_session", "s1"),
        score("2026-03-02T08:30:00+00:00", 6, "after_session", "s1"),
        score("2026-03-02T08:31:00+00:00", 4, "after_session", "s1"),
    ])
    scores = pain.session_scores(log.pain)
    assert (scores.loc["s1", "before"], scores.loc["s1", "after"]) == (5, 4)
    assert pain.session_effects(log.pain, log.exercise)["change"].tolist() == [-1.0]


def test_session_effect_with_only_an_after_score(tmp_path):
    log = write_log(tmp_path, full("s1", "2026-03-02T08:00:00+00:00"),
                    [score("2026-03-02T08:30:00+00:00", 3, "after_session", "s1")])
    effects = pain.session_effects(log.pain, log.exercise)
    assert effects["after"].tolist() == [3.0]
    assert np.isnan(effects["change"].iloc[0])
    summary = pain.session_effect_summary(effects)
    assert summary.with_both == 0
    assert summary.left_out == 1
    assert summary.message.startswith("No session has both")


def test_one_session_only(tmp_path):
    log = write_log(tmp_path, full("s1", "2026-03-02T08:00:00+00:00"), [
        score("2026-03-02T07:59:00+00:00", 6, "before_session", "s1"),
        score("2026-03-02T08:30:00+00:00", 5, "after_session", "s1"),
    ])
    summary = pain.session_effect_summary(pain.session_effects(log.pain, log.exercise))
    assert summary.mean_change == -1.0
    assert math.isnan(summary.ci_low)
    assert summary.message == ("Pain after minus before a session: -1 point in the one session "
                               "with both scores, so no interval.")
    assert pain.baseline_change(log.pain, plan_of().thresholds).verdict == pain.NOT_ENOUGH


def test_empty_log_gives_empty_results_and_messages(tmp_path):
    log = write_log(tmp_path)
    assert pain.daily_pain(log.pain).empty
    assert pain.weekly_pain(log.pain).empty
    assert pain.session_effects(log.pain, log.exercise).empty
    assert pain.baseline_change(log.pain, Thresholds()).verdict == pain.NOT_ENOUGH
    assert not pain.pain_trend(log.pain).available
    summary = pain.session_effect_summary(pain.session_effects(log.pain, log.exercise))
    assert summary.sessions == 0
    assert "No session" in summary.message


def test_missing_column_is_named(tmp_path):
    log = write_log(tmp_path, [], daily_scores([3]))
    with pytest.raises(ValueError, match="context"):
        pain.daily_pain(log.pain.drop(columns="context"))


def test_inputs_are_not_mutated(tmp_path):
    log = write_log(tmp_path, full("s1", "2026-03-02T08:00:00+00:00"), daily_scores([3] * 15))
    before = log.pain.copy()
    pain.daily_pain(log.pain)
    pain.weekly_pain(log.pain)
    pain.baseline_change(log.pain, Thresholds())
    pain.session_effects(log.pain, log.exercise)
    pd.testing.assert_frame_equal(log.pain, before)


def test_shown_baseline_latest_and_change_add_up() -> None:
    # the demo's 5.857 → 3.143 read "5.9 → 3.1, change -2.7": 3.1 - 5.9 is -2.8
    assert pain.adding_up(5.857, 3.143, (2.0, 1.0)) == ("5.9", "3.1", "-2.8")


def test_adding_up_takes_a_decimal_more_rather_than_cross_a_limit() -> None:
    # a true -1.98 (2-point rule not met) must not read "6.0 → 4.0, change -2.0"
    before, after, change = pain.adding_up(5.96, 3.98, (2.0, 1.0))
    assert (before, after, change) == ("5.96", "3.98", "-1.98")
    assert round(float(after) - float(before), 2) == float(change)


def test_the_plan_sets_how_many_days_a_trend_needs(tmp_path):
    # 8 days with a score, two a week over 4 weeks: under the default 10 days, no trend;
    # a plan that asks for 8 days in 4 weeks gets one
    days = ["2026-03-02", "2026-03-05", "2026-03-09", "2026-03-12", "2026-03-16",
            "2026-03-19", "2026-03-23", "2026-03-26"]
    log = write_log(tmp_path, [], [score(f"{day}T09:00:00+00:00", 6 - i // 2, "check_in")
                                   for i, day in enumerate(days)])
    assert not pain.pain_trend(log.pain).available
    eight = Thresholds(trend_min_days=8, trend_min_weeks=4)
    trend = pain.pain_trend(log.pain, thresholds=eight)
    assert trend.available and trend.slope_per_week < 0  # pain fell from 6 to 3
