"""The plan: the shipped default, validation of every field, thresholds, the env override."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from plans import BRIDGE, KNEE_TO_CHEST, PELVIC_TILT, plan_data

from backrelief_analysis import paths
from backrelief_analysis.plan import (
    MAX_REPS,
    EarlierTarget,
    Exercise,
    Plan,
    PlanError,
    Progression,
    Thresholds,
    carried_targets,
    load_plan,
    next_monday,
    next_plan,
    parse_plan,
    plan_toml,
)
from backrelief_analysis.session.steps import build_steps

GOOD_EXERCISE = """
[[exercise]]
id = "{id}"
name = "{name}"
instructions = "Lie down. Breathe."
hold_s = {hold}
reps = {reps}
release_s = 2
sides = {sides}
"""


def write_plan(tmp_path: Path, *exercises: dict, extra: str = "", top: str = "") -> Path:
    text = 'name = "Test plan"\ntarget_sessions_per_week = 5\nrest_between_exercises_s = 10\n'
    text += top
    for fields in exercises:
        values = {"id": "tilt", "name": "Tilt", "hold": 5, "reps": 10, "sides": "[]"} | fields
        text += GOOD_EXERCISE.format(**values)
    path = tmp_path / "plan.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_default_plan_is_the_four_exercise_programme() -> None:
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    assert [e.id for e in plan.exercises] == [
        "pelvic_tilt", "knee_to_chest", "back_extension", "bridge",
    ]  # fmt: skip
    assert all(e.hold_s == 5 and e.reps == 10 for e in plan.exercises)
    assert plan.exercise("knee_to_chest").sides == ("left", "right")
    assert sum(e.reps * len(e.blocks) for e in plan.exercises) == 50
    assert plan.target_sessions_per_week == 7


def test_default_thresholds_are_the_clinical_reference_numbers() -> None:
    # the numbers of the clinical reference, each written out in the shipped plan
    assert load_plan(paths.DEFAULT_PLAN_FILE).thresholds == Thresholds(
        pain_change_points=2, pain_change_percent=30, min_change_points=1, baseline_days=7,
        baseline_from=None, pain_after_max=5, settle_margin_points=1, rising_points=1,
        rising_weeks=2, min_sessions_for_interval=5, adherence_percent=80, min_occasions=2,
    )  # fmt: skip
    assert Thresholds() == load_plan(paths.DEFAULT_PLAN_FILE).thresholds


def test_baseline_from_is_a_date_setting(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, {}, extra="\n[thresholds]\nbaseline_from = 2026-10-05\n"))
    assert plan.thresholds.baseline_from == date(2026, 10, 5)
    with pytest.raises(PlanError, match="field 'baseline_from': must be a date like 2026-10-05"):
        load_plan(write_plan(tmp_path, {}, extra='\n[thresholds]\nbaseline_from = "soon"\n'))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"hold": -5}, "field 'hold_s'"),
        ({"reps": 0}, "field 'reps'"),
        ({"sides": '["up"]'}, "field 'sides'"),
        ({"name": ""}, "field 'name'"),
        ({"id": "Pelvic Tilt"}, "field 'id'"),
    ],
)
def test_bad_exercise_field_names_file_exercise_and_field(
    tmp_path: Path, fields: dict, expected: str
) -> None:
    path = write_plan(tmp_path, {"id": "ok"}, fields | {"id": fields.get("id", "bad_one")})
    with pytest.raises(PlanError) as error:
        load_plan(path)
    message = str(error.value)
    assert str(path) in message
    assert "exercise #2" in message
    assert expected in message


def test_duplicate_exercise_id_is_refused(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {"id": "tilt"}, {"id": "tilt"})
    with pytest.raises(PlanError, match=r"exercise 'tilt', field 'id': is used twice"):
        load_plan(path)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {"id": "a", "hold": 0}, {"id": "b", "reps": -1})
    with pytest.raises(PlanError) as error:
        load_plan(path)
    assert "'a'), field 'hold_s'" in str(error.value)
    assert "'b'), field 'reps'" in str(error.value)


def test_thresholds_can_be_overridden_in_the_plan(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {}, extra="\n[thresholds]\nadherence_percent = 70\n")
    plan = load_plan(path)
    assert plan.thresholds.adherence_percent == 70
    assert plan.thresholds.pain_change_points == 2


def test_unknown_threshold_is_refused(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {}, extra="\n[thresholds]\nadherance = 70\n")
    with pytest.raises(PlanError, match="adherance"):
        load_plan(path)


def test_missing_and_malformed_files_give_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid TOML"):
        load_plan(broken)


def test_environment_selects_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_plan(tmp_path, {"id": "only_one", "name": "Only one"})
    monkeypatch.setenv(paths.PLAN_ENV, str(path))
    plan = load_plan()
    assert [e.id for e in plan.exercises] == ["only_one"]
    assert plan.source == path


def test_summary_lines_say_hold_reps_and_sides() -> None:
    lines = load_plan(paths.DEFAULT_PLAN_FILE).summary_lines()
    assert lines[1] == "Knee to chest: 5 s hold x 10 reps, each side"
    assert lines[0] == "Pelvic tilt: 5 s hold x 10 reps"


def test_one_rep_is_said_in_the_singular(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, {"reps": 1}))
    assert plan.summary_lines() == ["Tilt: 5 s hold x 1 rep"]


def test_side_names_say_each_side_as_the_plan_names_it(tmp_path: Path) -> None:
    named = '["left", "right"]\nside_names = ["left  arm", "right arm"]'
    plan = load_plan(write_plan(tmp_path, {"sides": '["left", "right"]'}, {"id": "arm",
                                                                          "sides": named}))
    assert plan.exercises[0].side_names == ()  # not named: "left side", "right side"
    assert plan.exercises[1].side_names == ("left arm", "right arm")


@pytest.mark.parametrize("names", ['["left arm"]', '["left arm", ""]', '"left arm"',
                                   '["left arm", "right arm", "third"]'])
def test_side_names_must_name_each_side_once(tmp_path: Path, names: str) -> None:
    path = write_plan(tmp_path, {"sides": f'["left", "right"]\nside_names = {names}'})
    with pytest.raises(PlanError, match="field 'side_names': must give one name for each side"):
        load_plan(path)


def test_earlier_targets_are_read_in_order(tmp_path: Path) -> None:
    extra = ("\n[[earlier_target]]\nuntil = 2026-09-06\nsessions_per_week = 3\n"
             "\n[[earlier_target]]\nuntil = 2026-10-04\nsessions_per_week = 4\n")
    plan = load_plan(write_plan(tmp_path, {}, extra=extra))
    assert [plan.target_on(date(2026, 9, d)) for d in (1, 6, 7)] == [3, 3, 4]
    assert plan.target_on(date(2026, 10, 5)) == 5
    assert "keep the target of the time" in plan.target_text


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("\n[[earlier_target]]\nuntil = 2026-10-04\nsessions_per_week = 0\n", "sessions_per_week"),
        ("\n[[earlier_target]]\nuntil = \"soon\"\nsessions_per_week = 3\n", "'until'"),
        ("\n[[earlier_target]]\nuntil = 2026-10-04\nsessions_per_week = 3\n"
         "\n[[earlier_target]]\nuntil = 2026-09-04\nsessions_per_week = 4\n", "come after"),
    ],
)
def test_bad_earlier_target_is_named(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(PlanError, match=expected):
        load_plan(write_plan(tmp_path, {}, extra=extra))


def test_get_ready_and_switch_side_times_come_from_the_plan(tmp_path: Path) -> None:
    default = load_plan()
    assert (default.get_ready_s, default.switch_side_s) == (15, 5)
    plan = load_plan(write_plan(tmp_path, {"sides": '["left", "right"]'},
                                top="get_ready_s = 30\nswitch_side_s = 8\n"))
    steps = build_steps(plan)
    assert [(s.kind, s.duration_s) for s in steps if s.kind in ("get_ready", "switch")] == [
        ("get_ready", 30.0), ("switch", 8.0)]


@pytest.mark.parametrize("line", ["get_ready_s = -1", 'switch_side_s = "slow"'])
def test_bad_pause_length_is_named(tmp_path: Path, line: str) -> None:
    with pytest.raises(PlanError, match=f"field '{line.split()[0]}': must be a number of seconds"):
        load_plan(write_plan(tmp_path, {}, top=line + "\n"))


@pytest.mark.parametrize(("top", "exercise", "thresholds", "field"), [
    ("get_ready_s = inf\n", {}, "", "get_ready_s"),
    ("", {"hold": "nan"}, "", "hold_s"),
    ("", {"hold": "inf"}, "", "hold_s"),
    ("", {}, "\n[thresholds]\npain_after_max = nan\n", "pain_after_max"),
])
def test_infinite_or_not_a_number_values_are_refused(
    tmp_path: Path, top: str, exercise: dict, thresholds: str, field: str
) -> None:
    # TOML spells them inf and nan; a hold of nan seconds would stall the session timer
    with pytest.raises(PlanError, match=f"field '{field}'"):
        load_plan(write_plan(tmp_path, exercise, extra=thresholds, top=top))


@pytest.mark.parametrize(("line", "expected"), [
    ("baseline_days = 0", "whole number of 1 or more"),
    ("baseline_days = 2.5", "whole number of 1 or more"),
    ("rising_weeks = 0", "whole number of 1 or more"),
    ("latest_days = 0", "whole number of 1 or more"),
    ("recent_weeks = 1.5", "whole number of 1 or more"),
    ("min_sessions_for_interval = 1", "whole number of 2 or more"),
    ("min_occasions = 1", "whole number of 2 or more"),
    ("min_occasions = 2.5", "whole number of 2 or more"),
    ("settle_margin_points = -1", "number from 0 to 10"),
    ("adherence_percent = 150", "number from 0 to 100"),
    ("pain_after_max = 11", "number from 0 to 10"),
    ("traffic_light_fine_max = 7", "must not be above traffic_light_caution_max"),
])
def test_threshold_outside_its_range_is_named(tmp_path: Path, line: str, expected: str) -> None:
    path = write_plan(tmp_path, {}, extra=f"\n[thresholds]\n{line}\n")
    with pytest.raises(PlanError, match=f"field '{line.split()[0]}': .*{expected}"):
        load_plan(path)


def test_whole_number_threshold_written_as_a_float_is_taken_as_a_whole_number(
    tmp_path: Path,
) -> None:
    plan = load_plan(write_plan(tmp_path, {}, extra="\n[thresholds]\nbaseline_days = 10.0\n"))
    assert plan.thresholds.baseline_days == 10
    assert isinstance(plan.thresholds.baseline_days, int)


def test_a_target_of_one_reads_one_session(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {})
    path.write_text(path.read_text().replace("= 5\n", "= 1\n", 1), encoding="utf-8")
    assert load_plan(path).target_text == "1 session a week"


# --- bounds and unreadable files ----------------------------------------------------------------


@pytest.mark.parametrize(("top", "exercise", "expected"), [
    ("", {"reps": 1_000_000_000}, "field 'reps': must be a whole number from 1 to 100, "
                                  "not 1000000000"),
    ("", {"reps": 101}, "field 'reps': must be a whole number from 1 to 100"),
    ("", {"hold": 601}, "field 'hold_s': must be a number of seconds above 0 and at most 600"),
    ("", {"hold": 1e300}, "field 'hold_s'"),
    ("", {"sides": '["left", "right", "left"]'}, "field 'sides': names 'left' twice"),
    ("", {"sides": '["up"]'}, "field 'sides'"),
    ("", {"sides": "[[1]]"}, "field 'sides'"),
    ("rest_between_exercises_s = 86400\n", {}, "field 'rest_between_exercises_s': must be a "
                                               "number of seconds from 0 to 600"),
    ("get_ready_s = 601\n", {}, "field 'get_ready_s'"),
    ("switch_side_s = 1e9\n", {}, "field 'switch_side_s'"),
])  # fmt: skip
def test_numbers_beyond_the_plans_bounds_are_named(
    tmp_path: Path, top: str, exercise: dict, expected: str
) -> None:
    text = write_plan(tmp_path, exercise, top=top).read_text(encoding="utf-8")
    # rest_between_exercises_s is written by the helper; a second one would be a TOML error
    if top.startswith("rest_between"):
        text = text.replace("rest_between_exercises_s = 10\n", "")
    path = tmp_path / "bounds.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=expected):
        load_plan(path)


def test_the_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, {"reps": 100, "hold": 600}, top="get_ready_s = 600\n"))
    assert (plan.exercises[0].reps, plan.exercises[0].hold_s, plan.get_ready_s) == (100, 600, 600)


def test_more_than_fifty_exercises_is_one_clear_problem(tmp_path: Path) -> None:
    many = [{"id": f"ex_{index}"} for index in range(5000)]
    with pytest.raises(PlanError, match="at most 50 exercises, not 5000") as caught:
        load_plan(write_plan(tmp_path, *many))
    assert len(str(caught.value)) < 300
    assert len(load_plan(write_plan(tmp_path, *many[:50])).exercises) == 50


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("deep_tables.toml", "[" + ".".join(["a"] * 1000) + "]\nb = 1\n", "not a known plan field"),
    ("deep_arrays.toml", "name = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
    ("deep_inline.toml", "name = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n",
     "nested too deeply"),
    ("deep_value.toml", 'name = "P"\ntarget_sessions_per_week = 5\n[[exercise]]\nhold_s.'
     + ".".join(["a"] * 1000) + " = 1\n", "field 'hold_s': must be a number"),
    ("bad_utf8.toml", b'name = "Plan \xff\xfe"\n', "is not UTF-8 text \\(byte 14"),
    ("nul.toml", b'name = "a\x00b"\n', "not valid TOML"),
    ("huge.toml", b"# " + b"x" * 2_000_000 + b"\n", "larger than 1 MB"),
])
def test_a_plan_toml_cannot_read_is_one_sentence_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(PlanError, match=expected) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 600


def test_a_folder_given_as_the_plan_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=f"{tmp_path}: is a folder, not a plan file"):
        load_plan(tmp_path)


def test_report_with_a_deeply_nested_plan_says_so_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backrelief_analysis.cli import main

    plan = tmp_path / "deep.toml"
    plan.write_text("name = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8")
    code = main(["report", "--data-dir", str(paths.DEMO_DIR), "--plan", str(plan),
                 "--out", str(tmp_path / "r.pdf")])
    assert code == 1
    err = capsys.readouterr().err
    assert err == f"backrelief report: {plan}: is nested too deeply to be a plan\n"


def test_plan_file_with_bytes_that_are_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_bytes(paths.DEFAULT_PLAN_FILE.read_bytes().replace(b"\n", b"\n# caf\xe9\n", 1))
    with pytest.raises(PlanError, match=r"plan.toml: line 2 is not UTF-8 text"):
        load_plan(plan)


# --- errors that help: what was given, the closest known name, never Python's repr --------------


def _refusal(path: Path) -> str:
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return str(caught.value)


def test_a_misspelled_side_is_named_with_the_sides_to_use(tmp_path: Path) -> None:
    message = _refusal(write_plan(tmp_path, {"sides": '["left", "rigth"]'}))
    assert "field 'sides': 'rigth' is not a side (did you mean 'right'?): use 'left' or " \
           "'right'" in message


def test_an_unknown_exercise_field_gets_the_closest_known_one(tmp_path: Path) -> None:
    path = write_plan(tmp_path, {})
    path.write_text(path.read_text(encoding="utf-8").replace("hold_s", "hlod_s"),
                    encoding="utf-8")
    message = _refusal(path)
    assert "field 'hlod_s': is not a known field; did you mean hold_s?" in message
    assert "field 'hold_s': is missing: give a number of seconds" in message


def test_an_unknown_plan_field_and_threshold_get_the_closest_known_one(tmp_path: Path) -> None:
    message = _refusal(write_plan(tmp_path, {}, top="get_redy_s = 20\n",
                                  extra="\n[thresholds]\nbaseline_dyas = 7\n"))
    assert "field 'get_redy_s': is not a known plan field; did you mean get_ready_s?" in message
    assert "thresholds, field 'baseline_dyas': is not a known threshold; did you mean " \
           "baseline_days?" in message


# every refusal parse_plan and load_plan can give, each in a plan of its own
EVERY_MISTAKE = [
    ("", {"hold": '"long"'}, ""),
    ("", {"hold": "-1"}, ""),
    ("", {"reps": "true"}, ""),
    ("", {"reps": "2.5"}, ""),
    ("", {"sides": '"left"'}, ""),
    ("", {"sides": "[1]"}, ""),
    ("", {"sides": '["up", "up"]'}, ""),
    ("", {"sides": '["left", "left"]'}, ""),
    ("", {"sides": "[[1]]"}, ""),
    ("", {"id": "Bad Id"}, ""),
    ("", {"name": ""}, ""),
    ("", {"hold": "{ a = 1 }"}, ""),
    ("", {"hold": "2026-01-01"}, ""),
    ("", {"hold": "07:30:00"}, ""),
    ("get_ready_s = \"soon\"\n", {}, ""),
    ("nmae = \"x\"\n", {}, ""),
    ("\"it's\" = 1\n", {}, ""),
    ("", {}, "\n[thresholds]\nbaseline_from = \"soon\"\n"),
    ("", {}, "\n[thresholds]\nbaseline_from = 2026-01-01T10:00:00\n"),
    ("", {}, "\n[thresholds]\nadherence_percent = \"most\"\n"),
    ("", {}, "\n[thresholds]\nadherence_percent = [1]\n"),
    ("", {}, "\n[thresholds]\nnope = 1\n"),
    ("", {}, "\n[thresholds]\ntraffic_light_fine_max = 7\n"),
    ("", {}, "\nthresholds = 3\n"),
    ("", {}, "\nearlier_target = 3\n"),
    ("", {}, "\n[[earlier_target]]\nuntil = 2026-01-01\n"),
    ("", {}, "\n[[earlier_target]]\nuntil = \"soon\"\nsessions_per_week = 3\n"),
    ("", {}, "\n[[earlier_target]]\nuntil = 2026-01-01\nsessions_per_week = \"x\"\n"),
    ("", {}, "\n[[earlier_target]]\nuntil = 2026-01-01\nsessions_per_week = 3\n"
             "[[earlier_target]]\nuntil = 2025-01-01\nsessions_per_week = 3\n"),
    ("version = 0\n", {}, ""),
    ("version = \"two\"\n", {}, ""),
    ("valid_from = \"monday\"\n", {}, ""),
    ("valid_from = 2026-12-07T08:00:00\n", {}, ""),
    ("changes = \"more reps\"\n", {}, ""),
    ("changes = [\"\"]\n", {}, ""),
    ("", {}, "\nprogression = 3\n"),
    ("", {}, "\n[exercise.progression]\nreps_step = 1\n"),
    ("", {}, "\n[exercise.progression]\nreps_step = true\nhold_step_s = \"x\"\nmax_reps = 2.5\n"
             "max_hold_s = []\nrep_step = 1\n"),
]  # fmt: skip


@pytest.mark.parametrize(("top", "exercise", "extra"), EVERY_MISTAKE)
def test_no_refusal_shows_python_repr(tmp_path: Path, top: str, exercise: dict,
                                      extra: str) -> None:
    message = _refusal(write_plan(tmp_path, exercise, extra=extra, top=top))
    for python in ("None", "''", "\"'", "'\"", "['", "']", "True", "False", "datetime"):
        assert python not in message, (python, message)


@pytest.mark.parametrize("data", [
    {},  # no name, no target, no exercise
    {"name": "P", "target_sessions_per_week": 3, "exercise": [3]},
    {"name": "P", "target_sessions_per_week": 3, "exercise": [{}]},
    {"name": "P", "target_sessions_per_week": 3, "exercise": [{"id": "a"}] * 60},
    {"name": "P", "target_sessions_per_week": None, "exercise": [{"id": "a", "hold_s": None}]},
    {"name": "P", "target_sessions_per_week": 3, "exercise": [{"id": "a"}], "thresholds": 3,
     "earlier_target": [{"until": None, "sessions_per_week": None}]},
])
def test_no_refusal_of_parsed_data_shows_python_repr(data: dict) -> None:
    from backrelief_analysis.plan import parse_plan

    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    message = str(caught.value)
    for python in ("None", "''", "['", "']", "{}"):
        assert python not in message, (python, message)


@pytest.mark.parametrize(("name", "content"), [
    ("missing.toml", None),
    ("folder", "folder"),
    ("bad_utf8.toml", b'name = "Plan \xff"\n'),
    ("bad_toml.toml", b"name = \n"),
    ("bad_key.toml", b"name == 'x'\n"),
    ("deep.toml", b"name = " + b"[" * 1000 + b"]" * 1000 + b"\n"),
    ("huge.toml", b"# " + b"x" * 1_000_001 + b"\n"),
])
def test_no_refusal_of_a_plan_file_shows_python_repr(tmp_path: Path, name: str,
                                                     content: bytes | str | None) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    message = _refusal(path)
    for python in ("None", "''", "['", "']", "Error", "\\x"):
        assert python not in message, (python, message)


# --- progression, versions, the writer and the next plan ---------------------------------------

PROGRESSION = ("\n[exercise.progression]\nreps_step = 2\nhold_step_s = 2\nmax_reps = 15\n"
               "max_hold_s = 10\n")


def _exercise(reps: int, hold: float, progression: Progression | None) -> Exercise:
    return Exercise("tilt", "Tilt", "Tilt.", hold_s=hold, reps=reps, release_s=1,
                    progression=progression)


def _steps(reps_step: int = 2, hold_step_s: float = 2, max_reps: int = 15,
           max_hold_s: float = 10) -> Progression:
    return Progression(reps_step, hold_step_s, max_reps, max_hold_s)


def test_the_default_plan_gives_every_exercise_the_same_example_steps() -> None:
    # the shipped plan: 2 reps or 2 s a step, up to 15 reps and a 10 s hold (the physio's to set)
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    assert {exercise.progression for exercise in plan.exercises} == {_steps()}
    assert (plan.version, plan.valid_from, plan.changes) == (1, None, ())


def test_a_progression_table_is_read_into_the_exercise(tmp_path: Path) -> None:
    plan = load_plan(write_plan(tmp_path, {}, extra=PROGRESSION))
    assert plan.exercises[0].progression == Progression(2, 2, 15, 10)


def test_an_exercise_without_a_progression_table_has_none(tmp_path: Path) -> None:
    assert load_plan(write_plan(tmp_path, {})).exercises[0].progression is None


def test_step_up_raises_the_reps_first_by_their_step() -> None:
    # 10 reps, step 2, ceiling 15: 12 reps, the hold unchanged
    assert _exercise(10, 5, _steps()).step_up() == (12, 5)


def test_step_up_never_passes_the_reps_ceiling() -> None:
    # 9 + 2 = 11 is past the ceiling of 10: the step stops at 10
    assert _exercise(9, 5, _steps(max_reps=10)).step_up() == (10, 5)


def test_the_hold_steps_once_the_reps_are_at_their_ceiling() -> None:
    # reps at their ceiling of 15: the hold rises 5 -> 7 s; 9 + 2 = 11 s stops at the 10 s ceiling
    assert _exercise(15, 5, _steps()).step_up() == (15, 7)
    assert _exercise(15, 9, _steps()).step_up() == (15, 10)


def test_no_step_up_when_both_are_at_their_ceiling() -> None:
    # 15 reps of 15 and a 10 s hold of 10: nothing is left to raise
    assert _exercise(15, 10, _steps()).step_up() is None


def test_a_hold_step_of_zero_leaves_the_hold_as_it_is() -> None:
    # hold_step_s = 0 says the hold never steps: reps at their ceiling means no step at all
    assert _exercise(15, 5, _steps(hold_step_s=0)).step_up() is None


def test_step_down_lowers_the_reps_not_below_one_and_keeps_the_hold() -> None:
    # 12 - 2 = 10 reps, the 7 s hold kept (no starting hold is stored to go back to); 2 - 2 = 0
    # stops at 1; at 1 rep there is no step down
    assert _exercise(12, 7, _steps()).step_down() == (10, 7)
    assert _exercise(2, 5, _steps()).step_down() == (1, 5)
    assert _exercise(1, 5, _steps()).step_down() is None


def test_a_step_up_then_down_gives_the_reps_back() -> None:
    exercise = _exercise(10, 5, _steps())
    up = exercise.with_step(*exercise.step_up())
    assert up.with_step(*up.step_down()) == exercise


def test_an_exercise_without_progression_has_no_step() -> None:
    # the steps are the physiotherapist's: without their table there is nothing to step by
    for step in (_exercise(10, 5, None).step_up, _exercise(10, 5, None).step_down):
        with pytest.raises(ValueError, match=r"Tilt has no \[exercise.progression\] table"):
            step()


def test_with_step_gives_a_new_exercise_and_refuses_a_load_outside_the_plans_bounds() -> None:
    exercise = _exercise(10, 5, _steps())
    assert exercise.with_step(12, 7) == replace(exercise, reps=12, hold_s=7)
    assert exercise.reps == 10  # the exercise itself is unchanged
    with pytest.raises(ValueError, match="reps must be a whole number from 1 to 100, not 0"):
        exercise.with_step(0, 5)
    with pytest.raises(ValueError, match="the hold must be above 0"):
        exercise.with_step(10, 0)


@pytest.mark.parametrize(("progression", "expected"), [
    # all four fields are needed: one missing is named with what to give
    ("reps_step = 2\nhold_step_s = 2\nmax_reps = 15\n",
     "progression, field 'max_hold_s': is missing: give a number of seconds from 5 (the "
     "exercise's hold_s) to 600"),
    # a step of no reps is no step
    ("reps_step = 0\nhold_step_s = 2\nmax_reps = 15\nmax_hold_s = 10\n",
     "progression, field 'reps_step': must be a whole number of reps from 1 to 100, not 0"),
    ("reps_step = 1.5\nhold_step_s = 2\nmax_reps = 15\nmax_hold_s = 10\n",
     "field 'reps_step': must be a whole number of reps from 1 to 100, not 1.5"),
    ("reps_step = 2\nhold_step_s = -1\nmax_reps = 15\nmax_hold_s = 10\n",
     "field 'hold_step_s': must be a number of seconds from 0 to 600, not -1"),
    # a ceiling below the exercise's own reps (10) or hold (5 s) would be a step down
    ("reps_step = 2\nhold_step_s = 2\nmax_reps = 8\nmax_hold_s = 10\n",
     "field 'max_reps': must be a whole number from 10 (the exercise's reps) to 100, not 8"),
    ("reps_step = 2\nhold_step_s = 2\nmax_reps = 15\nmax_hold_s = 4.5\n",
     "field 'max_hold_s': must be a number of seconds from 5 (the exercise's hold_s) to 600, "
     "not 4.5"),
    # and above the plan's bounds, whatever the exercise
    ("reps_step = 2\nhold_step_s = 2\nmax_reps = 101\nmax_hold_s = 10\n",
     "field 'max_reps': must be a whole number from 10 (the exercise's reps) to 100, not 101"),
    ("reps_step = 2\nhold_step_s = 2\nmax_reps = 15\nmax_hold_s = 601\n",
     "to 600, not 601"),
    # a typo gets the closest known field
    ("rep_step = 2\nreps_step = 2\nhold_step_s = 2\nmax_reps = 15\nmax_hold_s = 10\n",
     "progression, field 'rep_step': is not a known progression field; did you mean reps_step?"),
])  # fmt: skip
def test_a_bad_progression_field_is_named(tmp_path: Path, progression: str,
                                          expected: str) -> None:
    path = write_plan(tmp_path, {}, extra="\n[exercise.progression]\n" + progression)
    message = _refusal(path)
    assert "exercise #1 ('tilt'), " in message
    assert expected in message


def test_a_progression_that_is_not_a_table_is_named(tmp_path: Path) -> None:
    message = _refusal(write_plan(tmp_path, {}, extra="progression = 3\n"))
    assert ("exercise #1 ('tilt'), progression: must be a table of reps_step, hold_step_s, "
            "max_reps, max_hold_s") in message


def test_every_progression_problem_is_named_at_once(tmp_path: Path) -> None:
    # one refusal for all four fields of an empty table, as for the rest of a plan
    message = _refusal(write_plan(tmp_path, {}, extra="\n[exercise.progression]\n"))
    for name in ("reps_step", "hold_step_s", "max_reps", "max_hold_s"):
        assert f"field '{name}': is missing" in message


def test_version_valid_from_and_changes_are_read(tmp_path: Path) -> None:
    top = ('version = 3\nvalid_from = 2026-12-07\n'
           'changes = ["Knee to chest: 12 reps (was 10)", "Bridge:   6 s hold (was 5 s)"]\n')
    plan = load_plan(write_plan(tmp_path, {}, top=top))
    assert plan.version == 3
    assert plan.valid_from == date(2026, 12, 7)
    # spaces are tidied as in the instructions
    assert plan.changes == ("Knee to chest: 12 reps (was 10)", "Bridge: 6 s hold (was 5 s)")


@pytest.mark.parametrize(("top", "expected"), [
    ("version = 0\n", "field 'version': must be a whole number of 1 or more, not 0"),
    ("version = 1.5\n", "field 'version': must be a whole number of 1 or more, not 1.5"),
    # a date with a time is not a day
    ("valid_from = 2026-12-07T08:00:00\n", "field 'valid_from': must be a date like 2026-12-07"),
    ('valid_from = "next monday"\n', "not 'next monday'"),
    ('changes = "more reps"\n', "field 'changes': must be a list of at most 100 short sentences"),
    (f'changes = ["{"x" * 201}"]\n', "each at most 200 characters"),
    ("versoin = 2\n", "field 'versoin': is not a known plan field; did you mean version?"),
])  # fmt: skip
def test_a_bad_version_valid_from_or_changes_is_named(tmp_path: Path, top: str,
                                                      expected: str) -> None:
    assert expected in _refusal(write_plan(tmp_path, {}, top=top))


def _progressing(fields: dict[str, Any], reps_step: int = 2, hold_step_s: float = 2,
                 max_reps: int = 15, max_hold_s: float = 10) -> dict[str, Any]:
    """An exercise table of tests/plans.py with a progression table."""
    steps = {"reps_step": reps_step, "hold_step_s": hold_step_s, "max_reps": max_reps,
             "max_hold_s": max_hold_s}
    return fields | {"hold_s": 5, "reps": 10, "progression": steps}


def _full_plan() -> Plan:
    """A plan with every optional part: progression on two exercises (none on the bridge), side
    names, an odd name and long instructions, earlier targets, changed thresholds, version."""
    knee = _progressing(KNEE_TO_CHEST, hold_step_s=2.5, max_hold_s=12.5) | {
        "side_names": ["left leg", "right leg"],
        "instructions": " ".join(["Bring one knee up towards your chest, \"gently\"."] * 5)}
    tilt = _progressing(PELVIC_TILT) | {"name": "Pelvic tilt \\ \u00e9 \x7f \U0001f600",
                                        "instructions": "x" * 150 + " short"}
    data = plan_data(tilt, knee, BRIDGE, name="Mrs \"K\" plan", target=5,
                     rest_between_exercises_s=12.5, get_ready_s=20, switch_side_s=4)
    data |= {"version": 4, "valid_from": date(2026, 12, 7),
             "changes": ["Knee to chest: 12 reps (was 10)", "Bridge: 6 s hold (was 5 s)"],
             "earlier_target": [{"until": date(2026, 10, 4), "sessions_per_week": 3},
                                {"until": date(2026, 11, 1), "sessions_per_week": 4}],
             "thresholds": {"adherence_percent": 70, "pain_after_max": 4.5,
                            "baseline_from": date(2026, 10, 5)}}
    return parse_plan(data)


@pytest.mark.parametrize("make", [
    lambda: load_plan(paths.DEFAULT_PLAN_FILE),
    _full_plan,
    lambda: parse_plan(plan_data(PELVIC_TILT)),  # the least a plan holds
], ids=["default", "every-part", "least"])
def test_plan_toml_reads_back_as_the_same_plan(make) -> None:
    plan = make()
    assert parse_plan(tomllib.loads(plan_toml(plan))) == replace(plan, source=None)


def test_plan_toml_writes_only_the_thresholds_that_differ_from_the_defaults() -> None:
    # the default plan writes out every threshold at its default: the writer writes none
    assert "[thresholds]" not in plan_toml(load_plan(paths.DEFAULT_PLAN_FILE))
    table = plan_toml(_full_plan()).split("[thresholds]")[1]
    assert [line.split(" = ")[0] for line in table.strip().splitlines()[1:]] == [
        "baseline_from", "pain_after_max", "adherence_percent"]


def test_plan_toml_breaks_long_instructions_into_readable_lines() -> None:
    text = plan_toml(_full_plan())
    # at most 96 characters a line, but a word longer than a line stays whole
    assert all(len(line) <= 96 for line in text.splitlines() if "xxxxx" not in line)
    assert 'instructions = """Bring one knee up' in text


