"""Serve the patient's app (``app.ipynb``) with Voila, on this computer only.

``backrelief app`` runs :func:`serve`: Voila on 127.0.0.1, the page template without any link to
another host, and the reports folder served at ``/backrelief/reports/`` so the page's links open
the PDF, the HTML report and the calendar file.

Every request needs the run's secret token, as in Jupyter: the address printed in the terminal
(and opened in the browser) carries it as ``?token=``, after which the browser's login cookie
does. Without it, any other user or program on this computer could read the patient's health
data from 127.0.0.1.

The address names the app by a host name new at each run, ``br-<random>.localhost``, which
browsers resolve to this computer themselves. Browsers send a cookie to every port of the host
that set it, so a login cookie set for ``127.0.0.1`` would reach any program listening on another
port of 127.0.0.1. The login cookie is set for the app's own name only, for the browser's session
only, ``SameSite=Strict`` and ``HttpOnly``; ``127.0.0.1`` and ``localhost`` get no cookie, ever:
with the token they are sent on to the app's name, without it they are refused. The token is
taken out of each request before anything can log it or hand it to a kernel, and the page that
received it sends the browser on to the same address without it. The name is the run's second
secret: a page served at that name from another port would be same-site with the app, and the
browser would send it the cookie.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import re
import secrets
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from .. import paths

if TYPE_CHECKING:
    from tornado.httputil import HTTPServerRequest

APP_DIR = Path(__file__).resolve().parent
APP_NOTEBOOK = APP_DIR / "app.ipynb"
TEMPLATE_DIR = APP_DIR / "templates" / "backrelief"
HOST = "127.0.0.1"
REFUSED = ("backrelief app: this address needs its secret; open the whole address the terminal "
           "showed when the app started (it ends with ?token=...).\n")
NOT_LOCAL = "backrelief app: only requests to this computer by its own name are answered.\n"
# the one sentence of every other error page (the status is in the response line)
ERROR_SENTENCES = {
    400: "backrelief app: this address is for the page's own connection, not for a browser.\n",
    404: "backrelief app: there is nothing at this address; open the address the terminal "
         "showed.\n",
    405: "backrelief app: this address does not answer that kind of request.\n",
}
OTHER_ERROR = ("backrelief app: this request could not be answered; the terminal may say why.\n")
TOKEN = "token"  # the query argument that carries the secret


class AppError(ValueError):
    """The app cannot start; the message is one sentence."""


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


MAX_PORT = 65535  # TCP ports are 16-bit


def check_port(port: int) -> None:
    """Raise :class:`AppError` when ``port`` cannot be listened on at 127.0.0.1."""
    if not 1 <= port <= MAX_PORT:
        raise AppError(f"--port must be between 1 and {MAX_PORT} (got {port})")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            raise AppError(f"port {port} is already in use; choose another with --port, or "
                           "leave --port out to take a free one") from None


def voila_arguments(port: int, *, open_browser: bool) -> list[str]:
    """Voila's command-line options for the app: local only, quiet, nothing off the machine."""
    return [
        str(APP_NOTEBOOK),
        f"--port={port}", "--Voila.port_retries=0", f"--Voila.ip={HOST}",
        f"--Voila.open_browser={open_browser}",
        "--VoilaConfiguration.template=lab",
        "--VoilaConfiguration.show_tracebacks=False",
        # the page's kernel starts and runs the page while the browser opens, and a fresh one
        # waits for the next visit: the Start button is there without the wait for a kernel
        "--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
        # a closed tab cannot always shut its kernel down (Voila's request lacks the XSRF
        # token); such a kernel is stopped 10 minutes after its page went away
        "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60",
        # kernels talk to the server over files owner-only, not TCP ports
        "--KernelManager.transport=ipc",
        "--Voila.log_level=ERROR",  # the patient's terminal shows the address and real errors
    ]  # fmt: skip


def is_local_host(host: str) -> bool:
    """Whether an HTTP ``Host`` header names this computer (``127.0.0.1:8866``, ``localhost``).

    A web page elsewhere can point a name of its own at 127.0.0.1 ("DNS rebinding") and then
    read what the app serves; such requests carry that other name, and are refused.
    """
    match = re.fullmatch(r"\[(.*)\](?::\d+)?|([^:]*)(?::\d+)?|(.*)", host)
    name = next(part for part in match.groups() if part is not None)  # the pattern always fits
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """The name in an HTTP ``Host`` header, without its port (lower case)."""
    return re.sub(r":\d+$", "", host).lower()


