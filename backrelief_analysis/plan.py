"""The exercise plan: a TOML file, validated field by field.

A plan names the exercises (hold, reps, release, sides), the weekly target and the clinical
thresholds the analysis uses. Every threshold has one home, :class:`Thresholds`, whose defaults
are the kit's clinical reference numbers; a plan file may override any of them.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
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


@dataclass(frozen=True)
class Exercise:
    """One exercise of a plan.

    ``sides`` is empty for an exercise done once per rep, or ``("left", "right")`` when the
    reps are done on each side. ``side_names`` says them aloud, one per side in the same order
    (``("left leg", "right leg")``); empty for "left side" and "right side".
    """

    id: str
    name: str
    instructions: str
    hold_s: float
    reps: int
    release_s: float
    sides: tuple[str, ...] = ()
    side_names: tuple[str, ...] = ()

    @property
    def blocks(self) -> tuple[str, ...]:
        """The sides this exercise is done on, ``("",)`` when it has none."""
        return self.sides or ("",)


@dataclass(frozen=True)
class EarlierTarget:
    """A weekly session target that applied up to and including ``until``."""

    until: date
    sessions_per_week: int


@dataclass(frozen=True)
class Plan:
    """A home exercise plan.

    ``earlier_targets`` keeps the weekly targets of earlier versions of the plan (oldest first),
    so that past weeks are counted against what was prescribed at the time. ``get_ready_s`` is
    the time between pressing Start and the first hold (to get down onto the floor), and
    ``switch_side_s`` the pause between the two sides of an exercise.
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


def _sessions_a_week(value: Any) -> bool:
    """Whether ``value`` is a weekly target: a whole number from 1 to the maximum."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and 1 <= value <= MAX_SESSIONS_PER_WEEK)


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
    if not _seconds(hold, above_zero=True):
        bad("hold_s", _wrong(f"a number of seconds above 0 and at most {MAX_SECONDS}", hold))
    reps = raw.get("reps")
    if not isinstance(reps, int) or isinstance(reps, bool) or not 1 <= reps <= MAX_REPS:
        bad("reps", _wrong(f"a whole number from 1 to {MAX_REPS}", reps))
    release = raw.get("release_s", 0)
    if not _seconds(release):
        bad("release_s", _wrong(f"a number of seconds from 0 to {MAX_SECONDS}", release))
    sides = raw.get("sides", [])
    if problem := _sides_problem(sides):
        bad("sides", problem)
    side_names = _side_names(raw, bad)
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
    )


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
            if not isinstance(value, date) or isinstance(value, datetime):
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
        if not isinstance(until, date) or hasattr(until, "hour"):
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
    known_top = {"name", "target_sessions_per_week", *pauses, "exercise", "thresholds",
                 "earlier_target"}
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
    )


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
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(f"{plan_path}: is larger than {MAX_PLAN_BYTES // 1_000_000} MB, far too "
                        "large for a plan file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise PlanError(f"{plan_path}: line {line} is not UTF-8 text (byte {error.start + 1} "
                        "is not valid); save it as UTF-8") from None
    # tomllib reads nested arrays and inline tables by recursion, and a deep value is deep to
    # check: a plan nested beyond Python's limit is one sentence too, never a traceback
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{plan_path}: not valid TOML ({error})") from None
    except RecursionError:
        raise PlanError(f"{plan_path}: is nested too deeply to be a plan") from None
    try:
        return parse_plan(data, source=plan_path)
    except RecursionError:
        raise PlanError(f"{plan_path}: is nested too deeply to be a plan") from None
