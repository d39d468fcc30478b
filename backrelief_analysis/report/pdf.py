"""Lay the report out as an A4 PDF with reportlab's platypus, in DejaVu Sans.

The font files come with matplotlib (a dependency already), so nothing is downloaded: DejaVu
draws Latin, Greek and Cyrillic text, which reportlab's built-in fonts (Windows-1252 only) do not.

Every piece of text goes through :func:`_text`, which escapes it: platypus paragraphs read a
small markup language, so a note holding ``<b>`` must be shown, not obeyed. A de-identified
report is built with reportlab's ``invariant`` mode and a fixed date formatter, so neither the
creation nor the modification date in the file's metadata is the real one.

The report keeps to :data:`MAX_PAGES` pages by measuring, not by counting lines: the PDF is laid
out by reportlab, each flowable wrapped against the room left in its frame, and a report that
would take a third page is laid out again with less (:func:`fit_pages`): the notes shorter and
fewer, then fewer rows of the reps table and narrower charts, whatever is left out counted.
"""

from __future__ import annotations

import functools
import io
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .content import (
    MAX_EXERCISE_ROWS,
    ReportContent,
    more_notes_text,
    more_rows_text,
    short_note,
    shown_text,
)

MARGIN = 13 * mm
MAX_PAGES = 2  # the README's promise: the report stays within two pages
# a fixed, meaningless date for de-identified files (the PDF format requires some date string)
_NO_DATE = "D:20000101000000+00'00'"
_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#555555")
_RULE = colors.HexColor("#bbbbbb")

_BUILDING = threading.Lock()
_FAMILY = "BackreliefSans"
_FACES = {"": "DejaVuSans.ttf", "-Bold": "DejaVuSans-Bold.ttf",
          "-Oblique": "DejaVuSans-Oblique.ttf", "-BoldOblique": "DejaVuSans-BoldOblique.ttf"}


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    covers: Callable[[str], bool]


@functools.cache
def _fonts() -> _Fonts:
    """Register DejaVu Sans from matplotlib's own font folder, once per process.

    If the files cannot be read, fall back to the built-in Helvetica and what it can draw.
    """
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    try:
        faces = {suffix: TTFont(_FAMILY + suffix, str(folder / name))
                 for suffix, name in _FACES.items()}
    except (OSError, TTFError):
        return _Fonts("Helvetica", "Helvetica-Bold", _in_cp1252)
    for face in faces.values():
        pdfmetrics.registerFont(face)
    registerFontFamily(_FAMILY, normal=_FAMILY, bold=_FAMILY + "-Bold",
                       italic=_FAMILY + "-Oblique", boldItalic=_FAMILY + "-BoldOblique")
    glyphs = frozenset(faces[""].face.charToGlyph)
    return _Fonts(_FAMILY, _FAMILY + "-Bold", lambda char: ord(char) in glyphs)


def _in_cp1252(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    fonts = _fonts()
    base = ParagraphStyle("base", fontName=fonts.regular, bulletFontName=fonts.regular,
                          fontSize=8, leading=9.9, textColor=_INK, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=13,
                                leading=16, spaceAfter=2),
        "meta": ParagraphStyle("meta", parent=base, textColor=_INK),
        "h2": ParagraphStyle("h2", parent=base, fontName=fonts.bold, fontSize=10,
                             leading=12.4, spaceBefore=6, spaceAfter=2, keepWithNext=1),
        "cell": base,
        "label": ParagraphStyle("label", parent=base, fontName=fonts.bold),
        "detail": ParagraphStyle("detail", parent=base, fontSize=6.9, leading=8.4,
                                 textColor=_MUTED),
        "item": ParagraphStyle("item", parent=base, fontSize=7.5, leading=9.2, leftIndent=8,
                               firstLineIndent=-8, spaceAfter=1.2),
        "empty": ParagraphStyle("empty", parent=base, fontName=fonts.bold, fontSize=11,
                                leading=14, borderColor=_RULE, borderWidth=0.6, borderPadding=8,
                                spaceBefore=10, spaceAfter=10),
        "footer": ParagraphStyle("footer", parent=base, fontSize=6.6, leading=8,
                                 textColor=_MUTED),
    }


