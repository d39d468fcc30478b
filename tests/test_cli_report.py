"""``backrelief report`` and ``backrelief export``: files written, clear one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pypdf
import pytest
from test_report import NAME, pdf_text, write_hand_log

from backrelief_analysis import cli


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return write_hand_log(tmp_path / "log")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_writes_a_pdf_and_says_where(log_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "for-physio.pdf"
    code, printed, _ = run(["report", "--data-dir", str(log_dir), "--out", str(out),
                            "--patient", NAME], capsys)
    assert code == 0
    assert str(out) in printed
    assert NAME in pdf_text(out)


def test_report_without_out_goes_to_the_reports_folder_and_says_where(
        log_dir: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, printed, _ = run(["report", "--data-dir", str(log_dir)], capsys)
    written = log_dir / "reports" / "report.pdf"
    assert code == 0
    assert printed.strip().endswith(f"to {written.resolve()}")
    assert len(pypdf.PdfReader(written).pages) >= 1
    assert not list(elsewhere.iterdir())  # nothing left in the current folder
    assert (log_dir / "reports").stat().st_mode & 0o777 == 0o700


def test_unwritable_folder_is_named_in_words(log_dir: Path, capsys) -> None:
    # /sys refuses new files even to root, as a folder without write permission does to a user
    code, _, error = run(["report", "--data-dir", str(log_dir), "--out", "/sys/r.html"], capsys)
    assert code == 1
    assert error.strip() == ("backrelief report: /sys/r.html: permission denied "
                             "(choose a folder you can write to, or ask who owns it)")
    assert ".tmp" not in error and "Errno" not in error


def test_mistyped_option_suggests_the_right_one(log_dir: Path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", "--data-dir", str(log_dir), "--output", "x.pdf"])
    error = capsys.readouterr().err
    assert stop.value.code == 2
    assert "there is no option --output; did you mean --out?" in error
    assert "Traceback" not in error


def test_mistyped_option_with_a_value_and_a_required_option(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["demo", "--weks=3", "--out", "x"])
    assert "did you mean --weeks?" in capsys.readouterr().err


def test_prefix_of_an_option_still_works(log_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "p.html"
    code, _, _ = run(["report", "--data", str(log_dir), "--out", str(out)], capsys)
    assert code == 0 and out.is_file()


def test_log_saved_as_utf16_is_named(tmp_path: Path, capsys) -> None:
    from backrelief_analysis.log.store import PAIN_COLUMNS

    header = ",".join(PAIN_COLUMNS) + "\n"
    (tmp_path / "pain_log.csv").write_bytes(header.encode("utf-16") + b"\n")
    assert cli.main(["check", "--data-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "pain_log.csv, line 1: is not UTF-8 text" in printed
    assert "codec" not in printed


def test_report_as_html_for_a_period(log_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "r.html"
    code, _, _ = run(["report", "--data-dir", str(log_dir), "--from", "2026-09-14",
                      "--to", "2026-09-20", "--out", str(out)], capsys)
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "14 Sep 2026 to 20 Sep 2026" in html
    assert "5 sessions against a target of 7 a week" in html


def test_report_deidentified_from_the_command_line(log_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "anon.pdf"
    code, _, _ = run(["report", "--data-dir", str(log_dir), "--deidentify", "--out", str(out)],
                     capsys)
    text = pdf_text(out)
    assert code == 0 and "de-identified" in text and "2026" not in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2026-09-15", "--to", "2026-09-10"],
         "the start date 2026-09-15 is after the end date 2026-09-10"),
        (["--from", "2025-01-01"],
         "the start date 2025-01-01 is outside the log, which runs from 2026-09-07 to 2026-09-20"),
        (["--to", "2027-01-01"], "the end date 2027-01-01 is outside the log"),
        (["--out", "report.docx"], "--out must end in .pdf or .html"),
        (["--patient", "Al", "--deidentify"], "contradict each other"),
        (["--plan", "/nonexistent/plan.toml"], "no such plan file"),
    ],
)
def test_report_bad_arguments_give_one_clear_sentence(
    log_dir: Path, capsys, extra: list[str], message: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["report", "--data-dir", str(log_dir), *extra], capsys)
    assert code != 0
    assert message in err
    assert err.startswith("backrelief report: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "report.pdf").exists()


def test_report_missing_data_dir(tmp_path: Path, capsys) -> None:
    code, _, err = run(["report", "--data-dir", str(tmp_path / "nope"),
                        "--out", str(tmp_path / "r.pdf")], capsys)
    assert code == 1 and "No diary at" in err


def test_report_bad_data_dir_lists_the_problem(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "pain_log.csv").write_text("not,a,log\n1,2,3\n", encoding="utf-8")
    code, _, err = run(["report", "--data-dir", str(folder), "--out", str(tmp_path / "r.pdf")],
                       capsys)
    assert code == 1 and "pain_log.csv" in err and "wrong header" in err
    assert not (tmp_path / "r.pdf").exists()


def test_report_badly_formed_date_is_refused_by_the_parser(log_dir: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "--data-dir", str(log_dir), "--from", "7/9/2026"])
    assert exit_info.value.code != 0
    assert "'7/9/2026' is not a date like 2026-11-24" in capsys.readouterr().err


def test_export_writes_a_csv_and_says_where(log_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "sessions.csv"
    code, printed, _ = run(["export", "--data-dir", str(log_dir), "--from", "2026-09-14",
                            "--out", str(out)], capsys)
    assert code == 0 and str(out) in printed
    rows = pd.read_csv(out, encoding="utf-8-sig")
    # sessions 14-18 September and the check-ins of 16, 19 and 20 September
    assert (rows["kind"] == "session").sum() == 5
    assert (rows["kind"] == "check_in").sum() == 3
    assert "5 sessions and 3 check-ins" in printed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "x.xlsx"], "--out must end in .csv"),
        (["--out", "x.csv", "--from", "2026-09-20", "--to", "2026-09-07"], "is after the end"),
        (["--out", "x.csv", "--to", "2030-01-01"], "outside the log"),
        (["--out", "x.csv", "--code", "P7"], "--code is the patient code of a de-identified"),
        (["--out", "x.csv", "--deidentify", "--code", "Sam Smith"], "patient code 'Sam Smith'"),
    ],
)
def test_export_bad_arguments(log_dir: Path, capsys, extra: list[str], message: str,
                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["export", "--data-dir", str(log_dir), *extra], capsys)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_export_deidentified_from_the_command_line(log_dir: Path, tmp_path: Path,
                                                  capsys) -> None:
    out = tmp_path / "deid.csv"
    code, printed, _ = run(["export", "--data-dir", str(log_dir), "--deidentify", "--code",
                            "K-12", "--out", str(out)], capsys)
    assert code == 0 and "7 sessions" in printed
    rows = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert set(rows["patient_code"]) == {"K-12"}
    assert rows["day"].iloc[0] == "day 1"
    raw = out.read_text(encoding="utf-8-sig")
    for private in ("2026", "note", "bad evening", "Felt stiff"):
        assert private not in raw
    run(["export", "--data-dir", str(log_dir), "--deidentify", "--out", str(out)], capsys)
    assert set(pd.read_csv(out, encoding="utf-8-sig")["patient_code"]) == {cli.DEFAULT_CODE}


def test_export_refuses_to_overwrite_the_log(log_dir: Path, capsys) -> None:
    target = log_dir / "pain_log.csv"
    before = target.read_bytes()
    code, _, err = run(["export", "--data-dir", str(log_dir), "--out", str(target)], capsys)
    assert code == 1 and "would overwrite the log" in err
    assert target.read_bytes() == before


def test_help_lists_both_commands(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    printed = capsys.readouterr().out
    assert "report" in printed and "export" in printed


def test_export_of_the_demo_counts_its_questionnaires(tmp_path: Path, capsys) -> None:
    from backrelief_analysis import paths
    out = tmp_path / "demo.csv"
    code, printed, _ = run(["export", "--data-dir", str(paths.DEMO_DIR), "--out", str(out)],
                           capsys)
    assert code == 0
    rows = pd.read_csv(out, encoding="utf-8-sig")
    assert (rows["kind"] == "questionnaire").sum() == 14  # 6 PEG, 6 PSFS, 2 ODI
    # and a row per barrier of the demo's signals (20: data/README.md, "Demo data")
    assert (rows["kind"] == "barrier").sum() == 20
    assert "check-ins, 14 questionnaires and 20 barriers to" in printed
