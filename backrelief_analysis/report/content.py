"""The physiotherapist's report: what it says, gathered from the analysis, rendered as HTML or PDF.

:func:`gather_report` turns a :class:`~backrelief_analysis.analysis.summary.ProgressSummary` into
:class:`ReportContent`: plain strings and PNG charts, every number taken from the analysis and
only formatted here. :func:`render_html` fills the jinja2 template (autoescaping on);
:mod:`backrelief_analysis.report.pdf` lays the same content out with reportlab.
:func:`build_report` does all of it in one call and writes the file by its suffix.

De-identified reports carry no free text anyone typed (no name, no note, no plan name) and no
calendar date: every date, in the sentences and on the charts' axes, is said as "day N" or
"week N" counted from the period's first day, by the one :class:`~backrelief_analysis.text.Dates`
chosen when the report is gathered (nothing is rewritten afterwards), and the files' metadata
carry neither. What is
left is the kit's own words and the plan's exercise names.

Every text shown passes through :func:`shown_text`, in the PDF and in the HTML alike: control
and bidirectional-formatting characters are dropped, so a name holding a right-to-left override
cannot reverse the dates beside it, and text typed at length is cut with "…" (the two-page
promise; the full text stays in the spreadsheet export).
"""

from __future__ import annotations

import base64
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .. import __version__
from ..analysis.flags import flag_groups
from ..analysis.pain import PainChange, baseline_change
from ..analysis.summary import summarise
from ..log.deidentify import withhold_unknown_exercises
from ..log.store import Log, now_local, write_private
from ..plan import Plan
from ..text import Dates, plural
from ..words.flags import flag_counts_text
from ..words.outcomes import NO_QUESTIONNAIRES, outcome_lines
from ..words.signals import BARRIERS_LABEL, EXERCISES_LABEL, barriers_text, exercise_signals_text
from ..words.summary import how_defined

TITLE = "Home exercise progress report"
DEIDENTIFIED = "de-identified"
DISCLAIMER = ("Generated from self-reported data; associations, not causes; not medical advice. "
              "Flags are prompts for a conversation, not instructions.")
MAX_WEEKS_LISTED = 16  # weeks listed by number; the adherence chart shows every week
MAX_NOTES = 8  # likewise for notes, to keep twelve weeks within two A4 pages
# characters shown of text someone typed; longer text is cut with "…" (the export has it whole)
MAX_NOTE_CHARS = 200
SHORT_NOTE_CHARS = 100  # a note cut shorter, on one line, where the page has less room
MAX_NOTE_LINES = 3  # line breaks kept in a cut text: a note of 200 empty lines is short, too
MAX_NAME_CHARS = 80  # a patient's or a plan's name
MAX_EXERCISE_CHARS = 24  # an exercise's name, in the plan's lines and in the reps table
MAX_ACTIVITY_CHARS = 40  # a PSFS activity as the patient named it
MAX_PLAN_LINES = 8  # exercises listed under the plan; the table below lists the ones done
MAX_PLAN_CHANGE_CHARS = 240  # the key number naming the plan's version and its changes
MAX_EXERCISE_ROWS = 10  # rows of the reps table; with more, the rest are counted
WITHHELD = "withheld (de-identified report)"
# kept although they are format characters: they join letters (emoji, Persian), never reorder
_JOINERS = frozenset("\u200c\u200d")
CHART_SIZE_IN = (7.2, 2.4)  # width, height of each chart in inches
CHART_DPI = 150
# the charts' own sizes are relative ("small", "large"): a smaller base suits a printed page
CHART_STYLE = {"font.size": 8.5, "axes.titlesize": "medium", "lines.markersize": 4}
# On screen the HTML shows a chart across its column, at most 190 mm less padding, about
# 690 CSS px: a 7.2-inch figure is shown at 96 px per inch there. Its "small" legend text at
# a 10.5 pt base is 8.75 pt, 11.7 px as shown (at the print style's 7.5 pt it was 8 px).
HTML_COLUMN_PX = 690
SCREEN_SIZE_IN = (7.2, 3.3)
SCREEN_STYLE = {"font.size": 10.5, "axes.titlesize": "medium", "lines.markersize": 5}
SCREEN_DPI = 120  # 864 px for a column of about 690 px: sharp, and a third fewer pixels to draw
CONTEXT_WORDS = {"before_session": "before session", "after_session": "after session",
                 "check_in": "check-in"}
