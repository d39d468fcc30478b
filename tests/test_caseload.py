"""The caseload: each patient's row equals their own report, bad input costs only its own row."""

from __future__ import annotations

import io
import json
import math
import stat
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import full, plan_of, score, session, write_log
from signal_fixtures import signal_patient

from backrelief_analysis.analysis.summary import summarise, summarise_patients
from backrelief_analysis.caseload.cache import CACHE_NAME, CACHE_VERSION
from backrelief_analysis.caseload.table import load_caseload
from backrelief_analysis.caseload.view import (
    caseload_html,
    display_table,
    small_multiples,
    write_table,
)
from backrelief_analysis.cli import main
from backrelief_analysis.log.plans import plan_for_log, save_accepted
from backrelief_analysis.log.store import load_log
from backrelief_analysis.plan import load_plan
from backrelief_analysis.share.bundle import PLAN_NAME, plan_toml, write_bundle

START = date(2026, 3, 2)  # a Monday
AS_OF = date(2026, 4, 12)  # the last day of the six-week patients: their reports' last day


def _stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+01:00"


def _patient(folder: Path, *, weeks: int, pain_from: int, pain_to: int, stop_after_week: int,
             hurt_weeks: tuple[int, ...] = (), target: int = 3):
    """A hand-made log: three sessions a week (Mon, Wed, Fri) until ``stop_after_week``, a
    before/after score each session and a check-in on the other days, pain moving in steps from
    ``pain_from`` to ``pain_to``; in ``hurt_weeks`` the after-score is 7/10."""
    exercise, pain = [], []
    total_days = weeks * 7
    for offset in range(total_days):
        day = START + timedelta(days=offset)
        week = offset // 7 + 1
        level = round(pain_from + (pain_to - pain_from) * offset / (total_days - 1))
        if day.weekday() in (0, 2, 4) and week <= stop_after_week:
            sid = f"{folder.name}-{offset}"
            exercise += full(sid, _stamp(day, 8))
            pain.append(score(_stamp(day, 8), level, "before_session", sid))
            after = 7 if week in hurt_weeks else max(level - 1, 0)
            pain.append(score(_stamp(day, 8, 20), after, "after_session", sid, "no"))
        else:
            pain.append(score(_stamp(day, 19), level))
    plan = plan_of(target=target)
    log = write_log(folder, exercise, pain)
    (folder / PLAN_NAME).write_text(plan_toml(plan), encoding="utf-8")
    return log, load_plan(folder / PLAN_NAME)


def _report_numbers(log, plan, start=None, end=None) -> dict:
    """The caseload's columns as the patient's own report (``summarise``) gives them."""
    summary = summarise(log, plan, start=start, end=end)
    four_back = summary.weekly_adherence["week_start"].iloc[-4:].iloc[0]
    recent = summarise(log, plan, start=max(four_back, summary.start), end=summary.end)
    counted = summary.sessions.loc[summary.sessions["counted"], "date"]
    return {
        "weeks": len(summary.weekly_adherence),
        "last_session": f"{counted.max():%Y-%m-%d}",
        "adherence_overall": summary.adherence_percent,
        "adherence_4wk": recent.adherence_percent,
        "pain_baseline": summary.baseline.baseline,
        "pain_latest": summary.baseline.latest,
        "pain_change": summary.baseline.change_points,
        "pain_change_percent": summary.baseline.change_percent,
        "pain_verdict": summary.baseline.verdict,
        "open_flags": int((summary.flags["end_date"] >= four_back).sum()),
        "flags_total": len(summary.flags),
    }


@pytest.fixture
def caseload_dir(tmp_path: Path) -> tuple[Path, dict]:
    root = tmp_path / "caseload"
    patients = {
        # improving, every session done: needs no look
        "ann": _patient(root / "ann", weeks=6, pain_from=6, pain_to=2, stop_after_week=6),
        # pain worse and after-session pain of 7/10 in the last two weeks: first
        "bob": _patient(root / "bob", weeks=6, pain_from=3, pain_to=6, stop_after_week=6,
                        hurt_weeks=(5, 6)),
        # stopped exercising after week 3: adherence over the last 4 weeks is low
        "cat": _patient(root / "cat", weeks=6, pain_from=5, pain_to=5, stop_after_week=3),
    }
    return root, patients


def test_each_row_equals_the_patients_own_report(caseload_dir):
    root, patients = caseload_dir
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table.set_index("patient")
    assert sorted(table.index) == ["ann", "bob", "cat"]
    for name, (log, plan) in patients.items():
        expected = _report_numbers(log, plan)
        row = table.loc[name]
        for column, value in expected.items():
            if isinstance(value, float) and math.isnan(value):
                assert math.isnan(row[column]), (name, column)
            else:
                assert row[column] == value, (name, column, row[column], value)


def test_hand_computed_numbers_of_the_hand_made_patients(caseload_dir):
    root, _ = caseload_dir
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table.set_index("patient")
    # 3 sessions a week against a target of 3, six weeks
    assert table.loc["ann", "adherence_overall"] == pytest.approx(100.0)
    assert table.loc["ann", "weeks"] == 6
    # cat: 9 sessions in weeks 1-3 of 18 prescribed; none in the last 4 weeks but week 3's
    assert table.loc["cat", "adherence_overall"] == pytest.approx(50.0)
    assert table.loc["cat", "adherence_4wk"] == pytest.approx(100.0 * 3 / 12)
    assert table.loc["cat", "last_session"] == "2026-03-20"
    # bob: 6 after-session scores of 7/10 in weeks 5 and 6, all open; pain rising every week
    # (one run of rises, dated on its last week, so open too)
    assert table.loc["bob", "pain_verdict"] == "meaningful worsening"
    assert table.loc["bob", "open_flag_kinds"] == "6 × high pain after, 1 × weekly pain rising"
    assert table.loc["bob", "open_flags"] == 7


