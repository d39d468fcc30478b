"""The patient's app: the parts of the one page that ``backrelief app`` serves with Voila.

The page itself is ``app.ipynb`` beside this file; each of its cells calls one function here, so
the page shows widgets and nothing else. Every part catches what the kit can name (a bad plan, a
bad log, an unwritable folder) and shows it in one sentence, so the parts that can still work do.
:mod:`backrelief_analysis.app.server` runs the page.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import paths
from ..plan import Plan, PlanError
from ..session.widget_parts import html_box, todays_plan

if TYPE_CHECKING:  # the store needs pandas; the app's server imports this package, not pandas
    from ..log.store import LogStore

# files in the reports folder are served by the app's own server under this path
REPORTS_URL = "backrelief/reports"
REMINDERS_FILE = "backrelief-reminders.ics"
DAY_CHOICES = (("Mon", "mon"), ("Tue", "tue"), ("Wed", "wed"), ("Thu", "thu"), ("Fri", "fri"),
               ("Sat", "sat"), ("Sun", "sun"))


def reports_root() -> Path:
    """The folder whose files the app serves: ``reports/`` in the log folder."""
    return paths.log_dir() / "reports"


def report_url(path: Path) -> str:
    """The page-relative link to a file in :func:`reports_root`."""
    relative = Path(path).resolve().relative_to(reports_root().resolve())
    return f"{REPORTS_URL}/{relative.as_posix()}"


def _box(text: str, *, error: bool, css_class: str) -> widgets.HTML:
    colour, background = ("#9b1c1c", "#fdecea") if error else ("#1f3d1f", "#eef6ee")
    box = widgets.HTML(f"<div style='color:{colour};background:{background};padding:0.5em 0.8em;"
                       f"border-radius:0.3em;font-size:1.05em'>{html.escape(text)}</div>")
    box.add_class(css_class)
    return box


def error_box(text: str) -> widgets.HTML:
    """A one-sentence problem, in a red box (``br-app-error``)."""
    return _box(text, error=True, css_class="br-app-error")


def heading(text: str) -> widgets.HTML:
    """A section heading of the page."""
    return widgets.HTML(f"<h2 style='margin:1.2em 0 0.3em'>{html.escape(text)}</h2>")


def missing_diary() -> Path | None:
    """The log folder the app was pointed at (``--data-dir``, ``BACKRELIEF_DATA_DIR``) when it
    does not exist yet; None when it does, or when none was named (the default folder is made
    at the first save, as for any new user)."""
    if not os.environ.get(paths.DATA_DIR_ENV, "").strip():
        return None
    directory = paths.log_dir()
    return None if directory.is_dir() else directory


# the page's parts that would write to the diary, hidden until the patient chose to start it
_WAITING_FOR_DIARY: list[widgets.Widget] = []


def _after_diary(part: widgets.Widget) -> widgets.Widget:
    """``part``, hidden while the diary the app was pointed at does not exist yet."""
    if missing_diary() is not None:
        part.layout.display = "none"
        _WAITING_FOR_DIARY.append(part)
    return part


def new_diary_words(directory: Path) -> str:
    """The question asked of a log folder that does not exist yet."""
    return f"No diary at {directory}. Start a new one there?"


class NewDiaryQuestion(widgets.VBox):
    """Asks before a new diary is started at a folder that does not exist: a mistyped name
    would otherwise start an empty diary, and split the patient's history across two folders.
    The button makes the folder (owner-only) and shows the parts of the page that write."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        question = html.escape(new_diary_words(directory))
        self._question = widgets.HTML(
            f"<p style='font-size:1.1em;margin:0.3em 0'><b>{question}</b></p>"
            "<p style='color:#444;margin:0.2em 0'>If you already keep a diary "
            "somewhere else, close this page and start the app again with that folder.</p>")
        self._start = _button("Start a new diary there", "primary")
        self._start.add_class("br-app-new-diary-button")
        self._message = widgets.VBox()
        self._start.on_click(self._on_start_click)
        super().__init__(children=[self._question, self._start, self._message],
                         layout=widgets.Layout(border="1px solid #bbb", padding="0.6em"))
        self.add_class("br-app-new-diary")

    def _on_start_click(self, _button: widgets.Button) -> None:
        from ..log.store import DIR_MODE

        try:
            self._directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        except OSError as error:
            from ..errors import in_words

            self._message.children = [error_box(f"The diary could not be started: "
                                                f"{in_words(error)}")]
            return
        self.children = [_box(f"Your new diary is at {self._directory}.", error=False,
                              css_class="br-app-new-diary-done")]
        for part in _WAITING_FOR_DIARY:
            part.layout.display = None
        _WAITING_FOR_DIARY.clear()


def load_context() -> tuple[Plan | None, LogStore, str]:
    """The plan in force today (the latest accepted plan kept in the log's ``plans/`` that
    applies today, else ``--plan``, ``BACKRELIEF_PLAN`` or the shipped plan) and the log store,
    and a sentence about a plan that could not be read."""
    from ..log.store import LogStore

    store = LogStore()
    try:
        return todays_plan(store.directory), store, ""
    except PlanError as error:
        return None, store, f"Your plan could not be read, so the guided session is off: {error}"


