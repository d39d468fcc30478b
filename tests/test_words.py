"""The shared pieces of wording: counts, and days said as dates or as "day N"."""

from datetime import date

import pandas as pd

from backrelief_analysis.text import Dates, number_word, plural


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
