"""Flags on tiny hand-made logs: pain after, not settled, weekly rise, flare-up runs."""

from __future__ import annotations

import pandas as pd
from analysis_fixtures import score, write_log
from signal_fixtures import FIRST, signal_patient

from backrelief_analysis.analysis import flags
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.store import load_log
from backrelief_analysis.plan import Thresholds


def test_pain_after_above_the_limit_is_flagged(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T08:30:00+00:00", 6, "after_session", "s1"),
        score("2026-03-03T08:30:00+00:00", 5, "after_session", "s2"),  # at the limit: fine
        score("2026-03-04T08:30:00+00:00", 9, "check_in"),  # not after a session
    ])
    result = flags.pain_after_flags(log.pain, Thresholds())
    assert result["date"].tolist() == [pd.Timestamp("2026-03-02")]
    assert result["session_id"].tolist() == ["s1"]
    assert (result["value"].iloc[0], result["limit"].iloc[0]) == (6.0, 5.0)
    sentence = result["sentence"].iloc[0]
    assert "2026-03-02" in sentence
    assert "6/10" in sentence
    assert "physiotherapist" in sentence
    assert flags.pain_after_flags(log.pain, Thresholds(pain_after_max=6)).empty


def test_not_settled_compares_next_days_first_score_with_pain_before(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T18:00:00+00:00", 3, "before_session", "s1"),
        score("2026-03-03T07:00:00+00:00", 6, "check_in"),  # 6 > 3 + 1: flagged
        score("2026-03-03T18:00:00+00:00", 4, "before_session", "s2"),
        score("2026-03-04T07:00:00+00:00", 5, "check_in"),  # 5 = 4 + 1: within the margin
        score("2026-03-04T18:00:00+00:00", 2, "before_session", "s3"),
        score("2026-03-05T07:00:00+00:00", 3, "check_in"),  # first score is 3
        score("2026-03-05T20:00:00+00:00", 9, "check_in"),  # later the same day: ignored
    ])
    result = flags.not_settled_flags(log.pain, Thresholds())
    assert result["session_id"].tolist() == ["s1"]
    assert result["date"].tolist() == [pd.Timestamp("2026-03-02")]
    assert result["end_date"].tolist() == [pd.Timestamp("2026-03-03")]
    assert (result["value"].iloc[0], result["limit"].iloc[0]) == (6.0, 4.0)
    assert "more than 1 point above" in result["sentence"].iloc[0]
    assert "had not settled" in result["sentence"].iloc[0]
    tight = flags.not_settled_flags(log.pain, Thresholds(settle_margin_points=0))
    assert tight["session_id"].tolist() == ["s1", "s2", "s3"]  # 6 > 3, 5 > 4, 3 > 2


def test_a_sessions_own_after_score_past_midnight_is_not_the_next_morning(tmp_path):
    # Sat 23:40 before 3, after 6 at Sun 00:02 (the session's own), Sun 09:00 check-in 3:
    # the next morning is the 09:00 score, 3 <= 3 + 1, so pain settled: no flag. The after
    # score above 5 is flagged on the session's own day, Saturday.
    log = write_log(tmp_path, [], [
        score("2026-03-07T23:40:00+00:00", 3, "before_session", "s1"),
        score("2026-03-08T00:02:00+00:00", 6, "after_session", "s1"),
        score("2026-03-08T09:00:00+00:00", 3, "check_in"),
    ])
    assert flags.not_settled_flags(log.pain, Thresholds()).empty
    after = flags.pain_after_flags(log.pain, Thresholds())
    assert after["date"].tolist() == [pd.Timestamp("2026-03-07")]
    assert "session on 2026-03-07 was 6/10" in after["sentence"].iloc[0]


def test_not_settled_next_day_starts_at_local_midnight(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-29T22:00:00+01:00", 2, "before_session", "s1"),
        score("2026-03-29T23:59:30+01:00", 8, "check_in"),  # same local day
        score("2026-03-30T00:00:30+01:00", 5, "check_in"),  # next local day's first: 5 > 4
    ])
    result = flags.not_settled_flags(log.pain, Thresholds())
    assert result["value"].tolist() == [5.0]  # 5 > 2 + 1
    assert result["end_date"].tolist() == [pd.Timestamp("2026-03-30")]