def session_part(plan: Plan | None, store: LogStore, problem: str = "") -> widgets.Widget:
    """The guided session, or the reason there is none."""
    if plan is None:
        return error_box(problem)
    from ..session.widget import SessionWidget

    # no plan passed: the widget takes the plan in force for the diary (``plan``, read just
    # before), and looks for it again each time a page shows it, since Voila runs the page's
    # kernel ahead of the visit and a plan may have been accepted in between
    return _after_diary(SessionWidget(None, store))


def new_plan_part(store: LogStore) -> widgets.Widget:
    """Load a plan the physiotherapist sent: its changes in words, kept only on Accept."""
    from ..session.plan_widget import NewPlanWidget

    return NewPlanWidget(store)


def checkin_part(plan: Plan | None, store: LogStore) -> widgets.Widget:
    """The rest-day check-in (it works without a plan)."""
    from ..session.widget import CheckInWidget

    try:
        return CheckInWidget(plan, store)
    except PlanError as error:  # the widget falls back to the default plan, which may fail too
        return error_box(f"The check-in could not start: {error}")


def questionnaire_part(plan: Plan | None, store: LogStore) -> widgets.Widget:
    """The outcome questionnaires (PEG, PSFS, and the clinic's ODI or RMDQ totals)."""
    from ..session.questionnaire_widget import QuestionnaireWidget

    return QuestionnaireWidget(plan, store)


class _Part(widgets.VBox):
    """A button that fills an area below it; any error it can name is shown in one sentence."""

    def __init__(self, button: widgets.Button, controls: list[widgets.Widget],
                 action: Callable[[], list[widgets.Widget]], css_class: str) -> None:
        self._button = button
        self._action = action
        self._area = widgets.VBox()
        self._area.add_class(f"{css_class}-area")
        button.add_class(css_class.replace("part", "button"))
        button.on_click(self._on_click)
        super().__init__(children=[*controls, button, self._area])
        self.add_class(css_class)

    def _on_click(self, _button: widgets.Button) -> None:
        self._button.disabled = True
        self._area.children = [widgets.HTML("<i>Working…</i>")]
        try:
            self._area.children = self._action()
        except Exception as error:  # LogError, PlanError, ReminderError, a full disk, ...
            # one sentence on the page, never a traceback in the browser's console only
            self._area.children = [error_box(f"That did not work: {error}")]
        finally:
            self._button.disabled = False


def _button(text: str, style: str = "") -> widgets.Button:
    return widgets.Button(description=text, button_style=style,
                          layout=widgets.Layout(width="auto", height="2.6em", padding="0 1.2em",
                                                align_self="flex-start"))


def _figure_png(figure: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _progress_widgets() -> list[widgets.Widget]:
    from ..analysis.summary import summarise
    from ..log.store import load_log
    from ..report.patient_charts import patient_dashboard
    from ..words.patient import patient_lines

    directory, is_demo = paths.analysis_dir()
    log, plan = load_log(directory), todays_plan(directory)
    summary = summarise(log, plan)
    # the patient's own words; notebook 02 and the report keep the clinical ones
    source = ("These are the DEMO data (invented, not a real person): your own diary has no "
              "entries yet." if is_demo else "From your own diary.")
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in patient_lines(summary))
    numbers = widgets.HTML(f"<p><b>{html.escape(source)}</b> Exercise and pain shown together are "
                           f"an association, not proof that one caused the other. Your "
                           f"physiotherapist's report has the details.</p>"
                           f"<ul style='font-size:1.05em;line-height:1.5'>{lines}</ul>")
    numbers.add_class("br-progress-numbers")
    if summary.empty:
        return [numbers]
    chart = widgets.Image(value=_figure_png(patient_dashboard(summary)), format="png",
                          layout=widgets.Layout(max_width="100%"))
    chart.add_class("br-progress-chart")
    return [numbers, chart]


def progress_part() -> widgets.Widget:
    """The patient's progress in everyday words and two charts (notebook 02 keeps the clinical
    detail), drawn when asked, so the page opens fast."""
    return _Part(_button("Show my progress", "info"), [], _progress_widgets, "br-progress-part")


def _link(path: Path, text: str) -> str:
    return (f"<a href='{html.escape(report_url(path))}' target='_blank' rel='noopener' "
            f"style='font-size:1.1em;margin-right:1.5em;color:#0a5a9c;text-decoration:underline'>{html.escape(text)}</a>")


