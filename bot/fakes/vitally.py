"""A local Vitally REST API on 127.0.0.1 (port 0), for tests and the demo.

Speaks the wire format `bot.clients.vitally` documents: `GET /resources/{accounts,users,notes,admins}`
with Basic auth, `limit` / `from` cursor pagination answering `{"results", "next", "atEnd"}`.
Tests script failures (`fail("accounts", 429, times=1, retry_after=0)`) and read `requests`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.clients.vitally import RESOURCES
from bot.fakes.faults import FaultScript, before_answer, drop


@dataclass(frozen=True)
class Request:
    path: str
    params: dict[str, str]
    status: int


class FakeVitally:
    def __init__(self, api_key: str = "vitally-test-key", *, max_limit: int = 100) -> None:
        self.api_key = api_key
        self.max_limit = max_limit
        self.data: dict[str, list[dict[str, Any]]] = {name: [] for name in RESOURCES}
        self.requests: list[Request] = []
        self._failures: dict[str, deque[tuple[int, float | None]]] = defaultdict(deque)
        self._stalls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        # Network faults per call ("GET /resources/accounts"): bot/fakes/faults.py.
        self.faults = FaultScript()

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeVitally:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fault = fake.faults.take(f"GET {urlparse(self.path).path}")
                early = before_answer(fault)
                if early is not None:
                    status, headers, _ = early
                    body: Any = {"error": "rate limited" if status == 429 else "unavailable"}
                    with fake._lock:
                        fake.requests.append(Request(urlparse(self.path).path, {}, status))
                else:
                    status, headers, body = fake._handle(self.path, self.headers.get("Authorization", ""))
                if fault is not None and fault.kind == "drop_after":
                    return drop(self)
                if fault is not None and fault.kind == "error_after":
                    status, headers, body = fault.status, {}, {"error": "internal error"}
                if fault is not None and fault.kind == "stall":
                    time.sleep(fault.stall_s)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (stall)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---- seeding and scripting --------------------------------------------------------------
    def add(self, resource: str, **record: Any) -> dict[str, Any]:
        self.data[resource].append(record)
        return record

    def fail(self, resource: str, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """The next `times` requests for `resource` answer `status` (429 with `Retry-After`)."""
        for _ in range(times):
            self._failures[resource].append((status, retry_after))

    def stall(self, resource: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` requests for `resource` are answered only after `seconds` (a client with a
        shorter timeout gives up first: a timeout)."""
        for _ in range(times):
            self._stalls[resource].append(seconds)

    def calls(self, resource: str) -> list[Request]:
        return [r for r in self.requests if r.path == f"/resources/{resource}"]

    # ---- the wire ---------------------------------------------------------------------------
    def _handle(self, raw_path: str, authorization: str) -> tuple[int, dict[str, str], Any]:
        parsed = urlparse(raw_path)
        params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        resource = parsed.path.strip("/").split("/")[-1]
        with self._lock:
            stall = self._stalls[resource].popleft() if self._stalls.get(resource) else 0.0
        if stall:
            time.sleep(stall)
        with self._lock:
            status, headers, body = self._answer(parsed.path, params, authorization)
            self.requests.append(Request(parsed.path, params, status))
        return status, headers, body

    def _answer(self, path: str, params: dict[str, str], authorization: str) -> tuple[int, dict[str, str], Any]:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        if authorization != expected:
            return 401, {}, {"error": "Unauthorized"}
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "resources" or parts[1] not in RESOURCES:
            return 404, {}, {"error": "Not found"}
        resource = parts[1]
        if self._failures[resource]:
            status, retry_after = self._failures[resource].popleft()
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return status, headers, {"error": "scripted failure"}
        try:
            limit = min(int(params.get("limit", "20")), self.max_limit)
            start = int(base64.urlsafe_b64decode(params["from"]).decode()) if params.get("from") else 0
        except (ValueError, UnicodeDecodeError):
            return 400, {}, {"error": "bad limit or cursor"}
        records = self.data[resource]
        page = records[start : start + limit]
        end = start + len(page)
        at_end = end >= len(records)
        cursor = None if at_end else base64.urlsafe_b64encode(str(end).encode()).decode()
        return 200, {}, {"results": page, "next": cursor, "atEnd": at_end}
