"""The patient's words: a progress summary as the patient's own page and notebook 01 say it.

The physiotherapist's notebook 02 and the report keep the clinical words (baseline, verdict,
interval, ISO week, pro rata). The patient sees the same numbers in everyday words: sessions
this week against the plan, pain now against the first week, what changed. One function per
message, each from the numbers of a :class:`~.analysis.summary.ProgressSummary`; no
percentage above 100 is ever shown (a part week says "5 sessions in 1 day of the week").
"""

from __future__ import annotations

import pandas as pd

from ..analysis.flags import FLAG_TITLES
from ..analysis.outcomes import MEASURES, Verdict
from ..analysis.pain import IMPROVEMENT, WORSENING, PainChange, SessionEffect
from ..analysis.summary import ProgressSummary
from ..text import plural
from .outcomes import score_decimals

# words that belong to the physiotherapist's side, never on the patient's (tests read this)
CLINICAL_WORDS = ("ISO", "pro rata", "NPRS", "interval", "verdict", "baseline", "threshold")


def _week_of(start: pd.Timestamp) -> str:
    return f"{start:%-d %b}"


def latest_week_words(summary: ProgressSummary) -> str:
    """Sessions in the latest week of the diary against the plan's weekly number."""
    weeks = summary.weekly_adherence
    latest = weeks.iloc[-1]
    done, days = int(latest["sessions"]), int(latest["days_in_period"])
    asked = summary.plan.target_on(pd.Timestamp(latest["week_start"]).date())
    if latest["part"]:
        return (f"Week of {_week_of(latest['week_start'])}: {plural(done, 'session')} in "
                f"{plural(days, 'day')} of the week; your plan asks for {asked} a week.")
    return (f"Week of {_week_of(latest['week_start'])}: {plural(done, 'session')}; your plan "
            f"asks for {asked}.")


def weeks_words(summary: ProgressSummary) -> str:
    """How many whole weeks had the sessions the plan asks for (a part week is not judged)."""
    whole = summary.weekly_adherence.loc[~summary.weekly_adherence["part"].astype(bool)]
    if whole.empty:
        return "Your first whole week is still to come: each week is counted once it is over."
    met = int((whole["sessions"] >= whole["target"]).sum())
    return (f"Whole weeks with all the sessions your plan asks for: {met} of "
            f"{len(whole)}.")


def pain_words(change: PainChange) -> str:
    """Pain now against the first week, and whether that is a clear change."""
    if not change.enough_data:
        return ("Pain: your scores of the first week are the starting point; from the second "
                "week on, your pain now is compared with them.")
    # the texts the analysis made to add up as shown (3.1 against 5.9 is 2.8 lower)
    size = change.points_text.lstrip("+-−")
    if float(size) == 0:
        move = "about the same"
    else:
        move = (f"{size} point{'' if float(size) == 1 else 's'} "
                f"{'lower' if change.change_points < 0 else 'higher'}")
    clear = {IMPROVEMENT: "a clear fall.", WORSENING: "a clear rise: worth telling your "
             "physiotherapist."}.get(change.verdict, "not a clear change yet.")
    return (f"Pain now: {change.latest_text} out of 10 over your last {change.latest_days} days "
            f"with a score, against {change.baseline_text} in your first week: {move}, {clear}")


def session_words(effect: SessionEffect) -> str:
    """How pain before a session compares with pain after it, on average."""
    if effect.with_both == 0:
        return ("Before and after a session: give your pain score at both ends of a session "
                "to see how sessions go for you.")
    change = effect.mean_change
    if round(change, 1) == 0:
        move = "about the same after a session as before"
    else:
        move = (f"{abs(change):.1f} point{'' if round(abs(change), 1) == 1 else 's'} "
                f"{'lower' if change < 0 else 'higher'} after a session than before")
    over = "in your one session" if effect.with_both == 1 else (
        f"on average over {effect.with_both} sessions")
    return f"Before and after a session: your pain was {move}, {over}."


def streak_words(summary: ProgressSummary) -> str:
    """The current and the longest run of days with a session."""
    streaks = summary.streaks
    if streaks.as_of is None or streaks.longest == 0:
        return "Days in a row with a session: none yet."
    return (f"Days in a row with a session: {streaks.current} now, "
            f"{streaks.longest} at the most.")


def talk_words(summary: ProgressSummary) -> str:
    """What is worth mentioning to the physiotherapist, in counts."""
    if summary.flags.empty:
        return "Nothing marked to talk over with your physiotherapist."
    counts = summary.flags["kind"].value_counts()
    listed = "; ".join(f"{FLAG_TITLES[kind].lower()} ({plural(int(counts[kind]), 'time')})"
                       for kind in FLAG_TITLES if kind in counts.index)
    return f"Worth talking over with your physiotherapist: {listed}."


def change_words(summary: ProgressSummary) -> list[str]:
    """What changed in the questionnaires: first answers against the latest, per measure."""
    changes = summary.outcome_changes
    if changes.empty:
        return ["Questionnaires: none yet. Your first answers become the starting point."]
    lines = []
    for row in changes.itertuples(index=False):
        spec = MEASURES[row.measure]
        decimals = score_decimals(row.measure)
        if row.occasions == 1:
            lines.append(f"{spec.short}: {row.latest:.{decimals}f} the first time; the next "
                         "answers are compared with it.")
            continue
        if Verdict(row.verdict) is Verdict.NONE_IN_COMMON:
            lines.append(f"{spec.short}: the latest answers rate other activities than the "
                         "first, so they are not compared.")
            continue
        better = (row.latest > row.baseline) == spec.higher_is_better
        move = ("no change" if row.latest == row.baseline
                else ("better" if better else "worse") + (", a clear change" if row.meaningful
                                                          else ", not a clear change yet"))
        lines.append(f"{spec.short}: {row.baseline:.{decimals}f} the first time, "
                     f"{row.latest:.{decimals}f} the latest ({move}).")
    return lines


def patient_lines(summary: ProgressSummary) -> list[str]:
    """The patient's progress in short everyday lines (the app's "Your progress")."""
    if summary.empty:
        return ["No sessions or pain scores yet: your progress shows here after your first."]
    return [latest_week_words(summary), weeks_words(summary), streak_words(summary),
            pain_words(summary.baseline), session_words(summary.session_effect),
            *change_words(summary), talk_words(summary)]
