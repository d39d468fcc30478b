"""The physiotherapist's report, read back as a user would: PDF text, HTML, metadata."""

from __future__ import annotations

import csv
import html
import io
import re
import stat
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import plans
import pypdf
import pytest
from report_fixtures import (
    LONG_NOTE,
    WIDE,
    write_demo_with_long_notes,
    write_diary,
    write_long_plan,
)
from signal_fixtures import BARRIER_LINE, EXERCISE_LINE, FIRST, SESSIONS, at, signal_patient

from backrelief_analysis import __version__, paths
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.store import (
    ExerciseBlock,
    LogStore,
    PainEntry,
    SignalEntry,
    load_log,
    now_local,
)
from backrelief_analysis.plan import load_plan
from backrelief_analysis.report.build import build_report, render_html, report_folder, write_report
from backrelief_analysis.report.content import KeyNumber, gather_report
from backrelief_analysis.words.summary import summary_outcome_lines

EXERCISE_HEADER = ("session_id,session_started_at,exercise,side,reps_target,reps_done,"
                   "hold_s_target,hold_s_mean,status,logged_at\n")
PAIN_HEADER = "recorded_at,pain,context,session_id,flare,note\n"
HOSTILE = "<script>alert(1)</script>"
NAME = "Zelda Quux"
DATE_PATTERNS = [
    re.compile(r"\d{4}-\d{2}-\d{2}"),
    re.compile(r"\b20\d\d\b"),
    # month names, full or short ("Dec" but not the PDF key "Decode")
    re.compile(r"\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?"
               r"|Sept?(ember)?|Oct(ober)?|Nov(ember)?|Dec(ember)?)\b"),
    re.compile(r"\d{4}-W\d{2}"),
]

# Two ISO weeks, Monday 2026-09-07 to Sunday 2026-09-20 (UTC+1 wall clock).
# Week 1: sessions on Tue 8 and Thu 10; week 2: sessions Mon 14 to Fri 18 (five).
# Every week-1 day has a daily mean of 6 (session days: before 7, after 5; other days a check-in
# of 6); every week-2 day has a mean of 3 (before 4, after 2, a check-in of 3 on Wed 16 marked
# as a flare, and check-ins of 3 on the weekend).
WEEK1_SESSIONS = ("08", "10")
WEEK2_SESSIONS = ("14", "15", "16", "17", "18")
CHECK_IN_DAYS = {"07": 6, "09": 6, "11": 6, "12": 6, "13": 6, "19": 3, "20": 3}


def write_hand_log(folder: Path, *, note: str = "Felt stiff") -> Path:
    """The two-week log above, written as real CSV files."""
    exercise, pain = [EXERCISE_HEADER], [PAIN_HEADER]
    for day in WEEK1_SESSIONS + WEEK2_SESSIONS:
        session = f"s{day}"
        before, after = (7, 5) if day in WEEK1_SESSIONS else (4, 2)
        # one session does 6 of its 10 reps: 66 of 70 reps in all
        done = 6 if day == "15" else 10
        status = "stopped" if done < 10 else "completed"
        exercise.append(f"{session},2026-09-{day}T08:00:00+01:00,pelvic_tilt,,10,{done},5,5.0,"
                        f"{status},2026-09-{day}T08:02:00+01:00\n")
        pain.append(f"2026-09-{day}T07:59:00+01:00,{before},before_session,{session},,\n")
        text = note if day == "10" else ""
        pain.append(f'2026-09-{day}T08:03:00+01:00,{after},after_session,{session},no,"{text}"\n')
    for day, score in CHECK_IN_DAYS.items():
        pain.append(f"2026-09-{day}T20:00:00+01:00,{score},check_in,,,\n")
    pain.append("2026-09-16T20:00:00+01:00,3,check_in,,yes,bad evening\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise_log.csv").write_text("".join(exercise), encoding="utf-8")
    (folder / "pain_log.csv").write_text("".join(pain), encoding="utf-8")
    return folder


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    # pypdf breaks lines where the layout wraps: join them so phrases can be searched
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pdf_page_texts(path: Path) -> list[str]:
    """Each page's text, its lines joined."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def html_text(path: Path) -> str:
    """The HTML report's text as shown: tags dropped, entities read, spaces joined."""
    page = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def pdf_metadata_text(path: Path) -> str:
    metadata = pypdf.PdfReader(path).metadata or {}
    return " ".join(f"{key}={value}" for key, value in metadata.items())


@pytest.fixture
def hand_log(tmp_path: Path) -> Path:
    return write_hand_log(tmp_path / "log")


def test_pdf_holds_the_hand_computed_numbers(hand_log: Path, tmp_path: Path) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / "report.pdf", patient=NAME)
    text = pdf_text(out)
    # 7 sessions against 7 a week over 14 days = 7 of 14 = 50 %; week 1: 2 of 7 = 29 %,
    # week 2: 5 of 7 = 71 %; no week reaches 80 %
    assert "7 sessions against a target of 7 a week: adherence 50 %" in text
    assert "0 of 2 weeks at or above 80 %" in text
    # the year is said once, where the list starts
    assert "2026-W37: 2 (29 %) · W38: 5 (71 %)" in text
    # baseline = mean of days 1-7 = 6.0; latest = days 8-14 = 3.0; -3.0 points = -50 %
    assert "baseline 6.0, latest 3.0: change -3.0 points (-50 %)" in text
    assert "clinically meaningful improvement (2 points and 30 % rules met)" in text
    # every session: after minus before = -2, so an interval would have zero width
    assert "-2 points in all 7 sessions with both scores, so no interval" in text
    # reps: 6 sessions x 10 + one of 6 = 66 of 70 = 94 %
    assert "66 / 70" in text and "94 %" in text
    # the one flare on 16 September is the only flag: one line for its kind
    assert "Flags (1)" in text
    assert "Flare-up marked: 1 time, on 2026-09-16; longest run 1 day(s)." in text
    assert NAME in text and "Felt stiff" in text and "bad evening" in text
    assert f"backrelief {__version__}" in text
    assert "associations, not causes; not medical advice" in text
    # the report ends by saying how its numbers are defined, and where they come from
    assert "How these are defined" in text
    assert "tested in Achilles tendinopathy" in text
    assert "Ostelo et al., Spine 2008" in text and "Silbernagel et al." in text


