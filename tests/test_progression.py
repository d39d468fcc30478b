"""Progression suggested from the pain-monitoring rules, on hand-made logs: one test for each
outcome of the rule, the reasons in comments; and the ``plan suggest`` and ``plan next``
commands on a real log folder."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta, timezone

import pytest

from backrelief_analysis.analysis.progression import Reason, Step, suggest_progression
from backrelief_analysis.cli import main
from backrelief_analysis.log.store import (
    ExerciseBlock,
    LogStore,
    PainEntry,
    SignalEntry,
    load_log,
)
from backrelief_analysis.plan import load_plan, parse_plan
from backrelief_analysis.words.progression import suggestion_line

ZONE = timezone(timedelta(hours=1))
# Monday 9 to Sunday 22 November 2026: the two weeks to the analysis day
SESSION_DAYS = [date(2026, 11, day) for day in (9, 11, 13, 16, 18, 20)]
AS_OF = date(2026, 11, 22)
PLAN = """
name = "Progression test"
target_sessions_per_week = 3

[[exercise]]
id = "tilt"
name = "Pelvic tilt"
instructions = "Tilt."
hold_s = 5
reps = 10
[exercise.progression]
reps_step = 2
hold_step_s = 1
max_reps = 12
max_hold_s = 8

[[exercise]]
id = "bridge"
name = "Bridge"
instructions = "Hips up."
hold_s = 5
reps = 10
[exercise.progression]
reps_step = 2
hold_step_s = 1
max_reps = 14
max_hold_s = 8

[[exercise]]
id = "ext"
name = "Back extension"
instructions = "Chest up."
hold_s = 5
reps = 10