# where a reader of the report finds every row: a physiotherapist may hold only the share file
LOG_PLACES = "in the share file, or the patient's log folder"


@dataclass(frozen=True)
class KeyNumber:
    """One line of the key numbers: a label, the value, an optional smaller detail."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Item:
    """A dated entry: a flag or a note."""

    when: str
    title: str
    text: str


@dataclass(frozen=True)
class Chart:
    """One chart as PNG bytes, with a caption and a text alternative."""

    png: bytes
    caption: str
    alt: str
    width_in: float = CHART_SIZE_IN[0]
    height_in: float = CHART_SIZE_IN[1]
    labels: tuple[str, ...] = ()  # every text drawn on it (titles, ticks, legend), for checks
    legend_pt: float = 0.0  # the smallest legend text, in points of the figure

    @property
    def base64(self) -> str:
        """The PNG as base64 text, for a ``data:`` URL."""
        return base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows, as ready-to-print strings and images."""

    title: str
    patient: str
    deidentified: bool
    period: str
    generated: str
    plan_name: str
    plan_lines: tuple[str, ...]
    target: str
    has_data: bool
    no_data_message: str = ""
    source_note: str = ""
    key_numbers: tuple[KeyNumber, ...] = ()
    exercise_head: tuple[str, ...] = ("Exercise", "Side", "Reps done / prescribed", "% done",
                                      "Blocks stopped / skipped / not reached")
    exercise_rows: tuple[tuple[str, ...], ...] = ()
    exercise_hidden: int = 0  # rows of the reps table left out, counted in exercise_more
    exercise_more: str = ""
    charts: tuple[Chart, ...] = ()
    # the same charts drawn for a screen (the HTML): larger text for the same width
    screen_charts: tuple[Chart, ...] = ()
    flag_count: int = 0
    flags: tuple[Item, ...] = ()
    flags_more: str = ""
    flag_note: str = ""
    outcomes: tuple[str, ...] = ()
    outcomes_note: str = ""
    notes: tuple[Item, ...] = ()  # the latest notes, oldest first
    notes_hidden: int = 0  # earlier notes left out, counted in notes_more
    notes_more: str = ""
    sources: tuple[str, ...] = ()  # "how these are defined", ending the report
    footer: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


def report_dates(first_day: pd.Timestamp | date | None, *, deidentify: bool) -> Dates:
    """How a report says its days: calendar dates, or (``deidentify``) "day N" / "week N"
    counted from ``first_day``, the period's first day (day 1, and its ISO week is week 1)."""
    if deidentify and first_day is not None:
        return Dates.deidentified(first_day)
    return Dates.named()


def shown_text(value: object, limit: int | None = None) -> str:
    """Text made safe to show in the report, PDF or HTML: the one sanitising step.

    Control characters and format characters (bidirectional overrides, embeddings, isolates
    and marks, zero-width spaces) are dropped, so the text cannot reorder what surrounds it;
    tabs become spaces and every line break becomes ``\\n``. With ``limit``, text longer than
    that many characters, or than ``MAX_NOTE_LINES`` lines, is cut (at a word boundary) and
    ends with "…".

    Example
    -------
    >>> shown_text("Sam\\u202e 2026-09-01")
    'Sam 2026-09-01'
    """
    text = str(value)
    if text.isprintable():  # the common case, checked in C: nothing to drop
        kept = [text]
    else:
        kept = _kept_characters(text.replace("\r\n", "\n").replace("\t", " "))
    text = "".join(kept)
    if limit is not None and text.count("\n") >= MAX_NOTE_LINES:
        text = "\n".join(text.split("\n")[:MAX_NOTE_LINES]).rstrip() + "…"
    if limit is not None and len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        cut = cut[:space] if space > limit // 2 else cut
        text = cut.rstrip() + "…"
    return text


def _one_line(text: str, limit: int) -> str:
    """A name as one line: line breaks and runs of spaces become one space, then sanitised."""
    return shown_text(" ".join(text.split()), limit)


