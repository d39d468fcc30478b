"""The caseload's cache: a second opening trusts unchanged files by their size, times and inode."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from backrelief_analysis import paths
from backrelief_analysis.caseload import cache
from backrelief_analysis.caseload.table import load_caseload

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture
def two_patients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # every file counts as changed long enough ago for its times to be trusted
    monkeypatch.setattr(cache, "RECENT_CHANGE_NS", 0)
    root = tmp_path / "caseload"
    for name in ("amy", "ben"):
        shutil.copytree(DEMO, root / name)
    return root


def _change_last_pain_score(path: Path) -> None:
    """Rewrite the file in place, the same size, its old modification time put back."""
    before = path.stat()
    lines = path.read_bytes().split(b"\n")
    fields = lines[-2].split(b",")
    fields[1] = b"9" if fields[1] != b"9" else b"8"
    lines[-2] = b",".join(fields)
    path.write_bytes(b"\n".join(lines))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_unchanged_files_come_from_the_cache(two_patients: Path):
    first = load_caseload(two_patients)
    second = load_caseload(two_patients)
    assert (first.analysed, second.analysed) == (2, 0)
    pd.testing.assert_frame_equal(first.table, second.table)


def test_a_file_rewritten_with_its_old_size_and_time_is_read_again(two_patients: Path):
    load_caseload(two_patients)
    _change_last_pain_score(two_patients / "ben" / "pain_log.csv")
    again = load_caseload(two_patients)
    assert again.analysed == 1
    pd.testing.assert_frame_equal(again.table,
                                  load_caseload(two_patients, use_cache=False).table)


def test_a_file_touched_but_not_changed_is_not_analysed_again(two_patients: Path):
    load_caseload(two_patients)
    os.utime(two_patients / "amy" / "exercise_log.csv")
    assert load_caseload(two_patients).analysed == 0


def test_another_plan_for_folders_without_their_own_reads_them_again(two_patients: Path,
                                                                     tmp_path: Path):
    load_caseload(two_patients)
    plan = tmp_path / "plan.toml"
    plan.write_text(paths.plan_file().read_text(encoding="utf-8") + "\n# changed\n",
                    encoding="utf-8")
    assert load_caseload(two_patients, plan).analysed == 2
