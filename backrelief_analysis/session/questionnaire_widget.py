"""The outcome questionnaire widget: PEG, PSFS, and optional ODI and RMDQ totals.

A thin view over :mod:`backrelief_analysis.session.questionnaire`: the widget reads the form, the
module checks it and makes the entries, and :class:`~backrelief_analysis.log.store.LogStore` writes
each measure's set at once. Controls carry stable CSS classes (``br-q-...``).
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets

from ..log.schema import EXERCISE, PAIN
from ..log.store import Log, LogStore, empty_frame, load_log, now_local
from ..plan import Plan
from . import questionnaire as q
from .widget_parts import Guarded, button, guard, html_box, label, plan_or_problem, score_buttons


def _new_diary(directory: Path) -> Log:
    """The log of a folder not made yet: no rows, nothing wrong (its first write makes it)."""
    return Log(exercise=empty_frame(EXERCISE), pain=empty_frame(PAIN), directory=directory)


class QuestionnaireWidget(Guarded, widgets.VBox):
    """The outcome questionnaires, every ``questionnaire_every_days`` days (never required).

    Parameters
    ----------
    plan, store
        As for :class:`~backrelief_analysis.session.widget.SessionWidget`.
    """

    def __init__(self, plan: Plan | None = None, store: LogStore | None = None) -> None:
        # a plan with a mistake does not stop the form; only the due date is unknown
        self.store = store or LogStore()
        self.plan, _problem = plan_or_problem(plan, self.store.directory)
        self._status = html_box("br-q-status")
        self._peg = {item: score_buttons(f"br-q-peg-{item}") for item in q.PEG_QUESTIONS}
        self._names = [widgets.Text(placeholder=f"activity {number}",
                                    layout=widgets.Layout(width="16em"))
                       for number in range(1, q.PSFS_MAX_ACTIVITIES + 1)]
        self._ratings = [score_buttons(f"br-q-psfs-score-{number}")
                         for number in range(1, q.PSFS_MAX_ACTIVITIES + 1)]
        for number, name in enumerate(self._names, start=1):
            name.add_class(f"br-q-psfs-name-{number}")
        self._totals = {measure: widgets.Text(placeholder="leave empty if you have none",
                                              layout=widgets.Layout(width="16em"))
                        for measure in q.TOTALS}
        for measure, box in self._totals.items():
            box.add_class(f"br-q-{measure}")
        self._save = button("Save questionnaire", "br-q-save", "primary", "check")
        self._message = html_box("br-q-message")
        self._output = widgets.Output()
        self._output.add_class("br-q-output")

        self._save.on_click(self._on_save_click)

        peg = [child for item, question in q.PEG_QUESTIONS.items()
               for child in (label(question), self._peg[item])]
        psfs = [widgets.HBox([name, rating]) for name, rating in zip(self._names, self._ratings,
                                                                      strict=True)]
        totals = [child for measure, question in q.TOTALS.items()
                  for child in (label(question), self._totals[measure])]
        super().__init__(children=[
            widgets.HTML("<h3 style='margin:0.2em 0'>Outcome questionnaires</h3>"),
            self._status,
            widgets.HTML("<h4 style='margin:0.6em 0 0 0'>Pain and how it gets in the way "
                         "(PEG)</h4>"), *peg,
            widgets.HTML("<h4 style='margin:0.6em 0 0 0'>Your activities (PSFS)</h4>"),
            label(q.PSFS_QUESTION), *psfs,
            widgets.HTML("<h4 style='margin:0.6em 0 0 0'>Totals from your clinic's forms</h4>"),
            *totals, self._save, self._message, self._output,
        ], layout=widgets.Layout(border="1px solid #bbb", padding="0.6em"))  # fmt: skip
        self.add_class("br-questionnaire")
        self._refresh()

    def _refresh(self) -> None:
        """Offer the activities named last time again, and say when the next one is due."""
        try:
            log = (load_log(self.store.directory) if self.store.directory.is_dir()
                   else _new_diary(self.store.directory))  # a new diary: nothing earlier yet
        except Exception as error:  # the form still works; only the history is unknown
            self._status.value = html.escape(f"(Could not read earlier questionnaires: {error})")
            return
        for name, rating, known in zip(self._names, self._ratings,
                                       q.known_activities(log.outcomes)
                                       + [""] * q.PSFS_MAX_ACTIVITIES, strict=False):
            name.value, rating.value = known, None
        if self.plan is None:
            self._status.value = html.escape(
                "Your plan could not be read, so when the next questionnaire is due is not "
                "shown; the form still saves your answers.")
            return
        self._status.value = html.escape(q.due_text(log, self.plan))

    @guard("Could not save the questionnaire")
    def _on_save_click(self, _button: widgets.Button) -> None:
        try:
            totals = {measure: q.parse_total(box.value, measure)
                      for measure, box in self._totals.items()}
            sets = q.occasion_sets(
                now_local(),
                peg={item: buttons.value for item, buttons in self._peg.items()},
                psfs=[(name.value, rating.value)
                      for name, rating in zip(self._names, self._ratings, strict=True)],
                **totals)
        except ValueError as problem:  # a form to correct, nothing written
            self._show(str(problem), error=True)
            return
        saved: list[str] = []
        for entries in sets:
            try:
                self.store.extend_outcomes(entries)
            except Exception as error:  # say what is safe on disk and what is not
                done = f"{', '.join(saved)} saved; " if saved else "Nothing saved; "
                self._report(f"{done}could not save the {entries[0].measure.upper()} to "
                             f"{self.store.directory}", error)
                return
            saved.append(entries[0].measure.upper())
        self._show(f"Saved at {now_local():%H:%M}: {', '.join(saved)}. Thank you.")
        for buttons in self._peg.values():
            buttons.value = None
        for box in self._totals.values():
            box.value = ""
        self._refresh()