def new_token() -> str:
    """A fresh random secret for one run of the app (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_host_name() -> str:
    """A fresh host name for one run of the app: ``br-`` and 96 random bits, under
    ``.localhost``, which browsers resolve to the loopback address without asking DNS."""
    return f"br-{secrets.token_hex(12)}.localhost"


def address(port: int, token: str, host: str) -> str:
    """The app's address with its secret, as printed and opened in the browser."""
    return f"http://{host}:{port}/?{TOKEN}={token}"


def error_sentence(status: int) -> str:
    """The one sentence of an error page with HTTP status ``status``."""
    return ERROR_SENTENCES.get(status, OTHER_ERROR)


def take_token(request: HTTPServerRequest) -> str:
    """Remove the ``token`` query argument from a tornado request; return it ("" if none).

    Everything after this sees the address without the secret: tornado's and Jupyter's log
    lines, the request Voila hands to the page's kernel as ``VOILA_REQUEST_URL`` and
    ``QUERY_STRING``, and any error page.
    """
    given = request.query_arguments.pop(TOKEN, [])
    request.arguments.pop(TOKEN, None)
    if not given and TOKEN not in request.query:
        return ""
    kept = [(key, value) for key, value in parse_qsl(request.query, keep_blank_values=True)
            if key != TOKEN]
    request.query = urlencode(kept)
    request.uri = request.path + (f"?{request.query}" if request.query else "")
    return given[-1].decode("utf-8", "replace") if given else ""


def browser_open_page(url: str) -> str:
    """A small local page that sends the browser on to ``url`` (written owner-only: a browser
    started with the address itself would show the secret in the process list)."""
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f'<meta http-equiv="refresh" content="0;url={url}">'
            f"<title>backrelief</title></head>\n"
            f'<body><p>Opening <a href="{url}">your backrelief page</a>...</p></body></html>\n')


