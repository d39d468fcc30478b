"""Share bundles: what they hold, that they check themselves, and what de-identifying removes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import stat
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pypdf
import pytest
from test_report import write_hand_log

from backrelief_analysis import __version__
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.cli import main
from backrelief_analysis.log.deidentify import neutral_exercise_ids
from backrelief_analysis.log.store import (
    ExerciseBlock,
    LogStore,
    OutcomeEntry,
    PainEntry,
    SignalEntry,
    TornLineWarning,
    load_log,
)
from backrelief_analysis.plan import EarlierTarget, load_plan
from backrelief_analysis.share.bundle import (
    BundleError,
    bundle_bytes,
    load_files,
    open_bundle,
    plan_toml,
    write_bundle,
)
from backrelief_analysis.share.export import deidentify_export, export_sessions, write_export
from backrelief_analysis.words.summary import summary_lines

NAME = "Zelda Quux"
NOTES = ("Felt stiff", "bad evening")
ACTIVITIES = ("Tying my shoelaces", "Lifting Maja from her cot")
OUTCOMES = (
    "recorded_at,set_id,measure,item,score,note\n"
    f"2026-09-07T09:00:00+01:00,q20260907,psfs,{ACTIVITIES[0]},4,\n"
    f"2026-09-07T09:00:00+01:00,q20260907,psfs,{ACTIVITIES[1]},3,\n"
    "2026-09-07T09:01:00+01:00,q20260907b,odi,total,30,first visit\n"
    f"2026-09-20T09:00:00+01:00,q20260920,psfs,{ACTIVITIES[0]},6,\n"
    f"2026-09-20T09:00:00+01:00,q20260920,psfs,{ACTIVITIES[1]},5,\n"
)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    folder = write_hand_log(tmp_path / "log")
    (folder / "outcomes_log.csv").write_text(OUTCOMES, encoding="utf-8")
    return folder


def _members(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {info.filename: archive.read(info) for info in archive.infolist()}


def _real_dates(folder: Path) -> set[str]:
    """Every day the log touches, as 2026-09-07 and 20260907 (the forms a file could hold)."""
    text = "".join(path.read_text(encoding="utf-8") for path in folder.glob("*.csv"))
    days = {date.fromisoformat(day) for day in re.findall(r"\d{4}-\d{2}-\d{2}", text)}
    return {form for day in days for form in (day.isoformat(), day.strftime("%Y%m%d"))}


def test_bundle_holds_the_log_as_logged_the_plan_the_report_and_hashes(log_dir, tmp_path):
    plan = load_plan()
    out = write_bundle(log_dir, plan, tmp_path / "share.zip", patient=NAME)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    members = _members(out.read_bytes())
    assert set(members) == {"manifest.json", "exercise_log.csv", "pain_log.csv",
                            "outcomes_log.csv", "plan.toml", "report.pdf"}
    for name in ("exercise_log.csv", "pain_log.csv", "outcomes_log.csv"):
        assert members[name] == (log_dir / name).read_bytes()
    assert members["plan.toml"] == Path(plan.source).read_bytes()
    manifest = json.loads(members["manifest.json"])
    assert manifest["kit_version"] == __version__
    assert manifest["patient"] == NAME and manifest["deidentified"] is False
    assert manifest["period"] == {"start": "2026-09-07", "end": "2026-09-20", "whole_log": True}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest()
        assert entry["bytes"] == len(members[name])
    report = pypdf.PdfReader(io.BytesIO(members["report.pdf"]))
    text = " ".join(" ".join(page.extract_text().split()) for page in report.pages)
    assert f"Patient: {NAME}" in text and "7 sessions against a target of 7" in text


def test_a_period_is_kept_in_the_manifest_and_the_report(log_dir):
    shared = bundle_bytes(log_dir, load_plan(), start=date(2026, 9, 14), end=date(2026, 9, 20))
    assert shared.manifest["period"] == {"start": "2026-09-14", "end": "2026-09-20",
                                         "whole_log": False}
    opened = open_bundle(shared.data, "x.zip")
    assert (opened.start, opened.end) == ("2026-09-14", "2026-09-20")


def test_deidentified_bundle_holds_no_name_note_activity_or_real_date(log_dir, tmp_path):
    plan = load_plan()
    personal = type(plan)(**{**vars(plan), "name": f"Programme for {NAME}"})
    data = bundle_bytes(log_dir, personal, patient=None, deidentify=True).data
    members = _members(data)
    report = pypdf.PdfReader(io.BytesIO(members["report.pdf"]))
    searched = {name: content for name, content in members.items()}
    searched["report text"] = " ".join(
        page.extract_text() for page in report.pages).encode("utf-8")
    searched["report metadata"] = str(dict(report.metadata or {})).encode("utf-8")
    searched["whole zip"] = data
    forbidden = [NAME, "Zelda", *NOTES, *ACTIVITIES, "Maja", *_real_dates(log_dir),
                 "q20260907", "Programme for"]
    for where, content in searched.items():
        for word in forbidden:
            assert word.encode("utf-8") not in content, (where, word)
    # the log's own session ids ("s08") are renumbered (too short to search compressed bytes)
    for name in ("exercise_log.csv", "pain_log.csv", "manifest.json"):
        assert not re.search(rb"\bs\d\d\b", members[name]), name
    # zip members carry no real date either
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        assert info.date_time[0] == 1980
    manifest = json.loads(members["manifest.json"])
    assert manifest["deidentified"] is True and manifest["patient"] is None
    assert re.fullmatch(r"P-[0-9A-F]{6}", manifest["patient_code"])
    assert "whole number of weeks" in manifest["time_shift"]
    assert "activity 1" in members["outcomes_log.csv"].decode()


def _report_text(data: bytes) -> str:
    """The text of a bundle's ``report.pdf``, read back with pypdf, on one line."""
    report = pypdf.PdfReader(io.BytesIO(_members(data)["report.pdf"]))
    return " ".join(" ".join(page.extract_text().split()) for page in report.pages)