def test_patients_who_most_need_a_look_come_first(caseload_dir):
    root, _ = caseload_dir
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table
    assert table["patient"].tolist() == ["bob", "cat", "ann"]
    # bob: pain +3.4 against a threshold of 2 points, 3.4 / 2 = 1.7 thresholds
    assert "pain +3.4, 1.7x its threshold" in table["why"].iloc[0]
    assert table["why"].iloc[1] == "adherence below cut-off, last 4 weeks"
    assert table["why"].iloc[2] == ""


def test_a_meaningfully_worse_questionnaire_brings_a_patient_forward(caseload_dir):
    from outcome_fixtures import write_outcomes

    root, _ = caseload_dir
    # ann: pain improving, every session done; her ODI total rises 20 -> 34 (+14, at least the
    # 10 points of a meaningful change) while her PEG falls 6.0 -> 4.0
    write_outcomes(root / "ann", [
        ("2026-03-02T09:00:00+01:00", "odi", [("total", 20)]),
        ("2026-03-02T09:01:00+01:00", "peg", [("pain", 6), ("enjoyment", 6), ("activity", 6)]),
        ("2026-04-06T09:00:00+01:00", "odi", [("total", 34)]),
        ("2026-04-06T09:01:00+01:00", "peg", [("pain", 4), ("enjoyment", 4), ("activity", 4)]),
    ])
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table
    # bob's worse pain still comes first; ann now comes before cat's low adherence
    assert table["patient"].tolist() == ["bob", "ann", "cat"]
    ann = table.set_index("patient").loc["ann"]
    assert ann["outcomes"].startswith("PEG 6.0 → 4.0 (meaningful improvement); ODI 20 → 34 "
                                      "(meaningful worsening)")
    assert ann["why"] == "ODI +14, 1.4x its threshold"  # 14 / 10 points
    assert ann["priority"] == 2


def test_the_order_reads_the_typed_verdicts_not_the_outcome_text(tmp_path):
    from outcome_fixtures import write_outcomes

    root = tmp_path / "caseload"
    for name in ("alex", "zoe"):  # the same steady diary: only the questionnaires differ
        _patient(root / name, weeks=6, pain_from=5, pain_to=5, stop_after_week=6)
    # alex: PEG 6.0 -> 4.0, a meaningful improvement; zoe: PSFS 5.0 -> 2.0, a meaningful
    # worsening. By name, and by their cells' text ("PEG ..." before "PSFS ..."), alex is first.
    write_outcomes(root / "alex", [
        ("2026-03-02T09:00:00+01:00", "peg", [("pain", 6), ("enjoyment", 6), ("activity", 6)]),
        ("2026-04-06T09:00:00+01:00", "peg", [("pain", 4), ("enjoyment", 4), ("activity", 4)]),
    ])
    write_outcomes(root / "zoe", [
        ("2026-03-02T09:00:00+01:00", "psfs", [("walking", 5)]),
        ("2026-04-06T09:00:00+01:00", "psfs", [("walking", 2)]),
    ])
    first = load_caseload(root, as_of=AS_OF)  # analysed, and kept in the cache
    again = load_caseload(root, as_of=AS_OF)  # read back from the cache
    assert (first.analysed, again.analysed) == (2, 0)
    for table in (first.table, again.table):
        assert table["patient"].tolist() == ["zoe", "alex"]
        assert sorted(table["outcomes"]) == table["outcomes"].iloc[::-1].tolist()
        rows = table.set_index("patient")
        assert rows.loc["zoe", "outcomes"] == "PSFS 5.0 → 2.0 (meaningful worsening)"
        assert rows.loc["zoe", "why"] == "PSFS -3.0, 1.5x its threshold"  # 3 / 2 points
        assert rows.loc["alex", "why"] == ""


def test_a_bundle_reads_back_with_its_reports_period_and_plan(caseload_dir, tmp_path):
    root, patients = caseload_dir
    log, plan = patients["bob"]
    out = tmp_path / "bundles"
    out.mkdir()
    write_bundle(root / "bob", plan, out / "bob.zip", patient="Bob B",
                 start=date(2026, 3, 9), end=date(2026, 4, 5))
    write_bundle(root / "bob", plan, out / "anon.zip", deidentify=True,
                 start=date(2026, 3, 9), end=date(2026, 4, 5))
    table = load_caseload(out, use_cache=False).table.set_index("source")
    expected = _report_numbers(log, plan, start=date(2026, 3, 9), end=date(2026, 4, 5))
    for source in ("bob.zip", "anon.zip"):
        for column, value in expected.items():
            if column == "last_session" and source == "anon.zip":
                continue  # its dates are moved
            assert table.loc[source, column] == value, (source, column)
    assert table.loc["bob.zip", "patient"] == "Bob B"
    assert table.loc["anon.zip", "patient"].startswith("P-")
    # the de-identified bundle's dates are moved: its last session is a day of its period
    # (from 2026-03-09, day 1)
    last = date.fromisoformat(expected["last_session"])
    assert table.loc["anon.zip", "last_session"] == f"day {(last - date(2026, 3, 9)).days + 1}"