def _report_widgets(patient: widgets.Text) -> list[widgets.Widget]:
    from ..log.store import load_log
    from ..report.build import save_reports
    from ..report.content import gather_report

    directory, is_demo = paths.analysis_dir()
    log, plan = load_log(directory), todays_plan(directory)
    content = gather_report(
        log, plan, patient=patient.value.strip() or None,
        source_note="Made from the shipped demo data, not a real patient." if is_demo else "")
    pdf, page = save_reports(content, directory, is_demo)
    folder = pdf.parent
    demo = " (from the demo data: you have no log yet)" if is_demo else ""
    text = (f"<p>Your report is ready{demo}. Open it: {_link(pdf, 'PDF (to print)')}"
            f"{_link(page, 'Web page')}</p><p style='color:#555'>Saved in "
            f"{html.escape(str(folder))}</p>")
    return [html_box("br-report-links", text)]


def _name_field(placeholder: str, css_class: str) -> widgets.Text:
    field = widgets.Text(placeholder=placeholder, layout=widgets.Layout(width="24em"))
    field.add_class(css_class)
    return field


def report_part() -> widgets.Widget:
    """Write the physiotherapist's report (PDF and HTML) and link to both."""
    patient = _name_field("Your name for the report (optional)", "br-report-patient")
    return _Part(_button("Write the report", "primary"), [patient],
                 lambda: _report_widgets(patient), "br-report-part")


def _share_widgets(patient: widgets.Text, deidentify: widgets.Checkbox) -> list[widgets.Widget]:
    from ..report.build import report_folder
    from ..share.bundle import write_bundle

    directory, is_demo = paths.analysis_dir()
    if is_demo:  # the demo is no one's to hand over under a patient's name
        return [error_box("Your log has no entries yet, so there is nothing of yours to share: "
                          "do a session or a check-in first.")]
    name = "share-deidentified.zip" if deidentify.value else "share.zip"
    written = write_bundle(directory, todays_plan(directory),
                           report_folder(directory, False) / name,
                           patient=patient.value.strip() or None, deidentify=deidentify.value)
    what = ("It holds a random code instead of your name, no notes, and every date moved by the "
            "same number of weeks." if deidentify.value else "It holds your name as typed above.")
    text = (f"<p>Your share file is ready: {_link(written, 'Download it')}"
            f"</p><p style='color:#555'>Give this one file to your physiotherapist: "
            f"your log, your plan and the PDF report, with a fingerprint of each so "
            f"they can see nothing was changed. {html.escape(what)} Saved in "
            f"{html.escape(str(written.parent))}, readable by you only.</p>")
    return [html_box("br-share-link", text)]


def share_part() -> widgets.Widget:
    """Write a share bundle (log, plan, PDF report, manifest) and link to it."""
    patient = _name_field("Your name for the bundle (optional)", "br-share-patient")
    deidentify = widgets.Checkbox(value=False, indent=False,
                                  description="Leave out my name, notes and real dates")
    deidentify.add_class("br-share-deidentify")
    return _Part(_button("Write the share file (.zip)"), [patient, deidentify],
                 lambda: _share_widgets(patient, deidentify), "br-share-part")


def _reminder_widgets(plan: Plan, days: widgets.HBox, at: widgets.Text
                      ) -> list[widgets.Widget]:
    from ..log.store import DIR_MODE
    from ..share.reminders import write_reminders

    folder = reports_root()
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    chosen = ",".join(day.tooltip for day in days.children if day.value)
    written = write_reminders(plan, chosen, at.value, folder / REMINDERS_FILE)
    text = (f"<p>{_link(written, 'Download the calendar file')} Open it on your "
            "phone or computer to add the reminders to your calendar. It names your "
            "plan and nothing about your health.</p>")
    return [html_box("br-reminder-link", text)]


def reminders_part(plan: Plan | None) -> widgets.Widget:
    """Weekly reminders as a calendar file: choose days and a time."""
    if plan is None:
        return error_box("Reminders need a plan that can be read.")
    # one toggle per weekday: several can be on at once, each a plain click
    days = widgets.HBox([widgets.ToggleButton(value=key in ("mon", "wed", "fri"),
                                              description=label, tooltip=key,
                                              layout=widgets.Layout(width="4.2em"))
                         for label, key in DAY_CHOICES])
    days.add_class("br-reminder-days")
    at = widgets.Text(value=f"{time(18, 30):%H:%M}", description="Time",
                      layout=widgets.Layout(width="14em"))
    at.add_class("br-reminder-time")
    return _Part(_button("Make a calendar file"), [widgets.HBox([days, at])],
                 lambda: _reminder_widgets(plan, days, at), "br-reminder-part")


def header() -> widgets.Widget:
    """The page's title line, and the question of a new diary when the app was pointed at a
    folder that does not exist yet."""
    title = widgets.HTML("<h1 style='margin:0.3em 0'>backrelief</h1><div style='color:#444'>Your "
                         "home exercise programme for lower back pain. Not medical advice: "
                         "follow the plan your own clinician gave you.</div>")
    directory = missing_diary()
    return title if directory is None else widgets.VBox([title, NewDiaryQuestion(directory)])


def section(title: str, part: widgets.Widget) -> widgets.VBox:
    """A heading and one part of the page (hidden until a new diary is started, when the app
    was pointed at a folder that does not exist yet)."""
    return _after_diary(widgets.VBox([heading(title), part]))
