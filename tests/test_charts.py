"""Charts on tiny hand-made logs: the returned Axes hold the expected artists, labels and titles."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import full, plan_of, score, write_log
from matplotlib.collections import LineCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from backrelief_analysis.analysis import adherence, associations, pain
from backrelief_analysis.analysis.summary import summarise
from backrelief_analysis.plan import EarlierTarget, Thresholds
from backrelief_analysis.report import charts


def two_week_pain(tmp_path):
    """7 days at 6, a gap day, 7 days at 4 (a flare on the 3rd day), and sessions in week 1."""
    rows = []
    for index in range(15):
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=index)
        if index == 7:
            continue
        value = 6 if index < 7 else 4
        rows.append(score(f"{day:%Y-%m-%d}T09:00:00+00:00", value,
                          flare="yes" if index == 2 else ""))
    exercise = full("a", "2026-01-05T08:00:00+00:00") + full("b", "2026-01-07T08:00:00+00:00")
    rows += [score("2026-01-05T07:59:00+00:00", 6, "before_session", "a"),
             score("2026-01-05T08:30:00+00:00", 4, "after_session", "a"),
             score("2026-01-07T07:59:00+00:00", 6, "before_session", "b")]
    return write_log(tmp_path, exercise, rows)


def labelled(ax) -> None:
    assert ax.get_title()
    assert ax.get_xlabel()
    assert ax.get_ylabel()


def test_pain_trend_draws_mean_baseline_and_change_lines(tmp_path):
    log = two_week_pain(tmp_path)
    thresholds = Thresholds()
    daily = pain.daily_pain(log.pain)
    change = pain.baseline_change(log.pain, thresholds)
    ax = charts.plot_pain_trend(daily, baseline=change, thresholds=thresholds, linewidth=3)
    labelled(ax)
    assert ax.get_ylabel() == "pain (0–10 NPRS)"
    lines = {line.get_label(): line for line in ax.get_lines()}
    baseline = change.baseline  # the first 7 days with a score: 6 (the session day averages 16/3)
    assert lines[f"baseline {baseline:.1f}"].get_ydata()[0] == pytest.approx(baseline)
    assert lines[f"baseline − 2 points ({baseline - 2:.1f})"].get_ydata()[0] == pytest.approx(
        baseline - 2)
    assert lines[f"baseline − 30 % ({baseline * 0.7:.1f})"].get_ydata()[0] == pytest.approx(
        baseline * 0.7)
    assert lines["7-day mean"].get_linewidth() == 3  # kwargs reach the main artist
    flare = lines["flare-up marked"]
    assert [pd.Timestamp(x) for x in flare.get_xdata()] == [pd.Timestamp("2026-01-07")]
    assert change.verdict in ax.get_title()
    # baseline (16 / 3 + 6 x 6) / 7 = 5.905, latest 4: -1.905 points (-32.3 %), shown so that
    # "-1.9" agrees with the 2-point rule not met; "latest" says it is days with a score
    assert "last 7 days with a score 4.0: -1.9 points (-32 %)\n" in ax.get_title()
    assert ax.get_title().endswith("(30 % rule met)")
    assert ax.get_legend() is not None


def test_pain_trend_with_given_axes_and_no_scores(tmp_path):
    log = write_log(tmp_path)
    ax = Figure().add_subplot()
    returned = charts.plot_pain_trend(pain.daily_pain(log.pain), ax=ax)
    assert returned is ax
    assert ax.get_title()
    assert "No pain scores" in ax.texts[0].get_text()


def test_weekly_adherence_has_one_bar_per_week_and_the_cut_off_line(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00")
                    + full("b", "2026-03-03T08:00:00+00:00")
                    + full("c", "2026-03-16T08:00:00+00:00"))
    weekly = adherence.weekly_adherence(log.exercise, plan_of(target=2), end="2026-03-22")
    ax = charts.plot_weekly_adherence(weekly, thresholds=Thresholds(), alpha=0.5)
    labelled(ax)
    assert ax.get_ylabel() == "sessions per week"
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 1
    assert len(bars[0]) == 3  # W10, W11 (no session), W12
    assert [patch.get_height() for patch in bars[0]] == [2, 0, 1]
    assert bars[0][0].get_alpha() == 0.5
    heights = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert heights == pytest.approx([1.6, 2.0])  # 80 % of the target of 2, and the target
    assert [t.get_text() for t in ax.texts] == ["100%", "0%", "50%"]
    # weeks below the cut-off are hatched so they read in greyscale
    assert [patch.get_hatch() or "" for patch in bars[0]] == ["", "//", "//"]
    assert "part" not in ax.get_title()


def test_a_week_the_period_cuts_is_marked_part(tmp_path):
    # the log ends on Monday 16 March: W12 holds 1 day, so its target is 2 x 1 / 7 = 0.286
    # and its 1 session would be 350 %; the bar is outlined dashed and its label says
    # "1 in 1/7 d", never a percentage over 100
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00")
                    + full("b", "2026-03-03T08:00:00+00:00")
                    + full("c", "2026-03-16T08:00:00+00:00"))
    ax = charts.plot_weekly_adherence(adherence.weekly_adherence(log.exercise, plan_of(target=2)))
    assert [t.get_text() for t in ax.texts] == ["100%", "0%", "1 in 1/7 d"]
    bars = next(c for c in ax.containers if isinstance(c, BarContainer))
    assert [bar.get_linestyle() == "solid" for bar in bars] == [True, True, False]
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([2, 2, 2 / 7, 2 / 7])
    assert "part week (target pro rata)" in [t.get_text() for t in ax.get_legend().texts]
    assert "target: 2 a week" in [t.get_text() for t in ax.get_legend().texts]
    assert "marked part" in ax.get_title()


def test_a_changed_target_is_drawn_as_steps_with_its_own_label(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-02T08:00:00+00:00")
                    + full("b", "2026-03-09T08:00:00+00:00"))
    plan = replace(plan_of(target=3), earlier_targets=(EarlierTarget(date(2026, 3, 8), 2),))
    ax = charts.plot_weekly_adherence(adherence.weekly_adherence(log.exercise, plan,
                                                                 end="2026-03-15"))
    target_line = ax.get_lines()[0]
    assert target_line.get_drawstyle() == "steps-post"
    assert list(target_line.get_ydata()) == [2, 3, 3]
    assert "target as prescribed each week" in [t.get_text() for t in ax.get_legend().texts]


def test_years_of_weeks_are_drawn_with_few_artists(tmp_path):
    starts = [pd.Timestamp("2026-01-05") + pd.Timedelta(weeks=i) for i in range(70)]
    rows = [row for i, start in enumerate(starts) if i % 2 == 0
            for row in full(f"s{i}", f"{start:%Y-%m-%d}T08:00:00+00:00")]
    pain_rows = [score(f"{start:%Y-%m-%d}T20:00:00+00:00", 4) for start in starts]
    log = write_log(tmp_path, rows, pain_rows)
    weekly = adherence.weekly_adherence(log.exercise, plan_of(target=1), end=starts[-1])
    assert len(weekly) == 70
    ax = charts.plot_weekly_adherence(weekly)
    assert not [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(ax.patches) == 2  # filled steps: weeks at or above the cut-off, and below
    steps = ax.patches[0]
    assert steps.get_data().values.tolist() == [1.0, 0.0] * 35
    # the steps skip matplotlib's autoscaling (slow on thousands of weeks): the chart's own
    # limits must still hold every week and the highest stack
    low, high = ax.get_xlim()
    edges = steps.get_data().edges  # in days; the axis ends at noon on the last Sunday
    assert low <= edges[0] and edges[-2] + 6 <= high
    assert ax.get_ylim()[1] >= 1
    reps = associations.weekly_reps_and_pain(log.exercise, log.pain, plan_of())
    ax = charts.plot_reps_and_pain(reps, plan_of())
    assert len(ax.patches) == 2  # one filled step per exercise
    stacked = ax.patches[-1].get_data()
    assert ax.get_ylim()[1] >= stacked.values.max() > 0
    low, high = ax.get_xlim()
    assert low <= stacked.edges[0] and stacked.edges[-2] + 6 <= high
    legend = [text.get_text() for text in ax.get_legend().texts]
    assert [patch.get_label() for patch in ax.patches] == legend[:2]


def test_calendar_is_one_image_with_a_cell_per_day(tmp_path):
    log = write_log(tmp_path, full("a", "2026-03-04T08:00:00+00:00")
                    + full("b", "2026-03-10T08:00:00+00:00")
                    + full("c", "2026-03-10T19:00:00+00:00"))
    days = adherence.days_exercised(log.exercise)
    ax = charts.plot_calendar(days)
    images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert len(images) == 1
    grid = images[0].get_array()
    assert grid.shape == (7, 2)  # Monday to Sunday, weeks W10 and W11
    assert grid[2, 0] == 1  # Wednesday 4 March: one session
    assert grid[1, 1] == 2  # Tuesday 10 March: two sessions
    assert grid[3, 0] == 0  # Thursday: none
    assert np.ma.is_masked(grid[0, 0])  # Monday 2 March is before the period
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert [t.get_text() for t in ax.get_yticklabels()] == weekdays
    assert ax.get_title()
    assert ax.get_xlabel()


def test_session_effect_joins_before_and_after(tmp_path):
    log = two_week_pain(tmp_path)
    effects = pain.session_effects(log.pain, log.exercise)
    ax = charts.plot_session_effect(effects, linestyles="dashed")
    labelled(ax)
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(collections) == 1
    segments = collections[0].get_segments()
    assert len(segments) == 1
    assert segments[0][:, 1].tolist() == [6.0, 4.0]
    labels = {line.get_label() for line in ax.get_lines()}
    assert labels == {"before", "after"}
    assert "1 without both scores left out" in ax.get_title()


def test_reps_and_pain_stacks_exercises_under_the_pain_line(tmp_path):
    log = two_week_pain(tmp_path)
    weekly = associations.weekly_reps_and_pain(log.exercise, log.pain, plan_of())
    ax = charts.plot_reps_and_pain(weekly, plan_of())
    labelled(ax)
    assert "association" in ax.get_title()
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2  # tilt and knee
    assert [len(c) for c in bars] == [3, 3]  # W02, W03, W04
    assert bars[1][0].get_y() == 20  # knee stacked on the 20 tilt reps of week W02
    assert bars[1][0].get_height() == 40
    twins = [other for other in ax.figure.axes if other is not ax]
    assert len(twins) == 1
    pain_line = twins[0].get_lines()[0]
    assert pain_line.get_ydata()[1] == pytest.approx(weekly["pain_mean"].iloc[1])
    assert twins[0].get_ylabel() == "pain (0–10 NPRS)"


def test_dashboard_combines_the_main_charts(tmp_path):
    figure = charts.dashboard(summarise(two_week_pain(tmp_path), plan_of()))
    titles = [ax.get_title() for ax in figure.axes]
    assert any(t.startswith("Pain over time") for t in titles)
    assert any(t.startswith("Sessions per week against the plan's target") for t in titles)
    assert "Days with a session" in titles
    assert any(t.startswith("Pain before and after") for t in titles)
    assert any(t.startswith("Weekly reps per exercise") for t in titles)
    assert any(t.startswith("Outcome questionnaires") for t in titles)
    figure.savefig(tmp_path / "dashboard.png")
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000


def test_dashboard_of_an_empty_log_draws_messages(tmp_path):
    figure = charts.dashboard(summarise(write_log(tmp_path), plan_of()))
    texts = [text.get_text() for ax in figure.axes for text in ax.texts]
    assert any("No pain scores" in text for text in texts)
    figure.savefig(tmp_path / "empty.png")


# --- readable for people: labels clear of lines and edges, sensible bars -------------------------


def weekly_frame(sessions: list[int], target: int = 7, first_days: int = 7) -> pd.DataFrame:
    """A weekly adherence frame by hand: ISO weeks from Monday 2026-09-07."""
    weeks = len(sessions)
    days = [first_days] + [7] * (weeks - 1)
    targets = [target * d / 7 for d in days]
    percent = [100 * s / t for s, t in zip(sessions, targets, strict=True)]
    return pd.DataFrame({
        "week_start": pd.date_range("2026-09-07", periods=weeks, freq="7D"),
        "sessions": sessions, "target": targets, "percent": percent,
        "meets_target": [p >= 80 for p in percent], "part": [d < 7 for d in days],
        "days_in_period": days,
    })  # fmt: skip


def drawn(ax):
    """Draw ``ax``'s figure with Agg (as the report does) and return the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    return canvas.get_renderer()