def _kept_characters(text: str) -> list[str]:
    kept = []
    for char in text:
        kind = unicodedata.category(char)
        if char == "\n" or kind in ("Zl", "Zp") or char == "\r":
            kept.append("\n")
        elif kind in ("Cc", "Cs") or (kind == "Cf" and char not in _JOINERS):
            continue
        else:
            kept.append(char)
    return kept


# --- gathering ---------------------------------------------------------------------------------


def _period_text(summary, dates: Dates) -> str:
    weeks = len(summary.weekly_adherence)
    days = (summary.end - summary.start).days + 1
    span = f"{days} day{'s' if days != 1 else ''}, {weeks} ISO week{'s' if weeks != 1 else ''}"
    # a questionnaire after the last diary day is shown (with its date): the header says so
    asked = ""
    if len(summary.outcome_changes):
        last = pd.Timestamp(summary.outcome_changes["latest_date"].max())
        if last > pd.Timestamp(summary.end):
            asked = f"; questionnaires to {dates.long_day(last)}"
    return f"{dates.long_day(summary.start)} to {dates.long_day(summary.end)} ({span}){asked}"


def _has_data(summary) -> bool:
    if summary.empty:
        return False
    return bool(len(summary.sessions)) or bool(summary.daily_pain["scores"].sum())


def _key_numbers(summary, dates: Dates, change: PainChange) -> tuple[KeyNumber, ...]:
    plan = summary.plan
    weeks = summary.weekly_adherence
    cut = f"{plan.thresholds.adherence_percent:g} %"
    keys = [KeyNumber(
        "Sessions and adherence",
        f"{plural(summary.sessions_done, 'session')} against a target of "
        f"{plan.target_sessions_per_week} "
        f"a week{' (earlier weeks: the target of the time)' if plan.earlier_targets else ''}: "
        f"adherence {summary.adherence_percent:.0f} %",
        f"{summary.weeks_meeting_target} of {len(weeks)} weeks at or above {cut}; a part week's "
        "target is pro rata; each week counts at most 100 %.",
    )]
    recent = weeks.tail(MAX_WEEKS_LISTED)
    labels = dates.weeks_listed(list(recent["week_start"]))
    by_week = " · ".join(f"{label}: {_week_sessions(row)}"
                         for label, row in zip(labels, recent.itertuples(index=False),
                                               strict=True))
    label = ("Sessions by week" if len(recent) == len(weeks)
             else f"Sessions by week (last {len(recent)})")
    keys.append(KeyNumber(label, by_week))
    plan_line = plan_version_text(summary, dates)
    if plan_line:
        keys.append(KeyNumber("Plan", plan_line))
    if change.enough_data:
        keys.append(KeyNumber(
            "Pain: baseline to latest (0-10)",
            f"baseline {change.baseline_text}, latest {change.latest_text}: "
            f"change {change.points_text} points ({change.percent_text}); "
            f"{change.verdict} ({change.why})",
            f"Baseline: mean of the {change.baseline_note} "
            f"({dates.day(change.baseline_first)} to {dates.day(change.baseline_last)}); "
            f"latest: the last {change.latest_days} days with a score "
            f"({dates.day(change.latest_first)} to {dates.day(change.latest_last)}).",
        ))
    else:
        keys.append(KeyNumber("Pain: baseline to latest (0-10)", change.message))
    # the trend and the session effect are said without a day
    trend = summary.trend.message.removeprefix("Trend: ")
    keys.append(KeyNumber("Pain trend", trend))
    keys.append(KeyNumber("Pain across a session", summary.session_effect.message))
    next_day = summary.next_day_pain
    if not next_day.empty:
        if next_day["note"].iloc[0]:
            text = next_day["note"].iloc[0]
        else:
            text = "; ".join(
                f"{row.mean_next_day_pain:.1f}/10 {row.group} ({plural(row.days, 'day')})"
                for row in next_day.itertuples(index=False)
            )
        keys.append(KeyNumber("Next-day pain (association)", text))
    keys += _signal_numbers(summary)
    keys.append(KeyNumber("Flags", flag_counts_text(summary.flags)))
    if summary.outcome_changes.empty:  # one line here instead of a section of its own
        keys.append(KeyNumber("Outcome questionnaires", NO_QUESTIONNAIRES))
    return tuple(keys)