@pytest.mark.parametrize("deidentify", [False, True])
def test_the_bundles_report_shows_the_questionnaires_the_bundle_holds(log_dir, deidentify):
    text = _report_text(bundle_bytes(log_dir, load_plan(), deidentify=deidentify).data)
    assert "No questionnaires yet" not in text
    # PSFS (4 + 3) / 2 = 3.5 -> (6 + 5) / 2 = 5.5: +2.0; ODI 30 on one occasion
    assert "PSFS: baseline 3.5" in text and "latest 5.5" in text and "change +2.0" in text
    assert "ODI: 30" in text
    named = [activity for activity in ACTIVITIES if activity in text]
    assert named == ([] if deidentify else list(ACTIVITIES))


def test_deidentified_timestamps_keep_weekdays_times_and_intervals(log_dir):
    opened = open_bundle(bundle_bytes(log_dir, load_plan(), deidentify=True).data, "x.zip")
    shared, _ = load_files(opened.files)
    original = load_log(log_dir)
    # the wall clock moves by whole weeks (the instants also lose the log's +01:00)
    before = original.pain["recorded_local"].reset_index(drop=True)
    after = shared.pain["recorded_local"].reset_index(drop=True)
    shift = after - before
    assert (shift == shift.iloc[0]).all()
    days = shift.iloc[0] / timedelta(days=1)
    assert days == int(days) and int(days) % 7 == 0 and days < 0
    assert (shared.pain["recorded_local"].dt.strftime("%a %H:%M:%S").tolist()
            == original.pain["recorded_local"].dt.strftime("%a %H:%M:%S").tolist())
    assert shared.pain["note"].eq("").all()
    # the same numbers as the original, in the report and therefore in the caseload
    plan = load_plan()
    one, two = summarise(original, plan), summarise(shared, opened.plan)
    assert one.adherence_percent == two.adherence_percent
    assert one.baseline.change_points == two.baseline.change_points
    assert len(one.flags) == len(two.flags)


def test_deidentified_plan_moves_its_dates_with_the_log(log_dir):
    plan = load_plan()
    changed = type(plan)(**{**vars(plan), "earlier_targets": (
        EarlierTarget(date(2026, 9, 13), 3),)})
    opened = open_bundle(bundle_bytes(log_dir, changed, deidentify=True).data, "x.zip")
    shared, _ = load_files(opened.files)
    first_shared = shared.pain["date"].min().date()
    assert opened.plan.earlier_targets[0].until - first_shared == date(2026, 9, 13) - date(
        2026, 9, 7)
    assert opened.plan.name == "Shared plan"
    assert all(exercise.instructions == "Not shared." for exercise in opened.plan.exercises)
    assert summarise(shared, opened.plan).weekly_adherence["target"].tolist() == [3, 7]


