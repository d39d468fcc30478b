"""The analysis' entry points: :func:`summarise_patients` for any number of patients at once,
and :func:`summarise`, the notebook's and the report's summary of one patient, made of the same
functions (one patient is a batch of one).

The period is taken from the data (first to last day with any entry), never from today's date,
so the same log always gives the same summary. Pass ``start``/``end`` to look at part of it,
and ``as_of`` to name the day the numbers run to (nothing after it counts).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from ..log.store import Log
from ..plan import Plan, PlanVersion
from . import adherence, associations, flags, outcomes, pain, signals
from .periods import (
    DATE_DTYPE,
    ONE,
    PATIENT,
    DayLike,
    keyed_weeks,
    keyed_within,
    patient_periods,
    period_bounds,
    to_day,
    unkeyed,
    within,
)

EXERCISE_COLUMNS = ("session_id", "date", "reps_done", "reps_target", "exercise", "side")
SIGNAL_COLUMNS = ("recorded_at", "signal", "value", "session_id", "exercise", "side", "days_ago",
                  "date")
PAIN_COLUMNS = pain.PAIN_NEEDS
DayOrDays = DayLike | Mapping[Hashable, DayLike]


def restrict_log(log: Log, start: DayLike = None, end: DayLike = None) -> Log:
    """A new Log holding only the rows whose local day lies in ``start``..``end`` (inclusive).

    The period comes from the exercise and pain logs; signals are kept by the day they were
    given (the analysis keeps an answer about a session by the session's day).
    """
    first, last = period_bounds([log.exercise["date"], log.pain["date"]], start, end)
    return replace(log, exercise=within(log.exercise, first, last),
                   pain=within(log.pain, first, last), outcomes=within(log.outcomes, first, last),
                   signals=within(log.signals, first, last))


@dataclass(frozen=True)
class ProgressSummary:
    """Everything the progress notebook and the physiotherapist report show.

    Frames are described in the functions that make them (see each field's module).
    """

    plan: Plan
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    sessions: pd.DataFrame  # adherence.sessions
    weekly_adherence: pd.DataFrame  # adherence.weekly_adherence
    exercise_adherence: pd.DataFrame  # adherence.exercise_adherence
    days_exercised: pd.DataFrame  # adherence.days_exercised
    streaks: adherence.Streaks
    daily_pain: pd.DataFrame  # pain.daily_pain (over the whole period)
    weekly_pain: pd.DataFrame  # pain.weekly_pain
    baseline: pain.PainChange
    trend: pain.Trend
    session_effects: pd.DataFrame  # pain.session_effects
    session_effect: pain.SessionEffect
    weekly_reps_pain: pd.DataFrame  # associations.weekly_reps_and_pain
    exercise_pain_change: pd.DataFrame  # associations.exercise_pain_change
    next_day_pain: pd.DataFrame  # associations.next_day_pain
    flags: pd.DataFrame  # flags.all_flags
    outcome_scores: pd.DataFrame  # outcomes.occasion_scores (up to the period's end)
    outcome_changes: pd.DataFrame  # outcomes.outcome_changes
    psfs_activity_changes: pd.DataFrame  # outcomes.psfs_activity_changes
    # signals.exercise_signals_by_patient of the one patient, unkeyed, with the plan's ``name``
    # after ``exercise``, in the plan's order (signals.in_plan_order)
    exercise_signals: pd.DataFrame
    weekly_barriers: pd.DataFrame  # signals.weekly_barriers_by_patient, unkeyed
    # the plan's changes applying from a day in the period (Plan.changes_between), oldest first
    plan_changes: tuple[PlanVersion, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the period holds no entry at all."""
        return self.start is None

    @property
    def sessions_done(self) -> int:
        """Counted sessions (at least one rep done) in the period."""
        return int(self.sessions["counted"].sum())

    @property
    def adherence_percent(self) -> float:
        """Sessions done against the target over the period, in %, each week at most 100 %.

        A week the period only partly covers has a target pro rata to its days in it.
        """
        return adherence.overall_percent(self.weekly_adherence)

    @property
    def partial_weeks(self) -> list[str]:
        """ISO weeks the period only partly covers (their targets are pro rata to their days)."""
        weeks = self.weekly_adherence
        return weeks.loc[weeks["part"], "week"].tolist()

    @property
    def weeks_meeting_target(self) -> int:
        """Weeks at or above the adherence cut-off."""
        return int(self.weekly_adherence["meets_target"].sum())


@dataclass(frozen=True)
class PatientsSummary:
    """The numbers of many patients at once; every frame is keyed by ``patient``.

    ``patients`` is indexed by patient: ``plan``, ``first`` and ``last`` (the period; NaT for a
    patient without an entry) and ``last_entry`` (the day of the last session or pain score
    up to the day the numbers run to, in or after the period; NaT: none). :attr:`numbers`
    holds one row per patient.
    """

    patients: pd.DataFrame
    sessions: pd.DataFrame  # adherence.sessions_by_patient
    weekly_adherence: pd.DataFrame  # adherence.weekly_adherence_by_patient
    daily_pain: pd.DataFrame  # pain.daily_pain_by_patient
    weekly_pain: pd.DataFrame  # pain.weekly_pain_by_patient
    session_effects: pd.DataFrame  # pain.session_effects_by_patient
    baseline: pd.DataFrame  # pain.baseline_changes
    flags: pd.DataFrame  # flags.flags_by_patient
    exercise_times: pd.DataFrame  # signals.exercise_times_by_patient
    exercise_signals: pd.DataFrame  # signals.exercise_signals_by_patient
    weekly_barriers: pd.DataFrame  # signals.weekly_barriers_by_patient

    @cached_property
    def recent_exercise_signals(self) -> pd.DataFrame:
        """:attr:`exercise_signals` over each patient's recent weeks only (from the
        ``recent_from`` day of :attr:`numbers`)."""
        times = self.exercise_times
        since = self.numbers["recent_from"].reindex(times[PATIENT].to_numpy()).to_numpy()
        recent = times.loc[times["date"].to_numpy(dtype=DATE_DTYPE) >= since]
        return signals.count_exercise_times(recent)

    @cached_property
    def numbers(self) -> pd.DataFrame:
        """One row per patient: ``weeks``, ``sessions_done``, ``last_session``,
        ``adherence_overall``, ``recent_from`` (the Monday of the ``recent_weeks``-th last ISO
        week of the period, or its first week's when it is shorter), ``adherence_recent`` (over
        those weeks), ``flags_total``, ``open_flags`` (flags reaching into those weeks) and one
        ``open_<kind>`` count per :class:`~backrelief_analysis.analysis.flags.FlagKind`, and
        ``open_flag_size``: the largest open flag in units of its own threshold
        (:func:`~.flags.flag_sizes`; 0 without one)."""
        return patient_numbers(self.patients, self.sessions, self.weekly_adherence,
                               self.flags)


def _per_patient(value: DayOrDays, keys: list) -> pd.Series:
    """A day given once for everyone, or per patient, as a Series over ``keys``."""
    days = [value.get(key) for key in keys] if isinstance(value, Mapping) else [value] * len(keys)
    return pd.Series([to_day(day) if day is not None else pd.NaT for day in days],
                     index=pd.Index(keys, name=PATIENT), dtype=DATE_DTYPE)


def _stack(frames: list[pd.DataFrame], keys: list, columns: tuple[str, ...]) -> pd.DataFrame:
    """The rows of every patient's frame with the patient key, column by column."""
    if len(frames) == 1:
        return frames[0][list(columns)].assign(**{PATIENT: keys[0]})
    # one concatenation of plain arrays per column, not a frame per patient (a timestamp
    # with a zone becomes its UTC instant: it only orders a patient's rows)
    rows = pd.DataFrame({column: np.concatenate([_plain(frame[column]) for frame in frames])
                         for column in columns})
    rows[PATIENT] = np.repeat(pd.Index(keys).to_numpy(), [len(frame) for frame in frames])
    return rows


def _plain(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.to_numpy(dtype="datetime64[us]")
    return column.to_numpy()


def summarise_patients(logs: Mapping[Hashable, Log], plans: Mapping[Hashable, Plan], *,
                       start: DayOrDays = None, end: DayOrDays = None,
                       as_of: DayOrDays = None) -> PatientsSummary:
    """Analyse many patients' logs against their plans at once, each over their own period.

    Parameters
    ----------
    logs, plans
        Each patient's log and plan, by the same keys.
    start, end
        Each patient's period (one day for all, or a mapping by patient); by default the first
        and last day with any entry.
    as_of
        The day the numbers run to (one for all, or by patient): nothing after it counts, and
        the period ends on it unless ``end`` is earlier. The recent weeks count back from the
        period's last day.

    Returns
    -------
    PatientsSummary
    """
    keys = list(logs)
    plan_series = pd.Series([plans[key] for key in keys], index=pd.Index(keys, name=PATIENT),
                            dtype=object)
    exercise = _stack([logs[key].exercise for key in keys], keys, EXERCISE_COLUMNS)
    pain_rows = _stack([logs[key].pain for key in keys], keys, PAIN_COLUMNS)
    signal_rows = _stack([logs[key].signals for key in keys], keys, SIGNAL_COLUMNS)
    cut = _per_patient(as_of, keys)
    if cut.notna().any():  # nothing after the day the numbers run to
        exercise = _before(exercise, cut)
        pain_rows = _before(pain_rows, cut)
        signal_rows = _before(signal_rows, cut)
    ends = _per_patient(end, keys)
    ends = ends.where(ends.notna() & ~(ends > cut), cut)
    patients = patient_periods([exercise, pain_rows], pd.Index(keys, name=PATIENT),
                               start=_per_patient(start, keys), end=ends)
    patients["plan"] = plan_series
    # the day of the last session or pain score up to as_of, whatever period is shown
    entries = pd.concat([exercise[[PATIENT, "date"]], pain_rows[[PATIENT, "date"]]])
    patients["last_entry"] = entries.groupby(PATIENT, sort=False)["date"].max().reindex(
        patients.index).astype(DATE_DTYPE)
    ex_window = keyed_within(exercise, patients)
    pain_window = keyed_within(pain_rows, patients)
    table = adherence.sessions_by_patient(ex_window)
    weeks = keyed_weeks(patients)  # every ISO week of each period, for both weekly tables
    weekly = adherence.weekly_adherence_by_patient(table, patients, weeks=weeks)
    daily = pain.daily_pain_by_patient(pain_window, patients)
    weekly_pain = pain.weekly_pain_by_patient(daily, patients, weeks=weeks)
    effects = pain.session_effects_by_patient(pain_window, patients, table)
    # the baseline comes from the whole log (up to as_of), whatever period is shown
    baseline = pain.baseline_changes(pain_rows, daily, patients)
    # the signals count within the same periods; they never move a period's days
    # a log without signals (made before them, or never answered) has no per-exercise table
    answering = ex_window.loc[ex_window[PATIENT].isin(signal_rows[PATIENT].unique())]
    times = signals.exercise_times_by_patient(answering, signal_rows, patients)
    flag_table = flags.flags_by_patient(pain_window, patients, daily=daily, effects=effects,
                                        weekly=weekly_pain, times=times)
    return PatientsSummary(patients, table, weekly, daily, weekly_pain, effects, baseline,
                           flag_table, times, signals.count_exercise_times(times),
                           signals.weekly_barriers_by_patient(signal_rows, patients))


def _before(frame: pd.DataFrame, cut: pd.Series) -> pd.DataFrame:
    limit = cut.reindex(frame[PATIENT].to_numpy()).to_numpy()
    days = frame["date"].to_numpy(dtype=DATE_DTYPE)
    keep = np.isnat(limit) | (days <= limit)
    return frame if bool(keep.all()) else frame.loc[keep]


def patient_numbers(patients: pd.DataFrame, table: pd.DataFrame, weekly: pd.DataFrame,
                    flag_table: pd.DataFrame) -> pd.DataFrame:
    """Each patient's row of counts and percentages (:attr:`PatientsSummary.numbers`) from
    the keyed sessions, weekly adherence and flags of their periods (``patients``)."""
    index = patients.index
    recent_weeks = pd.Series([plan.thresholds.recent_weeks for plan in patients["plan"]],
                             index=index, dtype="int64")
    from_end = weekly.groupby(PATIENT, sort=False).cumcount(ascending=False).to_numpy()
    recent = weekly.loc[from_end < recent_weeks.reindex(weekly[PATIENT].to_numpy()).to_numpy()]
    recent_from = recent.groupby(PATIENT, sort=False)["week_start"].min().reindex(index)
    done = table.loc[table["counted"]]
    numbers = pd.DataFrame(index=index)
    numbers["recent_from"] = recent_from.astype(DATE_DTYPE)
    numbers["weeks"] = weekly.groupby(PATIENT, sort=False).size().reindex(index, fill_value=0)
    numbers["sessions_done"] = done.groupby(PATIENT, sort=False).size().reindex(
        index, fill_value=0)
    numbers["last_session"] = done.groupby(PATIENT, sort=False)["date"].max().reindex(index)
    numbers["adherence_overall"] = adherence.overall_percent_by_patient(weekly).reindex(index)
    numbers["adherence_recent"] = adherence.overall_percent_by_patient(recent).reindex(index)
    numbers["flags_total"] = flag_table.groupby(PATIENT, sort=False).size().reindex(
        index, fill_value=0)
    reach = numbers["recent_from"].reindex(flag_table[PATIENT].to_numpy()).to_numpy()
    open_flags = flag_table.loc[flag_table["end_date"].to_numpy() >= reach]
    counts = open_flags.groupby([PATIENT, "kind"], sort=False).size()
    for kind in flags.FlagKind:
        mine = (counts.xs(kind, level="kind") if len(counts) and kind in
                counts.index.get_level_values("kind") else pd.Series(dtype="int64"))
        numbers[f"open_{kind}"] = mine.reindex(index, fill_value=0).astype("int64")
    numbers["open_flags"] = numbers[[f"open_{kind}" for kind in flags.FlagKind]].sum(axis=1)
    sizes = flags.flag_sizes(open_flags).groupby(open_flags[PATIENT].to_numpy()).max()
    numbers["open_flag_size"] = sizes.reindex(index, fill_value=0.0).astype("float64")
    for column in ("weeks", "sessions_done", "flags_total", "open_flags"):
        numbers[column] = numbers[column].astype("int64")
    return numbers


def summarise(log: Log, plan: Plan, *, start: DayLike = None, end: DayLike = None
              ) -> ProgressSummary:
    """Analyse a log against its plan over a period: :func:`summarise_patients` of one
    patient, with the parts only the report shows.

    Parameters
    ----------
    log
        From :func:`~backrelief_analysis.log.store.load_log`.
    plan
        The plan in use: its target and thresholds, and the changes of its ``history`` within
        the period (a plan from :func:`~backrelief_analysis.log.plans.plan_in_force` has one).
    start, end
        Inclusive local days; by default the first and last day with any entry in either file.

    Returns
    -------
    ProgressSummary

    Example
    -------
    >>> summary = summarise(load_log(directory), load_plan())  # doctest: +SKIP
    >>> print(summary_text(summary))  # doctest: +SKIP
    """
    first, last = period_bounds([log.exercise["date"], log.pain["date"]], start, end)
    window = restrict_log(log, first, last) if first is not None else log
    ex, pn, th = window.exercise, window.pain, plan.thresholds
    # as for pain, the first questionnaire of the whole log stays the baseline of a shorter
    # period; the latest is the last one up to the period's end (any, when no end is given)
    answered = (log.outcomes if end is None or last is None
                else log.outcomes.loc[log.outcomes["date"] <= last])
    period = {"start": first, "end": last}
    keyed = summarise_patients({ONE: log}, {ONE: plan}, start=start, end=end)
    # the sessions table stands in for the exercise log wherever only sessions matter
    table = unkeyed(keyed.sessions)
    # one frame of session effects and one of daily pain serve every measure of the period
    effects = unkeyed(keyed.session_effects)
    daily = unkeyed(keyed.daily_pain)
    calendar = adherence.days_exercised(table, **period)
    scores = outcomes.occasion_scores(answered)
    return ProgressSummary(
        plan=plan,
        start=first,
        end=last,
        sessions=table,
        weekly_adherence=unkeyed(keyed.weekly_adherence),
        exercise_adherence=adherence.exercise_adherence(ex, plan, **period),
        days_exercised=calendar,
        streaks=adherence.streaks(table, **period, calendar=calendar),
        daily_pain=daily,
        weekly_pain=unkeyed(keyed.weekly_pain),
        # the baseline comes from the whole log, whatever period is shown
        baseline=pain.pain_change(keyed.baseline.iloc[0], th),
        trend=pain.pain_trend(pn, **period, daily=daily, thresholds=th),
        session_effects=effects,
        session_effect=pain.session_effect_summary(effects, th),
        weekly_reps_pain=associations.weekly_reps_and_pain(ex, pn, plan, **period, daily=daily),
        exercise_pain_change=associations.exercise_pain_change(ex, pn, plan, **period,
                                                               effects=effects),
        next_day_pain=associations.next_day_pain(
            table, pn, **period, min_count=th.association_min_count, daily=daily,
            calendar=calendar),
        flags=unkeyed(keyed.flags)[list(flags.FLAG_COLUMNS)],
        outcome_scores=scores,
        outcome_changes=outcomes.outcome_changes(answered, th, scores=scores),
        psfs_activity_changes=outcomes.psfs_activity_changes(answered, th),
        exercise_signals=signals.in_plan_order(unkeyed(keyed.exercise_signals), plan),
        weekly_barriers=unkeyed(keyed.weekly_barriers),
        plan_changes=(() if first is None
                      else plan.changes_between(first.date(), last.date())),
    )
