"""The optional one-tap questions of a session and a day without one.

* :class:`StopReason`: after *Skip exercise* or *Stop*, why (pain, too hard, not enough time,
  other). The session goes on at once; each tap is logged at once, until the after-score.
* :class:`ExerciseFeelings`: with the after-score, a row per exercise done: easy, about
  right or hard, and "This one hurt".
* :class:`BarrierQuestion`: "What got in the way?" (no time, pain, forgot, tired, no place or
  equipment, other with a few words), part of the rest-day check-in and of
  :class:`MissedDays`, which asks it of the days the plan expected a session that had none.

Nothing here is ever required, and a question left alone logs nothing: a missing answer is
unknown. The words are the patient's; the report says the same things in clinical terms.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime

import ipywidgets as widgets

from ..analysis.signals import missed_planned_days
from ..log.store import LogStore, SignalEntry, load_log, now_local
from ..plan import Exercise, Plan
from ..text import and_list, day_words
from ..words.signals import BARRIER_WORDS as WORDS_BARRIER
from ..words.signals import FELT_WORDS as WORDS_FELT
from ..words.signals import STOP_REASON_WORDS
from .widget_parts import Guarded, button, guard, html_box


def _buttons(words: dict[str, str]) -> dict[str, str]:
    """A button's label for each answer: its words with a capital."""
    return {value: text[:1].upper() + text[1:] for value, text in words.items()}


REASON_WORDS = _buttons(STOP_REASON_WORDS)
FELT_WORDS = _buttons(WORDS_FELT)
BARRIER_WORDS = _buttons(WORDS_BARRIER)
NOTE_MAX = 200  # a few words with "other", no more
# the days before today a missed planned session is asked about
MISSED_LOOK_BACK_DAYS = 7


def _row_label(text: str, width: str = "") -> widgets.HTML:
    made = widgets.HTML(f"<div style='font-size:1.05em'>{html.escape(text)}</div>")
    if width:
        made.layout.width = width
    return made


def _choices(words: dict[str, str], css_class: str, width: str = "7em"
             ) -> widgets.ToggleButtons:
    made = widgets.ToggleButtons(options=[(text, value) for value, text in words.items()],
                                 value=None, style={"button_width": width})
    made.add_class(css_class)
    return made


def missed_day_words(day: date, today: date) -> str:
    """A missed day as the patient says it: ``yesterday``, or ``Tue 1 Dec``."""
    return "yesterday" if (today - day).days == 1 else day_words(day)


class StopReason(widgets.VBox):
    """Why a block was skipped or stopped: one optional tap, logged at once.

    Parameters
    ----------
    give
        Called with the reason's value when the patient taps one (the engine's
        :meth:`~.engine.SessionEngine.give_reason`); an error it raises is shown by ``report``.
    report
        Shows an error in the widget that holds this one.
    """

    def __init__(self, give: Callable[[str], object],
                 report: Callable[[str, BaseException], None]) -> None:
        self._give = give
        self._report_error = report
        self._question = _row_label("")
        self.choices = _choices(REASON_WORDS, "br-reason", "9em")
        self.choices.observe(self._on_choice, names="value")
        super().__init__([self._question, self.choices],
                         layout=widgets.Layout(display="none", margin="0.4em 0"))
        self.add_class("br-reason-row")

    def ask(self, exercise: Exercise, skipped: bool) -> None:
        """Ask about ``exercise``, just skipped or stopped; an earlier answer stays logged."""
        verb = "skip" if skipped else "stop"
        self._question.value = (f"<div style='font-size:1.05em'>Why did you {verb} "
                                f"{html.escape(exercise.name.lower())}? Optional, one tap; the "
                                "session goes on.</div>")
        with self.hold_trait_notifications():
            self.choices.unobserve(self._on_choice, names="value")
            self.choices.value = None
            self.choices.observe(self._on_choice, names="value")
        self.choices.disabled = False
        self.layout.display = ""

    def close_question(self) -> None:
        """No more answers: the after-score is in."""
        self.choices.disabled = True

    def _on_choice(self, change: dict) -> None:
        if change["new"] is None:
            return
        try:
            self._give(change["new"])
        except Exception as error:
            self._report_error("Could not save why you stopped", error)


class ExerciseFeelings(widgets.VBox):
    """How each exercise done felt, and which hurt: a row of taps per exercise, all optional.

    Attributes
    ----------
    felt
        Exercise id to ``easy``, ``right`` or ``hard`` for the rows answered.
    hurt
        The exercise ids marked "This one hurt", in plan order.
    """

    def __init__(self) -> None:
        self._rows: dict[str, tuple[widgets.ToggleButtons, widgets.ToggleButton]] = {}
        super().__init__([], layout=widgets.Layout(display="none"))
        self.add_class("br-feelings")

    def show_exercises(self, exercises: Sequence[Exercise]) -> None:
        """One row for each exercise done (none: the question is not shown)."""
        self._rows = {}
        rows: list[widgets.Widget] = [_row_label(
            "How did each exercise feel? Optional: answer any, or none.")]
        for exercise in exercises:
            felt = _choices(FELT_WORDS, "br-felt", "7.5em")
            felt.add_class(f"br-felt-{exercise.id}")
            hurt = widgets.ToggleButton(description="This one hurt", value=False,
                                        layout=widgets.Layout(width="9em"))
            hurt.add_class("br-hurt")
            hurt.add_class(f"br-hurt-{exercise.id}")
            self._rows[exercise.id] = (felt, hurt)
            rows.append(widgets.HBox([_row_label(exercise.name, "10em"), felt, hurt],
                                     layout=widgets.Layout(align_items="center",
                                                           flex_flow="row wrap")))
        self.children = rows
        self.layout.display = "" if exercises else "none"

    @property
    def felt(self) -> dict[str, str]:
        return {exercise: row[0].value for exercise, row in self._rows.items()
                if row[0].value is not None}

    @property
    def hurt(self) -> list[str]:
        return [exercise for exercise, row in self._rows.items() if row[1].value]

    def close_question(self) -> None:
        for felt, hurt in self._rows.values():
            felt.disabled = hurt.disabled = True


