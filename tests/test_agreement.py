"""One patient, the same numbers everywhere: report, export, check, the bundle's PDF, caseload.

Each patient is a real log folder with its plan: the demo (``backrelief demo``), the four
patients of the demo caseload (notebook 04) and hand-made logs from ``tests/analysis_fixtures.py``,
``tests/outcome_fixtures.py`` and ``tests/plans.py``. Each output is made through public
functions only and read back as a reader sees it (the report's content, the export's rows, the
check's line, the bundle's PDF through pypdf, the caseload's displayed row); the numbers each
shows must be the report's: sessions, weeks, the period, adherence overall and over the last
four weeks, pain baseline -> latest with its change and verdict, the questionnaires' scores and
verdicts, flags overall and open. Where an output does not show a number it is not asked for.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from analysis_fixtures import full, plan_of, score, session, write_log, write_odd_logs
from outcome_fixtures import OCCASIONS, write_outcomes
from plans import KNEE_TO_CHEST, PELVIC_TILT, plan_text

from backrelief_analysis.analysis.outcomes import MEASURES
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.caseload.demo import write_demo_caseload
from backrelief_analysis.caseload.table import load_caseload
from backrelief_analysis.caseload.view import display_table
from backrelief_analysis.cli import main
from backrelief_analysis.log.demo import write_demo
from backrelief_analysis.log.store import DuplicateRowWarning, TornLineWarning, load_log
from backrelief_analysis.plan import load_plan
from backrelief_analysis.report.content import MAX_WEEKS_LISTED, gather_report
from backrelief_analysis.share.bundle import PLAN_NAME, bundle_bytes, open_bundle, plan_toml
from backrelief_analysis.share.export import deidentify_export, export_sessions
from backrelief_analysis.words.outcomes import score_text

# the repeated and the torn odd logs warn each time they are read, as they should (the store's
# tests check those warnings); here only their numbers matter
pytestmark = [pytest.mark.filterwarnings(f"ignore::{warning.__module__}.{warning.__name__}")
              for warning in (DuplicateRowWarning, TornLineWarning)]

DEMO_CASELOAD = [f"demo-patient-{n}" for n in range(1, 5)]
# the odd logs that load (the others are refused, as each output says)
ODD_LOGS = ["plain", "quoted", "outcomes_a", "outcomes_b", "repeat", "torn", "no_pain"]
PATIENTS = ["demo", *DEMO_CASELOAD, *(f"odd-{name}" for name in ODD_LOGS), "hand-occasions",
            "hand-short-plan"]
OUTPUTS = ["export", "export-deidentified", "check", "bundle-pdf", "bundle-pdf-deidentified",
           "caseload-folder", "caseload-bundle", "caseload-bundle-deidentified"]
SHORT = {measure.short: measure.id for measure in MEASURES.values()}
VERDICTS = r"(clinically meaningful improvement|meaningful worsening|no clear change)"


# --- the patients ---------------------------------------------------------------------------------


def _stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+01:00"


def _hand_occasions(folder: Path) -> None:
    """Twelve weeks from Monday 2026-08-31 with the questionnaires of ``OCCASIONS``: sessions on
    Mondays, Wednesdays and Fridays with a before and an after score, check-ins on the other
    days, pain falling from 6 to 3; an after score of 7/10 in week 10, a flare marked on two
    days in week 11, one session in week 5 whose every block was skipped, and week 7 without
    sessions."""
    first = date(2026, 8, 31)
    exercise, pain = [], []
    for offset in range(12 * 7):
        day = date.fromordinal(first.toordinal() + offset)
        week, level = offset // 7 + 1, 6 - (3 * offset) // 83
        flare = "yes" if week == 11 and day.weekday() in (1, 3) else "no"
        if day.weekday() in (0, 2, 4) and week != 7:
            sid = f"s{offset:03d}"
            if week == 5 and day.weekday() == 2:
                exercise += session(sid, _stamp(day, 8), ("tilt", "", 10, 0, "skipped"),
                                    ("knee", "left", 10, 0, "skipped"),
                                    ("knee", "right", 10, 0, "skipped"))
            else:
                exercise += full(sid, _stamp(day, 8))
            pain.append(score(_stamp(day, 8), level, "before_session", sid))
            after = 7 if week == 10 else max(level - 1, 0)
            pain.append(score(_stamp(day, 8, 20), after, "after_session", sid, "no"))
        else:
            pain.append(score(_stamp(day, 19), level, flare=flare))
    write_log(folder, exercise, pain)
    write_outcomes(folder, OCCASIONS)
    (folder / PLAN_NAME).write_text(plan_toml(plan_of(target=3)), encoding="utf-8")


def _hand_short_plan(folder: Path) -> None:
    """Three weeks on a plan of ``tests/plans.py`` (two sessions a week, 2 reps a block), the
    last week cut on a Wednesday, and no questionnaire."""
    first = date(2026, 3, 2)
    exercise, pain = [], []
    for offset in range(17):
        day = date.fromordinal(first.toordinal() + offset)
        if day.weekday() in (0, 3):
            sid = f"p{offset:02d}"
            exercise += session(sid, _stamp(day, 7), ("pelvic_tilt", "", 2, 2, "completed"),
                                ("knee_to_chest", "left", 2, 2, "completed"),
                                ("knee_to_chest", "right", 2, 1, "stopped"))
            pain.append(score(_stamp(day, 7), 4, "before_session", sid))
            pain.append(score(_stamp(day, 7, 10), 3, "after_session", sid, "no"))
        else:
            pain.append(score(_stamp(day, 20), 4 - offset // 6))
    write_log(folder, exercise, pain)
    (folder / PLAN_NAME).write_text(plan_text(PELVIC_TILT, KNEE_TO_CHEST, target=2),
                                    encoding="utf-8")


def _from_bundle(data: bytes, folder: Path) -> None:
    """A bundle's log files and plan, written into ``folder``."""
    opened = open_bundle(data, "bundle.zip")
    folder.mkdir(parents=True)
    for name, content in opened.files.items():
        if name.endswith((".csv", ".toml")):
            (folder / name).write_bytes(content)