def test_the_shared_plan_keeps_its_side_names_unless_deidentified(tmp_path):
    plan = load_plan()
    path = tmp_path / "plan.toml"
    path.write_text(plan_toml(plan), encoding="utf-8")
    assert load_plan(path).exercises == plan.exercises
    path.write_text(plan_toml(plan, deidentify=True), encoding="utf-8")
    assert [exercise.side_names for exercise in load_plan(path).exercises] == [()] * 4


def test_open_bundle_refuses_a_tampered_file(log_dir):
    data = bundle_bytes(log_dir, load_plan()).data
    members = _members(data)
    members["exercise_log.csv"] = members["exercise_log.csv"].replace(b",10,6,", b",10,10,")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(BundleError, match=r"exercise_log\.csv does not match its hash"):
        open_bundle(buffer.getvalue(), "t.zip")


def test_share_command_writes_owner_only_bundles(log_dir, tmp_path, capsys):
    out = tmp_path / "s.zip"
    assert main(["share", "--data-dir", str(log_dir), "--out", str(out), "--patient", NAME]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Wrote the bundle" in capsys.readouterr().out
    anon = tmp_path / "a.zip"
    assert main(["share", "--data-dir", str(log_dir), "--out", str(anon), "--deidentify",
                 "--from", "2026-09-10"]) == 0
    manifest = json.loads(_members(anon.read_bytes())["manifest.json"])
    start = date.fromisoformat(manifest["period"]["start"])
    assert start.weekday() == date(2026, 9, 10).weekday() and start.year < 2026
    assert main(["share", "--data-dir", str(log_dir), "--out", str(anon), "--deidentify",
                 "--patient", "X"]) == 1
    assert main(["share", "--data-dir", str(log_dir), "--out", str(tmp_path / "a.pdf")]) == 1
    assert main(["share", "--data-dir", str(tmp_path / "none"), "--out", str(out)]) == 1
    assert "contradict" in capsys.readouterr().err


def test_an_empty_log_is_not_shared(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["share", "--data-dir", str(empty), "--out", str(tmp_path / "e.zip")]) == 1
    assert "nothing to share" in capsys.readouterr().err
    assert not (tmp_path / "e.zip").exists()


def test_demo_patients_shared_and_read_back_show_their_own_reports_numbers(tmp_path, capsys):
    """The issue's "done when": demo logs -> share -> caseload, one row each, same numbers."""
    caseload_dir = tmp_path / "caseload"
    caseload_dir.mkdir()
    expected = {}
    for seed, weeks in ((1, 8), (2, 14)):
        folder = tmp_path / f"demo{seed}"
        assert main(["demo", "--out", str(folder), "--weeks", str(weeks),
                     "--seed", str(seed)]) == 0
        assert main(["share", "--data-dir", str(folder), "--patient", f"Demo {seed}",
                     "--out", str(caseload_dir / f"demo{seed}.zip")]) == 0
        summary = summarise(load_log(folder), load_plan())
        expected[f"Demo {seed}"] = summary
    out = tmp_path / "table.csv"
    # the caseload's numbers run to the reports' last day (both demos end on the same day)
    as_of = max(summary.end for summary in expected.values()).date().isoformat()
    assert main(["caseload", str(caseload_dir), "--out", str(out), "--as-of", as_of]) == 0
    import pandas as pd

    table = pd.read_csv(out, encoding="utf-8-sig").set_index("patient")
    assert sorted(table.index) == ["Demo 1", "Demo 2"]
    for name, summary in expected.items():
        row = table.loc[name]
        assert row["adherence_overall"] == pytest.approx(summary.adherence_percent, abs=1e-9)
        assert row["pain_baseline"] == pytest.approx(summary.baseline.baseline, abs=1e-9)
        assert row["pain_latest"] == pytest.approx(summary.baseline.latest, abs=1e-9)
        assert row["pain_verdict"] == summary.baseline.verdict
        assert row["weeks"] == len(summary.weekly_adherence)
        assert row["flags_total"] == len(summary.flags)
        assert datetime.fromisoformat(row["period_end"]).date() == summary.end.date()


@pytest.mark.filterwarnings("ignore:Consider using IPython.display.IFrame:UserWarning")
def test_the_share_button_of_notebook_03_writes_a_bundle(tmp_path, monkeypatch):
    """Run the notebook's code as the kernel would and click the button."""
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(tmp_path / "log"))
    notebook = json.loads((Path(__file__).parent.parent / "notebooks" /
                           "03_physio_report.ipynb").read_text(encoding="utf-8"))
    namespace: dict = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), namespace)
    namespace["share_button"].click()
    written = tmp_path / "log" / "reports" / "demo" / "share.zip"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    opened = open_bundle(written.read_bytes(), written.name)
    assert opened.manifest["deidentified"] is False
    assert opened.files["pain_log.csv"] == (Path(__file__).parent.parent / "data" / "demo" /
                                            "pain_log.csv").read_bytes()


