"""Tables for people: whole percentages, "–" for missing, headers in words, no row numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from backrelief_analysis.words.tables import for_people


def test_reps_table_reads_as_words_and_whole_percentages() -> None:
    frame = pd.DataFrame({"exercise": ["pelvic_tilt", "knee_to_chest"],
                          "name": ["Pelvic tilt", "Knee to chest"], "side": ["", "left"],
                          "reps_done": [550, 540], "reps_target": [560, 560],
                          "percent": [98.214286, 96.428571]})
    shown = for_people(frame)
    assert list(shown.data.columns) == ["Exercise", "Side", "Reps done", "Reps prescribed",
                                        "% of reps done"]
    assert shown.data.to_numpy().tolist() == [
        ["Pelvic tilt", "–", "550", "560", "98 %"],
        ["Knee to chest", "left", "540", "560", "96 %"],
    ]
    html = shown.to_html()
    assert "98.214286" not in html and "NaN" not in html and "reps_done" not in html
    assert '<th class="blank' not in html  # no row numbers


def test_missing_change_is_a_dash_and_a_change_keeps_its_sign() -> None:
    frame = pd.DataFrame({"group": ["after a day with a session"], "days": [46],
                          "mean_next_day_pain": [4.565217],
                          "completed_mean_change": [-0.527273],
                          "not_completed_mean_change": [np.nan], "difference": [0.04]})
    row = for_people(frame).data.iloc[0].tolist()
    assert row == ["after a day with a session", "46", "4.6", "−0.5", "–", "0.0"]


def test_input_frame_is_not_changed() -> None:
    frame = pd.DataFrame({"exercise": ["bridge"], "name": ["Bridge"], "percent": [99.5]})
    before = frame.copy()
    for_people(frame)
    pd.testing.assert_frame_equal(frame, before)
