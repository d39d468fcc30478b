"""The demo caseload: synthetic patients as share bundles, each with its own seed and story,
and one damaged bundle to show how a problem reads.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from .. import paths
from ..log.demo import DEMO_START, DemoStory, generate_demo, generate_outcomes, generate_signals
from ..log.store import LogStore
from ..plan import load_plan
from ..share.bundle import (
    write_bundle,
)

STOPS_AFTER_WEEKS = 8  # the demo caseload's second patient stops exercising then


def _demo_weeks(index: int) -> int:
    """How many weeks the demo caseload's patient number ``index`` (from 0) has logged."""
    return 10 + 2 * index


def demo_caseload_day(patients: int = 4) -> date:
    """The day the demo caseload's numbers run to: the last day of its diaries.

    The demo is made from fixed dates, so the notebook shows it as of this day, not today.
    """
    return DEMO_START + timedelta(weeks=_demo_weeks(patients - 1), days=-1)


def write_demo_caseload(folder: Path | str, patients: int = 4) -> Path:
    """A caseload of synthetic demo patients as share bundles, and one damaged bundle.

    Each patient is a demo log (:func:`~backrelief_analysis.log.demo.generate_demo`) with its own
    seed, length and story, so the rows differ; ``damaged.zip`` shows how a problem reads.
    """
    out = Path(folder)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    plan = load_plan(paths.DEFAULT_PLAN_FILE)
    stories = [DemoStory(), DemoStory(missed_week=9, flare_week=10, pain_start=4.0,
                                      pain_end=6.5),
               DemoStory(missed_week=3, flare_week=4, pain_start=7.0, pain_end=5.5,
                         hurting_weeks=0),
               DemoStory(missed_week=6, flare_week=2, pain_start=5.0, pain_end=1.5,
                         hurting_weeks=2)]
    with tempfile.TemporaryDirectory() as work:
        for index in range(patients):
            log_dir = Path(work) / str(index)
            weeks, story = _demo_weeks(index), stories[index % len(stories)]
            # every diary ends on the demo's day: the patients began at different times
            start = DEMO_START + timedelta(weeks=_demo_weeks(patients - 1) - weeks)
            blocks, entries = generate_demo(weeks, seed=index + 1, plan=plan, start=start,
                                            story=story)
            if index % len(stories) == 1:  # this patient stops exercising after week 8 ...
                cut = start.toordinal() + STOPS_AFTER_WEEKS * 7
                blocks = [b for b in blocks if b.session_started_at.date().toordinal() < cut]
                # ... and so gives no more session scores, only rest-day check-ins
                held = {block.session_id for block in blocks}
                entries = [entry for entry in entries
                           if not entry.session_id or entry.session_id in held]
            store = LogStore(log_dir)
            store.extend_blocks(blocks)
            store.extend_pain(entries)
            store.extend_signals(generate_signals(blocks, entries, weeks, seed=index + 1,
                                                  plan=plan, start=start, story=story))
            for occasion in generate_outcomes(weeks, seed=index + 1, start=start, story=story):
                store.extend_outcomes(occasion)
            write_bundle(log_dir, plan, out / f"demo-patient-{index + 1}.zip",
                         patient=f"Demo patient {index + 1}",
                         source_note="Synthetic demo data, not a real patient.")
    (out / "damaged.zip").write_bytes(b"PK\x03\x04 this bundle was cut short in transit")
    return out


__all__ = [
    "demo_caseload_day",
    "write_demo_caseload",
]