def test_the_caseload_shows_the_reports_outcome_verdicts(log_dir, tmp_path):
    """The outcomes column says what the report's outcome lines say: baseline, latest and
    verdict per measure, the PSFS activities unnamed."""
    from backrelief_analysis.caseload.table import load_caseload

    root = tmp_path / "caseload"
    root.mkdir()
    write_bundle(log_dir, load_plan(), root / "z.zip", patient=NAME)
    row = load_caseload(root, use_cache=False).table.iloc[0]
    changes = summarise(load_log(log_dir), load_plan()).outcome_changes.set_index("measure")
    psfs, odi = changes.loc["psfs"], changes.loc["odi"]
    assert (psfs["baseline"], psfs["latest"]) == (3.5, 5.5)
    assert row["outcomes"] == (f"PSFS 3.5 → 5.5 ({psfs['verdict']}); "
                               f"ODI 30 ({odi['verdict']})")
    assert psfs["verdict"] == "meaningful improvement"
    for activity in ACTIVITIES:
        assert activity not in row["outcomes"]


# --- de-identified times: one offset, the same local days ---------------------------------------

UNKNOWN_IDS = ("kowalska_postop_2026-11-22", "mystery_move")  # ids no plan of today names
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?([+-]\d{2}:\d{2}|Z)")


def _clock_changes(zone: ZoneInfo, year: int) -> list[datetime]:
    """The UTC instants in ``year`` at which ``zone``'s offset changes (hour by hour)."""
    hour = datetime(year, 1, 1, tzinfo=UTC)
    changes = []
    while hour.year == year:
        after = hour + timedelta(hours=1)
        if hour.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            changes.append(after)
        hour = after
    return changes


