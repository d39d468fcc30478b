"""Run every test, notebooks included, away from the user's own log and plan."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_isolated: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # nbval kernels inherit this environment: a notebook under test must never read or write
    # data/log/ (a user's real log would also change the checked outputs)
    folder = tempfile.mkdtemp(prefix="backrelief-test-log-")
    _isolated.append(folder)
    os.environ["BACKRELIEF_DATA_DIR"] = folder
    os.environ.pop("BACKRELIEF_PLAN", None)
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _isolated:
        shutil.rmtree(folder, ignore_errors=True)
