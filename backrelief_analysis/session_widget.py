"""Notebook widgets: a guided session (:class:`SessionWidget`) and a rest-day check-in.

Both are thin views: the timing and logging live in :mod:`backrelief_analysis.engine` and
:mod:`backrelief_analysis.store`. Every control has a stable CSS class (``br-start``,
``br-countdown``, ...) so browser tests find it. Anything that goes wrong in a callback is shown
in the widget (the message line and an ``Output``), never lost.
"""

from __future__ import annotations

import functools
import html
import traceback
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from . import audio
from .adherence import sessions_in_week
from .engine import SessionEngine, SessionEvent, SessionState
from .plan import Plan, load_plan
from .questionnaire import due_line
from .store import LogStore, PainEntry, load_log, now_local

SAFETY_HTML = (
    "<b>Safety first.</b> Stop the exercise if the pain turns sharp, if it spreads down a leg, "
    "or if it comes with numbness, tingling or weakness. Get medical help at once if you lose "
    "control of your bladder or bowels, or feel numb around the groin. "
    "This kit is not medical advice: follow the plan your own clinician gave you."
)
PAIN_QUESTION = "Your lower back pain right now (0 = no pain, 10 = worst pain imaginable)"

_PHASES = {
    # label, background; dark enough for white text, told apart by words as well as colour
    "ready": ("READY", "#555555"),
    "get_ready": ("GET READY", "#a04d00"),
    "hold": ("HOLD", "#0a5a9c"),
    "release": ("RELEASE", "#00704f"),
    "switch": ("SWITCH SIDES", "#7a4f9a"),
    "rest": ("REST", "#7a4f9a"),
    "done": ("DONE", "#333333"),
    "stopped": ("STOPPED", "#333333"),
}
_SIDE_WORDS = {"left": "left leg", "right": "right leg", "": ""}
# the session running in this kernel: re-running the notebook cell makes a new widget, and the
# old, now invisible session must not go on logging behind the user's back
_running: list[SessionEngine] = []


def _pain_buttons(css_class: str) -> widgets.ToggleButtons:
    # value None means "not given yet": a score must be chosen, never defaulted
    buttons = widgets.ToggleButtons(
        options=[(str(score), score) for score in range(11)],
        value=None,
        style={"button_width": "3.2em"},
    )
    buttons.add_class(css_class)
    return buttons


def _flare_buttons(css_class: str) -> widgets.ToggleButtons:
    buttons = widgets.ToggleButtons(
        options=[("No", "no"), ("Yes", "yes")], value=None, style={"button_width": "5em"}
    )
    buttons.add_class(css_class)
    return buttons


def _note(css_class: str) -> widgets.Textarea:
    note = widgets.Textarea(
        placeholder="Optional note, e.g. what made it better or worse",
        layout=widgets.Layout(width="32em", height="4.5em"),
    )
    note.add_class(css_class)
    return note


def _html(css_class: str, value: str = "", **layout: Any) -> widgets.HTML:
    widget = widgets.HTML(value, layout=widgets.Layout(**layout))
    widget.add_class(css_class)
    return widget


def _button(description: str, css_class: str, style: str = "", icon: str = "") -> widgets.Button:
    button = widgets.Button(
        description=description, button_style=style, icon=icon,
        layout=widgets.Layout(width="auto", height="3em", padding="0 1.2em",
                              align_self="flex-start"),
    )  # fmt: skip
    button.add_class(css_class)
    return button


def _label(text: str) -> widgets.HTML:
    return widgets.HTML(f"<div style='font-size:1.05em;margin-top:0.6em'>{html.escape(text)}</div>")


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _about(seconds: float) -> str:
    minutes = round(seconds / 60)
    return "Under a minute" if minutes < 1 else f"About {minutes} minute{'s' * (minutes > 1)}"


