"""The history of accepted plans beside the log: kept files, their order, the plan in force on a
day, and adherence counted across versions against each week's own plan."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import matplotlib.dates as mdates
import pypdf
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from plans import BRIDGE, PELVIC_TILT, plan_data, plan_text
from test_report import pdf_page_texts, pdf_text

from backrelief_analysis import paths
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.log.plans import (
    plan_changes,
    plan_for_log,
    plan_history,
    plan_in_force,
    plans_dir,
    save_accepted,
)
from backrelief_analysis.log.store import ExerciseBlock, LogStore, load_log
from backrelief_analysis.plan import (
    EarlierTarget,
    Plan,
    PlanError,
    PlanVersion,
    load_plan,
    next_plan,
    parse_plan,
    plan_toml,
)
from backrelief_analysis.report import charts
from backrelief_analysis.report.build import build_report

ACCEPTED = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
STEPS = {"reps_step": 2, "hold_step_s": 2, "max_reps": 15, "max_hold_s": 10}


def _first(target: int = 3, valid_from: date | None = date(2026, 11, 2)) -> Plan:
    tilt = PELVIC_TILT | {"reps": 10, "progression": STEPS}
    return replace(parse_plan(plan_data(tilt, BRIDGE, target=target)), valid_from=valid_from)


def _version(before: Plan, valid_from: date, target: int) -> Plan:
    """The next version, stepped by next_plan, its weekly target then changed to ``target``."""
    new = next_plan(before, ["pelvic_tilt"], valid_from=valid_from)
    return replace(new, target_sessions_per_week=target,
                   changes=(*new.changes, f"{target} sessions a week"))


def test_an_accepted_plan_is_kept_owner_only_named_by_version_and_first_day(tmp_path: Path
                                                                            ) -> None:
    first = _first()
    second = next_plan(first, ["pelvic_tilt"], valid_from=date(2026, 12, 7))
    path = save_accepted(tmp_path, second, ACCEPTED)
    assert path == tmp_path / "plans" / "plan-v2-2026-12-07.toml"
    # owner-only, like the log: the folder 0o700, the file 0o600
    assert stat.S_IMODE(plans_dir(tmp_path).stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Accepted by the patient on 2026-12-05T10:30:00+00:00.\n")
    assert plan_history(tmp_path) == [replace(second, source=path)]


def test_a_physiotherapists_text_is_kept_as_written(tmp_path: Path) -> None:
    text = ("# written by the physio\n"
            + plan_text(PELVIC_TILT, target=4).replace('name = "Test plan"',
                                                       'name = "Test plan"\nversion = 2\n'
                                                       'valid_from = 2026-12-07'))
    path = save_accepted(tmp_path, text, date(2026, 12, 5))
    assert path.read_text(encoding="utf-8") == (
        "# Accepted by the patient on 2026-12-05.\n" + text)
    assert plan_history(tmp_path)[0].target_sessions_per_week == 4


def test_the_history_is_in_version_order_not_name_order(tmp_path: Path) -> None:
    # "plan-v10" sorts before "plan-v2" by name; the history goes by version: 2, 3, 10
    plan = _first()
    for version, day in ((2, 7), (3, 14), (10, 21)):
        save_accepted(tmp_path, replace(plan, version=version, valid_from=date(2026, 12, day)),
                      ACCEPTED)
    assert [kept.version for kept in plan_history(tmp_path)] == [2, 3, 10]


def test_no_plans_folder_is_an_empty_history_and_the_fallback(tmp_path: Path) -> None:
    fallback = _first()
    assert plan_history(tmp_path) == []
    assert plan_changes(tmp_path) == []
    assert plan_in_force(tmp_path, date(2026, 12, 7), fallback) is fallback


@pytest.mark.parametrize(("version", "valid_from", "expected"), [
    # version 2 is kept: a second version 2, or an older one, is refused
    (2, date(2026, 12, 14), "version 2 is not above the latest kept plan, version 2: a new "
     "plan needs version 3 or more"),
    (1, date(2026, 12, 14), "version 1 is not above the latest kept plan"),
    # version 3 may not apply before version 2 does (from 2026-12-07)
    (3, date(2026, 11, 30), "version 3 would apply from 2026-11-30, before version 2 (from "
     "2026-12-07)"),
    # every kept plan says from when it applies
    (3, None, "a plan kept in the history needs valid_from"),
])  # fmt: skip
def test_a_plan_that_does_not_follow_the_latest_is_refused(
        tmp_path: Path, version: int, valid_from: date | None, expected: str) -> None:
    save_accepted(tmp_path, replace(_first(), version=2, valid_from=date(2026, 12, 7)), ACCEPTED)
    with pytest.raises(ValueError) as caught:
        save_accepted(tmp_path, replace(_first(), version=version, valid_from=valid_from),
                      ACCEPTED)
    assert expected in str(caught.value)
    assert len(plan_history(tmp_path)) == 1  # nothing was written


def test_a_text_that_is_not_a_plan_is_refused_before_anything_is_kept(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="plan: not valid TOML"):
        save_accepted(tmp_path, "name = \n", ACCEPTED)
    with pytest.raises(PlanError, match="field 'target_sessions_per_week'"):
        save_accepted(tmp_path, 'name = "x"\nvalid_from = 2026-12-07\n', ACCEPTED)
    assert plan_history(tmp_path) == []


def test_a_kept_file_that_cannot_be_read_is_one_plan_error_naming_it(tmp_path: Path) -> None:
    save_accepted(tmp_path, replace(_first(), version=2), ACCEPTED)
    broken = plans_dir(tmp_path) / "plan-v3-2026-12-14.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"plan-v3-2026-12-14\.toml: not valid TOML"):
        plan_history(tmp_path)
    broken.write_bytes(b"\xff")
    with pytest.raises(PlanError, match=r"plan-v3-2026-12-14\.toml: line 1 is not UTF-8"):
        plan_in_force(tmp_path, date(2026, 12, 14), _first())


def test_two_kept_files_of_one_version_are_named(tmp_path: Path) -> None:
    path = save_accepted(tmp_path, replace(_first(), version=2), ACCEPTED)
    copy = path.with_name("plan-v2-2026-12-21.toml")
    copy.write_bytes(path.read_bytes())
    with pytest.raises(PlanError, match="both are version 2; keep one"):
        plan_history(tmp_path)


def test_other_files_in_the_plans_folder_are_left_alone(tmp_path: Path) -> None:
    # the lock file, a temporary file of an interrupted write, a note: none is a kept plan
    save_accepted(tmp_path, _first(), ACCEPTED)
    (plans_dir(tmp_path) / ".plan-v2-2026-12-07.toml.x.tmp").write_text("half", encoding="utf-8")
    (plans_dir(tmp_path) / "notes.txt").write_text("call Tuesday", encoding="utf-8")
    assert [kept.version for kept in plan_history(tmp_path)] == [1]


def _three_versions(directory: Path) -> Plan:
    """Keep v1 (3 a week from Mon 2026-11-02), v2 (5 a week from Mon 11-09) and v3 (7 a week
    from Thu 11-19, mid-week) and return the fallback, a plan of 2 a week."""
    first = _first(target=3, valid_from=date(2026, 11, 2))
    second = _version(first, date(2026, 11, 9), 5)
    third = _version(second, date(2026, 11, 19), 7)
    for plan in (first, second, third):
        save_accepted(directory, plan, ACCEPTED)
    return _first(target=2, valid_from=None)


def test_the_plan_in_force_on_a_day_is_the_latest_that_applies_by_then(tmp_path: Path) -> None:
    fallback = _three_versions(tmp_path)
    # before v1 applies: the fallback; on each first day, the new version
    assert plan_in_force(tmp_path, date(2026, 11, 1), fallback) is fallback
    assert plan_in_force(tmp_path, date(2026, 11, 2), fallback).version == 1
    assert plan_in_force(tmp_path, date(2026, 11, 18), fallback).version == 2
    assert plan_in_force(tmp_path, date(2026, 11, 19), fallback).version == 3
    # v1 step: 10 -> 12 reps; v2 step: 12 -> 14 reps
    assert plan_in_force(tmp_path, date(2026, 12, 31), fallback).exercise(
        "pelvic_tilt").reps == 14


def test_the_earlier_versions_targets_are_folded_into_the_plan_in_force(tmp_path: Path) -> None:
    fallback = _three_versions(tmp_path)
    # the fallback's 2 until the day before v1 (11-01), v1's 3 until the day before v2 (11-08),
    # v2's 5 until the day before v3 (11-18)
    assert plan_in_force(tmp_path, date(2026, 11, 22), fallback).earlier_targets == (
        EarlierTarget(date(2026, 11, 1), 2), EarlierTarget(date(2026, 11, 8), 3),
        EarlierTarget(date(2026, 11, 18), 5))
    assert plan_in_force(tmp_path, date(2026, 11, 10), fallback).earlier_targets == (
        EarlierTarget(date(2026, 11, 1), 2), EarlierTarget(date(2026, 11, 8), 3))
    # a fallback of v1's own target leaves nothing to keep before v1
    same = _first(target=3, valid_from=None)
    assert plan_in_force(tmp_path, date(2026, 11, 3), same).earlier_targets == ()


def test_every_past_day_keeps_the_target_of_the_plan_then_in_force(tmp_path: Path) -> None:
    # the plan in force on the last day says, for each day before, what the plan in force on
    # that day said: from October (the fallback) through the three versions
    fallback = _three_versions(tmp_path)
    last = date(2026, 11, 30)
    folded = plan_in_force(tmp_path, last, fallback)
    days = [date(2026, 10, 20) + timedelta(days=offset) for offset in range(42)]
    assert [folded.target_on(day) for day in days] == [
        plan_in_force(tmp_path, day, fallback).target_on(day) for day in days]
    assert {folded.target_on(day) for day in days} == {2, 3, 5, 7}


def test_a_plan_in_force_names_its_file_only_when_the_file_says_all_of_it(tmp_path: Path
                                                                          ) -> None:
    _three_versions(tmp_path)
    # v1 after a fallback of its own target is its file as written; v3 carries the targets of
    # v1 and v2, which its file does not hold, so it names none (a share bundle copies a plan's
    # file when it has one)
    same = _first(target=3, valid_from=None)
    assert plan_in_force(tmp_path, date(2026, 11, 3), same).source == (
        plans_dir(tmp_path) / "plan-v1-2026-11-02.toml")
    assert plan_in_force(tmp_path, date(2026, 11, 22), same).source is None


def test_the_changes_say_what_changed_when(tmp_path: Path) -> None:
    _three_versions(tmp_path)
    assert plan_changes(tmp_path) == [
        (date(2026, 11, 2), 1, ()),
        (date(2026, 11, 9), 2, ("Pelvic tilt: 12 reps (was 10)", "5 sessions a week")),
        (date(2026, 11, 19), 3, ("Pelvic tilt: 14 reps (was 12)", "7 sessions a week")),
    ]


def test_a_kept_plan_reads_back_as_written(tmp_path: Path) -> None:
    _three_versions(tmp_path)
    for kept in plan_history(tmp_path):
        assert kept.source is not None
        text = kept.source.read_text(encoding="utf-8")
        assert text.split("\n", 1)[1] == plan_toml(replace(kept, source=None))


def _session(store: LogStore, day: date, exercise: str = "pelvic_tilt") -> None:
    started = datetime(day.year, day.month, day.day, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    store.append_block(ExerciseBlock(
        session_id=f"s{day.isoformat()}", session_started_at=started, exercise=exercise,
        side="", reps_target=10, reps_done=10, hold_s_target=1, hold_s_mean=1.0,
        status="completed", logged_at=started + timedelta(minutes=5)))


def test_adherence_across_three_versions_matches_a_hand_count(tmp_path: Path) -> None:
    fallback = _three_versions(tmp_path)
    store = LogStore(tmp_path)
    sessions = [date(2026, 11, 2), date(2026, 11, 4),  # week 1: 2 sessions
                *(date(2026, 11, day) for day in range(9, 14)),  # week 2: Mon-Fri, 5
                *(date(2026, 11, day) for day in (16, 17, 18, 19, 20, 22))]  # week 3: 6
    for day in sessions:
        _session(store, day)
    plan = plan_in_force(tmp_path, date(2026, 11, 22), fallback)
    weekly = summarise(load_log(tmp_path), plan).weekly_adherence
    # week 1 (Nov 2-8), all under v1: a target of 3; 2 sessions are 2/3 = 66.7 %
    # week 2 (Nov 9-15), all under v2: a target of 5; 5 sessions are 100 %
    # week 3 (Nov 16-22): Mon-Wed under v2 (3 days of 5/7), Thu-Sun under v3 (4 days of 7/7):
    #   15/7 + 28/7 = 43/7 = 6.142857; 6 sessions are 6 / (43/7) = 42/43 = 97.67 %
    assert weekly["sessions"].tolist() == [2, 5, 6]
    assert weekly["target"].tolist() == pytest.approx([3, 5, 43 / 7])
    assert weekly["percent"].tolist() == pytest.approx([200 / 3, 100, 4200 / 43])
    # overall, each week at most 100 %: (2 + 5 + 6) / (3 + 5 + 43/7) = 13 / (99/7) = 91/99
    summary = summarise(load_log(tmp_path), plan)
    assert summary.adherence_percent == pytest.approx(9100 / 99)
    # the fallback alone (2 a week throughout) would count 2/2, 5/2, 6/2: not the plans' count
    assert summarise(load_log(tmp_path), fallback).weekly_adherence["target"].tolist() == [2] * 3


# --- the history a plan carries: summary, charts, report ----------------------------------------

V2 = PlanVersion(2, date(2026, 11, 9), ("Pelvic tilt: 12 reps (was 10)", "5 sessions a week"))
V3 = PlanVersion(3, date(2026, 11, 19), ("Pelvic tilt: 14 reps (was 12)", "7 sessions a week"))


def _three_weeks(directory: Path) -> Plan:
    """The three versions and the sessions of the hand count above; the plan in force on
    Sunday 2026-11-22, the log's last day."""
    fallback = _three_versions(directory)
    store = LogStore(directory)
    for day in (date(2026, 11, 2), *(date(2026, 11, day) for day in (9, 16, 19, 22))):
        _session(store, day)
    return plan_for_log(load_log(directory), fallback)


