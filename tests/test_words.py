"""The shared pieces of wording: counts, and days said as dates or as "day N"."""

from datetime import date

import pandas as pd
from signal_fixtures import BARRIER_LINE, EXERCISE_LINE, FIRST, signal_patient

from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.store import load_log
from backrelief_analysis.text import Dates, number_word, plural
from backrelief_analysis.words.signals import (
    barriers_text,
    caseload_signal_text,
    exercise_signals_text,
    signal_lines,
)
from backrelief_analysis.words.summary import summary_lines


def test_plural_is_singular_only_for_exactly_one():
    assert [plural(n, "rep") for n in (0, 1, 2)] == ["0 reps", "1 rep", "2 reps"]
    assert plural(1, "second") == "1 second"
    assert plural(0.5, "second") == "0.5 seconds"  # a half is not one
    assert plural(1.0, "session") == "1 session"


def test_named_dates_say_calendar_days_and_iso_weeks():
    dates = Dates.named()
    assert not dates.deidentify
    assert dates.day(pd.Timestamp("2026-09-02 18:30")) == "2026-09-02"
    assert dates.day(date(2026, 9, 2)) == "2026-09-02"
    assert dates.long_day("2026-09-02") == "02 Sep 2026"
    # ISO weeks: 3 January 2027 is a Sunday in week 53 of 2026
    assert dates.week(date(2027, 1, 3)) == "2026-W53"
    assert dates.week_tick(date(2026, 9, 3)) == "W36\n2026"
    assert dates.week_axis_label == "ISO week (Monday start)"


def test_deidentified_dates_count_days_and_weeks_from_the_first_day():
    dates = Dates.deidentified(pd.Timestamp("2026-09-02"))  # a Wednesday: week 1 from Mon 31 Aug
    assert dates.deidentify
    assert [dates.day(day) for day in ("2026-09-02", "2026-09-03", "2026-09-01")] == [
        "day 1", "day 2", "day 0"]
    assert dates.long_day(date(2026, 9, 11)) == "day 10"
    assert dates.week(date(2026, 8, 31)) == "week 1"
    assert dates.week(date(2026, 9, 7)) == "week 2"
    assert dates.week_tick(date(2026, 9, 13)) == "wk 2"
    assert "2026" not in dates.week_axis_label


def test_small_counts_are_said_as_words():
    assert [number_word(n) for n in (1, 2, 3, 10, 11)] == ["one", "two", "three", "ten", "11"]


# --- the patient's answers per exercise and the barriers (words/signals.py), on the hand-made
# log of signal_fixtures (counts in its docstring) ---


def _signal_summary(tmp_path, **options):
    folder, plan = signal_patient(tmp_path)
    return summarise(load_log(folder), plan, start=FIRST, **options)


def test_the_exercise_line_names_what_was_marked_most_pain_first(tmp_path):
    summary = _signal_summary(tmp_path)
    # Bridge: hurt 3 of 5 done, stopped for pain s2 and s5; then by times felt hard, in the
    # plan's order: Pelvic tilt (hard 1; its 4 easy are in the table, not the line), Knee to
    # chest (hard 1, too hard once);
    # 4 + 5 + 1 = 10 of 5 + 6 + 6 = 17 times answered
    assert exercise_signals_text(summary.exercise_signals) == EXERCISE_LINE
    assert barriers_text(summary.weekly_barriers) == BARRIER_LINE
    assert signal_lines(summary.exercise_signals, summary.weekly_barriers) == [
        f"Per exercise: {EXERCISE_LINE}.",
        f"Barriers (days): {BARRIER_LINE}."]
    lines = summary_lines(summary)
    assert f"Per exercise: {EXERCISE_LINE}." in lines


def test_the_lines_say_nothing_when_there_is_nothing_to_say(tmp_path):
    folder, plan = signal_patient(tmp_path, signals=False)
    summary = summarise(load_log(folder), plan)
    assert exercise_signals_text(summary.exercise_signals) == ""
    assert barriers_text(summary.weekly_barriers) == ""
    assert not any(line.startswith(("Per exercise", "What got in")) for line in
                   summary_lines(summary))
    # done, answered, nothing marked: only the count of answers
    quiet = pd.DataFrame({"name": ["Bridge"], "times_done": [4], "answered": [2],
                          **{key: [0] for key in ("hurt", "stopped_pain", "felt_hard",
                                                  "felt_easy", "stopped_too_hard",
                                                  "pain_times")}})
    assert exercise_signals_text(quiet) == ("no exercise marked as hurting or hard; "
                                            "2 of 4 times answered")


def test_the_words_never_say_cause_or_advise(tmp_path):
    summary = _signal_summary(tmp_path)
    text = " ".join(signal_lines(summary.exercise_signals, summary.weekly_barriers)).lower()
    for word in ("cause", "because", "should", "stop doing", "avoid"):
        assert word not in text


def test_the_caseload_text_names_the_exercise_that_hurt_most(tmp_path):
    summary = _signal_summary(tmp_path)
    # Bridge: 5 pain times of 6 offered
    assert caseload_signal_text(summary.exercise_signals, 4) == (
        "Bridge hurt 5 of 6 times in the last 4 weeks")
    none = summary.exercise_signals.assign(pain_times=0)
    assert caseload_signal_text(none, 4) == ""
