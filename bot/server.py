"""HTTP serving: a small WSGI router in front of Bolt.

POST /slack/events   commands, events and interactivity (signatures verified by Bolt)
POST /stripe/webhook Stripe events (Stripe-Signature verified), when billing is installed
GET  /healthz        200 once the database answers, else 503
GET  /metrics        Prometheus (prometheus_client), OpenMetrics on request
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import events, metrics
from bot.db.session import ping
from bot.logs import request_id_var
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.server")

# (status, headers, body) from a raw request body and its headers.
RawHandler = Callable[[Runtime, bytes, dict[str, str]], tuple[int, dict[str, str], bytes]]

# Extra POST routes added by capabilities: path -> "module:function" (imported lazily).
POST_ROUTES: dict[str, str] = {"/stripe/webhook": "bot.billing.webhook:handle"}


def load_ref(ref: str) -> Any:
    """"module:function" -> the function, imported now: how the framework reaches a capability's
    code (these routes, the CLI's sync sources) without naming it in an import."""
    module, func = ref.split(":")
    return getattr(__import__(module, fromlist=[func]), func)


def make_wsgi_app(rt: Runtime, app: App) -> Callable:
    slack_handler = SlackRequestHandler(app)
    post_routes = {path: load_ref(ref) for path, ref in POST_ROUTES.items()}

    def _timed_slack(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        """Bolt answers; we note how long the ack took and tag logs with a request id."""
        request_id_var.set(environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex[:12])
        started = time.perf_counter()
        status_holder: list[str] = []

        def recording_start_response(status: str, headers, exc_info=None):
            status_holder.append(status.split()[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        kind = _request_kind(environ)
        with events.AfterResponse() as later:
            body = slack_handler(environ, recording_start_response)
        answer = _Then(body, later.run)  # built first: whatever happens next, the deferred work runs
        try:
            metrics.observe_ack(time.perf_counter() - started, kind=kind)
            metrics.count_request(kind=kind, status=status_holder[0] if status_holder else "0")
        except Exception:  # a metric must never cost Slack its answer
            log.exception("could not record the request's metrics")
        return answer

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return _timed_slack(environ, _events_always_ok(environ, start_response))
        if path == "/metrics" and method == "GET":
            body, content_type = metrics.render(rt, environ.get("HTTP_ACCEPT", ""))
            start_response("200 OK", [("Content-Type", content_type),
                                      ("Content-Length", str(len(body)))])
            return [body]
        if path == "/healthz" and method == "GET":
            ok = ping(rt.engine)
            body = json.dumps({"ok": ok, "database": "reachable" if ok else "unreachable"}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if method == "POST" and path in post_routes:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["content-type"] = environ["CONTENT_TYPE"]
            status, hdrs, body = post_routes[path](rt, raw, headers)
            start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                           [*hdrs.items(), ("Content-Length", str(len(body)))])
            return [body]
        body = b"Not Found"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


class _Then:
    """A WSGI body that runs `then` when the server closes it, i.e. after the answer was written
    to the socket (PEP 3333: the server calls close() once it has sent the body)."""

    def __init__(self, body: Iterable[bytes], then: Callable[[], None]) -> None:
        self.body, self.then = body, then

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.then()


def _request_kind(environ: dict[str, Any]) -> str:
    """command, event or interaction (for metrics); the body is re-wound for Bolt."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    if "json" in environ.get("CONTENT_TYPE", ""):
        return "event"
    form = parse_qs(raw.decode(errors="replace"))
    if "command" in form:
        return "command"
    return "interaction" if "payload" in form else "other"


def _events_always_ok(environ: dict[str, Any], start_response: Callable) -> Callable:
    """Slack wants a 200 for every Events API delivery, handled or not. Bolt answers 404 when no listener
    matched (e.g. a :ticket: reaction in an internal channel), which Slack would retry and count as a
    failure. Events are the JSON posts; slash commands and interactivity (forms) keep Bolt's answer."""
    if "json" not in (environ.get("CONTENT_TYPE") or ""):
        return start_response

    def start(status: str, headers: list, exc_info: Any = None) -> Any:
        return start_response("200 OK" if status.startswith("404") else status, headers, exc_info)

    return start


class HttpServer:
    """waitress on host:port (port 0 picks a free one); start() returns at once."""

    def __init__(self, wsgi: Callable, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        from waitress.server import create_server

        self._server = create_server(wsgi, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run_until_closed(self) -> None:
        try:
            self._server.run()
        except OSError:  # the listening socket was closed under the loop by stop()
            pass

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._run_until_closed, name="http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.close()
