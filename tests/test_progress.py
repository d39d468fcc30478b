"""summarise(): one bundle of every number, its text lines, and restriction to a period."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import full, plan_of, score, write_log

from backrelief_analysis.analysis import pain
from backrelief_analysis.analysis.periods import PATIENT
from backrelief_analysis.analysis.summary import restrict_log, summarise, summarise_patients
from backrelief_analysis.words.summary import summary_lines, summary_text


def small_log(tmp_path):
    """Two weeks (W10, W11) plus an empty W12 and a session on Monday of W13."""
    exercise = (full("a", "2026-03-02T08:00:00+00:00") + full("b", "2026-03-03T08:00:00+00:00")
                + full("c", "2026-03-04T08:00:00+00:00") + full("d", "2026-03-10T08:00:00+00:00")
                + full("e", "2026-03-23T08:00:00+00:00"))
    scores = [
        score("2026-03-02T07:59:00+00:00", 6, "before_session", "a"),
        score("2026-03-02T08:30:00+00:00", 7, "after_session", "a"),
        score("2026-03-03T07:00:00+00:00", 5, flare="yes"),
    ]
    return write_log(tmp_path, exercise, scores)


def test_summary_bundles_the_numbers(tmp_path):
    summary = summarise(small_log(tmp_path), plan_of(target=3))
    assert summary.start == pd.Timestamp("2026-03-02")
    assert summary.end == pd.Timestamp("2026-03-23")
    assert summary.weekly_adherence["sessions"].tolist() == [3, 1, 0, 1]
    assert summary.sessions_done == 5
    # targets 3, 3, 3 and 3 x 1 / 7 (one day of W13); sessions 3, 1, 0, 1 counted at most the
    # target: (3 + 1 + 0 + 3 / 7) / (9 + 3 / 7) = 31 / 66 = 47 %
    assert summary.adherence_percent == pytest.approx(100 * 31 / 66)
    assert summary.weeks_meeting_target == 2  # W10 3 of 3, W13 1 of 3 / 7
    assert summary.partial_weeks == ["2026-W13"]
    assert summary.session_effect.with_both == 1
    assert summary.flags["kind"].tolist() == ["pain_after", "flare"]
    assert summary.baseline.verdict == pain.NOT_ENOUGH
    assert len(summary.days_exercised) == 22


def test_summary_lines_state_numbers_in_words(tmp_path):
    lines = summary_lines(summarise(small_log(tmp_path), plan_of(target=3)))
    text = "\n".join(lines)
    assert lines[0] == ("Period: 2026-03-02 to 2026-03-23 (4 ISO weeks, 2026-W10 to 2026-W13; "
                        "only part of 2026-W13 is in the period, its target pro rata).")
    assert ("Sessions done: 5; adherence 47 % of the target (each week counted at most 100 %); "
            "2 of 4 weeks at or above 80 %.") in text
    assert "  Knee to chest (left): 50 of 50 reps (100 %)." in lines
    assert "Not enough data to compare" in text
    assert "association, not cause" in text
    assert "prompts to talk to the physiotherapist" in text


def test_restricting_to_a_period(tmp_path):
    log = small_log(tmp_path)
    summary = summarise(log, plan_of(target=3), start="2026-03-09", end="2026-03-15")
    assert summary.weekly_adherence["week"].tolist() == ["2026-W11"]
    assert summary.sessions_done == 1
    assert summary.flags.empty
    assert summary.daily_pain.empty or summary.daily_pain["scores"].sum() == 0
    cut = restrict_log(log, "2026-03-03", "2026-03-03")
    assert cut.exercise["session_id"].unique().tolist() == ["b"]
    assert cut.pain["pain"].tolist() == [5]


def test_empty_log_summary_says_so(tmp_path):
    summary = summarise(write_log(tmp_path), plan_of())
    assert summary.empty
    assert summary_lines(summary) == ["No entries in this period: nothing to summarise yet."]
    assert summary.weekly_adherence.empty
    assert summary.flags.empty


def test_summarise_does_not_mutate_the_log(tmp_path):
    log = small_log(tmp_path)
    exercise, scores = log.exercise.copy(), log.pain.copy()
    summarise(log, plan_of())
    pd.testing.assert_frame_equal(log.exercise, exercise)
    pd.testing.assert_frame_equal(log.pain, scores)


def test_summary_shares_its_frames_and_matches_each_measure_computed_alone():
    # summarise computes daily pain and session effects once and lends them to every measure;
    # each measure computed on its own from the demo log must agree
    from backrelief_analysis import paths
    from backrelief_analysis.analysis import associations, flags
    from backrelief_analysis.log.store import load_log
    from backrelief_analysis.plan import load_plan

    log, plan = load_log(paths.DEMO_DIR), load_plan()
    summary = summarise(log, plan)
    period = {"start": summary.start, "end": summary.end}
    # the pain log's flags, and the exercise flag from the exercise and signals logs alone
    from_pain = summary.flags["kind"] != flags.FlagKind.EXERCISE_PAIN
    pd.testing.assert_frame_equal(summary.flags.loc[from_pain].reset_index(drop=True),
                                  flags.all_flags(log.pain, plan.thresholds, **period))
    from backrelief_analysis.analysis.periods import keyed, one_period
    from backrelief_analysis.analysis.signals import exercise_times_by_patient

    patients = one_period(summary.start, summary.end, plan=plan)
    alone = flags.exercise_pain_by_patient(
        exercise_times_by_patient(keyed(log.exercise), keyed(log.signals), patients), patients)
    assert len(alone) == 1  # the demo's bridge, in its last four weeks
    pd.testing.assert_frame_equal(
        summary.flags.loc[~from_pain].reset_index(drop=True),
        alone.drop(columns="patient")[list(flags.FLAG_COLUMNS)].reset_index(drop=True))
    pd.testing.assert_frame_equal(
        summary.exercise_pain_change,
        associations.exercise_pain_change(log.exercise, log.pain, plan, **period))
    pd.testing.assert_frame_equal(
        summary.weekly_pain, pain.weekly_pain(log.pain, **period))
    assert summary.baseline == pain.baseline_change(log.pain, plan.thresholds, **period)
    assert not summary.flags.empty and summary.exercise_pain_change["completed_sessions"].sum()


def test_summary_carries_the_outcomes_and_a_shorter_period_keeps_their_baseline(tmp_path):
    from outcome_fixtures import OCCASIONS, write_outcomes

    write_outcomes(tmp_path, OCCASIONS)
    scores = [score(f"{day}T08:00:00+00:00", 5) for day in ("2026-08-31", "2026-11-16")]
    log = write_log(tmp_path, [], scores)
    assert len(log.outcomes) == 20  # 3 PEG and 3 PSFS occasions of 3 items, 2 ODI totals
    whole = summarise(log, plan_of())
    assert whole.outcome_changes["label"].tolist() == ["PEG", "PSFS", "ODI"]
    assert whole.psfs_activity_changes["occasions"].tolist() == [3, 3, 3]
    text = summary_text(whole)
    assert "PEG: baseline 7.0 (2026-08-31), latest 3.7 (2026-11-16)" in text
    assert "'sitting at work'" in text
    # up to 2026-10-01: PEG 7.0 -> 5.0 (-29 %, under 30 %); ODI measured once
    part = summarise(log, plan_of(), start="2026-09-10", end="2026-10-01")
    peg, odi = (part.outcome_changes.set_index("label").loc[name] for name in ("PEG", "ODI"))
    assert (peg["baseline"], peg["latest"]) == (7.0, 5.0)
    assert peg["verdict"] == "no meaningful change yet"
    assert odi["occasions"] == 1 and "a verdict needs two" in summary_text(part)


def test_summary_without_questionnaires_says_so(tmp_path):
    assert "No questionnaires yet." in summary_text(summarise(small_log(tmp_path), plan_of()))


def test_a_shorter_period_keeps_the_whole_logs_baseline(tmp_path):
    # 21 daily check-ins from Monday 2 March: 6 for a week, 3 for a week, then 4. The last two
    # weeks alone would take 3 as the baseline (3 -> 4: "worsening"); the summary keeps the
    # whole log's first 7 days: 6 -> 4, -2 points (-33 %), an improvement
    rows = [score(f"{pd.Timestamp('2026-03-02') + pd.Timedelta(days=i):%Y-%m-%d}T09:00:00+00:00",
                  6 if i < 7 else 3 if i < 14 else 4) for i in range(21)]
    log = write_log(tmp_path, [], rows)
    summary = summarise(log, plan_of(), start="2026-03-09")
    assert (summary.baseline.baseline, summary.baseline.latest) == (6, 4)
    assert summary.baseline.verdict == pain.IMPROVEMENT


def test_many_patients_at_once_give_each_patients_own_numbers(tmp_path):
    """One analysis, whoever asks: two patients with different plans in one call get the
    frames each gets alone (one patient is a batch of one)."""
    first = small_log(tmp_path / "first")
    sessions = full("x", "2026-03-05T08:00:00+00:00") + full("y", "2026-03-06T08:00:00+00:00")
    second = write_log(tmp_path / "second", sessions,
                       [score("2026-03-05T07:59:00+00:00", 3, "before_session", "x"),
                        score("2026-03-05T08:30:00+00:00", 6, "after_session", "x"),
                        score("2026-03-06T07:00:00+00:00", 6, "before_session", "y")])
    plans = {"ann": plan_of(target=3), "bob": plan_of(target=2, pain_after_max=6,
                                                      settle_margin_points=2)}
    both = summarise_patients({"ann": first, "bob": second}, plans)
    for name, log in (("ann", first), ("bob", second)):
        alone = summarise(log, plans[name])
        for frame in ("sessions", "weekly_adherence", "daily_pain", "weekly_pain",
                      "session_effects", "flags"):
            mine = getattr(both, frame)
            mine = mine.loc[mine[PATIENT] == name].drop(columns=PATIENT).reset_index(drop=True)
            expected = getattr(alone, frame)
            pd.testing.assert_frame_equal(mine[list(expected.columns)], expected,
                                          check_dtype=False, obj=f"{name}: {frame}")
        assert both.numbers.loc[name, "adherence_overall"] == pytest.approx(
            alone.adherence_percent)
    # bob's own thresholds: an after score of 6/10 is not above his 6 (ann's 5 would flag it);
    # the next morning's 6 is more than his margin of 2 above the 3 before: one flag
    assert both.flags.loc[both.flags[PATIENT] == "bob", "kind"].tolist() == ["not_settled"]
    assert both.numbers.loc["bob", "weeks"] == 1


def test_as_of_ends_the_period_and_cuts_what_comes_after(tmp_path):
    log = small_log(tmp_path)
    # the numbers run to Sunday 2026-03-15: W13's session on 2026-03-23 does not count
    cut = summarise_patients({"p": log}, {"p": plan_of(target=3)}, as_of="2026-03-15")
    assert cut.patients.loc["p", "last"] == pd.Timestamp("2026-03-15")
    assert cut.weekly_adherence["sessions"].tolist() == [3, 1]
    # W10 3 of 3, W11 1 of 3: (3 + 1) / 6
    assert cut.numbers.loc["p", "adherence_overall"] == pytest.approx(100 * 4 / 6)
    # a later as_of adds empty weeks: two more, 0 of 3 each, and W13's one session
    later = summarise_patients({"p": log}, {"p": plan_of(target=3)}, as_of="2026-04-05")
    assert later.weekly_adherence["sessions"].tolist() == [3, 1, 0, 1, 0]
    # the last 4 weeks, W11 to W14: 1 + 0 + 1 + 0 of 12
    assert later.numbers.loc["p", "adherence_recent"] == pytest.approx(100 * 2 / 12)


def test_the_recent_weeks_and_the_latest_days_are_plan_settings(tmp_path):
    log = small_log(tmp_path)
    two = plan_of(target=3, recent_weeks=2)
    summary = summarise_patients({"p": log}, {"p": two})
    # the last 2 weeks, W12 (0 of 3) and W13 (1 session, a target of 3 x 1 / 7 for one day):
    # (0 + 3 / 7) / (3 + 3 / 7) = 1 / 8
    assert summary.numbers.loc["p", "recent_from"] == pd.Timestamp("2026-03-16")
    assert summary.numbers.loc["p", "adherence_recent"] == pytest.approx(100 / 8)
    # two days with a score, the first the baseline: the latest is the second alone
    short = plan_of(target=3, baseline_days=1, latest_days=1)
    change = summarise(log, short).baseline
    assert (change.baseline, change.latest) == (6.5, 5.0)
    assert "last 1 day with a score" in change.message