def horizontal_segments(line) -> list[tuple[float, float, float]]:
    """(x0, x1, y) in display pixels of a steps-post line."""
    points = line.get_transform().transform(line.get_xydata())
    return [(x0, x1, y0) for (x0, y0), (x1, _y1) in itertools.pairwise(points)]


@pytest.mark.parametrize("sessions", [[5, 5, 6, 5, 0, 3, 6], [1, 7, 4]])
def test_bar_labels_are_never_struck_through_by_the_target_or_cut_off(sessions) -> None:
    # 5 of 7 is 71 %: its label sat on the 80 % line (5.6) before
    weekly = weekly_frame(sessions, first_days=5)
    ax = charts.plot_weekly_adherence(weekly)
    renderer = drawn(ax)
    labels = [text for text in ax.texts if text.get_gid() == "bar-label"]
    # the first week is a part week: its count and days, never a percentage over 100
    assert [label.get_text() for label in labels] == [
        f"{n} in {d}/7 d" if part else f"{p:.0f}%" for p, n, d, part in zip(
            weekly["percent"], weekly["sessions"], weekly["days_in_period"], weekly["part"],
            strict=True)]
    target_line, cut_line = ax.get_lines()[:2]
    for label in labels:
        box = label.get_window_extent(renderer)
        for line in (target_line, cut_line):
            half_width = line.get_linewidth() * ax.figure.dpi / 72 / 2
            for x0, x1, y in horizontal_segments(line):
                overlaps_x = min(x1, box.x1) > max(x0, box.x0)
                assert not (overlaps_x and box.y0 - half_width < y < box.y1 + half_width), (
                    label.get_text(), line.get_label())


