"""Showing the caseload: the table as the physiotherapist reads it, its HTML page and CSV, and
each patient's weeks as small multiples.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from ..log.store import now_local, write_private
from ..share.export import write_export
from ..text import plural
from .table import PRIORITY_RULE, Caseload


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a physiotherapist reads it: rounded, pain as ``baseline → latest`` in the
    report's words (the change as shown agrees with the means as shown and the verdict)."""

    def number(values: pd.Series, spec: str) -> pd.Series:
        return values.map(lambda v: "" if pd.isna(v) else format(v, spec))

    def last_entry(days: float, to_sharing: bool) -> str:
        if pd.isna(days):
            return ""
        if to_sharing:  # a de-identified bundle cannot be dated: measured to its sharing
            return ("on the day of sharing" if days == 0
                    else f"{plural(int(days), 'day')} before sharing")
        return "today" if days == 0 else f"{plural(int(days), 'day')} ago"

    shown = pd.DataFrame({
        "patient": table["patient"],
        "needs a look because": table["why"],
        "weeks": table["weeks"],
        "last session": table["last_session"],
        "last entry": [last_entry(days, shared) for days, shared
                       in zip(table["days_since_entry"], table["to_sharing"], strict=True)],
        "adherence, last 4 weeks (%)": number(table["adherence_4wk"], ".0f"),
        "adherence, overall (%)": number(table["adherence_overall"], ".0f"),
        "pain baseline → latest": table["pain_text"],
        "pain verdict": table["pain_verdict"],
        "outcomes": table["outcomes"],
        "open flags": table["open_flag_kinds"],
        "exercise that hurt": table["exercise_pain"],
        "problem": table["problem"],
    })  # fmt: skip
    return shown


# each tier of the order as the HTML page heads it: a mark that needs no colour, then words
TIERS = {1: ("✖", "Could not be read: fix these files first"),
         2: ("▲", "Needs a look"),
         3: ("●", "Adherence below the cut-off"),
         4: ("○", "Everyone else")}
NUMBER_COLUMNS = ("weeks", "adherence, last 4 weeks (%)", "adherence, overall (%)")
DAY_COLUMNS = ("last session", "last entry")  # kept on one line
CASELOAD_STYLE = (
    "body{font-family:sans-serif;margin:1.5em;color:#1a1a1a}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.day{white-space:nowrap}"
    "h2{font-size:1.1em;margin:1.2em 0 .4em;padding-left:.4em;border-left:6px solid #999}"
    ".tier-1 h2{border-color:#d55e00}.tier-2 h2{border-color:#e69f00}"
    ".tier-3 h2{border-color:#56b4e9}.tier-4 h2{border-color:#999}"
)
PAGE_NOTE = ("Self-reported diaries: associations, not causes; flags are prompts to talk, not "
             "instructions. Not medical advice.")


def caseload_html(caseload: Caseload, *, made: date | None = None) -> str:
    """The caseload as one HTML page: a group per tier with its mark and heading, the reasons
    in words, names isolated (``<bdi>``, so a right-to-left name cannot reorder its row),
    numbers aligned, the day it was made and the day its numbers run to."""
    table = caseload.table
    shown = display_table(table)
    made = made or now_local().date()
    parts = [f"<p>Made {made:%Y-%m-%d}; numbers up to {caseload.as_of:%Y-%m-%d}. "
             f"{plural(len(table), 'patient')}.</p>"]
    for tier, (mark, heading) in TIERS.items():
        rows = shown.loc[(table["priority"] == tier).to_numpy()]
        if rows.empty:
            continue
        # a file that could not be read has a name and its problem, nothing else
        columns = (["patient", "problem"] if tier == 1
                   else [column for column in rows.columns if column != "problem"])
        head = "".join(f"<th{' class=num' if column in NUMBER_COLUMNS else ''}>"
                       f"{escape(column)}</th>" for column in columns)
        body = []
        for record in rows[columns].to_dict("records"):
            cells = []
            for column in columns:
                value = "" if pd.isna(record[column]) else escape(str(record[column]))
                if column == "patient":
                    value = f"<bdi>{value}</bdi>"
                kind = (" class=num" if column in NUMBER_COLUMNS
                        else " class=day" if column in DAY_COLUMNS else "")
                cells.append(f"<td{kind}>{value}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        parts.append(f"<section class='tier-{tier}'><h2><span aria-hidden='true'>{mark}"
                     f"</span> {escape(heading)} ({len(rows)})</h2><table><thead><tr>{head}"
                     f"</tr></thead><tbody>{''.join(body)}</tbody></table></section>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Caseload</title>"
            f"<style>{CASELOAD_STYLE}</style></head><body><h1>Caseload</h1>{''.join(parts)}"
            f"<p>Order: {escape(PRIORITY_RULE)}</p><p>{escape(PAGE_NOTE)}</p></body></html>")