def test_session_without_before_score_cannot_raise_not_settled(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T18:30:00+00:00", 3, "after_session", "s1"),
        score("2026-03-03T07:00:00+00:00", 9, "check_in"),
    ])
    assert flags.not_settled_flags(log.pain, Thresholds()).empty


def weekly_rows(means: list[int]) -> list[list[object]]:
    """One check-in each Monday of consecutive weeks from 2026-01-05."""
    start = pd.Timestamp("2026-01-05")
    return [score(f"{start + pd.Timedelta(weeks=i):%Y-%m-%d}T09:00:00+00:00", value)
            for i, value in enumerate(means)]


def weekly_scores(weeks: list[tuple[int, ...]]) -> list[list[object]]:
    """Check-ins in consecutive weeks from Monday 2026-01-05, one a day from Monday on."""
    start = pd.Timestamp("2026-01-05")
    return [score(f"{start + pd.Timedelta(weeks=i, days=d):%Y-%m-%d}T09:00:00+00:00", value)
            for i, values in enumerate(weeks) for d, value in enumerate(values)]


def test_a_jump_of_a_point_or_more_in_one_week_is_flagged(tmp_path):
    # weekly means 3, 6, 6, 5, 6: 3 -> 6 is +3 in one week (flagged); 5 -> 6 is +1 (flagged)
    log = write_log(tmp_path, [], weekly_rows([3, 6, 6, 5, 6]))
    result = flags.rising_flags(log.pain, Thresholds())
    assert result["date"].tolist() == [pd.Timestamp("2026-01-12"), pd.Timestamp("2026-02-02")]
    assert (result["value"].iloc[0], result["limit"].iloc[0]) == (6.0, 3.0)
    sentence = result["sentence"].iloc[0]
    assert "from 3.0/10 in 2026-W02 to 6.0/10 in 2026-W03 (+3.0 points in 1 week" in sentence
    assert len(flags.rising_flags(log.pain, Thresholds(rising_points=2))) == 1


def test_a_creep_of_a_seventh_of_a_point_a_week_is_not_flagged(tmp_path):
    # weekly means 3, 22/7, 23/7, 24/7, 25/7: +0.14 each week, +0.29 over any two weeks, so
    # below the 1-point rise (the old rule flagged any two rising weeks)
    weeks = [tuple([3] * 7), (4, *[3] * 6), (4, 4, *[3] * 5), (4, 4, 4, *[3] * 4),
             (4, 4, 4, 4, 3, 3, 3)]
    log = write_log(tmp_path, [], weekly_scores(weeks))
    assert flags.rising_flags(log.pain, Thresholds()).empty


def test_a_rise_over_two_rising_weeks_counts_when_the_setting_allows(tmp_path):
    # weekly means 3, 3.5 (3 and 4), 4: +0.5 and +0.5, so +1.0 over two rising weeks
    log = write_log(tmp_path, [], weekly_scores([(3,), (3, 4), (4,)]))
    result = flags.rising_flags(log.pain, Thresholds())
    assert result["date"].tolist() == [pd.Timestamp("2026-01-19")]
    assert "+1.0 points over 2 weeks running" in result["sentence"].iloc[0]
    assert flags.rising_flags(log.pain, Thresholds(rising_weeks=1)).empty


def test_flare_days_grouped_into_runs(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T09:00:00+00:00", 5, flare="yes"),
        score("2026-03-03T09:00:00+00:00", 4, flare="yes"),
        score("2026-03-04T09:00:00+00:00", 6, flare="yes"),
        score("2026-03-05T09:00:00+00:00", 3, flare="no"),
        score("2026-03-07T09:00:00+00:00", 2, flare="yes"),  # low score, still a flare
    ])
    result = flags.flare_flags(log.pain)
    assert result["date"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-07")]
    assert result["end_date"].tolist() == [pd.Timestamp("2026-03-04"), pd.Timestamp("2026-03-07")]
    assert result["value"].tolist() == [3.0, 1.0]
    assert result["sentence"].iloc[0].startswith("Flare-up marked on 3 days running")
    assert result["sentence"].iloc[1].startswith("Flare-up marked on 2026-03-07.")


def test_all_flags_sorted_by_date_each_with_a_sentence(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-05T09:00:00+00:00", 4, flare="yes"),
        score("2026-03-02T08:30:00+00:00", 7, "after_session", "s1"),
    ])
    result = flags.all_flags(log.pain, Thresholds())
    assert list(result.columns) == list(flags.FLAG_COLUMNS)
    assert result["kind"].tolist() == ["pain_after", "flare"]
    assert result["sentence"].str.contains("physiotherapist").all()
    assert set(result["kind"]) <= set(flags.FLAG_TITLES)