def test_bar_labels_are_inside_the_axes_and_clear_of_the_legend() -> None:
    ax = charts.plot_weekly_adherence(weekly_frame([7, 7, 7, 9], first_days=3))
    renderer = drawn(ax)
    inside = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    for label in (text for text in ax.texts if text.get_gid() == "bar-label"):
        box = label.get_window_extent(renderer)
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1
        assert inside.y0 <= box.y0 and box.y1 <= inside.y1
        assert not box.overlaps(legend), label.get_text()


def bar_share(ax) -> float:
    """The widest bar's share of the axis width."""
    low, high = ax.get_xlim()
    return max(patch.get_width() for patch in ax.patches if patch.get_width() > 0) / (high - low)


def test_a_first_week_is_one_bar_not_a_slab_across_the_chart() -> None:
    one = charts.plot_weekly_adherence(weekly_frame([2]))
    many = charts.plot_weekly_adherence(weekly_frame([5] * 8))
    assert bar_share(one) <= 0.25
    assert bar_share(one) == pytest.approx(bar_share(charts.plot_weekly_adherence(
        weekly_frame([5] * 4))), rel=0.15)
    assert bar_share(many) < bar_share(one)


@pytest.mark.parametrize("sessions", [[2], [5, 6, 4], [5] * 12])
def test_each_weeks_label_sits_under_its_bar(sessions) -> None:
    ax = charts.plot_weekly_adherence(weekly_frame(sessions))
    drawn(ax)
    bar_middles = [patch.get_x() + patch.get_width() / 2 for patch in ax.patches
                   if patch.get_width() > 0 and patch.get_height() > 0]
    ticks = list(ax.get_xticks())
    names = [label.get_text() for label in ax.get_xticklabels()]
    # one tick per week, in the middle of that week's bar, named by the bar's ISO week
    assert ticks == pytest.approx(bar_middles)
    first = weekly_frame(sessions)["week_start"].iloc[0].isocalendar()
    assert names[0].split("\n") == [f"W{first.week:02d}", str(first.year)]


