"""Hand-made questionnaire occasions, written as a real outcomes CSV file and read back.

Each occasion is ``(recorded_at, measure, [(item, score), ...])``; every occasion is its own
set. Hand-computed expectations for :data:`OCCASIONS`:

- PEG 7.0 (7, 6, 8) -> 5.0 -> 3.67 (4, 3, 4): change -3.33, -47.6 %: meaningful improvement.
- PSFS mean 3.0 -> 3.67 -> 5.0: +2.0, meets 2 points; lifting my son 3 -> 5 (+2), gardening
  4 -> 5 (+1), sitting at work 2 -> 5 (+3, the only activity meeting 3 points).
- ODI 34 -> 26: -8, under 10 points: no meaningful change yet.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from backrelief_analysis.log.store import LogStore, OutcomeEntry, load_log

Occasion = tuple[str, str, list[tuple[str, int]]]

OCCASIONS: list[Occasion] = [
    ("2026-08-31T09:00:00+01:00", "peg", [("pain", 7), ("enjoyment", 6), ("activity", 8)]),
    ("2026-08-31T09:01:00+01:00", "psfs",
     [("lifting my son", 3), ("gardening", 4), ("sitting at work", 2)]),
    ("2026-08-31T09:02:00+01:00", "odi", [("total", 34)]),
    ("2026-09-14T09:00:00+01:00", "peg", [("pain", 5), ("enjoyment", 4), ("activity", 6)]),
    ("2026-09-14T09:01:00+01:00", "psfs",
     [("lifting my son", 4), ("gardening", 4), ("sitting at work", 3)]),
    ("2026-11-16T09:00:00+00:00", "peg", [("pain", 4), ("enjoyment", 3), ("activity", 4)]),
    ("2026-11-16T09:01:00+00:00", "psfs",
     [("lifting my son", 5), ("gardening", 5), ("sitting at work", 5)]),
    ("2026-11-16T09:02:00+00:00", "odi", [("total", 26)]),
]


def entries(occasion: Occasion, set_id: str) -> list[OutcomeEntry]:
    """The store entries of one occasion."""
    recorded, measure, items = occasion
    moment = datetime.fromisoformat(recorded)
    return [OutcomeEntry(moment, set_id, measure, item, score) for item, score in items]


def write_outcomes(directory: Path, occasions: list[Occasion]) -> Path:
    """Write each occasion as one set with the store's own writer; return the folder."""
    store = LogStore(directory)
    for number, occasion in enumerate(occasions, start=1):
        store.extend_outcomes(entries(occasion, f"set-{number}"))
    return directory


def load_outcomes(directory: Path, occasions: list[Occasion]) -> pd.DataFrame:
    """``Log.outcomes`` of a log holding only these occasions."""
    return load_log(write_outcomes(directory, occasions)).outcomes


# The shipped demo's questionnaires (data/demo/outcomes_log.csv), computed by hand:
# PEG 2026-08-31 (5 + 6 + 6) / 3 = 5.67 -> 2026-11-09 (3 + 2 + 4) / 3 = 3.0: -2.67, -47 %;
# PSFS (4 + 3 + 5) / 3 = 4.0 -> (6 + 5 + 7) / 3 = 6.0: +2.0 (each activity +2, under 3);
# ODI 31 (2026-08-31) -> 18 (2026-11-22): -13. Only the PEG's rule is a percentage: the PSFS
# and ODI lines show none.
DEMO_LINES = (
    "PEG: baseline 5.7 (2026-08-31), latest 3.0 (2026-11-09), change -2.7, -47 % over 6 "
    "occasions: meaningful improvement (threshold: a 30 % fall from the first score and at least "
    "1 point",
    "PSFS: baseline 4.0 (2026-08-31), latest 6.0 (2026-11-09), change +2.0 over 6 "
    "occasions: meaningful improvement (threshold: 2 points (Stratford 1995))",
    "ODI: baseline 31 (2026-08-31), latest 18 (2026-11-22), change -13.0 over 2 "
    "occasions: meaningful improvement (threshold: 10 points (Ostelo 2008))",
    "PSFS 'Lifting the laundry basket': baseline 3.0 (2026-08-31), latest 5.0 (2026-11-09), "
    "change +2.0 over 6 occasions: no meaningful change yet",
)
