"""The physiotherapist's round trip for one patient: open their bundle or log folder, read the
progression suggestions, write the next plan with the steps approved.

Shared by ``backrelief plan suggest`` / ``plan next`` and notebook 04. The suggestions are
prompts (:mod:`~backrelief_analysis.analysis.progression`); nothing here changes a patient's
plan: the file written goes to the patient, who accepts it in the app.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..analysis.periods import DayLike, to_day
from ..analysis.progression import Step, Suggestion, suggest_progression
from ..log.plans import plan_in_force
from ..log.store import Log, load_log, now_local, write_private
from ..plan import Plan, PlanError, load_plan, next_monday, next_plan, parse_plan, plan_toml
from ..share.bundle import (
    MAX_BUNDLE_BYTES,
    PLAN_NAME,
    BundleError,
    load_files,
    open_bundle,
    read_regular,
)
from ..words.progression import suggestion_line


class PatientError(ValueError):
    """A bundle or folder that cannot be opened, or a step that cannot be taken: one sentence."""


def open_patient(source: Path | str, fallback: Plan, day: date | None = None
                 ) -> tuple[Log, Plan]:
    """A patient's log and the plan in force: a bundle's own, or a log folder's (the last it
    accepted by ``day``, default today, else the folder's own ``plan.toml``, as the caseload
    reads it, else ``fallback``).

    Raises
    ------
    PatientError
        Naming the source and what is wrong with it.
    """
    path = Path(source)
    try:
        if path.is_dir():
            own = path / PLAN_NAME
            base = load_plan(own) if own.is_file() else fallback
            return load_log(path), plan_in_force(path, day or now_local().date(), base)
        opened = open_bundle(read_regular(path, MAX_BUNDLE_BYTES), path.name)
        log, _ = load_files(opened.files)
        plan = parse_plan(tomllib.loads(opened.files[PLAN_NAME].decode("utf-8")),
                          source=Path(f"{path.name}:{PLAN_NAME}"))
    except (BundleError, PlanError, OSError, ValueError) as error:
        raise PatientError(f"{path.name}: {error}") from None
    return log, plan


@dataclass(frozen=True)
class NextPlan:
    """A next plan written: the plan, where, and a note for each step the rule did not
    suggest (the physiotherapist decides; the note says what the rule saw)."""

    plan: Plan
    path: Path
    notes: tuple[str, ...]


def write_next_plan(log: Log, plan: Plan, out: Path | str, *, accept: Iterable[str] = (),
                    down: Iterable[str] = (), valid_from: date | None = None,
                    as_of: DayLike = None) -> NextPlan:
    """Write the next version of ``plan`` to ``out`` (owner-only): each exercise of ``accept``
    one step up, each of ``down`` one step back, valid from ``valid_from`` (default the Monday
    after ``as_of``, the analysis day, or after today).

    Raises
    ------
    PatientError
        A step the plan cannot take (see :func:`~backrelief_analysis.plan.next_plan`), or
        ``out`` that is not a ``.toml`` file or is the plan in force itself.
    """
    out = Path(out)
    if out.suffix.lower() != ".toml":
        raise PatientError(f"a plan is a .toml file, so the file must end in .toml (got {out})")
    if plan.source is not None and out.exists() and out.resolve() == Path(plan.source).resolve():
        raise PatientError(f"{out} is the plan in force; write the next one beside it")
    up, back = list(accept), list(down)
    if not up and not back:
        raise PatientError("name the exercises whose step you approve")
    try:
        start = valid_from or next_monday(to_day(as_of).date() if as_of is not None
                                          else now_local().date())
        new = next_plan(plan, [*up, *back], valid_from=start,
                        direction=dict.fromkeys(back, "down"))
    except ValueError as error:
        raise PatientError(str(error)) from None
    suggested = {s.exercise: s for s in suggest_progression(log, plan, as_of=as_of)}
    notes = tuple(f"The rule suggested otherwise. {suggestion_line(hint)}"
                  for exercise in [*up, *back]
                  if (hint := suggested.get(exercise)) is not None
                  and hint.step is not (Step.STEP_BACK if exercise in back else Step.READY))
    return NextPlan(new, write_private(plan_toml(new).encode("utf-8"), out), notes)


def ready_ids(suggestions: Iterable[Suggestion]) -> list[str]:
    """The exercises the rule finds ready to progress (what notebook 04 offers to accept)."""
    return [s.exercise for s in suggestions if s.step is Step.READY]


__all__ = ["NextPlan", "PatientError", "open_patient", "ready_ids", "write_next_plan"]
