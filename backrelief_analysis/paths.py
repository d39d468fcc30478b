"""Where the kit reads and writes: the one module that decides paths.

Environment overrides
---------------------
``BACKRELIEF_DATA_DIR``
    The log directory (default ``data/log/`` in the checkout).
``BACKRELIEF_PLAN``
    A plan TOML file (default: the plan shipped inside the package).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_PLAN_FILE = PACKAGE_DIR / "default_plan.toml"
DEMO_DIR = PROJECT_DIR / "data" / "demo"
DEFAULT_LOG_DIR = PROJECT_DIR / "data" / "log"

DATA_DIR_ENV = "BACKRELIEF_DATA_DIR"
PLAN_ENV = "BACKRELIEF_PLAN"

EXERCISE_LOG_NAME = "exercise_log.csv"
PAIN_LOG_NAME = "pain_log.csv"
OUTCOMES_LOG_NAME = "outcomes_log.csv"
SIGNALS_LOG_NAME = "signals_log.csv"
SETTINGS_NAME = "settings.json"
PLANS_DIR_NAME = "plans"  # every plan the patient accepted, beside the log


def log_dir() -> Path:
    """Return the user's log directory: ``$BACKRELIEF_DATA_DIR`` or ``data/log/``."""
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else DEFAULT_LOG_DIR


def plan_file() -> Path:
    """Return the plan in use: ``$BACKRELIEF_PLAN`` or the shipped default plan."""
    value = os.environ.get(PLAN_ENV, "").strip()
    return Path(value).expanduser() if value else DEFAULT_PLAN_FILE


def has_log(directory: Path) -> bool:
    """Tell whether ``directory`` holds at least one row of a log."""
    for name in (EXERCISE_LOG_NAME, PAIN_LOG_NAME, OUTCOMES_LOG_NAME, SIGNALS_LOG_NAME):
        path = directory / name
        if not path.is_file():
            continue
        with path.open("rb") as file:
            file.readline()
            # a header alone is not a log: a first row makes the file longer than one line
            if file.read(1):
                return True
    return False


def analysis_dir() -> tuple[Path, bool]:
    """Return the directory to analyse and whether it is the demo data.

    The user's log when it has rows, else the shipped demo data.
    """
    directory = log_dir()
    if has_log(directory):
        return directory, False
    return DEMO_DIR, True
