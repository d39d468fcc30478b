"""Lay the report out as an A4 PDF with reportlab's platypus, in DejaVu Sans.

The font files come with matplotlib (a dependency already), so nothing is downloaded: DejaVu
draws Latin, Greek and Cyrillic text, which reportlab's built-in fonts (Windows-1252 only) do not.

Every piece of text goes through :func:`_text`, which escapes it: platypus paragraphs read a
small markup language, so a note holding ``<b>`` must be shown, not obeyed. A de-identified
report is built with reportlab's ``invariant`` mode and a fixed date formatter, so neither the
creation nor the modification date in the file's metadata is the real one.
"""

from __future__ import annotations

import functools
import io
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
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
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .report import ReportContent, shown_text

MARGIN = 13 * mm
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
                             leading=12.4, spaceBefore=6, spaceAfter=2),
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
    """Sanitise (:func:`~backrelief_analysis.report.shown_text`) and escape text for a platypus
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
    if not content.exercise_rows:
        return []
    head = [_para(text, "label") for text in content.exercise_head]
    body = [[_para(cell) for cell in row] for row in content.exercise_rows]
    shares = (0.3, 0.1, 0.22, 0.12, 0.26)
    more = [_para(content.exercise_more, "detail")] if content.exercise_more else []
    return [_para("Reps done against prescribed", "h2"),
            _rule_table([head, *body], [share * width for share in shares], header=True), *more]


def _charts(content: ReportContent, width: float) -> list:
    flowables = []
    for chart in content.charts:
        scale = width / (chart.width_in * inch)
        image = Image(io.BytesIO(chart.png), width=width,
                      height=chart.height_in * inch * scale)
        flowables.append(KeepTogether([image, _para(chart.caption, "detail"), Spacer(1, 3)]))
    return flowables


def _items(title: str, items, more: str, empty_text: str, note: str = "") -> list:
    flowables = [_para(title, "h2")]
    if not items:
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


def _story(content: ReportContent, width: float) -> list:
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
        story += [_para("Charts", "h2"), *_charts(content, width)]
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


def render_pdf(content: ReportContent) -> bytes:
    """The report as PDF bytes (A4, DejaVu Sans, charts as embedded PNG images)."""
    buffer = io.BytesIO()
    meta = content.metadata
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 5 * mm, title=meta.get("title", content.title),
        author=meta.get("author", ""), subject=meta.get("subject", ""), creator="backrelief",
        producer="backrelief (ReportLab)", keywords=[], invariant=1 if content.deidentified
        else 0, lang="en", initialFontName=_fonts().regular,
    )  # fmt: skip
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
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            document.build(_story(content, document.width), onFirstPage=on_page,
                           onLaterPages=on_page)
        finally:
            rl_config.useA85 = saved
    return buffer.getvalue()