@pytest.fixture(scope="module")
def patients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every patient's log folder (with its ``plan.toml``), by name."""
    root = tmp_path_factory.mktemp("patients")
    folders = {"demo": root / "demo"}
    write_demo(folders["demo"])
    shutil.copy(load_plan().source, folders["demo"] / PLAN_NAME)
    shared = write_demo_caseload(root / "demo-caseload")
    for name in DEMO_CASELOAD:
        folders[name] = root / name
        _from_bundle((shared / f"{name}.zip").read_bytes(), folders[name])
    odd = write_odd_logs(root / "odd")
    for name in ODD_LOGS:
        (odd[name] / PLAN_NAME).write_text(plan_toml(plan_of()), encoding="utf-8")
        folders[f"odd-{name}"] = odd[name]
    folders["hand-occasions"] = root / "hand-occasions"
    _hand_occasions(folders["hand-occasions"])
    folders["hand-short-plan"] = root / "hand-short-plan"
    _hand_short_plan(folders["hand-short-plan"])
    return folders


# --- reading each output --------------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


def _report_text(content) -> str:
    """Everything a report shows, as one line of text (as a PDF reads back)."""
    keys = " ".join(f"{key.label} {key.value} {key.detail}" for key in content.key_numbers)
    return _flat(f"Period: {content.period} {keys} {' '.join(content.outcomes)}")


def _day(text: str) -> date:
    return datetime.strptime(text, "%d %b %Y").date()  # noqa: DTZ007 (a calendar day)


