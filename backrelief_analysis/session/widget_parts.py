"""Parts the notebook widgets share: buttons, 0-10 score rows, message lines and error guards.

The session, check-in and questionnaire widgets (:mod:`backrelief_analysis.session.widget`,
:mod:`~.session.questionnaire_widget`) are built from these, so a button or a score
row looks and behaves the same in each. Every part takes the stable CSS class (``br-...``) that
browser tests find it by.
"""

from __future__ import annotations

import functools
import html
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..log.plans import plan_in_force
from ..log.store import now_local
from ..plan import Plan, PlanError, load_plan


def score_buttons(css_class: str) -> widgets.ToggleButtons:
    """A row of buttons 0 to 10 with no score chosen yet.

    Parameters
    ----------
    css_class
        The row's CSS class.

    Returns
    -------
    ipywidgets.ToggleButtons
        Value ``None`` until the user picks a score: a score is never defaulted.
    """
    buttons = widgets.ToggleButtons(
        options=[(str(score), score) for score in range(11)],
        value=None,
        style={"button_width": "3.2em"},
    )
    buttons.add_class(css_class)
    return buttons


def html_box(css_class: str, value: str = "", **layout: Any) -> widgets.HTML:
    """An HTML line (a message, a status, a problem) with ``layout`` as ``ipywidgets.Layout``."""
    widget = widgets.HTML(value, layout=widgets.Layout(**layout))
    widget.add_class(css_class)
    return widget


def button(description: str, css_class: str, style: str = "", icon: str = "") -> widgets.Button:
    """A large button, as wide as its words, with an ipywidgets ``button_style`` and icon."""
    made = widgets.Button(
        description=description, button_style=style, icon=icon,
        layout=widgets.Layout(width="auto", height="3em", padding="0 1.2em",
                              align_self="flex-start"),
    )  # fmt: skip
    made.add_class(css_class)
    return made


def label(text: str) -> widgets.HTML:
    """A question or caption above a control; ``text`` is escaped."""
    return widgets.HTML(f"<div style='font-size:1.05em;margin-top:0.6em'>{html.escape(text)}</div>")


def todays_plan(directory: Path) -> Plan:
    """The plan in force today for the diary in ``directory``.

    The latest plan the patient accepted (kept in ``<directory>/plans/``) that applies today;
    without one, today's plan file (``--plan``, ``BACKRELIEF_PLAN`` or the shipped default,
    :func:`~backrelief_analysis.plan.load_plan`).

    Raises
    ------
    PlanError
        The plan file, or a kept plan, cannot be read.
    """
    return plan_in_force(directory, now_local().date(), load_plan())


def plan_or_problem(plan: Plan | None, directory: Path) -> tuple[Plan | None, str]:
    """The plan a widget follows, or ``None`` and the one sentence saying why it cannot be read.

    Parameters
    ----------
    plan
        A plan given by the caller; ``None`` takes the plan in force today for the diary in
        ``directory`` (:func:`todays_plan`).
    directory
        The log folder of the diary.

    Returns
    -------
    tuple of (Plan or None, str)
        The plan and ``""``, or ``None`` and the :class:`~backrelief_analysis.plan.PlanError`.
    """
    if plan is not None:
        return plan, ""
    try:
        return todays_plan(directory), ""
    except PlanError as error:
        return None, str(error)


class Guarded:
    """A widget that shows errors from its callbacks in itself instead of losing them.

    Subclasses set ``_message`` (the message line) and ``_output`` (where a traceback goes).
    """

    _message: widgets.HTML
    _output: widgets.Output

    def _show(self, text: str, *, error: bool = False, where: widgets.HTML | None = None) -> None:
        colour = "#9b1c1c" if error else "#1f3d1f"
        (where or self._message).value = (
            f"<div style='font-size:1.1em;color:{colour};margin:0.4em 0'>{html.escape(text)}</div>"
        )

    def _report(self, what: str, error: BaseException) -> None:
        self._show(f"{what}: {error}", error=True)
        self._output.append_stderr("".join(traceback.format_exception(error)))


def guard(what: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a :class:`Guarded` method so an error in it is shown as ``"what: error"``."""

    def wrap(method: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(method)
        def guarded(self: Guarded, *args: Any) -> None:
            try:
                method(self, *args)
            except Exception as error:
                self._report(what, error)

        return guarded

    return wrap
