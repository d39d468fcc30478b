"""The batch reader gives each patient exactly the store's own log, or leaves them to it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from analysis_fixtures import write_odd_logs

from backrelief_analysis.bundle import load_files
from backrelief_analysis.caseload import folder_files
from backrelief_analysis.caseload_logs import load_many
from backrelief_analysis.store import LogError, load_log


def test_each_log_is_the_stores_own_or_left_to_the_store(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    names = list(folders)
    logs = dict(zip(names, load_many([folder_files(folders[name]) for name in names]),
                    strict=True))
    taken = {name for name, log in logs.items() if log is not None}
    assert taken == {"plain", "quoted", "outcomes_a", "outcomes_b", "no_pain"}
    for name in taken:
        own = load_log(folders[name])
        for table in ("exercise", "pain", "outcomes"):
            pd.testing.assert_frame_equal(getattr(logs[name], table), getattr(own, table))
        assert logs[name].set_aside == own.set_aside == ()
        assert logs[name].repeated == own.repeated == ()
    assert logs["quoted"].pain["note"].iloc[1] == ('Stiff, then easier\nafter a walk; a "pull" '
                                                    "on the left")
    # the same set ids in two patients stay two patients' sets
    assert logs["outcomes_a"].outcomes["set_id"].tolist()[:3] == ["first"] * 3
    assert logs["outcomes_b"].outcomes["score"].iloc[-1] == 12
    # what was left to the store: the store has something to say about each
    for name in set(names) - taken:
        try:
            _, notes = load_files(folder_files(folders[name]))
        except LogError:
            continue
        assert notes, name


def test_one_odd_file_does_not_send_the_others_to_the_store(tmp_path: Path):
    folders = write_odd_logs(tmp_path)
    order = ["plain", "unclosed", "quoted", "short", "outcomes_a"]
    logs = load_many([folder_files(folders[name]) for name in order])
    assert [log is not None for log in logs] == [True, False, True, False, True]


def test_a_short_row_is_not_hidden_by_a_separator_in_another_patients_quoted_value(tmp_path):
    # one file's row one field short and another's extra separator cancel out in the joined
    # file's count: each file is counted on its own, so both go to the store
    folders = write_odd_logs(tmp_path)
    logs = load_many([folder_files(folders[name]) for name in ("short", "choice_comma",
                                                                 "plain")])
    assert [log is not None for log in logs] == [False, False, True]
