"""The exercise plan: a TOML file, validated field by field.

A plan names the exercises (hold, reps, release, sides), the weekly target and the clinical
thresholds the analysis uses. Every threshold has one home, :class:`Thresholds`, whose defaults
are the kit's clinical reference numbers; a plan file may override any of them.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import paths

SIDES = ("left", "right")
GET_READY_S = 15.0  # time to get down onto the floor after pressing Start
SWITCH_SIDE_S = 5.0  # time to change sides between the blocks of a two-sided exercise
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
# bounds of a plan, far beyond any home programme, so a typo cannot ask for a billion reps
MAX_REPS = 100  # reps of one exercise (per side)
MAX_SECONDS = 600  # any hold, release or pause, in seconds
MAX_EXERCISES = 50  # exercises in one plan
MAX_PLAN_BYTES = 1_000_000  # a plan file is a few kilobytes; larger is not a plan
MAX_SIDE_NAME_CHARS = 40  # "left leg", "left arm": a few words, said aloud
MAX_SESSIONS_PER_WEEK = 21  # three a day: more is a typing slip
SHOWN_CHARACTERS = 40  # a wrong value is quoted in an error up to this length
MAX_CHANGES = 100  # lines in a version's change list
MAX_CHANGE_CHARS = 200  # one line of the change list: "Knee to chest: 12 reps (was 10)"
TOML_WIDTH = 96  # the writer wraps long instructions at about this many characters
DIRECTIONS = ("up", "down")  # the ways next_plan steps an accepted exercise
# a change of exactly a threshold (a fall of 2.0 points, say) meets it despite float rounding:
# every comparison with a Thresholds value allows this much
ROUNDING_SLACK = 1e-9


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the file, exercise and field."""


def _allowed(low: float, high: float | None, *, whole: bool = False) -> dict[str, Any]:
    """The values a threshold may take, kept beside its default (read by the plan check)."""
    return {"low": low, "high": high, "whole": whole}


