"""The patient's app: ``backrelief app`` served by Voila, used in headless Chromium.

The server is the real command in a subprocess; the browser is the system Chromium with its
default autoplay policy (the click on Start is the gesture that lets cues sound). Every request the
page makes is recorded, and any host but the app's own fails the test.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import icalendar
import psutil
import pytest
from lab_pages import SLOW_MS, off_host, record_requests
from plans import BRIDGE, PELVIC_TILT, plan_text

from backrelief_analysis import paths
from backrelief_analysis.app import page as app
from backrelief_analysis.app import server
from backrelief_analysis.cli import main as cli_main
from backrelief_analysis.log.plans import plans_dir, save_accepted
from backrelief_analysis.log.store import load_log, now_local
from backrelief_analysis.plan import load_plan, next_plan, plan_toml
from backrelief_analysis.session.plan_widget import NewPlanWidget
from backrelief_analysis.share.bundle import load_files, open_bundle

SHORT_PLAN = plan_text(PELVIC_TILT, name="App test plan", target=3,
                       rest_between_exercises_s=1, get_ready_s=1)
# the printed address (1): the server's root (2) at the run's own host name, its port (3) and
# the run's secret token (4)
URL_LINE = re.compile(r"open ((http://br-[0-9a-f]{24}\.localhost:(\d+)/)\?token=([\w-]+)) "
                      r"in your browser")
SCREENSHOTS = Path("/tmp")


def as_from_a_terminal() -> None:
    """Ctrl-C reaches the app as it does from a terminal, even when pytest itself was started
    in the background (a shell's ``&`` makes its children ignore SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_app(tmp_path: Path, *extra: str, plan_text: str = SHORT_PLAN, new: bool = True
              ) -> tuple[subprocess.Popen, str, Path]:
    """Run ``backrelief app`` with a tiny plan and a temporary log (a new diary, started with
    ``--new`` unless ``new`` is false); return it and its printed address (which holds the
    token)."""
    plan = tmp_path / "plan.toml"
    plan.write_text(plan_text)
    log_dir = tmp_path / "log"
    if new:
        extra = ("--new", *extra)
    out = (tmp_path / "app.out").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "backrelief_analysis.cli", "app", "--no-browser",
         "--data-dir", str(log_dir), "--plan", str(plan), *extra],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True, text=True,
        preexec_fn=as_from_a_terminal, env={**os.environ, "BROWSER": "false"})  # fmt: skip
    deadline = time.monotonic() + SLOW_MS / 1000
    while time.monotonic() < deadline:
        text = (tmp_path / "app.out").read_text()
        match = URL_LINE.search(text)
        if match:
            return process, match[1], log_dir
        if process.poll() is not None:
            raise RuntimeError(f"backrelief app exited at start:\n{text}")
        time.sleep(0.2)  # waiting for the server to come up, not timing anything
    raise RuntimeError("backrelief app printed no URL:\n" + (tmp_path / "app.out").read_text())