def test_the_plan_in_force_carries_the_versions_up_to_it(tmp_path: Path) -> None:
    fallback = _three_versions(tmp_path)
    v1 = PlanVersion(1, date(2026, 11, 2), ())
    assert plan_in_force(tmp_path, date(2026, 11, 22), fallback).history == (v1, V2, V3)
    assert plan_in_force(tmp_path, date(2026, 11, 10), fallback).history == (v1, V2)
    # the history takes no part in comparing plans: the same prescription is the same plan
    folded = plan_in_force(tmp_path, date(2026, 11, 22), fallback)
    assert replace(folded, history=()) == folded
    # a plan read from one file knows no history; the fallback comes back as given
    assert plan_in_force(tmp_path, date(2026, 11, 1), fallback).history == ()


def test_the_plan_for_a_log_is_the_one_in_force_on_its_last_day(tmp_path: Path) -> None:
    plan = _three_weeks(tmp_path)
    # the last session is on Sun 11-22: v3, pelvic tilt 10 -> 12 -> 14 reps
    assert (plan.version, plan.exercise("pelvic_tilt").reps) == (3, 14)
    # a log without entries has no last day: the fallback, whatever plans are kept
    fallback = _three_versions(tmp_path / "kept")
    assert plan_for_log(load_log(tmp_path / "kept"), fallback) is fallback


