"""A local stand-in for the Zendesk Ticketing API, for tests and `gtmbot demo`.

A real HTTP server on 127.0.0.1 (port 0 = any free port) speaking Zendesk's JSON wire format for the
endpoints the :ticket: flow uses. It enforces idempotency keys the way Zendesk documents them: the same
`Idempotency-Key` with the same payload within the window returns the original answer with
`x-zendesk-idempotency-lookup: hit`; the same key with a different payload is a 400
`IdempotentRequestError`. A ticket update's `metadata` is kept in its audit's `metadata.custom`
(`GET /api/v2/tickets/{id}/audits.json`). Failures are scriptable (500s, 429s with `Retry-After`, a full
outage, and the network faults of `bot/fakes/faults.py` per call), and every request is recorded so
tests assert on what Zendesk saw.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.fakes.faults import FaultScript, before_answer, drop

IDEMPOTENCY_WINDOW_S = 2 * 3600  # Zendesk keeps keys for a limited time (reported as two hours)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class _Scripted:
    status: int
    retry_after: int | None = None
    path_prefix: str = ""
    method: str = ""


@dataclass
class FakeZendeskState:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    organizations: list[dict[str, Any]] = field(default_factory=list)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    audits: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # ticket updates, oldest first
    idempotency: dict[str, tuple[float, str, int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    scripted: list[_Scripted] = field(default_factory=list)
    outage_status: int | None = None
    # Seconds to hold the answer to a ticket create AFTER the ticket exists (a client killed meanwhile
    # leaves Zendesk with a ticket the client never recorded).
    create_stall_s: float = 0.0
    # One-shot stalls: (path prefix, method, seconds) for the next matching requests, answered late.
    stalls: list[tuple[str, str, float]] = field(default_factory=list)
    next_ticket_id: int = 4821
    next_user_id: int = 70001
    next_audit_id: int = 90001


class FakeZendesk:
    """Start with `FakeZendesk().start()`; `.url` is the base URL to give as ZENDESK_URL."""

    def __init__(self, email: str = "", api_token: str = "", *, first_ticket_id: int = 4821) -> None:
        self.email = email
        self.api_token = api_token
        self.state = FakeZendeskState(next_ticket_id=first_ticket_id)
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.clock = time.monotonic
        # Network faults per call ("POST /api/v2/tickets.json", "PUT /api/v2/tickets/"): bot/fakes/faults.py.
        self.faults = FaultScript()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeZendesk:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-zendesk", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeZendesk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- seeding and scripting --------------------------------------------------------------

    def add_organization(
        self, org_id: int, external_id: str, *, name: str = "", tags: list[str] | None = None
    ) -> None:
        with self.lock:
            self.state.organizations.append(
                {
                    "id": org_id,
                    "external_id": external_id,
                    "name": name or external_id,
                    "tags": list(tags or []),
                }
            )

    def fail_next(
        self,
        count: int,
        status: int = 500,
        *,
        retry_after: int | None = None,
        path_prefix: str = "",
        method: str = "",
    ) -> None:
        """The next `count` matching requests answer `status` (e.g. 503, or 429 with Retry-After)."""
        with self.lock:
            for _ in range(count):
                self.state.scripted.append(_Scripted(status, retry_after, path_prefix, method))

    def set_outage(self, status: int | None = 503) -> None:
        """Every request answers `status` until `set_outage(None)`."""
        with self.lock:
            self.state.outage_status = status

    def stall_creates(self, seconds: float) -> None:
        """Create tickets at once but answer only after `seconds` (0 turns it off)."""
        with self.lock:
            self.state.create_stall_s = seconds

    def stall_next(self, count: int, seconds: float, *, path_prefix: str = "", method: str = "") -> None:
        """The next `count` matching requests are handled at once but answered after `seconds` (a client
        with a shorter timeout sees a timeout although Zendesk acted)."""
        with self.lock:
            self.state.stalls.extend([(path_prefix, method, seconds)] * count)

    def add_user(self, email: str, name: str, *, role: str = "agent") -> dict[str, Any]:
        """Seed a Zendesk user (an agent by default) that exists before the bot talks to Zendesk."""
        with self.lock:
            return self._upsert_user({"email": email, "name": name, "role": role})

    def set_ticket_status(self, ticket_id: int, status: str) -> None:
        with self.lock:
            self.state.tickets[ticket_id]["status"] = status

    def create_ticket_directly(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """Seed a ticket as if created earlier (e.g. by a process that then died)."""
        with self.lock:
            return self._store_ticket(ticket)

    # -- reading what happened ---------------------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [
                r
                for r in self.state.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def ticket_creates(self) -> list[RecordedRequest]:
        return self.requests("POST", "/api/v2/tickets.json")

    def tickets(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(t) for t in self.state.tickets.values()]

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.state.comments.get(ticket_id, [])]

    # -- request handling (called from the server threads) ---------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body = raw_body.decode("utf-8", "replace")
        with self.lock:
            status, out_headers, payload = self._dispatch(method, split.path, query, headers, body, raw_body)
            self.state.requests.append(
                RecordedRequest(
                    method, split.path, query, {k.lower(): v for k, v in headers.items()}, body, status
                )
            )
            stall = (
                self.state.create_stall_s if (method, split.path) == ("POST", "/api/v2/tickets.json") else 0.0
            )
            for i, (prefix, verb, seconds) in enumerate(self.state.stalls):
                if split.path.startswith(prefix) and (not verb or verb == method):
                    del self.state.stalls[i]
                    stall = max(stall, seconds)
                    break
        if stall:
            time.sleep(stall)
        return status, out_headers, payload

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any, raw: bytes
    ) -> tuple[int, dict[str, str], Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        if self.email and not self._authorized(lower.get("authorization", "")):
            return 401, {}, {"error": "Couldn't authenticate you"}
        if self.state.outage_status is not None:
            return self.state.outage_status, {}, {"error": "ServiceUnavailable"}
        for i, scripted in enumerate(self.state.scripted):
            if path.startswith(scripted.path_prefix) and (not scripted.method or scripted.method == method):
                del self.state.scripted[i]
                extra = {"Retry-After": str(scripted.retry_after)} if scripted.retry_after is not None else {}
                name = "TooManyRequests" if scripted.status == 429 else "InternalServerError"
                return scripted.status, extra, {"error": name}

        if method == "POST" and path == "/api/v2/tickets.json":
            return self._create_ticket(lower.get("idempotency-key"), body, raw)
        m = re.fullmatch(r"/api/v2/tickets/(\d+)\.json", path)
        if m and method == "PUT":
            return self._update_ticket(int(m.group(1)), body)
        if m and method == "GET":
            ticket = self.state.tickets.get(int(m.group(1)))
            if ticket is None:
                return 404, {}, {"error": "RecordNotFound", "description": "Not found"}
            return 200, {}, {"ticket": ticket}
        m = re.fullmatch(r"/api/v2/tickets/(\d+)/audits\.json", path)
        if m and method == "GET":
            if int(m.group(1)) not in self.state.tickets:
                return 404, {}, {"error": "RecordNotFound", "description": "Not found"}
            audits = list(self.state.audits.get(int(m.group(1)), []))
            if query.get("sort_order") == "desc":
                audits.reverse()
            return 200, {}, {"audits": audits, "count": len(audits), "next_page": None, "previous_page": None}
        if method == "GET" and path == "/api/v2/tickets.json":
            found = [
                t
                for t in self.state.tickets.values()
                if "external_id" in query and t.get("external_id") == query["external_id"]
            ]
            return 200, {}, {"tickets": found, "count": len(found), "next_page": None, "previous_page": None}
        if method == "GET" and path == "/api/v2/organizations/search.json":
            found = [o for o in self.state.organizations if o["external_id"] == query.get("external_id")]
            return (
                200,
                {},
                {"organizations": found, "count": len(found), "next_page": None, "previous_page": None},
            )
        if method == "GET" and path == "/api/v2/users/search.json":
            users = self._search_users(query.get("query", ""))
            return 200, {}, {"users": users, "count": len(users), "next_page": None, "previous_page": None}
        if method == "POST" and path == "/api/v2/users/create_or_update.json":
            return self._create_or_update_user(body)
        return 404, {}, {"error": "InvalidEndpoint", "description": "Not found"}

    def _authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.email}/token:{self.api_token}".encode()).decode()
        return header == f"Basic {expected}"

    def _create_ticket(self, key: str | None, body: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        if not isinstance(body, dict) or not isinstance(body.get("ticket"), dict):
            return 400, {}, {"error": "InvalidEndpoint", "description": "ticket is required"}
        ticket_in = body["ticket"]
        comment = ticket_in.get("comment") or {}
        if not str(comment.get("body", "")).strip():
            return (
                422,
                {},
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {"base": [{"description": "Description: cannot be blank"}]},
                },
            )
        fingerprint = json.dumps(body, sort_keys=True)
        now = self.clock()
        if key:
            seen = self.state.idempotency.get(key)
            if seen is not None and now - seen[0] < IDEMPOTENCY_WINDOW_S:
                if seen[1] != fingerprint:
                    return (
                        400,
                        {},
                        {
                            "error": "IdempotentRequestError",
                            "description": "Request parameters do not match the original request for this idempotency key",
                        },
                    )
                return seen[2], {"x-zendesk-idempotency-lookup": "hit"}, seen[3]
        ticket = self._store_ticket(ticket_in)
        payload = {"ticket": ticket}
        if key:
            self.state.idempotency[key] = (now, fingerprint, 201, payload)
        return (
            201,
            {"x-zendesk-idempotency-lookup": "miss", "Location": f"/api/v2/tickets/{ticket['id']}.json"},
            payload,
        )

    def _store_ticket(self, ticket_in: dict[str, Any]) -> dict[str, Any]:
        ticket_id = self.state.next_ticket_id
        self.state.next_ticket_id += 1
        comment = dict(ticket_in.get("comment") or {})
        requester_id = ticket_in.get("requester_id")
        if requester_id is None and isinstance(ticket_in.get("requester"), dict):
            requester_id = self._upsert_user(ticket_in["requester"])["id"]
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        ticket = {
            "id": ticket_id,
            "url": f"/api/v2/tickets/{ticket_id}.json",
            "subject": ticket_in.get("subject"),
            "description": comment.get("body", ""),
            "status": ticket_in.get("status", "new"),
            "priority": ticket_in.get("priority"),
            "requester_id": requester_id,
            "organization_id": ticket_in.get("organization_id"),
            "external_id": ticket_in.get("external_id"),
            "tags": list(ticket_in.get("tags", [])),
            "custom_fields": list(ticket_in.get("custom_fields", [])),
            "via_followup_source_id": ticket_in.get("via_followup_source_id"),
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.state.tickets[ticket_id] = ticket
        self.state.comments[ticket_id] = [
            {
                "id": self._audit_id(),
                "body": comment.get("body", ""),
                "public": comment.get("public", True),
                "author_id": comment.get("author_id"),
            }
        ]
        return ticket

    def _update_ticket(self, ticket_id: int, body: Any) -> tuple[int, dict[str, str], Any]:
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            return 404, {}, {"error": "RecordNotFound", "description": "Not found"}
        if ticket["status"] == "closed":
            return 422, {}, {"error": "RecordInvalid", "description": "Status: closed prevents ticket update"}
        update = (body or {}).get("ticket") or {}
        refused = self._status_refusal(ticket["status"], update.get("status"))
        if refused:
            return 422, {}, {"error": "RecordInvalid", "description": f"Status: {refused}"}
        comment_in = update.get("comment")
        author_id = comment_in.get("author_id") if isinstance(comment_in, dict) else None
        if author_id is not None and author_id not in self.state.users:
            return 422, {}, {"error": "RecordInvalid", "description": "Author: is invalid"}
        audit: dict[str, Any] = {
            "id": self._audit_id(),
            "ticket_id": ticket_id,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "metadata": {"system": {}, "custom": dict(update.get("metadata") or {})},
            "events": [],
        }
        comment = update.get("comment")
        if isinstance(comment, dict):
            stored = {
                "id": audit["id"],
                "body": comment.get("body", ""),
                "public": comment.get("public", True),
                "author_id": comment.get("author_id"),
            }
            self.state.comments[ticket_id].append(stored)
            audit["events"].append({"type": "Comment", **stored})
            # No reopening here: whether a comment reopens a solved ticket depends on its author and the
            # instance's triggers, so the fake does what an instance without such a trigger does (nothing).
        for key in ("status", "priority", "tags"):
            if key in update:
                ticket[key] = update[key]
        self.state.audits.setdefault(ticket_id, []).append(audit)
        return 200, {}, {"ticket": ticket, "audit": audit}

    # Ticket statuses and the moves the Update Ticket API accepts: `new` only while a ticket is new,
    # `closed` only for a solved ticket, nothing once closed (checked above).
    STATUSES = ("new", "open", "pending", "hold", "solved", "closed")

    def _status_refusal(self, current: str, wanted: Any) -> str | None:
        if wanted is None or wanted == current:
            return None
        if wanted not in self.STATUSES:
            return f"{wanted} is not valid"
        if wanted == "new":
            return "cannot be set back to new"
        if wanted == "closed" and current != "solved":
            return "only a solved ticket can be closed"
        return None

    def _search_users(self, query: str) -> list[dict[str, Any]]:
        """`email:x@y` is an exact (case-insensitive) email match; other text matches name or email."""
        q = query.strip().lower()
        if q.startswith("email:"):
            email = q.removeprefix("email:").strip().strip('"')
            return [u for u in self.state.users.values() if (u.get("email") or "").lower() == email]
        return [
            u
            for u in self.state.users.values()
            if q and (q in (u.get("email") or "").lower() or q in (u.get("name") or "").lower())
        ]

    def _create_or_update_user(self, body: Any) -> tuple[int, dict[str, str], Any]:
        user_in = (body or {}).get("user") if isinstance(body, dict) else None
        if not isinstance(user_in, dict) or not (user_in.get("email") or user_in.get("external_id")):
            return 422, {}, {"error": "RecordInvalid", "description": "email or external_id is required"}
        existed = any(self._same_user(u, user_in) for u in self.state.users.values())
        user = self._upsert_user(user_in)
        return (200 if existed else 201), {}, {"user": user}

    @staticmethod
    def _same_user(user: dict[str, Any], user_in: dict[str, Any]) -> bool:
        return bool(
            (user_in.get("email") and user.get("email") == user_in["email"])
            or (user_in.get("external_id") and user.get("external_id") == user_in["external_id"])
        )

    def _upsert_user(self, user_in: dict[str, Any]) -> dict[str, Any]:
        for user in self.state.users.values():
            if self._same_user(user, user_in):
                user.update({k: v for k, v in user_in.items() if v is not None})
                return user
        user = {"id": self.state.next_user_id, "role": "end-user", **user_in}
        self.state.users[user["id"]] = user
        self.state.next_user_id += 1
        return user

    def _audit_id(self) -> int:
        self.state.next_audit_id += 1
        return self.state.next_audit_id


class _Handler(BaseHTTPRequestHandler):
    fake: FakeZendesk
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        fault = self.fake.faults.take(f"{self.command} {urlsplit(self.path).path}")
        early = before_answer(fault)
        if early is not None:
            status, headers, _ = early
            payload: Any = {"error": "TooManyRequests" if status == 429 else "ServiceUnavailable"}
            with self.fake.lock:
                self.fake.state.requests.append(RecordedRequest(
                    self.command, urlsplit(self.path).path, {}, {k.lower(): v for k, v in self.headers.items()},
                    None, status))
        else:
            status, headers, payload = self.fake.handle(self.command, self.path, dict(self.headers.items()), raw)
        if fault is not None and fault.kind == "drop_after":
            return drop(self)
        if fault is not None and fault.kind == "error_after":
            status, headers, payload = fault.status, {}, {"error": "InternalServerError"}
        if fault is not None and fault.kind == "stall":
            time.sleep(fault.stall_s)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a stalled answer)
            self.close_connection = True

    do_GET = do_POST = do_PUT = _serve  # noqa: N815 - http.server's naming