def write_table(caseload: Caseload, out: Path) -> Path:
    """Write the caseload as ``.csv`` (spreadsheet-safe, every number) or ``.html``
    (:func:`caseload_html`)."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return write_export(caseload.table, out)
    if suffix == ".html":
        return write_private(caseload_html(caseload).encode("utf-8"), out)
    raise ValueError(f"the caseload is written as .csv or .html, not {out.name}")


def plot_patient_weeks(weekly: pd.DataFrame, *, title: str = "", ax=None, **kwargs):
    """One patient's weekly adherence (bars, right axis) and weekly mean pain (line).

    ``weekly`` is that patient's rows of :attr:`Caseload.weekly`. Returns the pain Axes.
    """
    from matplotlib.ticker import MaxNLocator

    # deferred: matplotlib is needed only to draw, not to read a caseload
    from ..report.charts import OKABE_ITO, new_axes

    ax = new_axes(ax, (3, 2))
    bars = ax.twinx()
    bars.bar(weekly["week"], weekly["adherence"].clip(upper=150), width=0.8,
             color=OKABE_ITO["sky_blue"], alpha=0.5, hatch="//", edgecolor="white")
    bars.axhline(100, color=OKABE_ITO["blue"], linewidth=0.8, linestyle=":")
    bars.set_ylim(0, 150)
    bars.set_yticks([0, 100])
    bars.tick_params(labelsize=6)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(weekly["week"], weekly["pain"], **{"color": OKABE_ITO["vermillion"], "marker": ".",
                                                "linewidth": 1.5, **kwargs})
    ax.set_ylim(0, 10)
    ax.set_yticks([0, 5, 10])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.tick_params(labelsize=6)
    ax.set_title(title, fontsize=8)
    return ax


def small_multiples(caseload: Caseload, limit: int = 12, columns: int = 4):
    """A grid of :func:`plot_patient_weeks`, one per patient, in the table's order."""
    from matplotlib.figure import Figure

    readable = caseload.table.loc[caseload.table["problem"] == ""].head(limit)
    count = max(len(readable), 1)
    rows = -(-count // columns)
    figure = Figure(figsize=(2.6 * columns, 1.9 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, sharex=False, squeeze=False)).ravel()
    by_source = dict(tuple(caseload.weekly.groupby("source")))
    for ax, row in zip(axes, readable.itertuples(index=False), strict=False):
        plot_patient_weeks(by_source.get(row.source, caseload.weekly.iloc[0:0]),
                           title=str(row.patient), ax=ax)
    for ax in axes[len(readable):]:
        ax.set_visible(False)
    figure.suptitle("Weekly mean pain (line, 0–10, left axis) and sessions as % of the "
                    "weekly target (bars, right axis; dotted: 100 %)", fontsize=9)
    figure.supxlabel("week of follow-up", fontsize=8)
    return figure


__all__ = [
    "caseload_html",
    "display_table",
    "plot_patient_weeks",
    "small_multiples",
    "write_table",
]