def _outcomes_read(text: str) -> tuple[dict, dict]:
    """Scores (baseline, latest) and verdicts by measure from the report's outcome lines."""
    scores, verdicts = {}, {}
    for short, baseline, latest, verdict in re.findall(
            r"\b(PEG|PSFS|ODI|RMDQ): baseline (\S+) \([^)]*\), latest (\S+) \([^)]*\), change "
            r"[^:]*: (meaningful improvement|meaningful worsening|no meaningful change yet)",
            text):
        scores[SHORT[short]], verdicts[SHORT[short]] = (baseline, latest), verdict
    for short, baseline in re.findall(r"\b(PEG|PSFS|ODI|RMDQ): (\S+) \([^)]*\); one occasion",
                                      text):
        scores[SHORT[short]], verdicts[SHORT[short]] = (baseline, baseline), "one occasion"
    return scores, verdicts


def read_report(text: str) -> dict:
    """The numbers of a report, from its text (its content, or its PDF read back)."""
    numbers: dict = {
        "sessions": int(re.search(r"(\d+) sessions? against a target of", text)[1]),
        "adherence": re.search(r"a week(?: \([^)]*\))?: adherence (\d+) %", text)[1],
        "weeks": int(re.search(r"\d+ days?, (\d+) ISO weeks?\)", text)[1]),
        "flags": int(re.search(r"\bFlags (none|\d+)", text)[1].replace("none", "0")),
    }
    span = re.search(r"Period: (\d+ \w+ \d{4}) to (\d+ \w+ \d{4})", text)
    if span:  # a de-identified report says "day 1 to day N"
        numbers["span"] = (_day(span[1]), _day(span[2]))
    pain = re.search(r"baseline (\S+), latest (\S+): change (\S+) points \((.*?)\); " + VERDICTS,
                     text)
    numbers["pain"] = None if pain is None else (
        f"{pain[1]} → {pain[2]} ({pain[3]}, {pain[4]})", pain[5])
    scores, verdicts = _outcomes_read(text)
    numbers["outcome_scores"], numbers["outcome_verdicts"] = scores, verdicts
    occasions = [int(n) for n in re.findall(r"\b(?:PEG|PSFS|ODI|RMDQ): [^•]*? over (\d+) "
                                            r"occasions", text)]
    numbers["questionnaires"] = sum(occasions) + sum(1 for v in verdicts.values()
                                                     if v == "one occasion")
    return numbers


def _last_four_weeks(log, plan, whole: str) -> tuple[dict, date]:
    """The report of the period's last four ISO weeks (from the Monday of the fourth-last week
    the report lists, or the period's first day), and that first day."""
    # "2026-W36: 5 (71 %) · W37: 4 in 5 days (part week)": the year where the list starts or
    # the year changes, carried to the weeks after it
    labels, year = [], None
    for given, week in re.findall(r"(?:(\d{4})-)?W(\d{2}): \d+ ", whole):
        year = given or year
        labels.append((year, week))
    weeks = int(re.search(r"(\d+) ISO weeks?\)", whole)[1])
    assert len(labels) == min(weeks, MAX_WEEKS_LISTED), "every week listed is read"
    year, week = labels[-4] if len(labels) >= 4 else labels[0]
    first, last = re.search(r"Period: (\d+ \w+ \d{4}) to (\d+ \w+ \d{4})", whole).groups()
    since = max(date.fromisocalendar(int(year), int(week), 1), _day(first))
    content = gather_report(log, plan, start=since, end=_day(last), charts=False)
    return read_report(_report_text(content)), since


def read_export(rows: pd.DataFrame) -> dict:
    """Sessions (a row with a rep done), questionnaires and their scores as the export's rows
    show them. The export holds rows, not a period: its days are not compared (a score of a
    session that never ran has no row, so the rows can end before the report's period)."""
    asked = rows.loc[rows["kind"] == "questionnaire"]
    scores = {}
    for short, group in asked.groupby("measure", sort=False):
        measure = SHORT[short]
        scores[measure] = (score_text(group["score"].iloc[0], measure),
                           score_text(group["score"].iloc[-1], measure))
    done = (rows["kind"] == "session") & (rows["reps_done"].fillna(0) > 0)
    return {"sessions": int(done.sum()), "questionnaires": len(asked), "outcome_scores": scores}


