"""Exercise reminders as an iCalendar file that a phone or desktop calendar imports.

One weekly repeating event per plan, on the chosen weekdays at the chosen local time, in the
local time zone (a ``VTIMEZONE`` is included, so the calendar keeps 18:30 across clock changes).
The event names the plan and nothing else: no pain score, note or log entry ever goes into it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from ..plan import Plan

# iCalendar's two-letter weekday codes, Monday first (RFC 5545 BYDAY)
WEEKDAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA",
            "sun": "SU"}
# "mon" or "monday", any case
_SHORT = {**{short: short for short in WEEKDAYS},
          **{full: full[:3] for full in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                         "saturday", "sunday")}}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
REMINDER_MINUTES = 30  # the length of the calendar entry: about one session


class ReminderError(ValueError):
    """Days or a time that cannot make a reminder; the message is one sentence."""


@dataclass(frozen=True)
class Reminder:
    """When to be reminded: weekday codes (``"MO"``, ...) and a local time of day."""

    days: tuple[str, ...]
    at: time


def parse_days(text: str) -> tuple[str, ...]:
    """``"mon,wed,fri"`` -> ``("MO", "WE", "FR")``, in week order, each once."""
    given = [name.strip() for name in text.split(",") if name.strip()]
    names = [_SHORT.get(name.lower()) for name in given]
    unknown = [name for name, short in zip(given, names, strict=True) if short is None]
    if not names:
        raise ReminderError("no weekday was chosen; give days like mon,wed,fri")
    if unknown:
        raise ReminderError(f"{', '.join(repr(name) for name in unknown)} is not a weekday; "
                            f"give days like mon,wed,fri (from {','.join(WEEKDAYS)})")
    order = list(WEEKDAYS)
    return tuple(WEEKDAYS[name] for name in sorted(set(names), key=order.index))


def parse_time(text: str) -> time:
    """``"18:30"`` -> ``time(18, 30)``; a 24-hour clock time."""
    match = _TIME.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return time(int(match[1]), int(match[2]))
    except ValueError:
        raise ReminderError(f"'{text}' is not a time of day; give a 24-hour time like 18:30"
                            ) from None


def local_zone() -> ZoneInfo:
    """The computer's time zone as an IANA zone (``TZ`` first, then the system setting)."""
    import tzlocal

    name = os.environ.get("TZ", "").strip().lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError):
            pass  # a POSIX TZ string such as "CET-1CEST"; ask the system instead
    return ZoneInfo(tzlocal.get_localzone_name() or "UTC")


def _first_day(days: tuple[str, ...], at: time, zone: ZoneInfo, today: date) -> datetime:
    """The first chosen weekday from ``today`` on, at ``at``: where the series starts."""
    codes = list(WEEKDAYS.values())
    for ahead in range(7):
        day = today + timedelta(days=ahead)
        if codes[day.weekday()] in days:
            return datetime.combine(day, at, tzinfo=zone)
    raise AssertionError("days holds at least one weekday")  # parse_days guarantees it


def reminder_calendar(plan: Plan, reminder: Reminder, *, zone: ZoneInfo | None = None,
                      today: date | None = None) -> icalendar.Calendar:
    """A calendar with one weekly repeating event for ``plan``.

    Parameters
    ----------
    plan
        Only its name is used, in the event's title.
    reminder
        The weekdays and local time.
    zone, today
        The time zone (default :func:`local_zone`) and the day the series may start on (default
        today in that zone); tests pass them.
    """
    zone = zone or local_zone()
    today = today or datetime.now(zone).date()
    start = _first_day(reminder.days, reminder.at, zone, today)
    event = icalendar.Event()
    event.add("uid", f"backrelief-{'-'.join(reminder.days)}-{reminder.at:%H%M}@backrelief")
    event.add("dtstamp", datetime.now(zone))
    event.add("summary", f"Exercise session: {plan.name}")
    event.add("description", "Time for your home exercise session (backrelief).")
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=REMINDER_MINUTES))
    event.add("rrule", {"freq": "weekly", "byday": list(reminder.days)})
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Exercise session: {plan.name}")
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//backrelief//exercise reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"backrelief: {plan.name}")
    calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE for start's zone
    return calendar


def write_reminders(plan: Plan, days: str, at: str, out: Path | str, **options) -> Path:
    """Parse ``days`` and ``at``, and write the calendar to ``out`` (``.ics``); return the path."""
    out = Path(out)
    if out.suffix.lower() != ".ics":
        raise ReminderError(f"a calendar file ends in .ics, so --out must too (got {out})")
    calendar = reminder_calendar(plan, Reminder(parse_days(days), parse_time(at)), **options)
    out.write_bytes(calendar.to_ical())
    return out