def test_a_first_week_of_reps_is_one_bar_not_a_slab(tmp_path) -> None:
    log = two_week_pain(tmp_path)
    weekly = associations.weekly_reps_and_pain(log.exercise, log.pain, end="2026-01-11")
    assert len(weekly) == 1
    ax = charts.plot_reps_and_pain(weekly)
    assert bar_share(ax) <= 0.25


def test_a_first_session_of_two_reps_is_counted_in_whole_reps() -> None:
    weekly = pd.DataFrame({"week_start": pd.to_datetime(["2026-11-30"]), "reps_tilt": [2],
                           "pain_mean": [3.5]})
    ax = charts.plot_reps_and_pain(weekly)
    drawn(ax)
    ticks = [tick for tick in ax.get_yticks() if 0 <= tick <= ax.get_ylim()[1]]
    assert ticks == [0, 1, 2]


def test_outcomes_chart_draws_each_measure_in_thresholds_with_the_band(tmp_path):
    from outcome_fixtures import OCCASIONS, load_outcomes

    ax = charts.plot_outcomes(load_outcomes(tmp_path, OCCASIONS))
    lines = {line.get_label(): line for line in ax.get_lines()
             if line.get_label().startswith(("PEG", "PSFS", "ODI"))}
    assert sorted(lines) == ["ODI: first 34, threshold 10 points",
                             "PEG: first 7.0, threshold 30 % fall",
                             "PSFS: first 3.0, threshold 2 points"]
    # PEG 7 -> 5 -> 11/3, better downwards, a threshold of 30 % of 7 = 2.1 points
    assert lines["PEG: first 7.0, threshold 30 % fall"].get_ydata() == pytest.approx(
        [0, 2 / 2.1, (7 - 11 / 3) / 2.1])
    # PSFS 3 -> 3.67 -> 5, better upwards, 2 points; ODI 34 -> 26, better downwards, 10 points
    assert lines["PSFS: first 3.0, threshold 2 points"].get_ydata() == pytest.approx(
        [0, 1 / 3, 1])
    assert lines["ODI: first 34, threshold 10 points"].get_ydata() == pytest.approx([0, 0.8])
    band = [patch for patch in ax.patches if "no meaningful change yet" in patch.get_label()]
    assert len(band) == 1
    assert band[0].get_extents().height > 0
    written = {text.get_text() for text in ax.texts}
    assert {"5.0", "3.7", "26"} <= written  # later scores as entered
    assert "general pain rule" in ax.get_title()


