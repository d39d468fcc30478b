"""Every plan the patient accepted, kept dated beside the log in ``<log folder>/plans/``.

Each accepted version is one TOML file, ``plan-v2-2026-12-07.toml`` (its version and the first
day it applies), owner-only like the log (folder 0o700, files 0o600) and never rewritten: a new
version is a new file, and a version not above the latest kept one is refused. The history
answers which plan was in force on a day (:func:`plan_in_force`), with the weekly targets of the
versions before it carried as earlier targets, so adherence counts each week against the plan
of its time; :func:`plan_changes` lists what changed and when, for charts and the report.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from filelock import FileLock

from .. import paths
from ..plan import (
    MAX_PLAN_BYTES,
    Plan,
    PlanError,
    PlanVersion,
    carried_targets,
    load_plan,
    parse_plan,
    plan_from_bytes,
    plan_toml,
)
from .store import DIR_MODE, FILE_MODE, Log, write_private

# a kept plan's file name: its version and the first day it applies
_KEPT = re.compile(r"^plan-v([0-9]+)-[0-9]{4}-[0-9]{2}-[0-9]{2}\.toml$")


def plans_dir(directory: Path | str) -> Path:
    """The folder of accepted plans inside the log folder ``directory``."""
    return Path(directory) / paths.PLANS_DIR_NAME


def _as_plan(plan: Plan | str) -> tuple[Plan, str]:
    """The plan and the text to keep: a physiotherapist's text is kept as written."""
    if isinstance(plan, Plan):
        return plan, plan_toml(plan)
    if len(plan.encode("utf-8")) > MAX_PLAN_BYTES:  # load_plan would refuse to read it back
        raise PlanError(f"plan: is larger than {MAX_PLAN_BYTES // 1_000_000} MB, far too large "
                        "for a plan")
    try:
        return parse_plan(tomllib.loads(plan)), plan
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"plan: not valid TOML ({error})") from None
    except RecursionError:
        raise PlanError("plan: is nested too deeply to be a plan") from None


def save_accepted(directory: Path | str, plan: Plan | str, accepted_at: datetime | date) -> Path:
    """Keep a plan the patient accepted, as ``plans/plan-v<version>-<valid_from>.toml``.

    Parameters
    ----------
    directory
        The log folder; ``plans/`` is made inside it, owner-only, on the first plan kept.
    plan
        The accepted plan, or its TOML text (kept as written, after a first line saying when it
        was accepted).
    accepted_at
        When the patient accepted it; written in the file's first line.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        The plan has no ``valid_from``, its version is not above the latest kept one, or it
        applies before the latest kept one does. A text that is not a plan is a
        :class:`~backrelief_analysis.plan.PlanError`.
    """
    accepted, text = _as_plan(plan)
    if accepted.valid_from is None:
        raise ValueError("a plan kept in the history needs valid_from, the first day it applies")
    folder = plans_dir(directory)
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # made by an older umask, or the folder was copied
        folder.chmod(DIR_MODE)
    with FileLock(folder / ".lock", mode=FILE_MODE):
        kept = plan_history(directory)
        if kept and accepted.version <= kept[-1].version:
            raise ValueError(f"version {accepted.version} is not above the latest kept plan, "
                             f"version {kept[-1].version}: a new plan needs version "
                             f"{kept[-1].version + 1} or more")
        latest_from = kept[-1].valid_from if kept else None
        if latest_from is not None and accepted.valid_from < latest_from:
            raise ValueError(f"version {accepted.version} would apply from "
                             f"{accepted.valid_from.isoformat()}, before version "
                             f"{kept[-1].version} (from {latest_from.isoformat()})")
        out = folder / f"plan-v{accepted.version}-{accepted.valid_from.isoformat()}.toml"
        header = f"# Accepted by the patient on {accepted_at.isoformat()}.\n"
        return write_private((header + text).encode("utf-8"), out)


def plan_history(directory: Path | str) -> list[Plan]:
    """Every kept plan, oldest version first (none without a ``plans/`` folder).

    Raises
    ------
    PlanError
        A kept file that cannot be read as a plan (naming it), or two files of one version.
    """
    folder = plans_dir(directory)
    if not folder.is_dir():
        return []
    return _checked([load_plan(path) for path in sorted(folder.iterdir())
                     if is_kept_name(path.name)])


