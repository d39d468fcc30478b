"""Tiny hand-made logs for the analysis tests, written as real CSV files and read by load_log.

Rows are given compactly; every timestamp is written with its own UTC offset, exactly as the
store writes it, so local days come from the wall clock shown.
"""

from __future__ import annotations

from pathlib import Path

from backrelief_analysis.log.store import EXERCISE_COLUMNS, PAIN_COLUMNS, Log, load_log
from backrelief_analysis.plan import Exercise, Plan, Thresholds


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


def write_odd_logs(root: Path) -> dict[str, Path]:
    """Log folders under ``root`` with what a batch reader must leave to the store: quoted notes
    holding commas, a newline and quote marks; equal questionnaire set ids in two patients;
    a bad row; a repeated row; a torn last row; a short row; a comma inside a quoted fixed
    value; a quote never closed; no pain file at all. Two weeks of sessions each."""
    import csv
    from datetime import date, timedelta

    from backrelief_analysis.log.store import OUTCOME_COLUMNS

    def stamp(day: date, hour: int, minute: int = 0) -> str:
        return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+01:00"

    def rows(name: str) -> tuple[list, list]:
        exercise, pain = [], []
        for offset in range(14):
            day = date(2026, 3, 2) + timedelta(days=offset)
            if day.weekday() in (0, 2, 4):
                sid = f"{name}-{offset}"
                exercise += full(sid, stamp(day, 8))
                pain.append(score(stamp(day, 8), 5 - offset // 7, "before_session", sid))
                pain.append(score(stamp(day, 8, 20), 4, "after_session", sid, "no"))
            else:
                pain.append(score(stamp(day, 19), 5 - offset // 4, flare="no"))
        return exercise, pain

    def write_csv(path: Path, columns: tuple[str, ...], table: list[list[object]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(table)

    folders = {}
    for name in ("plain", "quoted", "outcomes_a", "outcomes_b", "bad_row", "repeat", "torn",
                 "short", "choice_comma", "unclosed", "no_pain"):
        folder = root / name
        folder.mkdir(parents=True)
        exercise, pain = rows(name)
        if name == "quoted":
            pain[1][-1] = 'Stiff, then easier\nafter a walk; a "pull" on the left'
            pain[4][-1] = "tight, sore, better"
        if name.startswith("outcomes"):  # the same set ids in both: each set is its own
            answers = [[stamp(date(2026, 3, 2), 20), "first", "peg", item, value, ""]
                       for item, value in (("pain", 6), ("enjoyment", 4), ("activity", 5))]
            answers += [[stamp(date(2026, 3, 13), 20), "second", "peg", item, value, ""]
                        for item, value in (("pain", 3), ("enjoyment", 6), ("activity", 7))]
            answers += [[stamp(date(2026, 3, 13), 20, 5), "third", "odi", "total",
                         30 if name == "outcomes_a" else 12, "felt, on the whole, better"]]
            write_csv(folder / "outcomes_log.csv", OUTCOME_COLUMNS, answers)
        write_csv(folder / "exercise_log.csv", EXERCISE_COLUMNS, exercise)
        if name != "no_pain":
            write_csv(folder / "pain_log.csv", PAIN_COLUMNS, pain)
        path = folder / "pain_log.csv"
        if name == "bad_row":
            with path.open("a", encoding="utf-8") as file:
                file.write("2026-03-16T08:00:00+01:00,eleven,check_in,,,\n")
        if name == "repeat":
            text = path.read_text(encoding="utf-8")
            path.write_text(text + text.splitlines()[3] + "\n", encoding="utf-8")
        if name == "torn":
            with path.open("a", encoding="utf-8") as file:
                file.write("2026-03-16T08:00:00+01:0")
        if name == "short":  # a row without its note (pandas pads it), and a quoted note
            lines = path.read_text(encoding="utf-8").splitlines()
            lines[3] = lines[3].rsplit(",", 1)[0]
            lines[5] += '"a, b"'
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if name == "choice_comma":  # a separator hidden in a quoted fixed value
            lines = path.read_text(encoding="utf-8").splitlines()
            at = next(i for i, line in enumerate(lines) if ",check_in," in line)
            lines[at] = lines[at].replace(",check_in,", ',"check_in,",', 1)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if name == "unclosed":
            lines = path.read_text(encoding="utf-8").splitlines()
            lines[4] += '"never closed'
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        folders[name] = folder
    return folders