@dataclass(frozen=True)
class Thresholds:
    """Clinical yardsticks, each with its default and its source (``shared/CLINICAL.md``).

    Attributes
    ----------
    pain_change_points, pain_change_percent
        A meaningful change in pain: this many NPRS points or this percentage of the baseline
        (Ostelo et al. 2008; Farrar et al. 2001). Defaults 2 points, 30 %.
    min_change_points
        A change smaller than this is never called meaningful, in either direction, whatever
        its percentage: below the minimal detectable change (1.77 points for specific low back
        pain). Default 1 point.
    baseline_days
        The baseline is the mean of the first this-many days that have a pain score in the
        whole log, whatever period is shown. Default 7.
    baseline_from
        A later start for the baseline (a new episode): its first day, or None for the start of
        the log. A plan setting, no default date.
    pain_after_max
        Pain during or after exercise up to this score is acceptable (Silbernagel et al. 2007,
        tested in Achilles tendinopathy). Default 5.
    settle_margin_points
        Pain has settled when the first score of the next local day that is not part of the
        session is within this many points of the session's pain before (Silbernagel et al.
        2007, as the kit applies it). Default 1 point.
    rising_points, rising_weeks
        A weekly rise: the weekly mean at least ``rising_points`` above the week before, or
        above the mean of up to ``rising_weeks`` weeks before over weeks that each rose
        (Silbernagel et al. 2007: pain should not rise from week to week). Defaults 1 point,
        2 weeks.
    min_sessions_for_interval
        The fewest sessions with both scores before the session effect is given a confidence
        interval (a t interval from fewer is not honest). Default 5.
    adherence_percent
        Operational adherence cut-off, percent of prescribed sessions. Default 80 %.
    traffic_light_fine_max, traffic_light_caution_max
        Clinic-handout bands (0-3 fine, 4-5 caution, 6-10 too much): a guide, not validated.
    psfs_change_points, psfs_activity_change_points
        A meaningful change in the Patient-Specific Functional Scale: this many points for the
        mean of the activities, or for one activity (Stratford et al. 1995).
    odi_change_points
        A meaningful change in the Oswestry Disability Index total, 0-100 (Ostelo et al. 2008).
    rmdq_change_points
        A meaningful change in the Roland-Morris Disability Questionnaire total, 0-24
        (Ostelo et al. 2008).
    peg_change_percent
        A meaningful fall in the PEG score, percent of its first score. Krebs et al. (2009) set
        no threshold for the PEG; this is the general pain-measure rule (Farrar et al. 2001).
    questionnaire_every_days
        The outcome questionnaires are due this many days after the last one.
    min_occasions
        Occasions of an outcome measure needed before its change gets a verdict. Default 2
        (the first against the latest).
    latest_days
        "Latest" pain is the mean of the daily means of the last this-many days with a score
        in the period. Default 7.
    recent_weeks
        The caseload's "recent" adherence and open flags count back this many ISO weeks from
        the day the numbers run to (the Monday of the this-many-th last week). Default 4.
    stopped_after_days
        The caseload puts a patient with no session or pain score for more than this many days
        before the day the numbers run to among those who need a look. Default 7.
    trend_min_days, trend_min_weeks
        A pain trend is estimated only from this many days with a score, spread over at least
        this many ISO weeks (the slope is fitted on weekly means). Defaults 10 and 4.
    association_min_count
        Fewest days or sessions on each side of an association (pain after a day with a
        session against without, completed against not) before its means are shown. Default 5.
    exercise_pain_times, exercise_pain_percent
        An exercise is flagged when, in the period, the patient marked it as hurting or
        stopped it for pain at least ``exercise_pain_times`` times, and in at least
        ``exercise_pain_percent`` of the times it was done or stopped for pain. The kit's own
        defaults, 2 times and 50 %: ``shared/CLINICAL.md`` gives no number for it, so a
        physiotherapist sets their own. Pain during exercise is associated with poorer
        adherence (Jack et al. 2010).
    progression_weeks
        A progression suggestion looks at this many weeks back from the analysis day
        (``shared/CLINICAL.md``, "Progression": the pain-monitoring model as a loading rule).
        Default 2.
    """

    pain_change_points: float = field(default=2, metadata=_allowed(0, 10))
    pain_change_percent: float = field(default=30, metadata=_allowed(0, 100))
    min_change_points: float = field(default=1, metadata=_allowed(0, 10))
    baseline_days: int = field(default=7, metadata=_allowed(1, None, whole=True))
    baseline_from: date | None = field(default=None, metadata={"date": True})
    pain_after_max: float = field(default=5, metadata=_allowed(0, 10))
    settle_margin_points: float = field(default=1, metadata=_allowed(0, 10))
    rising_points: float = field(default=1, metadata=_allowed(0, 10))
    rising_weeks: int = field(default=2, metadata=_allowed(1, None, whole=True))
    min_sessions_for_interval: int = field(default=5, metadata=_allowed(2, None, whole=True))
    adherence_percent: float = field(default=80, metadata=_allowed(0, 100))
    traffic_light_fine_max: int = field(default=3, metadata=_allowed(0, 10, whole=True))
    traffic_light_caution_max: int = field(default=5, metadata=_allowed(0, 10, whole=True))
    psfs_change_points: float = field(default=2, metadata=_allowed(0, 10))
    psfs_activity_change_points: float = field(default=3, metadata=_allowed(0, 10))
    odi_change_points: float = field(default=10, metadata=_allowed(0, 100))
    rmdq_change_points: float = field(default=5, metadata=_allowed(0, 24))
    peg_change_percent: float = field(default=30, metadata=_allowed(0, 100))
    questionnaire_every_days: int = field(default=14, metadata=_allowed(1, None, whole=True))
    # occasions of a questionnaire before its change gets a verdict (first against latest)
    min_occasions: int = field(default=2, metadata=_allowed(2, None, whole=True))
    # days with a score whose mean is the "latest" pain, against the baseline
    latest_days: int = field(default=7, metadata=_allowed(1, None, whole=True))
    # ISO weeks back from the day the numbers run to: the caseload's recent adherence and flags
    recent_weeks: int = field(default=4, metadata=_allowed(1, None, whole=True))
    # days without any entry before the caseload says the patient may have stopped
    stopped_after_days: int = field(default=7, metadata=_allowed(1, None, whole=True))
    # days with a score, in at least this many weeks, before a pain trend is estimated
    trend_min_days: int = field(default=10, metadata=_allowed(2, None, whole=True))
    trend_min_weeks: int = field(default=4, metadata=_allowed(2, None, whole=True))
    # fewest days or sessions on each side of an association before its means are shown
    association_min_count: int = field(default=5, metadata=_allowed(1, None, whole=True))
    # an exercise that hurt or was stopped for pain this often (and this share of its times)
    exercise_pain_times: int = field(default=2, metadata=_allowed(1, None, whole=True))
    exercise_pain_percent: float = field(default=50, metadata=_allowed(0, 100))
    # weeks back from the analysis day a progression suggestion looks at (CLINICAL.md)
    progression_weeks: int = field(default=2, metadata=_allowed(1, None, whole=True))


@dataclass(frozen=True)
class Progression:
    """How an exercise's load may rise, in the physiotherapist's steps, up to their ceilings.

    Attributes
    ----------
    reps_step
        Reps added at one step (whole, 1 or more).
    hold_step_s
        Seconds added to the hold at one step (0 or more; 0: the hold never steps).
    max_reps
        The most reps a step may reach (at least the exercise's reps).
    max_hold_s
        The longest hold a step may reach (at least the exercise's hold).
    """

    reps_step: int
    hold_step_s: float
    max_reps: int
    max_hold_s: float


