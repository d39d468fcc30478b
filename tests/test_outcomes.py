"""Outcome measures: hand-computed scores, baselines, changes and verdicts per measure."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from outcome_fixtures import OCCASIONS, load_outcomes, write_outcomes

from backrelief_analysis.analysis import outcomes
from backrelief_analysis.log.store import LogError, load_log
from backrelief_analysis.plan import Thresholds
from backrelief_analysis.words import outcomes as words_outcomes

TH = Thresholds()


@pytest.fixture
def demo_outcomes(tmp_path) -> pd.DataFrame:
    return load_outcomes(tmp_path, OCCASIONS)


def _row(changes: pd.DataFrame, label: str) -> pd.Series:
    return changes.set_index("label").loc[label]


def test_peg_score_is_the_mean_of_its_three_items(demo_outcomes):
    scores = outcomes.occasion_scores(demo_outcomes)
    peg = scores.loc[scores["measure"] == "peg", "score"].tolist()
    # (7 + 6 + 8) / 3, (5 + 4 + 6) / 3, (4 + 3 + 4) / 3
    assert peg == pytest.approx([7.0, 5.0, 11 / 3])


def test_peg_fall_of_30_percent_is_a_meaningful_improvement_and_says_it_is_the_general_rule(
        demo_outcomes):
    peg = _row(outcomes.outcome_changes(demo_outcomes, TH), "PEG")
    assert peg["baseline"] == pytest.approx(7.0)
    assert peg["latest"] == pytest.approx(11 / 3)
    assert peg["change"] == pytest.approx(11 / 3 - 7)
    assert peg["change_percent"] == pytest.approx((11 / 3 - 7) / 7 * 100)  # -47.6 %
    assert peg["verdict"] == outcomes.IMPROVED
    assert "30 % fall" in peg["rule"] and "Krebs" in peg["rule"]
    assert "general pain rule" in peg["rule"]


def test_psfs_mean_and_each_activity_against_their_own_thresholds(demo_outcomes):
    changes = outcomes.outcome_changes(demo_outcomes, TH)
    psfs = _row(changes, "PSFS")
    # baseline (3 + 4 + 2) / 3 = 3.0; latest (5 + 5 + 5) / 3 = 5.0: +2.0 meets 2 points
    assert (psfs["baseline"], psfs["latest"], psfs["change"]) == pytest.approx((3.0, 5.0, 2.0))
    assert psfs["verdict"] == outcomes.IMPROVED
    assert "2 points" in psfs["rule"]
    activities = outcomes.psfs_activity_changes(demo_outcomes, TH)
    assert activities["label"].tolist() == ["lifting my son", "gardening", "sitting at work"]
    # lifting 3 -> 5 (+2, under 3 points); gardening 4 -> 5 (+1); sitting 2 -> 5 (+3)
    assert activities["change"].tolist() == pytest.approx([2.0, 1.0, 3.0])
    assert activities["verdict"].tolist() == [outcomes.NO_CHANGE_YET, outcomes.NO_CHANGE_YET,
                                              outcomes.IMPROVED]
    assert all("3 points for one activity" in text for text in activities["rule"])


def test_odi_fall_of_8_points_is_no_meaningful_change_yet(demo_outcomes):
    odi = _row(outcomes.outcome_changes(demo_outcomes, TH), "ODI")
    assert (odi["baseline"], odi["latest"], odi["change"]) == pytest.approx((34, 26, -8))
    assert odi["verdict"] == outcomes.NO_CHANGE_YET
    assert "10 points" in odi["rule"]


def test_rmdq_rise_of_5_points_is_a_meaningful_worsening(tmp_path):
    frame = load_outcomes(tmp_path, [("2026-09-01T09:00:00+01:00", "rmdq", [("total", 8)]),
                                     ("2026-09-29T09:00:00+01:00", "rmdq", [("total", 13)])])
    rmdq = _row(outcomes.outcome_changes(frame, TH), "RMDQ")
    assert rmdq["change"] == 5
    assert rmdq["verdict"] == outcomes.WORSENED
    assert "5 points" in rmdq["rule"]


def test_a_threshold_from_the_plan_is_used(demo_outcomes):
    odi = _row(outcomes.outcome_changes(demo_outcomes, Thresholds(odi_change_points=8)), "ODI")
    assert odi["verdict"] == outcomes.IMPROVED
    assert "8 points" in odi["rule"]


def test_one_occasion_gives_no_verdict_and_says_so(tmp_path):
    frame = load_outcomes(tmp_path, OCCASIONS[:1])
    changes = outcomes.outcome_changes(frame, TH)
    assert changes["label"].tolist() == ["PEG"]
    peg = changes.iloc[0]
    assert peg["occasions"] == 1 and not peg["meaningful"] and math.isnan(peg["change"])
    line = words_outcomes.outcome_lines(changes)[0]
    assert "a verdict needs two" in line
    assert "improvement" not in line and "worsening" not in line


def test_no_questionnaires_says_so(tmp_path):
    frame = load_outcomes(tmp_path, [])
    changes = outcomes.outcome_changes(frame, TH)
    assert changes.empty
    assert words_outcomes.outcome_lines(changes) == ["No questionnaires yet."]


def test_lines_name_baseline_latest_change_verdict_and_threshold(demo_outcomes):
    lines = words_outcomes.outcome_lines(outcomes.outcome_changes(demo_outcomes, TH),
                                   outcomes.psfs_activity_changes(demo_outcomes, TH))
    odi = next(line for line in lines if line.startswith("ODI"))
    # the ODI's rule is in points: no percentage beside it (-8 / 34 would be -24 %)
    assert odi == ("ODI: baseline 34 (2026-08-31), latest 26 (2026-11-16), change -8.0 "
                   "over 2 occasions: no meaningful change yet (threshold: 10 points "
                   "(Ostelo 2008)).")
    assert any("'gardening'" in line for line in lines)
    assert not any("not working" in line for line in lines)


def test_lines_without_activity_names_number_the_activities(demo_outcomes):
    lines = words_outcomes.outcome_lines(outcomes.outcome_changes(demo_outcomes, TH),
                                   outcomes.psfs_activity_changes(demo_outcomes, TH),
                                   day=lambda _day: "day N", activity_names=False)
    text = "\n".join(lines)
    assert "gardening" not in text and "lifting" not in text and "sitting" not in text
    assert "PSFS activity 3" in text
    assert "2026" not in text


def test_unknown_measure_rule_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown outcome measure 'sf36'"):
        outcomes.rule("sf36", TH)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="score"):
        outcomes.occasion_scores(pd.DataFrame({"set_id": [], "measure": []}))


def test_an_incomplete_peg_set_in_the_file_is_refused_by_its_line(tmp_path):
    write_outcomes(tmp_path, OCCASIONS[:2])
    with (tmp_path / "outcomes_log.csv").open("a", encoding="utf-8") as file:
        # a PEG occasion typed in by hand without its activity rating: lines 8 and 9
        # (after the header, 3 PEG rows and 3 PSFS rows)
        file.write("2026-09-14T09:00:00+01:00,hand,peg,pain,5,\n"
                   "2026-09-14T09:00:00+01:00,hand,peg,enjoyment,4,\n")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert "line 8" in str(error.value) and "set 'hand'" in str(error.value)


def test_the_demo_questionnaires_match_the_hand_computation():
    from outcome_fixtures import DEMO_LINES

    from backrelief_analysis import paths
    answers = load_log(paths.DEMO_DIR).outcomes
    changes = outcomes.outcome_changes(answers, TH)
    assert changes["change"].tolist() == pytest.approx([3 - 17 / 3, 2.0, -13.0])
    activities = outcomes.psfs_activity_changes(answers, TH)
    assert activities["change"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    text = "\n".join(words_outcomes.outcome_lines(changes, activities))
    for line in DEMO_LINES:
        assert line in text, line


def test_verdicts_are_typed_and_still_read_as_todays_words(demo_outcomes):
    changes = outcomes.outcome_changes(demo_outcomes, TH)
    assert all(isinstance(verdict, outcomes.Verdict) for verdict in changes["verdict"])
    assert _row(changes, "PEG")["verdict"] is outcomes.Verdict.IMPROVED
    assert _row(changes, "PEG")["verdict"] == "meaningful improvement"


def test_two_patients_in_one_frame_get_what_each_gets_alone(tmp_path):
    ann = load_outcomes(tmp_path / "ann", OCCASIONS)
    # bob's sets are named set-1, set-2 ... as ann's are: the patient key keeps them apart
    bob = load_outcomes(tmp_path / "bob", [
        ("2026-09-02T09:00:00+01:00", "odi", [("total", 40)]),
        ("2026-09-02T09:01:00+01:00", "psfs", [("gardening", 6), ("cycling", 2)]),
        ("2026-09-30T09:00:00+01:00", "odi", [("total", 31)]),
        ("2026-09-30T09:01:00+01:00", "psfs", [("gardening", 2), ("cycling", 6)]),
    ])
    plans = {"ann": TH, "bob": Thresholds(odi_change_points=8)}
    both = pd.concat([bob.assign(patient="bob"), ann.assign(patient="ann")], ignore_index=True)
    keyed = {
        outcomes.occasion_scores: outcomes.occasion_scores_by_patient(both),
        outcomes.outcome_changes: outcomes.outcome_changes_by_patient(both, plans),
        outcomes.psfs_activity_changes: outcomes.psfs_activity_changes_by_patient(both, plans),
    }
    for name, frame in (("ann", ann), ("bob", bob)):
        for alone, batch in keyed.items():
            expected = (alone(frame) if alone is outcomes.occasion_scores
                        else alone(frame, plans[name]))
            mine = batch.loc[batch["patient"] == name].drop(columns="patient")
            pd.testing.assert_frame_equal(mine.reset_index(drop=True), expected)
    bob_odi = keyed[outcomes.outcome_changes].set_index(["patient", "label"]).loc[("bob", "ODI")]
    assert bob_odi["verdict"] is outcomes.Verdict.IMPROVED  # -9 meets bob's 8 points


def test_the_occasions_a_verdict_needs_come_from_the_plan(demo_outcomes):
    three = Thresholds(min_occasions=3)
    changes = outcomes.outcome_changes(demo_outcomes, three)
    odi, peg = _row(changes, "ODI"), _row(changes, "PEG")
    assert odi["occasions"] == 2 and odi["verdict"] is outcomes.Verdict.TOO_FEW
    assert not odi["meaningful"] and odi["change"] == -8  # the change is still shown
    assert peg["occasions"] == 3 and peg["verdict"] is outcomes.Verdict.IMPROVED
    lines = words_outcomes.outcome_lines(changes, thresholds=three)
    odi_line = next(line for line in lines if line.startswith("ODI"))
    assert "over 2 occasions: two occasions so far: a verdict needs three" in odi_line
    cell = words_outcomes.caseload_outcome_text(changes.itertuples(index=False), three)
    assert cell.endswith("ODI 34 → 26 (two occasions so far: a verdict needs three)")


def _line(changes: pd.DataFrame, label: str, **options) -> str:
    lines = words_outcomes.outcome_lines(changes, **options)
    return next(line for line in lines if line.startswith(f"{label}:"))


def test_psfs_mean_is_judged_over_the_activities_rated_both_times_and_names_the_others(
        tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "psfs", [("lifting", 3), ("gardening", 3), ("running", 3)]),
        ("2026-09-29T09:00:00+01:00", "psfs", [("lifting", 4), ("gardening", 4), ("reading", 10)]),
    ])
    psfs = _row(outcomes.outcome_changes(frame, TH), "PSFS")
    # all activities: (3 + 3 + 3) / 3 = 3.0 -> (4 + 4 + 10) / 3 = 6.0, +3.0 (was "improvement");
    # rated both times, lifting and gardening: (3 + 3) / 2 = 3.0 -> (4 + 4) / 2 = 4.0, +1.0 < 2
    assert (psfs["baseline"], psfs["latest"], psfs["change"]) == pytest.approx((3.0, 4.0, 1.0))
    assert psfs["verdict"] is outcomes.Verdict.NO_CHANGE_YET
    assert psfs["dropped"] == ("running",) and psfs["added"] == ("reading",)
    line = _line(outcomes.outcome_changes(frame, TH), "PSFS")
    assert "the mean of the activities rated both times" in line
    assert "dropped since the first: 'running'; added since: 'reading'" in line
    assert "change +1.0 over 2 occasions: no meaningful change yet" in line
    hidden = _line(outcomes.outcome_changes(frame, TH), "PSFS", activity_names=False)
    assert "running" not in hidden and "dropped since the first: 1 activity" in hidden


def test_psfs_with_no_activity_in_common_gets_no_mean_verdict(tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "psfs", [("lifting", 2)]),
        ("2026-09-29T09:00:00+01:00", "psfs", [("reading", 9)]),
    ])
    changes = outcomes.outcome_changes(frame, TH)
    psfs = _row(changes, "PSFS")
    # 2.0 -> 9.0 on different activities: no change is worked out, no verdict on the mean
    assert psfs["verdict"] is outcomes.Verdict.NONE_IN_COMMON and not psfs["meaningful"]
    assert math.isnan(psfs["change"]) and (psfs["baseline"], psfs["latest"]) == (2.0, 9.0)
    line = _line(changes, "PSFS")
    assert "no activity rated both times" in line and "change" not in line
    assert "improvement" not in line


def test_a_peg_fall_under_one_point_is_not_meaningful_whatever_its_percentage(tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "peg", [("pain", 1), ("enjoyment", 1), ("activity", 1)]),
        ("2026-09-29T09:00:00+01:00", "peg", [("pain", 1), ("enjoyment", 1), ("activity", 0)]),
    ])
    peg = _row(outcomes.outcome_changes(frame, TH), "PEG")
    # 1.0 -> 2 / 3 = 0.67: -33 % meets 30 %, but -0.33 points is under min_change_points 1
    assert peg["change_percent"] == pytest.approx(-100 / 3)
    assert peg["verdict"] is outcomes.Verdict.NO_CHANGE_YET
    assert "at least 1 point" in peg["rule"]


def test_a_peg_from_a_first_score_of_0_has_no_percentage_and_no_verdict_by_percent(tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "peg", [("pain", 0), ("enjoyment", 0), ("activity", 0)]),
        ("2026-09-29T09:00:00+01:00", "peg", [("pain", 1), ("enjoyment", 0), ("activity", 0)]),
    ])
    changes = outcomes.outcome_changes(frame, TH)
    peg = _row(changes, "PEG")
    # 0 -> 1 / 3 = 0.33: a percentage of 0 is not defined (was "meaningful worsening")
    assert math.isnan(peg["change_percent"]) and not peg["meaningful"]
    assert peg["verdict"] is outcomes.Verdict.NO_PERCENT
    line = _line(changes, "PEG")
    assert "change +0.3, no percentage from a first score of 0" in line
    assert "worsening" not in line


def test_a_peg_fall_of_29_6_percent_shows_the_decimal_that_agrees_with_its_verdict(tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "peg", [("pain", 9), ("enjoyment", 9), ("activity", 9)]),
        ("2026-09-29T09:00:00+01:00", "peg", [("pain", 7), ("enjoyment", 6), ("activity", 6)]),
    ])
    changes = outcomes.outcome_changes(frame, TH)
    # 9.0 -> 19 / 3 = 6.33: -2.67 points, -8 / 27 = -29.63 %, under 30 %
    assert _row(changes, "PEG")["verdict"] is outcomes.Verdict.NO_CHANGE_YET
    line = _line(changes, "PEG")
    assert "change -2.7, -29.6 % over 2 occasions: no meaningful change yet" in line
    assert "-30 %" not in line


def test_odi_rmdq_and_psfs_lines_show_no_percentage(tmp_path):
    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "psfs", [("lifting", 3), ("gardening", 3)]),
        ("2026-09-01T09:01:00+01:00", "odi", [("total", 40)]),
        ("2026-09-01T09:02:00+01:00", "rmdq", [("total", 10)]),
        ("2026-09-29T09:00:00+01:00", "psfs", [("lifting", 6), ("gardening", 6)]),
        ("2026-09-29T09:01:00+01:00", "odi", [("total", 30)]),
        ("2026-09-29T09:02:00+01:00", "rmdq", [("total", 15)]),
    ])
    lines = words_outcomes.outcome_lines(outcomes.outcome_changes(frame, TH),
                                         outcomes.psfs_activity_changes(frame, TH))
    # PSFS 3.0 -> 6.0 (+100 %), ODI 40 -> 30 (-25 %), RMDQ 10 -> 15 (+50 %): rules in points
    assert len(lines) == 5  # three measures and two activities
    for line in lines:
        assert "%" not in line.split("(threshold")[0], line
    assert any(line.startswith("ODI:") and "change -10.0 over 2 occasions" in line
               for line in lines)


def test_the_patient_is_not_told_better_when_no_activity_was_rated_both_times(tmp_path):
    from types import SimpleNamespace

    from backrelief_analysis.words.patient import change_words

    frame = load_outcomes(tmp_path, [
        ("2026-09-01T09:00:00+01:00", "psfs", [("lifting", 2)]),
        ("2026-09-29T09:00:00+01:00", "psfs", [("reading", 9)]),
    ])
    # 2.0 -> 9.0 on different activities was "better, not a clear change yet"
    words = change_words(SimpleNamespace(outcome_changes=outcomes.outcome_changes(frame, TH)))
    assert words == ["PSFS: the latest answers rate other activities than the first, so they "
                     "are not compared."]
