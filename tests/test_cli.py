"""The command line: demo, check, help, and one clear sentence for every mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backrelief_analysis.cli import main
from backrelief_analysis.log.store import PAIN_COLUMNS


def test_demo_then_check_succeeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo-out"
    assert main(["demo", "--out", str(out), "--weeks", "2", "--seed", "3"]) == 0
    assert main(["check", "--data-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Wrote" in printed
    assert f"{out}: OK" in printed


def test_a_demo_ends_before_today_unless_told_where_to_start(tmp_path: Path) -> None:
    from datetime import date

    from backrelief_analysis.log.demo import recent_start
    from backrelief_analysis.log.store import load_log, now_local

    assert main(["demo", "--out", str(tmp_path / "recent"), "--weeks", "30"]) == 0
    recent = load_log(tmp_path / "recent")
    last = max(recent.exercise["date"].max(), recent.pain["date"].max(),
               recent.outcomes["date"].max())
    assert last.date() < now_local().date()  # nothing dated in the future, whatever the length
    assert recent.pain["date"].min().date() == recent_start(30)
    assert main(["demo", "--out", str(tmp_path / "fixed"), "--weeks", "2",
                 "--start", "2026-08-31"]) == 0
    assert load_log(tmp_path / "fixed").pain["date"].min().date() == date(2026, 8, 31)


def test_recent_start_is_the_monday_weeks_before_this_one() -> None:
    from datetime import date

    from backrelief_analysis.log.demo import recent_start

    # Tuesday 1 December 2026: this week's Monday is 30 November
    assert recent_start(1, today=date(2026, 12, 1)) == date(2026, 11, 23)
    assert recent_start(12, today=date(2026, 12, 6)) == date(2026, 9, 7)  # a Sunday


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
    assert error.strip() == (f"backrelief check: No diary at {tmp_path / 'nowhere'}: check the "
                             f"folder's name (backrelief app --data-dir {tmp_path / 'nowhere'} "
                             "--new starts a new diary there)")
    assert not (tmp_path / "nowhere").exists()


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


def test_check_with_a_torn_last_row_says_where_never_ok_and_no_raw_warning(
    tmp_path: Path,
) -> None:
    rows = [",".join(PAIN_COLUMNS), "2026-06-01T08:00:00+01:00,3,check_in,,,",
            "2026-06-02T08:00:00+01:00,4,check_in,,,"]
    path = tmp_path / "pain_log.csv"
    path.write_text("\n".join(rows) + "\n2026-06-03T08:0", encoding="utf-8")
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-m", "backrelief_analysis.cli", "check",
                             "--data-dir", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Warning" not in result.stdout + result.stderr
    assert "OK" not in result.stdout
    assert "2 pain scores" in result.stdout
    assert "pain_log.csv: the last line (line 4) was cut off" in result.stdout
    assert path.read_bytes() == before  # check only reads


def test_check_counts_a_whole_last_row_without_a_final_newline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [",".join(PAIN_COLUMNS)] + [f"2026-06-0{d}T08:00:00+01:00,3,check_in,,,"
                                       for d in range(1, 7)]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows), encoding="utf-8")
    assert main(["check", "--data-dir", str(tmp_path)]) == 0
    assert "OK, 0 sessions, 0 exercise rows, 6 pain scores" in capsys.readouterr().out


def test_check_names_a_bad_outcomes_row_by_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = ["recorded_at,set_id,measure,item,score,note",
            "2026-06-01T08:00:00+01:00,o1,odi,total,30,",
            "2026-06-15T08:00:00+01:00,o2,odi,total,130,"]
    (tmp_path / "outcomes_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["check", "--data-dir", str(tmp_path)]) == 1
    assert ("outcomes_log.csv, line 3, column 'score': must be a whole number from 0 to 100 "
            "for odi (got '130')") in capsys.readouterr().out


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


def test_a_mistyped_command_gets_the_closest_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["repot", "--data-dir", "x"])
    assert stopped.value.code == 2
    assert "there is no command repot; did you mean report?" in capsys.readouterr().err


def test_an_unlike_command_gets_the_list_of_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["zzzz"])
    assert "there is no command zzzz; the commands are demo, check, report" in \
        capsys.readouterr().err


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """``backrelief app`` up to the server, which is not started: its arguments are kept."""
    from backrelief_analysis.app import server

    calls: list[dict] = []
    monkeypatch.setattr(server, "serve", lambda **options: calls.append(options) or 0)
    return calls


def test_app_with_a_data_dir_that_does_not_exist_asks_and_makes_nothing(
    tmp_path: Path, served: list[dict], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "diray"
    assert main(["app", "--no-browser", "--data-dir", str(missing)]) == 0
    assert f"No diary at {missing}. Start a new one there?" in capsys.readouterr().err
    assert not missing.exists()  # the page asks; nothing is made in silence
    assert served[0]["data_dir"] == missing


def test_app_with_new_starts_the_diary_owner_only(
    tmp_path: Path, served: list[dict], capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "diary"
    assert main(["app", "--no-browser", "--data-dir", str(new), "--new"]) == 0
    assert new.is_dir() and new.stat().st_mode & 0o777 == 0o700
    assert f"started a new diary at {new}" in capsys.readouterr().out


def test_new_without_a_data_dir_is_one_sentence(
    served: list[dict], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["app", "--no-browser", "--new"]) == 1
    assert "add --data-dir" in capsys.readouterr().err
    assert served == []


def test_app_with_a_plan_that_has_a_mistake_starts_and_says_so(
    tmp_path: Path, served: list[dict], capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "typo.toml"
    plan.write_text('name = "P"\ntarget_sessions_per_week = 3\n[[exercise]]\nhlod_s = 2\n',
                    encoding="utf-8")
    assert main(["app", "--no-browser", "--plan", str(plan)]) == 0
    assert served[0]["plan"] == plan
    err = capsys.readouterr().err
    assert "did you mean hold_s?" in err and "The page says so too" in err


def test_a_diary_named_in_the_environment_that_does_not_exist_is_not_made_by_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "diray"
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(missing))
    assert main(["report"]) == 1
    assert f"No diary at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_check_and_export_count_sessions_as_the_report_and_say_the_others_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from analysis_fixtures import full, score, session, write_log

    # Monday: a session done; Tuesday: one whose every block was skipped (no session for the
    # report); Wednesday: an exercise row only, a check-in-free day the pain log does not reach
    write_log(tmp_path, [*full("a", "2026-03-02T08:00:00+01:00"),
                         *session("b", "2026-03-03T08:00:00+01:00",
                                  ("tilt", "", 10, 0, "skipped")),
                         *full("c", "2026-03-04T08:00:00+01:00")],
              [score("2026-03-02T08:00:00+01:00", 4, "before_session", "a")])
    assert main(["check", "--data-dir", str(tmp_path)]) == 0
    assert ("OK, 2 sessions (and 1 with no rep done), 7 exercise rows, 1 pain score, "
            "0 questionnaires, 0 signals, 2026-03-02 to 2026-03-04") in capsys.readouterr().out
    out = tmp_path / "export.csv"
    assert main(["export", "--data-dir", str(tmp_path), "--out", str(out)]) == 0
    assert "Wrote 2 sessions (and 1 with no rep done) and 0 check-ins" in capsys.readouterr().out