def _later(moment: datetime, minutes: int) -> datetime:
    """``minutes`` of real time after ``moment``, on the clock of its zone (an aware datetime
    plus a timedelta would add wall-clock time, wrong over a clock change)."""
    return (moment.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(moment.tzinfo)


def _session(store: LogStore, session: str, start: datetime, minutes: tuple[int, ...],
             exercises: tuple[str, ...], pain: tuple[int, int]) -> None:
    """One session: a block of each exercise ``minutes`` (real time) after ``start``, a score
    a minute before and one a minute after the last block."""
    store.extend_blocks(ExerciseBlock(session, start, exercise, "", 10, 10 - index, 5.0, 5.0,
                                      "completed", _later(start, minute))
                        for index, (exercise, minute) in enumerate(zip(exercises, minutes,
                                                                       strict=True)))
    store.extend_pain([PainEntry(_later(start, -1), pain[0], "before_session", session),
                       PainEntry(_later(start, minutes[-1] + 1), pain[1], "after_session",
                                 session, "no", "Kowalska felt fine")])


def _year_log(folder: Path, zone_name: str) -> Path:
    """A log from 16 March to 8 November 2026 in ``zone_name``, written by the kit's LogStore.

    Sessions start at 23:40 local on Mondays, Wednesdays and Fridays (a wrong offset of one hour
    moves them to the next day), check-ins come at 00:10 local on Tuesdays and Saturdays (one
    hour back is the day before), and a session starts 30 minutes (real time) before each of
    the year's clock changes, with blocks 5 and 40 minutes after its start.
    """
    zone = ZoneInfo(zone_name)
    store = LogStore(folder)
    first = date(2026, 3, 16)
    for offset in range((date(2026, 11, 8) - first).days + 1):
        day = first + timedelta(days=offset)
        week = offset // 7
        # the unknown ids: an older plan's exercise in the first weeks, a hand edit later
        extra = UNKNOWN_IDS[0] if week < 4 else (UNKNOWN_IDS[1] if week > 28 else "bridge")
        if day.weekday() in (0, 2, 4):
            start = datetime.combine(day, time(23, 40), tzinfo=zone)
            _session(store, f"s{day:%Y%m%d}", start, (4, 9, 14),
                     ("pelvic_tilt", "knee_to_chest", extra), (6 - week // 10, 5 - week // 10))
        if day.weekday() in (1, 5):
            store.extend_pain([PainEntry(datetime.combine(day, time(0, 10), tzinfo=zone),
                                         4 + week % 3, "check_in", "", "", "")])
        if day.weekday() == 6 and week % 4 == 0:
            store.extend_outcomes(
                OutcomeEntry(datetime.combine(day, time(23, 50), tzinfo=zone), f"peg{day:%m%d}",
                             "peg", item, 5 - week // 8) for item in ("pain", "enjoyment",
                                                                      "activity"))
    for change in _clock_changes(zone, 2026):
        start = (change - timedelta(minutes=30)).astimezone(zone)
        _session(store, f"dst{start:%m%d}", start, (5, 40), ("pelvic_tilt", "bridge"), (5, 4))
    return folder


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _moved_back(frame: pd.DataFrame, shift: timedelta) -> pd.DataFrame:
    """A frame of the analysis with its days (columns and days in sentences) moved back by
    ``shift``; the renumbered session ids and the week labels (the days say it) left out."""
    out = frame.drop(columns=[c for c in ("week", "session_id") if c in frame.columns])
    out = out.reset_index(drop=True)
    for column in out.columns:
        if pd.api.types.is_datetime64_dtype(out[column]):
            out[column] = out[column] - shift
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: _DAY.sub(lambda m: str(date.fromisoformat(m[0]) - shift), v)
                if isinstance(v, str) else v)
    return out


def _numbers(log, plan, shift: timedelta = timedelta(0)) -> dict[str, object]:
    """What the analysis finds, every day moved back by ``shift``."""
    summary = summarise(log, plan)
    sessions = log.exercise.groupby("date")["session_id"].nunique().rename("sessions")
    times = {name: frame[column].dt.strftime("%H:%M:%S")
             for name, frame, column in (("exercise", log.exercise, "started_local"),
                                         ("pain", log.pain, "recorded_local"),
                                         ("outcomes", log.outcomes, "recorded_local"))}
    frames = {
        "weekly adherence": summary.weekly_adherence,
        "sessions per local day": sessions.reset_index(),
        "local day and time of each row": pd.DataFrame({
            "file": [name for name, clock in times.items() for _ in clock],
            "date": pd.concat([log.exercise["date"], log.pain["date"], log.outcomes["date"]]),
            "time": pd.concat(times.values())}),
        "pain per local day": summary.daily_pain,
        "weekly pain": summary.weekly_pain,
        "session effects": summary.session_effects,
        "flags": summary.flags,
        "summary": pd.DataFrame({"line": summary_lines(summary)[2:]}),  # after the plan's name
    }
    numbers: dict[str, object] = {name: _moved_back(frame, shift)
                                  for name, frame in frames.items()}
    numbers["adherence"] = summary.adherence_percent
    numbers["pain change"] = (summary.baseline.baseline, summary.baseline.latest,
                              summary.baseline.change_points, summary.baseline.verdict)
    return numbers


@pytest.mark.parametrize("zone", ["Europe/Warsaw", "Australia/Sydney"])
def test_a_deidentified_bundle_across_both_clock_changes_has_one_offset_and_the_same_numbers(
        tmp_path, zone):
    folder = _year_log(tmp_path / "log", zone)
    plan = load_plan()
    original = load_log(folder)
    # the log really spans both changes: two offsets (summer's and winter's) in its files
    offsets = {match for text in (folder / "exercise_log.csv").read_text().splitlines()[1:]
               for match in _STAMP.findall(text)}
    assert len(offsets) == 2
    shared_zip = bundle_bytes(folder, plan, deidentify=True).data
    opened = open_bundle(shared_zip, "x.zip")
    shared, problems = load_files(opened.files)
    assert problems == []

    members = _members(shared_zip)
    found = {name: set(_STAMP.findall(content.decode("utf-8")))
             for name, content in members.items() if name != "report.pdf"}
    for name in ("exercise_log.csv", "pain_log.csv", "outcomes_log.csv"):
        assert found[name] == {"+00:00"}, name  # every time of every file: one offset
    assert found["plan.toml"] == found["manifest.json"] == set()  # days only, no times

    shift = (shared.pain["date"].min() - original.pain["date"].min()).to_pytimedelta()
    assert shift.days % 7 == 0 and shift.days < 0
    # the named log's numbers and days (its unknown exercise ids read as the bundle's neutral
    # ones) are the bundle's, moved back by the shift
    named = _numbers(neutral_exercise_ids(original, plan), plan)
    for what, value in _numbers(shared, opened.plan, shift).items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, named[what], obj=what)
        else:
            assert value == named[what], what
    # the spreadsheet's numbers and times of day (durations over a clock change included)
    one, two = export_sessions(original, plan), export_sessions(shared, opened.plan)
    columns = ["time", "duration_min", "reps_done", "pain_before", "pain_after",
               "pain_check_in", "kind"]
    pd.testing.assert_frame_equal(one[columns], two[columns])
    # the two sessions that start 30 minutes before a clock change last their 40 minutes
    assert (two["duration_min"] == 40.0).sum() == 2 and two["duration_min"].max() == 40.0


def test_a_deidentified_bundle_and_export_name_no_exercise_the_plan_does_not(tmp_path):
    folder = _year_log(tmp_path / "log", "Europe/Warsaw")
    plan = load_plan()
    data = bundle_bytes(folder, plan, deidentify=True).data
    members = _members(data)
    report = pypdf.PdfReader(io.BytesIO(members["report.pdf"]))
    members["report text"] = " ".join(page.extract_text() for page in report.pages).encode()
    out = write_export(deidentify_export(load_log(folder), plan, code="P-1"),
                       tmp_path / "deid.csv")
    members["export"] = out.read_bytes()
    for where, content in members.items():
        for unknown in (*UNKNOWN_IDS, "kowalska", "Kowalska", "postop", "mystery"):
            assert unknown.encode() not in content, (where, unknown)
    # each unknown id has its own stand-in, the plan's own ids stay
    exercises = pd.read_csv(io.BytesIO(members["exercise_log.csv"]))["exercise"]
    assert exercises.value_counts().to_dict() == {
        # 34 weeks x 3 sessions; 2 more sessions over the clock changes; 4 weeks of the older
        # plan's exercise (12 sessions), 5 weeks (29 to 33) of the hand-edited one (15)
        "pelvic_tilt": 104, "knee_to_chest": 102, "bridge": 102 - 12 - 15 + 2,
        "exercise-1": 12, "exercise-2": 15}
    # the third block of a session does 10 - 2 = 8 of its 10 reps
    export = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert export["exercises"].str.contains("exercise-1 8/10").sum() == 12
    assert export["exercises"].str.contains("exercise-2 8/10").sum() == 15


def test_deidentified_times_keep_the_wall_clock_in_one_offset_by_hand(tmp_path):
    """Three sessions around the real 25 October 2026 (Warsaw: +02:00 until 03:00 that night,
    then +01:00), written by hand."""
    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "exercise_log.csv").write_text(
        "session_id,session_started_at,exercise,side,reps_target,reps_done,hold_s_target,"
        "hold_s_mean,status,logged_at\n"
        # Saturday 23:50 in summer time, 5 minutes long
        "a,2026-10-24T23:50:00+02:00,pelvic_tilt,,10,10,5,5.0,completed,"
        "2026-10-24T23:55:00+02:00\n"
        # Sunday 02:50 +02:00 (00:50 UTC) to 02:10 +01:00 (01:10 UTC): 20 minutes long
        "b,2026-10-25T02:50:00+02:00,kowalska_postop_2026-11-22,,10,9,5,5.0,completed,"
        "2026-10-25T02:10:00+01:00\n"
        # Sunday 23:50 in winter time, ending after midnight: Monday 00:05
        "c,2026-10-25T23:50:00+01:00,pelvic_tilt,,10,10,5,5.0,completed,"
        "2026-10-26T00:05:00+01:00\n", encoding="utf-8")
    (folder / "pain_log.csv").write_text(
        "recorded_at,pain,context,session_id,flare,note\n"
        "2026-10-24T23:49:00+02:00,5,before_session,a,,\n"
        "2026-10-26T00:10:00+01:00,3,check_in,,,slept badly\n", encoding="utf-8")
    members = _members(bundle_bytes(folder, load_plan(), deidentify=True).data)
    rows = list(csv.reader(io.StringIO(members["exercise_log.csv"].decode())))[1:]
    pain = list(csv.reader(io.StringIO(members["pain_log.csv"].decode())))[1:]
    shift = date.fromisoformat(rows[0][1][:10]) - date(2026, 10, 24)
    assert shift.days % 7 == 0 and shift.days < 0

    def moved(day: str, clock: str) -> str:
        return f"{date.fromisoformat(day) + shift}T{clock}+00:00"

    assert [(row[0], row[1], row[2], row[9]) for row in rows] == [
        # the wall clock kept, the offset now +00:00 (was +02:00, then +01:00: the real change)
        ("session-00001", moved("2026-10-24", "23:50:00"), "pelvic_tilt",
         moved("2026-10-24", "23:55:00")),
        # the end keeps its 20 minutes after the start: 02:50 + 20 min = 03:10, not the 02:10
        # the wall clock showed; the unknown id becomes the first neutral one
        ("session-00002", moved("2026-10-25", "02:50:00"), "exercise-1",
         moved("2026-10-25", "03:10:00")),
        # 23:50 + 15 minutes = 00:05 on the next local day, as logged
        ("session-00003", moved("2026-10-25", "23:50:00"), "pelvic_tilt",
         moved("2026-10-26", "00:05:00")),
    ]
    assert pain == [[moved("2026-10-24", "23:49:00"), "5", "before_session", "session-00001",
                     "", ""],
                    [moved("2026-10-26", "00:10:00"), "3", "check_in", "", "", ""]]
    manifest = json.loads(members["manifest.json"])
    said = json.dumps({key: value for key, value in manifest.items() if key != "files"})
    assert "+00:00" in manifest["time_shift"] and "exercise-1" in manifest["removed"]
    weeks = -shift.days // 7
    # the shift is in no word or number of the manifest (the files' sizes and hashes aside)
    assert not {str(weeks), str(-shift.days)} & set(re.findall(r"\d+", said))