def plan_version_text(summary, dates: Dates | None = None) -> str:
    """The plan's version and its changes within the period, e.g. ``"version 2 from 12 Oct
    2026: Knee to chest: 12 reps (was 10)"``; "" for a first version that did not change.

    A de-identified report says the days as "day N" and leaves out the change lists, which
    someone typed (as a de-identified share bundle does).
    """
    dates = dates or Dates.named()
    plan = summary.plan
    changes = summary.plan_changes
    if plan.version <= 1 and not changes:
        return ""
    if not changes:  # the version in force began before the period
        since = f" from {dates.long_day(plan.valid_from)}" if plan.valid_from else ""
        return f"version {plan.version}{since}; no change within this period"
    said = []
    for kept in changes:
        words = "" if dates.deidentify or not kept.changes else f": {'; '.join(kept.changes)}"
        said.append(f"version {kept.version} from {dates.long_day(kept.valid_from)}{words}")
    return _one_line(" · ".join(said), MAX_PLAN_CHANGE_CHARS)


def _signal_numbers(summary) -> list[KeyNumber]:
    """The patient's answers per exercise and what got in the way, a line each when there is
    anything to say; exercise names shown as the plan's lines show them."""
    table = summary.exercise_signals
    named = table.assign(name=[_one_line(name, MAX_EXERCISE_CHARS) for name in table["name"]])
    texts = ((EXERCISES_LABEL, exercise_signals_text(named)),
             (BARRIERS_LABEL, barriers_text(summary.weekly_barriers)))
    return [KeyNumber(label, f"{text}.") for label, text in texts if text]


def _week_sessions(week) -> str:
    """A week's sessions (``week``: a row of the weekly adherence table), with its percentage
    of the target when whole ("5 (71 %)"). A part week's pro-rata percentage can pass 100 (5
    sessions in its one day: 500 %), so a part week says its days instead ("5 in 1 day (part
    week)")."""
    if not week.part:
        return f"{week.sessions} ({week.percent:.0f} %)"
    return f"{week.sessions} in {plural(week.days_in_period, 'day')} (part week)"


def _exercise_rows(summary) -> tuple[tuple[tuple[str, ...], ...], int]:
    table = summary.exercise_adherence
    shown = table.head(MAX_EXERCISE_ROWS)
    rows = []
    for row in shown.itertuples(index=False):
        percent = "n/a" if pd.isna(row.percent) else f"{row.percent:.0f} %"
        rows.append((_one_line(row.name, MAX_EXERCISE_CHARS), row.side or "-",
                     f"{row.reps_done} / {row.reps_target}", percent,
                     f"{row.stopped} / {row.skipped} / {row.not_reached}"))
    return tuple(rows), len(table) - len(shown)


def more_rows_text(hidden: int) -> str:
    """The line under the reps table counting the rows left out ("" when none)."""
    if not hidden:
        return ""
    return (f"{plural(hidden, 'more row')} not listed; every session's reps are in "
            f"exercise_log.csv ({LOG_PLACES}).")


def _plan_lines(plan: Plan) -> tuple[str, ...]:
    # each line starts with the exercise's name: only the name is cut, the numbers stay
    lines = [_one_line(exercise.name, MAX_EXERCISE_CHARS) + line[len(exercise.name):]
             for exercise, line in zip(plan.exercises, plan.summary_lines(), strict=True)]
    if len(lines) > MAX_PLAN_LINES:
        hidden = len(lines) - MAX_PLAN_LINES + 1
        lines = [*lines[: MAX_PLAN_LINES - 1], f"and {hidden} more exercises"]
    return tuple(lines)


def _flag_items(summary, dates: Dates) -> tuple[tuple[Item, ...], str]:
    """One line per kind of flag (count, first and last day, worst value); the scores behind
    them are in the log, which the share file holds."""
    items = []
    names = {exercise.id: _one_line(exercise.name, MAX_EXERCISE_CHARS)
             for exercise in summary.plan.exercises}
    for row in flag_groups(summary.flags, names).itertuples(index=False):
        times = f"{row.count} time{'s' if row.count != 1 else ''}"
        span = (f"on {dates.day(row.first)}" if row.first == row.last
                else f"{dates.day(row.first)} to {dates.day(row.last)}")
        items.append(Item("", row.title, f"{row.title}: {times}, {span}; {row.worst_text}."))
    more = ("The scores behind each flag are in pain_log.csv "
            f"({LOG_PLACES})." if items else "")
    return tuple(items), more