def stop_app(process: subprocess.Popen) -> int:
    """Ctrl-C, as a user would; return the exit code."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            raise
    return process.returncode


def open_session_page(browser, address: str) -> tuple[Any, list[str]]:
    """A 1280x900 page of ``browser`` at the app's ``address``, shown up to its session's Start
    button, and the list its requests are recorded in."""
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(SLOW_MS)
    urls = record_requests(page)
    page.goto(address)
    page.wait_for_selector(".br-session .br-start")
    return page, urls


FETCH_BYTES = """async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${response.status} ${url}`);
    return Array.from(new Uint8Array(await response.arrayBuffer()));
}"""


def download(page, base: str, button: str, link: str, text: str | None = None
             ) -> tuple[str, bytes]:
    """Click ``button``, wait for the ``link`` it shows and fetch it from the page at ``base``,
    as the browser would (its cookie, its own name for the app): the link's address and the
    bytes served."""
    page.locator(button).click()
    anchor = page.locator(link, has_text=text) if text else page.locator(link)
    anchor.wait_for()
    href = anchor.get_attribute("href")
    return href, bytes(page.evaluate(FETCH_BYTES, f"{base}{href}"))


def login(address: str) -> str:
    """Open the app's ``address`` (with its token) as a browser does; return the login
    cookie it set, as a ``Cookie`` header."""
    answer = ask(address)
    assert answer.status == 302  # on to the same page without the token
    (cookie,) = [value.split(";")[0] for value in answer.headers.get_all("Set-Cookie")
                 if value.startswith("username-")]
    return cookie


class Answer(NamedTuple):
    """What the app answered one request with."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


def ask(url: str, *, host: str | None = None, cookie: str | None = None) -> Answer:
    """Send GET ``url`` to 127.0.0.1 at its port, as a browser would send it to that address
    (its host name in ``Host``; ``*.localhost`` is the browser's own to resolve), or with
    another ``host``; follow no redirect."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=120)
    try:
        headers = {"Host": host or parts.netloc, **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                           headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def listening_addresses(pid: int, port: int) -> set[str]:
    """The local addresses the process tree listens on at ``port``."""
    tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    found = set()
    for process in tree:
        for connection in process.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port:
                found.add(connection.laddr.ip)
    return found


@pytest.mark.browser
def test_a_session_in_the_app_without_code_or_other_hosts(chromium_default_autoplay, tmp_path):
    process, address, log_dir = start_app(tmp_path)
    base, token = URL_LINE.search(f"open {address} in your browser").group(2, 4)
    try:
        port = int(urlsplit(base).port)
        assert listening_addresses(process.pid, port) == {"127.0.0.1"}

        page = chromium_default_autoplay.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.set_default_timeout(SLOW_MS)
        urls = record_requests(page)
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        page.goto(address)
        page.wait_for_selector(".br-session .br-start")
        page.wait_for_selector(".br-checkin .br-checkin-save")
        page.wait_for_selector(".br-q-save")  # the outcome questionnaires are on the page too

        # a page for a patient: no code, no notebook chrome, no menu instructions
        assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
        body = page.inner_text("body")
        for text in ("Run All", "import ", "app.session_part", "Kernel", "Run →"):
            assert text not in body
        page.screenshot(path=str(SCREENSHOTS / "br_app.png"), full_page=True)

        page.locator(".br-pain-before").get_by_role("button", name="4", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.br-start').disabled")
        page.locator(".br-start").click()
        page.wait_for_selector(".br-after", state="visible")
        # below the fold of a 1280x900 window when it appears: the page brings it into view
        page.wait_for_function("""() => {
            const box = document.querySelector('.br-after').getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""")
        page.locator(".br-pain-after").get_by_role("button", name="3", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.br-save').disabled")
        page.locator(".br-save").click()
        # the confirmation sits beside the Save button, where the user looks
        page.wait_for_function(
            "() => document.querySelector('.br-saved').innerText.includes('Saved')")
        assert "Sessions this week: 1 of 3 planned." in page.locator(".br-saved").inner_text()

        log = load_log(log_dir)
        assert list(log.exercise["exercise"]) == ["pelvic_tilt"]
        assert list(log.exercise["status"]) == ["completed"]
        assert list(log.exercise["reps_done"]) == [2]
        assert list(log.pain["pain"]) == [4, 3]
        assert list(log.pain["context"]) == ["before_session", "after_session"]

        # progress and the report, from the same page
        page.locator(".br-progress-button").click()
        page.wait_for_selector(".br-progress-numbers")
        assert "1 session in 1 day of the week" in page.locator(".br-progress-numbers").inner_text()
        pdf_url, pdf = download(page, base, ".br-report-button", ".br-report-links a", "PDF")
        assert pdf.startswith(b"%PDF")
        assert (log_dir / "reports" / "report.pdf").is_file()
        # the share file, from its own button, downloads as a bundle holding this session
        page.locator(".br-share-patient input").fill("Pat Browser")
        share_url, shared = download(page, base, ".br-share-button", ".br-share-link a")
        opened = open_bundle(shared, "share.zip")
        assert opened.patient == "Pat Browser"
        assert opened.files["report.pdf"].startswith(b"%PDF")
        shared_log, _ = load_files(opened.files)
        assert list(shared_log.exercise["status"]) == ["completed"]
        # a web page elsewhere that points its own name at 127.0.0.1 reads nothing, even
        # with the token
        for path in ("", pdf_url):
            assert ask(f"{base}{path}?token={token}", host="evil.example").status == 403
        # another user or program on this computer, without the token or with a wrong one,
        # reads nothing: not the page, a report, the share file, nor anything else the page
        # asked for (its scripts, widgets' files, the kernel's websocket)
        assert ask(f"{base}{pdf_url}?token={token}").body.startswith(b"%PDF")  # the token
        own = {urlsplit(url)._replace(scheme="http", query="").geturl()
               for url in [*urls, *sockets] if urlsplit(url).netloc == urlsplit(base).netloc}
        assert sockets and any("/channels" in url for url in own)
        for url in {base, f"{base}{pdf_url}", f"{base}{share_url}", *own}:
            for query in ("", "?token=wrong", f"?token={token[:-1]}"):
                assert ask(url + query).status == 403, url
        assert b"needs its secret" in ask(base).body
        page.screenshot(path=str(SCREENSHOTS / "br_app_done.png"), full_page=True)
        # the HTML report, opened from its link, is whole and asks no other host either
        page.goto(base + page.locator(".br-report-links a", has_text="Web page")
                  .get_attribute("href"))
        page.wait_for_selector("img")
        assert "App test plan" in page.inner_text("body")

        assert urls, "the page made no request at all"
        assert off_host(urls, base) == []
        kernels = psutil.Process(process.pid).children(recursive=True)
        assert kernels  # the page's kernel (and the one Voila keeps ready for the next visit)
    finally:
        code = stop_app(process)
    assert code == 0
    _, left = psutil.wait_procs(kernels, timeout=30)
    assert left == []  # Ctrl-C stopped the kernels too
    output = (tmp_path / "app.out").read_text()
    assert "Traceback" not in output
    assert "_xsrf" not in output  # leaving the page shut its kernel down, no request refused
    assert output.count(token) == 1  # the token is in the printed address, and nowhere else


@pytest.mark.browser
def test_skip_with_a_reason_and_how_each_exercise_felt_reach_the_log(chromium_default_autoplay,
                                                                     tmp_path):
    two = plan_text(PELVIC_TILT, BRIDGE | {"hold_s": 1, "reps": 2}, name="App test plan",
                    target=3, rest_between_exercises_s=1, get_ready_s=1)
    process, address, log_dir = start_app(tmp_path, plan_text=two)
    base = URL_LINE.search(f"open {address} in your browser").group(2)
    try:
        page, urls = open_session_page(chromium_default_autoplay, address)
        page.locator(".br-pain-before").get_by_role("button", name="4", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.br-start').disabled")
        page.locator(".br-start").click()
        # skip the pelvic tilt once it is under way: the session goes on to the bridge at once
        page.wait_for_function("() => document.querySelector('.br-phase').innerText === 'HOLD'")
        page.locator(".br-skip").click()
        reason = page.locator(".br-reason-row")
        reason.wait_for(state="visible")
        assert "Why did you skip pelvic tilt?" in reason.inner_text()
        reason.get_by_role("button", name="Pain", exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('.br-exercise').innerText.includes('Bridge')")
        page.wait_for_selector(".br-after", state="visible")
        # one row for the exercise done (the bridge), none for the tilt skipped before a rep
        # was done
        assert page.locator(".br-felt-pelvic_tilt").count() == 0
        page.locator(".br-felt-bridge").get_by_role("button", name="Hard", exact=True).click()
        page.locator(".br-hurt-bridge").click()
        page.locator(".br-pain-after").get_by_role("button", name="5", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.br-save').disabled")
        # what the patient sees before Save (the README's picture)
        page.locator(".br-reason-row").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "br_app_signals.png"))
        page.locator(".br-save").click()
        page.wait_for_function(
            "() => document.querySelector('.br-saved').innerText.includes('Saved')")
        assert "how the exercises felt" in page.locator(".br-saved").inner_text()

        log = load_log(log_dir)
        assert list(zip(log.exercise["exercise"], log.exercise["status"], strict=True)) == [
            ("pelvic_tilt", "skipped"), ("bridge", "completed")]
        session = log.exercise["session_id"].iloc[0]
        said = log.signals[["signal", "value", "session_id", "exercise"]]
        assert said.to_records(index=False).tolist() == [
            ("stop_reason", "pain", session, "pelvic_tilt"),
            ("felt", "hard", session, "bridge"),
            ("hurt", "yes", session, "bridge")]
        assert off_host(urls, base) == []
    finally:
        code = stop_app(process)
    assert code == 0
    assert "Traceback" not in (tmp_path / "app.out").read_text()


@pytest.mark.browser
def test_a_plan_from_the_physiotherapist_is_loaded_accepted_and_followed(
        chromium_default_autoplay, tmp_path):
    shipped = load_plan(paths.DEFAULT_PLAN_FILE)
    process, address, log_dir = start_app(tmp_path, plan_text=plan_toml(shipped))
    base = URL_LINE.search(f"open {address} in your browser").group(2)
    title = ".br-session h3 + div"
    try:
        # the physiotherapist's side of the round trip: the next plan, as the command writes it
        sent = tmp_path / "plan-from-my-physio.toml"
        assert cli_main(["plan", "next", "--data-dir", str(log_dir), "--plan",
                         str(tmp_path / "plan.toml"), "--accept", "knee_to_chest",
                         "--valid-from", now_local().date().isoformat(), "--out",
                         str(sent)]) == 0
        page, urls = open_session_page(chromium_default_autoplay, address)
        assert "Knee to chest: 5 s hold x 10 reps, each side" in page.inner_text(title)
        # ipywidgets 8 keeps the upload's <input type=file> out of the page (it clicks it from
        # the button), so the file is chosen in the chooser the button opens, as a patient does
        with page.expect_file_chooser() as chooser:
            page.locator(".br-plan-upload").click()
        chooser.value.set_files(str(sent))
        news = page.locator(".br-plan-news")
        news.get_by_text("Your physiotherapist sent a new plan").wait_for()
        assert "(version 2, from " in news.inner_text()
        assert "Knee to chest: 12 reps (was 10)." in news.inner_text()
        assert not (log_dir / "plans").exists()  # nothing kept before Accept
        page.locator(".br-new-plan").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "br_app_new_plan.png"))
        page.locator(".br-plan-accept").click()
        page.locator(".br-plan-message").get_by_text("Saved.").wait_for()
        assert ("Your next session follows it; reload the page to see it."
                in page.inner_text(".br-plan-message"))
        (kept,) = (log_dir / "plans").glob("*.toml")
        assert kept.name == f"plan-v2-{now_local().date().isoformat()}.toml"
        assert sent.read_text() in kept.read_text()  # kept as sent

        # the page is reloaded from the kernel Voila ran ahead of the visit, before the plan was
        # accepted: the session takes the new plan as the page shows it
        page.reload()
        page.wait_for_selector(".br-session .br-start")
        page.wait_for_function(
            f"() => document.querySelector({title!r}).innerText"
            ".includes('Knee to chest: 5 s hold x 12 reps, each side')")
        assert off_host(urls, base) == []
    finally:
        code = stop_app(process)
    assert code == 0
    assert "Traceback" not in (tmp_path / "app.out").read_text()


class Listener:
    """Another program on this computer: an HTTP server on a free loopback port that records
    every request's path and headers. ``/to?url=U`` is a page that sends the browser on to
    ``U`` (a redirect started by a page of another site); any other path is a blank page."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                requests.append((self.path, dict(self.headers)))
                target = parse_qs(urlsplit(self.path).query).get("url", [""])[0]
                body = (f"<script>location.href = {json.dumps(target)};</script>" if target
                        else "<p>nothing here</p>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()


def kernel_environments(pid: int) -> list[bytes]:
    """The environment of every process the app's server started (its kernels)."""
    return [Path(f"/proc/{child.pid}/environ").read_bytes()
            for child in psutil.Process(pid).children(recursive=True)]


@pytest.mark.browser
def test_no_other_port_or_host_receives_what_opens_the_app(chromium_default_autoplay,
                                                           tmp_path):
    process, address, _ = start_app(tmp_path)
    base, token = URL_LINE.search(f"open {address} in your browser").group(2, 4)
    name = urlsplit(base).hostname
    listener = Listener()
    try:
        page = chromium_default_autoplay.new_page()
        page.set_default_timeout(SLOW_MS)
        urls = record_requests(page)
        page.goto(address)
        page.wait_for_selector(".br-session .br-start")
        assert page.url == base  # the token is gone from the address bar
        assert token not in page.content()  # and from the page
        # the browser's cookies: for the app's own name only, none beyond the session, none
        # sent with a request another site starts, the login cookie out of scripts' reach
        cookies = chromium_default_autoplay.cookies()
        assert cookies
        for cookie in cookies:
            assert cookie["domain"] == name  # host-only: not 127.0.0.1, not localhost
            assert cookie["expires"] == -1
            assert cookie["sameSite"] == "Strict"
        assert any(c["httpOnly"] for c in cookies if c["name"].startswith("username-"))

        # another program's port, typed by the patient and reached through a page of another
        # site (at the app's own name, which is the run's secret, it would get the cookie)
        other = listener.port
        visits = [f"http://127.0.0.1:{other}/typed", f"http://localhost:{other}/typed",
                  f"http://localhost:{other}/to?url=http://127.0.0.1:{other}/sent-on",
                  f"http://127.0.0.1:{other}/to?url=http://localhost:{other}/sent-on"]
        visitor = chromium_default_autoplay.new_page()
        visitor.set_default_timeout(SLOW_MS)
        for url in visits:
            visitor.goto(url)
            visitor.wait_for_url("**/typed" if url.endswith("/typed") else "**/sent-on")
        paths = [path for path, _ in listener.requests]
        assert paths.count("/sent-on") == 2
        # nothing it received opens the app: each cookie alone, and all together, are refused
        received = [headers.get("Cookie", "") for _, headers in listener.requests]
        cookies_sent = {part.strip() for header in received for part in header.split(";")
                        if part.strip()}
        for cookie in [*cookies_sent, "; ".join(sorted(cookies_sent))]:
            if cookie:
                assert ask(base, cookie=cookie).status == 403, cookie.split("=")[0]
        assert token not in repr(listener.requests)
        # the page itself asked no other host
        assert off_host(urls, base) == []

        # no kernel holds the token in its environment (inherited by anything it starts):
        # the page's kernel, and the one Voila readies for the next visit with this visit's
        # request in its environment
        while len(psutil.Process(process.pid).children(recursive=True)) < 2:
            time.sleep(0.2)  # waiting for the next visit's kernel, not timing it
        environments = kernel_environments(process.pid)
        assert any(b"VOILA_REQUEST_URL=" in env for env in environments)
        for env in environments:
            assert token.encode() not in env
    finally:
        listener.close()
        stop_app(process)
    output = (tmp_path / "app.out").read_text()
    assert output.count(token) == 1  # in the printed address only
    assert "Traceback" not in output


def test_error_pages_are_one_plain_sentence_without_the_token(tmp_path):
    process, address, _ = start_app(tmp_path)
    base, port, token = URL_LINE.search(f"open {address} in your browser").group(2, 3, 4)
    name = urlsplit(base).hostname
    try:
        cookie = login(address)
        kernel = "0123abcd-0123-4567-89ab-0123456789ab"  # no such kernel
        for path in ("logout", "login", "api/foo", "api/kernels/0123", "api/sessions",
                     "api/contents/app.ipynb", "voila/files/app.ipynb", "voila/static/none.js",
                     "backrelief/reports/none.pdf", "no/such/page", "app.ipynb",
                     f"api/kernels/{kernel}", f"api/kernels/{kernel}/channels",
                     f"voila/query/{kernel}", f"voila/api/shutdown/{kernel}",
                     "voila/templates/x", "voila/templates/lab/x/y", "voila/labextensions/x"):
            # with the token (for the first time), and with the cookie it gave
            for query, how in ((f"?token={token}", {}), ("", {"cookie": cookie})):
                answer = ask(f"{base}{path}{query}", **how)
                assert answer.status in (400, 403, 404, 405), path
                assert answer.headers["Content-Type"] == "text/plain; charset=utf-8", path
                text = answer.body.decode()
                assert text.startswith("backrelief app: ") and text.count("\n") == 1, path
                assert token not in text
        # the loopback names get no cookie: sent on to the app's name, or refused
        loopback = f"http://127.0.0.1:{port}/"
        sent_on = ask(f"{loopback}?token={token}")
        assert sent_on.status == 302
        assert sent_on.headers["Location"] == f"http://{name}:{port}/?token={token}"
        for answer in (sent_on, ask(loopback), ask(loopback, cookie=cookie),
                       ask(f"http://localhost:{port}/?token={token}")):
            assert answer.headers.get_all("Set-Cookie") is None
        assert ask(loopback, cookie=cookie).status == 403  # the app's cookie is for its name
    finally:
        stop_app(process)
    output = (tmp_path / "app.out").read_text()
    assert output.count(token) == 1  # in the printed address only
    assert "Traceback" not in output
    assert "Uncaught" not in output


@pytest.mark.browser
def test_reminder_button_writes_a_calendar_file(chromium_default_autoplay, tmp_path):
    process, address, _ = start_app(tmp_path)
    base = URL_LINE.search(f"open {address} in your browser")[2]
    try:
        page = chromium_default_autoplay.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(address)
        page.wait_for_selector(".br-reminder-days")
        page.locator(".br-reminder-days").get_by_role("button", name="Wed").click()  # off
        page.locator(".br-reminder-time input").fill("07:45")
        _, ics = download(page, base, ".br-reminder-button", ".br-reminder-link a")
        calendar = icalendar.Calendar.from_ical(ics)
        (event,) = calendar.walk("VEVENT")
        assert event["rrule"]["BYDAY"] == ["MO", "FR"]
        assert event.decoded("dtstart").strftime("%H:%M") == "07:45"
        assert "App test plan" in str(event["summary"])
    finally:
        stop_app(process)


def test_a_port_in_use_is_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "backrelief_analysis.cli", "app", "--no-browser",
             "--port", str(port), "--data-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"backrelief app: port {port} is already in use; choose another with --port, or leave "
        "--port out to take a free one")


# --- the page's parts, driven in Python (the browser tests above drive the same parts) -------


@pytest.fixture
def demo_home(tmp_path, monkeypatch):
    """A log folder holding a four-week synthetic log, and the shipped plan."""
    from backrelief_analysis.log.demo import write_demo

    log_dir = tmp_path / "log"
    write_demo(log_dir, weeks=4)
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(log_dir))
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    return log_dir


def _area(part):
    (area,) = [child for child in part.children if "area" in " ".join(child._dom_classes)]
    return area


def _click(part) -> list:
    (button,) = [child for child in part.children if hasattr(child, "on_click")]
    button.click()
    return list(_area(part).children)


def test_progress_part_shows_the_key_numbers_and_the_dashboard(demo_home):
    numbers, chart = _click(app.progress_part())
    assert "From your own diary." in numbers.value
    assert "Week of " in numbers.value
    assert bytes(chart.value).startswith(b"\x89PNG")


def test_questionnaire_part_saves_an_occasion_to_the_log(demo_home):
    plan, store, _ = app.load_context()
    form = app.questionnaire_part(plan, store)

    def control(css_class: str):
        (found,) = [w for w in _walk(form) if css_class in getattr(w, "_dom_classes", ())]
        return found

    for item, score in (("pain", 5), ("enjoyment", 4), ("activity", 6)):
        control(f"br-q-peg-{item}").value = score
    before = len(load_log(demo_home).outcomes)
    # the activities named last time are offered again: they need a rating (or clearing)
    named = [n for n in range(1, 6) if control(f"br-q-psfs-name-{n}").value.strip()]
    assert named
    for number in named:
        control(f"br-q-psfs-score-{number}").value = 7
    control("br-q-save").click()
    assert "Saved" in control("br-q-message").value
    outcomes = load_log(demo_home).outcomes
    latest = outcomes.iloc[before:]
    peg = latest[latest["measure"] == "peg"]
    assert sorted(zip(peg["item"], peg["score"], strict=True)) == [
        ("activity", 6), ("enjoyment", 4), ("pain", 5)]
    psfs = latest[latest["measure"] == "psfs"]
    assert len(psfs) == len(named)
    assert set(psfs["score"]) == {7}


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_report_part_writes_both_reports_and_links_them(demo_home):
    (links,) = _click(app.report_part())
    assert (demo_home / "reports" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (demo_home / "reports" / "report.html").is_file()
    assert "href='backrelief/reports/report.pdf'" in links.value
    assert "href='backrelief/reports/report.html'" in links.value


@pytest.mark.parametrize("deidentify", [False, True])
def test_share_part_writes_a_bundle_the_caseload_reads(demo_home, deidentify):
    from backrelief_analysis.caseload.table import load_caseload

    part = app.share_part()
    (name,) = [w for w in _walk(part) if "br-share-patient" in w._dom_classes]
    (hide,) = [w for w in _walk(part) if "br-share-deidentify" in w._dom_classes]
    name.value, hide.value = "Sam Example", deidentify
    (link,) = _click(part)
    file_name = "share-deidentified.zip" if deidentify else "share.zip"
    written = demo_home / "reports" / file_name
    assert f"href='backrelief/reports/{file_name}'" in link.value
    assert written.stat().st_mode & 0o077 == 0  # the owner's only
    data = written.read_bytes()
    opened = open_bundle(data, file_name)
    assert opened.files["report.pdf"].startswith(b"%PDF")
    if deidentify:
        assert b"Sam Example" not in data
        assert opened.manifest["patient"] is None and opened.manifest["patient_code"]
    else:
        assert opened.patient == "Sam Example"
    # the physiotherapist's side reads it: one row, no problem
    caseload = load_caseload(written.parent, use_cache=False)
    (row,) = caseload.table.to_dict("records")
    assert row["problem"] == ""
    assert row["patient"] == opened.patient


def test_share_part_without_a_log_of_ones_own_shares_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(tmp_path / "empty"))
    (box,) = _click(app.share_part())
    assert "br-app-error" in box._dom_classes
    assert "nothing of yours to share" in box.value
    assert not list(tmp_path.rglob("*.zip"))


def test_reminders_without_a_day_say_so_in_one_sentence(demo_home):
    part = app.reminders_part(app.load_context()[0])
    days = part.children[0].children[0]
    for day in days.children:
        day.value = False
    (box,) = _click(part)
    assert "br-app-error" in box._dom_classes
    assert "That did not work: no weekday was chosen" in box.value
    assert not (demo_home / "reports" / app.REMINDERS_FILE).exists()


def test_a_bad_plan_is_one_sentence_and_the_rest_of_the_page_stays(demo_home, tmp_path,
                                                                   monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ntarget_sessions_per_week = "often"\n')
    monkeypatch.setenv("BACKRELIEF_PLAN", str(bad))
    plan, store, problem = app.load_context()
    assert plan is None
    assert problem.startswith("Your plan could not be read, so the guided session is off:")
    box = app.session_part(plan, store, problem)
    assert "br-app-error" in box._dom_classes
    assert "bad.toml" in box.value
    (area,) = _click(app.progress_part())  # the progress needs the plan: said in one box
    assert "br-app-error" in area._dom_classes


def test_the_page_follows_the_plan_accepted_in_the_diary(demo_home):
    shipped = load_plan()
    today = now_local().date()
    save_accepted(demo_home, next_plan(shipped, ["knee_to_chest"], valid_from=today), today)
    plan, store, problem = app.load_context()
    assert (plan.version, problem) == (2, "")
    session = app.session_part(plan, store, problem)
    assert "Knee to chest: 5 s hold x 12 reps, each side" in session._title.value
    assert isinstance(app.new_plan_part(store), NewPlanWidget)


def test_a_kept_plan_that_cannot_be_read_is_one_sentence_on_the_page(demo_home):
    kept = plans_dir(demo_home) / "plan-v2-2026-12-07.toml"
    kept.parent.mkdir(exist_ok=True)  # the demo keeps the plan it started with there
    kept.write_text('name = "x"\n')
    plan, store, problem = app.load_context()
    assert plan is None
    assert problem.startswith("Your plan could not be read, so the guided session is off:")
    assert "plan-v2-2026-12-07.toml" in app.session_part(plan, store, problem).value


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1:8866", True), ("localhost:8866", True), ("localhost", True), ("[::1]:8866", True),
    ("127.0.0.1", True), ("evil.example:8866", False), ("192.168.1.5:8866", False),
    ("127.0.0.1.evil.example", False), ("[2001:db8::1]:80", False),
])
def test_only_local_host_names_are_served(host, local):
    assert server.is_local_host(host) is local


def test_each_run_has_a_new_secret_in_its_address():
    first, second = server.new_token(), server.new_token()
    assert first != second and len(first) >= 43  # 256 random bits, URL-safe
    name = server.new_host_name()
    assert name != server.new_host_name()
    match = URL_LINE.search(f"open {server.address(8866, first, name)} in your browser")
    assert match.group(2, 3, 4) == (f"http://{name}:8866/", "8866", first)


def test_the_apps_server_imports_no_pandas():
    # pandas is for the page's kernel; the server would import it before it answers at all
    code = ("import sys; from backrelief_analysis.app import server; server.app_class(); "
            "print(sorted({'pandas', 'numpy'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(("uri", "token", "left"), [
    ("/?token=T", "T", "/"), ("/r.pdf?a=1&token=T&b=2", "T", "/r.pdf?a=1&b=2"),
    ("/?token=A&token=T", "T", "/"), ("/?a=1", "", "/?a=1"), ("/", "", "/"),
])
def test_the_token_is_taken_out_of_each_request(uri, token, left):
    from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

    request = HTTPServerRequest(start_line=RequestStartLine("GET", uri, "HTTP/1.1"),
                                headers=HTTPHeaders({"Host": "br-0.localhost:8866"}))
    assert server.take_token(request) == token
    assert request.uri == left
    assert "token" not in request.arguments and "token" not in request.query_arguments
    assert "token=" not in repr(request) and "token=" not in request.full_url()


def test_the_stop_shuts_every_kernel_down_even_one_that_went_meanwhile(tmp_path):
    # a page reloaded just before Ctrl-C: Voila shuts its kernel down while the stop runs, so
    # the list of kernels the stop read names one that is gone (it said 404 and exited 1)
    import asyncio
    from types import SimpleNamespace

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    async def stop_with_a_stale_list() -> list[str]:
        manager = AsyncMappingKernelManager(connection_dir=str(tmp_path))
        first, second = (await manager.start_kernel(), await manager.start_kernel())
        await manager.shutdown_kernel(first, now=True)  # went with its page
        stale = SimpleNamespace(list_kernel_ids=lambda: [first, second],
                                shutdown_kernel=manager.shutdown_kernel,
                                shutdown_all=manager.shutdown_all)
        await server.app_class()._shut_kernels_down(SimpleNamespace(kernel_manager=stale))
        return manager.list_kernel_ids()

    assert asyncio.run(stop_with_a_stale_list()) == []


def test_ctrl_c_right_after_a_visit_stops_quietly(tmp_path):
    process, address, _ = start_app(tmp_path)
    try:
        base = URL_LINE.search(f"open {address} in your browser")[2]
        page = ask(base, cookie=login(address))
        # the page came with its widgets; Voila now starts a kernel for the next visit
        assert b"application/vnd.jupyter.widget-view+json" in page.body
    finally:
        code = stop_app(process)  # while Voila readies a kernel for the next visit
    assert code == 0
    assert "Traceback" not in (tmp_path / "app.out").read_text()


def test_the_page_that_opens_the_browser_asks_no_other_host(tmp_path):
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.sh"
    recorder.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    recorder.chmod(0o700)
    plan = tmp_path / "plan.toml"
    plan.write_text(SHORT_PLAN)
    out = (tmp_path / "app.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "backrelief_analysis.cli", "app", "--data-dir",
         str(tmp_path / "log"), "--plan", str(plan)],
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=as_from_a_terminal, env={**os.environ, "BROWSER": f"{recorder} %s"})  # fmt: skip
    try:
        deadline = time.monotonic() + SLOW_MS / 1000
        while not (opened.exists() and opened.read_text().strip()):
            assert time.monotonic() < deadline, (tmp_path / "app.out").read_text()
            time.sleep(0.2)  # waiting for the browser to be asked, not timing it
        url = opened.read_text().strip()
        assert url.startswith("file:")
        page_file = Path(urlsplit(url).path)
        assert page_file.stat().st_mode & 0o077 == 0  # it holds the token: the owner's only
        page = page_file.read_text()
    finally:
        stop_app(process)
    assert not page_file.exists()  # not left behind
    match = URL_LINE.search((tmp_path / "app.out").read_text())
    assert f'url={match[1]}"' in page  # it sends the browser on to the app
    assert "https://" not in page
    assert "http://" not in page.replace(match[1], "")


# --- a new diary is a choice; a plan with a mistake still starts the page -----------------------


def test_a_diary_folder_that_does_not_exist_is_asked_about_and_started_on_a_click(
    tmp_path, monkeypatch
):
    missing = tmp_path / "new" / "diary"
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(missing))
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    plan, store, problem = app.load_context()
    session = app.session_part(plan, store, problem)
    checkin = app.section("A day without exercise", app.checkin_part(plan, store))
    head = app.header()
    (question,) = [w for w in _walk(head) if "br-app-new-diary" in w._dom_classes]
    assert f"No diary at {missing}. Start a new one there?" in question.children[0].value
    assert session.layout.display == checkin.layout.display == "none"  # nothing to write into
    assert not missing.exists()
    (start,) = [w for w in _walk(head) if "br-app-new-diary-button" in w._dom_classes]
    start.click()
    assert missing.is_dir() and missing.stat().st_mode & 0o777 == 0o700
    assert session.layout.display is None and checkin.layout.display is None
    assert "Your new diary is at" in question.children[0].value


def test_a_brand_new_user_sees_no_error_like_text(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKRELIEF_DATA_DIR", str(tmp_path / "diary"))
    monkeypatch.delenv("BACKRELIEF_PLAN", raising=False)
    plan, store, problem = app.load_context()
    texts = " ".join(str(getattr(w, "value", "")) for part in (
        app.session_part(plan, store, problem), app.checkin_part(plan, store),
        app.questionnaire_part(plan, store)) for w in _walk(part))
    assert "Not done yet: your first answers" in texts
    for word in ("Could not", "no log folder", "error", "Error"):
        assert word not in texts
    assert not (tmp_path / "diary").exists()


@pytest.mark.browser
def test_a_new_diary_is_asked_for_on_the_page_and_its_button_starts_it(
    chromium_default_autoplay, tmp_path
):
    process, address, log_dir = start_app(tmp_path, new=False)
    try:
        assert "Start a new one there?" in (tmp_path / "app.out").read_text()
        page = chromium_default_autoplay.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(address)
        question = page.locator(".br-app-new-diary")
        question.wait_for()
        assert f"No diary at {log_dir}. Start a new one there?" in question.inner_text()
        assert not page.locator(".br-session .br-start").is_visible()
        assert not log_dir.exists()
        page.locator(".br-app-new-diary-button").click()
        page.wait_for_selector(".br-app-new-diary-done")
        page.wait_for_selector(".br-session .br-start", state="visible")
        assert log_dir.is_dir() and log_dir.stat().st_mode & 0o777 == 0o700
    finally:
        stop_app(process)


@pytest.mark.browser
def test_a_plan_with_a_mistake_starts_the_app_with_the_plan_box(chromium_default_autoplay,
                                                               tmp_path):
    typo = SHORT_PLAN.replace("hold_s", "hlod_s")
    process, address, _ = start_app(tmp_path, plan_text=typo)
    try:
        page = chromium_default_autoplay.new_page()
        page.set_default_timeout(SLOW_MS)
        page.goto(address)
        box = page.locator(".br-app-error").first
        box.wait_for()
        text = box.inner_text()
        assert text.startswith("Your plan could not be read, so the guided session is off:")
        assert "did you mean hold_s?" in text
        page.wait_for_selector(".br-checkin .br-checkin-save")  # the rest of the page works
    finally:
        stop_app(process)
    assert "did you mean hold_s?" in (tmp_path / "app.out").read_text()