def test_a_row_cut_off_by_an_interrupted_write_is_left_out_of_a_deidentified_bundle(log_dir):
    pain = log_dir / "pain_log.csv"
    rows = pain.read_text(encoding="utf-8").count("\n") - 1  # a header and whole rows
    with pain.open("a", encoding="utf-8") as file:
        file.write("2026-09-21T08:0")  # the app stopped mid-row
    with pytest.warns(TornLineWarning):
        data = bundle_bytes(log_dir, load_plan(), deidentify=True).data
    shared = _members(data)["pain_log.csv"].decode("utf-8")
    # the same rows the loader reads: every whole one, each moved into +00:00
    assert shared.count("\n") - 1 == rows
    assert shared.count("+00:00") == rows


def test_a_log_without_a_pain_file_shares_a_bundle_that_opens(tmp_path):
    from analysis_fixtures import full, write_log

    folder = tmp_path / "log"
    write_log(folder, full("a", "2026-03-02T08:00:00+01:00"))
    (folder / "pain_log.csv").unlink()  # a missing file is a file without rows
    for deidentify in (False, True):
        opened = open_bundle(bundle_bytes(folder, load_plan(), deidentify=deidentify).data,
                             "x.zip")
        log, _ = load_files(opened.files)
        assert (len(log.exercise), len(log.pain)) == (3, 0)