def _outcome_lines(summary, dates: Dates) -> tuple[str, ...]:
    """A line per outcome measure and per PSFS activity; de-identified without the activities'
    names (they can identify a person) and with "day N" for dates. An activity's name is typed
    text: shown on one line, sanitised and cut like a name."""
    activities = summary.psfs_activity_changes
    named = activities.assign(label=[_one_line(name, MAX_ACTIVITY_CHARS)
                                     for name in activities["label"]])
    changes = summary.outcome_changes
    if "added" in changes.columns:  # the PSFS activities added or dropped, named in its line
        changes = changes.assign(**{side: [tuple(_one_line(name, MAX_ACTIVITY_CHARS)
                                                 for name in names) for names in changes[side]]
                                    for side in ("added", "dropped")})
    return tuple(outcome_lines(changes, named, day=dates.day,
                               activity_names=not dates.deidentify,
                               thresholds=summary.plan.thresholds))


OUTCOMES_NOTE = ("First questionnaire against the latest (latest minus first); lower is better for "
                 "the PEG, ODI and RMDQ, higher for the PSFS. Thresholds from the plan.")


def _note_items(log: Log, summary, dates: Dates) -> tuple[tuple[Item, ...], int]:
    pain = log.pain
    days = pain["date"]
    noted = pain.loc[(pain["note"].str.strip() != "") & (days >= summary.start)
                     & (days <= summary.end)].sort_values("recorded_at", kind="stable")
    shown = noted.tail(MAX_NOTES)
    items = tuple(
        Item(dates.day(row.date), CONTEXT_WORDS.get(row.context, row.context),
             shown_text(row.note.strip(), MAX_NOTE_CHARS))
        for row in shown.itertuples(index=False)
    )
    return items, len(noted) - len(shown)


def short_note(text: str) -> str:
    """A note shown on one line of at most ``SHORT_NOTE_CHARS`` characters: how the PDF lists
    more notes when the longer ones would not fit its two pages."""
    return _one_line(text, SHORT_NOTE_CHARS)


def more_notes_text(hidden: int) -> str:
    """The line under the notes counting the earlier ones left out ("" when none)."""
    if not hidden:
        return ""
    return (f"{plural(hidden, 'earlier note')} not listed; every note is in pain_log.csv "
            f"({LOG_PLACES}) and in the spreadsheet export (backrelief export).")


