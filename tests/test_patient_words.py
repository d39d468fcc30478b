"""The patient's words: the app's progress in everyday words, no clinical terms, no % over 100."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from analysis_fixtures import full, plan_of, score, write_log
from plans import KNEE, TILT, write_plan

from backrelief_analysis import paths
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.app import page as app
from backrelief_analysis.report.patient_charts import patient_dashboard
from backrelief_analysis.words.patient import CLINICAL_WORDS, patient_lines

# five sessions on one Wednesday: the diary's only week is a part week (1 day of 7)
ONE_DAY = "2026-12-02"


def one_day_diary(directory: Path):
    sessions = [full(f"s{n}", f"{ONE_DAY}T0{n}:00:00+00:00") for n in range(1, 6)]
    scores = [row for n in range(1, 6) for row in (
        score(f"{ONE_DAY}T0{n - 1}:59:00+00:00", 5, "before_session", f"s{n}"),
        score(f"{ONE_DAY}T0{n}:30:00+00:00", 4, "after_session", f"s{n}"))]
    return write_log(directory, [row for rows in sessions for row in rows], scores)


def percentages_above_100(text: str) -> list[str]:
    return [number for number in re.findall(r"(\d+)\s*%", text) if int(number) > 100]


def clinical_words_in(text: str) -> list[str]:
    return [word for word in CLINICAL_WORDS if word.lower() in text.lower()]


@pytest.fixture
def one_day_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at a one-day diary and a plan of 5 sessions a week."""
    log = tmp_path / "log"
    one_day_diary(log)
    plan = write_plan(tmp_path / "plan.toml", TILT, KNEE, target=5)
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(log))
    monkeypatch.setenv(paths.PLAN_ENV, str(plan))
    return log


def test_the_apps_progress_for_a_one_day_diary_says_it_in_everyday_words(one_day_app) -> None:
    part = app.progress_part()
    (button,) = [child for child in part.children if hasattr(child, "on_click")]
    button.click()
    numbers = next(child for child in part.children[-1].children
                   if "br-progress-numbers" in child._dom_classes)
    text = re.sub(r"<[^>]+>", " ", numbers.value)
    assert clinical_words_in(text) == []
    assert percentages_above_100(text) == []
    assert "5 sessions in 1 day of the week; your plan asks for 5 a week" in text
    assert "From your own diary." in text


def test_the_patients_charts_have_no_clinical_words_and_no_percentage(tmp_path: Path) -> None:
    summary = summarise(one_day_diary(tmp_path), plan_of(target=5))
    figure = patient_dashboard(summary)
    figure.canvas.draw()  # tick labels exist once drawn
    texts = " | ".join(text.get_text() for text in figure.findobj(
        lambda artist: hasattr(artist, "get_text")))
    assert clinical_words_in(texts) == []
    assert "%" not in texts
    assert "5 in 1 day" in texts
    assert "pain (0 = none, 10 = worst)" in texts


def test_a_whole_week_counts_sessions_against_the_plan(tmp_path: Path) -> None:
    days = ["2026-11-30", "2026-12-02", "2026-12-04", "2026-12-06"]  # Monday to Sunday
    exercise = [row for n, day in enumerate(days) for row in full(f"s{n}", f"{day}T08:00:00+00:00")]
    summary = summarise(write_log(tmp_path, exercise, []), plan_of(target=5))
    lines = patient_lines(summary)
    assert lines[0] == "Week of 30 Nov: 4 sessions; your plan asks for 5."
    assert lines[1] == "Whole weeks with all the sessions your plan asks for: 0 of 1."


def test_pain_now_is_told_against_the_first_week(tmp_path: Path) -> None:
    first = [score(f"2026-11-{day:02d}T09:00:00+00:00", 6) for day in range(2, 9)]
    later = [score(f"2026-11-{day:02d}T09:00:00+00:00", 3) for day in range(16, 23)]
    lines = patient_lines(summarise(write_log(tmp_path, [], first + later), plan_of()))
    (pain,) = [line for line in lines if line.startswith("Pain now")]
    assert pain == ("Pain now: 3.0 out of 10 over your last 7 days with a score, against 6.0 in "
                    "your first week: 3.0 points lower, a clear fall.")
    assert clinical_words_in(" ".join(lines)) == []


def test_a_new_diary_has_a_first_line_and_nothing_clinical(tmp_path: Path) -> None:
    lines = patient_lines(summarise(write_log(tmp_path, [], []), plan_of()))
    assert lines == ["No sessions or pain scores yet: your progress shows here after your first."]