def is_kept_name(name: str) -> bool:
    """Whether ``name`` is the name of a kept plan, ``plan-v<version>-<valid_from>.toml``."""
    return _KEPT.match(name) is not None


def kept_plans(files: Mapping[str, bytes], where: Path | str) -> list[Plan]:
    """:func:`plan_history` of plan files already read: ``files`` maps the kept files' names
    (others are left out) to their bytes, and ``where`` names their folder in errors."""
    return _checked([plan_from_bytes(files[name], Path(where) / name)
                     for name in sorted(files) if is_kept_name(name)])


def _checked(plans: list[Plan]) -> list[Plan]:
    """Kept plans by version; two of one version raise a ``PlanError`` naming both."""
    plans.sort(key=lambda plan: plan.version)
    for before, after in itertools.pairwise(plans):
        if before.version == after.version:
            raise PlanError(f"{before.source} and {after.source}: both are version "
                            f"{after.version}; keep one")
    return plans


def _in_force(plans: list[Plan], day: date) -> int | None:
    """The place in ``plans`` (by version) of the latest one whose valid_from is on or
    before ``day``; a plan without valid_from applies from the start."""
    found = None
    for index, plan in enumerate(plans):
        if plan.valid_from is None or plan.valid_from <= day:
            found = index
    return found


def plan_in_force(directory: Path | str, day: date, fallback: Plan) -> Plan:
    """The kept plan in force on ``day``, or ``fallback`` when none applies yet.

    Days before each kept version's ``valid_from`` keep the weekly target of the plan then in
    force (the fallback before the first kept version): those targets become the plan's
    ``earlier_targets``, each until the day before the next version's ``valid_from``, so the
    adherence of a log counts every week against the plan of its time. So for every day ``d``
    up to ``day``, ``plan_in_force(directory, day, fallback).target_on(d)`` is the target of
    ``plan_in_force(directory, d, fallback)``. A kept version's own earlier targets count only
    when it has no ``valid_from`` (it applies from the start); where the history changes them,
    the plan has no ``source`` (its file alone would not give the same plan). The plan's
    ``history`` lists the kept versions up to it, oldest first, so an analysis of the plan
    knows when it changed without reading the folder again; the fallback is returned as given.

    Raises
    ------
    PlanError
        A kept file that cannot be read (see :func:`plan_history`).
    """
    return fold_history(plan_history(directory), day, fallback)


def fold_history(plans: list[Plan], day: date, fallback: Plan) -> Plan:
    """:func:`plan_in_force` of kept ``plans`` (oldest version first), already read."""
    index = _in_force(plans, day)
    if index is None:
        return fallback
    folded = fallback
    for plan in plans[:index + 1]:
        earlier = (plan.earlier_targets if plan.valid_from is None else
                   carried_targets(folded, plan.valid_from, plan.target_sessions_per_week))
        # its file no longer says all of it: a copy of the file would lose the folded targets
        source = plan.source if earlier == plan.earlier_targets else None
        folded = replace(plan, earlier_targets=earlier, source=source)
    history = tuple(PlanVersion(plan.version, plan.valid_from, plan.changes)
                    for plan in plans[:index + 1])
    return replace(folded, history=history)


def plan_changes(directory: Path | str) -> list[tuple[date | None, int, tuple[str, ...]]]:
    """``(valid_from, version, changes)`` of every kept plan, oldest first: what changed when."""
    return [(plan.valid_from, plan.version, plan.changes) for plan in plan_history(directory)]


def plan_for_log(log: Log, fallback: Plan, history: list[Plan] | None = None) -> Plan:
    """The plan ``log`` is analysed against: the one kept in its folder in force on its last
    day with a session or pain score (what :func:`plan_in_force` gives, history and earlier
    targets included); ``fallback`` when it has no entry or its folder keeps no plan.
    ``history`` gives the kept plans already read (:func:`kept_plans`) in place of the folder's.

    Raises
    ------
    PlanError
        A kept file that cannot be read (see :func:`plan_history`).
    """
    days = [frame["date"].max() for frame in (log.exercise, log.pain) if len(frame)]
    if not days:
        return fallback
    plans = plan_history(log.directory) if history is None else history
    return fold_history(plans, max(days).date(), fallback)
