"""The log store: round trips, concurrent writers, a killed writer, and every validation error."""

from __future__ import annotations

import multiprocessing
import signal
import stat
import subprocess
import sys
import textwrap
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backrelief_analysis.log.store import (
    EXERCISE_COLUMNS,
    OUTCOME_COLUMNS,
    PAIN_COLUMNS,
    DuplicateRowWarning,
    ExerciseBlock,
    LogError,
    LogStore,
    OutcomeEntry,
    PainEntry,
    TornLineWarning,
    load_log,
)

BST = timezone(timedelta(hours=1))
T0 = datetime(2026, 6, 1, 8, 15, 2, tzinfo=BST)
AWKWARD_NOTES = [
    "plain",
    "commas, everywhere, here",
    'she said "hold it", then "relax"',
    "two\nlines",
    "windows\r\nline end",
    "ünïcødé — 背中が痛い 🙂",
    "=SUM(A1:A9)",
    "",
    "  leading and trailing spaces  ",
    '"',
]


def block(session: str = "s1", **changes: object) -> ExerciseBlock:
    values = dict(session_id=session, session_started_at=T0, exercise="bridge", side="",
                  reps_target=10, reps_done=10, hold_s_target=5.0, hold_s_mean=5.02,
                  status="completed", logged_at=T0 + timedelta(minutes=2))
    return ExerciseBlock(**(values | changes))