def test_the_summary_carries_the_changes_within_its_period_without_reading_files(
        tmp_path: Path) -> None:
    plan = _three_weeks(tmp_path)
    log = load_log(tmp_path)
    # the plans folder gone: summarise reads no file, the plan carries its history
    for path in plans_dir(tmp_path).iterdir():
        path.unlink()
    plans_dir(tmp_path).rmdir()
    # v1 (11-02) is the first version and changed nothing: no mark; v2 and v3 are changes
    assert summarise(log, plan).plan_changes == (V2, V3)
    # a period from Mon 11-16 holds only v3 (11-19); one to Sun 11-15 only v2 (11-09)
    assert summarise(log, plan, start="2026-11-16").plan_changes == (V3,)
    assert summarise(log, plan, end="2026-11-15").plan_changes == (V2,)
    # a change on the period's first day is in it
    assert summarise(log, plan, start="2026-11-19").plan_changes == (V3,)
    # a plan from one file (no history) marks nothing
    assert summarise(log, replace(plan, history=())).plan_changes == ()


def _change_marks(figure: Figure) -> tuple[list[float], list[str]]:
    """The x (matplotlib date numbers) of every plan-change line, and every label, drawn."""
    lines = [line.get_xdata()[0] for line in figure.findobj(Line2D)
             if line.get_gid() == "plan-change"]
    labels = [text.get_text() for text in figure.findobj(Text) if text.get_gid() == "plan-change"]
    return lines, labels


