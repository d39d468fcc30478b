"""Short exercise plans for the tests, built from a few keywords: as TOML text, a file or a Plan.

Every test that needs a plan of its own makes it here, so the plan's fields are spelled in one
place. Exercises are dicts with the fields of a plan's ``[[exercise]]`` table;
:data:`PELVIC_TILT`, :data:`KNEE_TO_CHEST` and :data:`BRIDGE` are the shipped plan's exercises
made short (1 s holds), :data:`TILT` and :data:`KNEE` the engine tests' two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backrelief_analysis.plan import Plan, parse_plan

BOTH_SIDES = ("left", "right")


def exercise(id: str, name: str, instructions: str, *, hold_s: Any = 1, reps: Any = 2,
             release_s: Any = 1, sides: Sequence[str] = ()) -> dict[str, Any]:
    """One ``[[exercise]]`` table; ``sides`` is left out when empty (the plan's default)."""
    fields = {"id": id, "name": name, "instructions": instructions, "hold_s": hold_s,
              "reps": reps, "release_s": release_s}
    return fields | ({"sides": list(sides)} if sides else {})


PELVIC_TILT = exercise("pelvic_tilt", "Pelvic tilt",
                       "Flatten the small of your back onto the floor.")
KNEE_TO_CHEST = exercise("knee_to_chest", "Knee to chest", "Bring one knee up towards your chest.",
                         sides=BOTH_SIDES)
BRIDGE = exercise("bridge", "Bridge", "Lift your hips off the floor.", hold_s=2, reps=4)
TILT = exercise("tilt", "Tilt", "Tilt.")
KNEE = exercise("knee", "Knee", "Knee.", sides=BOTH_SIDES)


def plan_data(*exercises: dict[str, Any], name: str = "Test plan", target: Any = 3,
              **pauses: Any) -> dict[str, Any]:
    """A plan as parsed TOML: ``pauses`` are top-level fields such as ``get_ready_s``."""
    return {"name": name, "target_sessions_per_week": target, **pauses,
            "exercise": [dict(fields) for fields in exercises]}


def plan_text(*exercises: dict[str, Any], name: str = "Test plan", target: Any = 3,
              **pauses: Any) -> str:
    """The same plan as TOML text, one ``key = value`` a line, as a clinician writes it."""
    data = plan_data(*exercises, name=name, target=target, **pauses)
    tables = data.pop("exercise")
    blocks = [_lines(data)] + [f"[[exercise]]\n{_lines(fields)}" for fields in tables]
    return "\n".join(blocks)


def write_plan(path: Path, *exercises: dict[str, Any], name: str = "Test plan",
               target: Any = 3, **pauses: Any) -> Path:
    """Write :func:`plan_text` to ``path`` (UTF-8) and return the path."""
    path.write_text(plan_text(*exercises, name=name, target=target, **pauses), encoding="utf-8")
    return path


def short_plan(*, hold: float = 3, reps: int = 2, release: float = 2, rest: float = 4,
               target: int = 3, name: str = "short",
               exercises: Sequence[dict[str, Any]] = (TILT, KNEE)) -> Plan:
    """A parsed plan of ``exercises`` (by default :data:`TILT` then :data:`KNEE`, on both sides),
    every one with the same hold, reps and release."""
    timed = [fields | {"hold_s": hold, "reps": reps, "release_s": release}
             for fields in exercises]
    return parse_plan(plan_data(*timed, name=name, target=target,
                                rest_between_exercises_s=rest))


def _lines(fields: dict[str, Any]) -> str:
    # json's strings and lists are TOML's too; numbers are written as Python writes them
    return "".join(f"{key} = {value!r}\n" if isinstance(value, int | float)
                   else f"{key} = {json.dumps(value)}\n" for key, value in fields.items())