[[exercise]]
id = "top"
name = "Top"
instructions = "At its ceiling."
hold_s = 8
reps = 12
[exercise.progression]
reps_step = 2
hold_step_s = 1
max_reps = 12
max_hold_s = 8
"""


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def write_log(folder, *, days=SESSION_DAYS, after=None, short=(), hurt=(), stopped=()):
    """Six sessions (Mon, Wed, Fri of two weeks), every exercise completed at its reps, pain 3
    before and after, unless: ``after`` {day: score}, ``short`` {(day, exercise)} 8 of its
    reps, ``hurt`` {(day, exercise)} marked as hurting, ``stopped`` likewise stopped for pain
    (after 4 reps)."""
    plan = parse_plan(tomllib.loads(PLAN))
    store = LogStore(folder)
    for day in days:
        session = f"s{day:%m%d}"
        start = _at(day, 8)
        store.append_pain(PainEntry(start, 3, "before_session", session))
        blocks = []
        for exercise in plan.exercises:
            done = exercise.reps
            status = "completed"
            if (day, exercise.id) in short:
                done, status = exercise.reps - 2, "stopped"
            if (day, exercise.id) in stopped:
                done, status = 4, "stopped"
            blocks.append(ExerciseBlock(session, start, exercise.id, "", exercise.reps, done,
                                        exercise.hold_s, exercise.hold_s, status,
                                        _at(day, 8, 10)))
        store.extend_blocks(blocks)
        store.append_pain(PainEntry(_at(day, 8, 20), (after or {}).get(day, 3),
                                    "after_session", session))
        store.extend_signals([SignalEntry(_at(day, 8, 21), "hurt", "yes", session, exercise)
                              for when, exercise in hurt if when == day])
        store.extend_signals([SignalEntry(_at(day, 8, 11), "stop_reason", "pain", session,
                                          exercise) for when, exercise in stopped if when == day])
    return load_log(folder)


def by_id(log, plan_file) -> dict:
    return {s.exercise: s for s in suggest_progression(log, load_plan(plan_file), as_of=AS_OF)}


def reasons(suggestion) -> list[tuple[Reason, float, float]]:
    return [(b.reason, b.value, b.limit) for b in suggestion.reasons]


def test_a_clean_fortnight_is_ready_to_progress_by_the_plans_own_step(tmp_path, plan_file):
    found = by_id(write_log(tmp_path / "log"), plan_file)
    # 6 sessions of 3 a week: 100 %; every block at its reps; pain 3 after (limit 5), no
    # next-day score to be unsettled, no weekly rise; nothing marked
    tilt = found["tilt"]
    assert tilt.step is Step.READY
    assert (tilt.next_reps, tilt.next_hold_s) == (12, 5)  # reps first: 10 + 2, at most 12
    assert reasons(tilt) == [(Reason.MET_ADHERENCE, 100.0, 80.0)]
    assert suggestion_line(tilt) == (
        "Pelvic tilt: ready to progress, 12 reps (was 10): 2 weeks at adherence 100 %, done at "
        "its prescribed reps, no pain flags, not stopped for pain or marked as hurting")
    assert f"{tilt.start:%Y-%m-%d} {tilt.end:%Y-%m-%d}" == "2026-11-09 2026-11-22"


def test_an_exercise_at_its_ceiling_holds_the_load(tmp_path, plan_file):
    top = by_id(write_log(tmp_path / "log"), plan_file)["top"]
    # every condition met, but reps 12 = max_reps and hold 8 s = max_hold_s: no step left
    assert top.step is Step.HOLD and top.next_reps is None
    assert reasons(top)[-1] == (Reason.CEILING, 12, 8)
    assert suggestion_line(top) == ("Top: hold the load (12 reps, 8 s hold): already at the "
                                    "plan's ceiling")


def test_an_exercise_without_a_progression_table_gets_no_suggestion(tmp_path, plan_file):
    ext = by_id(write_log(tmp_path / "log"), plan_file)["ext"]
    assert ext.step is Step.NONE and ext.reasons == () and not ext.has_step
    assert suggestion_line(ext) == "Back extension: no progression set in the plan, so no " \
                                   "suggestion"


def test_marked_as_hurting_once_holds_the_load(tmp_path, plan_file):
    log = write_log(tmp_path / "log", hurt={(SESSION_DAYS[2], "bridge")})
    bridge = by_id(log, plan_file)["bridge"]
    # hurt 1 of 6 times: not ready, but below the exercise flag (2 times and 50 %)
    assert bridge.step is Step.HOLD
    assert reasons(bridge)[-1] == (Reason.HURT, 1, 6)
    assert by_id(log, plan_file)["tilt"].step is Step.READY  # the others are untouched


def test_hurting_often_is_a_step_back(tmp_path, plan_file):
    hurt = {(day, "bridge") for day in SESSION_DAYS[:4]}
    bridge = by_id(write_log(tmp_path / "log", hurt=hurt), plan_file)["bridge"]
    # hurt 4 of 6 times: 4 >= 2 and 67 % >= 50 %: the exercise flag, so a step back
    assert bridge.step is Step.STEP_BACK
    assert (bridge.next_reps, bridge.next_hold_s) == (8, 5)  # 10 - 2, the hold kept
    assert suggestion_line(bridge) == ("Bridge: consider stepping back, 8 reps (was 10): "
                                       "marked as hurting 4 of 6 times")


def test_stopped_for_pain_twice_in_three_times_is_a_step_back(tmp_path, plan_file):
    stopped = {(SESSION_DAYS[0], "bridge"), (SESSION_DAYS[1], "bridge")}
    bridge = by_id(write_log(tmp_path / "log", stopped=stopped), plan_file)["bridge"]
    # stopped for pain 2 of 6 times: 2 >= 2 but 33 % < 50 %: no exercise flag; the two
    # blocks of 4 reps are short of their 10: hold, naming both
    assert bridge.step is Step.HOLD
    assert (Reason.SHORT, 2, 6) in reasons(bridge)
    assert (Reason.STOPPED_FOR_PAIN, 2, 6) in reasons(bridge)


def test_adherence_below_the_cut_off_holds_every_exercise(tmp_path, plan_file):
    log = write_log(tmp_path / "log", days=SESSION_DAYS[:4])
    found = by_id(log, plan_file)
    # 4 sessions against 3 + 3: 3/3 = 100 % in week one, 1/3 = 33 % in week two; 66.7 %
    assert found["tilt"].step is Step.HOLD
    assert reasons(found["tilt"])[0] == (Reason.ADHERENCE, pytest.approx(200 / 3), 80.0)
    assert "adherence 67 % (below 80 %)" in suggestion_line(found["tilt"])


def test_a_block_short_of_its_reps_holds_the_load(tmp_path, plan_file):
    tilt = by_id(write_log(tmp_path / "log", short={(SESSION_DAYS[5], "tilt")}),
                 plan_file)["tilt"]
    assert tilt.step is Step.HOLD
    assert reasons(tilt)[1:] == [(Reason.SHORT, 1, 6)]  # 8 of 10 reps on Friday 20


def test_a_pain_flag_on_its_session_holds_and_three_are_a_step_back(tmp_path, plan_file):
    once = by_id(write_log(tmp_path / "log", after={SESSION_DAYS[1]: 7}), plan_file)
    # pain 7 after Wednesday 11's session, above 5: a flag on that session of every exercise
    assert once["tilt"].step is Step.HOLD
    assert reasons(once["tilt"])[1:] == [(Reason.PAIN_FLAGS, 1, 6)]
    thrice = by_id(write_log(tmp_path / "three", after=dict.fromkeys(SESSION_DAYS[:3], 7)),
                   plan_file)
    # three of six sessions flagged: 3 >= 2 and 50 % >= 50 %: a step back for each exercise
    # with a table (the ceiling's "top" steps back too; "ext" has none)
    assert {key: s.step for key, s in thrice.items()} == {
        "tilt": Step.STEP_BACK, "bridge": Step.STEP_BACK, "ext": Step.NONE,
        "top": Step.STEP_BACK}


def test_plan_suggest_and_next_on_a_log_folder(tmp_path, plan_file, capsys):
    write_log(tmp_path / "log", hurt={(day, "bridge") for day in SESSION_DAYS[:4]})
    assert main(["plan", "suggest", "--data-dir", str(tmp_path / "log"), "--plan",
                 str(plan_file), "--as-of", "2026-11-22"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Progression suggestions for the physiotherapist")
    assert "prompts to decide on, not advice" in printed[0]
    assert printed[1].startswith("Pelvic tilt: ready to progress, 12 reps (was 10)")
    assert printed[2].startswith("Bridge: consider stepping back, 8 reps (was 10)")
    out = tmp_path / "plan-v2.toml"
    assert main(["plan", "next", "--data-dir", str(tmp_path / "log"), "--plan", str(plan_file),
                 "--as-of", "2026-11-22", "--accept", "tilt", "--down", "bridge",
                 "--valid-from", "2026-11-23", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Wrote plan version 2 (from Monday 23 November 2026)" in said
    old, new = load_plan(plan_file), load_plan(out)
    # the next plan loads, and differs only in the accepted steps and its version
    assert (new.version, new.valid_from) == (2, date(2026, 11, 23))
    assert new.changes == ("Pelvic tilt: 12 reps (was 10)", "Bridge: 8 reps (was 10)")
    assert [(e.id, e.reps, e.hold_s) for e in new.exercises] == [
        ("tilt", 12, 5), ("bridge", 8, 5), ("ext", 10, 5), ("top", 12, 8)]
    assert [e.progression for e in new.exercises] == [e.progression for e in old.exercises]
    assert (new.name, new.target_sessions_per_week, new.thresholds) == (
        old.name, old.target_sessions_per_week, old.thresholds)


@pytest.mark.parametrize(("extra", "words"), [
    (["--accept", "ext"], "has no [exercise.progression] table"),
    (["--accept", "top"], "ceiling"),
    (["--accept", "squat"], "squat"),
    ([], "name the exercises whose step you approve"),
])
def test_plan_next_refuses_a_step_in_one_sentence(tmp_path, plan_file, capsys, extra, words):
    write_log(tmp_path / "log")
    code = main(["plan", "next", "--data-dir", str(tmp_path / "log"), "--plan",
                 str(plan_file), "--out", str(tmp_path / "next.toml"), *extra])
    error = capsys.readouterr().err
    assert code != 0 and words in error and "Traceback" not in error
    assert not (tmp_path / "next.toml").exists()


def test_plan_suggest_reads_a_bundle_with_its_own_plan(tmp_path, plan_file, capsys):
    from backrelief_analysis.share.bundle import write_bundle

    write_log(tmp_path / "log")
    bundle = write_bundle(tmp_path / "log", load_plan(plan_file), tmp_path / "share.zip",
                          patient="Pat")
    # the bundle's plan (with its progression tables) decides, not the default plan
    assert main(["plan", "suggest", "--bundle", str(bundle), "--as-of", "2026-11-22"]) == 0
    printed = capsys.readouterr().out
    assert "Pelvic tilt: ready to progress, 12 reps (was 10)" in printed
    assert "Back extension: no progression set in the plan" in printed
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 cut short")
    assert main(["plan", "suggest", "--bundle", str(tmp_path / "broken.zip")]) != 0
    error = capsys.readouterr().err
    assert "broken.zip" in error and "Traceback" not in error