# --- the signals log in a bundle ------------------------------------------------------------------

SIGNAL_NOTES = ("Cramp in the left calf", "Kowalski family wedding")


def _with_signals(folder: Path) -> Path:
    """``folder``'s hand log with what was tapped: a reason for s15's stopped tilt (its note),
    how the tilt felt and hurt in s08 and s10, and two barriers (one with a note), one about
    an exercise id the plan does not name (``rehab_zq``)."""
    bst = ZoneInfo("Europe/London")
    store = LogStore(folder)
    store.extend_signals([
        SignalEntry(datetime(2026, 9, 8, 8, 3, tzinfo=bst), "felt", "hard", "s08", "pelvic_tilt"),
        SignalEntry(datetime(2026, 9, 8, 8, 3, tzinfo=bst), "hurt", "yes", "s08", "pelvic_tilt"),
        SignalEntry(datetime(2026, 9, 9, 20, 0, tzinfo=bst), "barrier", "no_time", days_ago=0),
        SignalEntry(datetime(2026, 9, 10, 8, 3, tzinfo=bst), "felt", "easy", "s10", "rehab_zq"),
        SignalEntry(datetime(2026, 9, 13, 19, 0, tzinfo=bst), "barrier", "other", days_ago=2,
                    note=SIGNAL_NOTES[1]),
        SignalEntry(datetime(2026, 9, 15, 8, 2, tzinfo=bst), "stop_reason", "other", "s15",
                    "pelvic_tilt", note=SIGNAL_NOTES[0]),
    ])
    return folder


