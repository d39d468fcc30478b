"""Shared fixtures for browser tests: a real JupyterLab server and headless Chromium.

Nothing is downloaded: the server is the venv's JupyterLab and the browser is Debian's
``/usr/bin/chromium``, driven by the Python playwright package.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backrelief_analysis.jupyter_setup import SERVER_OPTIONS

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    # no autoplay flag: the browser's default policy, under which the click on Start is the
    # gesture that lets sound and speech play, as for a real user
]
SERVER_START_TIMEOUT_S = 90


def free_loopback_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LAB_SETTINGS = {
    # no news pop-up and no update check (no network, nothing covering the page)
    ("apputils-extension", "notification"): {"fetchNews": "false", "checkForUpdates": False},
    # never write the notebook under test, with its outputs, back into the checkout
    ("docmanager-extension", "plugin"): {"autosave": False},
}


def _quiet_lab_settings(settings_dir: Path) -> None:
    """User settings for a test server: quiet, and read-only towards the repository."""
    for (extension, plugin), values in LAB_SETTINGS.items():
        folder = settings_dir / "@jupyterlab" / extension
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))


def stop_lab(process: subprocess.Popen) -> None:
    """Stop a server from :func:`start_lab`, with its kernels."""
    if process.poll() is not None:
        return
    # the server was started in its own process group, with its kernels
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_lab(
    home: Path, extra_env: dict[str, str], root: Path = REPO, *, module: str = "jupyterlab"
) -> tuple[subprocess.Popen, str]:
    """Start JupyterLab (or ``module``) on a free loopback port with no token; return it and
    its base URL.

    ``home`` holds its settings, runtime files, workspaces and log; ``extra_env`` goes to the
    server and its kernels; ``root`` is the folder served (default: the checkout, never
    written to; a test that saves a notebook serves a copy). Stop it with :func:`stop_lab`.
    """
    settings = home / "settings"
    _quiet_lab_settings(settings)
    port = free_loopback_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        **extra_env,
    }
    command = [
        sys.executable, "-m", module, "--no-browser",
        "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1", f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--ServerApp.root_dir={root}",
        *SERVER_OPTIONS,  # as `make lab` starts it: widget views are never saved
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    if os.geteuid() == 0:  # containers and CI often run as root
        command.append("--allow-root")
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               cwd=REPO, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError("JupyterLab exited at start:\n"
                               + (home / "server.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            stop_lab(process)
            raise RuntimeError("JupyterLab did not answer in time:\n"
                               + (home / "server.log").read_text()[-3000:])
        time.sleep(0.25)  # waiting for a server to come up, not timing anything


@pytest.fixture
def jupyter_lab(tmp_path_factory) -> Iterator[Callable[..., str]]:
    """Start JupyterLab (see :func:`start_lab`); return its base URL.

    Call it with extra environment variables for the server and its kernels, and optionally
    ``module=`` and ``root_dir=``, the folder served. The server is always stopped when the
    test ends, whatever happens.
    """
    processes: list[subprocess.Popen] = []

    def start(extra_env: dict[str, str], *, module: str = "jupyterlab",
              root_dir: Path = REPO) -> str:
        """``module`` is the server to run: ``jupyterlab``, or ``notebook`` (Notebook 7)."""
        process, base = start_lab(tmp_path_factory.mktemp("lab"), extra_env, root_dir,
                                  module=module)
        processes.append(process)
        return base

    yield start
    for process in processes:
        stop_lab(process)


@contextmanager
def chromium_context(args: list[str]) -> Iterator:
    """A headless Chromium context (the system browser, never a downloaded one)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install it with `apt-get install chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=args
        )
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def chromium_page():
    """A headless Chromium page (the system browser, never a downloaded one)."""
    with chromium_context(CHROMIUM_ARGS) as context:
        yield context.new_page()


@pytest.fixture
def chromium_default_autoplay():
    """A headless Chromium context with the browser's default autoplay policy: sound starts
    only after a click on the page, as for a real user."""
    args = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")]
    with chromium_context(args) as context:
        yield context
