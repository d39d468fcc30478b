"""The report written out: HTML from the jinja2 template, PDF from :mod:`.report_pdf`, and the
files and links the notebooks and the app show.

:func:`~backrelief_analysis.report.content.gather_report` decides what the report says; this module
only lays it out and writes it (owner-only, atomically).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import paths
from ..log.store import DIR_MODE, Log, write_private
from ..plan import Plan
from .content import ReportContent, gather_report, shown_text
from .pdf import render_pdf


def render_html(content: ReportContent) -> str:
    """The report as one self-contained HTML page (charts inline, autoescaped text)."""
    environment = Environment(
        loader=PackageLoader("backrelief_analysis.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        finalize=lambda value: shown_text(value) if isinstance(value, str) else value,
    )
    return environment.get_template("report.html.j2").render(r=content)


def render(content: ReportContent, suffix: str) -> bytes:
    """The report as the bytes of a ``.pdf`` or ``.html`` file."""
    if suffix == ".html":
        return render_html(content).encode("utf-8")
    if suffix == ".pdf":
        return render_pdf(content)
    raise ValueError(f"the report is written as .pdf or .html, not {suffix or 'no suffix'}")


def build_report(
    log: Log,
    plan: Plan,
    out: Path | str,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    patient: str | None = None,
    deidentify: bool = False,
    source_note: str = "",
) -> Path:
    """Write the physiotherapist's report, PDF or HTML by the suffix of ``out``.

    Parameters
    ----------
    log, plan
        The loaded log and its plan.
    out
        ``something.pdf`` or ``something.html``; written owner-only, atomically.
    start, end
        Inclusive local days; by default the whole log.
    patient
        The patient's name for the header.
    deidentify
        Leave out the name and notes and show days as "day N" / "week N".
    source_note
        A line saying where the data came from (the notebook says "demo data").

    Returns
    -------
    Path
        The file written.

    Example
    -------
    >>> build_report(load_log(), load_plan(), Path("report.pdf"))  # doctest: +SKIP
    """
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise ValueError(f"the report is written as .pdf or .html, not {target.name}")
    content = gather_report(log, plan, start=start, end=end, patient=patient,
                            deidentify=deidentify, source_note=source_note,
                            screen_charts=suffix == ".html", print_charts=suffix == ".pdf")
    return write_report(content, target)


def write_report(content: ReportContent, out: Path | str) -> Path:
    """Render gathered content to ``out`` (PDF or HTML by its suffix), owner-only, atomically."""
    target = Path(out)
    return write_private(render(content, target.suffix.lower()), target)


def report_folder(log_directory: Path, is_demo: bool) -> Path:
    """Where the notebook writes reports, created owner-only: ``reports/`` beside the user's log,
    or ``reports/demo/`` in the log folder for the demo data (the shipped demo folder stays
    untouched). Both are in the git-ignored log folder, and easy to find again."""
    folder = (paths.log_dir() if is_demo else Path(log_directory)) / "reports"
    folders = [folder, folder / "demo"] if is_demo else [folder]
    for level in folders:  # each level owner-only, not only the last
        level.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return folders[-1]


def iframe_html(content: ReportContent, height_px: int = 900) -> str:
    """The HTML report inside a sandboxed ``<iframe srcdoc>``, so its page styles stay inside
    it when shown in a notebook with ``IPython.display.HTML``.

    The frame sits in a ``<div>``: IPython warns about HTML that starts with ``<iframe``.
    """
    document = escape(render_html(content), quote=True)
    return (f'<div class="backrelief-preview"><iframe sandbox="" srcdoc="{document}" '
            f'title="Report preview" style="width:100%;height:{height_px}px;'
            'border:1px solid #ccc"></iframe></div>')


def save_reports(content: ReportContent, log_directory: Path, is_demo: bool,
                 suffixes: tuple[str, ...] = (".pdf", ".html")) -> tuple[Path, ...]:
    """Write the report as PDF and HTML into :func:`report_folder`; return the files written."""
    folder = report_folder(log_directory, is_demo)
    return tuple(write_report(content, folder / f"report{suffix}") for suffix in suffixes)


def report_links(files: Sequence[Path], *, start: Path | None = None) -> str:
    """HTML links that open ``files`` from a notebook, and each file's full path.

    A link is relative to ``start`` (the notebook's folder, the kernel's working folder by
    default), so JupyterLab opens the file itself when it lies under the kit's folder, the root
    of ``make lab``'s file browser. A file elsewhere (``BACKRELIEF_DATA_DIR`` outside the kit)
    is named with its path, for the computer's own file manager.
    """
    start = (start or Path.cwd()).resolve()
    items = []
    for file in files:
        path = Path(file).resolve()
        kind = "PDF" if path.suffix.lower() == ".pdf" else "HTML"
        if path.is_relative_to(paths.PROJECT_DIR):
            href = escape(os.path.relpath(path, start).replace(os.sep, "/"), quote=True)
            items.append(f'<li><a href="{href}" target="_blank">Open the {kind} report</a> '
                         f"<code>{escape(str(path))}</code></li>")
        else:
            items.append(f"<li>The {kind} report: <code>{escape(str(path))}</code> (outside the "
                         "kit's folder, so open it from your computer's file manager)</li>")
    return f'<ul class="backrelief-reports">{"".join(items)}</ul>'


__all__ = ["build_report", "iframe_html", "render", "render_html", "report_folder", "report_links",
           "save_reports", "write_report"]
