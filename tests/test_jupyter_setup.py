"""The kit's Jupyter set-up: notebooks saved without widget views, a quiet JupyterLab, and the
session notebook in a second real client (Jupyter Notebook 7). Browser tests use the system
Chromium and record every request: no page of the kit asks another host for anything."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from lab_pages import KERNEL_IDLE, SLOW_MS, off_host, record_requests, run_all, run_all_cells

from backrelief_analysis.jupyter_setup import (
    LAB_OVERRIDES,
    WIDGET_VIEW,
    main,
    pre_save_hook,
    strip_widget_views,
    write_lab_overrides,
)

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "01_guided_session.ipynb"


def _widget_output(model_id: str) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": "SessionWidget(...)",
                     WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": model_id}}}


def _used_notebook() -> dict:
    """Notebook 01 as JupyterLab saves it after a session: widget views and widget state."""
    notebook = json.loads(NOTEBOOK.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for number, cell in enumerate(code, start=1):
        cell["execution_count"] = number
        cell["outputs"] = [_widget_output(f"m{number}")]
    code[0]["outputs"].insert(0, {"output_type": "stream", "name": "stdout", "text": "hello\n"})
    notebook["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return notebook


def test_widget_views_and_state_are_stripped_and_other_output_kept():
    notebook = _used_notebook()
    assert strip_widget_views(notebook) is True
    assert "widgets" not in notebook["metadata"]
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code[0]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "hello\n"}]
    assert code[0]["execution_count"] == 1  # it still shows an output of that run
    for cell in code[1:]:
        assert cell["outputs"] == []
        assert cell["execution_count"] is None


def test_a_used_notebook_saves_as_shipped():
    model = {"type": "notebook", "content": _used_notebook()}
    model["content"]["cells"][2]["outputs"].pop(0)  # the print above is not in notebook 01
    pre_save_hook(model, path="01_guided_session.ipynb", contents_manager=None)
    assert model["content"] == json.loads(NOTEBOOK.read_text())


def test_nothing_to_strip_is_no_change():
    notebook = json.loads(NOTEBOOK.read_text())
    assert strip_widget_views(notebook) is False
    assert notebook == json.loads(NOTEBOOK.read_text())
    model = {"type": "file", "content": "not a notebook"}
    pre_save_hook(model)
    assert model == {"type": "file", "content": "not a notebook"}


def test_lab_overrides_turn_the_news_off_and_keep_other_settings(tmp_path):
    target = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "Dark"}}))
    assert write_lab_overrides(tmp_path) == target
    written = json.loads(target.read_text())
    assert written["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "Dark"}
    assert set(LAB_OVERRIDES) <= set(written)


def test_options_are_printed_for_the_makefile(capsys):
    assert main(["--options"]) == 0
    assert "--ContentsManager.pre_save_hook=backrelief_analysis.jupyter_setup.pre_save_hook" in (
        capsys.readouterr().out)


@pytest.mark.browser
def test_saved_after_use_notebook_01_is_unchanged(jupyter_lab, chromium_default_autoplay, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    copy = root / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    os.utime(copy, (time.time() - 60, time.time() - 60))
    before = copy.stat().st_mtime
    base = jupyter_lab({"BACKRELIEF_DATA_DIR": str(tmp_path / "log")}, root_dir=root)
    page = chromium_default_autoplay.new_page()
    page.set_default_timeout(SLOW_MS)
    urls = record_requests(page)
    run_all(page, f"{base}/lab/tree/{NOTEBOOK.name}?reset")
    page.wait_for_selector(".br-session .br-start")
    page.wait_for_selector(".br-checkin .br-checkin-save")
    page.wait_for_function(KERNEL_IDLE)
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Save Notebook").first.click()
    deadline = time.monotonic() + SLOW_MS / 1000
    while not _saved_whole(copy, before) and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for the save to land, not timing it
    assert copy.stat().st_mtime != before, "the notebook was never saved"
    assert copy.read_bytes() == NOTEBOOK.read_bytes()
    assert urls and off_host(urls, base) == []


def _saved_whole(path: Path, before: float) -> bool:
    """Whether ``path`` was saved since ``before`` and its save has finished: Jupyter writes a
    notebook in place, so the new time shows while the file is still empty or half written."""
    if path.stat().st_mtime == before:
        return False
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return True


@pytest.mark.browser
def test_notebook_01_runs_in_jupyter_notebook_7(jupyter_lab, chromium_default_autoplay, tmp_path):
    base = jupyter_lab({"BACKRELIEF_DATA_DIR": str(tmp_path / "log")}, module="notebook")
    page = chromium_default_autoplay.new_page()
    page.set_default_timeout(SLOW_MS)
    urls = record_requests(page)
    page.goto(f"{base}/notebooks/notebooks/{NOTEBOOK.name}")
    page.wait_for_selector(".jp-NotebookPanel")
    page.wait_for_function("() => document.title.includes('01_guided_session')")
    # the toolbar names the kernel once its session exists, and the indicator says idle
    page.wait_for_function("""() => {
        const name = document.querySelector('.jp-KernelName');
        const state = document.querySelector('.jp-Notebook-ExecutionIndicator');
        return name !== null && name.innerText.includes('ipykernel')
            && state !== null && state.dataset.status === 'idle';
    }""")
    run_all_cells(page)
    try:
        page.wait_for_selector(".br-session .br-start")
    finally:
        page.screenshot(path="/tmp/br_notebook7.png")
    page.wait_for_selector(".br-checkin .br-checkin-save")
    page.locator(".br-pain-before").get_by_role("button", name="5", exact=True).click()
    page.wait_for_function("() => !document.querySelector('.br-start').disabled")
    page.screenshot(path="/tmp/br_notebook7.png")
    assert urls and off_host(urls, base) == []
