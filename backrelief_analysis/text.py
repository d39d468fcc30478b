"""How the kit says a number, a count, a day and a week: the one home of that wording.

Standard library only, so the session's cues (and the app's server) can use it without pandas.
A day is said through :class:`Dates`, chosen once for a whole text: calendar dates
(``2026-09-02``, weeks ``2026-W36``) or, de-identified, ``day N`` and ``week N`` counted from
the period's first day. The sentence is made with the right one; nothing rewrites it later.
Outcome sentences, which need the outcome measures, are in
:mod:`~backrelief_analysis.words.outcomes`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten")
DAYS_A_WEEK = 7
WEEK_AXIS_LABEL = "ISO week (Monday start)"
PERIOD_WEEK_AXIS_LABEL = "week of the period (Monday start; week 1 holds day 1)"
# the characters that turn text around (right-to-left overrides, embeddings, isolates, marks):
# a name holding them could show another name, or reorder the rest of its line
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
# categories dropped from shown text: controls (escape codes, C1 controls), line and paragraph
# separators, unassigned and private-use code points, lone surrogates
_UNSHOWN = frozenset({"Cc", "Zl", "Zp", "Cn", "Co", "Cs"})


def clean_text(text: str) -> str:
    r"""``text`` safe to show in a terminal, a notebook or a page: no control characters
    (a terminal's escape codes), no bidirectional overrides, no line breaks.

    Whitespace that breaks a line becomes one space; the other characters are dropped.

    Examples
    --------
    >>> clean_text("Ann\x1b[2J\u202eB\nC")
    'Ann[2JB C'
    """
    if text.isprintable():  # no control, format or separator character: the usual case, fast
        return text
    kept = []
    for char in text:
        if char in BIDI_CONTROLS:
            continue
        if unicodedata.category(char) in _UNSHOWN:
            if char.isspace():
                kept.append(" ")
            continue
        kept.append(char)
    return "".join(kept)


def plural(count: float, word: str) -> str:
    """``count`` and ``word``, with an ``s`` unless the count is exactly one.

    Examples
    --------
    >>> plural(1, "rep"), plural(2, "session"), plural(0.5, "second")
    ('1 rep', '2 sessions', '0.5 seconds')
    """
    return f"{count:g} {word}{'' if count == 1 else 's'}"


def day_words(day: date, *, full: bool = False, year: bool = False) -> str:
    """A day as a person says it: ``Tue 1 Dec``; ``full``: ``Tuesday 1 December``; with
    ``year``: ``... 2026``.

    Examples
    --------
    >>> day_words(date(2026, 12, 7), full=True, year=True)
    'Monday 7 December 2026'
    """
    text = f"{day:%A} {day.day} {day:%B}" if full else f"{day:%a} {day.day} {day:%b}"
    return f"{text} {day.year}" if year else text


def and_list(items: list[str]) -> str:
    """Items as a sentence lists them: ``a``, ``a and b``, ``a, b and c`` ("" for none).

    Examples
    --------
    >>> and_list(["no time", "tired", "pain"])
    'no time, tired and pain'
    """
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def number_word(count: int) -> str:
    """A small whole number as a word ("two"); larger ones as digits.

    Examples
    --------
    >>> number_word(2), number_word(12)
    ('two', '12')
    """
    return NUMBER_WORDS[count] if 0 <= count < len(NUMBER_WORDS) else f"{count}"


def as_date(value: date | str | object) -> date:
    """A day from a ``date``, a ``datetime`` (a pandas ``Timestamp`` is one: its own day), a
    ``numpy.datetime64`` or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Dates:
    """Days and weeks said as calendar dates, or (``first`` given) as "day N" / "week N".

    Days count from ``first`` (day 1); weeks count the ISO weeks (Monday start, as the analysis
    uses) from the one holding ``first`` (week 1). Make it once per text with
    :meth:`named` or :meth:`deidentified` and say every day through it.
    """

    first: date | None = None

    @classmethod
    def named(cls) -> Dates:
        """Calendar dates: ``2026-09-02``, ISO weeks ``2026-W36``."""
        return cls(None)

    @classmethod
    def deidentified(cls, first: date | str | object) -> Dates:
        """"day N" and "week N", day 1 being ``first``."""
        return cls(as_date(first))

    @property
    def deidentify(self) -> bool:
        """True when days are said as "day N"."""
        return self.first is not None

    def day(self, value: date | str | object) -> str:
        """A day as ``2026-09-02`` or ``day 3``."""
        day = as_date(value)
        if self.first is None:
            return f"{day:%Y-%m-%d}"
        return f"day {(day - self.first).days + 1}"

    def long_day(self, value: date | str | object) -> str:
        """A day as ``02 Sep 2026`` (a report's header) or ``day 3``."""
        return f"{as_date(value):%d %b %Y}" if self.first is None else self.day(value)

    def week_number(self, value: date | str | object) -> int:
        """The number of the ISO week holding ``value``; 1 for the week holding day 1."""
        if self.first is None:
            raise ValueError("calendar dates have no week numbers: use Dates.deidentified")
        return (_monday(as_date(value)) - _monday(self.first)).days // DAYS_A_WEEK + 1

    def week(self, value: date | str | object) -> str:
        """The week holding ``value`` as ``2026-W36`` or ``week 3``."""
        if self.first is None:
            year, week, _ = as_date(value).isocalendar()
            return f"{year}-W{week:02d}"
        return f"week {self.week_number(value)}"

    def weeks_listed(self, values: list) -> list[str]:
        """Weeks in a row as a list names them: the year only where it starts or changes
        (``2026-W52``, ``W53``, ``2027-W01``); ``week 3``, ``week 4`` de-identified."""
        labels, year_before = [], None
        for value in values:
            if self.first is not None:
                labels.append(self.week(value))
                continue
            year, week, _ = as_date(value).isocalendar()
            labels.append(f"W{week:02d}" if year == year_before else f"{year}-W{week:02d}")
            year_before = year
        return labels

    def week_tick(self, value: date | str | object) -> str:
        """The week holding ``value`` as a chart's tick label: ``W36`` over ``2026``, or
        ``wk 3``."""
        if self.first is None:
            year, week, _ = as_date(value).isocalendar()
            return f"W{week:02d}\n{year}"
        return f"wk {self.week_number(value)}"

    @property
    def week_axis_label(self) -> str:
        """The label of a chart's week axis."""
        return WEEK_AXIS_LABEL if self.first is None else PERIOD_WEEK_AXIS_LABEL


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


__all__ = ["BIDI_CONTROLS", "Dates", "and_list", "as_date", "clean_text", "day_words",
           "number_word", "plural"]