def read_check(line: str) -> dict:
    """Sessions, questionnaires and days from ``backrelief check``'s line."""
    found = re.search(r"(\d+) sessions?(?: \(and \d+ with no rep done\))?, \d+ exercise rows?, "
                      r"\d+ pain scores?, (\d+) questionnaires?, \d+ signals?"
                      r"(?:, (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d))?", line)
    numbers = {"sessions": int(found[1]), "questionnaires": int(found[2])}
    if found[3]:
        numbers["span"] = (date.fromisoformat(found[3]), date.fromisoformat(found[4]))
    return numbers


def read_caseload(row: pd.Series, shown: pd.Series) -> dict:
    """The numbers of a caseload row as the table shows them (``display_table``)."""
    scores, verdicts = {}, {}
    for short, baseline, latest, verdict in re.findall(
            r"(PEG|PSFS|ODI|RMDQ) (\S+)(?: → (\S+))? \(([^)]*)\)", row["outcomes"]):
        scores[SHORT[short]] = (baseline, latest or baseline)
        verdicts[SHORT[short]] = "one occasion" if verdict.startswith("one occasion") else verdict
    return {
        "weeks": int(row["weeks"]),
        "span": (date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])),
        "adherence": shown["adherence, overall (%)"],
        "adherence_4wk": shown["adherence, last 4 weeks (%)"],
        "pain": (shown["pain baseline → latest"], row["pain_verdict"])
        if row["pain_text"] else None,
        "outcome_scores": scores, "outcome_verdicts": verdicts,
        "flags": int(row["flags_total"]), "open_flags": int(row["open_flags"]),
    }


