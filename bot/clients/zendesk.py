"""A small Zendesk Ticketing API client of our own (no GPL library), over httpx.

Only what the :ticket: flow needs (incidents-and-tickets.md A.2.4-A.2.9): create a ticket with an
`Idempotency-Key`, add a comment, find tickets by `external_id`, read a ticket, look up organizations
by `external_id`, create-or-update an end user.

Retries follow `bot.retry`'s one rule: 429s wait `Retry-After`; 5xx, timeouts and dropped connections
are retried with backoff only when repeating is safe: reads, the ticket create (Zendesk deduplicates it
by `Idempotency-Key`, the only write it documents keys for) and the user upsert. A comment is not
deduplicated by Zendesk, so a comment whose answer was lost is *uncertain*: when the caller gives a
`key`, it rides in the update's audit metadata and the ticket's audits are read for it before the
comment is sent (again); without a key an uncertain comment is raised, never resent. When retries run
out `ZendeskUnavailable` is raised so the caller can queue the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bot import retry
from bot.retry import Failure, RetryPolicy, parse_retry_after

DEFAULT_RETRY_DELAYS_S: tuple[float, ...] = (1.0, 4.0, 15.0)  # A.2.9
MAX_RATE_LIMIT_WAITS = 5  # 429s are not failures (A.2.9), but never loop forever
MAX_RETRY_AFTER_S = 120.0


class ZendeskError(Exception):
    """A Zendesk answer the caller must handle; `status` is the HTTP status (0 = no answer)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"Zendesk {status}: {message}")
        self.status = status
        self.body = body


class ZendeskUnavailable(ZendeskError):
    """5xx, timeouts or connection errors outlasted the retries: queue and try later."""


class ZendeskUncertain(ZendeskUnavailable):
    """A write that may have happened (timeout, dropped connection or 5xx after sending): look before
    sending it again."""


class ZendeskAuthError(ZendeskError):
    """401/403: credentials are wrong; retrying will not help until an operator fixes them."""


class ZendeskInvalid(ZendeskError):
    """422/400: Zendesk rejected the payload (e.g. an invalid requester)."""


@dataclass(frozen=True)
class CreatedTicket:
    ticket: dict[str, Any]
    idempotency_hit: bool  # Zendesk replayed an earlier answer for the same key

    @property
    def id(self) -> int:
        return int(self.ticket["id"])


