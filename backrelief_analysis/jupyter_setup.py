"""How the kit's Jupyter servers are set up: quiet, and notebooks saved as they were shipped.

``make lab`` (and the browser tests) start JupyterLab with :data:`SERVER_OPTIONS`, and
``python -m backrelief_analysis.jupyter_setup`` writes :data:`LAB_OVERRIDES` into the
environment's JupyterLab settings, so that:

- a notebook is saved without the views of widgets (they belong to the kernel that made them,
  and on the next day show "Error displaying widget: model not found") and without the saved
  widget state; a cell left with no output loses its execution count too, so notebook 01 after a
  session is byte for byte what was shipped and does not show as modified in git;
- JupyterLab's news pop-up and update check are off: nothing covers the session's buttons, and
  nothing asks another host for anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PRE_SAVE_HOOK = "backrelief_analysis.jupyter_setup.pre_save_hook"
SERVER_OPTIONS = (
    f"--ContentsManager.pre_save_hook={PRE_SAVE_HOOK}",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.news_url=None",
)
# "@jupyterlab/<extension>:<plugin>" -> settings; JupyterLab reads them as the defaults
LAB_OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def strip_widget_views(notebook: dict[str, Any]) -> bool:
    """Remove widget views and saved widget state from a notebook, in place.

    A code cell whose only outputs were widget views also loses its execution count. Other
    outputs (text, charts) are kept. Return whether anything changed.
    """
    changed = notebook.get("metadata", {}).pop("widgets", None) is not None
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = [output for output in outputs if WIDGET_VIEW not in output.get("data", {})]
        if len(kept) == len(outputs):
            continue
        cell["outputs"] = kept
        if not kept:
            cell["execution_count"] = None
        changed = True
    return changed


def pre_save_hook(model: dict[str, Any], **_kwargs: Any) -> None:
    """jupyter_server's ``ContentsManager.pre_save_hook``: strip widget views from notebooks."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        strip_widget_views(model["content"])


def write_lab_overrides(prefix: Path | str = sys.prefix) -> Path:
    """Write :data:`LAB_OVERRIDES` as ``overrides.json`` of the JupyterLab in ``prefix``."""
    target = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    for plugin, values in LAB_OVERRIDES.items():
        current.setdefault(plugin, {}).update(values)
    target.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    """``--options``: print :data:`SERVER_OPTIONS` for a shell; else write the overrides."""
    if argv == ["--options"]:
        print(" ".join(SERVER_OPTIONS))
    else:
        write_lab_overrides()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