def test_the_charts_mark_each_change_with_a_line_and_its_version(tmp_path: Path) -> None:
    plan = _three_weeks(tmp_path)
    summary = summarise(load_log(tmp_path), plan)
    # the lines at the midnights of Mon 11-09 and Thu 11-19
    expected = ([mdates.date2num(date(2026, 11, 9)), mdates.date2num(date(2026, 11, 19))],
                ["plan v2", "plan v3"])
    drawn = charts.plot_weekly_adherence(summary.weekly_adherence, changes=summary.plan_changes)
    assert _change_marks(drawn.figure) == expected
    low, high = drawn.get_xlim()  # within the weeks drawn (Mon 11-02 to Sun 11-22)
    assert all(low < x < high for x in expected[0])
    drawn = charts.plot_reps_and_pain(summary.weekly_reps_pain, plan,
                                      changes=summary.plan_changes)
    assert _change_marks(drawn.figure) == expected
    # the dashboard marks both charts: two lines and two labels each
    lines, labels = _change_marks(charts.dashboard(summary))
    assert sorted(labels) == ["plan v2", "plan v2", "plan v3", "plan v3"]
    assert len(lines) == len(labels)
    # without changes, nothing is drawn: the charts are as they were
    assert _change_marks(charts.plot_weekly_adherence(summary.weekly_adherence).figure) == (
        [], [])
    quiet = summarise(load_log(tmp_path), replace(plan, history=()))
    assert _change_marks(charts.dashboard(quiet)) == ([], [])


