"""Many patients' logs read at once give each patient exactly the store's own reading."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import write_odd_logs

from backrelief_analysis.log.store import LogError, load_log, read_logs

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
TABLES = ("exercise", "pain", "outcomes")
LOG_FILES = ("exercise_log.csv", "pain_log.csv", "outcomes_log.csv")


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in LOG_FILES
            if (folder / name).is_file()}


def _own_reading(folder: Path):
    """load_log's log (or its error) and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            log = load_log(folder)
        except LogError as error:
            return error, [str(warning.message) for warning in caught]
    return log, [str(warning.message) for warning in caught]


def _assert_same_as_the_store(logs, patient: int, folder: Path) -> None:
    own, warned = _own_reading(folder)
    if isinstance(own, LogError):
        assert logs.problems[patient] == tuple(own.problems)
        with pytest.raises(LogError) as raised:
            logs.log(patient)
        assert str(raised.value) == str(own)
        return
    assert logs.problems[patient] == ()
    log = logs.log(patient, folder)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(log, table), getattr(own, table))
    assert log.set_aside == own.set_aside
    assert log.repeated == own.repeated
    assert list(logs.warned[patient]) == warned


@pytest.mark.parametrize("as_bytes", [False, True], ids=["folders", "bytes"])
def test_each_patient_gets_the_stores_own_log_or_problems(tmp_path: Path, as_bytes: bool):
    folders = write_odd_logs(tmp_path)
    names = list(folders)
    sources = [_files(folders[name]) if as_bytes else folders[name] for name in names]
    logs = read_logs(sources)
    assert len(logs) == len(names)
    for patient, name in enumerate(names):
        _assert_same_as_the_store(logs, patient, folders[name])
    unusable = {name for patient, name in enumerate(names) if logs.problems[patient]}
    assert unusable == {"bad_row", "unclosed", "short", "choice_comma"}
    torn = names.index("torn")
    assert "cut off by an interrupted write" in logs.set_aside[torn][0]
    assert "repeat another row exactly" in logs.repeated[names.index("repeat")][0]


