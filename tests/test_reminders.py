"""The reminder calendar: written, then read back with icalendar as a calendar app would."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import icalendar
import pytest

from backrelief_analysis.plan import load_plan
from backrelief_analysis.share.reminders import (
    ReminderError,
    local_zone,
    parse_days,
    parse_time,
    write_reminders,
)

WARSAW = ZoneInfo("Europe/Warsaw")


def _event(path):
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_weekly_event_on_the_chosen_days_time_and_zone(tmp_path):
    plan = load_plan()
    out = write_reminders(plan, "fri,mon,wed", "18:30", tmp_path / "plan.ics", zone=WARSAW,
                          today=date(2026, 12, 1))  # a Tuesday
    calendar, event = _event(out)
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["MO", "WE", "FR"]
    start = event.decoded("dtstart")
    assert start.date() == date(2026, 12, 2)  # the first chosen day from today: Wednesday
    assert (start.hour, start.minute) == (18, 30)
    assert str(start.tzinfo) == "Europe/Warsaw"
    assert event["dtstart"].params["TZID"] == "Europe/Warsaw"
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["tzid"] == "Europe/Warsaw"


def test_event_names_the_plan_and_carries_no_health_data(tmp_path):
    plan = load_plan()
    out = write_reminders(plan, "tue", "7:05", tmp_path / "r.ics", zone=WARSAW,
                          today=date(2026, 12, 1))
    _, event = _event(out)
    assert plan.name in str(event["summary"])
    text = out.read_text().lower()
    for private in ("pain", "flare", "note", "score"):
        assert private not in text
    assert event.decoded("dtstart").time() == time(7, 5)


def test_local_zone_follows_tz(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone() == ZoneInfo("America/New_York")


@pytest.mark.parametrize("days", ["", " , ", "mon,funday", "weekends"])
def test_bad_days_are_one_sentence(days):
    with pytest.raises(ReminderError, match=r"give days like mon,wed,fri") as caught:
        parse_days(days)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["25:00", "18:60", "6pm", "18.30", ""])
def test_bad_times_are_one_sentence(text):
    with pytest.raises(ReminderError, match=r"is not a time of day; .*like 18:30$"):
        parse_time(text)


def test_day_names_in_any_case_and_full(tmp_path):
    assert parse_days("Monday, WED ,fri,mon") == ("MO", "WE", "FR")


def test_a_wrong_day_is_named_as_typed():
    with pytest.raises(ReminderError, match=r"^'Funday' is not a weekday;"):
        parse_days("mon,Funday")