def test_pdf_header_lists_the_plan_and_target(hand_log: Path, tmp_path: Path) -> None:
    plan = load_plan()
    text = pdf_text(build_report(load_log(hand_log), plan, tmp_path / "r.pdf"))
    for line in plan.summary_lines():
        assert line in text
    assert f"target {plan.target_sessions_per_week} sessions a week" in text
    assert "07 Sep 2026 to 20 Sep 2026" in text


def test_demo_pdf_shows_what_the_analysis_computes_on_two_pages(tmp_path: Path) -> None:
    log, plan = load_log(paths.DEMO_DIR), load_plan()
    summary = summarise(log, plan)
    out = build_report(log, plan, tmp_path / "demo.pdf")
    assert len(pypdf.PdfReader(out).pages) <= 2
    text = pdf_text(out)
    change, effect = summary.baseline, summary.session_effect
    expected = [
        f"{summary.sessions_done} sessions",
        f"adherence {summary.adherence_percent:.0f} %",
        f"{summary.weeks_meeting_target} of {len(summary.weekly_adherence)} weeks",
        f"baseline {change.baseline_text}, latest {change.latest_text}",
        f"change {change.points_text} points ({change.percent_text})",
        change.verdict,
        f"{effect.mean_change:+.2f} points on average",
        f"Flags ({len(summary.flags)})",
    ]
    for row in summary.exercise_adherence.itertuples():
        expected.append(f"{row.reps_done} / {row.reps_target}")
    # the outcomes of the demo (or "No questionnaires yet."), a line per measure and activity
    expected += [line.strip() for line in summary_outcome_lines(summary)]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing


def test_pdf_embeds_three_charts(hand_log: Path, tmp_path: Path) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / "r.pdf")
    images = [image for page in pypdf.PdfReader(out).pages for image in page.images]
    assert len(images) == 3


def test_html_is_self_contained_and_escapes_a_hostile_note(tmp_path: Path) -> None:
    folder = write_hand_log(tmp_path / "log", note=HOSTILE)
    out = build_report(load_log(folder), load_plan(), tmp_path / "r.html", patient="<b>Al</b>")
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "&lt;b&gt;Al&lt;/b&gt;" in html
    # no resource outside the file: charts are inline data, nothing is fetched
    assert "://" not in html and "src=\"data:image/png;base64," in html
    assert html.count("<img") == 3
    assert "@page" in html and "A4" in html


def test_pdf_shows_a_hostile_note_as_text(tmp_path: Path) -> None:
    folder = write_hand_log(tmp_path / "log", note=HOSTILE + " <b>x</b> & more")
    text = pdf_text(build_report(load_log(folder), load_plan(), tmp_path / "r.pdf"))
    assert HOSTILE + " <b>x</b> & more" in text


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_deidentified_report_has_no_name_no_date_no_note(
    hand_log: Path, tmp_path: Path, suffix: str
) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / f"r{suffix}", patient=NAME,
                       deidentify=True)
    if suffix == ".pdf":
        text = pdf_text(out) + " " + pdf_metadata_text(out)
        # every byte outside the (binary) streams: the document's objects and metadata
        outside = re.sub(rb"stream\r?\n.*?endstream", b"", out.read_bytes(), flags=re.DOTALL)
        raw = outside.decode("latin-1")
        assert "/Info" in raw
    else:
        text = raw = out.read_text(encoding="utf-8")
    # the sources note cites papers by year: those years are the papers', not the patient's
    for citation in ("Spine 2008", "Pain 2001", "Sports Med 2007", "J Pain 2019",
                     "Reviews 2014"):
        assert citation in text
        text, raw = text.replace(citation, ""), raw.replace(citation, "")
    for pattern in DATE_PATTERNS:
        assert not pattern.search(text), pattern.pattern
        assert not pattern.search(raw), pattern.pattern
    for private in (NAME, "Zelda", "Felt stiff", "bad evening"):
        assert private not in text and private not in raw
    assert "de-identified" in text
    # the flare of 16 September is day 10 of a period starting 7 September
    assert "Flare-up marked: 1 time, on day 10" in text
    assert "week 1: 2 (29 %)" in text and "week 2: 5 (71 %)" in text


def test_the_named_report_says_calendar_dates_and_the_deidentified_one_none(
    hand_log: Path,
) -> None:
    plan = load_plan()
    # a baseline from a chosen day puts a date in the definitions and the baseline's detail
    plan = replace(plan, thresholds=replace(plan.thresholds, baseline_from=date(2026, 9, 7)))
    texts = {}
    for deidentify in (False, True):
        content = gather_report(load_log(hand_log), plan, deidentify=deidentify, charts=False)
        texts[deidentify] = html.unescape(render_html(content))
    named, hidden = texts[False], texts[True]
    assert "Flare-up marked: 1 time, on 2026-09-16" in named
    assert "2026-W37: 2 (29 %)" in named
    assert "with a score from 2026-09-07" in named
    assert "Flare-up marked: 1 time, on day 10" in hidden
    assert "week 1: 2 (29 %)" in hidden
    assert "with a score from day 1" in hidden
    for pattern in DATE_PATTERNS[:1] + DATE_PATTERNS[-1:]:  # ISO days and ISO weeks
        assert pattern.search(named)
        assert not pattern.search(hidden), pattern.pattern


def test_deidentified_pdf_metadata_is_set_and_dateless(hand_log: Path, tmp_path: Path) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / "r.pdf", patient=NAME,
                       deidentify=True)
    meta = pypdf.PdfReader(out).metadata
    assert meta.title == "Home exercise progress report"
    assert NAME not in (meta.author or "") and NAME not in (meta.title or "")
    # the PDF format needs some date: it must be neither today's nor the data's
    assert meta.creation_date is None or meta.creation_date.year == 2000
    for value in meta.values():
        assert "2026" not in str(value) and str(now_local().year) not in str(value)