def _good_bundle(tmp_path: Path) -> tuple[bytes, object, object]:
    log, plan = _patient(tmp_path / "src", weeks=3, pain_from=5, pain_to=4, stop_after_week=3)
    path = tmp_path / "src.zip"
    write_bundle(tmp_path / "src", plan, path, patient="Dee")
    return path.read_bytes(), log, plan


def _rezip(data: bytes, change) -> bytes:
    """A copy of a bundle with ``change(name, bytes) -> list of (ZipInfo or name, bytes)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            for target, content in change(info.filename, source.read(info)):
                archive.writestr(target, content)
    return buffer.getvalue()


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def test_bad_input_costs_only_its_own_row(tmp_path):
    good, log, plan = _good_bundle(tmp_path)
    root = tmp_path / "caseload"
    root.mkdir()
    (root / "good.zip").write_bytes(good)
    (root / "corrupt.zip").write_bytes(good[: len(good) // 2])
    (root / "tampered.zip").write_bytes(_rezip(good, lambda name, content: [(
        name, content.replace(b",5,before_session", b",1,before_session")
        if name == "pain_log.csv" else content)]))
    (root / "escape.zip").write_bytes(_rezip(good, lambda name, content: [(name, content)] + (
        [("../escaped.txt", b"outside")] if name == "manifest.json" else [])))
    (root / "absolute.zip").write_bytes(_rezip(good, lambda name, content: [(name, content)] + (
        [(str(tmp_path / "absolute.txt"), b"outside")] if name == "manifest.json" else [])))
    (root / "link.zip").write_bytes(_rezip(good, lambda name, content: [
        (_symlink(name), b"/etc/passwd") if name == "plan.toml" else (name, content)]))
    (root / "nomanifest.zip").write_bytes(_rezip(good, lambda name, content: (
        [] if name == "manifest.json" else [(name, content)])))
    def swap_period(name, content):
        if name != "manifest.json":
            return [(name, content)]
        manifest = json.loads(content)
        manifest["period"] = {"start": "2026-12-31", "end": "2026-01-01"}
        return [(name, json.dumps(manifest).encode())]

    (root / "badperiod.zip").write_bytes(_rezip(good, swap_period))
    bad_row = root / "badrow"
    _patient(bad_row, weeks=2, pain_from=4, pain_to=4, stop_after_week=2)
    with (bad_row / "pain_log.csv").open("a", encoding="utf-8") as file:
        file.write("2026-03-20T08:00:00+01:00,eleven,check_in,,,\n")
    (root / "nolog").mkdir()
    (root / "notes.txt").write_text("not a patient")  # neither a zip nor a folder: ignored

    # the good bundle's last day (three weeks from START): its report's last day
    caseload = load_caseload(root, use_cache=False, as_of=date(2026, 3, 22))
    table = caseload.table.set_index("source")
    assert sorted(table.index) == sorted(["good.zip", "corrupt.zip", "tampered.zip",
                                          "escape.zip", "absolute.zip", "link.zip",
                                          "nomanifest.zip", "badperiod.zip", "badrow",
                                          "nolog"])
    expected = _report_numbers(log, plan)
    assert table.loc["good.zip", "problem"] == ""
    assert table.loc["good.zip", "adherence_overall"] == expected["adherence_overall"]
    problems = table["problem"].drop("good.zip")
    assert "not a readable zip" in problems["corrupt.zip"]
    assert "does not match its hash" in problems["tampered.zip"]
    assert "points outside the bundle" in problems["escape.zip"]
    assert "absolute path" in problems["absolute.zip"]
    assert "symbolic link" in problems["link.zip"]
    assert "no manifest.json" in problems["nomanifest.zip"]
    assert "starts (2026-12-31) after it ends" in problems["badperiod.zip"]
    assert "pain_log.csv, line" in problems["badrow"] and "'pain'" in problems["badrow"]
    assert "holds no log" in problems["nolog"]
    for sentence in problems:  # one sentence each, never a traceback
        assert "\n" not in sentence and "Traceback" not in sentence
    assert list(table["priority"].drop("good.zip").unique()) == [1]
    assert not (tmp_path / "escaped.txt").exists() and not (root.parent / "escaped.txt").exists()
    assert (tmp_path / "absolute.txt").exists() is False


def test_second_opening_comes_from_the_cache_until_a_file_changes(caseload_dir, tmp_path):
    root, patients = caseload_dir
    _, plan = patients["ann"]
    write_bundle(root / "ann", plan, root / "ann.zip", patient="Ann A")
    first = load_caseload(root, as_of=AS_OF)
    assert first.analysed == 4
    cache = root / CACHE_NAME
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    second = load_caseload(root, as_of=AS_OF)
    assert second.analysed == 0
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.weekly, second.weekly)
    # a changed log is read again; a changed bundle too
    with (root / "cat" / "pain_log.csv").open("a", encoding="utf-8") as file:
        file.write("2026-04-12T19:00:00+01:00,9,check_in,,yes,\n")
    write_bundle(root / "ann", plan, root / "ann.zip", patient="Ann Again")
    third = load_caseload(root, as_of=AS_OF)
    assert third.analysed == 2
    assert "Ann Again" in third.table["patient"].tolist()
    assert third.table.set_index("patient").loc["cat", "flags_total"] == len(
        summarise(load_log(root / "cat"), load_plan(root / "cat" / PLAN_NAME)).flags)


def test_a_cache_that_is_not_json_is_ignored(caseload_dir):
    root, _ = caseload_dir
    (root / CACHE_NAME).write_text("{not json")
    assert load_caseload(root, as_of=AS_OF).analysed == 3
    assert json.loads((root / CACHE_NAME).read_text())["version"] == CACHE_VERSION


def test_workers_give_the_same_table_as_one_process(caseload_dir):
    root, _ = caseload_dir
    alone = load_caseload(root, workers=1, use_cache=False, as_of=AS_OF)
    pooled = load_caseload(root, workers=2, use_cache=False, as_of=AS_OF)
    pd.testing.assert_frame_equal(alone.table, pooled.table)
    pd.testing.assert_frame_equal(alone.weekly, pooled.weekly)


def test_small_multiples_draw_one_panel_per_readable_patient(caseload_dir, tmp_path):
    root, _ = caseload_dir
    (root / "broken.zip").write_bytes(b"nope")
    caseload = load_caseload(root, use_cache=False, as_of=AS_OF)
    figure = small_multiples(caseload, limit=12, columns=2)
    shown = [ax for ax in figure.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in shown] == ["bob", "cat", "ann"]
    pain_line = shown[0].get_lines()[0]
    assert list(pain_line.get_ydata()) == caseload.weekly.loc[
        caseload.weekly["source"] == "bob", "pain"].tolist()
    figure.savefig(tmp_path / "multiples.png")


def test_caseload_table_files_are_owner_only_and_spreadsheet_safe(caseload_dir, tmp_path):
    root, _ = caseload_dir
    caseload = load_caseload(root, use_cache=False, as_of=AS_OF)
    csv_path = write_table(caseload, tmp_path / "table.csv")
    html_path = write_table(caseload, tmp_path / "table.html")
    for path in (csv_path, html_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    read = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert read["patient"].tolist() == ["bob", "cat", "ann"]
    page = html_path.read_text(encoding="utf-8")
    assert "<td><bdi>bob</bdi></td>" in page and "pain +3.4, 1.7x its threshold" in page


def test_the_html_caseload_groups_its_tiers_with_marks_and_says_when_it_was_made(
        caseload_dir, tmp_path):
    root, _ = caseload_dir
    (root / "junk.zip").write_bytes(b"junk")
    caseload = load_caseload(root, use_cache=False, as_of=AS_OF)
    page = caseload_html(caseload, made=date(2026, 4, 13))
    assert "Made 2026-04-13; numbers up to 2026-04-12." in page
    # the tiers in the order of the table, each headed by a mark that needs no colour
    unreadable = page.index("✖</span> Could not be read")
    needs_look = page.index("▲</span> Needs a look")
    assert unreadable < page.index("<bdi>junk</bdi>") < needs_look < page.index("<bdi>bob</bdi>")
    tiers = caseload.table["priority"].value_counts()
    assert f"Needs a look ({tiers[2]})" in page
    # the unreadable file's section shows its name and its problem, not empty numbers
    junk_section = page[unreadable:needs_look]
    assert "is not a readable zip file" in junk_section and "weeks</th>" not in junk_section
    # numbers right-aligned in their own cells
    weeks = int(caseload.table.set_index("patient").loc["bob", "weeks"])
    assert f"<td class=num>{weeks}</td>" in page


def test_caseload_command_prints_and_writes_the_table(caseload_dir, tmp_path, capsys):
    root, _ = caseload_dir
    (root / "junk.zip").write_bytes(b"junk")
    assert main(["caseload", str(root), "--as-of", AS_OF.isoformat()]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[1].split()[0] == "junk" and lines[2].split()[0] == "bob"
    assert "1 of 4 could not be read" in captured.err
    out = tmp_path / "t.csv"
    assert main(["caseload", str(root), "--out", str(out), "--as-of", "2026-04-12"]) == 0
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 4
    assert main(["caseload", str(root), "--out", str(tmp_path / "t.pdf")]) == 1
    assert main(["caseload", str(tmp_path / "missing")]) == 1
    assert "no caseload folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["caseload", str(empty)]) == 1
    assert "holds no bundle (.zip) and no log folder" in capsys.readouterr().err
    assert list(empty.iterdir()) == []  # nothing written into a folder with nothing to read


def _same_numbers(row: pd.Series, expected: dict, label: str) -> None:
    for column, value in expected.items():
        got = row[column]
        assert got == value or (isinstance(value, float) and math.isnan(value)
                                and math.isnan(got)), (label, column, got, value)


def test_demo_patients_rows_equal_their_own_reports(tmp_path):
    """Demo patients with flare-ups, missed weeks, stopped sessions and part weeks, one
    de-identified and one cut to a period, read as one caseload: each row equals the
    patient's own summarise up to the same day."""
    from backrelief_analysis.log.demo import write_demo

    root = tmp_path / "caseload"
    root.mkdir()
    plan = load_plan()
    sources = {}
    for seed in range(1, 7):
        folder = tmp_path / f"src{seed}"
        write_demo(folder, weeks=5 + 3 * seed, seed=seed, plan=plan)
        log = load_log(folder)
        if seed == 2:
            # shared on its last day: measured to its day of sharing, as its report is
            write_bundle(folder, plan, root / "anon.zip", deidentify=True,
                         shared_on=log.pain["date"].max().date())
            # its dates are moved: it runs to its own last day, as its report does
            sources["anon.zip"] = _report_numbers(log, plan)
        elif seed == 3:
            write_bundle(folder, plan, root / "part.zip", patient="Part",
                         start=date(2026, 9, 3), end=date(2026, 10, 27))
            sources["part.zip"] = _report_numbers(log, plan, start=date(2026, 9, 3),
                                                  end=date(2026, 10, 27))
        else:
            folder.rename(root / f"demo{seed}")
            sources[f"demo{seed}"] = log
    as_of = max(log.pain["date"].max() for log in sources.values()
                if not isinstance(log, dict)).date()
    for name, log in sources.items():
        if not isinstance(log, dict):
            sources[name] = _report_numbers(log, plan, end=as_of)
    table = load_caseload(root, use_cache=False, as_of=as_of).table.set_index("source")
    assert (table["problem"] == "").all() and (table["note"] == "").all()
    for name, expected in sources.items():
        if name == "anon.zip":
            expected = {k: v for k, v in expected.items() if k != "last_session"}
        _same_numbers(table.loc[name], expected, name)
    assert table["flags_total"].sum() > 0
    assert table["open_flags"].sum() > 0


