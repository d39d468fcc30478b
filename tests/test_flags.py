"""Flags on tiny hand-made logs: pain after, not settled, weekly rise, flare-up runs."""

from __future__ import annotations

import pandas as pd
from analysis_fixtures import score, write_log

from backrelief_analysis import flags
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
        score("2026-03-03T07:00:00+00:00", 6, "check_in"),  # 6 > 3 + 2: flagged
        score("2026-03-03T18:00:00+00:00", 4, "before_session", "s2"),
        score("2026-03-04T07:00:00+00:00", 6, "check_in"),  # 6 = 4 + 2: not more
        score("2026-03-04T18:00:00+00:00", 2, "before_session", "s3"),
        score("2026-03-05T07:00:00+00:00", 3, "check_in"),  # first score is 3
        score("2026-03-05T20:00:00+00:00", 9, "check_in"),  # later the same day: ignored
    ])
    result = flags.not_settled_flags(log.pain, Thresholds())
    assert result["session_id"].tolist() == ["s1"]
    assert result["date"].tolist() == [pd.Timestamp("2026-03-02")]
    assert result["end_date"].tolist() == [pd.Timestamp("2026-03-03")]
    assert (result["value"].iloc[0], result["limit"].iloc[0]) == (6.0, 5.0)
    assert "had not settled" in result["sentence"].iloc[0]
    tight = flags.not_settled_flags(log.pain, Thresholds(settle_margin_points=1))
    assert tight["session_id"].tolist() == ["s1", "s2"]


def test_not_settled_next_day_starts_at_local_midnight(tmp_path):
    log = write_log(tmp_path, [], [
        score("2026-03-29T22:00:00+01:00", 2, "before_session", "s1"),
        score("2026-03-29T23:59:30+01:00", 8, "check_in"),  # same local day
        score("2026-03-30T00:00:30+01:00", 5, "check_in"),  # next local day's first: 5 > 4
    ])
    result = flags.not_settled_flags(log.pain, Thresholds())
    assert result["value"].tolist() == [5.0]
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


def test_weekly_mean_rising_two_weeks_running(tmp_path):
    log = write_log(tmp_path, [], weekly_rows([3, 4, 5, 2, 3, 2]))
    result = flags.rising_flags(log.pain, Thresholds())
    assert len(result) == 1
    assert result["date"].tolist() == [pd.Timestamp("2026-01-19")]  # Monday of the third week
    assert (result["value"].iloc[0], result["limit"].iloc[0]) == (5.0, 3.0)
    assert "2 weeks running" in result["sentence"].iloc[0]
    assert "2026-W02" in result["sentence"].iloc[0]
    assert "2026-W04" in result["sentence"].iloc[0]
    assert flags.rising_flags(log.pain, Thresholds(rising_weeks=3)).empty
    assert len(flags.rising_flags(log.pain, Thresholds(rising_weeks=1))) == 2


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