@dataclass(frozen=True)
class Exercise:
    """One exercise of a plan.

    ``sides`` is empty for an exercise done once per rep, or ``("left", "right")`` when the
    reps are done on each side. ``side_names`` says them aloud, one per side in the same order
    (``("left leg", "right leg")``); empty for "left side" and "right side". ``progression``
    holds the steps and ceilings of its load (an ``[exercise.progression]`` table), None when
    the plan gives none.
    """

    id: str
    name: str
    instructions: str
    hold_s: float
    reps: int
    release_s: float
    sides: tuple[str, ...] = ()
    side_names: tuple[str, ...] = ()
    progression: Progression | None = None

    @property
    def blocks(self) -> tuple[str, ...]:
        """The sides this exercise is done on, ``("",)`` when it has none."""
        return self.sides or ("",)

    def _steps(self) -> Progression:
        if self.progression is None:
            raise ValueError(f"{self.name} has no [exercise.progression] table: its steps are "
                             "the physiotherapist's to set in the plan")
        return self.progression

    def step_up(self) -> tuple[int, float] | None:
        """The next step of load as ``(reps, hold_s)``, or None at the ceiling.

        Reps rise first, by ``reps_step`` and never past ``max_reps`` (9 + 2 with a ceiling of
        10 gives 10); once the reps are at their ceiling the hold rises by ``hold_step_s``, never
        past ``max_hold_s``. Both at their ceiling (or a hold step of 0): None.

        Raises
        ------
        ValueError
            The exercise has no progression table.
        """
        steps = self._steps()
        if self.reps < steps.max_reps:
            return min(self.reps + steps.reps_step, steps.max_reps), self.hold_s
        if steps.hold_step_s > 0 and self.hold_s < steps.max_hold_s:
            return self.reps, min(self.hold_s + steps.hold_step_s, steps.max_hold_s)
        return None

    def step_down(self) -> tuple[int, float] | None:
        """The step back as ``(reps, hold_s)``: reps fall by ``reps_step``, not below 1.

        The hold is left as it is: the plan keeps no starting hold to go back to, so a shorter
        hold is the physiotherapist's to write. A step up then down gives the reps back when no
        ceiling or floor clipped them. None when the reps are already 1.

        Raises
        ------
        ValueError
            The exercise has no progression table.
        """
        steps = self._steps()
        if self.reps <= 1:
            return None
        return max(self.reps - steps.reps_step, 1), self.hold_s

    def with_step(self, reps: int, hold_s: float) -> Exercise:
        """This exercise with another ``reps`` and ``hold_s`` (a new Exercise).

        Raises
        ------
        ValueError
            Reps not a whole number from 1 to :data:`MAX_REPS`, or a hold not above 0 and at
            most :data:`MAX_SECONDS`.
        """
        if not _whole(reps) or not 1 <= reps <= MAX_REPS:
            raise ValueError(f"{self.name}: reps must be a whole number from 1 to {MAX_REPS}, "
                             f"not {_shown(reps)}")
        if not _seconds(hold_s, above_zero=True):
            raise ValueError(f"{self.name}: the hold must be above 0 and at most {MAX_SECONDS} "
                             f"s, not {_shown(hold_s)}")
        return replace(self, reps=reps, hold_s=hold_s)


@dataclass(frozen=True)
class EarlierTarget:
    """A weekly session target that applied up to and including ``until``."""

    until: date
    sessions_per_week: int


@dataclass(frozen=True)
class PlanVersion:
    """One accepted version of a plan: its number, first day (None: from the start) and what
    changed from the version before, in words."""

    version: int
    valid_from: date | None
    changes: tuple[str, ...] = ()

    @property
    def is_change(self) -> bool:
        """Whether it changed an earlier version (a version above 1, or one naming changes)."""
        return self.version > 1 or bool(self.changes)


@dataclass(frozen=True)
class Plan:
    """A home exercise plan.

    ``earlier_targets`` keeps the weekly targets of earlier versions of the plan (oldest first),
    so that past weeks are counted against what was prescribed at the time. ``get_ready_s`` is
    the time between pressing Start and the first hold (to get down onto the floor), and
    ``switch_side_s`` the pause between the two sides of an exercise. ``version`` counts the
    plan's versions from 1, ``valid_from`` is the first day this version applies (None: from
    the start) and ``changes`` says in words what changed from the version before.
    ``history`` holds the kept versions up to this one, oldest first (attached by
    :func:`~backrelief_analysis.log.plans.plan_in_force`; empty for a plan read from one file):
    it says where the charts and the report mark a change. It takes no part in comparing plans:
    it is how the plan was reached, not what it prescribes, and no plan file holds it.
    """

    name: str
    target_sessions_per_week: int
    rest_between_exercises_s: float
    exercises: tuple[Exercise, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)
    source: Path | None = None
    earlier_targets: tuple[EarlierTarget, ...] = ()
    get_ready_s: float = GET_READY_S
    switch_side_s: float = SWITCH_SIDE_S
    version: int = 1
    valid_from: date | None = None
    changes: tuple[str, ...] = ()
    history: tuple[PlanVersion, ...] = field(default=(), compare=False)

    def changes_between(self, first: date, last: date) -> tuple[PlanVersion, ...]:
        """The versions of :attr:`history` that are changes (:attr:`PlanVersion.is_change`) and
        apply from a day in ``first``..``last`` (inclusive), oldest first."""
        return tuple(kept for kept in self.history if kept.is_change
                     and kept.valid_from is not None and first <= kept.valid_from <= last)

    def target_on(self, day: date) -> int:
        """The weekly session target in force on ``day``."""
        for earlier in self.earlier_targets:
            if day <= earlier.until:
                return earlier.sessions_per_week
        return self.target_sessions_per_week

    def exercise(self, exercise_id: str) -> Exercise:
        """Return the exercise with this id."""
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise KeyError(exercise_id)

    @property
    def target_text(self) -> str:
        """The weekly target in words, noting earlier targets without naming their dates."""
        count = self.target_sessions_per_week
        text = f"{count} session{'' if count == 1 else 's'} a week"
        if self.earlier_targets:
            text += " (weeks before the last change keep the target of the time)"
        return text

    def neutral_ids(self, ids: Iterable[str]) -> dict[str, str]:
        """Neutral stand-ins for the exercise ids this plan does not name, in first-seen order.

        An id the plan does not name (``kowalska_postop_2026-11-22``, left by an older plan or
        a hand edit) was typed by someone and may say anything; a de-identified output shows
        ``exercise-1``, ``exercise-2``, ... instead. The hyphen keeps a stand-in apart from
        every id a plan can name (those are ``[a-z][a-z0-9_]*``).

        Examples
        --------
        >>> plan.neutral_ids(["pelvic_tilt", "old_one", "older", "old_one"])  # doctest: +SKIP
        {'old_one': 'exercise-1', 'older': 'exercise-2'}
        """
        named = {exercise.id for exercise in self.exercises}
        unknown = dict.fromkeys(value for value in ids if value not in named)
        return {value: f"exercise-{number}" for number, value in enumerate(unknown, start=1)}

    def summary_lines(self) -> list[str]:
        """One line per exercise, e.g. ``"Knee to chest: 5 s hold x 10 reps, each side"``."""
        lines = []
        for exercise in self.exercises:
            each = ", each side" if exercise.sides else ""
            reps = f"{exercise.reps} rep{'s' * (exercise.reps != 1)}"
            lines.append(f"{exercise.name}: {exercise.hold_s:g} s hold x {reps}{each}")
        return lines