def test_next_monday_is_the_monday_after_the_day() -> None:
    # Saturday 2026-12-05 -> Monday 12-07; a Monday (12-07) gives the Monday after (12-14)
    assert next_monday(date(2026, 12, 5)) == date(2026, 12, 7)
    assert next_monday(date(2026, 12, 7)) == date(2026, 12, 14)
    assert next_monday(date(2026, 12, 13)) == date(2026, 12, 14)


def test_next_plan_differs_only_in_the_accepted_steps_and_the_version() -> None:
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    new = next_plan(plan, ["knee_to_chest"], valid_from=date(2026, 12, 7))
    # knee to chest: 10 + 2 = 12 reps; the rest as they were, the weekly target too
    knee = plan.exercise("knee_to_chest")
    expected = replace(plan, source=None, version=2, valid_from=date(2026, 12, 7),
                       changes=("Knee to chest: 12 reps (was 10)",),
                       exercises=tuple(replace(e, reps=12) if e is knee else e
                                       for e in plan.exercises))
    assert new == expected
    assert plan.version == 1  # the plan in force is unchanged


def test_next_plan_steps_the_hold_and_steps_down_as_asked() -> None:
    # tilt at its reps ceiling (15): its hold steps 5 -> 7 s; the bridge steps down 10 -> 8 reps
    tilt = _progressing(PELVIC_TILT, max_reps=10)
    plan = parse_plan(plan_data(tilt, _progressing(BRIDGE)))
    new = next_plan(plan, ["bridge", "pelvic_tilt"], valid_from=date(2026, 12, 7),
                    direction={"bridge": "down", "pelvic_tilt": "up"})
    assert new.exercise("pelvic_tilt").hold_s == 7
    assert new.exercise("bridge").reps == 8
    # the change list follows the order of acceptance
    assert new.changes == ("Bridge: 8 reps (was 10)", "Pelvic tilt: 7 s hold (was 5 s)")