def test_empty_log_has_no_flags(tmp_path):
    log = write_log(tmp_path)
    result = flags.all_flags(log.pain, Thresholds())
    assert result.empty
    assert list(result.columns) == list(flags.FLAG_COLUMNS)


def test_flag_kinds_are_a_closed_set_equal_to_their_names(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-02T08:30:00+00:00", 7, "after_session", "s1"),
        score("2026-03-03T08:30:00+00:00", 4, "check_in", flare="yes"),
    ])
    result = flags.all_flags(log.pain, Thresholds())
    assert result["kind"].tolist() == ["pain_after", "flare"]
    assert [flags.FlagKind(kind) for kind in result["kind"]] == [flags.FlagKind.PAIN_AFTER,
                                                                 flags.FlagKind.FLARE]
    assert set(flags.FLAG_TITLES) == set(flags.FlagKind)


# --- the exercise-pain flag, on the hand-made log of signal_fixtures (counts in its docstring) ---


def _exercise_flags(tmp_path, **thresholds):
    folder, plan = signal_patient(tmp_path, **thresholds)
    summary = summarise(load_log(folder), plan, start=FIRST)
    return summary.flags.loc[summary.flags["kind"] == flags.FlagKind.EXERCISE_PAIN]


def test_an_exercise_that_often_hurt_is_flagged_with_its_times_and_days(tmp_path):
    flagged = _exercise_flags(tmp_path)
    # Bridge: 5 pain times (hurt s1, s3, s4; stopped for pain s2, s5) of 6 offered = 83 %
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert (row["value"], row["limit"]) == (5.0, 2.0)
    assert (row["date"], row["end_date"]) == (pd.Timestamp("2026-03-02"),
                                              pd.Timestamp("2026-03-11"))
    assert row["sentence"] == (
        "Bridge hurt or was stopped for pain 5 of 6 times (first 2026-03-02, last 2026-03-11). "
        f"{flags.PROMPT}")


def test_the_exercise_flag_is_raised_at_its_threshold_not_below(tmp_path):
    # 5 pain times: flagged at a threshold of 5, not at 6
    assert len(_exercise_flags(tmp_path / "five", exercise_pain_times=5)) == 1
    assert _exercise_flags(tmp_path / "six", exercise_pain_times=6).empty
    # 83 % of the times: flagged at 83 %, not at 90 %
    assert len(_exercise_flags(tmp_path / "p83", exercise_pain_percent=83)) == 1
    assert _exercise_flags(tmp_path / "p90", exercise_pain_percent=90).empty


def test_the_exercise_flag_is_grouped_and_sized_like_the_others(tmp_path):
    flagged = _exercise_flags(tmp_path)
    assert flagged["exercise"].tolist() == ["bridge"]
    names = {"bridge": "Bridge", "knee_to_chest": "Knee to chest"}
    groups = flags.flag_groups(flagged, names)
    assert groups["title"].tolist() == [flags.FLAG_TITLES[flags.FlagKind.EXERCISE_PAIN]]
    assert groups["worst_text"].iloc[0] == (
        "Bridge: hurt or stopped for pain up to 5 times (flagged from 2)")
    # two exercises flagged: both named, in order of their first flag, and the worst one
    second = flagged.assign(exercise="knee_to_chest", value=3.0,
                            date=flagged["date"] + pd.Timedelta(days=1))
    both = flags.flag_groups(pd.concat([flagged, second], ignore_index=True), names)
    assert both["count"].tolist() == [2]
    assert both["worst_text"].iloc[0] == (
        "Bridge and Knee to chest: hurt or stopped for pain up to 5 times (Bridge; flagged "
        "from 2)")
    # more than most_named: the first named, the rest counted
    assert flags.flag_groups(pd.concat([flagged, second], ignore_index=True), names,
                             most_named=1)["worst_text"].iloc[0].startswith("2 more: ")
    assert flags.flag_groups(flagged)["worst_text"].iloc[0].startswith("bridge: ")  # no names
    # its size in units of its threshold: 5 times over 2; any other flag is one
    assert flags.flag_sizes(flagged).tolist() == [2.5]
