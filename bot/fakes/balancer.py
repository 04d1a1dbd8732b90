"""A small round-robin HTTP load balancer for the scale-out tests (stdlib only).

It binds 127.0.0.1 on a free port and forwards each request (method, path and query, headers,
body) to the next backend in turn, passing the backend's status, headers and body back. A
backend whose connection is refused is skipped and marked down for a moment, as a real load
balancer with health checks does; the request goes to the next one, so a dead replica costs the
client nothing. Only a refused connection is retried: once a backend has the request, its answer
(or its failure, as 502) is final, so nothing is ever processed twice.

Every request is recorded with the backend that answered it, so a test can show the spread.
Request bodies are read by Content-Length (what Slack, Stripe and httpx send); no chunked uploads.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# RFC 9110 §7.6.1: connection-specific headers are not forwarded by an intermediary.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
              "proxy-authenticate", "proxy-authorization"}


@dataclass(frozen=True)
class Routed:
    """One request and who answered it (`backend` is None when none could take it)."""

    method: str
    path: str
    backend: str | None
    status: int
    skipped: tuple[str, ...] = ()


class Balancer:
    def __init__(self, backends: list[str], *, down_for: float = 1.0, timeout: float = 30.0) -> None:
        if not backends:
            raise ValueError("at least one backend")
        self.backends = [b.rstrip("/") for b in backends]
        self.down_for = down_for  # seconds a refused backend is left out before it is tried again
        self.timeout = timeout
        self.routed: list[Routed] = []
        self._down_until: dict[str, float] = {}
        self._position = 0  # round-robin cursor
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ server
    def start(self) -> Balancer:
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                balancer._proxy(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="balancer", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Balancer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server, "Balancer not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ----------------------------------------------------------------- reading
    def answered_by(self, path: str | None = None) -> Counter:
        """Requests answered per backend (optionally only for one path)."""
        with self._lock:
            return Counter(r.backend for r in self.routed if r.backend and (path is None or r.path == path))

    def last(self) -> Routed:
        with self._lock:
            return self.routed[-1]

    def peek(self) -> str:
        """The backend the next request goes to, if it is up (round robin order)."""
        with self._lock:
            start = self._position
            now = time.monotonic()
            for i in range(len(self.backends)):
                b = self.backends[(start + i) % len(self.backends)]
                if self._down_until.get(b, 0) <= now:
                    return b
            return self.backends[start % len(self.backends)]

    # ---------------------------------------------------------------- proxying
    def _order(self) -> list[str]:
        """Backends to try for one request: up ones in round-robin order, then down ones."""
        with self._lock:
            start = self._position
            self._position += 1
            now = time.monotonic()
            ring = [self.backends[(start + i) % len(self.backends)] for i in range(len(self.backends))]
            up = [b for b in ring if self._down_until.get(b, 0) <= now]
        return up + [b for b in ring if b not in up]

    def _proxy(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP | {"host", "content-length"}}
        path = urlsplit(handler.path).path
        skipped: list[str] = []
        for backend in self._order():
            target = urlsplit(backend)
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=self.timeout)
            try:
                conn.connect()
            except OSError:  # refused (or unreachable): the backend never saw the request
                conn.close()
                with self._lock:
                    self._down_until[backend] = time.monotonic() + self.down_for
                skipped.append(backend)
                continue
            try:
                conn.request(handler.command, handler.path, body=body if body or length else None,
                             headers={**headers, "Host": f"{target.hostname}:{target.port}",
                                      "X-Forwarded-For": handler.client_address[0]})
                resp = conn.getresponse()
                data = resp.read()
                status, resp_headers = resp.status, resp.getheaders()
            except (OSError, http.client.HTTPException) as e:
                # the backend had the request and died or broke: never resend it elsewhere
                self._record(handler.command, path, backend, 502, skipped)
                self._reply(handler, 502, [("Content-Type", "text/plain")], f"bad gateway: {e}".encode())
                return
            finally:
                conn.close()
            with self._lock:
                self._down_until.pop(backend, None)
            passed = [(k, v) for k, v in resp_headers if k.lower() not in HOP_BY_HOP | {"content-length"}]
            self._record(handler.command, path, backend, status, skipped)  # before the client can read it
            self._reply(handler, status, passed, data)
            return
        self._record(handler.command, path, None, 503, skipped)
        self._reply(handler, 503, [("Content-Type", "text/plain")], b"no backend available")

    def _record(self, method: str, path: str, backend: str | None, status: int, skipped: list[str]) -> None:
        with self._lock:
            self.routed.append(Routed(method, path, backend, status, tuple(skipped)))

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        handler.send_response(status)
        for k, v in headers:
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)
