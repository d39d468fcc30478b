"""The spreadsheet export: rows per session and check-in, safe cells, atomic owner-only file."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pandas as pd
import pytest

from backrelief_analysis.export import (
    check_period,
    export_sessions,
    neutralise_cells,
    write_export,
)
from backrelief_analysis.plan import load_plan
from backrelief_analysis.store import load_log

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