def gather_report(
    log: Log,
    plan: Plan,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    patient: str | None = None,
    deidentify: bool = False,
    code: str | None = None,
    charts: bool = True,
    source_note: str = "",
    screen_charts: bool = True,
    print_charts: bool = True,
) -> ReportContent:
    """Gather what the report shows from :func:`~backrelief_analysis.analysis.summary.summarise`.

    Parameters
    ----------
    log, plan
        The loaded log and the plan it is measured against.
    start, end
        Inclusive local days; by default the log's first and last day.
    patient
        The name for the header (ignored when de-identifying).
    deidentify
        No name, no notes, no plan name, no exercise the plan does not name, no calendar dates.
    code
        A de-identified report's patient code (a bundle's, as the caseload row shows it), in the
        header beside "de-identified".
    charts
        Render the three charts (False skips matplotlib, e.g. for a quick text check).
    source_note
        A line saying where the data came from (e.g. the demo data).
    screen_charts, print_charts
        Draw the charts for the HTML page (larger text), and for print (the PDF); a report
        written in one format needs only its own.

    Returns
    -------
    ReportContent
    """
    if deidentify:  # an exercise id the plan does not name is text someone typed
        log = withhold_unknown_exercises(log, plan)
    summary = summarise(log, plan, start=start, end=end)
    dates = report_dates(summary.start, deidentify=deidentify)
    name = _one_line(patient or "", MAX_NAME_CHARS)
    shown_code = _one_line(code or "", MAX_NAME_CHARS)
    who = ((f"{shown_code} ({DEIDENTIFIED})" if shown_code else DEIDENTIFIED) if deidentify
           else (name or "not named"))
    generated = ("date withheld (de-identified report)" if deidentify
                 else f"{now_local():%d %b %Y}")
    footer = f"backrelief {__version__}. {DISCLAIMER}"
    common = {
        "title": TITLE,
        "patient": who,
        "deidentified": deidentify,
        "generated": generated,
        "plan_name": WITHHELD if deidentify else _one_line(plan.name, MAX_NAME_CHARS),
        "plan_lines": _plan_lines(plan),
        "target": plan.target_text,
        "footer": footer,
        "source_note": source_note,
        "metadata": {
            "title": TITLE if deidentify or not name else f"{TITLE}: {who}",
            "author": "backrelief (self-reported data)",
            "subject": "Home exercise programme for lower back pain: progress summary",
        },
    }
    if not _has_data(summary):
        period = ("no entries" if summary.empty else _period_text(summary, dates))
        message = ("There is no session and no pain score in this period, so there is nothing "
                   "to report yet." if not summary.empty else
                   "The log has no sessions and no pain scores yet, so there is nothing to "
                   "report.")
        return ReportContent(period=period, has_data=False, no_data_message=message, **common)

    flags, flags_more = _flag_items(summary, dates)
    asked = not summary.outcome_changes.empty  # any questionnaire up to the period's end
    exercise_rows, exercise_hidden = _exercise_rows(summary)
    notes, notes_hidden = ((), 0) if deidentify else _note_items(log, summary, dates)
    figures = _charts(summary, dates) if charts and print_charts else ()
    screen_figures = _charts(summary, dates, screen=True) if charts and screen_charts else ()
    # the summary's baseline again, its sentences saying days as this report does
    change = baseline_change(log.pain, plan.thresholds, start=summary.start, end=summary.end,
                             daily=summary.daily_pain, day=dates.day)
    return ReportContent(
        period=_period_text(summary, dates),
        has_data=True,
        key_numbers=_key_numbers(summary, dates, change),
        exercise_rows=exercise_rows,
        exercise_hidden=exercise_hidden,
        exercise_more=more_rows_text(exercise_hidden),
        charts=figures,
        screen_charts=screen_figures,
        flag_count=len(summary.flags),
        flags=flags,
        flags_more=flags_more,
        outcomes=_outcome_lines(summary, dates) if asked else (),
        outcomes_note=OUTCOMES_NOTE if asked else "",
        flag_note=_flag_note(plan),
        notes=notes,
        notes_hidden=notes_hidden,
        notes_more=more_notes_text(notes_hidden),
        sources=tuple(how_defined(plan.thresholds, outcomes=asked, dates=dates,
                                  signals=not summary.exercise_signals.empty)),
        **common,
    )


def _flag_note(plan: Plan) -> str:
    th = plan.thresholds
    return (f"Thresholds from the plan: pain after a session above {th.pain_after_max:g}/10; "
            f"not settled: the next day's first score more than {th.settle_margin_points:g} "
            f"point above the pain before; a weekly rise of {th.rising_points:g} point or more "
            "(see how these are defined, below). A session's flags are dated on its own day.")


# --- charts ------------------------------------------------------------------------------------


def _tidy(figure) -> None:
    """Small-size touches: whole-number pain ticks, and a side legend clear of the right axis."""
    for ax in figure.axes:
        if ax.get_ylabel().startswith("pain (0"):
            ax.set_yticks(range(0, 11, 2))
    if len(figure.axes) > 1 and figure.axes[0].get_legend() is not None:
        figure.axes[0].get_legend().set_bbox_to_anchor((1.12, 1.0))


def _render(figure, caption: str, alt: str) -> Chart:
    _tidy(figure)
    buffer = io.BytesIO()
    # no Software/date text chunks: the image must not say when or with what it was made
    figure.savefig(buffer, format="png", dpi="figure", metadata={"Software": None})
    from matplotlib.text import Text

    labels = tuple(text.get_text() for text in figure.findobj(Text) if text.get_text())
    legend_sizes = [text.get_fontsize() for ax in figure.axes if ax.get_legend() is not None
                    for text in ax.get_legend().get_texts()]
    width, height = figure.get_size_inches()
    return Chart(buffer.getvalue(), caption, alt, float(width), float(height), labels,
                 min(legend_sizes, default=0.0))


