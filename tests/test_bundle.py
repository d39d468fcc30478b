"""Share bundles: what they hold, that they check themselves, and what de-identifying removes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pypdf
import pytest
from test_report import write_hand_log

from backrelief_analysis import __version__
from backrelief_analysis.bundle import (
    BundleError,
    bundle_bytes,
    load_files,
    open_bundle,
    plan_toml,
    write_bundle,
)
from backrelief_analysis.cli import main
from backrelief_analysis.plan import EarlierTarget, load_plan
from backrelief_analysis.progress import summarise
from backrelief_analysis.store import load_log

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


def test_deidentified_timestamps_keep_weekdays_times_and_intervals(log_dir):
    opened = open_bundle(bundle_bytes(log_dir, load_plan(), deidentify=True).data, "x.zip")
    shared, _ = load_files(opened.files)
    original = load_log(log_dir)
    before = original.pain["recorded_at"].reset_index(drop=True)
    after = shared.pain["recorded_at"].reset_index(drop=True)
    shift = after - before
    assert shift.nunique() == 1
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
    assert main(["caseload", str(caseload_dir), "--out", str(out)]) == 0
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
    from backrelief_analysis.caseload import load_caseload

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
