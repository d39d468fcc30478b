"""Per-exercise signals, barriers and missed planned days (analysis/signals.py), on the hand-made
log of :mod:`signal_fixtures` (its docstring works out every count used here)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
from signal_fixtures import FIRST, LAST, at, days, signal_patient

from backrelief_analysis.analysis import signals
from backrelief_analysis.analysis.periods import keyed, one_period
from backrelief_analysis.analysis.summary import restrict_log, summarise, summarise_patients
from backrelief_analysis.log.store import ExerciseBlock, LogStore, SignalEntry, load_log


def _counts(summary) -> pd.DataFrame:
    return summary.exercise_signals.set_index("exercise")


def test_the_per_exercise_table_counts_times_in_the_plans_order(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    table = summarise(load_log(folder), plan, start=FIRST).exercise_signals
    assert list(table["exercise"]) == ["pelvic_tilt", "knee_to_chest", "bridge"]
    assert list(table["name"]) == ["Pelvic tilt", "Knee to chest", "Bridge"]
    bridge = table.set_index("exercise").loc["bridge"]
    # 6 times; done in s1-s4 and s6 (s5 skipped); offered 6 (s5 stopped for pain);
    # hurt s1, s3, s4; stopped for pain s2, s5; pain times s1-s5 = 5
    assert bridge[["times_done", "offered", "hurt", "stopped_pain", "pain_times"]].tolist() == [
        5, 6, 3, 2, 5]
    # answered s1, s3, s4 (hurt) and s6 (felt): 4
    assert bridge["answered"] == 4
    tilt = table.set_index("exercise").loc["pelvic_tilt"]
    # felt easy s1-s4, hard s5: 5 answered of 6 done
    assert tilt[["times_done", "felt_easy", "felt_hard", "answered", "pain_times"]].tolist() == [
        6, 4, 1, 5, 0]
    knee = table.set_index("exercise").loc["knee_to_chest"]
    # both sides of s3 are one time: 6 done, the right side stopped as too hard once
    assert knee[["times_done", "felt_hard", "stopped_too_hard", "answered"]].tolist() == [
        6, 1, 1, 1]
    # 4 + 5 + 1 = 10 answered of 5 + 6 + 6 = 17 done
    assert (table["answered"].sum(), table["times_done"].sum()) == (10, 17)


def test_the_latest_answer_counts(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    bridge = _counts(summarise(load_log(folder), plan, start=FIRST)).loc["bridge"]
    # s6: "hard" then "right": the later tap corrects the earlier one
    assert (bridge["felt_right"], bridge["felt_hard"]) == (1, 0)
    answers = signals.latest_answers(keyed(load_log(folder).signals))
    s6 = answers.loc[(answers["session_id"] == "s6") & (answers["signal"] == "felt")]
    assert s6["value"].tolist() == ["right"]


def test_a_stop_reason_outside_the_period_or_for_no_block_is_left_out(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    log = load_log(folder)
    # from 03-02, s0 (02-23) is outside; the reason for a left Bridge block in s4 names a block
    # the exercise log does not hold
    assert _counts(summarise(log, plan, start=FIRST)).loc["bridge", "stopped_pain"] == 2
    # the whole log: s0's stop for pain counts too (2 + 1), and the time s0 with it
    whole = _counts(summarise(log, plan)).loc["bridge"]
    assert (whole["stopped_pain"], whole["offered"], whole["pain_times"]) == (3, 7, 6)


def test_barriers_are_counted_by_the_week_of_the_day_they_are_about(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    weekly = summarise(load_log(folder), plan, start=FIRST).weekly_barriers
    # given Tue 03-10 about two days before: Sun 03-08, in W10; the same barrier twice on
    # 03-12 is one day
    assert weekly[["week", "barrier", "days"]].values.tolist() == [
        ["2026-W10", "no_time", 1], ["2026-W10", "pain", 1],
        ["2026-W11", "no_time", 1], ["2026-W11", "tired", 1]]
    # a period from Mon 03-09 leaves Sun 03-08's and Thu 03-05's out
    later = summarise(load_log(folder), plan, start="2026-03-09").weekly_barriers
    assert later["barrier"].tolist() == ["no_time", "tired"]


def test_as_of_and_end_cut_the_signals_with_the_rest(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    log = load_log(folder)
    keyed_summary = summarise_patients({"p": log}, {"p": plan}, start={"p": FIRST},
                                       as_of="2026-03-06")
    # s1-s3: Bridge done s1, s2, s3; pain times s1 (hurt), s2 (stopped), s3 (hurt) = 3
    bridge = keyed_summary.exercise_signals.set_index("exercise").loc["bridge"]
    assert (bridge["times_done"], bridge["pain_times"]) == (3, 3)
    # only the barrier about 03-05 is up to 03-06
    assert keyed_summary.weekly_barriers["barrier"].tolist() == ["pain"]
    # restrict_log keeps the signals given in the period
    kept = restrict_log(log, FIRST, "2026-03-06").signals
    assert kept["date"].between(pd.Timestamp(FIRST), pd.Timestamp("2026-03-06")).all()
    assert len(kept) < len(log.signals)


def test_a_log_without_signals_gives_empty_tables_and_the_same_numbers(tmp_path: Path) -> None:
    with_folder, plan = signal_patient(tmp_path / "with")
    without_folder, _ = signal_patient(tmp_path / "without", signals=False)
    assert not (without_folder / "signals_log.csv").exists()
    with_signals = summarise(load_log(with_folder), plan)
    without = summarise(load_log(without_folder), plan)
    assert without.exercise_signals.empty and without.weekly_barriers.empty
    assert without.flags.empty  # the hand-made pain raises no flag of its own
    for field in dataclasses.fields(without):
        if field.name in ("exercise_signals", "weekly_barriers", "flags"):
            continue
        mine, theirs = getattr(with_signals, field.name), getattr(without, field.name)
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs, obj=field.name)
        else:  # by their text: a missing number (NaN) equals itself there
            assert repr(mine) == repr(theirs), field.name
    # with signals, the only flag is the exercise's
    assert with_signals.flags["kind"].tolist() == ["exercise_pain"]


def test_exercise_pain_flags_need_both_the_times_and_the_share() -> None:
    counts = pd.DataFrame({"patient": [0, 0, 0], "exercise": ["a", "b", "c"],
                           "pain_times": [2, 1, 2], "offered": [4, 1, 5]})
    # a: 2 times, 50 %: flagged; b: 1 time (below 2); c: 2 times but 40 %
    flagged = signals.exercise_pain_flags(counts, 2, 50)
    assert flagged["exercise"].tolist() == ["a"]
    assert flagged["percent"].tolist() == [50.0]


def _missed_log(tmp_path: Path, barrier_about: date | None = None):
    """Sessions on Mon 03-02 and Wed 03-04; optionally a barrier about one day, given the day
    after it."""
    store = LogStore(tmp_path)
    store.extend_blocks([ExerciseBlock(f"s{day.day}", at(day, 8), "bridge", "", 4, 4, 2, 2,
                                       "completed", at(day, 8, 5))
                         for day in (date(2026, 3, 2), date(2026, 3, 4))])
    if barrier_about is not None:
        store.extend_signals([SignalEntry(at(barrier_about, 20) + pd.Timedelta(days=1),
                                          "barrier", "tired", days_ago=1)])
    return load_log(tmp_path)


def test_missed_planned_days_with_a_target_of_seven(tmp_path: Path) -> None:
    log = _missed_log(tmp_path)
    # every day is planned: Tue 03-03 and Thu 03-05 had none (today, Fri 03-06, not yet)
    assert signals.missed_planned_days(log.exercise, log.signals, 7, date(2026, 3, 6)) == [
        date(2026, 3, 3), date(2026, 3, 5)]
    # up to Mon 03-09: 03-03, 03-05, and Fri to Sun (03-06..03-08)
    assert signals.missed_planned_days(log.exercise, log.signals, 7, date(2026, 3, 9)) == [
        date(2026, 3, 3), *days("2026-03-05", 4)]


def test_missed_planned_days_with_a_target_of_five(tmp_path: Path) -> None:
    log = _missed_log(tmp_path)
    # two rest days a week: 03-03 and 03-05 are them; not yet missed on Fri 03-06
    assert signals.missed_planned_days(log.exercise, log.signals, 5, date(2026, 3, 6)) == []
    # up to Mon 03-09: rest days 03-03, 03-05, then Fri to Sun 03-06..03-08 are missed
    assert signals.missed_planned_days(log.exercise, log.signals, 5, date(2026, 3, 9)) == days(
        "2026-03-06", 3)


def test_a_day_with_a_barrier_is_not_asked_about_again(tmp_path: Path) -> None:
    log = _missed_log(tmp_path, barrier_about=date(2026, 3, 3))
    assert signals.missed_planned_days(log.exercise, log.signals, 7, date(2026, 3, 6)) == [
        date(2026, 3, 5)]


def test_the_keyed_functions_take_many_patients_at_once(tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    log = load_log(folder)
    both = summarise_patients({"a": log, "b": log}, {"a": plan, "b": plan},
                              start={"a": FIRST, "b": "2026-03-09"}, end=LAST)
    counts = both.exercise_signals.set_index(["patient", "exercise"])
    assert counts.loc[("a", "bridge"), "pain_times"] == 5
    # from 03-09: s4 (hurt), s5 (stopped for pain), s6 (neither)
    assert counts.loc[("b", "bridge"), "pain_times"] == 2
    alone = signals.exercise_signals_by_patient(
        keyed(log.exercise), keyed(log.signals),
        one_period(pd.Timestamp(FIRST), pd.Timestamp(LAST)))
    assert alone.set_index("exercise").loc["bridge", "pain_times"] == 5