def same_plan(plan: Plan) -> object:
    """A key equal for plans that differ only in the file they were read from."""
    try:
        key = replace(plan, source=None)
        hash(key)
    except TypeError:  # a plan with an unhashable part: itself alone
        return id(plan)
    return key


def _is_number(value: Any) -> bool:
    """A finite number (TOML also allows ``inf`` and ``nan``, which no plan field means)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: Any) -> str:
    """A value for an error message as the plan's writer typed it: short, never Python's repr
    (no ``None``, no doubled quotes), a table or list only named (it may be huge or nested a
    thousand deep)."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | int | float):
        text = str(value)
    else:
        text = f"'{' '.join(str(value).split())}'"
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"


def _whole(value: Any) -> bool:
    """Whether ``value`` is a whole number as TOML writes one (an int, never a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _a_day(value: Any) -> bool:
    """Whether ``value`` is a TOML date (a local date, not a date with a time)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _sessions_a_week(value: Any) -> bool:
    """Whether ``value`` is a weekly target: a whole number from 1 to the maximum."""
    return _whole(value) and 1 <= value <= MAX_SESSIONS_PER_WEEK


def _wrong(what: str, value: Any) -> str:
    """The reason a field is refused: it is missing, or what it must be and what it was."""
    if value is None:
        return f"is missing: give {what}"
    return f"must be {what}, not {_shown(value)}"


def _unknown(name: Any, known: Any, kind: str = "field") -> str:
    """An unknown key, with the closest known one when one is close (a typo, mostly)."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"field {_shown(str(name))}: is not a known {kind}{hint}"


def _sides_problem(sides: Any) -> str:
    """Why ``sides`` cannot be used, naming what was given; "" when it can."""
    choices = " or ".join(f"'{side}'" for side in SIDES)
    if not isinstance(sides, list):
        return (f"must list the sides the reps are done on ({choices}, or both), or be left "
                f"out, not {_shown(sides)}")
    for side in sides:
        if not isinstance(side, str):
            return f"{_shown(side)} is not a side: use {choices}"
        if side not in SIDES:
            close = difflib.get_close_matches(side, SIDES, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"{_shown(side)} is not a side{hint}: use {choices}"
    for side in SIDES:
        if sides.count(side) > 1:
            return f"names '{side}' twice"
    return ""


def _seconds(value: Any, *, above_zero: bool = False) -> bool:
    """A number of seconds within the plan's bounds."""
    low_ok = _is_number(value) and (value > 0 if above_zero else value >= 0)
    return low_ok and value <= MAX_SECONDS