def test_chart_axes_carry_no_calendar_dates_when_deidentified(hand_log: Path) -> None:
    content = gather_report(load_log(hand_log), load_plan(), deidentify=True)
    for chart in content.charts:
        labels = " ".join(chart.labels)
        for pattern in DATE_PATTERNS:
            assert not pattern.search(labels), (chart.caption, labels)
        # no date in the PNG's own metadata chunks either
        assert b"2026" not in chart.png and b"Date" not in chart.png


def test_a_period_without_data_says_so(tmp_path: Path) -> None:
    folder = write_hand_log(tmp_path / "log")
    # keep only the first and the last day: nothing happens between them
    for name in ("exercise_log.csv", "pain_log.csv"):
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(lines[0] + "".join(line for line in lines[1:]
                                           if "2026-09-07" in line or "2026-09-20" in line))
    out = build_report(load_log(folder), load_plan(), tmp_path / "r.pdf",
                       start="2026-09-10", end="2026-09-15")
    text = pdf_text(out)
    assert "no session and no pain score in this period" in text
    assert not [image for page in pypdf.PdfReader(out).pages for image in page.images]


def test_an_empty_log_gives_a_report_that_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    out = build_report(load_log(folder), load_plan(), tmp_path / "r.html")
    assert "no sessions and no pain scores yet" in out.read_text(encoding="utf-8")


def test_report_file_is_owner_only(hand_log: Path, tmp_path: Path) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / "r.pdf")
    assert out.stat().st_mode & 0o777 == 0o600


def test_unknown_suffix_is_refused(hand_log: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.pdf or \.html"):
        build_report(load_log(hand_log), load_plan(), tmp_path / "r.docx")


def test_render_html_does_not_need_a_file(hand_log: Path) -> None:
    html = render_html(gather_report(load_log(hand_log), load_plan(), charts=False))
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert io.StringIO(html).read().count("<h2>") >= 3


def test_pdf_draws_latin_greek_and_cyrillic_and_never_empty_boxes(tmp_path: Path) -> None:
    note = "Zoë: naïve – 5 € ok; Łódź, Ψ, Жжение; 背中"
    folder = write_hand_log(tmp_path / "log", note=note)
    pdf = build_report(load_log(folder), load_plan(), tmp_path / "r.pdf", patient="Ådne Øst")
    text = pdf_text(pdf)
    # DejaVu Sans (shipped with matplotlib) has no CJK characters: those become "?"
    assert "Zoë: naïve – 5 € ok; Łódź, Ψ, Жжение; ??" in text
    assert "Ådne Øst" in text
    assert "\u25a0" not in text
    fonts = {str(page["/Resources"]["/Font"][name]["/BaseFont"])
             for page in pypdf.PdfReader(pdf).pages for name in page["/Resources"]["/Font"]}
    assert fonts and all("DejaVuSans" in font for font in fonts)  # embedded, not Helvetica


@pytest.mark.parametrize("keep", ["exercise_log.csv", "pain_log.csv"])
def test_a_log_with_only_one_file_still_reports(tmp_path: Path, keep: str) -> None:
    folder = write_hand_log(tmp_path / "log")
    for name in ("exercise_log.csv", "pain_log.csv"):
        if name != keep:
            (folder / name).unlink()
    text = pdf_text(build_report(load_log(folder), load_plan(), tmp_path / "r.pdf"))
    if keep == "pain_log.csv":
        assert "0 sessions against a target of 7 a week: adherence 0 %" in text
        assert "baseline 6.0, latest 3.0" in text
    else:
        assert "7 sessions against a target of 7 a week" in text
        assert "Not enough data to compare" in text


@pytest.mark.parametrize("is_demo", [False, True], ids=["own log", "demo data"])
def test_reports_go_to_an_owner_only_folder_in_the_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, is_demo: bool
) -> None:
    log_folder = tmp_path / "log"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(log_folder))
    analysed = paths.DEMO_DIR if is_demo else log_folder
    folder = report_folder(analysed, is_demo)
    expected = log_folder / "reports" / "demo" if is_demo else log_folder / "reports"
    assert folder == expected and folder.is_dir()
    for level in (log_folder / "reports", folder):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700
    assert not (paths.DEMO_DIR / "reports").exists()  # the shipped demo stays untouched


def test_pdf_falls_back_to_the_built_in_font_without_the_font_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backrelief_analysis.report import pdf as report_pdf
    monkeypatch.setattr(report_pdf.matplotlib, "get_data_path", lambda: str(tmp_path / "none"))
    report_pdf._fonts.cache_clear()
    report_pdf._styles.cache_clear()
    try:
        folder = write_hand_log(tmp_path / "log", note="Zoë; Łódź")
        pdf = build_report(load_log(folder), load_plan(), tmp_path / "r.pdf")
        # Windows-1252 only: an accent the font lacks is dropped, never an empty box
        assert "Zoë; ?ódz" in pdf_text(pdf)
    finally:
        report_pdf._fonts.cache_clear()
        report_pdf._styles.cache_clear()