def test_a_patient_who_stopped_logging_has_lower_recent_adherence(caseload_dir):
    """The numbers run to ``as_of`` for every patient: ann's six weeks end on 2026-04-12;
    two weeks later her last four weeks hold her weeks 5 and 6 and two empty ones."""
    root, _ = caseload_dir
    then = load_caseload(root, use_cache=False, as_of=AS_OF).table.set_index("patient")
    later = load_caseload(root, use_cache=False,
                          as_of=AS_OF + timedelta(days=14)).table.set_index("patient")
    # on her last day: weeks 3-6, 12 sessions of 12 prescribed
    assert then.loc["ann", "adherence_4wk"] == pytest.approx(100.0)
    # two weeks on: weeks 5-8, 6 sessions (weeks 5 and 6) of 4 x 3 = 12: 50 %
    assert later.loc["ann", "adherence_4wk"] == pytest.approx(50.0)
    # overall: 18 sessions of 8 x 3 = 24 prescribed: 75 %
    assert later.loc["ann", "adherence_overall"] == pytest.approx(75.0)
    assert later.loc["ann", "weeks"] == 8
    assert later.loc["ann", "period_end"] == "2026-04-26"
    # bob's after-scores of 7/10 in weeks 5 and 6 are still open, his rising run too
    assert later.loc["bob", "open_flags"] == 7
    # cat stopped after week 3: nothing in weeks 5-8
    assert later.loc["cat", "adherence_4wk"] == pytest.approx(0.0)