def test_a_bad_file_names_its_line_and_leaves_the_others_alone(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    logs = read_logs([folders["plain"], folders["bad_row"], folders["quoted"]])
    (problem,) = logs.problems[1]
    assert str(problem).startswith("pain_log.csv, line 22, column 'pain': ")
    assert logs.problems[0] == logs.problems[2] == ()
    assert set(logs.pain["patient"]) == {0, 2}  # the unusable patient has no rows
    assert logs.log(2).pain["note"].iloc[1] == ('Stiff, then easier\nafter a walk; a "pull" '
                                                "on the left")


def test_the_frames_hold_every_patients_rows_under_their_number(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    order = [folders["plain"], DEMO, folders["no_pain"], folders["torn"]]
    logs = read_logs(order)
    for table in TABLES:
        frame = getattr(logs, table)
        assert frame.columns[0] == "patient"
        expected = pd.concat([getattr(load_log(folder), table).assign(patient=patient)
                              for patient, folder in enumerate(order[:3])], ignore_index=True)
        shown = frame.loc[frame["patient"] != 3].reset_index(drop=True)
        pd.testing.assert_frame_equal(shown, expected[frame.columns])
    with pytest.warns(UserWarning, match="cut off by an interrupted write"):
        torn = load_log(folders["torn"])
    assert (logs.pain["patient"] == 3).sum() == len(torn.pain)


def test_equal_questionnaire_set_ids_of_two_patients_stay_two_sets(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    logs = read_logs([folders["outcomes_a"], folders["outcomes_b"]])
    assert logs.problems == ((), ())
    first = logs.outcomes.loc[logs.outcomes["set_id"] == "first"]
    assert first["patient"].tolist() == [0, 0, 0, 1, 1, 1]
    assert logs.log(1).outcomes["score"].iloc[-1] == 12


def test_a_set_that_is_incomplete_in_one_patient_is_that_patients_problem(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    path = folders["outcomes_b"] / "outcomes_log.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:3] + lines[4:]) + "\n", encoding="utf-8")  # one PEG item
    logs = read_logs([folders["outcomes_a"], folders["outcomes_b"]])
    assert logs.problems[0] == ()
    assert [str(p) for p in logs.problems[1]] == [
        "outcomes_log.csv, line 2, column 'set_id': set 'first' (lines 2, 3) a PEG set needs "
        "exactly the items pain, enjoyment, activity (got pain, enjoyment)"]


def test_lines_set_aside_beside_a_folder_are_noted_as_the_store_notes_them(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    (folders["plain"] / "pain_log.csv.torn").write_text("2026-03-16T08:0\n", encoding="utf-8")
    logs = read_logs([folders["torn"], folders["plain"]])
    _assert_same_as_the_store(logs, 1, folders["plain"])
    assert logs.set_aside[1] == ("1 line of pain_log.csv set aside earlier in "
                                 "pain_log.csv.torn (an interrupted write); they are not loaded",)


def test_timestamps_out_of_the_usual_form_are_judged_as_one_patients_are(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    path = folders["plain"] / "pain_log.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    odd = ["2026-03-16T08:00:00Z", "2026-03-17T08:00:00.250+01:00", "2026-02-30T08:00:00+01:00",
           "2026-03-18T08:00:00+15:00", "1999-03-18T08:00:00+01:00", "2026-03-18 08:00:00+01:00",
           "2026-03-19T24:00:00+01:00", "２026-03-18T08:00:00+01:00"]
    path.write_text("\n".join(text + [f"{stamp},3,check_in,,," for stamp in odd]) + "\n",
                    encoding="utf-8")
    logs = read_logs([folders["quoted"], folders["plain"]])
    _assert_same_as_the_store(logs, 1, folders["plain"])
    assert len(logs.problems[1]) == 6  # the first two are sound
    _assert_same_as_the_store(logs, 0, folders["quoted"])


def test_a_long_and_a_short_row_in_one_plain_file_are_the_stores_problems(tmp_path: Path):
    # the file's separators add up (one row a field long, another a field short): the files
    # read together fail, and each is read on its own
    folders = write_odd_logs(tmp_path)
    path = folders["plain"] / "exercise_log.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"
    lines[3] = lines[3].rsplit(",", 1)[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    order = ["outcomes_a", "plain", "no_pain", "repeat"]
    logs = read_logs([folders[name] for name in order])
    for patient, name in enumerate(order):
        _assert_same_as_the_store(logs, patient, folders[name])
    assert [bool(found) for found in logs.problems] == [False, True, False, False]


def test_notes_with_commas_and_quote_marks_read_together_are_the_stores_own(tmp_path: Path):
    # quoted notes on one line each go through the joined read; a note across two lines, a
    # short row next to a comma in a quoted fixed value, go file by file: all read as the store
    folders = write_odd_logs(tmp_path)
    notes = ['tight, sore, better', 'a "pull", then "easier"', ',,,', '"', 'end,']
    for index, note in enumerate(notes):
        path = folders["plain"].parent / f"notes{index}" / "pain_log.csv"
        path.parent.mkdir()
        (path.parent / "exercise_log.csv").write_bytes(
            (folders["plain"] / "exercise_log.csv").read_bytes())
        lines = (folders["plain"] / "pain_log.csv").read_text(encoding="utf-8").splitlines()
        quoted = '"' + note.replace('"', '""') + '"'
        lines[2 + index] = lines[2 + index].rsplit(",", 1)[0] + "," + quoted
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        folders[f"notes{index}"] = path.parent
    order = [*(f"notes{index}" for index in range(len(notes))), "quoted", "short",
             "choice_comma", "plain"]
    logs = read_logs([folders[name] for name in order])
    for patient, name in enumerate(order):
        _assert_same_as_the_store(logs, patient, folders[name])
    assert [bool(found) for found in logs.problems] == [False] * 6 + [True, True, False]
    log = logs.log(1, folders["notes1"])
    assert 'a "pull", then "easier"' in log.pain["note"].tolist()