def _skip_slow_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax``, which builds a parser at import.

    jupyter_server's event logger imports jsonschema, which imports rfc3987_syntax when it is
    installed to check the "iri" string formats: that is two thirds of the time Voila takes to
    import (about 1.1 s of 1.6 s of CPU here). No schema the app's server uses has those
    formats; jsonschema leaves the check out when the import fails, as it does without the
    package. Only this server process is affected, never the kernel.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def app_class():
    """Voila's application, with the kit's template and reports folder (imported late: Voila
    takes a second to import, and ``backrelief --help`` must not wait for it)."""
    _skip_slow_format_checker()
    from jupyter_core.utils import ensure_async
    from jupyter_server.auth.identity import PasswordIdentityProvider
    from jupyter_server.base.handlers import JupyterHandler
    from tornado.web import HTTPError, RequestHandler, StaticFileHandler
    from tornado.websocket import WebSocketHandler
    from traitlets import Type, Unicode, default
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    class TokenRequired:
        """Put before a handler class: its requests need the app's own host name, and the token
        or the login cookie the token gave; otherwise 403 with one sentence, never a login
        page. The loopback names (127.0.0.1, localhost) are sent on to the app's name when
        they carry the token, and refused otherwise: no cookie is ever set for them. Every
        route of the app's server goes through this (see ``init_handlers``), and every error
        page it answers is one plain sentence."""

        _refusal = ""
        _given_token = ""

        async def prepare(self, *args, **kwargs):
            # first of all: from here on, no log line, error page or kernel sees the token
            self._given_token = take_token(self.request)
            # the user as Jupyter's own checks see it (None: nobody known)
            self.current_user = self._jupyter_current_user = None
            own_name = self.settings["backrelief_host"]
            if host_name(self.request.host) != own_name:
                if not is_local_host(self.request.host):  # a web page elsewhere, by its name
                    self._refusal = NOT_LOCAL
                elif self.request.method == "GET" and self.identity_provider.get_token(self):
                    # the address typed with 127.0.0.1: on to the app's own name, the only
                    # host the browser keeps the login cookie for
                    query = urlencode([(TOKEN, self._given_token)])
                    sep = "&" if self.request.query else "?"
                    self.redirect(f"{self.settings['backrelief_origin']}{self.request.uri}"
                                  f"{sep}{query}")
                    return None
                else:
                    self._refusal = REFUSED
                raise HTTPError(403)
            user = await ensure_async(self.identity_provider.get_user(self))
            if user is None:
                self._refusal = REFUSED
                raise HTTPError(403)
            self.current_user = self._jupyter_current_user = user
            if (isinstance(self, WebSocketHandler)
                    and self.request.headers.get("Upgrade", "").lower() != "websocket"):
                raise HTTPError(400)  # tornado's own answer would be an HTML page
            return await ensure_async(super().prepare(*args, **kwargs))

        def write_error(self, status_code: int, **kwargs) -> None:
            # one sentence, no page that could ask for anything; never Jupyter's error page,
            # whose template this server lacks (a second traceback in the terminal)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            # past Jupyter's APIHandler.finish, which would label the sentence JSON
            RequestHandler.finish(self, self._refusal or error_sentence(status_code))

        def _request_summary(self) -> str:
            # what tornado logs of a request (an error's traceback too): the path only
            return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def token_required(handler: type) -> type:
        """``handler`` behind :class:`TokenRequired` (with Jupyter's handler under it, for
        the identity and Host checks, when it is a plain tornado handler)."""
        if issubclass(handler, JupyterHandler):
            return type(handler.__name__, (TokenRequired, handler), {})
        return type(handler.__name__, (TokenRequired, JupyterHandler, handler), {})

    class OneTokenIdentity(PasswordIdentityProvider):
        @default("cookie_options")
        def _cookie_options(self) -> dict:
            # for the browser's session only (tornado's default is 30 days), never sent with
            # a request another site starts, and out of reach of the page's scripts; no
            # Domain, so for the app's own host name only
            return {"expires_days": None, "samesite": "Strict", "httponly": True}

        def get_token(self, handler) -> str:
            # the token taken out of the request (see take_token), or the Authorization
            # header's; compared in constant time: how long a refusal takes tells nothing
            given = getattr(handler, "_given_token", "") or super().get_token(handler) or ""
            good = bool(self.token) and hmac.compare_digest(given.encode(), self.token.encode())
            return self.token if good else ""

    class ReportsHandler(StaticFileHandler):
        def set_extra_headers(self, path: str) -> None:
            self.set_header("Cache-Control", "no-store")  # a new report replaces the old one

    class PageHandler(TornadoVoilaHandler):
        async def get(self, path=None):
            if path:  # one page only: Voila would send any other path on to its files
                raise HTTPError(404)
            if self._given_token:
                # the login cookie is set: the same page without the token, so that the
                # address bar, the page's requests (their Referer) and its kernel lack it
                return self.redirect(self.request.uri)
            # sets the _xsrf cookie, which the page sends back when its tab closes, so that
            # Voila's shutdown request for the page's kernel is accepted
            _ = self.xsrf_token
            return await super().get(path)

    class BackreliefApp(Voila):
        name = "backrelief-app"
        reports_dir = Unicode(help="folder served at /backrelief/reports/").tag(config=True)
        app_host = Unicode(help="the host name the app answers to (see new_host_name)")
        identity_provider_class = Type(OneTokenIdentity, klass=PasswordIdentityProvider)
        _browser_file = None

        def setup_template_dirs(self) -> None:
            super().setup_template_dirs()
            self.template_paths.insert(0, str(TEMPLATE_DIR))

        def init_handlers(self) -> list:
            from jupyter_server.utils import url_path_join

            # no login or logout page: the token is the only way in, and closing the
            # browser ends the session; those addresses answer 404 like any unknown one
            login = {handler for _, handler, *_ in self.identity_provider.get_handlers()}
            handlers = [(route, PageHandler, *rest) if handler is TornadoVoilaHandler
                        else (route, handler, *rest)
                        for route, handler, *rest in super().init_handlers()
                        if handler not in login]
            # Voila's template files are <template>/static/<file>; any other path under
            # /voila/templates/ raises inside Voila (a traceback): a 404 instead, like any
            # unknown address
            templates = url_path_join(self.server_url, r"/voila/templates/(.*)")
            handlers = [(url_path_join(self.server_url, r"/voila/templates/([^/]+/static/.+)"),
                         *rest) if route == templates else (route, *rest)
                        for route, *rest in handlers]
            # before Voila's catch-all handler of the notebook page
            handlers.insert(0, (url_path_join(self.server_url, r"/backrelief/reports/(.*)"),
                                ReportsHandler, {"path": self.reports_dir}))
            # every route, the page, kernels' websockets and static files included
            return [(route, token_required(handler), *rest) for route, handler, *rest in handlers]

        def start(self) -> None:
            from tornado.ioloop import IOLoop

            # jupyter_server's default websocket ping timeout is longer than tornado allows,
            # which prints a warning on each page; the same value as the interval is allowed
            self.tornado_settings = {"ws_ping_timeout": 30_000, **self.tornado_settings,
                                     # Voila turns jupyter_server's Host check off; on again,
                                     # so every page and API refuses a name that is not local
                                     "allow_remote_access": False,
                                     "local_hostnames": [self.app_host],
                                     "backrelief_host": self.app_host,
                                     "backrelief_origin": f"http://{self.app_host}:{self.port}",
                                     "xsrf_cookie_kwargs": {"samesite": "Strict",
                                                            "expires_days": None}}
            # runs once the server listens: only then is the address worth printing
            loop = IOLoop.current()
            loop.add_callback(self._announce)
            # Ctrl-C stops the loop between two callbacks: raised inside a page being rendered,
            # its KeyboardInterrupt would print a traceback. A second Ctrl-C interrupts the
            # stop itself, as usual.
            events = loop.asyncio_loop

            def interrupted() -> None:
                events.remove_signal_handler(signal.SIGINT)
                events.stop()

            events.add_signal_handler(signal.SIGINT, interrupted)
            super().start()

        def stop(self) -> None:
            import shutil

            from jupyter_core.utils import run_sync

            # kernels first, then their folder: Voila removes the folder first, which takes
            # the IPC sockets from under a kernel still running the page (a traceback at
            # Ctrl-C). And at once: a polite shutdown interrupts first, and a kernel still
            # starting prints that interrupt's traceback. Every logged block is on disk
            # already; the one in progress is lost, as in any stop.
            try:
                run_sync(self._shut_kernels_down)()
                shutil.rmtree(self.connection_dir, ignore_errors=True)
            finally:  # the page holding the token goes, however the stop went
                if self._browser_file is not None:
                    Path(self._browser_file).unlink(missing_ok=True)

        async def _shut_kernels_down(self) -> None:
            """Every kernel at once, one by one: a kernel Voila shuts down meanwhile (its page
            went just before the Ctrl-C) is gone, not an error; then Voila's own shutdown_all
            for the kernels it still makes ahead."""
            from jupyter_core.utils import ensure_async
            from tornado.web import HTTPError

            manager, gone = self.kernel_manager, (HTTPError, KeyError, RuntimeError)
            for kernel_id in list(manager.list_kernel_ids()):
                with contextlib.suppress(*gone):
                    await ensure_async(manager.shutdown_kernel(kernel_id, now=True))
            with contextlib.suppress(*gone):
                await ensure_async(manager.shutdown_all(now=True))

        def launch_browser(self) -> None:
            """Open the address with its token through an owner-only file, as Jupyter does."""
            import atexit
            import tempfile
            import threading
            import webbrowser

            try:
                browser = webbrowser.get(self.browser or None)
            except webbrowser.Error:
                return  # the address is printed in the terminal
            descriptor, self._browser_file = tempfile.mkstemp(suffix=".html")  # mode 0600
            # removed at stop; and at exit, should a second Ctrl-C cut the stop short
            atexit.register(Path(self._browser_file).unlink, missing_ok=True)
            with os.fdopen(descriptor, "w", encoding="utf-8") as page:
                page.write(browser_open_page(address(self.port, self.token, self.app_host)))
            threading.Thread(target=browser.open,
                             args=(Path(self._browser_file).as_uri(), self.webbrowser_open_new),
                             daemon=True).start()

        def _announce(self) -> None:
            url = address(self.port, self.token, self.app_host)
            print(f"backrelief app: open {url} in your browser (Ctrl-C stops the app).",
                  flush=True)

    return BackreliefApp


def serve(*, port: int | None = None, open_browser: bool = True, data_dir: Path | None = None,
          plan: Path | None = None) -> int:
    """Run the app until Ctrl-C; return the exit code.

    ``data_dir`` and ``plan`` are handed to the page's kernel as ``BACKRELIEF_DATA_DIR`` and
    ``BACKRELIEF_PLAN``.
    """
    if data_dir is not None:
        os.environ[paths.DATA_DIR_ENV] = str(Path(data_dir).expanduser().resolve())
    if plan is not None:
        os.environ[paths.PLAN_ENV] = str(Path(plan).expanduser().resolve())
    if port is None:
        port = free_port()
    else:
        check_port(port)
    # the page makes the folder (owner-only) when it first writes there; until then: 404
    reports = paths.log_dir() / "reports"
    argv = [*voila_arguments(port, open_browser=open_browser),
            f"--BackreliefApp.reports_dir={reports}"]
    app = app_class()
    # Voila parses sys.argv in launch_instance; give it only its own options. The token is
    # no option: it stays in this process's memory (a command line is visible to all users)
    app.launch_instance(argv=argv, token=new_token(), app_host=new_host_name())
    return 0


if __name__ == "__main__":
    sys.exit(serve())
