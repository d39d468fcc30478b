"""The demo generator: seeded, valid, and telling the story the docs promise."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backrelief_analysis import paths
from backrelief_analysis.log.demo import DemoStory, write_demo
from backrelief_analysis.log.store import load_log


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


def test_committed_demo_data_is_what_the_generator_writes(demo: Path) -> None:
    for name in (paths.EXERCISE_LOG_NAME, paths.PAIN_LOG_NAME, paths.OUTCOMES_LOG_NAME):
        assert (paths.DEMO_DIR / name).read_bytes() == (demo / name).read_bytes(), (
            f"data/demo/{name} is stale: run `make demo` after changing the generator")


def test_same_seed_same_log_other_seed_other_log(demo: Path, tmp_path: Path) -> None:
    write_demo(tmp_path / "other", seed=7)
    other = (tmp_path / "other" / "pain_log.csv").read_bytes()
    assert other != (demo / "pain_log.csv").read_bytes()


def test_demo_tells_the_documented_story(demo: Path) -> None:
    log = load_log(demo)
    story = DemoStory()
    week = (log.exercise["date"] - log.exercise["date"].min()).dt.days // 7 + 1
    done = log.exercise[log.exercise["reps_done"] > 0]
    sessions_per_week = done.groupby(week[done.index])["session_id"].nunique()
    assert story.missed_week not in sessions_per_week.index
    assert sessions_per_week.drop(story.missed_week, errors="ignore").min() >= 3
    assert (log.exercise["status"] == "stopped").sum() == 1
    pain_week = (log.pain["date"] - log.pain["date"].min()).dt.days // 7 + 1
    flares = log.pain.loc[log.pain["flare"] == "yes"]
    assert set(pain_week[flares.index]) == {story.flare_week}
    weekly = log.pain.groupby(pain_week)["pain"].mean()
    assert weekly[story.flare_week] > weekly[story.flare_week - 1] + 0.5
    assert weekly.iloc[:2].mean() > 5 and weekly.iloc[-2:].mean() < 4


def test_pain_is_usually_a_little_lower_after_a_session(demo: Path) -> None:
    pain = load_log(demo).pain
    paired = pain.pivot_table(index="session_id", columns="context", values="pain")
    change = (paired["after_session"] - paired["before_session"]).dropna()
    assert -1.5 < change.mean() < 0
    assert (pain["context"] == "check_in").sum() >= 10


def test_demo_timestamps_carry_the_summer_and_winter_offsets(demo: Path) -> None:
    text = (demo / "pain_log.csv").read_text(encoding="utf-8")
    assert "+01:00" in text and "+00:00" in text
    local = load_log(demo).pain["recorded_local"]
    assert local.min() >= pd.Timestamp("2026-08-31")


def test_refuses_to_overwrite_a_log(demo: Path) -> None:
    with pytest.raises(FileExistsError, match="already exists"):
        write_demo(demo)


def test_demo_outcomes_are_peg_and_psfs_fortnightly_and_odi_first_and_last(demo: Path) -> None:
    outcomes = load_log(demo).outcomes
    sets = outcomes.groupby("set_id").agg(measure=("measure", "first"), day=("date", "first"),
                                          rows=("item", "size"))
    first = pd.Timestamp("2026-08-31")
    for measure in ("peg", "psfs"):
        days = sets.loc[sets["measure"] == measure, "day"].sort_values()
        assert (days - first).dt.days.tolist() == [0, 14, 28, 42, 56, 70]
    odi_days = sets.loc[sets["measure"] == "odi", "day"].sort_values()
    assert (odi_days - first).dt.days.tolist() == [0, 83]
    assert set(sets.loc[sets["measure"] == "psfs", "rows"]) == {3}
    peg_pain = outcomes[(outcomes["measure"] == "peg") & (outcomes["item"] == "pain")]["score"]
    assert peg_pain.iloc[0] > peg_pain.iloc[-1]  # improving, as the pain does
    odi = outcomes.loc[outcomes["measure"] == "odi", "score"]
    assert odi.iloc[0] > odi.iloc[-1]
