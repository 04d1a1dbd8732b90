"""A small Stripe API stand-in for what localstripe lacks: `GET /v1/invoices?status=open` with
`expand[]=data.customer` and `created[gte]`, customers whose `balance` is a credit (localstripe only
has the legacy, sign-inverted `account_balance`), invoices in the 2026-10-28 API shape, and a
request log so the benchmark can count Stripe calls. It speaks Stripe's wire format: list objects
with `has_more`, cursor pagination by `starting_after`, errors as `{"error": {...}}`.

Also `sign_webhook`, which makes a `Stripe-Signature` header the way Stripe does, for tests and
the demo."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.fakes.faults import FaultScript, drop

MAX_LIMIT = 100


def sign_webhook(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """`Stripe-Signature: t=…,v1=…`: HMAC-SHA256 of "{t}.{payload}" with the endpoint secret."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class FakeStripe:
    """In-memory objects plus an HTTP server on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.customers: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._scripted: list[tuple[str, str, float]] = []  # (path prefix, "status:NNN" | "drop" | "stall", seconds)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Network faults per call ("GET /v1/customers"): bot/fakes/faults.py.
        self.faults = FaultScript()
        self.request_times: list[float] = []  # time.monotonic() of each request, for Retry-After checks

    # -- data ----------------------------------------------------------------------------------

    def add_customer(self, cus_id: str, *, balance: int = 0, metadata: dict[str, str] | None = None,
                     name: str | None = None, email: str | None = None, country: str | None = None) -> dict[str, Any]:
        obj = {
            "id": cus_id, "object": "customer", "balance": balance, "name": name, "email": email,
            "metadata": dict(metadata or {}), "currency": "usd", "delinquent": False,
            "address": {"country": country} if country else None, "created": len(self.customers) + 1,
        }
        self.customers[cus_id] = obj
        return obj

    def add_invoice(self, inv_id: str, customer: str, **fields: Any) -> dict[str, Any]:
        """An invoice in the current API shape; `subscription` goes under `parent` as Stripe now does."""
        sub = fields.pop("subscription", None)
        obj: dict[str, Any] = {
            "id": inv_id, "object": "invoice", "customer": customer, "status": "open",
            "collection_method": "charge_automatically", "billing_reason": "subscription_cycle",
            "amount_due": 0, "amount_paid": 0, "amount_remaining": 0, "total": 0, "currency": "usd",
            "attempt_count": 0, "next_payment_attempt": None, "due_date": None, "number": None,
            "period_start": None, "period_end": None, "starting_balance": 0, "ending_balance": None,
            "hosted_invoice_url": f"https://invoice.stripe.test/i/{inv_id}",
            "invoice_pdf": f"https://pay.stripe.test/invoice/{inv_id}/pdf",
            "status_transitions": {"finalized_at": None, "paid_at": None, "voided_at": None,
                                   "marked_uncollectible_at": None},
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub}} if sub else None,
            "created": fields.pop("created", len(self.invoices) + 1),
        }
        obj.update(fields)
        self.invoices[inv_id] = obj
        return obj

    def update_invoice(self, inv_id: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            transitions = fields.pop("status_transitions", None)
            self.invoices[inv_id].update(fields)
            if transitions:
                self.invoices[inv_id]["status_transitions"].update(transitions)
            return self.invoices[inv_id]

    def fail(self, path_prefix: str = "/v1/", status: int = 500, *, times: int = 1) -> None:
        """The next `times` GETs under `path_prefix` answer `status` with a Stripe `api_error` body."""
        with self._lock:
            self._scripted.extend([(path_prefix, f"status:{status}", 0.0)] * times)

    def drop(self, path_prefix: str = "/v1/", *, times: int = 1) -> None:
        """The next `times` GETs under `path_prefix` get no answer: the connection is closed (a network
        failure, as a client sees a timeout: nothing came back)."""
        with self._lock:
            self._scripted.extend([(path_prefix, "drop", 0.0)] * times)

    def stall(self, path_prefix: str = "/v1/", seconds: float = 1.0, *, times: int = 1) -> None:
        """The next `times` GETs under `path_prefix` are answered normally, but only after `seconds`."""
        with self._lock:
            self._scripted.extend([(path_prefix, "stall", seconds)] * times)

    def _take_scripted(self, path: str) -> tuple[str, float] | None:
        with self._lock:
            for i, (prefix, what, seconds) in enumerate(self._scripted):
                if path.startswith(prefix):
                    del self._scripted[i]
                    return what, seconds
        return None

    def calls(self, path_prefix: str = "") -> int:
        return sum(1 for _, path in self.requests if path.startswith(path_prefix))

    # -- server --------------------------------------------------------------------------------

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet test output
                return

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                split = urlsplit(self.path)
                fake.requests.append(("GET", split.path))
                fake.request_times.append(time.monotonic())
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    return self._send(401, _error("You did not provide an API key."))
                fault = fake.faults.take(f"GET {split.path}")
                if fault is not None and not fault.acts:
                    if fault.kind == "rate_limit":  # Stripe's 429: no Stripe-Should-Retry, a Retry-After
                        return self._send(429, _error("Too many requests.", "rate_limit_error", code="rate_limit"),
                                          {"Retry-After": str(fault.retry_after)})
                    return self._send(fault.status, _error("Scripted outage.", "api_error"))
                if fault is not None:
                    query = parse_qsl(split.query, keep_blank_values=True)
                    status, body = fake._route(split.path, query)
                    if fault.kind == "drop_after":
                        return drop(self)
                    if fault.kind == "error_after":
                        return self._send(fault.status, _error("Scripted failure after the work.", "api_error"))
                    time.sleep(fault.stall_s)
                    return self._send(status, body)
                scripted = fake._take_scripted(split.path)
                if scripted and scripted[0] == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if scripted and scripted[0].startswith("status:"):
                    status = int(scripted[0].removeprefix("status:"))
                    return self._send(status, _error("Scripted failure (FakeStripe.fail).", "api_error"))
                if scripted and scripted[0] == "stall":
                    time.sleep(scripted[1])
                query = parse_qsl(split.query, keep_blank_values=True)
                status, body = fake._route(split.path, query)
                self._send(status, body)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.send_header("Request-Id", f"req_{len(fake.requests)}")
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a stall)
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeStripe:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routing -------------------------------------------------------------------------------

    def _route(self, path: str, query: list[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
        params = dict(query)
        expand = [v for k, v in query if k.startswith("expand")]
        if m := re.fullmatch(r"/v1/customers/([\w-]+)", path):
            return self._one(self.customers, m.group(1), "customer")
        if m := re.fullmatch(r"/v1/invoices/([\w-]+)", path):
            status, body = self._one(self.invoices, m.group(1), "invoice")
            return status, self._expand(body, expand, "") if status == 200 else body
        if m := re.fullmatch(r"/v1/subscriptions/([\w-]+)", path):
            return self._one(self.subscriptions, m.group(1), "subscription")
        if path == "/v1/customers":
            return self._list(path, self.customers.values(), params, expand)
        if path == "/v1/invoices":
            items: Iterable[dict[str, Any]] = self.invoices.values()
            if "status" in params:
                items = [i for i in items if i["status"] == params["status"]]
            if "customer" in params:
                items = [i for i in items if i["customer"] == params["customer"]]
            if "created[gte]" in params:
                items = [i for i in items if i["created"] >= int(params["created[gte]"])]
            return self._list(path, items, params, expand)
        return 404, _error(f"Unrecognized request URL (GET: {path}).", "invalid_request_error")

    def _one(self, store: dict[str, dict[str, Any]], obj_id: str, kind: str) -> tuple[int, dict[str, Any]]:
        if obj_id not in store:
            return 404, _error(f"No such {kind}: '{obj_id}'", "invalid_request_error", code="resource_missing")
        return 200, store[obj_id]

    def _list(self, path: str, items: Iterable[dict[str, Any]], params: dict[str, str],
              expand: list[str]) -> tuple[int, dict[str, Any]]:
        try:
            limit = int(params.get("limit", "10"))
        except ValueError:
            return 400, _error("Invalid integer: limit", "invalid_request_error")
        if not 1 <= limit <= MAX_LIMIT:
            return 400, _error("This value must be between 1 and 100.", "invalid_request_error")
        rows = list(items)
        start = 0
        if after := params.get("starting_after"):
            ids = [r["id"] for r in rows]
            if after not in ids:
                return 400, _error(f"No such object: '{after}'", "invalid_request_error")
            start = ids.index(after) + 1
        page = rows[start : start + limit]
        data = [self._expand(r, expand, "data.") for r in page]
        return 200, {"object": "list", "url": path, "has_more": start + limit < len(rows), "data": data}

    def _expand(self, obj: dict[str, Any], expand: list[str], prefix: str) -> dict[str, Any]:
        if f"{prefix}customer" in expand and isinstance(obj.get("customer"), str):
            return {**obj, "customer": self.customers.get(obj["customer"], obj["customer"])}
        return obj


def _error(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": kind}
    if code:
        err["code"] = code
    return {"error": err}