class BarrierQuestion(widgets.VBox):
    """"What got in the way?": any of the barriers, one tap each, and a few words with Other.

    Parameters
    ----------
    question
        The question's words.
    prefix
        Starts the CSS classes of its parts (``br-barrier`` gives ``br-barrier-no_time``,
        ``br-barrier-note``), so two of them on one page are told apart.
    """

    def __init__(self, question: str = "What got in the way? Optional.",
                 prefix: str = "br-barrier") -> None:
        self._question = _row_label(question)
        self._chips = {}
        for value, text in BARRIER_WORDS.items():
            chip = widgets.ToggleButton(description=text, value=False,
                                        layout=widgets.Layout(width="auto"))
            chip.add_class(prefix)
            chip.add_class(f"{prefix}-{value}")
            self._chips[value] = chip
        self.note = widgets.Text(placeholder="A few words (optional)",
                                 layout=widgets.Layout(width="24em", display="none"))
        self.note.add_class(f"{prefix}-note")
        self._chips["other"].observe(self._on_other, names="value")
        super().__init__([self._question,
                          widgets.HBox(list(self._chips.values()),
                                       layout=widgets.Layout(flex_flow="row wrap")),
                          self.note])
        self.add_class(f"{prefix}-question")

    def set_question(self, text: str) -> None:
        self._question.value = f"<div style='font-size:1.05em'>{html.escape(text)}</div>"

    @property
    def chosen(self) -> list[str]:
        """The barriers tapped, in the order they are offered."""
        return [value for value, chip in self._chips.items() if chip.value]

    def entries(self, now: datetime, days: Sequence[date]) -> list[SignalEntry]:
        """A row for each barrier tapped and each of ``days`` (none when nothing is tapped)."""
        note = self.note.value.strip()[:NOTE_MAX] if "other" in self.chosen else ""
        return [SignalEntry(now, "barrier", value, days_ago=(now.date() - day).days,
                            note=note if value == "other" else "")
                for day in days for value in self.chosen]

    def clear(self) -> None:
        for chip in self._chips.values():
            chip.value = False
        self.note.value = ""

    def close_question(self) -> None:
        for chip in self._chips.values():
            chip.disabled = True
        self.note.disabled = True

    def _on_other(self, change: dict) -> None:
        self.note.layout.display = "" if change["new"] else "none"


class MissedDays(Guarded, widgets.VBox):
    """Asks "What got in the way?" of the days the plan expected a session that had none.

    Shown only when there are such days (:func:`~.analysis.signals.missed_planned_days`, the
    last :data:`MISSED_LOOK_BACK_DAYS` days, none already answered); *Save* logs a barrier
    row per day and barrier tapped, *Not now* puts it away for this page.

    Parameters
    ----------
    plan, store
        The plan (its weekly target) and the log.
    today
        The patient's local day; default today.
    """

    def __init__(self, plan: Plan, store: LogStore, today: date | None = None) -> None:
        self.store = store
        self.today = today or now_local().date()
        self.days = self._missed(plan)
        self._message = html_box("br-missed-message")
        self._output = widgets.Output()
        self.question = BarrierQuestion(prefix="br-missed")
        self.question.set_question(self._words())
        self._save = button("Save", "br-missed-save", "primary", "check")
        self._later = button("Not now", "br-missed-later")
        self._save.on_click(self._on_save)
        self._later.on_click(self._on_later)
        super().__init__([self.question, widgets.HBox([self._save, self._later]),
                          self._message, self._output],
                         layout=widgets.Layout(border="1px solid #bbb", padding="0.6em",
                                               display="" if self.days else "none"))
        self.add_class("br-missed")

    def _missed(self, plan: Plan) -> list[date]:
        if not self.store.directory.is_dir():
            return []
        try:
            log = load_log(self.store.directory)
        except Exception:  # the log's own problems are shown where the log is read
            return []
        return missed_planned_days(log.exercise, log.signals, plan.target_sessions_per_week,
                                   self.today, look_back_days=MISSED_LOOK_BACK_DAYS)

    def _words(self) -> str:
        named = [missed_day_words(day, self.today) for day in self.days]
        on = "" if named[:1] == ["yesterday"] else "on "
        return (f"No session {on}{and_list(named)}. What got in the way? Optional: tap any, "
                "then Save.")

    @guard("Could not save what got in the way")
    def _on_save(self, _button: widgets.Button) -> None:
        entries = self.question.entries(now_local(), self.days)
        if not entries:
            self._show("Tap what got in the way first, or press Not now.")
            return
        self.store.extend_signals(entries)
        self.question.close_question()
        self._save.disabled = self._later.disabled = True
        self._show("Thank you, noted for your physiotherapist.")

    @guard("Could not put the question away")
    def _on_later(self, _button: widgets.Button) -> None:
        self.layout.display = "none"


__all__ = ["BARRIER_WORDS", "FELT_WORDS", "REASON_WORDS", "BarrierQuestion", "ExerciseFeelings",
           "MissedDays", "StopReason", "missed_day_words"]
