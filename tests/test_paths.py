"""Paths: the environment overrides and the fall-back to the demo data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from backrelief_analysis import paths
from backrelief_analysis.log.store import PAIN_COLUMNS, LogStore, PainEntry


def test_log_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    assert paths.log_dir() == tmp_path
    monkeypatch.delenv(paths.DATA_DIR_ENV)
    assert paths.log_dir() == paths.DEFAULT_LOG_DIR


def test_plan_file_follows_the_environment(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.PLAN_ENV, str(tmp_path / "mine.toml"))
    assert paths.plan_file() == tmp_path / "mine.toml"
    monkeypatch.delenv(paths.PLAN_ENV)
    assert paths.plan_file() == paths.DEFAULT_PLAN_FILE


def test_a_folder_without_rows_falls_back_to_the_demo(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    (tmp_path / "pain_log.csv").write_text(",".join(PAIN_COLUMNS) + "\n", encoding="utf-8")
    assert paths.analysis_dir() == (paths.DEMO_DIR, True)


def test_a_folder_with_one_row_is_the_users_log(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    LogStore(tmp_path).append_pain(PainEntry(datetime.now(UTC), 4, "check_in"))
    assert paths.analysis_dir() == (tmp_path, False)