def _printable(value: str) -> str:
    """Keep what the font can draw; other characters lose their accent or become "?" rather
    than an empty box (the HTML report shows every character)."""
    covers = _fonts().covers

    def stand_in(char: str) -> str:
        if char in "\n\t" or covers(char):
            return char
        base = unicodedata.normalize("NFKD", char)[:1]
        return base if base and covers(base) and base.isprintable() else "?"

    return "".join(map(stand_in, value))


def _text(value: str) -> str:
    """Sanitise (:func:`~.report.content.shown_text`) and escape text for a platypus
    Paragraph, which would otherwise read it as markup."""
    return escape(_printable(shown_text(value))).replace("\n", "<br/>")


def _para(value: str, style: str = "cell") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


def _rule_table(rows: list[list], widths: list[float], *, header: bool) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), _fonts().regular),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#dddddd")),
    ]
    if header:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), 0.6, _RULE))
    table.setStyle(TableStyle(commands))
    return table


def _header(content: ReportContent, width: float) -> list:
    parts = [
        Paragraph(_text(content.title), _styles()["title"]),
        Paragraph(f"<b>Patient:</b> {_text(content.patient)} &nbsp;&nbsp; "
                  f"<b>Period:</b> {_text(content.period)} &nbsp;&nbsp; "
                  f"<b>Generated:</b> {_text(content.generated)}"
                  + (f" &nbsp;&nbsp; <i>{_text(content.source_note)}</i>"
                     if content.source_note else ""), _styles()["meta"]),
        Paragraph(f"<b>Plan:</b> {_text(content.plan_name)}; target {_text(content.target)}.",
                  _styles()["meta"]),
    ]
    # one line per exercise, in two columns to save height
    lines = [_para(f"• {line}") for line in content.plan_lines]
    half = (len(lines) + 1) // 2
    left, right = lines[:half], lines[half:] + [""] * (2 * half - len(lines))
    if lines:
        plan = Table([list(pair) for pair in zip(left, right, strict=True)],
                     colWidths=[width / 2, width / 2], hAlign="LEFT")
        plan.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _fonts().regular),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))
        parts.append(plan)
    return parts


def _key_numbers(content: ReportContent, width: float) -> list:
    rows = []
    for key in content.key_numbers:
        cell = [_para(key.value)]
        if key.detail:
            cell.append(_para(key.detail, "detail"))
        rows.append([_para(key.label, "label"), cell])
    return [_para("Key numbers", "h2"), _rule_table(rows, [0.24 * width, 0.76 * width],
                                                     header=False)]


def _exercise_table(content: ReportContent, width: float) -> list:
    if not content.exercise_rows and not content.exercise_more:
        return []
    head = [_para(text, "label") for text in content.exercise_head]
    body = [[_para(cell) for cell in row] for row in content.exercise_rows]
    shares = (0.3, 0.1, 0.22, 0.12, 0.26)
    more = [_para(content.exercise_more, "detail")] if content.exercise_more else []
    return [_para("Reps done against prescribed", "h2"),
            _rule_table([head, *body], [share * width for share in shares], header=True), *more]


