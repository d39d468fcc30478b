"""Notebooks 02 and 03 run by a real kernel against a bad plan, a bad log and an unwritable
folder: one sentence in a box, never a traceback, and every part that can still work does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_report import write_hand_log

from backrelief_analysis import paths

NOTEBOOKS = paths.PROJECT_DIR / "notebooks"
BOX = 'class="backrelief-error"'


def run_notebook(name: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
                 ) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel with ``env``; errors are kept in the outputs."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs]


def html_of(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(output.get("data", {}).get("text/html", "") for output in outputs(notebook))


def assert_no_traceback_nor_warning(notebook: nbformat.NotebookNode) -> None:
    errors = [output for output in outputs(notebook) if output["output_type"] == "error"]
    assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
    stderr = [output["text"] for output in outputs(notebook)
              if output["output_type"] == "stream" and output["name"] == "stderr"]
    assert not stderr


@pytest.fixture
def bad_plan(tmp_path: Path) -> Path:
    """The shipped plan with one typo: a number written as a word."""
    text = paths.DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(text.replace("reps = 10", 'reps = "ten"', 1), encoding="utf-8")
    return plan


@pytest.fixture
def reformatted_log(tmp_path: Path) -> Path:
    """A log whose first pain timestamp a spreadsheet rewrote as "07/09/2026 08:00"."""
    folder = write_hand_log(tmp_path / "log")
    pain = folder / "pain_log.csv"
    lines = pain.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",", 1)
    lines[1] = "07/09/2026 08:00," + first[1]
    pain.write_text("".join(lines), encoding="utf-8")
    return folder


def test_progress_with_a_bad_plan_shows_a_box_and_still_the_pain_chart(
        bad_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = write_hand_log(tmp_path / "log")
    notebook = run_notebook("02_progress.ipynb", {"BACKRELIEF_PLAN": str(bad_plan),
                                                  "BACKRELIEF_DATA_DIR": str(log)}, monkeypatch)
    assert_no_traceback_nor_warning(notebook)
    html = html_of(notebook)
    assert html.count(BOX) == 1
    assert str(bad_plan) in html and "reps" in html
    assert "The pain chart below still works" in html
    images = [output for output in outputs(notebook) if "image/png" in output.get("data", {})]
    assert len(images) == 1  # the pain over time, drawn from the log alone


def test_progress_with_a_reformatted_timestamp_names_the_line(
        reformatted_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    notebook = run_notebook("02_progress.ipynb", {"BACKRELIEF_DATA_DIR": str(reformatted_log)},
                            monkeypatch)
    assert_no_traceback_nor_warning(notebook)
    html = html_of(notebook)
    assert html.count(BOX) == 1
    assert "pain_log.csv, line 2, column &#x27;recorded_at&#x27;" in html
    # the plan still loads and is named, although nothing can be worked out without the log
    texts = "".join(o.get("text", "") for o in outputs(notebook))
    assert "Plan: Lower back: four exercises" in texts


def test_report_with_a_bad_plan_and_a_bad_log_shows_both_boxes(
        bad_plan: Path, reformatted_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = run_notebook("03_physio_report.ipynb",
                            {"BACKRELIEF_PLAN": str(bad_plan),
                             "BACKRELIEF_DATA_DIR": str(reformatted_log)}, monkeypatch)
    assert_no_traceback_nor_warning(notebook)
    html = html_of(notebook)
    assert html.count(BOX) == 2
    assert "The report needs the plan" in html and "The report needs the log" in html
    assert not (reformatted_log / "reports").exists()


def test_report_to_an_unwritable_folder_says_so_and_still_previews(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    log = write_hand_log(tmp_path / "log")
    # /sys refuses new files even to root: the reports folder points there
    (log / "reports").symlink_to("/sys")
    notebook = run_notebook("03_physio_report.ipynb", {"BACKRELIEF_DATA_DIR": str(log)},
                            monkeypatch)
    assert_no_traceback_nor_warning(notebook)
    html = html_of(notebook)
    assert html.count(BOX) == 1
    assert f"{log}/reports/report.pdf: permission denied" in html
    assert ".tmp" not in html and "Errno" not in html
    assert "The preview below still shows the report." in html
    assert "Report preview" in html  # the preview itself


def test_report_shows_links_and_no_warning(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    log = write_hand_log(tmp_path / "log")
    notebook = run_notebook("03_physio_report.ipynb", {"BACKRELIEF_DATA_DIR": str(log)},
                            monkeypatch)
    assert_no_traceback_nor_warning(notebook)  # the IFrame UserWarning was a pink stderr block
    html = html_of(notebook)
    assert BOX not in html
    assert (log / "reports" / "report.pdf").is_file()
    assert f"{log / 'reports' / 'report.pdf'}" in html


def test_make_lab_file_browser_reaches_the_reports() -> None:
    """The link from the notebook resolves inside the root ``make lab`` gives Jupyter."""
    from backrelief_analysis.report.build import report_links

    recipe = subprocess.run(["make", "-n", "lab"], cwd=paths.PROJECT_DIR, capture_output=True,
                            text=True, check=True).stdout
    root = Path(recipe.split("--ServerApp.root_dir=", 1)[1].split()[0]).resolve()
    report = paths.DEFAULT_LOG_DIR / "reports" / "report.pdf"
    links = report_links([report], start=NOTEBOOKS)
    href = links.split('href="', 1)[1].split('"', 1)[0]
    resolved = (NOTEBOOKS / href).resolve()
    assert resolved == report.resolve()
    assert resolved.is_relative_to(root)