def test_next_plan_keeps_the_earlier_targets() -> None:
    # the weekly target does not change here, so weeks before valid_from have nothing new to
    # keep: the plan's own earlier target (3 a week until 2026-10-04) stays, alone
    data = plan_data(_progressing(PELVIC_TILT), target=5)
    data["earlier_target"] = [{"until": date(2026, 10, 4), "sessions_per_week": 3}]
    new = next_plan(parse_plan(data), ["pelvic_tilt"], valid_from=date(2026, 12, 7))
    assert new.earlier_targets == (EarlierTarget(date(2026, 10, 4), 3),)


def test_carried_targets_keep_the_target_of_the_days_before_a_change() -> None:
    data = plan_data(PELVIC_TILT, target=5)
    data["earlier_target"] = [{"until": date(2026, 10, 4), "sessions_per_week": 3}]
    before = parse_plan(data)
    monday = date(2026, 12, 7)
    # a new target of 7 from 12-07: up to 12-06 the old 5, up to 10-04 the older 3
    assert carried_targets(before, monday, 7) == (EarlierTarget(date(2026, 10, 4), 3),
                                                  EarlierTarget(monday - timedelta(days=1), 5))
    # a new version from 2026-09-01, before the old change: the days up to 08-31 had 3
    assert carried_targets(before, date(2026, 9, 1), 7) == (EarlierTarget(date(2026, 8, 31), 3),)
    # the same 5 again: nothing to keep but the 3
    assert carried_targets(before, monday, 5) == (EarlierTarget(date(2026, 10, 4), 3),)


