"""The plan: the shipped default, validation of every field, thresholds, the env override."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from backrelief_analysis import paths
from backrelief_analysis.plan import PlanError, Thresholds, load_plan
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
