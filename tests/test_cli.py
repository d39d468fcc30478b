"""The command line: demo, check, help, and one clear sentence for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backrelief_analysis.cli import main
from backrelief_analysis.store import PAIN_COLUMNS


def test_demo_then_check_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo-out"
    assert main(["demo", "--out", str(out), "--weeks", "2", "--seed", "3"]) == 0
    assert main(["check", "--data-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Wrote" in printed
    assert f"{out}: OK" in printed


def test_check_names_the_line_of_a_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [",".join(PAIN_COLUMNS), "2026-06-01T08:00:00+01:00,3,check_in,,,",
            "2026-06-02T08:00:00+01:00,14,check_in,,,"]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["check", "--data-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "pain_log.csv, line 3, column 'pain'" in printed
    assert "Traceback" not in printed


def test_missing_folder_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data-dir", str(tmp_path / "nowhere")]) == 1
    error = capsys.readouterr().err
    assert error.strip() == f"backrelief check: there is no log folder at {tmp_path / 'nowhere'}"


def test_demo_into_an_existing_log_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--weeks", "1"]) == 0
    assert main(["demo", "--out", str(tmp_path), "--weeks", "1"]) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["demo"], ["check"]])
def test_help_works_on_every_subcommand(command: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "backrelief_analysis.cli", *command, "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: backrelief")


def test_bad_argument_is_an_argparse_error_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backrelief_analysis.cli", "demo", "--out", "x", "--weeks", "0"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "not a whole number of 1 or more" in result.stderr
    assert "Traceback" not in result.stderr


def test_reminders_command_writes_a_calendar_and_bad_days_are_one_line(tmp_path, capsys):
    out = tmp_path / "plan.ics"
    assert main(["reminders", "--out", str(out), "--days", "mon,wed,fri", "--time", "18:30"]) == 0
    assert "Wrote weekly reminders for" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert main(["reminders", "--out", str(tmp_path / "b.ics"), "--days", "mon,xyz",
                 "--time", "18:30"]) == 1
    error = capsys.readouterr().err
    assert error == ("backrelief reminders: 'xyz' is not a weekday; give days like mon,wed,fri "
                     "(from mon,tue,wed,thu,fri,sat,sun)\n")
    assert not (tmp_path / "b.ics").exists()