def test_a_day_before_a_patients_log_costs_only_their_row(caseload_dir, tmp_path):
    root, patients = caseload_dir
    _, plan = patients["bob"]
    write_bundle(root / "bob", plan, root / "later.zip", patient="Later",
                 start=date(2026, 3, 9), end=date(2026, 4, 5))
    early = tmp_path / "early"
    _patient(early, weeks=1, pain_from=4, pain_to=4, stop_after_week=1)
    early.rename(root / "early")
    # the numbers run to Sunday 2026-03-08: the six-week patients have one week, the bundle's
    # period has not begun
    table = load_caseload(root, use_cache=False, as_of=date(2026, 3, 8)).table.set_index(
        "source")
    assert "after the day the numbers run to (2026-03-08)" in table.loc["later.zip", "problem"]
    assert table.loc["ann", "problem"] == "" and table.loc["ann", "weeks"] == 1
    # a day before anyone's first entry: no entries up to it
    before = load_caseload(root, use_cache=False, as_of=date(2026, 3, 1)).table.set_index(
        "source")
    assert before.loc["ann", "problem"] == "the log has no entries up to 2026-03-01"


def test_as_of_must_be_a_date(caseload_dir, capsys):
    root, _ = caseload_dir
    with pytest.raises(ValueError, match="not a date"):
        load_caseload(root, use_cache=False, as_of="yesterday")
    with pytest.raises(SystemExit):
        main(["caseload", str(root), "--as-of", "2026-13-01"])
    assert "is not a date like" in capsys.readouterr().err


def _edge_patient(folder: Path, *, baseline_from: date | None = None):
    """Four weeks from a Wednesday (part weeks at both ends) with the cases the definitions
    single out: a session at 23:40 whose high after-score falls after midnight and whose next
    morning has settled, a session scored
    twice before (the last score counts), a session whose every block was skipped, a target
    that changes mid-week, and a flare-up over two days."""
    from dataclasses import replace

    from backrelief_analysis.plan import EarlierTarget

    exercise, pain = [], []
    start = date(2026, 3, 4)  # a Wednesday
    for offset in range(26):
        day = start + timedelta(days=offset)
        level = 6 - offset // 7
        sid = f"e{offset}"
        if offset == 5:  # late session, after-score past midnight, next morning high
            exercise += full(sid, _stamp(day, 23, 40))
            pain.append(score(_stamp(day, 23, 40), 3, "before_session", sid))
            pain.append(score(_stamp(day + timedelta(days=1), 0, 2), 6, "after_session", sid,
                              "no"))
            continue
        if offset == 6:
            pain.append(score(_stamp(day, 9), 4))  # the next morning: settled
            continue
        if offset == 9:  # all blocks skipped: not a session
            exercise += session(sid, _stamp(day, 8), ("tilt", "", 10, 0, "skipped"),
                                ("knee", "left", 10, 0, "skipped"),
                                ("knee", "right", 10, 0, "skipped"))
            pain.append(score(_stamp(day, 8), 9, "before_session", sid))
            pain.append(score(_stamp(day, 8, 30), 9, "after_session", sid, "no"))
            continue
        if day.weekday() in (0, 2, 4, 5):
            exercise += full(sid, _stamp(day, 8))
            pain.append(score(_stamp(day, 7, 50), level + 1, "before_session", sid))
            if offset == 12:  # a corrected before-score: the last one counts
                pain.append(score(_stamp(day, 7, 55), level + 3, "before_session", sid))
            flare = "yes" if offset in (16, 17) else "no"  # Friday and Saturday
            pain.append(score(_stamp(day, 8, 20), level, "after_session", sid, flare))
        else:
            pain.append(score(_stamp(day, 19), level))
    plan = replace(plan_of(target=4, baseline_days=5),
                   earlier_targets=(EarlierTarget(date(2026, 3, 18), 2),))
    if baseline_from is not None:
        plan = replace(plan, thresholds=replace(plan.thresholds, baseline_from=baseline_from))
    write_log(folder, exercise, pain)
    (folder / PLAN_NAME).write_text(plan_toml(plan), encoding="utf-8")
    return load_log(folder), load_plan(folder / PLAN_NAME)


