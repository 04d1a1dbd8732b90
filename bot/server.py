"""HTTP serving: a small WSGI router in front of Bolt.

POST /slack/events   commands, events and interactivity (signatures verified by Bolt)
POST /stripe/webhook Stripe events (Stripe-Signature verified), when billing is installed
GET  /healthz        200 once the database answers, else 503
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.db.session import ping
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.server")

# (status, headers, body) from a raw request body and its headers.
RawHandler = Callable[[Runtime, bytes, dict[str, str]], tuple[int, dict[str, str], bytes]]

# Extra POST routes added by capabilities: path -> "module:function" (imported lazily).
POST_ROUTES: dict[str, str] = {}


def _load(ref: str) -> RawHandler:
    module, func = ref.split(":")
    return getattr(__import__(module, fromlist=[func]), func)


def make_wsgi_app(rt: Runtime, app: App) -> Callable:
    slack_handler = SlackRequestHandler(app)
    post_routes = {path: _load(ref) for path, ref in POST_ROUTES.items()}

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events" and method == "POST":
            return slack_handler(environ, start_response)
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

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def stop(self) -> None:
        self._server.close()