class ZendeskClient:
    """Base URL from `ZENDESK_URL` (e.g. https://acme.zendesk.com); token auth `{email}/token:{token}`."""

    def __init__(
        self,
        base_url: str,
        email: str = "",
        api_token: str = "",
        *,
        timeout_s: float = 10.0,
        retry_delays_s: Sequence[float] = DEFAULT_RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        auth = httpx.BasicAuth(f"{email}/token", api_token) if email else None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            timeout=timeout_s,
            headers={"Accept": "application/json", "User-Agent": "gtmbot-zendesk/1"},
            transport=transport,
        )
        self._policy = policy or RetryPolicy.from_delays(
            retry_delays_s, sleep=sleep, max_rate_limit_waits=MAX_RATE_LIMIT_WAITS, retry_after_cap_s=MAX_RETRY_AFTER_S
        )

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def agent_url(self, ticket_id: int) -> str:
        """Link for internal people only; customers cannot open it (A.2.6)."""
        return f"{self.base_url}/agent/tickets/{ticket_id}"

    def close(self) -> None:
        self._http.close()

    # -- endpoints ---------------------------------------------------------------------------

    def create_ticket(self, ticket: dict[str, Any], idempotency_key: str) -> CreatedTicket:
        response = self._request(
            "POST",
            "/api/v2/tickets.json",
            json={"ticket": ticket},
            headers={"Idempotency-Key": idempotency_key},
            safe=True,  # Zendesk replays the first answer for the same key
        )
        lookup = response.headers.get("x-zendesk-idempotency-lookup") or response.headers.get(
            "x-idempotency-lookup", ""
        )
        return CreatedTicket(ticket=response.json()["ticket"], idempotency_hit=lookup.lower() == "hit")

    def add_comment(
        self,
        ticket_id: int,
        body: str,
        *,
        public: bool,
        author_id: int | None = None,
        key: str | None = None,
        covers: list[str] | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Update Ticket with a comment; returns the answer (`ticket`, `audit`).

        `author_id` makes a Zendesk user the comment's author (default: the API user); `status` is set in
        the same update (e.g. "open" for a customer's reply on a solved ticket, A.2.6).
        With a `key` (unique per comment) the comment is added at most once: the key (and `covers`, what
        the comment stands for, e.g. reply ids) is stored in the audit's custom metadata, and the audits
        are read for it before sending and after any uncertain send. An earlier comment found that way
        is returned as `{"audit": ..., "already": True}`."""
        comment: dict[str, Any] = {"body": body, "public": public}
        if author_id is not None:
            comment["author_id"] = author_id
        update: dict[str, Any] = {"comment": comment}
        if status is not None:
            update["status"] = status
        if key is not None:
            update["metadata"] = {AUDIT_KEY: key, **({"covers": list(covers)} if covers is not None else {})}
        path = f"/api/v2/tickets/{ticket_id}.json"
        failures = 0
        while True:
            if key is not None:
                audit = self.find_audit(ticket_id, key)
                if audit is not None:
                    return {"ticket": None, "audit": audit, "already": True}
            try:
                return self._request("PUT", path, json={"ticket": update}, safe=False).json()
            except ZendeskUncertain:
                failures += 1
                if key is None or failures >= self._policy.max_attempts:
                    raise
                self._policy.sleep(self._policy.backoff(failures))

    def find_audit(self, ticket_id: int, key: str) -> dict[str, Any] | None:
        """The audit of an earlier update that carried `key` in its metadata, if Zendesk has one."""
        response = self._request("GET", f"/api/v2/tickets/{ticket_id}/audits.json", params={"sort_order": "desc"})
        for audit in response.json().get("audits", []):
            custom = ((audit.get("metadata") or {}).get("custom") or {})
            if custom.get(AUDIT_KEY) == key:
                return audit
        return None

    def get_ticket(self, ticket_id: int) -> dict[str, Any] | None:
        response = self._request("GET", f"/api/v2/tickets/{ticket_id}.json", allow_404=True)
        return None if response.status_code == 404 else response.json()["ticket"]

    def find_tickets_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        response = self._request("GET", "/api/v2/tickets.json", params={"external_id": external_id})
        return list(response.json().get("tickets", []))

    def find_organizations_by_external_id(self, external_id: str) -> list[dict[str, Any]]:
        response = self._request(
            "GET", "/api/v2/organizations/search.json", params={"external_id": external_id}
        )
        return list(response.json().get("organizations", []))

    def find_users_by_email(self, email: str) -> list[dict[str, Any]]:
        """Search Users with `email:<address>`, keeping exact (case-insensitive) matches only."""
        response = self._request("GET", "/api/v2/users/search.json", params={"query": f"email:{email}"})
        wanted = email.strip().lower()
        return [u for u in response.json().get("users", []) if (u.get("email") or "").lower() == wanted]

    def create_or_update_user(self, user: dict[str, Any]) -> dict[str, Any]:
        response = self._request("POST", "/api/v2/users/create_or_update.json", json={"user": user}, safe=True)
        return response.json()["user"]

    # -- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        allow_404: bool = False,
        safe: bool | None = None,
    ) -> httpx.Response:
        """One call under the retry rule; `safe` defaults to True for GET only."""
        safe = method == "GET" if safe is None else safe

        def attempt() -> httpx.Response:
            response = self._http.request(method, path, json=json, params=params, headers=headers)
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(response)
            return response

        try:
            response = retry.call(attempt, classify=_classify, safe=safe, policy=self._policy,
                                  what=f"Zendesk {method} {path}")
        except _Retryable as exc:
            status = exc.response.status_code
            if status == 429:
                raise ZendeskUnavailable(429, f"{method} {path}: still rate limited") from None
            cls = ZendeskUnavailable if safe else ZendeskUncertain
            raise cls(status, f"{method} {path}", _body(exc.response)) from None
        except httpx.ConnectError as exc:
            raise ZendeskUnavailable(0, f"{method} {path}: {exc.__class__.__name__}") from exc
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            cls = ZendeskUnavailable if safe or isinstance(exc, httpx.ConnectTimeout) else ZendeskUncertain
            raise cls(0, f"{method} {path}: {exc.__class__.__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise ZendeskAuthError(status, f"{method} {path}: check ZENDESK_EMAIL / ZENDESK_API_TOKEN")
        if status == 404 and allow_404:
            return response
        if status in (400, 409, 422):
            raise ZendeskInvalid(status, f"{method} {path}", _body(response))
        if status >= 400:
            raise ZendeskError(status, f"{method} {path}", _body(response))
        return response


AUDIT_KEY = "gtmbot_key"  # our key inside an audit's custom metadata


class _Retryable(Exception):
    """A 429 or 5xx answer, raised inside a try so the retry policy sees it."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, _Retryable):
        if exc.response.status_code == 429:
            return Failure("rate_limited", _retry_after(exc.response))
        return Failure("transient")
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return Failure("not_sent")  # no connection, so nothing reached Zendesk
    if isinstance(exc, (httpx.TimeoutException, httpx.TransportError)):
        return Failure("transient")
    return None


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