def _pdf_text(bundle: bytes) -> str:
    pdf = zipfile.ZipFile(io.BytesIO(bundle)).read("report.pdf")
    return _flat(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


# --- the outputs of one patient, made once --------------------------------------------------------


_MADE: dict[str, tuple[dict, dict]] = {}


def _readings(name: str, folder: Path, work: Path, capsys: pytest.CaptureFixture) -> tuple:
    """The report's numbers and every other output's, for one patient (made once)."""
    if name in _MADE:
        return _MADE[name]
    plan = load_plan(folder / PLAN_NAME)
    log = load_log(folder)
    whole = _report_text(gather_report(log, plan, patient=name, charts=False))
    report = read_report(whole)
    recent, since = _last_four_weeks(log, plan, whole)
    report["adherence_4wk"] = recent["adherence"]
    # open flags: the report's flags that reach into its last four weeks (a flag is found with
    # the whole period's scores: a weekly rise or a flare-up may begin before those weeks)
    flagged = summarise(log, plan).flags
    report["open_flags"] = int((flagged["end_date"] >= pd.Timestamp(since)).sum())
    capsys.readouterr()
    main(["check", "--data-dir", str(folder)])
    check_line = capsys.readouterr().out
    named = bundle_bytes(folder, plan, patient=name)
    # shared on the report's last day: a de-identified bundle is measured to its sharing
    anonymous = bundle_bytes(folder, plan, deidentify=True, shared_on=report["span"][1])
    cases = work / "caseload"
    cases.mkdir(parents=True)
    shutil.copytree(folder, cases / "folder")
    (cases / "named.zip").write_bytes(named.data)
    (cases / "anonymous.zip").write_bytes(anonymous.data)
    # the caseload's numbers run to the report's last day (a de-identified bundle, whose
    # dates are moved, to its own day of sharing)
    caseload = load_caseload(cases, folder / PLAN_NAME, use_cache=False,
                             as_of=report["span"][1])
    table = caseload.table.set_index("source")
    shown = display_table(caseload.table).set_index(caseload.table["source"])
    assert not caseload.problems.size, caseload.problems["problem"].tolist()
    outputs = {
        "export": read_export(export_sessions(log, plan)),
        "export-deidentified": read_export(deidentify_export(log, plan, code="P-1")),
        "check": read_check(check_line),
        "bundle-pdf": read_report(_pdf_text(named.data)),
        "bundle-pdf-deidentified": read_report(_pdf_text(anonymous.data)),
        **{f"caseload-{label}": read_caseload(table.loc[source], shown.loc[source])
           for label, source in (("folder", "folder"), ("bundle", "named.zip"),
                                 ("bundle-deidentified", "anonymous.zip"))},
    }
    # a de-identified output moves its dates: its period is checked in days, not dates
    moved = outputs["caseload-bundle-deidentified"].pop("span")
    report["span_days"] = (report["span"][1] - report["span"][0]).days
    outputs["caseload-bundle-deidentified"]["span_days"] = (moved[1] - moved[0]).days
    assert since <= report["span"][1]
    _MADE[name] = (report, outputs)
    return _MADE[name]


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("name", PATIENTS)
def test_each_output_shows_the_reports_numbers(name: str, output: str, patients, tmp_path,
                                               capsys) -> None:
    report, outputs = _readings(name, patients[name], tmp_path, capsys)
    shown = outputs[output]
    assert shown, output
    differing = {key: (value, report[key]) for key, value in shown.items()
                 if value != report[key]}
    assert not differing, f"{name}: {output} shows (its value, the report's) {differing}"


@pytest.mark.parametrize("name", PATIENTS)
def test_the_report_shows_every_number_compared(name: str, patients, tmp_path, capsys) -> None:
    """Each compared number is there to compare: the report gives every one of them, and
    every output gives the ones it is read for."""
    report, outputs = _readings(name, patients[name], tmp_path, capsys)
    assert {"sessions", "weeks", "span", "adherence", "adherence_4wk", "pain", "outcome_scores",
            "outcome_verdicts", "questionnaires", "flags", "open_flags"} <= set(report)
    assert set(outputs) == set(OUTPUTS)
    assert {"sessions", "outcome_scores"} <= set(outputs["export"])
    assert {"sessions", "span"} <= set(outputs["check"])
    assert {"pain", "adherence_4wk", "open_flags"} <= set(outputs["caseload-bundle"])


def test_the_hand_made_patients_numbers_by_hand(patients, tmp_path, capsys) -> None:
    """The numbers the outputs agree on are the right ones, for the hand-made patient."""
    report, _ = _readings("hand-occasions", patients["hand-occasions"], tmp_path, capsys)
    # 12 weeks x 3 weekdays, less week 7's 3, less week 5's session of skipped blocks: 32;
    # the check and the export's message name the 33rd apart
    assert report["sessions"] == 36 - 3 - 1
    assert report["weeks"] == 12
    # (10 weeks x 100 % + 2/3 + 0) / 12 = 88.9 %; the last 4 weeks all 3 of 3
    assert (report["adherence"], report["adherence_4wk"]) == ("89", "100")
    # pain level 6 - (3 x day) // 83. Baseline, days 0-6: a session day's mean is level - 0.5,
    # (3 x 5.5 + 4 x 6) / 7 = 5.786; latest, days 77-83: (3 x 3.5 + 3 x 4 + 3) / 7 = 3.643;
    # shown 5.8 and 3.6, so the change reads 3.6 - 5.8 = -2.2; -2.143 / 5.786 = -37 %
    assert report["pain"] == ("5.8 → 3.6 (-2.2, -37 %)", "clinically meaningful improvement")
    # outcome_fixtures: PEG 7.0 -> 3.67, PSFS 3.0 -> 5.0, ODI 34 -> 26 (-8, under 10 points)
    assert report["outcome_scores"] == {"peg": ("7.0", "3.7"), "psfs": ("3.0", "5.0"),
                                        "odi": ("34", "26")}
    assert report["outcome_verdicts"] == {"peg": "meaningful improvement",
                                          "psfs": "meaningful improvement",
                                          "odi": "no meaningful change yet"}
    assert report["questionnaires"] == 3 + 3 + 2
    # the 3 after scores of 7/10 in week 10 and the flares of Tuesday and Thursday of week 11
    # (two runs of one day); all in the last 4 weeks (weeks 9 to 12)
    assert (report["flags"], report["open_flags"]) == (3 + 2, 3 + 2)
