"""Errors in words: the sentence and the notebook's box, for each kind of error the kit names."""

from __future__ import annotations

from backrelief_analysis.errors import error_box, in_words, shown_file_name
from backrelief_analysis.log.store import LogError, Problem
from backrelief_analysis.plan import PlanError


def test_permission_error_names_the_real_file_without_errno() -> None:
    error = PermissionError(13, "Permission denied", "/sys/.r.html.obyjxpbe.tmp")
    text = in_words(error)
    assert text.startswith("/sys/r.html: permission denied (")
    assert "Errno" not in text and "13" not in text and ".tmp" not in text


def test_a_plain_name_is_left_alone() -> None:
    assert shown_file_name("/home/sam/.config/plan.toml") == "/home/sam/.config/plan.toml"
    assert shown_file_name("data/.report.pdf.k2j_x9q1.tmp") == "data/report.pdf"


def test_disk_full_gives_advice() -> None:
    text = in_words(OSError(28, "No space left on device", "/data/log/exercise_log.csv"))
    assert text == ("/data/log/exercise_log.csv: no space left on device (the disk is full; "
                    "free some space and try again)")


def test_box_shows_the_sentence_escaped_and_what_still_works() -> None:
    box = error_box(PlanError("plan.toml: exercise 'bridge' has reps 'ten' <not a number>"),
                    then="The check-in below still works.")
    assert 'role="alert"' in box
    assert "&lt;not a number&gt;" in box and "<not a number>" not in box
    assert "The check-in below still works." in box
    assert "Traceback" not in box


def test_box_lists_each_problem_of_a_log() -> None:
    error = LogError([Problem("pain_log.csv", 3, "timestamp", "is not a timestamp"),
                      Problem("pain_log.csv", 9, "pain", "is not a whole number")])
    box = error_box(error)
    assert box.count("<li>") == 2
    assert "pain_log.csv, line 3, column &#x27;timestamp&#x27;: is not a timestamp" in box