def test_pain_notes_round_trip_exactly(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    for minute, note in enumerate(AWKWARD_NOTES):
        store.append_pain(PainEntry(T0 + timedelta(minutes=minute), 3, "check_in", note=note))
    log = load_log(tmp_path)
    assert log.pain["note"].tolist() == AWKWARD_NOTES
    assert log.pain["pain"].tolist() == [3] * len(AWKWARD_NOTES)


def test_exercise_rows_round_trip_with_types(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_block(block())
    store.append_block(block(exercise="knee_to_chest", side="left", reps_done=4,
                             hold_s_mean=None, status="stopped"))
    frame = load_log(tmp_path).exercise
    assert frame["side"].tolist() == ["", "left"]
    assert frame["reps_done"].tolist() == [10, 4]
    assert frame["hold_s_mean"].iloc[0] == pytest.approx(5.02)
    assert pd.isna(frame["hold_s_mean"].iloc[1])
    assert frame["session_started_at"].iloc[0] == pd.Timestamp("2026-06-01T07:15:02Z")
    assert frame["started_local"].iloc[0] == pd.Timestamp("2026-06-01T08:15:02")


def test_written_file_has_the_documented_header_and_format(tmp_path: Path) -> None:
    LogStore(tmp_path).append_pain(PainEntry(T0, 4, "before_session", "s1"))
    lines = (tmp_path / "pain_log.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [",".join(PAIN_COLUMNS), "2026-06-01T08:15:02+01:00,4,before_session,s1,,"]


def test_new_files_and_folder_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    LogStore(folder).append_block(block())
    assert stat.S_IMODE((folder / "exercise_log.csv").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_local_day_is_the_day_written_not_the_utc_day(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_pain(PainEntry(datetime(2026, 6, 1, 23, 59, 30, tzinfo=BST), 5, "check_in"))
    store.append_pain(PainEntry(datetime(2026, 6, 2, 0, 0, 30, tzinfo=BST), 6, "check_in"))
    pain = load_log(tmp_path).pain
    # both are on 1 June in UTC, but the user lived them on two different days
    assert pain["recorded_at"].dt.day.tolist() == [1, 1]
    assert pain["date"].tolist() == [pd.Timestamp("2026-06-01"), pd.Timestamp("2026-06-02")]


def _append_many(directory: str, writer: int, count: int) -> None:
    store = LogStore(directory)
    for index in range(count):
        note = f"writer {writer} row {index}, " + "x" * (index % 50) + "\nend"
        store.append_pain(PainEntry(T0, index % 11, "check_in", note=note))


def test_processes_appending_at_once_lose_and_interleave_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_many, args=(str(tmp_path), w, 150))
               for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join()
    assert [p.exitcode for p in writers] == [0, 0, 0, 0]
    notes = load_log(tmp_path).pain["note"]
    expected = {f"writer {w} row {i}, " + "x" * (i % 50) + "\nend"
                for w in range(4) for i in range(150)}
    assert len(notes) == 600
    assert set(notes) == expected


KILLED_WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from backrelief_analysis.log.store import LogStore, PainEntry
    store = LogStore(sys.argv[1])
    note = "n" * 4_000_000  # big rows make a kill land inside a write now and then
    index = 0
    while True:
        store.append_pain(PainEntry(datetime.now(timezone.utc), index % 11, "check_in",
                                    note=f"{index}:" + note))
        index += 1
        print(index, flush=True)
""")


def test_writer_killed_mid_loop_keeps_every_completed_row(tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    for _ in range(5):  # wait for five acknowledged rows, then kill without warning
        writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    acknowledged = 5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pain = load_log(tmp_path).pain
    assert len(pain) >= acknowledged
    assert [int(note.split(":")[0]) for note in pain["note"]] == list(range(len(pain)))
    # whatever the kill left, the next append heals it: every row loads, without a warning
    with warnings.catch_warnings(record=True) as moved:
        warnings.simplefilter("always")
        LogStore(tmp_path).append_pain(PainEntry(datetime.now(UTC), 1, "check_in",
                                                 note=f"{len(pain)}:after"))
    assert bool(caught) == bool(moved) == (tmp_path / "pain_log.csv.torn").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_log(tmp_path).pain) == len(pain) + 1


def test_torn_last_line_is_set_aside_once_and_whole_rows_load(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_block(block("s1"))
    store.append_block(block("s2"))
    path = tmp_path / "exercise_log.csv"
    whole = path.read_bytes()
    torn = b"s3,2026-06-01T08:15:02+01:00,bridge,,10,1"
    path.write_bytes(whole + torn)
    with pytest.warns(TornLineWarning, match=r"the last line \(line 4\) was cut off"):
        log = load_log(tmp_path)
    assert log.exercise["session_id"].tolist() == ["s1", "s2"]
    assert path.read_bytes() == whole + torn  # reading changes nothing
    with pytest.warns(TornLineWarning, match=r"the last line \(line 4\) was cut off"):
        store.append_block(block("s4"))
    assert (tmp_path / "exercise_log.csv.torn").read_bytes() == torn + b"\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_log(tmp_path).exercise["session_id"].tolist() == ["s1", "s2", "s4"]


TORN_NOTE = b'2026-06-01T09:00:00+01:00,4,check_in,,,"first line\n'


def test_torn_quoted_note_ending_in_a_newline_is_detected(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_pain(PainEntry(T0, 3, "check_in", note="ok"))
    path = tmp_path / "pain_log.csv"
    whole = path.read_bytes()
    path.write_bytes(whole + TORN_NOTE)
    with pytest.warns(TornLineWarning, match=r"the last line \(line 3\) was cut off"):
        assert load_log(tmp_path).pain["note"].tolist() == ["ok"]
    assert path.read_bytes() == whole + TORN_NOTE
    with pytest.warns(TornLineWarning, match=r"the last line \(line 3\) was cut off"):
        store.append_pain(PainEntry(T0, 2, "check_in"))
    assert (tmp_path / "pain_log.csv.torn").read_bytes() == TORN_NOTE
    assert path.read_bytes().startswith(whole)


def test_reading_never_moves_a_torn_row_only_the_next_append_does(tmp_path: Path) -> None:
    # a row still being written by another tab when the log is read must not be taken from it
    store = LogStore(tmp_path)
    store.append_pain(PainEntry(T0, 3, "check_in", note="ok"))
    path = tmp_path / "pain_log.csv"
    torn = path.read_bytes() + b"2026-06-01T09:0"
    path.write_bytes(torn)
    for _ in range(2):
        with pytest.warns(TornLineWarning, match="next entry saved moves it"):
            log = load_log(tmp_path)
        assert log.pain["note"].tolist() == ["ok"]
        assert "pain_log.csv: the last line (line 3)" in log.set_aside[0]
    assert path.read_bytes() == torn
    assert not (tmp_path / "pain_log.csv.torn").exists()
    with pytest.warns(TornLineWarning, match="line 3.*moved to pain_log.csv.torn"):
        store.append_pain(PainEntry(T0, 2, "check_in", note="later"))
    assert (tmp_path / "pain_log.csv.torn").read_bytes() == b"2026-06-01T09:0\n"


def test_append_after_a_torn_note_ending_in_a_newline_is_not_swallowed(tmp_path: Path) -> None:
    # without a look at every quote, the next row would be read as more of the open note
    store = LogStore(tmp_path)
    store.append_pain(PainEntry(T0, 3, "check_in", note="ok"))
    path = tmp_path / "pain_log.csv"
    path.write_bytes(path.read_bytes() + TORN_NOTE)
    with pytest.warns(TornLineWarning, match=r"line 3\).*moved to pain_log.csv.torn"):
        store.append_pain(PainEntry(T0 + timedelta(hours=1), 2, "check_in", note="later"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_log(tmp_path).pain["note"].tolist() == ["ok", "later"]
    assert (tmp_path / "pain_log.csv.torn").read_bytes() == TORN_NOTE


def test_quote_typed_by_hand_mid_file_is_an_error_by_line_and_moves_nothing(
    tmp_path: Path,
) -> None:
    # only a torn *last* record may be set aside: a quote opened by hand in the middle of the
    # file swallows whole rows after it, so it is an error named by its line
    rows = [",".join(PAIN_COLUMNS), GOOD_PAIN, '2026-06-01T09:00:00+01:00,4,check_in,,,"open',
            *[GOOD_PAIN.replace("08:", f"1{n}:") for n in range(5)]]
    path = tmp_path / "pain_log.csv"
    text = "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.reason) for p in error.value.problems] == [
        (3, 'starts a quoted field (") that is never closed')]
    LogStore(tmp_path).append_pain(PainEntry(T0, 2, "check_in"))
    assert path.read_text(encoding="utf-8").startswith(text)
    assert not (tmp_path / "pain_log.csv.torn").exists()


def test_append_after_a_torn_tail_writes_a_whole_row(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_block(block("s1"))
    path = tmp_path / "exercise_log.csv"
    path.write_bytes(path.read_bytes() + b"s2,2026-06-01T08:1")
    with pytest.warns(TornLineWarning, match=r"line 3\).*moved to exercise_log.csv.torn"):
        store.append_block(block("s3"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_log(tmp_path).exercise["session_id"].tolist() == ["s1", "s3"]
    assert (tmp_path / "exercise_log.csv.torn").read_bytes() == b"s2,2026-06-01T08:1\n"


GOOD_PAIN = "2026-06-01T08:00:00+01:00,3,check_in,,no,fine"


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        ("2026-06-01T08:00:00+01:00,11,check_in,,,", "pain", "whole number from 0 to 10"),
        ("2026-06-01T08:00:00+01:00,2.5,check_in,,,", "pain", "whole number from 0 to 10"),
        ("2026-06-01T08:00:00+01:00,-1,check_in,,,", "pain", "whole number from 0 to 10"),
        ("2026-06-01T08:00:00+01:00,three,check_in,,,", "pain", "whole number from 0 to 10"),
        ("2026-06-01T08:00:00+01:00,3,morning,,,", "context", "must be one of"),
        ("2026-06-01T08:00:00+01:00,3,check_in,,maybe,", "flare", "must be one of"),
        ("2026-06-01T08:00:00,3,check_in,,,", "recorded_at", "UTC offset"),
        ("yesterday,3,check_in,,,", "recorded_at", "UTC offset"),
        ("2026-02-30T08:00:00+00:00,3,check_in,,,", "recorded_at", "not a real date"),
        ("2026-06-01T08:00:00+01:00,3,before_session,,,", "session_id", "must name the session"),
    ],
)
def test_bad_pain_row_is_named_by_line_and_column(
    tmp_path: Path, bad_row: str, column: str, reason: str
) -> None:
    text = "\n".join([",".join(PAIN_COLUMNS), GOOD_PAIN, GOOD_PAIN, bad_row, GOOD_PAIN]) + "\n"
    (tmp_path / "pain_log.csv").write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    [problem] = error.value.problems
    assert (problem.file, problem.line, problem.column) == ("pain_log.csv", 4, column)
    assert reason in problem.reason
    assert f"pain_log.csv, line 4, column '{column}'" in str(error.value)


GOOD_BLOCK = "s1,2026-06-01T08:00:00+01:00,bridge,,10,10,5,5.01,completed,2026-06-01T08:02:00+01:00"


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        (GOOD_BLOCK.replace(",10,10,", ",10,12,"), "reps_done", "more than reps_target"),
        (GOOD_BLOCK.replace("completed", "finished"), "status", "must be one of"),
        (GOOD_BLOCK.replace("bridge,,", "bridge,middle,"), "side", "must be one of"),
        (GOOD_BLOCK.replace(",5.01,", ",long,"), "hold_s_mean", "number of seconds"),
        (GOOD_BLOCK.replace(",10,10,", ",ten,10,"), "reps_target", "whole number"),
        (GOOD_BLOCK.replace("s1,", ",", 1), "session_id", "must not be empty"),
    ],
)
def test_bad_exercise_row_is_named_by_line_and_column(
    tmp_path: Path, bad_row: str, column: str, reason: str
) -> None:
    text = "\n".join([",".join(EXERCISE_COLUMNS), GOOD_BLOCK, bad_row]) + "\n"
    (tmp_path / "exercise_log.csv").write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    [problem] = error.value.problems
    assert (problem.line, problem.column) == (3, column)
    assert reason in problem.reason


def test_line_numbers_count_lines_inside_multi_line_notes(tmp_path: Path) -> None:
    rows = [",".join(PAIN_COLUMNS), '2026-06-01T08:00:00+01:00,3,check_in,,,"one\ntwo\nthree"',
            "2026-06-01T09:00:00+01:00,12,check_in,,,"]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [p.line for p in error.value.problems] == [5]


def test_rows_with_too_few_or_too_many_fields_are_named(tmp_path: Path) -> None:
    rows = [",".join(PAIN_COLUMNS), GOOD_PAIN, "2026-06-01T08:00:00+01:00,3,check_in",
            GOOD_PAIN + ",extra", GOOD_PAIN]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.reason) for p in error.value.problems] == [
        (3, "has 3 fields; expected 6"), (4, "has 7 fields; expected 6"),
    ]  # fmt: skip


def test_every_problem_in_both_files_is_listed_in_one_error(tmp_path: Path) -> None:
    (tmp_path / "pain_log.csv").write_text(
        ",".join(PAIN_COLUMNS) + "\n2026-06-01T08:00:00+01:00,11,nap,,,\n", encoding="utf-8")
    (tmp_path / "exercise_log.csv").write_text(
        ",".join(EXERCISE_COLUMNS) + "\n" + GOOD_BLOCK.replace("completed", "done") + "\n",
        encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    found = {(p.file, p.line, p.column) for p in error.value.problems}
    assert found == {("exercise_log.csv", 2, "status"), ("pain_log.csv", 2, "pain"),
                     ("pain_log.csv", 2, "context")}


def test_wrong_header_is_refused_when_loading_and_appending(tmp_path: Path) -> None:
    path = tmp_path / "pain_log.csv"
    path.write_text("time,pain,context,session,flare,note\n", encoding="utf-8")
    with pytest.raises(LogError, match="line 1: wrong header"):
        load_log(tmp_path)
    with pytest.raises(LogError, match="wrong header"):
        LogStore(tmp_path).append_pain(PainEntry(T0, 2, "check_in"))
    assert path.read_text(encoding="utf-8") == "time,pain,context,session,flare,note\n"


def test_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "pain_log.csv").write_bytes(
        (",".join(PAIN_COLUMNS) + "\n").encode()
        + b"2026-06-01T08:00:00+01:00,3,check_in,,,caf\xe9\n"
    )
    with pytest.raises(LogError, match="line 2: is not UTF-8"):
        load_log(tmp_path)


def test_empty_folder_loads_an_empty_log_with_typed_columns(tmp_path: Path) -> None:
    log = load_log(tmp_path)
    assert log.empty
    assert list(log.pain.columns[:6]) == list(PAIN_COLUMNS)
    assert list(log.exercise.columns[:10]) == list(EXERCISE_COLUMNS)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no log folder"):
        load_log(tmp_path / "absent")


def test_store_refuses_rows_the_loader_would_reject(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    with pytest.raises(ValueError, match="pain must be"):
        store.append_pain(PainEntry(T0, 11, "check_in"))
    with pytest.raises(ValueError, match="reps_done"):
        store.append_block(block(reps_done=11))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.append_pain(PainEntry(datetime(2026, 6, 1, 8, 0), 3, "check_in"))  # noqa: DTZ001
    assert load_log(tmp_path).empty


def test_fractional_seconds_and_z_are_read_beside_the_usual_form(tmp_path: Path) -> None:
    rows = [",".join(PAIN_COLUMNS), "2026-03-29T00:30:00+00:00,3,check_in,,,",
            "2026-03-29T08:00:00.250+01:00,4,check_in,,,", "2026-03-29T23:00:00Z,5,check_in,,,"]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    pain = load_log(tmp_path).pain
    assert pain["recorded_at"].tolist() == [
        pd.Timestamp("2026-03-29T00:30:00Z"), pd.Timestamp("2026-03-29T07:00:00Z"),
        pd.Timestamp("2026-03-29T23:00:00Z"),
    ]  # fmt: skip
    assert pain["recorded_local"].dt.hour.tolist() == [0, 8, 23]
    assert (pain["date"] == pd.Timestamp("2026-03-29")).all()


# --- the one-pass read of a whole file, and when it must hand over to the exact read -------------

QUOTED_PAIN = '2026-06-01T08:00:00+01:00,3,check_in,,no,"stiff, then easier\nafter a walk"'


@pytest.mark.parametrize("quoted", [False, True], ids=["no quotes", "quoted notes"])
def test_blank_line_is_named_by_its_line(tmp_path: Path, quoted: bool) -> None:
    first = QUOTED_PAIN if quoted else GOOD_PAIN  # the quoted note spans lines 2 and 3
    rows = [",".join(PAIN_COLUMNS), first, "", GOOD_PAIN]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.reason) for p in error.value.problems] == [(4 if quoted else 3, "is empty")]


@pytest.mark.parametrize("quoted", [False, True], ids=["no quotes", "quoted notes"])
def test_short_row_whose_missing_cells_may_be_empty_is_still_named(
    tmp_path: Path, quoted: bool
) -> None:
    first = QUOTED_PAIN if quoted else GOOD_PAIN
    rows = [",".join(PAIN_COLUMNS), first, "2026-06-01T09:00:00+01:00,4,check_in,,", GOOD_PAIN]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    line = 4 if quoted else 3
    assert [(p.line, p.reason) for p in error.value.problems] == [
        (line, "has 5 fields; expected 6")]


def test_commas_inside_quoted_notes_are_not_counted_as_fields(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    notes = ['a, b, c', 'said "x, y"', ",,,,,,,,", "plain"]
    for minute, note in enumerate(notes):
        store.append_pain(PainEntry(T0 + timedelta(minutes=minute), 2, "check_in", note=note))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_log(tmp_path).pain["note"].tolist() == notes


def test_windows_line_ends_load_like_unix_ones(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.append_block(block("s1"))
    store.append_pain(PainEntry(T0, 3, "check_in", note="ok"))
    unix = load_log(tmp_path)
    for name in ("exercise_log.csv", "pain_log.csv"):
        path = tmp_path / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    windows = load_log(tmp_path)
    pd.testing.assert_frame_equal(windows.exercise, unix.exercise)
    pd.testing.assert_frame_equal(windows.pain, unix.pain)


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("2026-06-01T08:00:00+01:00x", "UTC offset"),
        ("2026-06-01T08:00:00+01", "UTC offset"),
        ("2026-06-01T08:00:0٣+01:00", "UTC offset"),  # an Arabic-Indic digit is not ASCII
        ("2026+06-01T08:00:00+01:00", "UTC offset"),
        ("2026-06-01T08:00:00*01:00", "UTC offset"),
        ("2025-02-29T08:00:00+01:00", "not a real date"),
        ("2026-06-31T08:00:00+01:00", "not a real date"),
        ("2026-06-01T08:60:00+01:00", "not a real date"),
    ],
)
def test_bad_timestamp_among_good_ones_is_named(tmp_path: Path, stamp: str, reason: str) -> None:
    good = "2026-06-01T08:00:00+01:00"
    rows = [",".join(PAIN_COLUMNS)] + [f"{good},3,check_in,,," for _ in range(3)]
    rows.insert(3, f"{stamp},3,check_in,,,")
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    [problem] = error.value.problems
    assert (problem.line, problem.column) == (4, "recorded_at")
    assert reason in problem.reason


def test_timestamps_agree_with_python_across_calendars_and_offsets(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    base = datetime(2000, 1, 2, tzinfo=UTC)  # the contract's years: 2000 to 2100
    seconds = rng.integers(0, 3_150_000_000, size=3000)
    offsets = rng.integers(-14 * 4, 14 * 4 + 1, size=3000) * 15  # quarter hours, both signs
    leap_days = [datetime(y, 2, 29, 23, 59, 59, tzinfo=UTC) for y in (2000, 2024, 2096)]
    moments = [base + timedelta(seconds=int(s)) for s in seconds] + leap_days
    zones = [timezone(timedelta(minutes=int(m))) for m in offsets] + [UTC] * 3
    stamps = [m.astimezone(z).isoformat(timespec="seconds") for m, z in zip(moments, zones,
                                                                            strict=True)]
    rows = [",".join(PAIN_COLUMNS)] + [f"{s},3,check_in,,," for s in stamps]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    pain = load_log(tmp_path).pain
    expected = [datetime.fromisoformat(s) for s in stamps]
    assert pain["recorded_at"].tolist() == [pd.Timestamp(e).tz_convert("UTC") for e in expected]
    assert pain["recorded_local"].tolist() == [pd.Timestamp(e.replace(tzinfo=None))
                                               for e in expected]


def test_session_starts_are_right_when_sessions_interleave(tmp_path: Path) -> None:
    starts = {"a": T0, "b": T0 + timedelta(hours=5), "c": T0 + timedelta(days=1)}
    order = ["a", "a", "b", "a", "c", "c", "b"]
    LogStore(tmp_path).extend_blocks(
        block(s, session_started_at=starts[s], logged_at=starts[s] + timedelta(minutes=i))
        for i, s in enumerate(order))
    exercise = load_log(tmp_path).exercise
    assert exercise["session_started_at"].tolist() == [pd.Timestamp(starts[s]) for s in order]
    assert exercise["date"].dt.day.tolist() == [starts[s].day for s in order]


def _load_or_problems(folder: Path) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornLineWarning)
        try:
            log = load_log(folder)
        except LogError as error:
            return [str(problem) for problem in error.problems]
    return log


def test_the_one_pass_read_agrees_with_the_exact_read_on_damaged_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backrelief_analysis.log.store as store_module

    source = tmp_path / "source"
    store = LogStore(source)
    for index in range(12):
        at = T0 + timedelta(hours=index)
        store.append_block(block(f"s{index}", session_started_at=at, logged_at=at))
        note = ['stiff, then "easier"', "two\nlines, one comma", "", "plain"][index % 4]
        store.append_pain(PainEntry(at, index % 11, "check_in", note=note))
    rng = np.random.default_rng(2026)
    mutations = 0
    for name in ("exercise_log.csv", "pain_log.csv"):
        original = (source / name).read_bytes()
        for trial in range(120):
            data = bytearray(original)
            at = int(rng.integers(len(original.split(b"\n")[0]) + 1, len(data)))
            kind = trial % 6
            if kind == 0:
                data[at:at] = b"\n"  # a blank line or a split row
            elif kind == 1:
                data[at:at] = b","
            elif kind == 2:
                data[at:at] = b'"'
            elif kind == 3:
                del data[at]
            elif kind == 4:
                data[at] = ord("x")
            else:
                data = data[:at] + b"\n"  # cut short, then a newline
            results = []
            for mode in ("usual", "exact"):
                folder = tmp_path / f"{name}-{trial}-{mode}"
                folder.mkdir()
                for other in ("exercise_log.csv", "pain_log.csv"):
                    content = bytes(data) if other == name else (source / other).read_bytes()
                    (folder / other).write_bytes(content)
                with monkeypatch.context() as patch:
                    if mode == "exact":
                        patch.setattr(store_module, "read_fast", lambda *_: None)
                    results.append(_load_or_problems(folder))
            usual, exact = results
            if isinstance(exact, list):
                assert usual == exact, bytes(data)
            else:
                pd.testing.assert_frame_equal(usual.exercise, exact.exercise)
                pd.testing.assert_frame_equal(usual.pain, exact.pain)
            mutations += 1
    assert mutations == 240


def test_first_row_with_a_field_too_many_is_named_not_taken_as_an_index(tmp_path: Path) -> None:
    rows = [",".join(PAIN_COLUMNS), GOOD_PAIN.replace(",no,", ",no,,"), GOOD_PAIN, GOOD_PAIN]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.reason) for p in error.value.problems] == [(2, "has 7 fields; expected 6")]


def test_a_quote_that_never_closes_is_named_by_its_line(tmp_path: Path) -> None:
    # a hand edit, not a torn write: the file ends on a whole line with an even number of quotes
    # (an inch mark inside line 2's note is text), but line 3 opens a quoted note and never
    # closes it, so CSV readers take the rest of the file as that note
    rows = [",".join(PAIN_COLUMNS), GOOD_PAIN.replace("fine", 'stiff for 5" or so'),
            '2026-06-01T09:00:00+01:00,4,check_in,,,"open', GOOD_PAIN, GOOD_PAIN]
    (tmp_path / "pain_log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.reason) for p in error.value.problems] == [
        (3, 'starts a quoted field (") that is never closed')]
    assert not (tmp_path / "pain_log.csv.torn").exists()


# --- the outcomes table ---------------------------------------------------------------------------


def peg(set_id: str = "o1", at: datetime = T0, **scores: int) -> list[OutcomeEntry]:
    values = {"pain": 6, "enjoyment": 5, "activity": 4} | scores
    return [OutcomeEntry(at, set_id, "peg", item, score) for item, score in values.items()]


def test_outcome_sets_round_trip_with_types(tmp_path: Path) -> None:
    store = LogStore(tmp_path)
    store.extend_outcomes(peg())
    store.extend_outcomes([OutcomeEntry(T0 + timedelta(days=1), "o2", "psfs", "lifting, a child",
                                        3, note='"heavy"'),
                           OutcomeEntry(T0 + timedelta(days=1), "o2", "psfs", "gardening", 7)])
    store.extend_outcomes([OutcomeEntry(T0 + timedelta(days=2), "o3", "odi", "total", 42)])
    outcomes = load_log(tmp_path).outcomes
    assert list(outcomes.columns) == [*OUTCOME_COLUMNS, "recorded_local", "date"]
    assert outcomes["item"].tolist() == ["pain", "enjoyment", "activity", "lifting, a child",
                                         "gardening", "total"]
    assert outcomes["score"].tolist() == [6, 5, 4, 3, 7, 42]
    assert outcomes["score"].dtype == np.int64
    assert outcomes["note"].tolist()[3] == '"heavy"'
    assert outcomes["recorded_at"].iloc[0] == pd.Timestamp("2026-06-01T07:15:02Z")
    assert outcomes["date"].iloc[5] == pd.Timestamp("2026-06-03")
    header = (tmp_path / "outcomes_log.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "recorded_at,set_id,measure,item,score,note"


def test_a_log_without_an_outcomes_file_has_no_outcomes(tmp_path: Path) -> None:
    LogStore(tmp_path).append_pain(PainEntry(T0, 3, "check_in"))
    outcomes = load_log(tmp_path).outcomes
    assert outcomes.empty
    assert list(outcomes.columns) == [*OUTCOME_COLUMNS, "recorded_local", "date"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (peg()[:2], "PEG set needs exactly the items"),
        ([*peg(), OutcomeEntry(T0, "o1", "odi", "total", 20)], "mixes measures"),
        (peg(pain=11), "from 0 to 10"),
        ([OutcomeEntry(T0, "o1", "odi", "total", 101)], "from 0 to 100"),
        ([OutcomeEntry(T0, "o1", "rmdq", "total", 25)], "from 0 to 24"),
        ([OutcomeEntry(T0, "o1", "rmdq", "pain", 5)], "must be 'total'"),
        ([OutcomeEntry(T0, "o1", "psfs", f"activity {n}", 5) for n in range(6)], "1 to 5"),
        (peg() + peg("o2"), "set ids"),
        ([OutcomeEntry(T0, "o1", "sf36", "total", 5)], "measure must be one of"),
    ],
)
def test_writer_refuses_an_incomplete_mixed_or_out_of_range_set(
    tmp_path: Path, entries: list[OutcomeEntry], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LogStore(tmp_path).extend_outcomes(entries)
    assert not (tmp_path / "outcomes_log.csv").exists()


OUTCOME_HEADER = ",".join(OUTCOME_COLUMNS)
AT = "2026-06-01T08:00:00+01:00"


@pytest.mark.parametrize(
    ("rows", "line", "column", "reason"),
    [
        ([f"{AT},o1,odi,total,101,"], 3, "score", "whole number from 0 to 100 for odi"),
        ([f"{AT},o1,rmdq,total,2.5,"], 3, "score", "whole number from 0 to 24 for rmdq"),
        ([f"{AT},o1,psfs,walking,11,"], 3, "score", "whole number from 0 to 10 for psfs"),
        ([f"{AT},o1,odi,back,30,"], 3, "item", "must be 'total' for odi"),
        ([f"{AT},o1,sf36,total,3,"], 3, "measure", "must be one of"),
        ([f"{AT},o1,peg,pain,5,", f"{AT},o1,peg,mood,5,", f"{AT},o1,peg,activity,5,"], 4, "item",
         "must be one of pain, enjoyment, activity"),
        ([f"{AT},o1,peg,pain,5,", f"{AT},o1,peg,enjoyment,5,"], 3, "set_id",
         "set 'o1' (lines 3, 4) a PEG set needs exactly"),
        ([f"{AT},o1,peg,pain,5,", f"{AT},o1,peg,enjoyment,5,", f"{AT},o1,peg,activity,5,",
          f"{AT},o1,odi,total,30,"], 3, "set_id", "mixes measures (odi, peg)"),
        ([f"{AT},o1,psfs,a{n},5," for n in range(6)], 3, "set_id", "needs 1 to 5 activities"),
    ],
)
def test_bad_outcome_row_or_set_is_named_by_line(
    tmp_path: Path, rows: list[str], line: int, column: str, reason: str
) -> None:
    good = [f"{AT},o0,odi,total,40,"]  # line 2; the rows under test start on line 3
    (tmp_path / "outcomes_log.csv").write_text(
        "\n".join([OUTCOME_HEADER, *good, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    named = [p for p in error.value.problems
             if (p.file, p.line, p.column) == ("outcomes_log.csv", line, column)]
    assert [reason in p.reason for p in named] == [True]
    assert all(p.line >= 3 for p in error.value.problems)  # the good set on line 2 is fine


# --- faults from a hostile read (issues 10 and 17) -----------------------------------------------


def _pain_file(folder: Path, *rows: str, end: str = "\n") -> Path:
    path = folder / "pain_log.csv"
    path.write_text("\n".join([",".join(PAIN_COLUMNS), *rows]) + end, encoding="utf-8")
    return path


def test_whole_last_row_without_a_final_newline_is_a_row_and_an_append_adds_one(
    tmp_path: Path,
) -> None:
    # a text editor saved the file without a final newline: the row is whole, not torn
    path = _pain_file(tmp_path, GOOD_PAIN, GOOD_PAIN.replace("08:", "09:"), end="")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log = load_log(tmp_path)
    assert len(log.pain) == 2
    assert log.set_aside == ()
    LogStore(tmp_path).append_pain(PainEntry(T0, 2, "check_in", note="next"))
    assert path.read_text(encoding="utf-8").splitlines()[2:] == [
        GOOD_PAIN.replace("08:", "09:"), "2026-06-01T08:15:02+01:00,2,check_in,,,next"]
    assert len(load_log(tmp_path).pain) == 3
    assert not (tmp_path / "pain_log.csv.torn").exists()


@pytest.mark.parametrize("note", ["\r", "one\rtwo", "end\r", "nul\x00byte", "\x1b[31mred",
                                  "\x0b\x0c\x1c\x85\u2028"])
def test_notes_with_control_characters_load_and_read_back_as_written(
    tmp_path: Path, note: str
) -> None:
    store = LogStore(tmp_path)
    store.append_pain(PainEntry(T0, 3, "check_in", note=note))
    store.append_pain(PainEntry(T0, 4, "check_in", note="after"))
    assert load_log(tmp_path).pain["note"].tolist() == [note, "after"]


@pytest.mark.parametrize(
    "bad_row",
    [
        GOOD_PAIN.replace("fine", '"a"b"c",x'),  # a quote closed early, and a field too many
        GOOD_PAIN.replace("fine", '"x",,'),
        GOOD_PAIN.replace(",no,", ',"no"x,'),  # text after a closing quote
        '"' + GOOD_PAIN + '"',  # the whole row in one quoted field
        GOOD_PAIN.replace("fine", 'x,"y'),  # an extra field that opens a quote mid-line
    ],
)
def test_malformed_quoting_is_an_error_named_by_its_line(tmp_path: Path, bad_row: str) -> None:
    later = GOOD_PAIN.replace("08:", "10:")
    _pain_file(tmp_path, GOOD_PAIN, bad_row, '2026-06-01T11:00:00+01:00,2,check_in,,,"x"""')
    (tmp_path / "pain_log.csv").write_text(
        (tmp_path / "pain_log.csv").read_text(encoding="utf-8") + later + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert {p.line for p in error.value.problems} == {3}
    assert not (tmp_path / "pain_log.csv.torn").exists()


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        (",10,10,", ",99999999999999999999,10,", "reps_target", "from 0 to 1000"),
        (",5,5.01,", ",inf,5.01,", "hold_s_target", "number of seconds from 0 to 3600"),
        (",5,5.01,", ",5,1e400,", "hold_s_mean", "number of seconds"),
        (",5,5.01,", ",nan,5.01,", "hold_s_target", "number of seconds"),
        ("T08:00:00+01:00,bridge", "T08:00:60+01:00,bridge", "session_started_at",
         "not a real date"),
        ("T08:00:00+01:00,bridge", "T08:00:00+14:30,bridge", "session_started_at",
         "UTC offset beyond ±14:00"),
        ("2026-06-01T08:00:00+01:00,bridge", "1999-06-01T08:00:00+01:00,bridge",
         "session_started_at", "from 2000 to 2100"),
        ("2026-06-01T08:02:00", "2101-06-01T08:02:00", "logged_at", "from 2000 to 2100"),
    ],
)
def test_values_outside_the_contract_are_refused_by_line(
    tmp_path: Path, old: str, new: str, column: str, reason: str
) -> None:
    assert old in GOOD_BLOCK
    text = "\n".join([",".join(EXERCISE_COLUMNS), GOOD_BLOCK, GOOD_BLOCK.replace(old, new)])
    (tmp_path / "exercise_log.csv").write_text(text + "\n", encoding="utf-8")
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert [(p.line, p.column) for p in error.value.problems] == [(3, column)]
    assert reason in error.value.problems[0].reason


def test_exact_duplicate_rows_warn_naming_both_lines(tmp_path: Path) -> None:
    _pain_file(tmp_path, GOOD_PAIN, GOOD_PAIN.replace("08:", "09:"), GOOD_PAIN)
    with pytest.warns(DuplicateRowWarning, match="pain_log.csv: lines 2, 4 repeat"):
        assert len(load_log(tmp_path).pain) == 3


def test_bytes_that_are_not_utf8_in_the_header_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "pain_log.csv").write_bytes(b"recorded_at,pa\xefn,context\n")
    with pytest.raises(LogError, match=r"pain_log.csv, line 1: is not UTF-8 text"):
        load_log(tmp_path)


def test_printed_problem_list_stops_after_fifty_with_a_count(tmp_path: Path) -> None:
    _pain_file(tmp_path, *[f"2026-06-01T08:{m:02}:00+01:00,11,check_in,,," for m in range(60)])
    with pytest.raises(LogError) as error:
        load_log(tmp_path)
    assert len(error.value.problems) == 60
    printed = str(error.value).splitlines()
    assert printed[0] == "60 problems in the log:"
    assert len(printed) == 1 + 50 + 1
    assert printed[-1].strip() == "... and 10 more"


def test_torn_header_of_a_new_file_heals_on_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "pain_log.csv"
    path.write_bytes(b"recorded_at,pai")
    log = load_log(tmp_path)
    assert log.pain.empty
    assert "only part of its header" in log.set_aside[0]
    LogStore(tmp_path).append_pain(PainEntry(T0, 4, "check_in"))
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(PAIN_COLUMNS)
    assert load_log(tmp_path).pain["pain"].tolist() == [4]


def test_an_existing_log_folder_is_made_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as data/log/ is in a fresh clone
    LogStore(folder).append_pain(PainEntry(T0, 4, "check_in"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_bom_and_a_header_only_file_load(tmp_path: Path) -> None:
    path = _pain_file(tmp_path, GOOD_PAIN)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a spreadsheet saved it
    (tmp_path / "exercise_log.csv").write_text(",".join(EXERCISE_COLUMNS) + "\n",
                                               encoding="utf-8")
    log = load_log(tmp_path)
    assert log.pain["note"].tolist() == ["fine"]
    assert log.exercise.empty
    LogStore(tmp_path).append_pain(PainEntry(T0, 4, "check_in"))
    assert len(load_log(tmp_path).pain) == 2


def test_rows_set_aside_earlier_are_counted_on_every_load(tmp_path: Path) -> None:
    _pain_file(tmp_path, GOOD_PAIN)
    (tmp_path / "pain_log.csv.torn").write_bytes(b"2026-06-0\n2026-06-02T0\n")
    assert load_log(tmp_path).set_aside == (
        "2 lines of pain_log.csv set aside earlier in pain_log.csv.torn (an interrupted write); "
        "they are not loaded",)