def _week_line(store: LogStore, plan: Plan) -> str:
    """'Sessions this week: 2 of 7.' from the log on disk."""
    try:
        log = load_log(store.directory)
        done = sessions_in_week(log.exercise, now_local().date())
    except Exception as error:  # the row is saved; only the count failed
        return f"(Could not count this week's sessions: {error})"
    return f"Sessions this week: {done} of {plan.target_sessions_per_week} planned."


class _Guarded:
    """Shows errors from callbacks in the widget instead of losing them."""

    _message: widgets.HTML
    _output: widgets.Output

    def _show(self, text: str, *, error: bool = False) -> None:
        colour = "#9b1c1c" if error else "#1f3d1f"
        self._message.value = (
            f"<div style='font-size:1.1em;color:{colour};margin:0.4em 0'>{html.escape(text)}</div>"
        )

    def _report(self, what: str, error: BaseException) -> None:
        self._show(f"{what}: {error}", error=True)
        self._output.append_stderr("".join(traceback.format_exception(error)))


def _guard(what: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def wrap(method: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(method)
        def guarded(self: _Guarded, *args: Any) -> None:
            try:
                method(self, *args)
            except Exception as error:
                self._report(what, error)

        return guarded

    return wrap


class SessionWidget(_Guarded, widgets.VBox):
    """A guided session: pain before, Start, the timer with sound cues, pain after.

    Parameters
    ----------
    plan
        The plan to follow; default :func:`~backrelief_analysis.plan.load_plan` (respects
        ``BACKRELIEF_PLAN``).
    store
        Where to log; default ``LogStore()`` (respects ``BACKRELIEF_DATA_DIR``).
    **engine_options
        Passed to :class:`~backrelief_analysis.engine.SessionEngine` (``clock``, ``sleep``,
        ``get_ready_s``, ...); tests use them to run on a fake clock.

    Attributes
    ----------
    engine
        The session engine behind the widget.
    """

    def __init__(
        self, plan: Plan | None = None, store: LogStore | None = None, **engine_options: Any
    ) -> None:
        self.plan = plan or load_plan()
        self.store = store or LogStore()
        self.engine = SessionEngine(self.plan, self.store, **engine_options)
        self._variant = 0
        self._saved = False
        self._failed = False

        self._title = widgets.HTML(
            f"<h3 style='margin:0.2em 0'>Guided session: {html.escape(self.plan.name)}</h3>"
            f"<div style='color:#444'>{html.escape('; '.join(self.plan.summary_lines()))}."
            f" {_about(self.engine.total_s)}.</div>"
        )
        self._safety = _html(
            "br-safety",
            f"<div style='background:#fff4e5;border-left:4px solid #a04d00;padding:0.5em 0.8em;"
            f"color:#222'>{SAFETY_HTML}</div>",
        )
        self._pain_before = _pain_buttons("br-pain-before")
        self._start = _button("Start session", "br-start", "success", "play")
        self._pause = _button("Pause", "br-pause", "", "pause")
        self._skip = _button("Skip exercise", "br-skip", "", "forward")
        self._stop = _button("Stop", "br-stop", "warning", "stop")
        self._mute = widgets.ToggleButton(
            value=False, description="Sound on", icon="volume-up",
            layout=widgets.Layout(width="auto", height="3em"),
        )  # fmt: skip
        self._mute.add_class("br-mute")

        self._exercise = _html("br-exercise")
        self._phase = _html("br-phase")
        self._countdown = _html("br-countdown")
        self._rep = _html("br-rep")
        self._instructions = _html("br-instructions", width="38em")
        self._progress = widgets.FloatProgress(
            value=0.0, min=0.0, max=1.0, layout=widgets.Layout(width="28em", height="1.6em")
        )
        self._progress.add_class("br-progress")
        self._time_left = _html("br-time-left")

        self._pain_after = _pain_buttons("br-pain-after")
        self._flare = _flare_buttons("br-flare")
        self._note = _note("br-note")
        self._save = _button("Save", "br-save", "primary", "check")
        self._after = widgets.VBox([
            widgets.HTML("<h4 style='margin:0.4em 0'>How are you now?</h4>"),
            _label(PAIN_QUESTION + ", needed to save"), self._pain_after,
            _label("Is today a flare-up (a bad spell that is hard to bear and gets in the way "
                   "of your day)?"), self._flare,
            _label("Note"), self._note, self._save,
        ], layout=widgets.Layout(display="none", border="1px solid #bbb", padding="0.6em"))
        self._after.add_class("br-after")

        self._message = _html("br-message")
        self._output = widgets.Output()
        self._output.add_class("br-output")
        self._audio = widgets.Audio(
            value=audio.to_wav(audio.tone(440, 0.01) * 0), format="wav",
            autoplay=True, loop=False, controls=False,
        )  # fmt: skip
        self._audio.add_class("br-audio")

        self._pain_before.observe(self._on_pain_before, names="value")
        self._start.on_click(self._on_start_click)
        self._pause.on_click(self._on_pause_click)
        self._skip.on_click(self._on_skip_click)
        self._stop.on_click(self._on_stop_click)
        self._mute.observe(self._on_mute, names="value")
        self._pain_after.observe(self._on_pain_after, names="value")
        self._save.on_click(self._on_save_click)
        self.engine.add_observer(self._on_event)

        display = widgets.VBox([
            self._exercise,
            widgets.HBox([self._phase, self._countdown],
                         layout=widgets.Layout(align_items="center")),
            self._rep, self._instructions,
            widgets.HBox([self._progress, self._time_left],
                         layout=widgets.Layout(align_items="center")),
        ], layout=widgets.Layout(border="1px solid #bbb", padding="0.4em 1em", margin="0.5em 0"))
        super().__init__(children=[
            self._title, self._safety,
            _label(PAIN_QUESTION), self._pain_before,
            widgets.HBox([self._start, self._pause, self._skip, self._stop, self._mute],
                         layout=widgets.Layout(margin="0.6em 0", flex_flow="row wrap")),
            display, self._after, self._message, self._output, self._audio,
        ])  # fmt: skip
        self.add_class("br-session")
        self._render(self.engine.state)
        self._update_buttons(self.engine.state)

    # --- handlers ----------------------------------------------------------------------------

    @_guard("Could not update the form")
    def _on_pain_before(self, _change: dict) -> None:
        self._update_buttons(self.engine.state)

    @_guard("Could not start the session")
    def _on_start_click(self, _button: widgets.Button) -> None:
        pain = self._pain_before.value
        if pain is None or self.engine.state.status != "ready":
            return
        try:
            self.store.append_pain(PainEntry(now_local(), pain, "before_session",
                                             self.engine.session_id))
        except Exception as error:
            # no session without a working log: it would not be saved either
            self._report(f"Could not save your pain score to {self.store.directory}, so the "
                         "session did not start", error)
            return
        self._pain_before.disabled = True
        self._start.disabled = True
        for other in _running:
            other.stop()  # logged as stopped where it was
        _running[:] = [self.engine]
        self._show("Session started. Lie down and follow the sounds.")
        self.engine.start()

    @_guard("Could not pause or resume")
    def _on_pause_click(self, _button: widgets.Button) -> None:
        if self.engine.state.status == "paused":
            self.engine.resume()
        else:
            self.engine.pause()

    @_guard("Could not skip")
    def _on_skip_click(self, _button: widgets.Button) -> None:
        self.engine.skip_exercise()

    @_guard("Could not stop")
    def _on_stop_click(self, _button: widgets.Button) -> None:
        self.engine.stop()

    @_guard("Could not switch the sound")
    def _on_mute(self, change: dict) -> None:
        muted = change["new"]
        self._mute.description = "Muted" if muted else "Sound on"
        self._mute.icon = "volume-off" if muted else "volume-up"

    @_guard("Could not update the form")
    def _on_pain_after(self, _change: dict) -> None:
        self._save.disabled = self._saved or self._pain_after.value is None

    @_guard("Could not show the session")
    def _on_event(self, event: SessionEvent) -> None:
        if event.kind == "cue" and event.cue:
            self._play(event.cue)
        elif event.kind == "error" and event.error is not None:
            self._report(
                f"Could not write to the log in {self.store.directory} (the session goes on and "
                "will try again)", event.error,
            )  # fmt: skip
        elif event.kind == "failed" and event.error is not None:
            self._failed = True
            self._report("The session timer stopped because of an error", event.error)
        elif event.kind == "ended":
            self._on_ended(event.state)
        if event.kind in ("state", "ended"):
            self._render(event.state)
            self._update_buttons(event.state)

    @_guard("Could not save")
    def _on_save_click(self, _button: widgets.Button) -> None:
        pain = self._pain_after.value
        if pain is None or self._saved:
            return
        if not self.engine.flush():
            self._show(f"{len(self.engine.unsaved)} exercise block(s) could still not be "
                       f"written to {self.store.directory}; fix the folder and press Save again.",
                       error=True)  # fmt: skip
            return
        flare = self._flare.value or ""
        note = self._note.value.strip()
        self.store.append_pain(PainEntry(now_local(), pain, "after_session",
                                         self.engine.session_id, flare, note))
        self._saved = True
        for control in (self._pain_after, self._flare, self._note, self._save):
            control.disabled = True
        flare_text = {"yes": "a flare-up day", "no": "not a flare-up day", "": "flare-up not given"}
        self._show(
            f"Saved: pain {self._pain_before.value} before and {pain} after this session, "
            f"{flare_text[flare]}{', with your note' if note else ''}. "
            + _week_line(self.store, self.plan) + " " + due_line(self.store.directory, self.plan)
        )

    # --- view --------------------------------------------------------------------------------

    def _play(self, cue: str) -> None:
        if self._mute.value:
            return
        # other bytes each time: the Audio widget replays only when its value changes
        self._audio.value = audio.cue_wav(cue, variant=self._variant)
        self._variant ^= 1

    def _on_ended(self, state: SessionState) -> None:
        self._after.layout.display = ""
        self._save.disabled = self._pain_after.value is None
        blocks = self.engine.logged + self.engine.unsaved
        done = sum(block.status == "completed" for block in blocks)
        ended = "finished" if state.status == "finished" else "stopped"
        if self._failed:
            return  # the error stays on screen; the pain form is open all the same
        self._show(f"Session {ended}: {done} of {len(blocks)} exercise blocks completed. "
                   "Please give your pain score now and press Save.")

    def _update_buttons(self, state: SessionState) -> None:
        active = state.status in ("running", "paused")
        self._start.disabled = state.status != "ready" or self._pain_before.value is None
        self._pain_before.disabled = state.status != "ready" or self.engine.task is not None
        self._pause.disabled = not active
        self._skip.disabled = not active or state.phase == "done"
        self._stop.disabled = not active
        paused = state.status == "paused"
        self._pause.description = "Resume" if paused else "Pause"
        self._pause.icon = "play" if paused else "pause"
        self._pause.button_style = "info" if paused else ""

    def _render(self, state: SessionState) -> None:
        phase = "stopped" if state.status == "stopped" else state.phase
        label, colour = _PHASES[phase]
        if state.status == "paused":
            label, colour = f"{label} · PAUSED", "#666666"
        exercise = state.exercise
        name = exercise.name if exercise and not state.ended else ""
        self._set(self._exercise, f"<div style='font-size:2em;font-weight:600'>"
                                  f"{html.escape(name)}</div>")
        self._set(self._phase, (
            f"<div style='font-size:2.4em;font-weight:700;color:white;background:{colour};"
            f"padding:0.15em 0.6em;border-radius:0.3em;white-space:nowrap'>{label}</div>"))
        if state.status == "ready":
            number = _minutes(self.engine.total_s)
        elif state.ended:
            number = "✓" if state.status == "finished" else "–"
        else:
            number = str(state.countdown)
        self._set(self._countdown, (
            "<div style='font-size:9em;font-weight:700;line-height:1;margin-left:0.25em;"
            f"font-variant-numeric:tabular-nums;color:#111'>{number}</div>"))
        self._set(self._rep, "<div style='font-size:2em;color:#222'>"
                             f"{html.escape(self._rep_text(state))}</div>")
        instructions = exercise.instructions if exercise and not state.ended else ""
        self._set(self._instructions, "<div style='font-size:1.15em;color:#333'>"
                                      f"{html.escape(instructions)}</div>")
        self._progress.value = state.progress
        self._set(self._time_left, "<div style='font-size:1.3em;margin-left:0.6em'>"
                                   f"{_minutes(state.time_left_s)} left</div>")

    def _rep_text(self, state: SessionState) -> str:
        side = _SIDE_WORDS[state.side]
        with_side = f" · {side}" if side else ""
        if state.status == "ready":
            return "Choose your pain score, then press Start."
        if state.status == "finished":
            return "All done. Well done!"
        if state.status == "stopped":
            return "Session stopped."
        if state.phase in ("hold", "release"):
            return f"rep {state.rep} of {state.reps}{with_side}"
        reps = state.exercise.reps if state.exercise else 0
        if state.phase == "switch":
            return f"next: the {side}, {reps} reps"
        first = "first" if state.phase == "get_ready" else "next"
        return f"{first}: {reps} reps{with_side}"

    @staticmethod
    def _set(widget: widgets.HTML, value: str) -> None:
        # send only changes: the countdown re-renders every second
        if widget.value != value:
            widget.value = value


class CheckInWidget(_Guarded, widgets.VBox):
    """A check-in for a day without exercise: pain now, flare-up yes/no, a note.

    Parameters
    ----------
    plan, store
        As for :class:`SessionWidget`; the plan gives the weekly target shown after saving.
    """

    def __init__(self, plan: Plan | None = None, store: LogStore | None = None) -> None:
        self.plan = plan or load_plan()
        self.store = store or LogStore()
        self._pain = _pain_buttons("br-checkin-pain")
        self._flare = _flare_buttons("br-checkin-flare")
        self._note = _note("br-checkin-note")
        self._save = _button("Save check-in", "br-checkin-save", "primary", "check")
        self._save.disabled = True
        self._message = _html("br-checkin-message")
        self._output = widgets.Output()
        self._output.add_class("br-checkin-output")

        self._pain.observe(self._on_pain, names="value")
        self._save.on_click(self._on_save_click)

        super().__init__(children=[
            widgets.HTML("<h3 style='margin:0.2em 0'>Check-in for a day without exercise</h3>"),
            _label(PAIN_QUESTION), self._pain,
            _label("Is today a flare-up (a bad spell that is hard to bear and gets in the way "
                   "of your day)?"), self._flare,
            _label("Note"), self._note, self._save, self._message, self._output,
        ], layout=widgets.Layout(border="1px solid #bbb", padding="0.6em"))  # fmt: skip
        self.add_class("br-checkin")

    @_guard("Could not update the form")
    def _on_pain(self, _change: dict) -> None:
        self._save.disabled = self._pain.value is None

    @_guard("Could not save the check-in")
    def _on_save_click(self, _button: widgets.Button) -> None:
        pain = self._pain.value
        if pain is None:
            return
        flare = self._flare.value or ""
        note = self._note.value.strip()
        moment = now_local()
        self.store.append_pain(PainEntry(moment, pain, "check_in", "", flare, note))
        flare_text = {"yes": "a flare-up day", "no": "not a flare-up day", "": "flare-up not given"}
        self._show(
            f"Saved at {moment:%H:%M}: pain {pain}, {flare_text[flare]}"
            f"{', with your note' if note else ''}. " + _week_line(self.store, self.plan)
        )
        # ready for another day, and no double save by a second click
        self._pain.value = None
        self._flare.value = None
        self._note.value = ""