def test_outcomes_chart_without_questionnaires_says_so(tmp_path):
    from outcome_fixtures import load_outcomes

    figure = Figure()
    ax = charts.plot_outcomes(load_outcomes(tmp_path, []), ax=figure.add_subplot())
    assert ax.figure is figure
    assert [text.get_text() for text in ax.texts] == ["No questionnaires yet."]


def test_dashboard_draws_the_outcomes_of_the_summary(tmp_path):
    from outcome_fixtures import OCCASIONS, write_outcomes

    write_outcomes(tmp_path, OCCASIONS)
    figure = charts.dashboard(summarise(two_week_pain(tmp_path), plan_of()))
    outcome_ax = next(ax for ax in figure.axes
                      if ax.get_title().startswith("Outcome questionnaires"))
    labels = [line.get_label() for line in outcome_ax.get_lines()]
    assert "PEG: first 7.0, threshold 30 % fall" in labels
    assert "ODI: first 34, threshold 10 points" in labels


def test_the_demo_dashboard_charts_the_hand_computed_outcomes():
    from backrelief_analysis import paths
    from backrelief_analysis.log.store import load_log
    from backrelief_analysis.plan import load_plan

    figure = charts.dashboard(summarise(load_log(paths.DEMO_DIR), load_plan()))
    outcome_ax = next(ax for ax in figure.axes
                      if ax.get_title().startswith("Outcome questionnaires"))
    lines = {line.get_label(): line for line in outcome_ax.get_lines()}
    # PEG 17/3 -> 3.0: a fall of 8/3 in thresholds of 30 % of 17/3 = 1.7 points
    peg = lines["PEG: first 5.7, threshold 30 % fall"].get_ydata()
    assert peg[-1] == pytest.approx((17 / 3 - 3) / (0.3 * 17 / 3))
    assert lines["ODI: first 31, threshold 10 points"].get_ydata() == pytest.approx([0, 1.3])
    assert lines["PSFS: first 4.0, threshold 2 points"].get_ydata()[-1] == pytest.approx(1.0)


def test_exercise_signals_chart_draws_each_count_per_exercise(tmp_path):
    from signal_fixtures import signal_patient

    folder, plan = signal_patient(tmp_path)
    from backrelief_analysis.log.store import load_log

    table = summarise(load_log(folder), plan).exercise_signals
    ax = charts.plot_exercise_signals(table)
    bars = {container.get_label(): [patch.get_width() for patch in container]
            for container in ax.containers if isinstance(container, BarContainer)}
    # one bar per exercise in each series; the plan's first exercise at the top
    assert set(bars) == {"times done", "marked as hurting", "stopped for pain", "felt hard",
                         "answered"}
    for label, column in (("times done", "times_done"), ("marked as hurting", "hurt"),
                          ("stopped for pain", "stopped_pain"), ("felt hard", "felt_hard"),
                          ("answered", "answered")):
        assert bars[label] == table[column].tolist(), label
    names = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [names[y] for y in sorted(names, reverse=True)] == table["name"].tolist()
    assert "unanswered is unknown" in ax.get_title()
    # a log without any answer says so instead of drawing empty bars
    empty = charts.plot_exercise_signals(table.iloc[0:0])
    assert "No exercise done with an answer yet." in [t.get_text() for t in empty.texts]