def test_the_report_names_the_version_and_its_changes(tmp_path: Path) -> None:
    plan = _three_weeks(tmp_path)
    log = load_log(tmp_path)
    out = build_report(log, plan, tmp_path / "report.pdf")
    assert len(pypdf.PdfReader(out).pages) <= 2
    text = pdf_text(out)
    assert ("Plan version 2 from 09 Nov 2026: Pelvic tilt: 12 reps (was 10); 5 sessions a week"
            " · version 3 from 19 Nov 2026: Pelvic tilt: 14 reps (was 12); 7 sessions a week"
            in text)
    # the two charts that mark the changes say so in their captions
    assert text.count("A dotted line marks the first day of each new version of the plan") == 2
    # de-identified: days counted from the period's first (Mon 11-02 is day 1, so 11-09 is
    # day 8 and 11-19 day 18), and no change list (typed text, as a share bundle leaves out)
    hidden = pdf_text(build_report(log, plan, tmp_path / "hidden.pdf", deidentify=True))
    assert "Plan version 2 from day 8 · version 3 from day 18" in hidden
    assert "was 10" not in hidden
    # a period after the last change names the version in force and says nothing changed
    late = pdf_text(build_report(log, plan, tmp_path / "late.pdf", start="2026-11-20"))
    assert "Plan version 3 from 19 Nov 2026; no change within this period" in late
    # a first version that never changed has no such line
    first = pdf_text(build_report(log, replace(plan, version=1, history=()),
                                  tmp_path / "first.pdf"))
    assert "Plan version" not in first