def test_rows_agree_with_the_report_on_the_edge_cases_of_the_definitions(tmp_path):
    root = tmp_path / "caseload"
    patients = {"edge": _edge_patient(root / "edge"),
                "edge_from": _edge_patient(root / "edge_from", baseline_from=date(2026, 3, 9))}
    # both run from Wednesday 2026-03-04 for 26 days: their reports end on 2026-03-29
    table = load_caseload(root, use_cache=False, as_of=date(2026, 3, 29)).table.set_index(
        "source")
    assert (table["note"] == "").all()
    for name, (log, plan) in patients.items():
        _same_numbers(table.loc[name], _report_numbers(log, plan), name)
    # the cases are there: the late session's own after-score past midnight (6/10) is not its
    # next morning (4/10, settled), the flare is one flag over two days
    summary = summarise(*patients["edge"])
    assert set(summary.flags["kind"]) == {"pain_after", "flare"}
    assert summary.weekly_adherence["part"].iloc[0]
    assert summary.weekly_adherence["target"].iloc[2] == pytest.approx(3 + 1 / 7)
    assert table.loc["edge", "pain_baseline"] != table.loc["edge_from", "pain_baseline"]


def test_the_batch_reader_gives_every_row_note_and_problem_of_the_one_by_one_path(tmp_path):
    """Patients with quoted notes (commas, a newline), shared questionnaire set ids, a bad
    row, a repeated row, a torn last row, a short row...: read as one caseload, each row, note
    and problem sentence is the one each patient gets when read on their own."""
    from analysis_fixtures import write_odd_logs

    from backrelief_analysis.caseload.table import read_source

    folders = write_odd_logs(tmp_path / "caseload")
    fallback = load_plan().source.read_text(encoding="utf-8")
    as_of = date(2026, 12, 31)
    caseload = load_caseload(tmp_path / "caseload", use_cache=False, as_of=as_of)
    table = caseload.table.set_index("source")
    rows = {}
    for name, path in folders.items():
        alone = read_source(path, fallback, as_of=as_of)
        row = table.loc[path.name]
        for column, value in alone.row.items():
            if column not in table.columns and column != "source":
                continue  # a working column the table does not show
            got = row[column]
            assert got == value or (isinstance(value, float) and math.isnan(value)
                                    and math.isnan(got)), (name, column, got, value)
        weekly = caseload.weekly.loc[caseload.weekly["source"] == path.name]
        assert weekly.drop(columns="source").astype(object).where(
            weekly.drop(columns="source").notna(), None).to_numpy().tolist() == alone.weekly
        rows[name] = alone.row
    assert rows["quoted"]["problem"] == rows["plain"]["problem"] == ""
    assert rows["outcomes_a"]["outcomes"] == ("PEG 5.0 → 5.3 (no meaningful change yet); "
                                              "ODI 30 (one occasion so far: a verdict needs two)")
    assert rows["outcomes_b"]["outcomes"].endswith("ODI 12 (one occasion so far: a verdict "
                                                   "needs two)")
    assert "'pain'" in rows["bad_row"]["problem"]
    assert "repeat another row exactly" in rows["repeat"]["note"]
    assert "not loaded" in rows["torn"]["note"]
    assert "has 5 fields; expected 6" in rows["short"]["problem"]
    assert "'context'" in rows["choice_comma"]["problem"]
    assert rows["unclosed"]["problem"] or rows["unclosed"]["note"]
    assert all(row["note"] in ("", rows["repeat"]["note"], rows["torn"]["note"])
               for row in rows.values())


# --- measured to the caseload's day, ordered by size, rows that pair with their PDFs -------------


def _diary(folder: Path, *, days: int, start: date = START, pain=lambda _offset: 5) -> None:
    """Sessions every Monday, Wednesday and Friday and one check-in score every evening, for
    ``days`` days from ``start``; the score of day ``offset`` is ``pain(offset)``."""
    exercise, scores = [], []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() in (0, 2, 4):
            exercise += full(f"{folder.name}-{offset}", _stamp(day, 8))
        scores.append(score(_stamp(day, 19), pain(offset)))
    write_log(folder, exercise, scores)
    (folder / PLAN_NAME).write_text(plan_toml(plan_of(target=3)), encoding="utf-8")