class _Blank(Flowable):
    """A chart's room in a trial layout: the same size, nothing decoded or drawn."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        pass


def _charts(content: ReportContent, width: float, *, scale: float = 1.0,
            blank: bool = False) -> list:
    heading = _para("Charts", "h2")
    flowables = []
    for chart in content.charts:
        shown_width = width * scale
        height = chart.height_in * inch * shown_width / (chart.width_in * inch)
        image = (_Blank(shown_width, height) if blank else
                 Image(io.BytesIO(chart.png), width=shown_width, height=height, hAlign="LEFT"))
        # the heading goes with the first chart: keepWithNext does not join a KeepTogether
        lead = [] if flowables else [heading]
        flowables.append(KeepTogether([*lead, image, _para(chart.caption, "detail"),
                                       Spacer(1, 3)]))
    return flowables or [heading]


def _items(title: str, items, more: str, empty_text: str, note: str = "") -> list:
    flowables = [_para(title, "h2")]
    if not items and not more:
        flowables.append(_para(empty_text))
    for item in items:
        # a flag's sentence already names its date and kind; a note needs both added
        lead = "" if not item.when else (f"<b>{_text(item.when)}</b> · "
                                         f"<font color='#7a3b00'>{_text(item.title)}</font>: ")
        flowables.append(Paragraph(f"• {lead}{_text(item.text)}", _styles()["item"]))
    if more:
        flowables.append(_para(more, "detail"))
    if note:
        flowables.append(_para(note, "detail"))
    return flowables


def _story(content: ReportContent, width: float, *, chart_scale: float = 1.0,
           blank_charts: bool = False) -> list:
    story = _header(content, width)
    if not content.has_data:
        story.append(_para(content.no_data_message, "empty"))
    else:
        story += _key_numbers(content, width)
        story += _exercise_table(content, width)
        if content.outcomes:  # none yet: a line in the key numbers says so
            story += [_para("Outcome questionnaires", "h2"),
                      *(Paragraph(f"• {_text(line.strip())}", _styles()["item"])
                        for line in content.outcomes),
                      _para(content.outcomes_note, "detail")]
        story += _charts(content, width, scale=chart_scale, blank=blank_charts)
        story += _items(f"Flags ({content.flag_count})", content.flags, content.flags_more,
                        "No flags in this period.", content.flag_note)
    if content.deidentified:
        story += [_para("Patient's notes", "h2"), _para("Left out: this report is de-identified.")]
    else:
        story += _items("Patient's notes", content.notes, content.notes_more,
                        "No notes in this period.")
    if content.sources:
        story.append(_para("How these are defined", "h2"))
        story.append(_para(" ".join(content.sources), "detail"))  # one paragraph saves lines
    return story


@dataclass(frozen=True)
class PageFit:
    """What the PDF shows of the content so that it fits :data:`MAX_PAGES` pages."""

    content: ReportContent
    chart_scale: float = 1.0


FEW_NOTES = 3  # fewer notes listed than this: the charts are drawn narrower for more
# Steps taken, in order, when no note fits beside the full reps table and charts: the reps
# table keeps fewer rows (each left out is counted), then the charts are drawn narrower; each
# step lists the notes its room holds. The key
# numbers, the flags, the outcomes and the definitions are never left out.
_SHORTER = ((MAX_EXERCISE_ROWS, 0.85), (6, 0.85), (6, 0.7), (3, 0.6), (0, 0.5))


def _with_notes(content: ReportContent, shown: int) -> ReportContent:
    """The content listing only the latest ``shown`` of its notes; the rest are counted."""
    hidden = content.notes_hidden + len(content.notes) - shown
    return replace(content, notes=content.notes[len(content.notes) - shown:],
                   notes_hidden=hidden, notes_more=more_notes_text(hidden))


def _with_rows(content: ReportContent, shown: int) -> ReportContent:
    """The content listing only the first ``shown`` rows of its reps table; the rest counted."""
    shown = min(shown, len(content.exercise_rows))
    hidden = content.exercise_hidden + len(content.exercise_rows) - shown
    return replace(content, exercise_rows=content.exercise_rows[:shown],
                   exercise_hidden=hidden, exercise_more=more_rows_text(hidden))


def _document(buffer: io.BytesIO, content: ReportContent) -> SimpleDocTemplate:
    meta = content.metadata
    return SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 5 * mm, title=meta.get("title", content.title),
        author=meta.get("author", ""), subject=meta.get("subject", ""), creator="backrelief",
        producer="backrelief (ReportLab)", keywords=[], invariant=1 if content.deidentified
        else 0, lang="en", initialFontName=_fonts().regular,
    )  # fmt: skip


def _pages(fit: PageFit) -> int:
    """The pages ``fit`` takes, laid out by reportlab itself: every flowable wrapped against
    the room left in its frame, page breaks and kept-together charts included. The charts are
    blanks of their size, so nothing is decoded or compressed."""
    document = _document(io.BytesIO(), fit.content)
    document.build(_story(fit.content, document.width, chart_scale=fit.chart_scale,
                          blank_charts=True))
    return document.page


def _with_short_notes(content: ReportContent) -> ReportContent:
    return replace(content, notes=tuple(replace(note, text=short_note(note.text))
                                        for note in content.notes))


def _most_notes(content: ReportContent, pages: int, chart_scale: float = 1.0) -> PageFit | None:
    """The content with as many of its latest notes as fit ``pages``, or None when even none
    fit. None and all are tried first (each settles most reports in one layout), then the count
    is found by halving: a longer list never takes fewer pages."""

    def fits(shown: int) -> bool:
        return _pages(PageFit(_with_notes(content, shown), chart_scale)) <= pages

    fewest, most = 0, len(content.notes)
    if not fits(fewest):
        return None
    if most and not fits(most):
        most -= 1  # the answer now lies in [fewest, most]
        while fewest < most:
            middle = (fewest + most + 1) // 2
            fewest, most = (middle, most) if fits(middle) else (fewest, middle - 1)
    else:
        fewest = most
    return PageFit(_with_notes(content, fewest), chart_scale)


def _listed(fit: PageFit | None) -> int:
    return -1 if fit is None else len(fit.content.notes)


def fit_pages(content: ReportContent, pages: int = MAX_PAGES) -> PageFit:
    """What of ``content`` the PDF shows so that it takes at most ``pages`` pages.

    Each candidate is laid out by reportlab (:func:`_pages`), so what decides is the room left
    on the page, not a count of lines. First every note as gathered; then each note cut to one
    short line, as many of the latest as fit, the earlier ones counted ("14 earlier notes not
    listed"), with the charts a little narrower if that lists more when fewer than
    :data:`FEW_NOTES` fit. If no note fits, the steps of :data:`_SHORTER` are tried in turn,
    each listing as many of the latest notes as its room holds. The key numbers, the flags,
    the outcomes and the definitions always stay.
    """
    whole = PageFit(content)
    return whole if _pages(whole) <= pages else _shortened(content, pages)


def _shortened(content: ReportContent, pages: int) -> PageFit:
    """:func:`fit_pages` for content known not to fit as it is."""
    short = _with_short_notes(content)
    fit = _most_notes(short, pages)
    if _listed(fit) < min(FEW_NOTES, len(content.notes)):
        # a few notes are worth charts a little narrower
        fit = max(fit, _most_notes(short, pages, _SHORTER[0][1]), key=_listed)
    if fit is not None:
        return fit
    # each step leaves more room: list as many notes as that room holds (a narrower chart may
    # hold all of them), and the last step with none when even that is too long
    for rows, scale in _SHORTER:
        fit = _most_notes(_with_rows(short, rows), pages, scale)
        if fit is not None:
            return fit
    rows, scale = _SHORTER[-1]
    return PageFit(_with_rows(_with_notes(short, 0), rows), scale)


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes (A4, DejaVu Sans, charts as embedded PNG images), on at most
    :data:`MAX_PAGES` pages: what :func:`fit_pages` keeps of it."""
    footer = _text(content.footer)

    def on_page(canvas, doc) -> None:
        if content.deidentified:
            # invariant mode already fixes the date; the formatter also overrides any
            # SOURCE_DATE_EPOCH in the environment, which invariant mode would honour
            canvas.setDateFormatter(lambda *_: _NO_DATE)
        canvas.saveState()
        paragraph = Paragraph(f"{footer} &nbsp; Page {doc.page}.", _styles()["footer"])
        _, height = paragraph.wrap(doc.width, MARGIN)
        paragraph.drawOn(canvas, doc.leftMargin, MARGIN - height + 2 * mm)
        canvas.restoreState()

    # images as binary streams: reportlab's pure-Python ASCII85 step is the slowest part of
    # the build and only serves 7-bit mail transports. The setting is process-wide, so builds
    # take turns: two threads never see each other's value
    with _BUILDING:
        # the trial layouts cost a tenth of a real build: charts are neither decoded nor written
        fit = fit_pages(content)
        buffer = io.BytesIO()
        document = _document(buffer, fit.content)
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            document.build(_story(fit.content, document.width, chart_scale=fit.chart_scale),
                           onFirstPage=on_page, onLaterPages=on_page)
        finally:
            rl_config.useA85 = saved
    return buffer.getvalue()