def test_the_demo_report_names_its_progression_within_two_pages(tmp_path: Path) -> None:
    log = load_log(paths.DEMO_DIR)
    plan = plan_for_log(log, load_plan())
    out = build_report(log, plan, tmp_path / "demo.pdf")
    pages = pdf_page_texts(out)
    assert len(pages) <= 2
    text = " ".join(pages)
    assert "Plan version 2 from 12 Oct 2026: Knee to chest: 12 reps (was 10)" in text
    # knee to chest, each side: 26 sessions at 10 reps before Mon 10-12 and 30 at 12 from it,
    # 260 + 360 = 620 prescribed; one block skipped each side before, one left block after:
    # left 250 + 348 = 598 (96 %), right 250 + 360 = 610 (98 %)
    assert "Knee to chest left 598 / 620 96 %" in text
    assert "Knee to chest right 610 / 620 98 %" in text


@pytest.mark.parametrize("first_day", [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 22)])
def test_a_change_label_stays_inside_its_chart(tmp_path: Path, first_day: date) -> None:
    # the weeks drawn run Mon 11-02 to Sun 11-22: a change on the last day has its label left
    # of its line, the others right of it; every label inside the axes, clear of the edges
    _three_weeks(tmp_path)
    summary = summarise(load_log(tmp_path), _first(target=3, valid_from=None))
    changes = (PlanVersion(4, first_day, ()),)
    for ax in (charts.plot_weekly_adherence(summary.weekly_adherence, changes=changes),
               charts.plot_reps_and_pain(summary.weekly_reps_pain, changes=changes)):
        canvas = FigureCanvasAgg(ax.figure)  # drawn as the report draws it
        canvas.draw()
        renderer = canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        labels = [text for text in ax.figure.findobj(Text) if text.get_gid() == "plan-change"]
        assert [text.get_text() for text in labels] == ["plan v4"]
        label = labels[0].get_window_extent(renderer)
        assert box.x0 <= label.x0 and label.x1 <= box.x1
        assert box.y0 <= label.y0 and label.y1 <= box.y1
        legend = ax.get_legend().get_window_extent(renderer)
        assert not label.overlaps(legend)


def test_the_next_version_of_a_plan_with_history_extends_it(tmp_path: Path) -> None:
    fallback = _three_versions(tmp_path)
    folded = plan_in_force(tmp_path, date(2026, 11, 22), fallback)
    fourth = next_plan(folded, ["pelvic_tilt"], valid_from=date(2026, 11, 30))
    # v3's pelvic tilt of 14 reps steps to the ceiling of 15
    assert fourth.history == (*folded.history, PlanVersion(
        4, date(2026, 11, 30), ("Pelvic tilt: 15 reps (was 14)",)))
    # a plan from one file has none to extend
    assert next_plan(_first(), ["pelvic_tilt"], valid_from=date(2026, 11, 30)).history == ()