def test_a_patient_who_stopped_needs_a_look_measured_to_the_caseloads_day(tmp_path):
    root = tmp_path / "caseload"
    _diary(root / "ann", days=42)  # 2026-03-02 .. 2026-04-12: logs up to the caseload's day
    _diary(root / "sid", days=21)  # 2026-03-02 .. 2026-03-22: 2026-04-12 - 03-22 = 21 days
    # a dropout: 2025-10-06 (a Monday) .. 2025-10-26; to 2026-04-12, month by month from the
    # 26th: 31 (to Nov 26) + 30 + 31 + 31 + 28 (to Mar 26) + 17 (to Apr 12) = 168 days
    _diary(root / "dee", days=21, start=date(2025, 10, 6))
    caseload = load_caseload(root, use_cache=False, as_of=AS_OF)
    table = caseload.table.set_index("patient")
    assert table["days_since_entry"].to_dict() == {"dee": 168, "sid": 21, "ann": 0}
    # more than stopped_after_days (7): both need a look; the longer silence first
    # (168 / 7 = 24 thresholds, 21 / 7 = 3)
    assert caseload.table["patient"].tolist() == ["dee", "sid", "ann"]
    assert table.loc["sid", "priority"] == table.loc["dee", "priority"] == 2
    # sid's last 4 weeks (2026-03-16 .. 04-12): 3 sessions of 4 x 3 = 25 %, below 80 %
    assert table.loc["sid", "adherence_4wk"] == 25
    assert table.loc["sid", "why"] == ("no entry for 21 days; adherence below cut-off, "
                                       "last 4 weeks")
    assert table.loc["dee", "why"].startswith("no entry for 168 days")
    assert table.loc["ann", "why"] == ""
    shown = display_table(caseload.table).set_index("patient")
    assert shown.loc["sid", "last entry"] == "21 days ago"
    assert shown.loc["ann", "last entry"] == "today"


def test_stopped_after_days_is_a_plan_setting(tmp_path):
    root = tmp_path / "caseload"
    _diary(root / "sid", days=21)  # silent for 21 days on 2026-04-12
    (root / "sid" / PLAN_NAME).write_text(plan_toml(plan_of(target=3, stopped_after_days=28)),
                                          encoding="utf-8")
    row = load_caseload(root, use_cache=False, as_of=AS_OF).table.iloc[0]
    assert "no entry" not in row["why"]  # 21 days is not more than 28


def test_within_a_tier_the_larger_change_in_its_own_threshold_comes_first(tmp_path):
    from outcome_fixtures import write_outcomes

    root = tmp_path / "caseload"
    # pia: pain 4 for three weeks, then 6: the first 7 days' mean 4, the last 7 days' 6:
    # +2.0 points, one threshold of 2 points (2.0 / 2 = 1.0)
    _diary(root / "pia", days=42, pain=lambda offset: 4 if offset < 21 else 6)
    # oli: pain steady at 5; ODI 20 -> 35, +15 points against 10: 1.5 thresholds
    _diary(root / "oli", days=42)
    write_outcomes(root / "oli", [("2026-03-02T09:00:00+01:00", "odi", [("total", 20)]),
                                  ("2026-04-06T09:00:00+01:00", "odi", [("total", 35)])])
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table
    assert table["patient"].tolist() == ["oli", "pia"]  # by kind, pain came first
    assert table["priority"].tolist() == [2, 2]
    assert table["why"].iloc[0] == "ODI +15, 1.5x its threshold"
    # the step from 4 to 6 in week 4 is also a weekly rise: one flag, a size of 1
    assert table["why"].iloc[1] == ("pain +2.0, 1.0x its threshold; 1 × weekly pain rising in "
                                    "the last 4 weeks")


def test_a_deidentified_row_is_measured_to_its_day_of_sharing_and_pairs_with_its_pdf(tmp_path):
    from pypdf import PdfReader

    from backrelief_analysis.share.bundle import SHARED_DAYS, open_bundle

    source = tmp_path / "src"
    _diary(source, days=21)  # 2026-03-02 (Monday) .. 2026-03-22 (Sunday)
    root = tmp_path / "caseload"
    root.mkdir()
    # shared three days after the last entry: 2026-03-25, a Wednesday of a fourth ISO week
    write_bundle(source, plan_of(target=3), root / "anon.zip", deidentify=True,
                 shared_on=date(2026, 3, 25))
    opened = open_bundle((root / "anon.zip").read_bytes(), "anon.zip")
    assert opened.manifest[SHARED_DAYS] == 3
    code = opened.manifest["patient_code"]
    # the caseload's own day is months later: a moved bundle is measured to its sharing instead
    caseload = load_caseload(root, use_cache=False, as_of=date(2026, 12, 1))
    row = caseload.table.iloc[0]
    assert row["patient"] == code
    assert row["days_since_entry"] == 3
    assert row["weeks"] == 4  # three whole ISO weeks and the sharing's week
    assert row["last_session"] == "day 19"  # Friday 2026-03-20, day 19 from 2026-03-02
    assert row["why"] == ""  # 3 days is not more than 7
    shown = display_table(caseload.table).iloc[0]
    assert shown["last entry"] == "3 days before sharing"
    pdf = PdfReader(io.BytesIO(zipfile.ZipFile(root / "anon.zip").read("report.pdf")))
    assert code in "".join(page.extract_text() for page in pdf.pages)


