"""Loading a new plan the physiotherapist sent: :class:`NewPlanWidget`.

The patient picks the plan's ``.toml`` file; the widget reads it, says in the patient's words
what changes (the plan's own ``changes`` list, or the differences from the plan in force), and
keeps nothing until the patient presses **Accept**: then the file is kept as sent in the log's
``plans/`` folder (:func:`~backrelief_analysis.log.plans.save_accepted`), and the sessions follow
it from its first day. The words say the physiotherapist sent it: the kit gives no advice.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..log.plans import plan_history, save_accepted
from ..log.store import LogStore, now_local
from ..plan import MAX_PLAN_BYTES, Exercise, Plan, PlanError, parse_plan, step_words
from ..text import day_words, plural
from .widget_parts import Guarded, button, guard, html_box, todays_plan

PLAN_SUFFIX = ".toml"
UPLOAD_WORDS = "Load a plan your physiotherapist sent"
# ipywidgets 8 writes the count of files after the button's words, "(0)": a patient sees the
# words alone (the page's style for the button)
_UPLOAD_STYLE = ("<style>.br-plan-upload {font-size: 0 !important}"
                 f".br-plan-upload::before {{content: {UPLOAD_WORDS!r}; font-size: 1.05rem}}"
                 "</style>")
RELOAD_WORDS = "reload the page to see it"  # the app; notebook 01 says to run it again
_MB = 1_000_000


def _load_words(exercise: Exercise) -> str:
    each = ", each side" if exercise.sides else ""
    return f"{exercise.hold_s:g} s hold x {plural(exercise.reps, 'rep')}{each}"


def plan_differences(before: Plan, after: Plan) -> list[str]:
    """What ``after`` changes from ``before``, one short line each, in the patient's words.

    The reps and hold of each exercise in both (``"Knee to chest: 12 reps (was 10)"``), an
    exercise added or left out, and the weekly target; an empty list when none changed.
    """
    old = {exercise.id: exercise for exercise in before.exercises}
    new = {exercise.id: exercise for exercise in after.exercises}
    lines = []
    for key, exercise in new.items():
        was = old.get(key)
        if was is None:
            lines.append(f"{exercise.name}: new in your plan, {_load_words(exercise)}")
        elif (exercise.reps, exercise.hold_s) != (was.reps, was.hold_s):
            lines.append(step_words(was, exercise.reps, exercise.hold_s))
    lines += [f"{exercise.name}: no longer in your plan"
              for key, exercise in old.items() if key not in new]
    if after.target_sessions_per_week != before.target_sessions_per_week:
        lines.append(f"Sessions a week: {after.target_sessions_per_week} "
                     f"(was {before.target_sessions_per_week})")
    return lines


@dataclass(frozen=True)
class SentPlan:
    """A plan file the patient loaded: the plan, and its text to keep as sent."""

    plan: Plan
    text: str


def read_sent_plan(content: bytes) -> SentPlan:
    """Read an uploaded plan file.

    Raises
    ------
    PlanError
        Too large, not UTF-8, not TOML, or not a plan; the message says which.
    """
    if len(content) > MAX_PLAN_BYTES:
        raise PlanError(f"it is larger than {MAX_PLAN_BYTES // _MB} MB, far too large "
                        "for a plan")
    try:
        text = content.decode("utf-8")
        return SentPlan(parse_plan(tomllib.loads(text)), text)
    except UnicodeDecodeError:
        raise PlanError("it is not text saved as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"it is not valid TOML ({error})") from None
    except RecursionError:
        raise PlanError("it is nested too deeply to be a plan") from None


def _one_upload(value: Any) -> tuple[str, bytes]:
    """The name and bytes of the one file in a ``FileUpload`` value (ipywidgets 8: a tuple of
    dicts with ``name``, ``size`` and ``content``, a memoryview)."""
    (entry,) = value
    # no copy past the cap: one byte more is enough to say the file is too large
    return entry["name"], bytes(memoryview(entry["content"])[:MAX_PLAN_BYTES + 1])


class NewPlanWidget(Guarded, widgets.VBox):
    """Load a plan the physiotherapist sent, see what changes, and accept it or not.

    Parameters
    ----------
    store
        The diary whose ``plans/`` folder keeps an accepted plan; default ``LogStore()``.
    again
        What the patient does to see the new plan once it applies: ``"reload the page to see
        it"`` in the app.
    """

    def __init__(self, store: LogStore | None = None, again: str = RELOAD_WORDS) -> None:
        self.store = store or LogStore()
        self._again = again
        self._sent: SentPlan | None = None
        self._upload = widgets.FileUpload(
            accept=PLAN_SUFFIX, multiple=False, description=UPLOAD_WORDS, tooltip=UPLOAD_WORDS,
            icon="",
            layout=widgets.Layout(width="auto", height="3rem", padding="0 1.2rem",
                                  align_self="flex-start"))
        self._upload.add_class("br-plan-upload")
        self._news = html_box("br-plan-news")
        self._accept = button("Accept", "br-plan-accept", "success", "check")
        self._not_now = button("Not now", "br-plan-not-now")
        self._choice = widgets.HBox([self._accept, self._not_now])
        self._choice.layout.display = "none"
        self._message = html_box("br-plan-message")
        self._output = widgets.Output()
        self._output.add_class("br-plan-output")
        self._upload.observe(self._on_upload, names="value")
        self._accept.on_click(self._on_accept_click)
        self._not_now.on_click(self._on_not_now_click)
        super().__init__(children=[
            widgets.HTML(f"{_UPLOAD_STYLE}<div style='color:#444'>When your physiotherapist "
                         "sends you a new plan (a file ending in .toml), load it here. Nothing "
                         "changes until you press Accept.</div>"),
            self._upload, self._news, self._choice, self._message, self._output,
        ], layout=widgets.Layout(border="1px solid #bbb", padding="0.6em"))  # fmt: skip
        self.add_class("br-new-plan")

    def _offer(self, sent: SentPlan | None, news: str = "") -> None:
        self._sent = sent
        self._news.value = news
        self._choice.layout.display = None if sent else "none"

    @guard("Could not read the plan")
    def _on_upload(self, change: dict) -> None:
        if not change["new"]:
            return  # the widget emptied itself after the last file
        self._offer(None)
        self._message.value = ""
        name, content = _one_upload(change["new"])
        self._upload.value = ()  # the same file may be loaded again
        try:
            sent = read_sent_plan(content)
        except PlanError as error:
            # parse_plan names a plan without a file "plan": the file's own name is said first
            problem = str(error).removeprefix("plan: ").rstrip(".")
            self._show(f"{name} could not be read as a plan, so nothing was kept: {problem}.",
                       error=True)
            return
        try:
            current = todays_plan(self.store.directory)
            kept = plan_history(self.store.directory)
        except PlanError as error:
            self._show(f"Your plan now could not be read, so the new one was not compared "
                       f"with it and nothing was kept: {error}.", error=True)
            return
        plan = sent.plan
        newest = max([current.version, *(kept_plan.version for kept_plan in kept)])
        if plan.version <= newest:
            self._show(f"{name} is version {plan.version} of your plan, and you already have "
                       f"version {newest}, so nothing was kept: ask your physiotherapist for "
                       "the newer plan.", error=True)
            return
        if plan.valid_from is None:
            self._show(f"{name} does not say from which day it applies (its valid_from), so "
                       "nothing was kept: ask your physiotherapist to add it.", error=True)
            return
        changes = list(plan.changes) or plan_differences(current, plan)
        what = "; ".join(line.rstrip(".") for line in changes) or "no change to your exercises"
        news = (f"Your physiotherapist sent a new plan (version {plan.version}, from "
                f"{day_words(plan.valid_from, full=True)}): {what}.")
        self._offer(sent, f"<div style='font-size:1.1em;margin:0.4em 0'>{html.escape(news)}</div>")

    @guard("Could not keep the plan")
    def _on_accept_click(self, _button: widgets.Button) -> None:
        sent = self._sent
        if sent is None:
            return
        self._offer(None)
        try:
            save_accepted(self.store.directory, sent.text, now_local())
        except ValueError as error:  # a PlanError too; another copy of the page kept one first
            self._show(f"Not kept: {error}.", error=True)
            return
        start = sent.plan.valid_from
        when = (f"From {day_words(start, full=True)} your sessions follow it"
                if start is not None and start > now_local().date()
                else "Your next session follows it")
        self._show(f"Saved. {when}; {self._again}.")

    @guard("Could not put the plan aside")
    def _on_not_now_click(self, _button: widgets.Button) -> None:
        self._offer(None)
        self._show("Nothing was changed: your plan stays as it is. You can load the new one "
                   "again at any time.")
