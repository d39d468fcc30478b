"""Tiny hand-made logs for the analysis tests, written as real CSV files and read by load_log.

Rows are given compactly; every timestamp is written with its own UTC offset, exactly as the
store writes it, so local days come from the wall clock shown.
"""

from __future__ import annotations

from pathlib import Path

from backrelief_analysis.plan import Exercise, Plan, Thresholds
from backrelief_analysis.store import EXERCISE_COLUMNS, PAIN_COLUMNS, Log, load_log


def plan_of(target: int = 3, **thresholds: float) -> Plan:
    """A two-exercise plan: ``tilt`` (no sides) and ``knee`` (left and right)."""
    return Plan(
        name="Test plan",
        target_sessions_per_week=target,
        rest_between_exercises_s=0,
        exercises=(
            Exercise("tilt", "Pelvic tilt", "Tilt.", 5, 10, 3),
            Exercise("knee", "Knee to chest", "Knee.", 5, 10, 3, ("left", "right")),
        ),
        thresholds=Thresholds(**thresholds),
    )


def session(session_id: str, started: str, *blocks: tuple) -> list[list[object]]:
    """Exercise rows of one session; each block is (exercise, side, target, done, status)."""
    return [
        [session_id, started, exercise, side, target, done, 5, 5.0 if done else "", status, started]
        for exercise, side, target, done, status in blocks
    ]


def full(session_id: str, started: str, target: int = 10) -> list[list[object]]:
    """A session where every block of the test plan was completed."""
    return session(session_id, started, ("tilt", "", target, target, "completed"),
                   ("knee", "left", target, target, "completed"),
                   ("knee", "right", target, target, "completed"))


def score(at: str, pain: int, context: str = "check_in", session_id: str = "",
          flare: str = "") -> list[object]:
    """One pain row."""
    return [at, pain, context, session_id, flare, ""]


def _write(path: Path, columns: tuple[str, ...], rows: list[list[object]]) -> None:
    lines = [",".join(columns)] + [",".join(str(value) for value in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_log(directory: Path, exercise_rows: list[list[object]] | None = None,
              pain_rows: list[list[object]] | None = None) -> Log:
    """Write the two CSV files into ``directory`` and load them back with load_log."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "exercise_log.csv", EXERCISE_COLUMNS, exercise_rows or [])
    _write(directory / "pain_log.csv", PAIN_COLUMNS, pain_rows or [])
    return load_log(directory)
