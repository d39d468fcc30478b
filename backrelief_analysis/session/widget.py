"""Notebook widgets: a guided session (:class:`SessionWidget`) and a rest-day check-in.

Both are thin views: the timing and logging live in :mod:`backrelief_analysis.session.engine` and
:mod:`backrelief_analysis.log.store`. Every control has a stable CSS class (``br-start``,
``br-countdown``, ...) so browser tests find it. Anything that goes wrong in a callback is shown
in the widget (the message line and an ``Output``), never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from ..analysis.adherence import sessions_in_week
from ..log.store import LogStore, PainEntry, load_log, now_local
from ..plan import Plan, PlanError, same_plan
from ..text import day_words, plural
from . import audio
from .active import (
    ActiveSession,
    plan_key,
    read_active,
    runs_elsewhere,
)
from .cues import side_words
from .engine import SessionBusy, SessionClosed, SessionEngine, SessionEvent, SessionState
from .questionnaire import due_line
from .settings import SoundSettings, load_settings, save_settings
from .signals_widget import BarrierQuestion, ExerciseFeelings, MissedDays, StopReason
from .widget_parts import (
    Guarded,
    button,
    guard,
    html_box,
    label,
    plan_or_problem,
    score_buttons,
    todays_plan,
)

SAFETY_HTML = (
    "<b>Safety first.</b> Stop the exercise if the pain turns sharp, if it spreads down a leg, "
    "or if it comes with numbness, tingling or weakness. Get medical help at once if you lose "
    "control of your bladder or bowels, or feel numb around the groin. "
    "This kit is not medical advice: follow the plan your own clinician gave you."
)
PAIN_QUESTION = "Your lower back pain right now (0 = no pain, 10 = worst pain imaginable)"

_HERE = Path(__file__).resolve().parent
# the word for what to do now; the browser colours each phase too, never by colour alone
_PHASES = {
    "ready": "READY",
    "get_ready": "GET READY",
    "hold": "HOLD",
    "release": "RELEASE",
    "switch": "SWITCH SIDES",
    "rest": "REST",
    "done": "DONE",
    "stopped": "STOPPED",
}
# the widget of the session last started in this kernel: a second session started elsewhere
# stops it (an invisible session must not go on logging behind the user's back), and a
# re-run cell (after a reload, say) gets it back while it runs or waits for its pain score
_running: list[SessionWidget] = []


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


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _about(seconds: float) -> str:
    minutes = round(seconds / 60)
    return "Under a minute" if minutes < 1 else f"About {minutes} minute{'s' * (minutes > 1)}"


def _week_line(store: LogStore, plan: Plan | None) -> str:
    """'Sessions this week: 2 of 7 planned.' from the log on disk (no target without a plan)."""
    try:  # a new diary (no folder yet) has no sessions, and nothing is wrong
        done = (sessions_in_week(load_log(store.directory).exercise, now_local().date())
                if store.directory.is_dir() else 0)
    except Exception as error:  # the row is saved; only the count failed
        return f"(Could not count this week's sessions: {error})"
    if plan is None:
        return f"Sessions this week: {done}."
    return f"Sessions this week: {done} of {plan.target_sessions_per_week} planned."


class SessionStage(anywidget.AnyWidget):
    """The browser side of a session: countdown, word, controls, voice, tones and wake lock.

    State flows one way: the engine's state goes to :attr:`view` (with ``upcoming``, the
    tones still due in the current step and their deadlines), each cue is sent as a message
    (``{"type": "cue", "cue", "speech", "due_ms", "key"}``), and the browser answers with
    ``{"action": "start" | "pause" | "skip" | "stop"}``. The JavaScript in
    ``widget.js`` only shows and plays: it schedules an announced tone on its
    ``AudioContext`` clock at the engine's deadline, or plays a cue when it arrives; no
    browser timer decides when anything happens.
    """

    _esm = _HERE / "widget.js"
    _css = _HERE / "widget.css"
    view = traitlets.Dict().tag(sync=True)
    voice = traitlets.Bool(True).tag(sync=True)
    tones = traitlets.Bool(True).tag(sync=True)
    fewer_words = traitlets.Bool(False).tag(sync=True)
    tone_spec = traitlets.Dict().tag(sync=True)

    def press(self, action: str) -> None:
        """Act as if the browser sent ``action`` (what a click or the Space key sends)."""
        self._handle_custom_msg({"action": action}, [])


class SessionWidget(Guarded, widgets.VBox):
    """A guided session: pain before, Start, the timer with spoken and tone cues, pain after.

    Parameters
    ----------
    plan
        The plan to follow; default the plan in force today for the store's diary
        (:func:`~backrelief_analysis.session.widget_parts.todays_plan`: the latest accepted plan
        kept in ``plans/`` that applies today, else ``BACKRELIEF_PLAN`` or the shipped plan). A
        plan that cannot be read is shown as one sentence in the widget, with no session,
        instead of an error.
    store
        Where to log; default ``LogStore()`` (respects ``BACKRELIEF_DATA_DIR``). The voice and
        tone switches are remembered in ``settings.json`` beside the log.
    **engine_options
        Passed to :class:`~backrelief_analysis.session.engine.SessionEngine` (``clock``, ``sleep``,
        ``get_ready_s``, ...); tests use them to run on a fake clock.

    Attributes
    ----------
    engine
        The session engine behind the widget (``None`` when the plan could not be read).

    Notes
    -----
    While a session of the same plan and log folder is running in this kernel, or has ended
    and still waits for its pain score, ``SessionWidget(...)`` returns that session's widget
    instead of a new one: running the cell again (after reloading the tab, say) shows the
    session again, in its current state, and never loses the after-session form.

    A session of the same log folder running in another kernel (another page of the app), or
    left behind by one that is gone, is recorded in the folder (:mod:`.active_session`): the
    widget then offers no Start but *Carry on here* (and, for one left behind, *Finish and
    give my pain score*), and looks again each time a page shows it.
    """

    def __new__(
        cls, plan: Plan | None = None, store: LogStore | None = None, **engine_options: Any
    ) -> SessionWidget:
        current = _session_to_show_again(plan, store)
        if current is not None:
            return current
        return super().__new__(cls, plan, store, **engine_options)

    def __init__(
        self, plan: Plan | None = None, store: LogStore | None = None, **engine_options: Any
    ) -> None:
        if getattr(self, "_built", False):
            return  # the running session's widget, shown again as it is
        self._built = True
        self.store = store or LogStore()
        self.plan, problem = plan_or_problem(plan, self.store.directory)
        self._message = html_box("br-message")
        self._output = widgets.Output()
        self._output.add_class("br-output")
        self._safety = html_box(
            "br-safety",
            f"<div style='background:#fff4e5;border-left:4px solid #a04d00;padding:0.5em 0.8em;"
            f"color:#222'>{SAFETY_HTML}</div>",
        )
        if self.plan is None:
            self.engine = None
            super().__init__(children=[
                widgets.HTML("<h3 style='margin:0.2em 0'>Guided session</h3>"),
                _problem_box("br-plan-problem", problem), self._message, self._output,
            ])  # fmt: skip
            self.add_class("br-session")
            return
        self._engine_options = engine_options
        # no plan given: the widget follows the plan in force for its diary, looked for again
        # each time a page shows it (a plan accepted, or a new version's first day, since)
        self._follows_diary = plan is None
        self._saved = False
        self._closing: str | None = None  # the session finished here, awaiting its score
        self._failed = False
        self._carrying = False
        self._left_behind: ActiveSession | None = None
        self._use_engine(read_active(self.store.directory))

        self._title = widgets.HTML(self._title_html())
        self._pain_before = score_buttons("br-pain-before")
        self._before = widgets.VBox([label(PAIN_QUESTION), self._pain_before])
        self._resume_line = html_box("br-resume")
        self._finish = button("Finish and give my pain score", "br-finish")
        self._finish.layout.display = "none"
        sound = load_settings(self.store.directory)
        self._stage = SessionStage(voice=sound.voice, tones=sound.tones,
                                   fewer_words=sound.fewer_words, tone_spec=audio.tone_spec())
        self.engine.fewer_words = sound.fewer_words
        self._stage.add_class("br-stage")
        self._reason = StopReason(self._give_reason, self._report)
        self._feelings = ExerciseFeelings()
        self._missed = MissedDays(self.plan, self.store)

        self._pain_after = score_buttons("br-pain-after")
        self._flare = _flare_buttons("br-flare")
        self._note = _note("br-note")
        self._save = button("Save", "br-save", "primary", "check")
        # beside the button just pressed, where the eye already is
        self._saved_line = html_box("br-saved", margin="0 0 0 1em", flex="1 1 auto")
        self._save.layout.flex = "0 0 auto"
        self._after = widgets.VBox([
            widgets.HTML("<h4 style='margin:0.4em 0'>How are you now?</h4>"),
            label(PAIN_QUESTION + ", needed to save"), self._pain_after,
            label("Is today a flare-up (a bad spell that is hard to bear and gets in the way "
                   "of your day)?"), self._flare,
            label("Note"), self._note, self._feelings,
            widgets.HBox([self._save, self._saved_line],
                         layout=widgets.Layout(align_items="center")),
        ], layout=widgets.Layout(display="none", border="1px solid #bbb", padding="0.6em"))
        self._after.add_class("br-after")

        self._pain_before.observe(self._on_pain_before, names="value")
        self._stage.on_msg(self._on_stage_msg)
        self._stage.observe(self._on_sound_switch, names=["voice", "tones", "fewer_words"])
        self._pain_after.observe(self._on_pain_after, names="value")
        self._save.on_click(self._on_save_click)
        self._finish.on_click(self._on_finish_click)

        super().__init__(children=[
            self._title, self._safety, self._missed, self._resume_line, self._finish,
            self._before, self._stage, self._reason, self._after, self._message, self._output,
        ])  # fmt: skip
        self.add_class("br-session")
        self._show_left_behind()

    @property
    def stage(self) -> SessionStage:
        """The browser side: countdown, controls and cues."""
        return self._stage

    # --- handlers ----------------------------------------------------------------------------

    @guard("Could not update the form")
    def _on_pain_before(self, _change: dict) -> None:
        self._push(self.engine.state)

    @guard("Could not act on the button")
    def _on_stage_msg(self, _stage: SessionStage, content: dict, _buffers: list) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "start":
            self._start_session()
        elif action == "carry_on":
            self._carry_on()
        elif action == "shown":
            self._look_again()
        elif action == "pause":
            self._toggle_pause()
        elif action in ("skip", "stop"):
            cut = len(self.engine.cut_short)
            if action == "skip":
                self.engine.skip_exercise()
            else:
                self.engine.stop()
            if len(self.engine.cut_short) > cut:  # a block ended early: ask why, never wait
                exercise, side = self.engine.blocks[self.engine.cut_short[-1]]
                row = next(b for b in reversed(self.engine.logged + self.engine.unsaved)
                           if (b.exercise, b.side) == (exercise.id, side))
                self._reason.ask(exercise, row.status == "skipped")

    def _give_reason(self, reason: str) -> None:
        self.engine.give_reason(reason)

    def _start_session(self) -> None:
        pain = self._pain_before.value
        if pain is None or self.engine.state.status != "ready" or self._left_behind:
            return
        for other in _running:
            if other is not self and other.engine is not None:
                other.engine.stop()  # logged as stopped where it was
                other.engine.wait_recorded()  # and its hold on the diary let go
        try:
            self.engine.begin(pain)
        except SessionBusy:  # started in another page since this one opened
            self._use_engine(read_active(self.store.directory))
            self._show_left_behind()
            return
        except Exception as error:
            # no session without a working log: it would not be saved either
            self._report(f"Could not save your pain score to {self.store.directory}, so the "
                         "session did not start", error)
            return
        self._pain_before.disabled = True
        _running[:] = [self]
        self._show("Session started. Lie down and follow the voice and the sounds.")

    def _toggle_pause(self) -> None:
        if self.engine.state.status == "paused":
            self.engine.resume()
        else:
            self.engine.pause()

    @guard("Could not remember the sound switches")
    def _on_sound_switch(self, _change: dict) -> None:
        self.engine.fewer_words = self._stage.fewer_words  # from the next cue on
        save_settings(SoundSettings(voice=self._stage.voice, tones=self._stage.tones,
                                    fewer_words=self._stage.fewer_words), self.store.directory)

    @guard("Could not update the form")
    def _on_pain_after(self, _change: dict) -> None:
        self._save.disabled = self._saved or self._pain_after.value is None

    @guard("Could not show the session")
    def _on_event(self, event: SessionEvent) -> None:
        if event.kind == "cue" and event.cue:
            self._send_cue(event)
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
        elif event.kind == "moved":
            self._show("This session carried on in another page; this page has stopped.")
        if event.kind in ("state", "ended"):
            self._push(event.state)

    @guard("Could not save")
    def _on_save_click(self, _button: widgets.Button) -> None:
        pain = self._pain_after.value
        if pain is None or self._saved:
            return
        if not self.engine.flush():
            self._show(f"{len(self.engine.unsaved)} exercise block(s) could still not be "
                       f"written to {self.store.directory}; fix the folder and press Save again.",
                       error=True, where=self._saved_line)  # fmt: skip
            return
        flare = self._flare.value or ""
        note = self._note.value.strip()
        felt, hurt = self._feelings.felt, self._feelings.hurt
        try:
            self.engine.record_after(pain, flare, note, felt=felt, hurt=hurt)
        except SessionClosed as error:
            self._closed_elsewhere(str(error))
            return
        self._saved = True
        self._message.value = ""  # "please give your pain score" is done with
        for control in (self._pain_after, self._flare, self._note, self._save):
            control.disabled = True
        self._feelings.close_question()
        self._reason.close_question()
        flare_text = {"yes": "a flare-up day", "no": "not a flare-up day", "": "flare-up not given"}
        self._show(
            f"Saved: pain {self.engine.pain_before} before and {pain} after this session, "
            f"{flare_text[flare]}{', with your note' if note else ''}"
            f"{', and how the exercises felt' if felt or hurt else ''}. "
            + _week_line(self.store, self.plan) + " " + due_line(self.store.directory, self.plan),
            where=self._saved_line,
        )

    # --- a session of this diary left running or behind in another page ---------------------

    def _title_html(self) -> str:
        return (f"<h3 style='margin:0.2em 0'>Guided session: {html.escape(self.plan.name)}</h3>"
                f"<div style='color:#444'>{html.escape('; '.join(self.plan.summary_lines()))}."
                f" {_about(self.engine.total_s)}.</div>")

    def _follow_todays_plan(self) -> None:
        """Take the plan in force today for the diary when it is not the one shown (only for a
        widget made without a plan of its own, and before a session starts)."""
        if not self._follows_diary:
            return
        try:
            plan = todays_plan(self.store.directory)
        except PlanError:
            return  # the plan shown stays; the next page made says what is wrong
        if same_plan(plan) == same_plan(self.plan):
            return
        self.plan = plan
        self._use_engine(None)
        self.engine.fewer_words = self._stage.fewer_words
        self._title.value = self._title_html()
        self._push(self.engine.state)

    def _use_engine(self, record: ActiveSession | None) -> None:
        """A new engine: for ``record``'s session when it is not this page's own."""
        self._left_behind = record
        self.engine = SessionEngine(self.plan, self.store, resume=record,
                                    **self._engine_options)
        self.engine.add_observer(self._on_event)

    def _show_left_behind(self) -> None:
        record = self._left_behind
        live = record is not None and runs_elsewhere(self.store.directory)
        if record is not None and not live and _started_before_today(record):
            # too late to carry on or score: closed where it stopped, and today's can start
            with contextlib.suppress(SessionBusy, SessionClosed):  # another page was quicker
                self.engine.finish_left_behind(remove=True)
            self._use_engine(None)
            self._show(f"Your session of {_when(record)} was left unfinished; it is logged "
                       "where it stopped.")
            record = None
        self._before.layout.display = "none" if record else ""
        self._finish.layout.display = "" if record and not live else "none"
        self._resume_line.value = "" if record is None else (
            "<div style='font-size:1.15em;background:#eef3fb;border-left:4px solid #1d4e89;"
            f"padding:0.5em 0.8em;color:#222'>{html.escape(left_behind_words(record, live))}"
            "</div>")
        if record is not None and record.status == "ended" and not live:
            self._finish_left_behind()  # only its pain score is missing
        self._push(self.engine.state)

    def _look_again(self) -> None:
        """A page shows this widget (Voila runs a page's kernel ahead of its visit): show a
        session started or left elsewhere since the widget was made, or else the plan in force
        now."""
        record = read_active(self.store.directory)
        if (self._closing and not self._saved
                and (record is None or record.session_id != self._closing)):
            self._closed_elsewhere("This session was finished in another page")
            return
        if self.engine.task is not None or self.engine.state.status != "ready" or self._carrying:
            return
        if record is None and self._left_behind is None:
            self._follow_todays_plan()
            return
        self._use_engine(record)
        self._show_left_behind()

    def _closed_elsewhere(self, words: str) -> None:
        """The session this page was to close was closed in another page: start afresh."""
        self._closing = None
        if self in _running:
            _running.remove(self)
        self._after.layout.display = "none"
        self._pain_after.value = None  # a score given for it here was never saved
        self._use_engine(read_active(self.store.directory))
        self._show_left_behind()
        self._show(words + ".")

    def _carry_on(self) -> None:
        if self._left_behind is None or self._carrying or self.engine.task is not None:
            return
        self._carrying = True
        self._push(self.engine.state)
        self._carry_task = asyncio.get_event_loop().create_task(self._take_over())

    async def _take_over(self) -> None:
        try:
            await self.engine.carry_on()
        except (SessionBusy, ValueError) as error:
            self._show(str(error) + ".", error=True)
        except Exception as error:
            self._report("Could not carry the session on here", error)
        else:
            self._left_behind = None
            self._resume_line.value = ""
            self._finish.layout.display = "none"
            for other in _running:
                if other is not self and other.engine is not None:
                    other.engine.stop()
                    other.engine.wait_recorded()
            _running[:] = [self]
            self._show("Carrying on. Lie down and follow the voice and the sounds.")
        finally:
            self._carrying = False
            self._push(self.engine.state)

    @guard("Could not finish the session")
    def _on_finish_click(self, _button: widgets.Button) -> None:
        self._finish_left_behind()

    def _finish_left_behind(self) -> None:
        record = self._left_behind
        if record is None or self.engine.task is not None:
            return
        try:
            self.engine.finish_left_behind()
        except SessionBusy as error:
            self._show(str(error) + ".", error=True)
            return
        except SessionClosed as error:
            self._closed_elsewhere(str(error))
            return
        self._left_behind = None
        self._closing = record.session_id
        self._finish.layout.display = "none"
        self._resume_line.value = ""
        _running[:] = [self]
        self._show(f"Your session of {_when(record)} is closed. Please give your pain score "
                   "now and press Save.")

    # --- view --------------------------------------------------------------------------------

    def _wall_ms(self, due: float) -> float:
        # an engine deadline on the wall clock the browser also reads (the same machine's)
        return (time.time() - (self.engine.clock() - due)) * 1000

    def _send_cue(self, event: SessionEvent) -> None:
        due = event.due if event.due is not None else self.engine.clock()
        self._stage.send({"type": "cue", "cue": event.cue, "speech": event.speech,
                          "due_ms": self._wall_ms(due), "key": _cue_key(event.cue or "", due)})

    def _on_ended(self, state: SessionState) -> None:
        self._after.layout.display = ""
        self._feelings.show_exercises(self.engine.exercises_done())
        self._save.disabled = self._pain_after.value is None
        blocks = self.engine.logged + self.engine.unsaved
        done = sum(block.status == "completed" for block in blocks)
        ended = "finished" if state.status == "finished" else "stopped"
        if self._failed:
            return  # the error stays on screen; the pain form is open all the same
        self._show(f"Session {ended}: {done} of {len(blocks)} exercise blocks completed. "
                   "Please give your pain score now and press Save.")

    def _push(self, state: SessionState) -> None:
        self._pain_before.disabled = state.status != "ready" or self.engine.task is not None
        view = session_view(state, self.engine.total_s,
                            pain_given=self._pain_before.value is not None)
        if self._left_behind is not None and state.status == "ready":
            view |= left_behind_view(self._left_behind, self.plan, carrying=self._carrying)
        # the tones still due in this step, for the browser to schedule on its audio clock
        view["upcoming"] = [[cue, self._wall_ms(due), _cue_key(cue, due)]
                            for cue, due in self.engine.upcoming()]
        if self._stage.view != view:
            self._stage.view = view


def session_view(state: SessionState, total_s: float, *, pain_given: bool) -> dict[str, Any]:
    """What the browser shows for ``state``: plain data, so it is tested without a browser.

    Returns
    -------
    dict
        ``word`` (what to do now, in capitals), ``number`` (the countdown, or the session's
        length before the start), ``exercise``, ``detail`` (rep and side), ``instructions``,
        ``time_left``, ``progress``, the ``can_*`` flags of the buttons and the raw ``status``,
        ``phase``, ``step`` and ``countdown``.
    """
    phase = "stopped" if state.status == "stopped" else state.phase
    word = _PHASES[phase]
    exercise = state.exercise
    active = state.status in ("running", "paused")
    if state.status == "ready":
        number = _minutes(total_s)
    elif state.ended:
        number = "✓" if state.status == "finished" else "–"
    else:
        number = str(state.countdown)
    if state.status == "finished":
        time_left = "Session finished"
    elif state.status == "stopped":
        time_left = f"Stopped with {_minutes(state.time_left_s)} of the session left"
    else:
        time_left = f"{_minutes(state.time_left_s)} left"
    return {
        "status": state.status,
        "phase": phase,
        "word": word,
        "paused": state.status == "paused",
        "number": number,
        "countdown": state.countdown,
        "step": state.step,
        "exercise": exercise.name if exercise and not state.ended else "",
        "detail": _rep_text(state),
        "instructions": exercise.instructions if exercise and not state.ended else "",
        "progress": round(state.progress, 4),
        "time_left": time_left,
        "can_start": state.status == "ready" and pain_given,
        "can_pause": active,
        "can_skip": active and state.phase != "done",
        "can_stop": active,
    }


def _started_before_today(record: ActiveSession) -> bool:
    return record.started_at.astimezone().date() < now_local().date()


def _when(record: ActiveSession) -> str:
    """When a session started, as the patient says it: ``18:05``, or ``Tue 1 Dec, 18:05``."""
    started = record.started_at.astimezone()
    if started.date() == now_local().date():
        return f"{started:%H:%M}"
    return f"{day_words(started.date())}, {started:%H:%M}"


def left_behind_words(record: ActiveSession, live: bool) -> str:
    """What a page says of a session of its diary that another page started."""
    if record.status == "ended":
        return f"Your session of {_when(record)} has ended: please give your pain score."
    if live:
        return (f"A session is running in another page, started {_when(record)}, now at "
                f"{record.where()}. Press Carry on here to go on with it in this page; the "
                "other page stops.")
    return (f"Your session of {_when(record)} stopped at {record.where()}: carry on, or "
            "finish and give your pain score.")


def left_behind_view(record: ActiveSession, plan: Plan | None, *, carrying: bool
                     ) -> dict[str, Any]:
    """The stage's changes while a session of another page is shown: Start becomes Carry on
    here (the click that lets sound play too), offered only for the same plan."""
    same_plan = plan is not None and record.plan_key == plan_key(plan)
    return {
        "start_label": "Carry on here",
        "start_action": "carry_on",
        "can_start": same_plan and record.status != "ended" and not carrying,
        "word": "CARRY ON?",
        "detail": f"now at {record.where()}" if same_plan
        else "This session was of another plan: finish it and give your pain score.",
    }


def _rep_text(state: SessionState) -> str:
    side = side_words(state.side, state.exercise)
    with_side = f" · {side}" if side else ""
    if state.status == "ready":
        return "Choose your pain score, then press Start."
    if state.status == "finished":
        return "All done. Well done!"
    if state.status == "stopped":
        return "Session stopped."
    if state.phase in ("hold", "release"):
        return f"rep {state.rep} of {state.reps}{with_side}"
    reps = plural(state.exercise.reps if state.exercise else 0, "rep")
    if state.phase == "switch":
        return f"next: the {side}, {reps}"
    first = "first" if state.phase == "get_ready" else "next"
    return f"{first}: {reps}{with_side}"


def _session_to_show_again(plan: Plan | None, store: LogStore | None) -> SessionWidget | None:
    """The widget of a session of this plan and log folder still running or awaiting pain."""
    if not _running:
        return None
    widget = _running[0]
    engine = widget.engine
    if engine is None or engine.task is None:
        return None
    if widget.store.directory != (store or LogStore()).directory:
        return None
    if plan is None:
        try:
            plan = todays_plan(widget.store.directory)
        except PlanError:
            return None
    if plan != widget.plan:
        return None
    waiting = engine.state.ended and not widget._saved
    return widget if engine.state.status in ("running", "paused") or waiting else None


def _cue_key(cue: str, due: float) -> str:
    """Names one cue of a session: the same in its announcement and in the cue itself."""
    return f"{cue}@{due:.6f}"


def _problem_box(css_class: str, problem: str) -> widgets.HTML:
    return html_box(css_class, (
        "<div role='alert' style='background:#fdecea;border-left:4px solid #9b1c1c;"
        "padding:0.5em 0.8em;color:#222;font-size:1.05em'>"
        f"<b>Your plan could not be read, so there is no guided session today:</b> "
        f"{html.escape(problem)}. Fix the plan file with your physiotherapist, then run the "
        "notebook again; the check-in below still works.</div>"))


class CheckInWidget(Guarded, widgets.VBox):
    """A check-in for a day without exercise: pain now, flare-up yes/no, a note.

    Parameters
    ----------
    plan, store
        As for :class:`SessionWidget`; the plan gives the weekly target shown after saving.
        A plan that cannot be read does not stop the check-in: it saves all the same, and
        the count of the week's sessions comes without a target.
    """

    def __init__(self, plan: Plan | None = None, store: LogStore | None = None) -> None:
        self.store = store or LogStore()
        self.plan, _problem = plan_or_problem(plan, self.store.directory)
        self._pain = score_buttons("br-checkin-pain")
        self._flare = _flare_buttons("br-checkin-flare")
        self._note = _note("br-checkin-note")
        self._barriers = BarrierQuestion("What got in the way of exercising today? Optional.")
        self._save = button("Save check-in", "br-checkin-save", "primary", "check")
        self._save.disabled = True
        self._message = html_box("br-checkin-message")
        self._output = widgets.Output()
        self._output.add_class("br-checkin-output")

        self._pain.observe(self._on_pain, names="value")
        self._save.on_click(self._on_save_click)

        super().__init__(children=[
            widgets.HTML("<h3 style='margin:0.2em 0'>Check-in for a day without exercise</h3>"),
            label(PAIN_QUESTION), self._pain,
            label("Is today a flare-up (a bad spell that is hard to bear and gets in the way "
                   "of your day)?"), self._flare,
            label("Note"), self._note, self._barriers, self._save, self._message, self._output,
        ], layout=widgets.Layout(border="1px solid #bbb", padding="0.6em"))  # fmt: skip
        self.add_class("br-checkin")

    @guard("Could not update the form")
    def _on_pain(self, _change: dict) -> None:
        self._save.disabled = self._pain.value is None

    @guard("Could not save the check-in")
    def _on_save_click(self, _button: widgets.Button) -> None:
        pain = self._pain.value
        if pain is None:
            return
        flare = self._flare.value or ""
        note = self._note.value.strip()
        moment = now_local()
        barriers = self._barriers.entries(moment, [moment.date()])
        self.store.append_pain(PainEntry(moment, pain, "check_in", "", flare, note))
        self.store.extend_signals(barriers)
        flare_text = {"yes": "a flare-up day", "no": "not a flare-up day", "": "flare-up not given"}
        self._show(
            f"Saved at {moment:%H:%M}: pain {pain}, {flare_text[flare]}"
            f"{', with your note' if note else ''}"
            f"{', and what got in the way' if barriers else ''}. "
            + _week_line(self.store, self.plan)
        )
        # ready for another day, and no double save by a second click
        self._pain.value = None
        self._flare.value = None
        self._note.value = ""
        self._barriers.clear()