def _table(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_a_bundle_holds_the_signals_log_byte_for_byte(log_dir):
    _with_signals(log_dir)
    members = _members(bundle_bytes(log_dir, load_plan(), patient=NAME).data)
    assert members["signals_log.csv"] == (log_dir / "signals_log.csv").read_bytes()
    manifest = json.loads(members["manifest.json"])
    assert manifest["files"]["signals_log.csv"]["sha256"] == hashlib.sha256(
        (log_dir / "signals_log.csv").read_bytes()).hexdigest()
    log, problems = load_files(open_bundle(bundle_bytes(log_dir, load_plan()).data,
                                           "x.zip").files)
    assert problems == [] and len(log.signals) == 6


def test_a_deidentified_bundle_keeps_the_signals_categories_and_renumbers_their_sessions(
        log_dir):
    _with_signals(log_dir)
    original = _table((log_dir / "signals_log.csv").read_bytes())
    data = bundle_bytes(log_dir, load_plan(), deidentify=True).data
    members = _members(data)
    shared = _table(members["signals_log.csv"])
    # the categories stay, row by row; the id the plan does not name is a neutral one
    kept = ["signal", "value", "side", "days_ago"]
    assert [[row[k] for k in kept] for row in shared] == [[row[k] for k in kept]
                                                          for row in original]
    assert [row["exercise"] for row in shared] == [
        "pelvic_tilt", "pelvic_tilt", "", "exercise-1", "", "pelvic_tilt"]
    # the notes are emptied
    assert [row["note"] for row in shared] == [""] * 6
    for note in (*SIGNAL_NOTES, "Kowalski", "rehab_zq"):
        assert note.encode() not in data, note
    # each signal names the session the exercise and pain logs renumbered the same way
    exercise = _table(members["exercise_log.csv"])
    pain = _table(members["pain_log.csv"])
    original_exercise = _table((log_dir / "exercise_log.csv").read_bytes())
    renamed = {old["session_id"]: new["session_id"] for old, new in
               zip(original_exercise, exercise, strict=True)}
    assert [row["session_id"] for row in shared] == [
        renamed.get(row["session_id"], "") for row in original]
    assert renamed["s08"] != "s08" and renamed["s15"] != renamed["s08"]
    # s08's tilt that hurt is the session whose pain log says 7 before
    hurt = next(row for row in shared if row["signal"] == "hurt")
    before = [row["pain"] for row in pain if row["session_id"] == hurt["session_id"]
              and row["context"] == "before_session"]
    assert before == ["7"]
    # the times move with the log's (the same shift), in one offset
    opened = open_bundle(data, "x.zip")
    log, problems = load_files(opened.files)
    assert problems == []
    shift = log.exercise["date"].min() - pd.Timestamp("2026-09-08")
    assert (log.signals["date"] - shift).dt.strftime("%Y-%m-%d").tolist() == [
        "2026-09-08", "2026-09-08", "2026-09-09", "2026-09-10", "2026-09-13", "2026-09-15"]
    assert {row["recorded_at"][-6:] for row in shared} == {"+00:00"}


def test_a_log_without_a_signals_file_shares_a_bundle_that_opens_without_signals(log_dir):
    assert not (log_dir / "signals_log.csv").exists()
    for deidentify in (False, True):
        shared = bundle_bytes(log_dir, load_plan(), deidentify=deidentify)
        assert "signals_log.csv" not in _members(shared.data)
        assert "signals_log.csv" not in shared.manifest["files"]
        log, problems = load_files(open_bundle(shared.data, "x.zip").files)
        assert problems == [] and log.signals.empty and len(log.exercise) == 7