def test_an_older_deidentified_bundle_does_not_claim_a_silence_it_cannot_know(tmp_path):
    from backrelief_analysis.share.bundle import open_bundle, pack_bundle

    source = tmp_path / "src"
    _diary(source, days=21)
    root = tmp_path / "caseload"
    root.mkdir()
    shared = open_bundle(write_bundle(source, plan_of(target=3), tmp_path / "new.zip",
                                      deidentify=True, shared_on=date(2026, 4, 12)).read_bytes(),
                         "new.zip")
    # packed again as a bundle made before the manifest recorded the days before sharing
    older = pack_bundle(shared.files, patient=None, code=shared.manifest["patient_code"],
                        period=shared.manifest["period"], deidentified=True)
    (root / "older.zip").write_bytes(older.data)
    table = load_caseload(root, use_cache=False, as_of=AS_OF).table
    assert math.isnan(table["days_since_entry"].iloc[0])
    assert "no entry" not in table["why"].iloc[0]
    assert display_table(table)["last entry"].iloc[0] == ""


# --- the exercise that hurt most, on the hand-made log of signal_fixtures (counts in its
# docstring) ---


def test_the_caseload_names_the_exercise_that_hurt_most_in_the_recent_weeks(tmp_path):
    root = tmp_path / "caseload"
    # recent weeks: 2, so from Mon 03-02 (W10, W11) of a period from s0 (02-23) to 03-13
    signal_patient(root / "sig", recent_weeks=2)
    signal_patient(root / "quiet", signals=False, recent_weeks=2)
    caseload = load_caseload(root, as_of=date(2026, 3, 13))
    rows = caseload.table.set_index("source")
    # Bridge from 03-02: pain times s1-s5 = 5 of 6 offered (s0's stop for pain is earlier)
    assert rows.loc["sig", "exercise_pain"] == "Bridge hurt 5 of 6 times in the last 2 weeks"
    assert rows.loc["quiet", "exercise_pain"] == ""
    # the flag (the whole period: 6 pain times, s0-s5, of 7) reaches into the recent weeks
    assert rows.loc["sig", "open_flag_kinds"] == "1 × exercise hurt often"
    assert rows.loc["sig", "priority"] == 2 and rows.loc["quiet", "priority"] == 4
    assert "1 × exercise hurt often in the last 2 weeks" in rows.loc["sig", "why"]
    shown = display_table(caseload.table).set_index("patient")
    assert shown.loc["sig", "exercise that hurt"] == (
        "Bridge hurt 5 of 6 times in the last 2 weeks")
    assert "Bridge hurt 5 of 6 times in the last 2 weeks" in caseload_html(caseload)
    # the cached row holds it too
    again = load_caseload(root, as_of=date(2026, 3, 13))
    assert again.analysed == 0
    assert again.table.set_index("source").loc["sig", "exercise_pain"] == (
        "Bridge hurt 5 of 6 times in the last 2 weeks")


def test_an_exercise_flag_is_sized_by_its_times_over_its_threshold(tmp_path):
    root = tmp_path / "caseload"
    signal_patient(root / "sig")
    summary = summarise_patients({0: load_log(root / "sig")},
                                 {0: load_plan(root / "sig" / "plan.toml")},
                                 as_of=date(2026, 3, 13))
    # the whole period: 6 pain times over a threshold of 2
    assert summary.numbers.loc[0, "open_flag_size"] == 3.0
    assert summary.numbers.loc[0, "open_exercise_pain"] == 1


def test_a_folders_kept_plans_count_each_week_at_its_own_target(tmp_path):
    root = tmp_path / "caseload"
    _diary(root / "ann", days=42)  # 3 sessions a week, 2026-03-02 .. 04-12, plan.toml: 3 a week
    caseload = load_caseload(root, as_of=AS_OF)
    assert caseload.table.loc[0, "adherence_overall"] == 100
    # the patient accepted version 2 (5 a week) from week 5, Monday 2026-03-30
    v2 = replace(plan_of(target=5), version=2, valid_from=date(2026, 3, 30))
    save_accepted(root / "ann", v2, date(2026, 3, 28))
    again = load_caseload(root, as_of=AS_OF)
    assert again.analysed == 1  # a new kept plan is a change of the folder
    row = again.table.iloc[0]
    # weeks 1-4: 3 of 3 each; weeks 5-6: 3 of 5 each -> (12 + 6) / (12 + 10)
    assert row["adherence_overall"] == pytest.approx(100 * 18 / 22)
    # the last 4 weeks, 3-6: (3 + 3 + 3 + 3) / (3 + 3 + 5 + 5)
    assert row["adherence_4wk"] == pytest.approx(100 * 12 / 16)
    # the same as the patient's own report, which reads the history the same way
    log = load_log(root / "ann")
    own = _report_numbers(log, plan_for_log(log, load_plan(root / "ann" / PLAN_NAME)),
                          end=AS_OF)
    assert row["adherence_overall"] == pytest.approx(own["adherence_overall"])
    assert row["adherence_4wk"] == pytest.approx(own["adherence_4wk"])
    assert load_caseload(root, as_of=AS_OF).analysed == 0  # and cached while nothing changes


def test_a_kept_plan_that_cannot_be_read_costs_only_its_own_row(tmp_path):
    root = tmp_path / "caseload"
    _diary(root / "ann", days=14)
    _diary(root / "bob", days=14)
    (root / "bob" / "plans").mkdir()
    (root / "bob" / "plans" / "plan-v2-2026-03-09.toml").write_text("not = [toml")
    table = load_caseload(root, use_cache=False, as_of=date(2026, 3, 15)).table
    problems = table.set_index("patient")["problem"]
    assert problems["ann"] == ""
    assert problems["bob"].startswith("bob/plans/plan-v2-2026-03-09.toml: not valid TOML")