def _charts(summary, dates: Dates, *, screen: bool = False) -> tuple[Chart, ...]:
    """The three charts, drawn by :mod:`backrelief_analysis.report.charts` and rendered to PNG:
    for print, or (``screen``) with text large enough for the HTML page."""
    from matplotlib import rc_context

    with rc_context(SCREEN_STYLE if screen else CHART_STYLE):
        return _draw_charts(summary, dates, screen=screen)


def _figure(*, right: float, top: float, screen: bool = False):
    """A report-sized figure with fixed margins (fractions of the print figure).

    Fixed margins instead of constrained layout: the layout pass costs about as much as the
    drawing itself, and these three charts always have the same furniture. A screen figure
    keeps each margin's room for text in proportion to its larger text.
    """
    from matplotlib.figure import Figure

    size, left, bottom = CHART_SIZE_IN, 0.08, 0.235
    if screen:
        # margins in inches grow with the text; as fractions of the screen figure:
        grow = SCREEN_STYLE["font.size"] / CHART_STYLE["font.size"]
        print_w, print_h = CHART_SIZE_IN
        size = SCREEN_SIZE_IN

        def scaled(margin: float, print_len: float, screen_len: float) -> float:
            return margin * print_len * grow / screen_len

        left = scaled(left, print_w, size[0])
        bottom = scaled(bottom, print_h, size[1])
        right = 1 - scaled(1 - right, print_w, size[0])
        top = 1 - scaled(1 - top, print_h, size[1])
    figure = Figure(figsize=size, dpi=SCREEN_DPI if screen else CHART_DPI)
    figure.subplots_adjust(left=left, right=right, top=top, bottom=bottom)
    return figure, figure.add_subplot()


def _changes_caption(summary) -> str:
    """The sentence a chart's caption gains when it marks plan changes ("" without)."""
    if not summary.plan_changes:
        return ""
    return " A dotted line marks the first day of each new version of the plan (plan v2, ...)."


def _draw_charts(summary, dates: Dates, *, screen: bool = False) -> tuple[Chart, ...]:
    from . import charts  # deferred: matplotlib, only when charts are drawn

    plan = summary.plan
    drawn = []
    figure, ax = _figure(right=0.75, top=0.75, screen=screen)
    charts.plot_pain_trend(summary.daily_pain, baseline=summary.baseline,
                           thresholds=plan.thresholds, ax=ax, legend_outside=True,
                           dates=dates)
    if screen:  # its legend takes a quarter of the width: fewer week ticks fit
        charts.week_ticks(ax, charts.MAX_WEEK_TICKS // 2)
    drawn.append(_render(
        figure,
        "Daily mean pain (dots) and its 7-day mean, against the baseline and the two lines of a "
        "clinically meaningful fall; triangles mark days the patient marked a flare-up.",
        "Chart of pain over time against the baseline and the meaningful-change lines."))
    figure, ax = _figure(right=0.985, top=0.78 if summary.partial_weeks else 0.87,
                         screen=screen)
    charts.plot_weekly_adherence(summary.weekly_adherence, thresholds=plan.thresholds, ax=ax,
                                 dates=dates, changes=summary.plan_changes)
    drawn.append(_render(
        figure,
        "Sessions per week against the plan's target and the adherence cut-off; each bar shows "
        "that week's percentage of the target. A week the period cuts is marked part (dashed "
        f"outline), its target pro rata to its days.{_changes_caption(summary)}",
        "Bar chart of sessions per week against the target."))
    figure, ax = _figure(right=0.69, top=0.8, screen=screen)
    charts.plot_reps_and_pain(summary.weekly_reps_pain, plan, ax=ax, dates=dates,
                              changes=summary.plan_changes)
    if screen:  # its legend takes a third of the width: half as many week ticks fit
        charts.week_ticks(ax, charts.MAX_WEEK_TICKS // 2, centred=True)
    drawn.append(_render(
        figure,
        "Reps done per week, stacked by exercise, under the weekly mean pain (right axis). "
        f"An association in a self-reported diary, not cause and effect."
        f"{_changes_caption(summary)}",
        "Stacked bar chart of weekly reps per exercise with the weekly mean pain line."))
    return tuple(drawn)


__all__ = ["Chart", "Item", "KeyNumber", "ReportContent", "gather_report", "report_dates",
           "shown_text", "write_private"]