def _check_exercise(raw: Any, index: int, problems: list[str]) -> Exercise | None:
    if not isinstance(raw, dict):
        problems.append(f"exercise #{index}: must be a table of fields")
        return None
    problems_before = len(problems)
    label = f"exercise #{index}" + (f" ({_shown(raw['id'])})" if isinstance(raw.get("id"), str)
                                    else "")

    def bad(name: str, reason: str) -> None:
        problems.append(f"{label}, field '{name}': {reason}")

    for name in ("id", "name", "instructions"):
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            bad(name, "is missing or empty")
    if isinstance(raw.get("id"), str) and raw["id"] and not _SLUG.match(raw["id"]):
        bad("id", "must be a slug of lower-case letters, digits and '_'")
    hold = raw.get("hold_s")
    hold_ok = _seconds(hold, above_zero=True)
    if not hold_ok:
        bad("hold_s", _wrong(f"a number of seconds above 0 and at most {MAX_SECONDS}", hold))
    reps = raw.get("reps")
    reps_ok = _whole(reps) and 1 <= reps <= MAX_REPS
    if not reps_ok:
        bad("reps", _wrong(f"a whole number from 1 to {MAX_REPS}", reps))
    release = raw.get("release_s", 0)
    if not _seconds(release):
        bad("release_s", _wrong(f"a number of seconds from 0 to {MAX_SECONDS}", release))
    sides = raw.get("sides", [])
    if problem := _sides_problem(sides):
        bad("sides", problem)
    side_names = _side_names(raw, bad)
    progression = _check_progression(raw.get("progression"), f"{label}, progression", problems,
                                     reps=reps if reps_ok else 1, hold=hold if hold_ok else 0)
    known = {f.name for f in fields(Exercise)}
    for name in sorted(set(raw) - known)[:5]:
        problems.append(f"{label}, {_unknown(name, known)}")
    if len(problems) > problems_before:
        return None
    return Exercise(
        id=raw["id"],
        name=raw["name"].strip(),
        instructions=" ".join(raw["instructions"].split()),
        hold_s=hold,
        reps=reps,
        release_s=release,
        sides=tuple(sides),
        side_names=side_names,
        progression=progression,
    )


_PROGRESSION_FIELDS = tuple(f.name for f in fields(Progression))


def _check_progression(raw: Any, label: str, problems: list[str], *, reps: int,
                       hold: float) -> Progression | None:
    """An exercise's optional ``[exercise.progression]``: every field given, each in bounds.

    ``reps`` and ``hold`` are the exercise's own (1 and 0 when those are wrong themselves, so
    only their own problem is named): the ceilings may not lie below them.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"{label}: must be a table of {', '.join(_PROGRESSION_FIELDS)}")
        return None
    before = len(problems)
    rules = {
        "reps_step": (True, 1, MAX_REPS, "a whole number of reps from 1 to {high}"),
        "hold_step_s": (False, 0, MAX_SECONDS, "a number of seconds from 0 to {high}"),
        "max_reps": (True, reps, MAX_REPS,
                     "a whole number from {low} (the exercise's reps) to {high}"),
        "max_hold_s": (False, hold, MAX_SECONDS,
                       "a number of seconds from {low:g} (the exercise's hold_s) to {high}"),
    }
    for name, (whole, low, high, words) in rules.items():
        value = raw.get(name)
        kind_ok = _whole(value) if whole else _is_number(value)
        if not kind_ok or not low <= value <= high:
            what = words.format(low=low, high=high)
            problems.append(f"{label}, field '{name}': {_wrong(what, value)}")
    for name in sorted(set(raw) - set(rules))[:5]:
        problems.append(f"{label}, {_unknown(name, rules, 'progression field')}")
    if len(problems) > before:
        return None
    return Progression(reps_step=raw["reps_step"], hold_step_s=raw["hold_step_s"],
                       max_reps=raw["max_reps"], max_hold_s=raw["max_hold_s"])


def _side_names(raw: dict[str, Any], bad: Callable[[str, str], None]) -> tuple[str, ...]:
    """An exercise's optional ``side_names``: one short name per side, in the order of ``sides``."""
    if "side_names" not in raw:
        return ()
    names = raw["side_names"]
    sides = raw.get("sides", [])
    count = len(sides) if isinstance(sides, list) else 0
    if (not isinstance(names, list) or len(names) != count
            or any(not isinstance(name, str) or not name.strip()
                   or len(name) > MAX_SIDE_NAME_CHARS for name in names)):
        bad("side_names", "must give one name for each side in 'sides', in the same order, "
                          f"each at most {MAX_SIDE_NAME_CHARS} characters, e.g. "
                          "[\"left leg\", \"right leg\"]")
        return ()
    return tuple(" ".join(name.split()) for name in names)


def _check_thresholds(raw: Any, problems: list[str]) -> Thresholds:
    if raw is None:
        return Thresholds()
    if not isinstance(raw, dict):
        problems.append("field 'thresholds': must be a table")
        return Thresholds()
    known = {f.name: f.metadata for f in fields(Thresholds)}
    values = {}
    for name, value in raw.items():
        if name not in known:
            problems.append(f"thresholds, {_unknown(name, known, 'threshold')}")
            continue
        if known[name].get("date"):
            if not _a_day(value):
                problems.append(f"thresholds, field '{name}': must be a date like 2026-10-05, "
                                f"not {_shown(value)}")
            else:
                values[name] = value
            continue
        low, high, whole = known[name]["low"], known[name]["high"], known[name]["whole"]
        kind = "a whole number" if whole else "a number"
        span = f"from {low:g} to {high:g}" if high is not None else f"of {low:g} or more"
        if (not _is_number(value) or value < low or (high is not None and value > high)
                or (whole and value != int(value))):
            problems.append(f"thresholds, field '{name}': must be {kind} {span}, "
                            f"not {_shown(value)}")
        else:
            values[name] = int(value) if whole else value
    thresholds = Thresholds(**values)
    if thresholds.traffic_light_fine_max > thresholds.traffic_light_caution_max:
        problems.append("thresholds, field 'traffic_light_fine_max': must not be above "
                        "traffic_light_caution_max")
    return thresholds