def test_reports_built_in_threads_at_once_are_whole_and_leave_reportlab_as_it_was(
    hand_log: Path, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from reportlab import rl_config

    before = rl_config.useA85
    log, plan = load_log(hand_log), load_plan()
    outs = [tmp_path / f"r{index}.pdf" for index in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        written = list(pool.map(lambda out: build_report(log, plan, out), outs))
    assert rl_config.useA85 == before
    for pdf in written:
        assert b"/ASCII85Decode" not in pdf.read_bytes()  # images stored as binary
        assert "Key numbers" in pdf_text(pdf)


def demo_with_outcomes(folder: Path) -> Path:
    """The demo log with the hand-made questionnaires of ``outcome_fixtures`` beside it."""
    from outcome_fixtures import OCCASIONS, write_outcomes

    folder.mkdir()
    for name in ("exercise_log.csv", "pain_log.csv"):
        (folder / name).write_bytes((paths.DEMO_DIR / name).read_bytes())
    return write_outcomes(folder, OCCASIONS)


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_report_has_an_outcomes_line_per_measure_and_grouped_flags_on_two_pages(
        tmp_path: Path, suffix: str) -> None:
    from backrelief_analysis.analysis.flags import FLAG_TITLES

    log, plan = load_log(demo_with_outcomes(tmp_path / "log")), load_plan()
    out = build_report(log, plan, tmp_path / f"r{suffix}")
    text = (pdf_text(out) if suffix == ".pdf"
            else " ".join(html.unescape(re.sub(r"<[^>]+>", " ",
                                               out.read_text(encoding="utf-8"))).split()))
    if suffix == ".pdf":
        assert len(pypdf.PdfReader(out).pages) <= 2
    # hand-computed in outcome_fixtures: PEG 7.0 -> 3.7, PSFS 3.0 -> 5.0, ODI 34 -> 26
    for phrase in ("PEG: baseline 7.0 (2026-08-31), latest 3.7 (2026-11-16), change -3.3, "
                   "-48 % over 3 occasions: meaningful improvement",
                   "general pain rule (Farrar 2001)",
                   "PSFS: baseline 3.0 (2026-08-31), latest 5.0 (2026-11-16), change +2.0",
                   "ODI: baseline 34 (2026-08-31), latest 26 (2026-11-16), change -8.0 "
                   "over 2 occasions: no meaningful change yet (threshold: 10 points",
                   "PSFS 'sitting at work': baseline 2.0"):
        assert phrase in text, phrase
    # flags: one line per kind with its count, however many flags there are
    counts = summarise(log, plan).flags["kind"].value_counts()
    assert counts.sum() > len(counts)  # the demo has kinds flagged more than once
    for kind, count in counts.items():
        assert text.count(f"{FLAG_TITLES[kind]}: {count} time") == 1


def test_deidentified_report_keeps_outcome_numbers_without_activity_names_or_dates(
        tmp_path: Path) -> None:
    log = load_log(demo_with_outcomes(tmp_path / "log"))
    for suffix in (".pdf", ".html"):
        out = build_report(log, load_plan(), tmp_path / f"r{suffix}", deidentify=True)
        text = pdf_text(out) if suffix == ".pdf" else out.read_text(encoding="utf-8")
        for name in ("lifting my son", "gardening", "sitting at work"):
            assert name not in text
        assert "PSFS activity 3: baseline 2.0 (day 1), latest 5.0" in text
        assert "ODI: baseline 34 (day 1), latest 26 (day 78)" in text
        # the thresholds' sources keep their years; no other year or date is left
        text = re.sub(r"(Krebs|Farrar|Ostelo|Stratford|Spine|Pain|Sports Med|Reviews|Intern Med"
                      r") (19|20)\d\d", "", text)
        for pattern in DATE_PATTERNS:
            assert not pattern.search(text), pattern.pattern


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_a_report_without_questionnaires_says_so(hand_log: Path, tmp_path: Path,
                                                 suffix: str) -> None:
    out = build_report(load_log(hand_log), load_plan(), tmp_path / f"r{suffix}")
    text = pdf_text(out) if suffix == ".pdf" else out.read_text(encoding="utf-8")
    assert "Outcome questionnaires" in text and "No questionnaires yet." in text


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_demo_report_shows_the_hand_computed_outcomes(tmp_path: Path, suffix: str) -> None:
    from outcome_fixtures import DEMO_LINES

    out = build_report(load_log(paths.DEMO_DIR), load_plan(), tmp_path / f"demo{suffix}")
    text = (pdf_text(out) if suffix == ".pdf"
            else " ".join(html.unescape(re.sub(r"<[^>]+>", " ",
                                               out.read_text(encoding="utf-8"))).split()))
    for line in DEMO_LINES:
        assert line in text, line


def test_a_questionnaire_after_the_last_diary_day_is_named_in_the_period(tmp_path: Path) -> None:
    # the demo's last session and pain score are on 20 Nov; its last ODI total is on 22 Nov
    log = load_log(paths.DEMO_DIR)
    assert log.outcomes["date"].max() > log.pain["date"].max()
    content = gather_report(log, load_plan())
    assert content.period.startswith("31 Aug 2026 to 20 Nov 2026 (")
    assert content.period.endswith("; questionnaires to 22 Nov 2026")
    hidden = gather_report(log, load_plan(), deidentify=True)
    assert hidden.period.endswith("; questionnaires to day 84")  # 31 Aug is day 1
    # a period that ends before the questionnaire leaves it out, and says nothing of it
    early = gather_report(log, load_plan(), end="2026-11-15")
    assert "questionnaires" not in early.period


def test_part_weeks_and_note_contexts_are_shown_in_html_and_pdf(hand_log: Path,
                                                                tmp_path: Path) -> None:
    # from Wednesday 9 September: W37 holds 5 days (9-13), so its target is 7 x 5 / 7 = 5 and
    # its one session (Thu 10) is 20 %; W38 is whole, 5 of 7 = 71 %
    log = load_log(hand_log)
    html = build_report(log, load_plan(), tmp_path / "r.html", start="2026-09-09")
    page = html.read_text(encoding="utf-8")
    assert "2026-W37: 1 in 5 days (part week)" in page
    assert "W38: 5 (71 %)" in page
    # a note keeps its context: "Felt stiff" was written after the session of 10 September
    assert re.search(r"2026-09-10</span> · <span class=\"kind\">after session</span>: "
                     r"<bdi class=\"note-text\">Felt stiff", page)
    text = pdf_text(build_report(log, load_plan(), tmp_path / "r.pdf", start="2026-09-09"))
    assert "2026-W37: 1 in 5 days (part week)" in text
    assert "2026-09-10 · after session: Felt stiff" in text


def five_sessions_on_a_monday(folder: Path) -> Path:
    """Three sessions in the whole week of 7-13 September 2026, then five on Monday 14, the
    log's last day: a part week of one day, whose pro-rata target (7 a week) is one session."""
    plan = load_plan()
    store = LogStore(folder)
    zone = ZoneInfo("Europe/London")
    days = [(date(2026, 9, day), 8) for day in (7, 9, 11)]
    days += [(date(2026, 9, 14), hour) for hour in (7, 9, 11, 13, 15)]
    for number, (day, hour) in enumerate(days):
        started = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
        store.extend_blocks(ExerciseBlock(f"s{number}", started, exercise.id, side,
                                          exercise.reps, exercise.reps, exercise.hold_s,
                                          exercise.hold_s, "completed", started)
                            for exercise in plan.exercises for side in exercise.blocks)
        store.extend_pain([PainEntry(started, 4, "before_session", f"s{number}"),
                           PainEntry(started + timedelta(minutes=20), 3, "after_session",
                                     f"s{number}", "no")])
    return folder


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_a_part_week_says_its_days_and_no_percentage_above_100(tmp_path: Path,
                                                               suffix: str) -> None:
    folder = five_sessions_on_a_monday(tmp_path / "log")
    out = build_report(load_log(folder), load_plan(), tmp_path / f"r{suffix}")
    text = pdf_text(out) if suffix == ".pdf" else html_text(out)
    # whole week W37: 3 of 7 = 43 %; part week W38: 5 sessions against a target of 1
    assert "2026-W37: 3 (43 %) · W38: 5 in 1 day (part week)" in text
    assert not [share for share in re.findall(r"(\d+) ?%", text) if int(share) > 100]


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_the_report_sends_its_reader_to_the_log_files_not_a_notebook(
        tmp_path: Path, suffix: str) -> None:
    # a physiotherapist may hold only the share file: the report names what is in it
    plan = load_plan(write_plan(tmp_path / "plan.toml", name="Plan", instructions="Tilt.",
                                exercises=6))
    folder = year_of_daily_notes(tmp_path / "log", "short", exercises=6)
    text = (pdf_text(build_report(load_log(folder), plan, tmp_path / "r.pdf"))
            if suffix == ".pdf" else
            html_text(build_report(load_log(folder), plan, tmp_path / "r.html")))
    assert "notebook" not in text
    assert "2 more rows not listed; every session's reps are in exercise_log.csv (in the " \
           "share file, or the patient's log folder)" in text
    assert "The scores behind each flag are in pain_log.csv (in the share file" in text
    assert "every note is in pain_log.csv (in the share file" in text


# --- hostile input: bidi and control characters, long text, de-identification -------------------

RLO, LRE, PDF_MARK, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"
BIDI_AND_CONTROL = [RLO, LRE, PDF_MARK, RLI, PDI, "\u200f", "\u061c", "\x1b", "\x07", "\x00"]


def write_rows(folder: Path, exercise: list[list[str]], pain: list[list[str]]) -> Path:
    """Write the two log files with the csv module (notes may hold quotes and line breaks)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (("exercise_log.csv", EXERCISE_HEADER, exercise),
                               ("pain_log.csv", PAIN_HEADER, pain)):
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            file.write(header)
            csv.writer(file, lineterminator="\n").writerows(rows)
    return folder


def write_plan(path: Path, *, name: str, instructions: str, exercises: int = 1,
               exercise_name: str = "Pelvic tilt") -> Path:
    return plans.write_plan(path, *(
        plans.exercise(f"ex_{index}", f"{exercise_name} {index}", instructions, hold_s=5,
                       reps=10, release_s=0, sides=plans.BOTH_SIDES)
        for index in range(1, exercises + 1)
    ), name=name, target=5)


def year_of_daily_notes(folder: Path, note: str, *, exercises: int = 1) -> Path:
    """A session every day for a year, each with a long note, every third one flagged."""
    exercise, pain = [], []
    first = date(2025, 1, 6)
    for offset in range(365):
        day = first + timedelta(days=offset)
        session = f"s{offset}"
        for index in range(1, exercises + 1):
            for side in ("left", "right"):
                exercise.append([session, f"{day}T08:00:00+01:00", f"ex_{index}", side, "10",
                                 "10", "5", "5.0", "completed", f"{day}T08:10:00+01:00"])
        after = 7 if offset % 3 == 0 else 3
        pain.append([f"{day}T07:59:00+01:00", "5", "before_session", session, "", ""])
        pain.append([f"{day}T08:11:00+01:00", str(after), "after_session", session,
                     "yes" if offset % 5 == 0 else "no", f"{note} (day {offset})"])
    return write_rows(folder, exercise, pain)


def pdf_every_byte(path: Path) -> str:
    """The PDF's text, metadata, raw bytes and every stream decompressed, as one string."""
    reader = pypdf.PdfReader(path)
    parts = [pdf_text(path), pdf_metadata_text(path), path.read_bytes().decode("latin-1")]
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            parts.append(obj.get_data().decode("latin-1"))
    return "\n".join(parts)


def test_bidi_and_control_characters_never_reach_the_html(tmp_path: Path) -> None:
    note = f"left{RLO}thgir{PDF_MARK} and a bell\x07 and an escape\x1b[31m"
    folder = write_hand_log(tmp_path / "log", note=note)
    patient = f"Sam {RLO}2026-09-01{PDF_MARK}\x00"
    html = build_report(load_log(folder), load_plan(), tmp_path / "r.html",
                        patient=patient).read_text(encoding="utf-8")
    assert not [char for char in BIDI_AND_CONTROL if char in html]
    # what was typed is shown, isolated from the dates around it
    assert "<bdi>Sam 2026-09-01</bdi>" in html
    assert "leftthgir and a bell and an escape[31m</bdi>" in html
    assert '<html lang="en" dir="ltr">' in html


def test_bidi_and_control_characters_never_reach_the_pdf(tmp_path: Path) -> None:
    folder = write_hand_log(tmp_path / "log", note=f"left{RLO}thgir{PDF_MARK} and{RLI} more{PDI}")
    plan = write_plan(tmp_path / "plan.toml", name=f"Plan{RLO}\n\n2026-09-07",
                      instructions="Tilt.", exercise_name=f"Tilt{RLI}\u2028x")
    out = build_report(load_log(folder), load_plan(plan), tmp_path / "r.pdf",
                       patient=f"Sam{RLO}{LRE}\n\n\nQ\u200f")
    text = pdf_text(out)
    assert not [char for char in BIDI_AND_CONTROL if char in text]
    # names stay on one line
    first_lines = pypdf.PdfReader(out).pages[0].extract_text().splitlines()
    assert any(" ".join(line.split()).startswith("Patient: Sam Q Period: 07 Sep 2026 to 20 Sep")
               for line in first_lines)
    assert "leftthgir and more" in text and "Plan: Plan 2026-09-07;" in text
    assert "Tilt x 1: 5 s hold" in text


@pytest.mark.parametrize("lines", ["\n", "\r\n", "\u2028"])
def test_notes_of_many_lines_are_cut_to_a_few(lines: str) -> None:
    from backrelief_analysis.report.content import MAX_NOTE_CHARS, shown_text

    assert shown_text(f"one{lines}two{lines}three{lines}{lines * 500}end", MAX_NOTE_CHARS) == (
        "one\ntwo\nthree…")


def test_a_year_of_long_daily_notes_stays_within_two_pages(tmp_path: Path) -> None:
    words = " ".join(f"word{index}" for index in range(600)) + "\n" * 300
    folder = year_of_daily_notes(tmp_path / "log", words)
    log, plan = load_log(folder), load_plan(write_plan(tmp_path / "plan.toml", name="P" * 500,
                                                       instructions="Tilt."))
    out = build_report(log, plan, tmp_path / "r.pdf", patient="N" * 500)
    assert len(pypdf.PdfReader(out).pages) <= 2
    text = pdf_text(out)
    assert "word20 word21" in text and "…" in text  # cut, and said to be cut
    assert "word599" not in text
    assert "and in the spreadsheet export (backrelief export)" in text
    # the export keeps every note whole
    from backrelief_analysis.share.export import export_sessions

    assert export_sessions(log, plan)["note"].str.contains("word599").sum() == 365


def test_fifty_exercises_with_long_names_stay_within_two_pages(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path / "plan.toml", name="Plan", instructions="Tilt.",
                                exercises=50, exercise_name="Long name " * 20))
    folder = year_of_daily_notes(tmp_path / "log", "short", exercises=50)
    out = build_report(load_log(folder), plan, tmp_path / "r.pdf")
    assert len(pypdf.PdfReader(out).pages) <= 2
    text = pdf_text(out)
    assert "and 43 more exercises" in text
    assert "90 more rows not listed" in text
    assert "Long name Long name…: 5 s hold x 10 reps, each side" in text


NOTE_LEAD = re.compile(r"· (before session|after session|check-in): ")


def assert_two_pages_ending_with_the_definitions(out: Path) -> str:
    """The report's text, after checking it takes at most two pages and still ends by saying
    how its numbers are defined (every definition, to the last)."""
    pages = pdf_page_texts(out)
    assert len(pages) <= 2
    assert "How these are defined" in pages[-1]
    assert "Every number here is a setting in the plan's [thresholds] table." in pages[-1]
    return " ".join(pages)


def assert_every_note_listed_or_counted(text: str, notes: int) -> int:
    """Check the notes listed and the earlier ones counted add up to ``notes``; return how
    many are listed."""
    listed = len(NOTE_LEAD.findall(text))
    counted = re.search(r"(\d+) earlier notes? not listed; every note is in pain_log.csv", text)
    assert listed + (int(counted[1]) if counted else 0) == notes
    return listed


def test_a_demo_with_a_long_note_on_every_entry_stays_within_two_pages(tmp_path: Path) -> None:
    log, plan = load_log(write_demo_with_long_notes(tmp_path / "log")), load_plan()
    out = build_report(log, plan, tmp_path / "r.pdf")
    text = assert_two_pages_ending_with_the_definitions(out)
    # numbers and flags first: all of them stay
    summary = summarise(log, plan)
    assert f"adherence {summary.adherence_percent:.0f} %" in text
    assert f"Flags ({len(summary.flags)})" in text
    shown = [line.strip() for line in summary_outcome_lines(summary)]
    assert [line for line in shown if line not in text] == []
    listed = assert_every_note_listed_or_counted(text, len(log.pain))
    assert listed >= 1 and "Sharp pull on the left side" in text


def test_a_year_of_long_daily_notes_and_questionnaires_stays_within_two_pages(
        tmp_path: Path) -> None:
    plan = load_plan()
    log = load_log(write_diary(tmp_path / "log", plan, days=365, check_in_note=LONG_NOTE,
                               questionnaires=True))
    out = build_report(log, plan, tmp_path / "r.pdf", patient=WIDE)
    text = assert_two_pages_ending_with_the_definitions(out)
    summary = summarise(log, plan)
    assert f"Flags ({len(summary.flags)})" in text
    # an outcome line per measure and one per PSFS activity (five)
    shown = [line.strip() for line in summary_outcome_lines(summary)]
    assert [line for line in shown if line not in text] == []
    assert text.count("PSFS 'WMWM") == 5
    assert_every_note_listed_or_counted(text, 2 * 365)


def test_the_longest_names_the_plan_allows_stay_within_two_pages(tmp_path: Path) -> None:
    plan = write_long_plan(tmp_path / "plan.toml", exercises=12)
    log = load_log(write_diary(tmp_path / "log", plan, days=56, check_in_note=LONG_NOTE,
                               questionnaires=True))
    out = build_report(log, plan, tmp_path / "r.pdf", patient=WIDE)
    text = assert_two_pages_ending_with_the_definitions(out)
    assert "and 5 more exercises" in text  # 7 plan lines, the rest counted
    listed_rows = len(re.findall(r"\b(left|right) \d+ / \d+ \d+ %", text))
    hidden = re.search(r"(\d+) more rows not listed", text)
    assert hidden and listed_rows + int(hidden[1]) == 24  # 12 exercises, two sides each
    assert_every_note_listed_or_counted(text, 2 * 56)


@pytest.mark.parametrize("extra", [4, 6])
def test_a_report_too_long_with_no_note_keeps_its_numbers_in_fewer_rows(
        tmp_path: Path, extra: int) -> None:
    # more key numbers of long text stand for whatever content could still outgrow the two
    # pages with no note listed: the reps table keeps fewer rows (6: none), the charts narrow.
    # The demo's own key numbers now include its per-exercise answers and barriers (two
    # lines), so two fewer extras than before reach the same limit; 7 no longer fit (the
    # last step, charts at half width and no row, is the floor).
    content = gather_report(load_log(paths.DEMO_DIR), load_plan(), screen_charts=False)
    numbers = tuple(KeyNumber(f"Extra number {index}", "words " * 60) for index in range(extra))
    out = write_report(replace(content, key_numbers=content.key_numbers + numbers),
                       tmp_path / "r.pdf")
    text = assert_two_pages_ending_with_the_definitions(out)
    assert all(f"Extra number {index}" in text for index in range(extra))
    assert f"Flags ({content.flag_count})" in text
    listed_rows = len(re.findall(r"\d+ / \d+ \d+ % \d+ / \d+", text))
    hidden = re.search(r"(\d+) more rows? not listed", text)
    assert hidden and listed_rows < len(content.exercise_rows)
    assert listed_rows + int(hidden[1]) == len(content.exercise_rows)
    assert_every_note_listed_or_counted(text, len(content.notes) + content.notes_hidden)


def test_a_year_of_the_demo_diary_stays_within_two_pages_with_its_notes(tmp_path: Path) -> None:
    from backrelief_analysis.log.demo import write_demo

    write_demo(tmp_path / "log", weeks=52)
    log, plan = load_log(tmp_path / "log"), load_plan()
    content = gather_report(log, plan, screen_charts=False)
    text = assert_two_pages_ending_with_the_definitions(write_report(content, tmp_path / "r.pdf"))
    assert f"Flags ({content.flag_count})" in text
    # the demo's notes are short: the last eight still fit, the earlier ones counted
    assert assert_every_note_listed_or_counted(text, len(content.notes) + content.notes_hidden) == 8


def test_a_demo_diary_that_fits_is_shown_whole(tmp_path: Path) -> None:
    # measuring the page leaves a report that fits as gathered: every note gathered is listed
    log, plan = load_log(paths.DEMO_DIR), load_plan()
    content = gather_report(log, plan, screen_charts=False)
    out = write_report(content, tmp_path / "demo.pdf")
    pages = pdf_page_texts(out)
    assert len(pages) == 2
    summary = summarise(log, plan)
    change = summary.baseline
    # the first page holds the key numbers, as before
    for phrase in (f"{summary.sessions_done} sessions against a target of 7 a week",
                   f"adherence {summary.adherence_percent:.0f} %",
                   f"baseline {change.baseline_text}, latest {change.latest_text}",
                   "Reps done against prescribed"):
        assert phrase in pages[0], phrase
    text = " ".join(pages)
    assert f"Flags ({len(summary.flags)})" in text
    assert len(content.notes) == 8 and content.notes_more
    assert [note.text for note in content.notes if " ".join(note.text.split()) not in text] == []
    assert content.notes_more in text


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_deidentified_report_holds_no_typed_text_in_any_byte(tmp_path: Path, suffix: str) -> None:
    secrets = {"plan": "Programme for Zorblatt DOB 1961-04-09",
               "instructions": "Phone Quillfeather about the knee",
               "note": "Saw Harborview today", "patient": "Samantha Zorblatt",
               "unknown": "zorb_secret_move"}
    words = ["Zorblatt", "Quillfeather", "Harborview", "Samantha", "zorb_secret"]
    folder = write_hand_log(tmp_path / "log", note=secrets["note"])
    with (folder / "exercise_log.csv").open("a", encoding="utf-8") as file:
        file.write(f"s10,2026-09-10T08:00:00+01:00,{secrets['unknown']},,10,4,5,5.0,stopped,"
                   "2026-09-10T08:05:00+01:00\n")
    plan_file = write_plan(tmp_path / "plan.toml", name=secrets["plan"],
                           instructions=secrets["instructions"], exercise_name="Pelvic tilt")
    plan = load_plan(plan_file)
    content = gather_report(load_log(folder), plan, patient=secrets["patient"], deidentify=True)
    out = build_report(load_log(folder), plan, tmp_path / f"r{suffix}",
                       patient=secrets["patient"], deidentify=True)
    everything = (pdf_every_byte(out) if suffix == ".pdf" else out.read_text(encoding="utf-8"))
    everything += "\n".join(label for chart in content.charts for label in chart.labels)
    for word in [*secrets.values(), *words]:
        assert word not in everything
    # the kit's words and the plan's exercise names remain
    if suffix == ".html":
        assert "Pelvic tilt 1" in everything and "withheld (de-identified report)" in everything
    else:
        assert "Pelvic tilt 1" in pdf_text(out)


def test_report_links_open_files_under_the_kit_and_name_others(tmp_path: Path) -> None:
    from backrelief_analysis.report.build import report_links

    inside = paths.PROJECT_DIR / "data" / "log" / "reports" / "report.html"
    outside = tmp_path / "report.pdf"
    html = report_links([inside, outside], start=paths.PROJECT_DIR / "notebooks")
    assert '<a href="../data/log/reports/report.html"' in html
    assert "Open the HTML report" in html
    assert f"<code>{outside}</code> (outside the kit's folder" in html
    assert html.count("<a ") == 1


def test_html_charts_have_legends_readable_on_screen(hand_log: Path) -> None:
    from backrelief_analysis.report.content import HTML_COLUMN_PX

    content = gather_report(load_log(hand_log), load_plan())
    html = render_html(content)
    assert len(content.screen_charts) == len(content.charts) == 3
    for chart in content.screen_charts:
        # the chart fills the page's column: its legend text as displayed, in CSS pixels
        shown_px = chart.legend_pt / 72 * HTML_COLUMN_PX / chart.width_in
        assert shown_px >= 11, (chart.caption, shown_px)
        assert chart.base64 in html
    for chart in content.charts:  # the print charts stay in the PDF only
        assert chart.base64 not in html


def test_screen_charts_are_deidentified_too(hand_log: Path) -> None:
    content = gather_report(load_log(hand_log), load_plan(), deidentify=True)
    for chart in content.screen_charts:
        labels = " ".join(chart.labels)
        assert not any(pattern.search(labels) for pattern in DATE_PATTERNS), labels


def test_an_activity_name_is_shown_sanitised_on_one_line_and_cut(tmp_path: Path) -> None:
    from outcome_fixtures import write_outcomes

    folder = write_hand_log(tmp_path / "log")
    name = "gar\u202edening\nin the\tback garden " + "very " * 30 + "slowly"
    write_outcomes(folder, [("2026-09-07T09:00:00+01:00", "psfs", [(name, 3)]),
                            ("2026-09-20T09:00:00+01:00", "psfs", [(name, 6)])])
    out = build_report(load_log(folder), load_plan(), tmp_path / "r.html")
    text = html.unescape(out.read_text(encoding="utf-8"))
    assert "\u202e" not in text
    assert "PSFS 'gardening in the back garden very very" in text
    assert "very " * 30 not in text and "…': baseline 3.0 (2026-09-07), latest 6.0" in text
    assert "+3.0 over 2 occasions: meaningful improvement" in text  # points: no percent


# --- the patient's answers per exercise and the barriers, on the hand-made log of
# signal_fixtures (counts in its docstring) ---


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_the_report_shows_the_exercise_and_barrier_lines(tmp_path: Path, suffix: str) -> None:
    folder, plan = signal_patient(tmp_path)
    out = build_report(load_log(folder), plan, tmp_path / f"r{suffix}", start=FIRST,
                       patient="Sam")
    text = pdf_text(out) if suffix == ".pdf" else html_text(out)
    # Bridge: hurt 3 of 5 done, stopped for pain twice; ...; 10 of 17 times answered
    assert f"Per exercise {EXERCISE_LINE}." in text
    # no time 2 (03-08, 03-12), pain 1 (03-05), tired 1 (03-10), over W10 and W11
    assert f"Barriers (days) {BARRIER_LINE}." in text
    # the Bridge flag: one, from s1 to s5, 5 times against a threshold of 2
    assert ("An exercise often hurt or was stopped for pain: 1 time, 2026-03-02 to "
            "2026-03-11; Bridge: hurt or stopped for pain up to 5 times (flagged from 2).") in text
    assert ("flagged at 2+ times hurt or stopped for pain and 50 %+ of its times, per 4 weeks"
            in text)
    if suffix == ".pdf":
        assert len(pypdf.PdfReader(out).pages) <= 2


def test_a_report_without_signals_has_neither_line(hand_log: Path, tmp_path: Path) -> None:
    text = pdf_text(build_report(load_log(hand_log), load_plan(), tmp_path / "r.pdf"))
    assert "Per exercise" not in text and "What got in the way" not in text


def test_a_deidentified_report_withholds_an_exercise_the_plan_does_not_name(
        tmp_path: Path) -> None:
    folder, plan = signal_patient(tmp_path)
    # an exercise typed by someone, done and marked as hurting in s1
    store = LogStore(folder)
    started = at(SESSIONS["s1"], 8)
    store.append_block(ExerciseBlock("s1", started, "sams_own_stretch", "", 4, 4, 2, 2,
                                     "completed", at(SESSIONS["s1"], 8, 10)))
    store.extend_signals([SignalEntry(at(SESSIONS["s1"], 9), "hurt", "yes", "s1",
                                      "sams_own_stretch")])
    out = build_report(load_log(folder), plan, tmp_path / "r.pdf", start=FIRST,
                       deidentify=True)
    text = pdf_text(out)
    assert "sams_own_stretch" not in text
    # said as the plan does not name it (cut to an exercise name's length, as in the reps table)
    assert "(exercise not in the… (1 time): hurt 1" in text
    named = pdf_text(build_report(load_log(folder), plan, tmp_path / "n.pdf", start=FIRST))
    assert "sams_own_stretch (1 time): hurt 1" in named


def test_the_longest_names_with_every_answer_stay_within_two_pages(tmp_path: Path) -> None:
    plan = write_long_plan(tmp_path / "plan.toml", exercises=12)
    folder = write_diary(tmp_path / "log", plan, days=56, check_in_note=LONG_NOTE,
                         questionnaires=True)
    log = load_log(folder)
    # every exercise of every session hurt and felt hard; a barrier of each kind most days
    sessions = log.exercise.drop_duplicates(["session_id", "exercise"])
    said = [SignalEntry(when.to_pydatetime(), signal, value, session, exercise)
            for session, exercise, when in zip(sessions["session_id"], sessions["exercise"],
                                               sessions["logged_at"], strict=True)
            for signal, value in (("hurt", "yes"), ("felt", "hard"))]
    said += [SignalEntry(at(date(2025, 1, 7) + timedelta(days=offset), 21), "barrier", barrier,
                         days_ago=0)
             for offset in range(55) for barrier in ("no_time", "pain", "forgot", "tired",
                                                     "no_place", "other")]
    LogStore(folder).extend_signals(said)
    out = build_report(load_log(folder), plan, tmp_path / "r.pdf", patient=WIDE)
    text = assert_two_pages_ending_with_the_definitions(out)
    # three exercises named, the other 9 counted; 12 x 56 = 672 times, each answered
    assert "9 more exercises marked; 672 of 672 times answered." in text
    assert ("Barriers (days) no time 55, pain 55, forgot 55, tired 55, no place or "
            "equipment 55, other 55 (8 weeks with an answer).") in text