@pytest.mark.parametrize(("accept", "direction", "valid_from", "expected"), [
    (["squat"], None, date(2026, 12, 7), "the plan names no exercise 'squat' (it has "
     "pelvic_tilt, knee_to_chest, bridge)"),
    # the bridge has no progression table: there is no step to take
    (["bridge"], None, date(2026, 12, 7), "Bridge has no [exercise.progression] table"),
    # the knee is at 15 reps of 15 and a 10 s hold of 10
    (["knee_to_chest"], None, date(2026, 12, 7), "Knee to chest is at its ceiling (15 reps, "
     "10 s hold): it cannot step up"),
    (["pelvic_tilt"], {"pelvic_tilt": "sideways"}, date(2026, 12, 7),
     "direction for 'pelvic_tilt' must be 'up' or 'down', not 'sideways'"),
    ([], None, date(2026, 12, 7), "no exercise was accepted"),
    # the plan applies from 2026-11-30: the next version must start later
    (["pelvic_tilt"], None, date(2026, 11, 30), "valid_from 2026-11-30 must come after the "
     "plan's own (2026-11-30)"),
])  # fmt: skip
def test_next_plan_refuses_a_step_it_cannot_take(accept: list[str], direction: dict | None,
                                                 valid_from: date, expected: str) -> None:
    knee = _progressing(KNEE_TO_CHEST) | {"reps": 15, "hold_s": 10}
    plan = replace(parse_plan(plan_data(_progressing(PELVIC_TILT), knee, BRIDGE)),
                   valid_from=date(2026, 11, 30))
    with pytest.raises(ValueError) as caught:
        next_plan(plan, accept, valid_from=valid_from, direction=direction)
    assert expected in str(caught.value)


def test_next_plan_names_every_refusal_at_once() -> None:
    plan = parse_plan(plan_data(_progressing(PELVIC_TILT), BRIDGE))
    with pytest.raises(ValueError) as caught:
        next_plan(plan, ["squat", "bridge"], valid_from=date(2026, 12, 7))
    assert "'squat'" in str(caught.value) and "Bridge has no" in str(caught.value)


def test_max_reps_may_be_the_plans_bound() -> None:
    tilt = _progressing(PELVIC_TILT, max_reps=MAX_REPS)
    assert parse_plan(plan_data(tilt)).exercises[0].progression.max_reps == MAX_REPS