def _check_earlier_targets(raw: Any, problems: list[str]) -> tuple[EarlierTarget, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("field 'earlier_target': must be a list of [[earlier_target]] tables")
        return ()
    targets = []
    for index, entry in enumerate(raw, start=1):
        label = f"earlier_target #{index}"
        if not isinstance(entry, dict) or set(entry) != {"until", "sessions_per_week"}:
            problems.append(f"{label}: needs exactly 'until' (a date) and 'sessions_per_week'")
            continue
        until, target = entry["until"], entry["sessions_per_week"]
        if not _a_day(until):
            problems.append(f"{label}, field 'until': must be a date like 2026-10-04")
        elif not _sessions_a_week(target):
            problems.append(f"{label}, field 'sessions_per_week': must be a whole number "
                            f"from 1 to {MAX_SESSIONS_PER_WEEK}, not {_shown(target)}")
        elif targets and until <= targets[-1].until:
            problems.append(f"{label}, field 'until': must come after the one before it")
        else:
            targets.append(EarlierTarget(until, target))
    return tuple(targets)


def parse_plan(data: dict[str, Any], source: Path | None = None) -> Plan:
    """Build a :class:`Plan` from parsed TOML, raising one :class:`PlanError` for all problems."""
    problems: list[str] = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("field 'name': is missing or empty")
    target = data.get("target_sessions_per_week")
    if not _sessions_a_week(target):
        problems.append("field 'target_sessions_per_week': "
                        + _wrong(f"a whole number from 1 to {MAX_SESSIONS_PER_WEEK}", target))
    defaults = {"rest_between_exercises_s": 0, "get_ready_s": GET_READY_S,
                "switch_side_s": SWITCH_SIDE_S}
    pauses = {key: data.get(key, default) for key, default in defaults.items()}
    for key, value in pauses.items():
        if not _seconds(value):
            problems.append(f"field '{key}': must be a number of seconds from 0 to "
                            f"{MAX_SECONDS}, not {_shown(value)}")
    raw_exercises = data.get("exercise")
    exercises: list[Exercise] = []
    if not isinstance(raw_exercises, list) or not raw_exercises:
        problems.append("no [[exercise]] tables: a plan needs at least one exercise")
    elif len(raw_exercises) > MAX_EXERCISES:
        problems.append(f"[[exercise]]: a plan holds at most {MAX_EXERCISES} exercises, "
                        f"not {len(raw_exercises)}")
    else:
        for index, raw in enumerate(raw_exercises, start=1):
            exercise = _check_exercise(raw, index, problems)
            if exercise is not None:
                exercises.append(exercise)
        seen: set[str] = set()
        for exercise in exercises:
            if exercise.id in seen:
                problems.append(f"exercise '{exercise.id}', field 'id': is used twice")
            seen.add(exercise.id)
    thresholds = _check_thresholds(data.get("thresholds"), problems)
    earlier = _check_earlier_targets(data.get("earlier_target"), problems)
    version, valid_from, changes = _check_version(data, problems)
    known_top = {"name", "target_sessions_per_week", *pauses, "exercise", "thresholds",
                 "earlier_target", "version", "valid_from", "changes"}
    for unknown in sorted(set(data) - known_top)[:5]:
        problems.append(_unknown(unknown, known_top, "plan field"))
    if problems:
        where = str(source) if source else "plan"
        raise PlanError(f"{where}: " + "; ".join(problems))
    return Plan(
        name=name.strip(),
        target_sessions_per_week=target,
        rest_between_exercises_s=pauses["rest_between_exercises_s"],
        exercises=tuple(exercises),
        thresholds=thresholds,
        source=source,
        earlier_targets=earlier,
        get_ready_s=pauses["get_ready_s"],
        switch_side_s=pauses["switch_side_s"],
        version=version,
        valid_from=valid_from,
        changes=changes,
    )


def _check_version(data: dict[str, Any], problems: list[str]
                   ) -> tuple[int, date | None, tuple[str, ...]]:
    """The plan's ``version`` (default 1), ``valid_from`` (default None) and ``changes``."""
    version = data.get("version", 1)
    if not _whole(version) or version < 1:
        problems.append(f"field 'version': must be a whole number of 1 or more, not "
                        f"{_shown(version)}")
        version = 1
    valid_from = data.get("valid_from")
    if valid_from is not None and not _a_day(valid_from):
        problems.append("field 'valid_from': must be a date like 2026-12-07 (the first day this "
                        f"version applies), not {_shown(valid_from)}")
        valid_from = None
    changes = data.get("changes", [])
    if (not isinstance(changes, list) or len(changes) > MAX_CHANGES
            or any(not isinstance(line, str) or not line.strip()
                   or len(line) > MAX_CHANGE_CHARS for line in changes)):
        problems.append(f"field 'changes': must be a list of at most {MAX_CHANGES} short "
                        f"sentences, each at most {MAX_CHANGE_CHARS} characters, e.g. "
                        "[\"Knee to chest: 12 reps (was 10)\"]")
        changes = []
    return version, valid_from, tuple(" ".join(line.split()) for line in changes)


def load_plan(path: Path | str | None = None) -> Plan:
    """Load and validate a plan.

    Parameters
    ----------
    path
        A plan TOML file; by default ``$BACKRELIEF_PLAN`` or the shipped default plan.

    Returns
    -------
    Plan

    Raises
    ------
    PlanError
        One error naming the file, and for each problem the exercise and the field.
    """
    plan_path = Path(path) if path is not None else paths.plan_file()
    try:
        with plan_path.open("rb") as file:
            raw = file.read(MAX_PLAN_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(f"{plan_path}: no such plan file") from None
    except IsADirectoryError:
        raise PlanError(f"{plan_path}: is a folder, not a plan file") from None
    except OSError as error:
        raise PlanError(f"{plan_path}: cannot be read ({error.strerror or error})") from None
    return plan_from_bytes(raw, plan_path)


def plan_from_bytes(raw: bytes, source: Path) -> Plan:
    """Read and validate a plan file's bytes; ``source`` names it in every error.

    Raises
    ------
    PlanError
        As :func:`load_plan`: too large, not UTF-8, not TOML, nested too deeply, or not a plan.
    """
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(f"{source}: is larger than {MAX_PLAN_BYTES // 1_000_000} MB, far too "
                        "large for a plan file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise PlanError(f"{source}: line {line} is not UTF-8 text (byte {error.start + 1} "
                        "is not valid); save it as UTF-8") from None
    # tomllib reads nested arrays and inline tables by recursion, and a deep value is deep to
    # check: a plan nested beyond Python's limit is one sentence too, never a traceback
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{source}: not valid TOML ({error})") from None
    except RecursionError:
        raise PlanError(f"{source}: is nested too deeply to be a plan") from None
    try:
        return parse_plan(data, source=source)
    except RecursionError:
        raise PlanError(f"{source}: is nested too deeply to be a plan") from None


# --- writing and stepping a plan -------------------------------------------------------------


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL, which JSON leaves bare, is not
    allowed bare in TOML."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_text(text: str, indent: int) -> str:
    """A long text as a TOML multi-line string broken after spaces, each line ending in ``\\``
    (which TOML removes with the line break and the next line's leading spaces); a short one as
    one basic string. A break falls only between a space and a letter, so no space is lost."""
    if indent + len(text) <= TOML_WIDTH:
        return _toml_string(text)
    lines = [""]
    width = TOML_WIDTH - indent - len('"""')  # the first line follows the key
    for piece in re.split(r"(?<=\S )(?=\S)", text):
        written = _toml_string(piece)[1:-1]  # escaped, as it will stand in the line
        if lines[-1] and len(lines[-1]) + len(written) >= width:  # and the "\\" at its end
            lines.append("")
            width = TOML_WIDTH
        lines[-1] += written
    return '"""' + "\\\n".join(lines) + '"""'


def _toml_number(value: float) -> str:
    """A number as a clinician writes it: ``5`` for five, ``2.5`` for two and a half."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _toml_number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return _toml_string(str(value))


def _toml_lines(values: dict[str, Any]) -> list[str]:
    return [f"{key} = {_toml_value(value)}" for key, value in values.items()]


def plan_toml(plan: Plan) -> str:
    """The plan as TOML text a clinician can read, which :func:`parse_plan` reads back the same.

    ``parse_plan(tomllib.loads(plan_toml(plan)))`` equals ``replace(plan, source=None)``. Only
    the thresholds that differ from the kit's defaults are written (the rest keep theirs);
    ``valid_from`` and ``changes`` only when set; long instructions are broken over lines.
    """
    lines = ["# An exercise plan for backrelief (see the README's \"Your plan\").",
             f"name = {_toml_string(plan.name)}",
             f"version = {plan.version}"]
    if plan.valid_from is not None:
        lines.append(f"valid_from = {plan.valid_from.isoformat()}  # the first day it applies")
    if plan.changes:
        lines += ["changes = [  # what changed from the version before",
                  *(f"  {_toml_string(line)}," for line in plan.changes), "]"]
    lines += _toml_lines({"target_sessions_per_week": plan.target_sessions_per_week,
                          "rest_between_exercises_s": plan.rest_between_exercises_s,
                          "get_ready_s": plan.get_ready_s,
                          "switch_side_s": plan.switch_side_s})
    for exercise in plan.exercises:
        lines += ["", "[[exercise]]", f"id = {_toml_string(exercise.id)}",
                  f"name = {_toml_string(exercise.name)}",
                  f"instructions = {_toml_text(exercise.instructions, len('instructions = '))}",
                  *_toml_lines({"hold_s": exercise.hold_s, "reps": exercise.reps,
                                "release_s": exercise.release_s,
                                "sides": exercise.sides})]
        if exercise.side_names:
            lines.append(f"side_names = {_toml_value(exercise.side_names)}")
        if exercise.progression is not None:
            lines += ["[exercise.progression]  # the physiotherapist's steps and ceilings",
                      *_toml_lines(vars(exercise.progression))]
    for earlier in plan.earlier_targets:
        lines += ["", "[[earlier_target]]  # a weekly target of an earlier version",
                  *_toml_lines(vars(earlier))]
    defaults = vars(Thresholds())
    changed = {key: value for key, value in vars(plan.thresholds).items()
               if value != defaults[key]}
    if changed:
        lines += ["", "[thresholds]  # only those that differ from the kit's defaults",
                  *_toml_lines(changed)]
    return "\n".join(lines) + "\n"


def next_monday(day: date) -> date:
    """The Monday after ``day`` (a Monday gives the Monday a week later)."""
    return day + timedelta(days=7 - day.weekday())


def carried_targets(before: Plan, valid_from: date, target: int) -> tuple[EarlierTarget, ...]:
    """The earlier targets of a plan that replaces ``before`` from ``valid_from`` on.

    Every day before ``valid_from`` keeps the target ``before`` gave it (its own earlier
    targets included); an entry whose target is the one of the days after it is left out, so a
    target that never changed adds nothing. ``target`` is the new plan's weekly target.
    """
    last = valid_from - timedelta(days=1) if valid_from > date.min else None
    kept = [] if last is None else [
        *(earlier for earlier in before.earlier_targets if earlier.until < last),
        EarlierTarget(last, before.target_on(last))]
    tidy: list[EarlierTarget] = []
    following = target
    for earlier in reversed(kept):  # newest first: drop one that says what follows it
        if earlier.sessions_per_week != following:
            tidy.append(earlier)
            following = earlier.sessions_per_week
    return tuple(reversed(tidy))


def _seconds_text(value: float) -> str:
    return f"{value:g} s"


def _reps_text(value: int) -> str:
    return f"{value} rep{'s' * (value != 1)}"


def step_words(exercise: Exercise, reps: int, hold_s: float) -> str:
    """A change of load in plain words: ``"Knee to chest: 12 reps (was 10)"``,
    ``"Bridge: 6 s hold (was 5 s)"``; both parts when both change."""
    parts = []
    if reps != exercise.reps:
        parts.append(f"{_reps_text(reps)} (was {exercise.reps})")
    if hold_s != exercise.hold_s:
        parts.append(f"{_seconds_text(hold_s)} hold (was {_seconds_text(exercise.hold_s)})")
    return f"{exercise.name}: {', '.join(parts) or 'no change'}"


def next_plan(plan: Plan, accept: Iterable[str], *, valid_from: date,
              direction: Mapping[str, str] | None = None) -> Plan:
    """The next version of ``plan``: each accepted exercise one step up (or down).

    Parameters
    ----------
    plan
        The plan in force.
    accept
        Ids of the exercises whose step the physiotherapist approved and the patient accepted.
    valid_from
        The first day of the new version (by default callers offer :func:`next_monday` of
        today); it must come after ``plan.valid_from``.
    direction
        ``"up"`` (the default) or ``"down"`` by exercise id.

    Returns
    -------
    Plan
        The same exercises and settings with the accepted steps, ``version`` one higher,
        ``valid_from`` set, ``changes`` saying each step in words, earlier targets carried so
        that days before ``valid_from`` keep the weekly target of their time, and no source.

    Raises
    ------
    ValueError
        Naming every refusal at once: an id the plan does not name, an exercise with no
        progression table or already at its ceiling (or at one rep, stepping down), a direction
        other than up or down, no exercise accepted, or ``valid_from`` not after the plan's own.
    """
    ids = list(dict.fromkeys(accept))
    ways = dict(direction or {})
    problems = [f"direction for '{key}' must be 'up' or 'down', not {_shown(way)}"
                for key, way in ways.items() if way not in DIRECTIONS]
    if not ids:
        problems.append("no exercise was accepted, so there is no step to make")
    if plan.valid_from is not None and valid_from <= plan.valid_from:
        problems.append(f"valid_from {valid_from.isoformat()} must come after the plan's own "
                        f"({plan.valid_from.isoformat()})")
    named = {exercise.id: exercise for exercise in plan.exercises}
    steps: dict[str, tuple[int, float]] = {}
    for key in ids:
        exercise = named.get(key)
        if exercise is None:
            problems.append(f"the plan names no exercise {_shown(key)} (it has "
                            f"{', '.join(named)})")
            continue
        if exercise.progression is None:
            problems.append(f"{exercise.name} has no [exercise.progression] table, so it has "
                            "no step")
            continue
        down = ways.get(key) == "down"
        step = exercise.step_down() if down else exercise.step_up()
        if step is None:
            problems.append(f"{exercise.name} is at its {'floor of 1 rep' if down else 'ceiling'}"
                            f" ({_reps_text(exercise.reps)}, {_seconds_text(exercise.hold_s)} "
                            f"hold): it cannot step {'down' if down else 'up'}")
            continue
        steps[key] = step
    if problems:
        raise ValueError("; ".join(problems))
    exercises = tuple(exercise.with_step(*steps[exercise.id]) if exercise.id in steps
                      else exercise for exercise in plan.exercises)
    changes = tuple(step_words(named[key], *steps[key]) for key in ids)
    # a plan that knows its history passes it on, ending with the new version
    history = (*plan.history, PlanVersion(plan.version + 1, valid_from, changes)
               ) if plan.history else ()
    return replace(plan, exercises=exercises, version=plan.version + 1, valid_from=valid_from,
                   changes=changes, source=None, history=history,
                   earlier_targets=carried_targets(plan, valid_from,
                                                   plan.target_sessions_per_week))
